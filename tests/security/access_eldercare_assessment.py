"""Access-table rows of ability assessments (see tests/security/eldercare_parts.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from minzheng.accounts.models import User
from minzheng.eldercare.assessments import AssessmentIn, assessment_record
from minzheng.eldercare.models import Assessment
from minzheng.rules.ability import ITEMS
from tests.security.conftest import MISSING, World
from tests.security.tables import FORBIDDEN_WRITE, Operation, Page
from tests.security.tables import LOGIN as L

FULL = {number: maximum for number, _, maximum in ITEMS}
WRITERS = frozenset({"own_town", "city"})
FIELD_ONLY = {403: {**FORBIDDEN_WRITE, "detail": "您无权在该区划办理养老服务事项"}}
ELDER = "/eldercare/persons/{head}/"
ASSESSMENT = "/eldercare/assessments/{assessment}/"
NEW_ASSESSMENT = "/eldercare/assessments/{new_assessment}/"  # the one the request made


def assessed(world: World) -> None:
    """The family's head (born 1960) assessed once by 杨舍镇's clerk."""
    if not Assessment.objects.exists():
        assessment_record(
            acting_user=User.objects.get(username="yangshe_clerk"),
            person=world.family.head,
            data=AssessmentIn(
                assessed_on=dt.date(2026, 11, 2),
                reason="initial",
                assessors="张评估、王评估",
                items=FULL,
            ),
        )


def _form(ids: dict[str, object]) -> dict[str, object]:
    return {
        "assessed_on": "2026-11-02",
        "reason": "initial",
        "assessors": "张评估、王评估",
        "risk_events_30d": "0",
        **{number: str(score) for number, score in FULL.items()},
    }


PAGES: list = [
    Page("eldercare:dashboard", "GET", "/eldercare/", (L, 200, 200, 200, 200, 200)),
    Page("eldercare:elder_detail", "GET", ELDER, (L, 404, 404, 200, 200, 200)),
    Page("eldercare:assessment_create", "GET", ELDER + "assess/", (L, 404, 404, 200, 200, 403)),
    Page(
        "eldercare:assessment_create",
        "POST",
        ELDER + "assess/",
        (L, 404, 404, NEW_ASSESSMENT, NEW_ASSESSMENT, 403),
        data=_form,
        action="eldercare.assessment.record",
        changes=WRITERS,
    ),
    Page(
        "eldercare:assessment_list", "GET", "/eldercare/assessments/", (L, 200, 200, 200, 200, 200)
    ),
    Page(
        "eldercare:assessment_detail",
        "GET",
        ASSESSMENT,
        (L, 404, 404, 200, 200, 200),
        prepare=assessed,
    ),
]

OPERATIONS: list = [
    Operation(
        "eldercare_assessment_score",
        "post",
        "/api/eldercare/assessments/score",
        (200, 200, 200, 200, 200, 200),
        body={"items": FULL},
    ),
    Operation(
        "eldercare_assessment_list",
        "get",
        "/api/eldercare/assessments",
        (401, 200, 200, 200, 200, 200),
        counts=(None, 0, 0, 1, 1, 1),
        prepare=assessed,
    ),
    Operation(
        "eldercare_assessment_get",
        "get",
        "/api/eldercare/assessments/{assessment_id}",
        (401, 404, 404, 200, 200, 200),
        ids={"assessment_id": "assessment"},
        prepare=assessed,
    ),
    Operation(
        "eldercare_assessment_record",
        "post",
        "/api/eldercare/assessments",
        (401, 404, 404, 201, 201, 403),
        body={
            "person_id": "{head}",
            "assessed_on": "2026-11-02",
            "reason": "initial",
            "assessors": "张评估、王评估",
            "items": FULL,
        },
        action="eldercare.assessment.record",
        changes=WRITERS,
        problems=FIELD_ONLY,
    ),
]

IDS: dict[str, Callable[[], object]] = {
    "assessment": lambda: (
        Assessment.objects.order_by("-pk").values_list("pk", flat=True).first() or MISSING
    ),
}
