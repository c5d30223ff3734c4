"""Entitlement reads, each filtered by the caller's eldercare scope (`access.read_prefix`).

A town reads its own lists, subsidies and beds; a village worker the lines and cases of their
village; the city (eldercare staff, administrator, auditor) everything, and the overview of
every town's confirmation status. A provider's staff read none of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.http import Http404

from minzheng.accounts.models import User
from minzheng.eldercare.access import read_prefix
from minzheng.eldercare.entitlement_models import (
    FamilyBed,
    LongevityEnrolment,
    LongevityLine,
    LongevityList,
    ServiceSubsidy,
)
from minzheng.eldercare.entitlement_workflows import FAMILY_BED
from minzheng.registry.models import Division, DivisionKind, Person
from minzheng.workflow.models import TransitionRecord
from minzheng.workflow.selectors import timeline

TOWN_KINDS = (DivisionKind.TOWN, DivisionKind.STREET, DivisionKind.PARK)


def _prefix(user: User) -> str:
    prefix = read_prefix(user)
    if prefix is None:
        return "-"  # matches no division code
    return prefix


def longevity_lists(*, user: User, month: dt.date | None = None) -> QuerySet[LongevityList]:
    """The towns' lists the user may read (a village worker: their town's), newest first."""
    prefix = _prefix(user)
    lists = LongevityList.objects.filter(division_code__startswith=prefix[:9])
    if len(prefix) < 9:
        lists = lists.filter(division_code__startswith=prefix)
    if month is not None:
        lists = lists.filter(month=month)
    return lists.select_related("confirmed_by").order_by("-month", "division_code")


def longevity_latest_month(*, user: User) -> dt.date | None:
    return longevity_lists(user=user).values_list("month", flat=True).first()


def longevity_list_get(*, user: User, town: str, month: dt.date) -> LongevityList:
    found = longevity_lists(user=user, month=month).filter(division_code=town).first()
    if found is None:
        raise Http404("no such list")
    return found


def longevity_lines(
    *, user: User, longevity_list: LongevityList, kind: str = ""
) -> QuerySet[LongevityLine]:
    lines = longevity_list.lines.filter(division_code__startswith=_prefix(user))
    if kind:
        lines = lines.filter(kind=kind)
    return lines.select_related("person").order_by("kind", "division_code", "person__name")


@dataclass(frozen=True)
class TownStatus:
    code: str
    name: str
    list: LongevityList | None


def longevity_overview(*, user: User, month: dt.date) -> list[TownStatus]:
    """Each town in scope with its list of the month, if any: for the city, every town's
    confirmation status; for a town (or a village worker), their own town."""
    prefix = _prefix(user)
    lists = {item.division_code: item for item in longevity_lists(user=user, month=month)}
    towns = Division.objects.filter(kind__in=TOWN_KINDS, code__startswith=prefix[:9])
    if len(prefix) < 9:
        towns = towns.filter(code__startswith=prefix)
    return [TownStatus(town.code, town.name, lists.get(town.code)) for town in towns]


def longevity_enrolments(*, person: Person) -> QuerySet[LongevityEnrolment]:
    """A person's enrolments, oldest first (the caller has read the person in scope)."""
    return LongevityEnrolment.objects.filter(person=person).order_by("valid_from")


# --- home-service subsidy ---------------------------------------------------------------


def service_subsidy_amount(person: Person, month: dt.date) -> Decimal | None:
    """The home-service subsidy granted to a person for a month (the monthly budget of their
    home-service plan), or None. For the home-service part, which has read the person."""
    month = month.replace(day=1)
    return (
        ServiceSubsidy.objects.filter(person=person, valid_from__lte=month)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month))
        .values_list("amount", flat=True)
        .first()
    )


def subsidy_list(*, user: User, current_only: bool = False) -> QuerySet[ServiceSubsidy]:
    subsidies = ServiceSubsidy.objects.filter(division_code__startswith=_prefix(user))
    if current_only:
        subsidies = subsidies.filter(valid_to__isnull=True)
    return subsidies.select_related("person", "granted_by").order_by("-valid_from", "-pk")


def subsidy_get(*, user: User, subsidy_id: int) -> ServiceSubsidy:
    subsidy = subsidy_list(user=user).filter(pk=subsidy_id).first()
    if subsidy is None:
        raise Http404("no such subsidy")
    return subsidy


def person_subsidies(*, person: Person) -> QuerySet[ServiceSubsidy]:
    return ServiceSubsidy.objects.filter(person=person).order_by("-valid_from", "-pk")


# --- family beds ----------------------------------------------------------------------------


def bed_list(*, user: User, state: str = "") -> QuerySet[FamilyBed]:
    beds = FamilyBed.objects.filter(division_code__startswith=_prefix(user))
    if state:
        beds = beds.filter(state=state)
    return beds.select_related("person", "provider").order_by("-applied_on", "-pk")


def bed_get(*, user: User, bed_id: int) -> FamilyBed:
    bed = (
        bed_list(user=user)
        .filter(pk=bed_id)
        .select_related("assessment", "plan", "provider")
        .first()
    )
    if bed is None:
        raise Http404("no such bed")
    return bed


def bed_timeline(*, bed: FamilyBed) -> QuerySet[TransitionRecord]:
    return timeline(workflow=FAMILY_BED, case=bed)
