"""Eldercare reads shared by the parts: elders and their ability assessments, in scope.

A user reads the elders living in their division (the eldercare business line's scope); a
provider's staff read elders through their own provider's plans (homecare selectors).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from minzheng.accounts.models import User
from minzheng.eldercare.access import read_prefix
from minzheng.eldercare.models import Assessment, ElderProfile
from minzheng.registry.models import Person
from minzheng.registry.selectors import years_before


def _prefix_filter(user: User, field: str) -> Q:
    prefix = read_prefix(user)
    if prefix is None:
        return Q(pk__in=[])
    return Q(**{f"{field}__startswith": prefix})


def elder_get(*, user: User, person_id: int) -> Person:
    """A person the user may see in eldercare; 404 for anyone else, as for a missing id."""
    person = (
        Person.objects.filter(_prefix_filter(user, "residence_division__code"), pk=person_id)
        .select_related("residence_division", "hukou_division")
        .first()
    )
    if person is None:
        raise Http404("no such person")
    return person


def elder_profile(*, person: Person) -> ElderProfile | None:
    return ElderProfile.objects.filter(person=person).first()


@dataclass(frozen=True)
class AssessmentFilters:
    level: int | None = None
    town: str = ""
    due_before: dt.date | None = None  # latest assessments whose reassessment is due
    name: str = ""


def assessment_list(
    *, user: User, filters: AssessmentFilters | None = None
) -> QuerySet[Assessment]:
    filters = filters or AssessmentFilters()
    assessments = Assessment.objects.filter(_prefix_filter(user, "division_code")).select_related(
        "person", "recorded_by"
    )
    if filters.level is not None:
        assessments = assessments.filter(level=filters.level)
    if filters.town:
        assessments = assessments.filter(division_code__startswith=filters.town)
    if filters.name:
        assessments = assessments.filter(person__name__contains=filters.name)
    if filters.due_before is not None:
        latest = latest_assessments().values("pk")
        assessments = assessments.filter(pk__in=latest, next_due_on__lte=filters.due_before)
    return assessments.order_by("-assessed_on", "-pk")


def latest_assessments() -> QuerySet[Assessment]:
    """Each person's latest assessment (by date, then by entry)."""
    newest = (
        Assessment.objects.filter(person=OuterRef("person"))
        .order_by("-assessed_on", "-pk")
        .values("pk")[:1]
    )
    return Assessment.objects.annotate(newest=Subquery(newest)).filter(pk=F("newest"))


def assessment_get(*, user: User, assessment_id: int) -> Assessment:
    assessment = (
        Assessment.objects.filter(_prefix_filter(user, "division_code"), pk=assessment_id)
        .select_related("person", "recorded_by")
        .first()
    )
    if assessment is None:
        raise Http404("no such assessment")
    return assessment


def person_assessments(*, person: Person) -> QuerySet[Assessment]:
    return Assessment.objects.filter(person=person).order_by("-assessed_on", "-pk")


def age_on(person: Person, on: dt.date) -> int:
    age = on.year - person.birth_date.year
    return age - 1 if years_before(on, age) < person.birth_date else age


@dataclass(frozen=True)
class Overview:
    """The eldercare dashboard's figures for one user's scope."""

    aged_60_plus: int
    aged_80_plus: int
    levels: dict[int, int]  # current ability level -> persons (latest assessment)
    open_alerts: list[tuple[str, int]]  # (kind label, open alerts)


def overview(*, user: User, on: dt.date) -> Overview | None:
    """Figures for the dashboard, or None when the user reads no elders."""
    from django.db.models import Count

    from minzheng.alerts.definitions import ALERT_KINDS
    from minzheng.alerts.selectors import alerts_in_scope

    scope = _prefix_filter(user, "residence_division__code")
    if read_prefix(user) is None:
        return None
    living = Person.objects.filter(scope, death_date__isnull=True)
    aged_60 = living.filter(birth_date__lte=years_before(on, 60)).count()
    aged_80 = living.filter(birth_date__lte=years_before(on, 80)).count()
    levels = dict(
        living.filter(ability_level__isnull=False)
        .values_list("ability_level")
        .annotate(count=Count("pk"))
        .order_by("ability_level")
    )
    alerts = (
        alerts_in_scope(user)
        .filter(business_line="eldercare")
        .exclude(state="closed")
        .values_list("kind")
        .annotate(count=Count("pk"))
        .order_by("kind")
    )
    return Overview(
        aged_60_plus=aged_60,
        aged_80_plus=aged_80,
        levels={level: levels.get(level, 0) for level in range(5)},
        open_alerts=[
            (ALERT_KINDS[kind].label if kind in ALERT_KINDS else kind, count)
            for kind, count in alerts
        ],
    )
