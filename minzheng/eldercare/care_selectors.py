"""Reads of care visits, devices and alarms, already filtered by the caller's scope.

Offices and village workers read by division (the eldercare line's scope); a provider's staff
read the devices and alarms of their own provider, and no elder's visits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Max, Q, QuerySet
from django.http import Http404

from minzheng.accounts.models import Role, User
from minzheng.eldercare.access import provider_of, read_prefix
from minzheng.eldercare.care import visit_intervals
from minzheng.eldercare.care_models import ALARM, Alarm, CareTier, CareVisit, Device
from minzheng.registry.models import Person
from minzheng.workflow.models import TransitionRecord
from minzheng.workflow.selectors import timeline

OPEN_STATES = ("open", "dispatched", "arrived")


def _scope(user: User, field: str = "division_code") -> Q:
    prefix = read_prefix(user)
    if prefix is None:
        return Q(pk__in=[])
    return Q(**{f"{field}__startswith": prefix})


def _provider_or_scope(user: User) -> Q:
    provider = provider_of(user)
    if provider is not None:
        return Q(provider=provider)
    return _scope(user)


def care_elder_get(*, user: User, person_id: int) -> Person:
    """An elder the user may see in care work; anyone else is simply not found."""
    person = (
        Person.objects.filter(_scope(user, "residence_division__code"), pk=person_id)
        .select_related("residence_division")
        .first()
    )
    if person is None:
        raise Http404("no such person")
    return person


@dataclass(frozen=True)
class CareRow:
    person: Person
    tier: CareTier
    last_visit: dt.date | None
    due_on: dt.date
    overdue_days: int


@dataclass(frozen=True)
class CareFilters:
    tier: str = ""
    town: str = ""
    overdue: bool = False
    name: str = ""


def care_elders(
    *, user: User, on: dt.date, filters: CareFilters | None = None, limit: int | None = None
) -> list[CareRow]:
    """The elders with a visit tier in force in the user's scope, with their due visit; the
    most overdue first."""
    filters = filters or CareFilters()
    tiers = CareTier.objects.filter(
        _scope(user), valid_to__isnull=True, person__death_date__isnull=True
    ).select_related("person")
    if filters.tier:
        tiers = tiers.filter(tier=filters.tier)
    if filters.town:
        tiers = tiers.filter(division_code__startswith=filters.town)
    if filters.name:
        tiers = tiers.filter(person__name__contains=filters.name)
    tiers_list = list(tiers)
    intervals = visit_intervals(on)
    last = dict(
        CareVisit.objects.filter(person_id__in=[tier.person_id for tier in tiers_list])
        .values("person_id")
        .annotate(last=Max("visited_on"))
        .values_list("person_id", "last")
    )
    rows = []
    for tier in tiers_list:
        last_visit = last.get(tier.person_id)
        due_on = (last_visit or tier.valid_from) + dt.timedelta(days=intervals[tier.tier])
        overdue = max((on - due_on).days, 0)
        if filters.overdue and not overdue:
            continue
        rows.append(CareRow(tier.person, tier, last_visit, due_on, overdue))
    rows.sort(key=lambda row: (row.due_on, row.person.pk))
    return rows[:limit] if limit is not None else rows


def care_tiers_of(*, person: Person) -> QuerySet[CareTier]:
    """The elder's tiers, newest first (the caller has read the person in scope)."""
    return CareTier.objects.filter(person=person).select_related("recorded_by")


def current_tier(*, person: Person) -> CareTier | None:
    return CareTier.objects.filter(person=person, valid_to__isnull=True).first()


def visits_of(*, person: Person) -> QuerySet[CareVisit]:
    return CareVisit.objects.filter(person=person).select_related("recorded_by")


@dataclass(frozen=True)
class VisitFilters:
    town: str = ""
    since: dt.date | None = None
    follow_up: bool = False


def visit_list(*, user: User, filters: VisitFilters | None = None) -> QuerySet[CareVisit]:
    filters = filters or VisitFilters()
    visits = CareVisit.objects.filter(_scope(user)).select_related("person", "recorded_by")
    if filters.town:
        visits = visits.filter(division_code__startswith=filters.town)
    if filters.since is not None:
        visits = visits.filter(visited_on__gte=filters.since)
    if filters.follow_up:
        visits = visits.filter(follow_up=True)
    return visits.order_by("-visited_on", "-pk")


def visit_get(*, user: User, visit_id: int) -> CareVisit:
    visit = (
        CareVisit.objects.filter(_scope(user), pk=visit_id)
        .select_related("person", "recorded_by")
        .first()
    )
    if visit is None:
        raise Http404("no such visit")
    return visit


def device_list(*, user: User, active: bool | None = None, town: str = "") -> QuerySet[Device]:
    devices = Device.objects.filter(_provider_or_scope(user)).select_related("person", "provider")
    if active is not None:
        devices = devices.filter(active=active)
    if town:
        devices = devices.filter(division_code__startswith=town)
    return devices.order_by("division_code", "serial")


def device_get(*, user: User, device_id: int) -> Device:
    device = (
        Device.objects.filter(_provider_or_scope(user), pk=device_id)
        .select_related("person", "provider")
        .first()
    )
    if device is None:
        raise Http404("no such device")
    return device


def devices_of(*, person: Person) -> QuerySet[Device]:
    return Device.objects.filter(person=person).select_related("provider")


@dataclass(frozen=True)
class AlarmFilters:
    state: str = ""  # a state, or "active" for every state not final
    town: str = ""
    overdue: bool = False  # not reached in time (open, or arrived late)


def alarm_list(
    *, user: User, filters: AlarmFilters | None = None, now: dt.datetime | None = None
) -> QuerySet[Alarm]:
    filters = filters or AlarmFilters()
    alarms = Alarm.objects.filter(_provider_or_scope(user)).select_related(
        "person", "device", "provider", "responder"
    )
    if filters.state == "active":
        alarms = alarms.filter(state__in=OPEN_STATES)
    elif filters.state:
        alarms = alarms.filter(state=filters.state)
    if filters.town:
        alarms = alarms.filter(division_code__startswith=filters.town)
    if filters.overdue:
        late = Q(arrived_at__isnull=False, arrived_at__gt=F("arrive_by"))
        if now is not None:
            late |= Q(arrived_at__isnull=True, state__in=("open", "dispatched"), arrive_by__lt=now)
        alarms = alarms.filter(late)
    return alarms.order_by("-opened_at", "-pk")


def alarm_get(*, user: User, alarm_id: int) -> Alarm:
    alarm = (
        Alarm.objects.filter(_provider_or_scope(user), pk=alarm_id)
        .select_related("person", "device", "provider", "responder")
        .first()
    )
    if alarm is None:
        raise Http404("no such alarm")
    return alarm


def alarm_timeline(alarm: Alarm) -> QuerySet[TransitionRecord]:
    return timeline(workflow=ALARM, case=alarm)


def alarms_of(*, person: Person) -> QuerySet[Alarm]:
    return Alarm.objects.filter(person=person).select_related("device")


def elapsed_minutes(alarm: Alarm, now: dt.datetime) -> int:
    """Minutes from the alarm to the arrival (or to now, not yet reached)."""
    end = alarm.arrived_at or (alarm.closed_at if not alarm.is_open else now)
    return max(int((end - alarm.opened_at).total_seconds() // 60), 0)


def responders_for(alarm: Alarm) -> list[User]:
    """Who the alarm may be dispatched to: the provider's staff, the village and town workers
    whose scope holds the elder's village."""
    prefixes = [alarm.division_code[:9], alarm.division_code]
    users = User.objects.filter(is_active=True).filter(
        Q(provider_staff__provider_id=alarm.provider_id, role=Role.PROVIDER)
        | Q(
            role__in=(Role.VILLAGE_WORKER, Role.TOWN_CLERK, Role.TOWN_APPROVER),
            division_code__in=prefixes,
        )
    )
    return list(users.order_by("role", "username"))
