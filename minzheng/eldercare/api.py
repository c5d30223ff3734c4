"""Eldercare's API: the ability assessment here; each part adds its own router."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from minzheng.eldercare import (
    care_api,
    entitlement_api,
    homecare_api,
    institution_api,
    meal_api,
    report_api,
    selectors,
    supervision_api,
)
from minzheng.eldercare.assessments import AssessmentIn, assessment_record
from minzheng.eldercare.models import Assessment
from minzheng.rules.ability import ability_score

router = Router(tags=["eldercare"])


class ScoreIn(Schema):
    items: dict[str, object]
    coma: bool = False
    dementia: bool = False
    risk_events_30d: int = 0


class ScoreOut(Schema):
    total: int
    domain_totals: dict[str, int]
    score_level: int
    level: int
    adjustments: list[str]


@router.post(
    "/assessments/score",
    response=ScoreOut,
    auth=None,
    operation_id="eldercare_assessment_score",
    summary="Score an ability assessment (GB/T 42195-2022) without saving it",
)
def assessment_score(request: HttpRequest, body: ScoreIn) -> ScoreOut:
    return ScoreOut(
        **ability_score(
            body.items,
            coma=body.coma,
            dementia=body.dementia,
            risk_events_30d=body.risk_events_30d,
        ).as_dict()
    )


class AssessmentRecordIn(Schema):
    person_id: int
    assessed_on: dt.date
    reason: Literal["initial", "regular", "change", "objection"]
    assessors: str
    items: dict[str, object]
    coma: bool = False
    dementia: bool = False
    risk_events_30d: int = 0


class AssessmentOut(ScoreOut):
    id: int
    person_id: int
    person_name: str
    division_code: str
    assessed_on: dt.date
    reason: str
    assessors: str
    items: dict[str, int]
    coma: bool
    dementia: bool
    risk_events_30d: int
    next_due_on: dt.date

    @staticmethod
    def of(assessment: Assessment) -> AssessmentOut:
        return AssessmentOut(
            id=assessment.pk,
            person_id=assessment.person_id,
            person_name=assessment.person.name,
            division_code=assessment.division_code,
            assessed_on=assessment.assessed_on,
            reason=assessment.reason,
            assessors=assessment.assessors,
            items=assessment.items,
            coma=assessment.coma,
            dementia=assessment.dementia,
            risk_events_30d=assessment.risk_events_30d,
            total=assessment.total,
            domain_totals=assessment.domain_totals,
            score_level=assessment.score_level,
            level=assessment.level,
            adjustments=assessment.adjustments,
            next_due_on=assessment.next_due_on,
        )


class AssessmentPage(Schema):
    count: int
    results: list[AssessmentOut]


class AssessmentQuery(Schema):
    level: int | None = None
    town: str = ""
    due: bool = False
    page: int = 1


PAGE_SIZE = 50


@router.get(
    "/assessments",
    response=AssessmentPage,
    operation_id="eldercare_assessment_list",
    summary="Ability assessments in the caller's scope, newest first (50 a page)",
)
def assessment_list(request: HttpRequest, query: Query[AssessmentQuery]) -> AssessmentPage:
    assessments = selectors.assessment_list(
        user=request.user,
        filters=selectors.AssessmentFilters(
            level=query.level,
            town=query.town[:9],
            due_before=timezone.localdate() if query.due else None,
        ),
    )
    start = (max(query.page, 1) - 1) * PAGE_SIZE
    return AssessmentPage(
        count=assessments.count(),
        results=[AssessmentOut.of(item) for item in assessments[start : start + PAGE_SIZE]],
    )


@router.get(
    "/assessments/{assessment_id}",
    response=AssessmentOut,
    operation_id="eldercare_assessment_get",
    summary="One ability assessment",
)
def assessment_get(request: HttpRequest, assessment_id: int) -> AssessmentOut:
    return AssessmentOut.of(
        selectors.assessment_get(user=request.user, assessment_id=assessment_id)
    )


@router.post(
    "/assessments",
    response={201: AssessmentOut},
    operation_id="eldercare_assessment_record",
    summary="Record an ability assessment; the person's current level follows the latest",
)
def assessment_create(request: HttpRequest, body: AssessmentRecordIn) -> Status:
    person = selectors.elder_get(user=request.user, person_id=body.person_id)
    assessment = assessment_record(
        acting_user=request.user,
        person=person,
        data=AssessmentIn(
            assessed_on=body.assessed_on,
            reason=body.reason,
            assessors=body.assessors,
            items=body.items,  # type: ignore[arg-type] - checked by the scoring
            coma=body.coma,
            dementia=body.dementia,
            risk_events_30d=body.risk_events_30d,
        ),
    )
    return Status(201, AssessmentOut.of(assessment))


for part in (
    homecare_api,
    entitlement_api,
    meal_api,
    care_api,
    institution_api,
    report_api,
    supervision_api,
):
    router.add_router("", part.router)
