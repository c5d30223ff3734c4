"""Access-table rows of care visits and alarms (see tests/security/eldercare_parts.py).

The world's head (王建国, 66, 杨舍镇) lives in an empty nest: a general-tier elder with one
visit, an SOS device kept by a provider, and an open alarm of that device.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.eldercare.care import (
    VisitIn,
    alarm_arrive,
    alarm_dispatch,
    care_visit_record,
    device_event_receive,
    device_register,
    risk_tiers_assign,
)
from minzheng.eldercare.care_models import Alarm, CareVisit, Device
from minzheng.eldercare.models import ElderProfile, Provider
from tests.security.conftest import MISSING, World
from tests.security.tables import FORBIDDEN_WRITE, Operation, Page
from tests.security.tables import LOGIN as L

SERIAL = "WORLD-SOS-1"
ELDER = "/eldercare/care/persons/{head}/"
ALARM = "/eldercare/alarms/{care_alarm}/"
DEVICE = "/eldercare/devices/{care_device}/"
WRITERS = frozenset({"own_town", "city"})
FIELD_ONLY = {403: {**FORBIDDEN_WRITE, "detail": "您无权在该区划办理养老服务事项"}}
OFFICE_ONLY = {
    403: {**FORBIDDEN_WRITE, "detail": "只有所在镇（街道）或市局的养老服务经办人员可以办理"}
}
STEP = {403: {**FORBIDDEN_WRITE, "detail": "您无权办理该环节"}}
PLATFORM_ONLY = {
    403: {**FORBIDDEN_WRITE, "detail": "只有设备运维服务商或市局养老服务人员可以上报设备事件"}
}


def _provider() -> Provider:
    provider, _ = Provider.objects.get_or_create(
        credit_code="52320582MJ0000031X",
        defaults={"name": "张家港市智慧养老呼叫服务中心", "division_code": "320582"},
    )
    return provider


def cared(world: World) -> None:
    """The head's tier, one visit, a device and an open alarm (made once)."""
    head = world.family.head
    profile, _ = ElderProfile.objects.get_or_create(
        person=head, defaults={"division_code": world.family.division_id}
    )
    if not profile.empty_nest:
        profile.empty_nest = True
        profile.save(update_fields=["empty_nest"])
    clerk = User.objects.get(username="yangshe_clerk")
    risk_tiers_assign(acting_user=None, month=dt.date(2026, 11, 1))
    if not CareVisit.objects.filter(person=head).exists():
        care_visit_record(
            acting_user=clerk,
            person=head,
            data=VisitIn(
                visited_on=dt.date(2026, 11, 2),
                channel="phone",
                visitor="杨舍镇民政办",
                health="ok",
                economy="ok",
                family_support="ok",
                safety="ok",
            ),
            on=dt.date(2026, 11, 2),
        )
    if not Device.objects.filter(serial=SERIAL).exists():
        device_register(
            acting_user=clerk,
            person=head,
            device_type="sos",
            serial=SERIAL,
            installed_on=dt.date(2026, 3, 1),
            provider=_provider(),
            on=dt.date(2026, 3, 1),
        )
    if not Alarm.objects.exists():
        device_event_receive(
            acting_user=User.objects.get(username="admin"),
            serial=SERIAL,
            event_type="sos",
            at=timezone.now().replace(microsecond=0) - dt.timedelta(minutes=20),
        )


def dispatched(world: World) -> None:
    cared(world)
    alarm = Alarm.objects.get()
    if alarm.state == "open":
        alarm_dispatch(
            acting_user=User.objects.get(username="admin"),
            alarm=alarm,
            responder=User.objects.get(username="yangshe_clerk"),
            at=alarm.opened_at + dt.timedelta(minutes=1),
        )


def arrived(world: World) -> None:
    dispatched(world)
    alarm = Alarm.objects.get()
    if alarm.state == "dispatched":
        alarm_arrive(
            acting_user=User.objects.get(username="admin"),
            alarm=alarm,
            at=alarm.opened_at + dt.timedelta(minutes=9),
        )


def _visit_form(ids: dict[str, object]) -> dict[str, object]:
    return {
        "visited_on": "2026-11-20",
        "channel": "home",
        "visitor": "周社工",
        "health": "ok",
        "economy": "ok",
        "family_support": "ok",
        "safety": "concern",
        "findings": "电线老化",
    }


def _dispatch_form(ids: dict[str, object]) -> dict[str, object]:
    return {"responder": str(User.objects.get(username="yangshe_clerk").pk)}


def _device_form(ids: dict[str, object]) -> dict[str, object]:
    return {
        "person_id": str(ids["head"]),
        "device_type": "smoke",
        "serial": "WORLD-SMOKE-2",
        "installed_on": "2026-11-01",
        "provider": str(ids["care_provider"]),
    }


PAGES: list = [
    Page(
        "eldercare:care_list",
        "GET",
        "/eldercare/care/",
        (L, 200, 200, 200, 200, 200),
        prepare=cared,
    ),
    Page("eldercare:care_elder", "GET", ELDER, (L, 404, 404, 200, 200, 200), prepare=cared),
    Page(
        "eldercare:care_visit_create",
        "GET",
        ELDER + "visit/",
        (L, 404, 404, 200, 200, 403),
        prepare=cared,
    ),
    Page(
        "eldercare:care_visit_create",
        "POST",
        ELDER + "visit/",
        (L, 404, 404, ELDER, ELDER, 403),
        data=_visit_form,
        action="eldercare.care.visit_record",
        changes=WRITERS,
        prepare=cared,
    ),
    Page(
        "eldercare:care_tier_override",
        "POST",
        ELDER + "tier/",
        (L, 404, 404, ELDER, ELDER, 403),
        data={"tier": "key", "reason": "老人近期确诊心脏病"},
        action="eldercare.care.tier_override",
        changes=WRITERS,
        prepare=cared,
    ),
    Page(
        "eldercare:care_visit_detail",
        "GET",
        "/eldercare/care/visits/{care_visit}/",
        (L, 404, 404, 200, 200, 200),
        prepare=cared,
    ),
    Page("eldercare:alarm_board", "GET", "/eldercare/alarms/", (L, 200, 200, 200, 200, 200)),
    Page("eldercare:alarm_detail", "GET", ALARM, (L, 404, 404, 200, 200, 200), prepare=cared),
    Page(
        "eldercare:alarm_step",
        "POST",
        ALARM + "dispatch/",
        (L, 404, 404, ALARM, ALARM, 403),
        data=_dispatch_form,
        action="eldercare.alarm.dispatch",
        changes=WRITERS,
        prepare=cared,
    ),
    Page("eldercare:device_list", "GET", "/eldercare/devices/", (L, 200, 403, 200, 200, 200)),
    Page("eldercare:device_create", "GET", "/eldercare/devices/new/", (L, 200, 403, 200, 200, 403)),
    Page(
        "eldercare:device_create",
        "POST",
        "/eldercare/devices/new/",
        # 塘桥镇's clerk does not find the person: the form again, with the error.
        (
            L,
            200,
            403,
            "/eldercare/devices/{new_care_device}/",
            "/eldercare/devices/{new_care_device}/",
            403,
        ),
        data=_device_form,
        action="eldercare.device.register",
        changes=WRITERS,
        prepare=cared,
    ),
    Page("eldercare:device_detail", "GET", DEVICE, (L, 404, 404, 200, 200, 200), prepare=cared),
    Page(
        "eldercare:device_deactivate",
        "POST",
        DEVICE + "deactivate/",
        (L, 404, 404, DEVICE, DEVICE, 403),
        data={"reason": "老人搬迁，设备拆除"},
        action="eldercare.device.deactivate",
        changes=WRITERS,
        prepare=cared,
    ),
]

ALARM_API = "/api/eldercare/alarms/{alarm_id}"

OPERATIONS: list = [
    Operation(
        "eldercare_care_elder_list",
        "get",
        "/api/eldercare/care/elders",
        (401, 200, 200, 200, 200, 200),
        counts=(None, 0, 0, 1, 1, 1),
        prepare=cared,
    ),
    Operation(
        "eldercare_care_visit_record",
        "post",
        "/api/eldercare/care/visits",
        (401, 404, 404, 201, 201, 403),
        body={
            "person_id": "{head}",
            "visited_on": "2026-11-20",
            "channel": "video",
            "visitor": "周社工",
            "health": "ok",
            "economy": "ok",
            "family_support": "ok",
            "safety": "ok",
        },
        action="eldercare.care.visit_record",
        changes=WRITERS,
        problems=FIELD_ONLY,
        prepare=cared,
    ),
    Operation(
        "eldercare_care_visit_list",
        "get",
        "/api/eldercare/care/visits",
        (401, 200, 200, 200, 200, 200),
        counts=(None, 0, 0, 1, 1, 1),
        prepare=cared,
    ),
    Operation(
        "eldercare_care_tier_override",
        "post",
        "/api/eldercare/care/tiers/{person_id}",
        (401, 404, 404, 200, 200, 403),
        body={"tier": "high", "reason": "老人近期确诊心脏病"},
        ids={"person_id": "head"},
        action="eldercare.care.tier_override",
        changes=WRITERS,
        problems=OFFICE_ONLY,
        prepare=cared,
    ),
    Operation(
        "eldercare_device_list",
        "get",
        "/api/eldercare/devices",
        (401, 200, 200, 200, 200, 200),
        counts=(None, 0, 0, 1, 1, 1),
        prepare=cared,
    ),
    Operation(
        "eldercare_device_register",
        "post",
        "/api/eldercare/devices",
        (401, 404, 404, 201, 201, 403),
        body={
            "person_id": "{head}",
            "device_type": "smoke",
            "serial": "WORLD-SMOKE-2",
            "installed_on": "2026-11-01",
            "provider_id": "{care_provider}",
        },
        action="eldercare.device.register",
        changes=WRITERS,
        problems=OFFICE_ONLY,
        prepare=cared,
    ),
    Operation(
        "eldercare_device_event_receive",
        "post",
        "/api/eldercare/devices/events",
        # Device platforms: a provider's staff or the city's eldercare staff.
        (401, 403, 403, 403, 201, 403),
        body={"serial": SERIAL, "type": "sos", "at": "2026-11-01T08:00:00+08:00"},
        action="eldercare.alarm.open",
        changes=frozenset({"city"}),
        problems=PLATFORM_ONLY,
        prepare=cared,
    ),
    Operation(
        "eldercare_alarm_list",
        "get",
        "/api/eldercare/alarms",
        (401, 200, 200, 200, 200, 200),
        counts=(None, 0, 0, 1, 1, 1),
        prepare=cared,
    ),
    Operation(
        "eldercare_alarm_get",
        "get",
        ALARM_API,
        (401, 404, 404, 200, 200, 200),
        ids={"alarm_id": "care_alarm"},
        prepare=cared,
    ),
    Operation(
        "eldercare_alarm_dispatch",
        "post",
        ALARM_API + "/dispatch",
        (401, 404, 404, 200, 200, 403),
        body={"responder": "yangshe_clerk"},
        ids={"alarm_id": "care_alarm"},
        action="eldercare.alarm.dispatch",
        changes=WRITERS,
        problems=STEP,
        prepare=cared,
    ),
    Operation(
        "eldercare_alarm_arrive",
        "post",
        ALARM_API + "/arrive",
        (401, 404, 404, 200, 200, 403),
        body={"note": "已到老人家中"},
        ids={"alarm_id": "care_alarm"},
        action="eldercare.alarm.arrive",
        changes=WRITERS,
        problems=STEP,
        prepare=dispatched,
    ),
    Operation(
        "eldercare_alarm_close",
        "post",
        ALARM_API + "/close",
        (401, 404, 404, 200, 200, 403),
        body={"notes": "老人跌倒，已扶起，无外伤"},
        ids={"alarm_id": "care_alarm"},
        action="eldercare.alarm.close",
        changes=WRITERS,
        problems=STEP,
        prepare=arrived,
    ),
    Operation(
        "eldercare_alarm_false",
        "post",
        ALARM_API + "/false-alarm",
        (401, 404, 404, 200, 200, 403),
        body={"notes": "老人误按呼叫键"},
        ids={"alarm_id": "care_alarm"},
        action="eldercare.alarm.false_alarm",
        changes=WRITERS,
        problems=STEP,
        prepare=cared,
    ),
]


def _newest(model: type) -> Callable[[], object]:
    return lambda: model.objects.order_by("-pk").values_list("pk", flat=True).first() or MISSING


IDS: dict[str, Callable[[], object]] = {
    "care_visit": _newest(CareVisit),
    "care_alarm": _newest(Alarm),
    "care_device": _newest(Device),
    "care_provider": lambda: (
        Provider.objects.filter(credit_code="52320582MJ0000031X")
        .values_list("pk", flat=True)
        .first()
        or MISSING
    ),
}
