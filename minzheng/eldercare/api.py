"""Eldercare's API: the ability assessment here; each part adds its own router."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from minzheng.eldercare import (
    care_api,
    entitlement_api,
    homecare_api,
    institution_api,
    meal_api,
    report_api,
    supervision_api,
)
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
