"""API of care visits and alarms: visit tiers and records, devices, device events, alarms.

`POST /devices/events` is for device platforms: it takes the bearer token of a provider's staff
account (events of the devices that provider keeps) or of the city's eldercare staff (any
device). An unknown serial answers 422 naming it, and nothing changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from minzheng.eldercare import care, care_selectors
from minzheng.eldercare.care_models import Alarm, CareVisit, Device
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import Provider
from minzheng.schemas import InputSchema

router = Router()
PAGE_SIZE = 50

Check = Literal["ok", "concern"]
DeviceType = Literal["sos", "smoke", "gas", "water", "inactivity", "door"]


class CareElderOut(Schema):
    person_id: int
    name: str
    division_code: str
    tier: str
    tier_since: dt.date
    is_override: bool
    last_visit: dt.date | None
    due_on: dt.date
    overdue_days: int


class CareElderPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CareElderOut]


class CareElderFilter(InputSchema):
    tier: Literal["", "high", "key", "general"] = ""
    town: str = Field("", max_length=9, pattern=r"^([0-9]{9})?$")
    overdue: bool = False
    page: int = Field(1, ge=1, le=100_000)


class VisitIn(InputSchema):
    person_id: int
    visited_on: dt.date
    channel: Literal["home", "phone", "video", "third_party", "volunteer", "neighbour"]
    visitor: str = Field(max_length=50)
    health: Check
    economy: Check
    family_support: Check
    safety: Check
    needs: list[
        Literal["daily_care", "rehabilitation", "comfort", "adaptation", "meal", "medical"]
    ] = Field(default_factory=list, max_length=6)
    findings: str = Field("", max_length=2000)
    follow_up: bool = False
    follow_up_note: str = Field("", max_length=1000)


class VisitOut(Schema):
    id: int
    person_id: int
    division_code: str
    visited_on: dt.date
    channel: str
    visitor: str
    health: str
    economy: str
    family_support: str
    safety: str
    needs: list[str]
    findings: str
    follow_up: bool
    follow_up_note: str
    recorded_by: str

    @staticmethod
    def of(visit: CareVisit) -> VisitOut:
        return VisitOut(
            id=visit.pk,
            person_id=visit.person_id,
            division_code=visit.division_code,
            visited_on=visit.visited_on,
            channel=visit.channel,
            visitor=visit.visitor,
            health=visit.health,
            economy=visit.economy,
            family_support=visit.family_support,
            safety=visit.safety,
            needs=list(visit.needs),
            findings=visit.findings,
            follow_up=visit.follow_up,
            follow_up_note=visit.follow_up_note,
            recorded_by=visit.recorded_by.get_username(),
        )


class VisitPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[VisitOut]


class VisitFilter(InputSchema):
    town: str = Field("", max_length=9, pattern=r"^([0-9]{9})?$")
    since: dt.date | None = None
    follow_up: bool = False
    page: int = Field(1, ge=1, le=100_000)


class TierOverrideIn(InputSchema):
    tier: Literal["high", "key", "general"]
    reason: str = Field(max_length=500)


class TierOut(Schema):
    person_id: int
    tier: str
    valid_from: dt.date
    is_override: bool
    reasons: list[str]


class DeviceIn(InputSchema):
    person_id: int
    device_type: DeviceType
    serial: str = Field(max_length=40)
    installed_on: dt.date
    provider_id: int


class DeviceOut(Schema):
    id: int
    serial: str
    device_type: str
    person_id: int
    division_code: str
    provider_id: int
    installed_on: dt.date
    active: bool
    deactivated_on: dt.date | None

    @staticmethod
    def of(device: Device) -> DeviceOut:
        return DeviceOut(
            id=device.pk,
            serial=device.serial,
            device_type=device.device_type,
            person_id=device.person_id,
            division_code=device.division_code,
            provider_id=device.provider_id,
            installed_on=device.installed_on,
            active=device.active,
            deactivated_on=device.deactivated_on,
        )


class DevicePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[DeviceOut]


class DeviceFilter(InputSchema):
    active: bool | None = None
    town: str = Field("", max_length=9, pattern=r"^([0-9]{9})?$")
    page: int = Field(1, ge=1, le=100_000)


class EventIn(InputSchema):
    serial: str = Field(max_length=40)
    type: DeviceType
    at: dt.datetime = Field(description="When the device raised it, with its time zone")
    data: dict[str, Any] = Field(default_factory=dict, description="What the device sent")


class AlarmOut(Schema):
    id: int
    number: str
    kind: str
    state: str
    person_id: int
    device_serial: str
    provider_id: int
    division_code: str
    opened_at: dt.datetime
    arrive_by: dt.datetime
    event_count: int
    responder: str | None
    dispatched_at: dt.datetime | None
    arrived_at: dt.datetime | None
    closed_at: dt.datetime | None
    elapsed_minutes: int
    arrived_in_time: bool | None
    notes: str

    @staticmethod
    def of(alarm: Alarm, now: dt.datetime) -> AlarmOut:
        return AlarmOut(
            id=alarm.pk,
            number=alarm.number,
            kind=alarm.kind,
            state=alarm.state,
            person_id=alarm.person_id,
            device_serial=alarm.device.serial,
            provider_id=alarm.provider_id,
            division_code=alarm.division_code,
            opened_at=alarm.opened_at,
            arrive_by=alarm.arrive_by,
            event_count=alarm.event_count,
            responder=alarm.responder.get_username() if alarm.responder else None,
            dispatched_at=alarm.dispatched_at,
            arrived_at=alarm.arrived_at,
            closed_at=alarm.closed_at,
            elapsed_minutes=care_selectors.elapsed_minutes(alarm, now),
            arrived_in_time=alarm.arrived_in_time,
            notes=alarm.notes,
        )


class EventOut(Schema):
    alarm: AlarmOut
    opened: bool = Field(description="A new alarm was opened")
    duplicate: bool = Field(description="The same event was received before; nothing changed")


class AlarmStepOut(Schema):
    transition: str
    on: dt.date
    at: dt.datetime
    actor: str | None
    note: str
    data: dict[str, Any]


class AlarmDetailOut(AlarmOut):
    timeline: list[AlarmStepOut]


class AlarmPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[AlarmOut]


class AlarmFilter(InputSchema):
    state: Literal["", "active", "open", "dispatched", "arrived", "closed", "false_alarm"] = ""
    town: str = Field("", max_length=9, pattern=r"^([0-9]{9})?$")
    overdue: bool = False
    page: int = Field(1, ge=1, le=100_000)


class DispatchIn(InputSchema):
    responder: str = Field(max_length=150, description="The username of the responder")
    at: dt.datetime | None = None
    note: str = Field("", max_length=500)


class ArriveIn(InputSchema):
    at: dt.datetime | None = None
    note: str = Field("", max_length=500)


class CloseIn(InputSchema):
    at: dt.datetime | None = None
    notes: str = Field(max_length=2000)


def _page(items: Any, page: int) -> tuple[int, Any]:
    start = (page - 1) * PAGE_SIZE
    return len(items) if isinstance(items, list) else items.count(), items[
        start : start + PAGE_SIZE
    ]


@router.get(
    "/care/elders",
    response=CareElderPage,
    operation_id="eldercare_care_elder_list",
    summary="Elders with a visit tier in scope, with the next visit due (most overdue first)",
)
def care_elder_list(request: HttpRequest, filters: Query[CareElderFilter]) -> CareElderPage:
    rows = care_selectors.care_elders(
        user=request.user,
        on=timezone.localdate(),
        filters=care_selectors.CareFilters(
            tier=filters.tier, town=filters.town, overdue=filters.overdue
        ),
    )
    count, items = _page(rows, filters.page)
    return CareElderPage(
        count=count,
        page=filters.page,
        page_size=PAGE_SIZE,
        items=[
            CareElderOut(
                person_id=row.person.pk,
                name=row.person.name,
                division_code=row.tier.division_code,
                tier=row.tier.tier,
                tier_since=row.tier.valid_from,
                is_override=row.tier.is_override,
                last_visit=row.last_visit,
                due_on=row.due_on,
                overdue_days=row.overdue_days,
            )
            for row in items
        ],
    )


@router.post(
    "/care/visits",
    response={201: VisitOut},
    operation_id="eldercare_care_visit_record",
    summary="Record a care visit with its checklist",
)
def care_visit_record(request: HttpRequest, body: VisitIn) -> Status:
    person = care_selectors.care_elder_get(user=request.user, person_id=body.person_id)
    visit = care.care_visit_record(
        acting_user=request.user,
        person=person,
        data=care.VisitIn(
            visited_on=body.visited_on,
            channel=body.channel,
            visitor=body.visitor,
            health=body.health,
            economy=body.economy,
            family_support=body.family_support,
            safety=body.safety,
            needs=tuple(body.needs),
            findings=body.findings,
            follow_up=body.follow_up,
            follow_up_note=body.follow_up_note,
        ),
        on=timezone.localdate(),
    )
    return Status(201, VisitOut.of(visit))


@router.get("/care/visits", response=VisitPage, operation_id="eldercare_care_visit_list")
def care_visit_list(request: HttpRequest, filters: Query[VisitFilter]) -> VisitPage:
    visits = care_selectors.visit_list(
        user=request.user,
        filters=care_selectors.VisitFilters(
            town=filters.town, since=filters.since, follow_up=filters.follow_up
        ),
    )
    count, items = _page(visits, filters.page)
    return VisitPage(
        count=count,
        page=filters.page,
        page_size=PAGE_SIZE,
        items=[VisitOut.of(visit) for visit in items],
    )


@router.post(
    "/care/tiers/{person_id}",
    response=TierOut,
    operation_id="eldercare_care_tier_override",
    summary="Set an elder's visit tier by hand, with the reason (the office)",
)
def care_tier_override(request: HttpRequest, person_id: int, body: TierOverrideIn) -> TierOut:
    person = care_selectors.care_elder_get(user=request.user, person_id=person_id)
    tier = care.risk_tier_override(
        acting_user=request.user,
        person=person,
        tier=body.tier,
        reason=body.reason,
        on=timezone.localdate(),
    )
    return TierOut(
        person_id=person.pk,
        tier=tier.tier,
        valid_from=tier.valid_from,
        is_override=tier.is_override,
        reasons=list(tier.reasons),
    )


@router.get("/devices", response=DevicePage, operation_id="eldercare_device_list")
def device_list(request: HttpRequest, filters: Query[DeviceFilter]) -> DevicePage:
    devices = care_selectors.device_list(
        user=request.user, active=filters.active, town=filters.town
    )
    count, items = _page(devices, filters.page)
    return DevicePage(
        count=count,
        page=filters.page,
        page_size=PAGE_SIZE,
        items=[DeviceOut.of(device) for device in items],
    )


@router.post(
    "/devices",
    response={201: DeviceOut},
    operation_id="eldercare_device_register",
    summary="Register a device installed at an elder's home (the office)",
)
def device_register(request: HttpRequest, body: DeviceIn) -> Status:
    person = care_selectors.care_elder_get(user=request.user, person_id=body.person_id)
    provider = Provider.objects.filter(pk=body.provider_id).first()
    if provider is None:
        raise EldercareError.one("provider_id", "未知的服务商", "unknown provider")
    device = care.device_register(
        acting_user=request.user,
        person=person,
        device_type=body.device_type,
        serial=body.serial,
        installed_on=body.installed_on,
        provider=provider,
        on=timezone.localdate(),
    )
    return Status(201, DeviceOut.of(device))


@router.post(
    "/devices/events",
    response={200: EventOut, 201: EventOut},
    operation_id="eldercare_device_event_receive",
    summary="Take an event from a device platform: open an alarm (201) or join the open one",
)
def device_event_receive(request: HttpRequest, body: EventIn) -> Status:
    result = care.device_event_receive(
        acting_user=request.user,
        serial=body.serial,
        event_type=body.type,
        at=body.at,
        data=body.data,
    )
    now = timezone.now()
    return Status(
        201 if result.opened else 200,
        EventOut(
            alarm=AlarmOut.of(result.alarm, now), opened=result.opened, duplicate=result.duplicate
        ),
    )


@router.get("/alarms", response=AlarmPage, operation_id="eldercare_alarm_list")
def alarm_list(request: HttpRequest, filters: Query[AlarmFilter]) -> AlarmPage:
    now = timezone.now()
    alarms = care_selectors.alarm_list(
        user=request.user,
        filters=care_selectors.AlarmFilters(
            state=filters.state, town=filters.town, overdue=filters.overdue
        ),
        now=now,
    )
    count, items = _page(alarms, filters.page)
    return AlarmPage(
        count=count,
        page=filters.page,
        page_size=PAGE_SIZE,
        items=[AlarmOut.of(alarm, now) for alarm in items],
    )


def _detail(alarm: Alarm) -> AlarmDetailOut:
    alarm.refresh_from_db()
    return AlarmDetailOut(
        **AlarmOut.of(alarm, timezone.now()).dict(),
        timeline=[
            AlarmStepOut(
                transition=record.transition,
                on=record.on,
                at=record.at,
                actor=record.actor.get_username() if record.actor else None,
                note=record.note,
                data=record.data,
            )
            for record in care_selectors.alarm_timeline(alarm)
        ],
    )


@router.get("/alarms/{alarm_id}", response=AlarmDetailOut, operation_id="eldercare_alarm_get")
def alarm_get(request: HttpRequest, alarm_id: int) -> AlarmDetailOut:
    return _detail(care_selectors.alarm_get(user=request.user, alarm_id=alarm_id))


@router.post(
    "/alarms/{alarm_id}/dispatch", response=AlarmDetailOut, operation_id="eldercare_alarm_dispatch"
)
def alarm_dispatch(request: HttpRequest, alarm_id: int, body: DispatchIn) -> AlarmDetailOut:
    alarm = care_selectors.alarm_get(user=request.user, alarm_id=alarm_id)
    # Only users who may take this alarm are looked up: other usernames are not revealed.
    responder = next(
        (
            user
            for user in care_selectors.responders_for(alarm)
            if user.get_username() == body.responder
        ),
        None,
    )
    if responder is None:
        care.transition_check(
            workflow=care.ALARM, case=alarm, name="dispatch", acting_user=request.user
        )
        raise EldercareError.one(
            "responder",
            "处置人须为该设备服务商的人员或辖区内的村（社区）、镇工作人员",
            "the responder cannot take this alarm",
        )
    care.alarm_dispatch(
        acting_user=request.user,
        alarm=alarm,
        responder=responder,
        at=body.at or timezone.now(),
        note=body.note,
    )
    return _detail(alarm)


@router.post(
    "/alarms/{alarm_id}/arrive", response=AlarmDetailOut, operation_id="eldercare_alarm_arrive"
)
def alarm_arrive(request: HttpRequest, alarm_id: int, body: ArriveIn) -> AlarmDetailOut:
    alarm = care_selectors.alarm_get(user=request.user, alarm_id=alarm_id)
    care.alarm_arrive(
        acting_user=request.user, alarm=alarm, at=body.at or timezone.now(), note=body.note
    )
    return _detail(alarm)


@router.post(
    "/alarms/{alarm_id}/close", response=AlarmDetailOut, operation_id="eldercare_alarm_close"
)
def alarm_close(request: HttpRequest, alarm_id: int, body: CloseIn) -> AlarmDetailOut:
    alarm = care_selectors.alarm_get(user=request.user, alarm_id=alarm_id)
    care.alarm_close(
        acting_user=request.user, alarm=alarm, at=body.at or timezone.now(), notes=body.notes
    )
    return _detail(alarm)


@router.post(
    "/alarms/{alarm_id}/false-alarm",
    response=AlarmDetailOut,
    operation_id="eldercare_alarm_false",
)
def alarm_false(request: HttpRequest, alarm_id: int, body: CloseIn) -> AlarmDetailOut:
    alarm = care_selectors.alarm_get(user=request.user, alarm_id=alarm_id)
    care.alarm_false(
        acting_user=request.user, alarm=alarm, at=body.at or timezone.now(), notes=body.notes
    )
    return _detail(alarm)
