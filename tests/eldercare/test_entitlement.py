"""The home-service subsidy: conditions with their reasons, grant, stop, death, the budget
selector, pages and the API."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from minzheng.assistance.models import AssistanceCase
from minzheng.audit.models import AuditEvent
from minzheng.eldercare.assessments import AssessmentIn, assessment_record
from minzheng.eldercare.entitlement_models import ServiceSubsidy
from minzheng.eldercare.entitlement_selectors import service_subsidy_amount, subsidy_list
from minzheng.eldercare.entitlements import (
    entitlement_death_effects,
    service_subsidy_check,
    service_subsidy_grant,
    service_subsidy_stop,
)
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import Assessment
from minzheng.registry.models import Person
from minzheng.rules.ability import ITEMS
from tests.conftest import verified_login

NOV = dt.date(2026, 11, 1)
DEC = dt.date(2026, 12, 1)
TODAY = dt.date(2026, 11, 28)
FULL = {number: maximum for number, _, maximum in ITEMS}
LEVEL_2 = {**FULL, **{f"B.1.{n}": 1 for n in range(1, 9)}}  # 66 points, dementia: level 2
LEVEL_3 = {**FULL, **{f"B.1.{n}": 0 for n in range(1, 9)}, **{f"B.2.{n}": 0 for n in range(1, 5)}}


def assess(person: Person, user, items: dict[str, int], on: dt.date, **kwargs) -> Assessment:
    return assessment_record(
        acting_user=user,
        person=person,
        data=AssessmentIn(
            assessed_on=on,
            reason="initial",
            assessors="张评估、王评估",
            items=items,
            dementia=kwargs.get("dementia", True),
        ),
    )


def dibao(person: Person, program: str = "dibao", state: str = "active") -> AssistanceCase:
    household = person.memberships.get(valid_to__isnull=True).household
    return AssistanceCase.objects.create(
        number=f"SA{household.pk:08d}{program[:2]}",
        program=program,
        household=household,
        applicant=person,
        division_code=household.division_id,
        state=state,
        channel="worker",
        request={},
        monthly_amount=Decimal("800.00"),
        start_month=dt.date(2026, 1, 1),
    )


@pytest.fixture
def eligible(elder, yangshe_clerk) -> Person:
    assess(elder, yangshe_clerk, LEVEL_2, dt.date(2026, 10, 20))
    dibao(elder)
    return elder


def test_an_eligible_elder_is_granted_the_amount_of_their_level(eligible, yangshe_clerk):
    subsidy = service_subsidy_grant(
        acting_user=yangshe_clerk, person=eligible, start_month=NOV, on=TODAY, note="入户核实"
    )

    assert (subsidy.level, subsidy.program, subsidy.amount) == (2, "dibao", Decimal("300.00"))
    assert service_subsidy_amount(eligible, dt.date(2026, 11, 15)) == Decimal("300.00")
    assert service_subsidy_amount(eligible, dt.date(2026, 10, 1)) is None
    event = AuditEvent.objects.filter(action="eldercare.service_subsidy.grant").get()
    assert (event.actor_username, event.data["amount"]) == ("yangshe_clerk", "300.00")


def test_a_severer_level_gets_more(elder, yangshe_clerk):
    assess(elder, yangshe_clerk, LEVEL_3, dt.date(2026, 10, 20), dementia=False)
    dibao(elder, program="extreme_poverty")

    check = service_subsidy_check(person=elder, month=NOV)

    assert (check.is_eligible, check.level, check.amount) == (True, 3, Decimal("400.00"))


def test_the_rules_say_why_an_elder_is_not_eligible(elder, yangshe_clerk):
    assess(elder, yangshe_clerk, FULL, dt.date(2026, 10, 20), dementia=False)

    check = service_subsidy_check(person=elder, month=NOV)

    assert check.is_eligible is False
    assert check.reasons == [
        "✓ 在世",
        "✓ 88周岁（须年满60周岁）",
        "✗ 最近一次能力评估（2026-10-20）为能力完好（须2级及以上）",
        "✗ 家庭未享受低保、低保边缘或特困救助供养",
    ]
    with pytest.raises(EldercareError) as error:
        service_subsidy_grant(acting_user=yangshe_clerk, person=elder, start_month=NOV, on=TODAY)
    assert [field for field, _zh, _en in error.value.problems] == ["assessment", "case"]
    assert ServiceSubsidy.objects.count() == 0


def test_a_terminated_or_other_programme_does_not_count(elder, yangshe_clerk):
    assess(elder, yangshe_clerk, LEVEL_2, dt.date(2026, 10, 20))
    dibao(elder, state="terminated")
    dibao(elder, program="rigid_expenditure")

    assert service_subsidy_check(person=elder, month=NOV).is_eligible is False


def test_only_the_office_of_the_elders_town_grants(eligible, tangqiao_clerk, provider_user):
    for outsider in (tangqiao_clerk, provider_user):
        with pytest.raises(PermissionDenied):
            service_subsidy_grant(acting_user=outsider, person=eligible, start_month=NOV, on=TODAY)
    assert ServiceSubsidy.objects.count() == 0


def test_a_second_grant_is_refused_and_a_stop_closes_the_row(eligible, yangshe_clerk):
    subsidy = service_subsidy_grant(
        acting_user=yangshe_clerk, person=eligible, start_month=NOV, on=TODAY
    )
    with pytest.raises(EldercareError, match="已享受"):
        service_subsidy_grant(acting_user=yangshe_clerk, person=eligible, start_month=DEC, on=TODAY)
    with pytest.raises(EldercareError, match="不能早于"):
        service_subsidy_stop(
            acting_user=yangshe_clerk,
            subsidy=subsidy,
            last_month=dt.date(2026, 10, 1),
            reason="not_eligible",
        )

    service_subsidy_stop(
        acting_user=yangshe_clerk, subsidy=subsidy, last_month=NOV, reason="not_eligible"
    )

    subsidy.refresh_from_db()
    assert (subsidy.valid_to, subsidy.end_reason) == (NOV, "not_eligible")
    assert service_subsidy_amount(eligible, DEC) is None


def test_death_stops_the_subsidy_after_the_month_of_death(eligible, yangshe_clerk):
    service_subsidy_grant(acting_user=yangshe_clerk, person=eligible, start_month=NOV, on=TODAY)

    lines = entitlement_death_effects(
        acting_user=yangshe_clerk, person=eligible, on=dt.date(2026, 11, 20)
    )

    assert lines == ["居家养老服务补贴：2026-11后停发（2026-11-20死亡）"]
    assert service_subsidy_amount(eligible, NOV) == Decimal("300.00")
    assert service_subsidy_amount(eligible, DEC) is None


def test_other_towns_do_not_see_the_subsidy(eligible, yangshe_clerk, tangqiao_clerk):
    service_subsidy_grant(acting_user=yangshe_clerk, person=eligible, start_month=NOV, on=TODAY)

    assert subsidy_list(user=yangshe_clerk).count() == 1
    assert subsidy_list(user=tangqiao_clerk).count() == 0


def test_the_grant_page_shows_the_reasons_and_grants(client, eligible, yangshe_clerk):
    verified_login(client, yangshe_clerk)
    page = client.get(f"/eldercare/persons/{eligible.pk}/subsidy/")
    assert "✓ 家庭享受低保" in page.content.decode()

    response = client.post(
        f"/eldercare/persons/{eligible.pk}/subsidy/", {"start_month": "2026-11", "note": ""}
    )

    subsidy = ServiceSubsidy.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/eldercare/subsidies/{subsidy.pk}/"
    assert "300.00" in client.get(response["Location"]).content.decode()


def test_the_api_grants_and_answers_422_with_every_problem(client, elder, yangshe_clerk):
    verified_login(client, yangshe_clerk)
    body = {"person_id": elder.pk, "start_month": "2026-11"}

    response = client.post("/api/eldercare/subsidies", json.dumps(body), "application/json")

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["assessment", "case"]
    assess(elder, yangshe_clerk, LEVEL_2, dt.date(2026, 10, 20))
    dibao(elder)
    response = client.post("/api/eldercare/subsidies", json.dumps(body), "application/json")
    assert (response.status_code, response.json()["amount"]) == (201, "300.00")
