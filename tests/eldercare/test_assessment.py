"""Ability assessments: the service, the score endpoint's contract, pages and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from minzheng.audit.models import AuditEvent
from minzheng.eldercare.assessments import AssessmentIn, assessment_record, reassessment_due
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import Assessment, ElderProfile
from minzheng.registry.selectors import household_frames
from minzheng.rules.ability import ITEMS
from tests.conftest import verified_login

FULL = {number: maximum for number, _, maximum in ITEMS}
# 进食 … 如厕 at 1 (8 × 1), the rest full: 90 - 24 = 66 → level 1; with dementia → 2
MODERATE = {**FULL, **{f"B.1.{n}": 1 for n in range(1, 9)}}


def _data(**changes: object) -> AssessmentIn:
    values = {
        "assessed_on": dt.date(2026, 11, 2),
        "reason": "initial",
        "assessors": "张评估、王评估",
        "items": MODERATE,
        "dementia": True,
    }
    return AssessmentIn(**{**values, **changes})


def test_an_assessment_is_scored_kept_and_sets_the_registry_level(elder, yangshe_clerk):
    assessment = assessment_record(acting_user=yangshe_clerk, person=elder, data=_data())

    elder.refresh_from_db()
    assert (assessment.total, assessment.score_level, assessment.level) == (66, 1, 2)
    assert assessment.domain_totals == {"B.1": 8, "B.2": 15, "B.3": 28, "B.4": 15}
    assert assessment.next_due_on == dt.date(2027, 11, 2)
    assert elder.ability_level == 2
    event = AuditEvent.objects.filter(action="eldercare.assessment.record").get()
    assert event.data["level"] == 2


def test_an_older_assessment_entered_later_does_not_replace_the_current_level(elder, yangshe_clerk):
    assessment_record(acting_user=yangshe_clerk, person=elder, data=_data())
    assessment_record(
        acting_user=yangshe_clerk,
        person=elder,
        data=_data(assessed_on=dt.date(2025, 11, 2), items=FULL, dementia=False),
    )

    elder.refresh_from_db()
    assert elder.ability_level == 2


def test_the_level_reaches_the_rules_through_the_registry_frames(elder, yangshe_clerk):
    assessment_record(acting_user=yangshe_clerk, person=elder, data=_data())

    persons, _ = household_frames(prefix="320582100", on=dt.date(2026, 11, 28))
    row = persons.filter(persons["person_id"] == elder.pk)
    assert row["ability_level"].to_list() == [2]


def test_bad_input_names_every_problem_and_changes_nothing(elder, yangshe_clerk):
    items = {**FULL, "B.2.4": 4}
    del items["B.4.5"]
    with pytest.raises(EldercareError) as raised:
        assessment_record(
            acting_user=yangshe_clerk,
            person=elder,
            data=_data(items=items, assessors="张评估", assessed_on=dt.date(2030, 1, 1)),
        )

    fields = sorted(field for field, _, _ in raised.value.problems)
    assert fields == ["B.2.4", "B.4.5", "assessed_on", "assessors"]
    assert Assessment.objects.count() == 0
    assert not ElderProfile.objects.exclude(person=elder).exists()
    elder.refresh_from_db()
    assert elder.ability_level is None


def test_a_person_under_60_or_dead_is_not_assessed(family, elder, yangshe_clerk):
    with pytest.raises(EldercareError, match="未满60周岁"):
        assessment_record(
            acting_user=yangshe_clerk,
            person=family.memberships.get(relation="child").person,
            data=_data(),
        )
    elder.death_date = dt.date(2026, 10, 1)
    elder.save()
    with pytest.raises(EldercareError, match="已登记死亡"):
        assessment_record(acting_user=yangshe_clerk, person=elder, data=_data())


def test_another_town_and_a_provider_may_not_record(elder, tangqiao_clerk, provider_manager):
    for user in (tangqiao_clerk, provider_manager):
        with pytest.raises(PermissionDenied):
            assessment_record(acting_user=user, person=elder, data=_data())
    assert Assessment.objects.count() == 0


def test_the_reassessment_date_is_twelve_months_on_even_at_a_month_end():
    assert reassessment_due(dt.date(2026, 1, 31)) == dt.date(2027, 1, 31)
    assert reassessment_due(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)


def test_the_score_endpoint_answers_the_contract_without_saving(client, db):
    body = {"items": MODERATE, "coma": False, "dementia": True, "risk_events_30d": 2}

    response = client.post(
        "/api/eldercare/assessments/score", body, content_type="application/json"
    )

    assert response.status_code == 200
    assert response.json() == {
        "total": 66,
        "domain_totals": {"B.1": 8, "B.2": 15, "B.3": 28, "B.4": 15},
        "score_level": 1,
        "level": 3,
        "adjustments": [
            "确诊痴呆或其他精神和行为障碍疾病，提高一个等级",
            "近30天内发生2次照护风险事件，提高一个等级",
        ],
    }
    assert Assessment.objects.count() == 0


@pytest.mark.parametrize(
    ("items", "item"),
    [
        ({k: v for k, v in FULL.items() if k != "B.3.3"}, "B.3.3"),
        ({**FULL, "B.5.1": 2}, "B.5.1"),
        ({**FULL, "B.4.1": 3}, "B.4.1"),
    ],
)
def test_the_score_endpoint_answers_422_naming_the_item(client, db, items, item):
    response = client.post(
        "/api/eldercare/assessments/score", {"items": items}, content_type="application/json"
    )

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [item]
    assert item in response.json()["errors"][0]["message_zh"]


def test_the_api_records_and_lists_in_scope(client, elder, yangshe_clerk, tangqiao_clerk):
    verified_login(client, yangshe_clerk)
    body = {
        "person_id": elder.pk,
        "assessed_on": "2026-11-02",
        "reason": "initial",
        "assessors": "张评估、王评估",
        "items": MODERATE,
    }
    response = client.post("/api/eldercare/assessments", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["level"] == 1

    assert client.get("/api/eldercare/assessments").json()["count"] == 1
    client.force_login(tangqiao_clerk)
    assert client.get("/api/eldercare/assessments").json()["count"] == 0
    assert client.get(f"/api/eldercare/assessments/{response.json()['id']}").status_code == 404


def test_the_page_scores_an_assessment_and_shows_the_level(client, elder, yangshe_clerk):
    verified_login(client, yangshe_clerk)
    form = {
        "assessed_on": "2026-11-02",
        "reason": "initial",
        "assessors": "张评估、王评估",
        "risk_events_30d": "0",
        "dementia": "on",
        **{number: str(score) for number, score in MODERATE.items()},
    }

    response = client.post(f"/eldercare/persons/{elder.pk}/assess/", form, follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="assessment-total">66 / 90' in page
    assert "能力中度受损" in page


def test_the_page_shows_problems_and_saves_nothing(client, elder, yangshe_clerk):
    verified_login(client, yangshe_clerk)
    form = {
        "assessed_on": "2026-11-02",
        "reason": "initial",
        "assessors": "张评估",
        "risk_events_30d": "0",
        **{number: str(score) for number, score in FULL.items()},
    }

    response = client.post(f"/eldercare/persons/{elder.pk}/assess/", form)

    assert response.status_code == 200
    assert "评估应由两名评估员进行" in response.content.decode()
    assert Assessment.objects.count() == 0
