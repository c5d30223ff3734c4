"""Ability assessments (GB/T 42195-2022): record one, and keep the registry's current level.

The scoring is the rules package's (`minzheng.rules.ability`); this service checks who records
it and for whom, keeps the assessment (never edited), sets the next reassessment date and, when
it is the person's latest, the level the rules read (`registry.Person.ability_level`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import audit_record
from minzheng.eldercare.access import field_check
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import Assessment, AssessmentReason, ElderProfile
from minzheng.registry.models import Person
from minzheng.registry.selectors import years_before
from minzheng.registry.services import person_set_ability_level
from minzheng.rules.ability import ScoreError, ability_score
from minzheng.rules.parameters import add_months, parameters_at

MINIMUM_AGE = 60  # the standard is for people aged 60 and over (老年人)
ASSESSORS_SPLIT = re.compile(r"[、,，;；\s]+")


@dataclass(frozen=True)
class AssessmentIn:
    assessed_on: dt.date
    reason: str
    assessors: str  # two names, 、-separated
    items: dict[str, int]
    coma: bool = False
    dementia: bool = False
    risk_events_30d: int = 0


def reassessment_due(assessed_on: dt.date) -> dt.date:
    """The date of the next regular assessment after one made on `assessed_on`."""
    months = parameters_at(f"{assessed_on:%Y-%m}").get("ability_assessment.reassessment_months")
    due_month = add_months(assessed_on.replace(day=1), int(months.value))
    day = min(assessed_on.day, 28) if due_month.month == 2 else assessed_on.day
    try:
        return due_month.replace(day=day)
    except ValueError:  # 31 in a 30-day month
        return add_months(due_month, 1) - dt.timedelta(days=1)


def _problems(person: Person, data: AssessmentIn) -> list[tuple[str, str, str]]:
    problems = []
    if data.reason not in AssessmentReason.values:
        problems.append(("reason", "评估原因不正确", f"unknown reason {data.reason!r}"))
    names = [name for name in ASSESSORS_SPLIT.split(data.assessors.strip()) if name]
    if len(names) < 2:
        problems.append(
            ("assessors", "评估应由两名评估员进行，请填写两人姓名", "two assessors are required")
        )
    if data.assessed_on > timezone.localdate():
        problems.append(("assessed_on", "评估日期不能晚于今天", "the date is in the future"))
    if person.death_date is not None and person.death_date <= data.assessed_on:
        problems.append(
            ("person", "该老人已登记死亡，不能评估", "the person died before this date")
        )
    if person.birth_date > years_before(data.assessed_on, MINIMUM_AGE):
        problems.append(
            (
                "person",
                f"评估日该人未满{MINIMUM_AGE}周岁，不适用老年人能力评估",
                f"the person is under {MINIMUM_AGE} on that date",
            )
        )
    return problems


@transaction.atomic
def assessment_record(*, acting_user: User, person: Person, data: AssessmentIn) -> Assessment:
    """Record an assessment; raise EldercareError (nothing saved) on any bad input."""
    field_check(user=acting_user, division_code=person.residence_division_id)
    problems = _problems(person, data)
    try:
        score = ability_score(
            data.items,
            coma=data.coma,
            dementia=data.dementia,
            risk_events_30d=data.risk_events_30d,
        )
    except ScoreError as error:
        problems += error.problems
    if problems:
        raise EldercareError(problems)
    assessment = Assessment.objects.create(
        person=person,
        division_code=person.residence_division_id,
        assessed_on=data.assessed_on,
        reason=data.reason,
        assessors="、".join(name for name in ASSESSORS_SPLIT.split(data.assessors.strip()) if name),
        recorded_by=acting_user,
        items=dict(data.items),
        coma=data.coma,
        dementia=data.dementia,
        risk_events_30d=data.risk_events_30d,
        total=score.total,
        domain_totals=score.domain_totals,
        score_level=score.score_level,
        level=score.level,
        adjustments=score.adjustments,
        next_due_on=reassessment_due(data.assessed_on),
    )
    ElderProfile.objects.get_or_create(
        person=person, defaults={"division_code": person.residence_division_id}
    )
    latest = Assessment.objects.filter(person=person).order_by("-assessed_on", "-pk").first()
    if latest is not None and latest.pk == assessment.pk:
        person_set_ability_level(acting_user=acting_user, person=person, level=score.level)
    audit_record(
        actor=acting_user,
        action="eldercare.assessment.record",
        target=assessment,
        division_code=assessment.division_code,
        data={
            "person": person.pk,
            "assessed_on": data.assessed_on.isoformat(),
            "total": score.total,
            "level": score.level,
        },
    )
    return assessment
