from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from minzheng.accounts.models import User
from minzheng.assistance.demo import case_advance
from minzheng.assistance.models import AssistanceCase
from minzheng.assistance.services import case_apply

APPLIED_ON = dt.date(2026, 1, 5)


def family_request() -> dict[str, Any]:
    """What the 王建国 household (tests.conftest.family) declares: two small pensions."""
    return {
        "division": "320582100001",
        "members": [
            {
                "id": "王建国",
                "relation": "head",
                "birth_date": "1960-03-15",
                "employment": "retired",
                "income": {"pension": 600},
            },
            {
                "id": "李秀英",
                "relation": "spouse",
                "birth_date": "1962-11-02",
                "disability": {"category": "physical", "grade": 2},
                "income": {"pension": 500},
            },
            {
                "id": "王磊",
                "relation": "child",
                "birth_date": "1990-05-20",
                "employment": "unemployed",
            },
        ],
        "assets": {"financial": 2000, "homes": [{"use": "residential", "area_m2": 60}]},
    }


@pytest.fixture
def dibao_case(family, yangshe_clerk) -> AssistanceCase:
    head = family.head
    return case_apply(
        acting_user=yangshe_clerk,
        household=family,
        applicant=head,
        program="dibao",
        request=family_request(),
        on=APPLIED_ON,
    )


def approve(case: AssistanceCase, clerk: User, approver: User, start: dt.date) -> AssistanceCase:
    """Take an applied case through every step to approval, the notice ending on time."""
    case_advance(case, "active", clerk, approver, start - dt.timedelta(days=20), start)
    case.refresh_from_db()
    return case
