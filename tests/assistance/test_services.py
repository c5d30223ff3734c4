"""The assistance case on the shared workflow: every step checked, recorded, audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from minzheng.assistance import services
from minzheng.assistance.models import AssistanceCase
from minzheng.assistance.selectors import case_get, case_list, case_timeline
from minzheng.audit.models import AuditEvent
from minzheng.rules import assess
from minzheng.workflow.models import TransitionRecord
from minzheng.workflow.selectors import inbox
from minzheng.workflow.services import WorkflowError
from tests.assistance.conftest import APPLIED_ON, family_request

DOCUMENTS = ["身份证、户口簿", "家庭经济状况核对授权书", "收入证明"]


def _snapshot(case: AssistanceCase) -> tuple[object, ...]:
    case.refresh_from_db()
    return (
        case.state,
        case.due_on,
        case.monthly_amount,
        TransitionRecord.objects.count(),
        AuditEvent.objects.count(),
    )


def _to_notice(case, clerk, on=dt.date(2026, 1, 6)) -> None:
    services.case_accept(
        case=case, acting_user=clerk, on=on, documents=DOCUMENTS, authorisation_signed=True
    )
    services.case_verify(case=case, acting_user=clerk, on=on)
    services.case_visit(
        case=case, acting_user=clerk, on=on, workers=["张三", "李四"], findings="家中无贵重物品"
    )
    services.case_notice(case=case, acting_user=clerk, on=dt.date(2026, 1, 10))


def test_a_dibao_case_goes_from_application_to_termination(
    dibao_case, yangshe_clerk, yangshe_approver
):
    assert (dibao_case.state, dibao_case.division_code) == ("applied", "320582100001")
    assert dibao_case.number.startswith("SA20260105")
    _to_notice(dibao_case, yangshe_clerk)
    dibao_case.refresh_from_db()
    assert (dibao_case.state, dibao_case.due_on) == ("notice", dt.date(2026, 1, 17))

    services.case_approve(
        case=dibao_case,
        acting_user=yangshe_approver,
        on=dt.date(2026, 1, 17),
        start_month=dt.date(2026, 2, 1),
    )
    dibao_case.refresh_from_db()
    expected = assess({**family_request(), "as_of": "2026-02"})["programs"]["dibao"]
    assert dibao_case.state == "active"
    assert dibao_case.monthly_amount == Decimal(str(expected["monthly_amount"]))
    assert dibao_case.monthly_amount == Decimal("3007.19")
    assert dibao_case.assessment["trace"]  # the rules' trace is kept with the decision
    assert dibao_case.start_month == dt.date(2026, 2, 1)

    services.case_terminate(
        case=dibao_case,
        acting_user=yangshe_approver,
        on=dt.date(2026, 6, 3),
        reason="家庭收入超过低保标准",
        last_month=dt.date(2026, 6, 1),
    )
    dibao_case.refresh_from_db()
    assert (dibao_case.state, dibao_case.end_month) == ("terminated", dt.date(2026, 6, 1))
    steps = [(record.transition, record.to_state) for record in case_timeline(case=dibao_case)]
    assert steps == [
        ("apply", "applied"),
        ("accept", "accepted"),
        ("verify", "verified"),
        ("visit", "visited"),
        ("notice", "notice"),
        ("approve", "active"),
        ("terminate", "terminated"),
    ]
    actions = list(
        AuditEvent.objects.filter(action__startswith="assistance.case.")
        .order_by("sequence")
        .values_list("action", "actor_username")
    )
    assert actions == [
        ("assistance.case.apply", "yangshe_clerk"),
        ("assistance.case.accept", "yangshe_clerk"),
        ("assistance.case.verify", "yangshe_clerk"),
        ("assistance.case.visit", "yangshe_clerk"),
        ("assistance.case.notice", "yangshe_clerk"),
        ("assistance.case.approve", "yangshe_approver"),
        ("assistance.case.terminate", "yangshe_approver"),
    ]


def test_the_verification_report_keeps_the_rules_result_and_flags_what_the_registry_says(
    dibao_case, yangshe_clerk
):
    services.case_accept(
        case=dibao_case,
        acting_user=yangshe_clerk,
        on=APPLIED_ON,
        documents=DOCUMENTS,
        authorisation_signed=True,
    )
    record = services.case_verify(case=dibao_case, acting_user=yangshe_clerk, on=APPLIED_ON)
    assert record.data["assessment"]["eligible"] is True
    assert record.data["assessment"]["per_capita_income"] == 366.67
    assert record.data["flags"] == []


def test_a_step_out_of_order_is_refused_and_changes_nothing(dibao_case, yangshe_approver):
    before = _snapshot(dibao_case)
    with pytest.raises(WorkflowError) as caught:
        services.case_approve(
            case=dibao_case,
            acting_user=yangshe_approver,
            on=dt.date(2026, 2, 1),
            start_month=dt.date(2026, 2, 1),
        )
    assert caught.value.message_zh == "办件当前为“已申请”，不能审核确认（批准）"
    assert _snapshot(dibao_case) == before


def test_another_towns_approver_cannot_decide_and_nothing_changes(
    dibao_case, yangshe_clerk, tangqiao_approver
):
    _to_notice(dibao_case, yangshe_clerk)
    before = _snapshot(dibao_case)
    with pytest.raises(PermissionDenied):
        services.case_approve(
            case=dibao_case,
            acting_user=tangqiao_approver,
            on=dt.date(2026, 1, 20),
            start_month=dt.date(2026, 2, 1),
        )
    assert _snapshot(dibao_case) == before


def test_a_clerk_cannot_approve(dibao_case, yangshe_clerk):
    _to_notice(dibao_case, yangshe_clerk)
    before = _snapshot(dibao_case)
    with pytest.raises(PermissionDenied):
        services.case_approve(
            case=dibao_case,
            acting_user=yangshe_clerk,
            on=dt.date(2026, 1, 20),
            start_month=dt.date(2026, 2, 1),
        )
    assert _snapshot(dibao_case) == before


def test_no_decision_before_the_public_notice_ends(dibao_case, yangshe_clerk, yangshe_approver):
    _to_notice(dibao_case, yangshe_clerk)
    before = _snapshot(dibao_case)
    with pytest.raises(services.CaseError) as caught:
        services.case_approve(
            case=dibao_case,
            acting_user=yangshe_approver,
            on=dt.date(2026, 1, 16),
            start_month=dt.date(2026, 2, 1),
        )
    assert caught.value.problems == [
        ("公示期至 2026-01-17 结束，之前不能审批", "the public notice is not over")
    ]
    assert _snapshot(dibao_case) == before


def test_acceptance_needs_the_documents_and_the_signed_authorisation(dibao_case, yangshe_clerk):
    before = _snapshot(dibao_case)
    with pytest.raises(services.CaseError) as caught:
        services.case_accept(
            case=dibao_case,
            acting_user=yangshe_clerk,
            on=APPLIED_ON,
            documents=["身份证、户口簿"],
            authorisation_signed=False,
        )
    assert caught.value.problems == [
        ("缺少材料：家庭经济状况核对授权书", "missing document: 家庭经济状况核对授权书"),
        ("须由家庭成员签署经济状况核对授权书", "the household must sign the authorisation"),
    ]
    assert _snapshot(dibao_case) == before


def test_a_home_visit_needs_two_workers(dibao_case, yangshe_clerk):
    services.case_accept(
        case=dibao_case,
        acting_user=yangshe_clerk,
        on=APPLIED_ON,
        documents=DOCUMENTS,
        authorisation_signed=True,
    )
    services.case_verify(case=dibao_case, acting_user=yangshe_clerk, on=APPLIED_ON)
    before = _snapshot(dibao_case)
    with pytest.raises(services.CaseError) as caught:
        services.case_visit(
            case=dibao_case,
            acting_user=yangshe_clerk,
            on=APPLIED_ON,
            workers=["张三", "张三"],
            findings="",
        )
    assert caught.value.problems == [
        ("入户调查须有两名工作人员", "a home visit needs two workers"),
        ("请填写调查情况", "the findings are required"),
    ]
    assert _snapshot(dibao_case) == before


def test_the_rules_must_find_the_household_eligible_to_approve(
    family, yangshe_clerk, yangshe_approver
):
    request = family_request()
    request["members"][2]["income"] = {"wages": 9000}
    request["members"][2]["employment"] = "employed"
    case = services.case_apply(
        acting_user=yangshe_clerk,
        household=family,
        applicant=family.head,
        program="dibao",
        request=request,
        on=APPLIED_ON,
    )
    _to_notice(case, yangshe_clerk)
    with pytest.raises(services.CaseError) as caught:
        services.case_approve(
            case=case,
            acting_user=yangshe_approver,
            on=dt.date(2026, 1, 20),
            start_month=dt.date(2026, 2, 1),
        )
    assert caught.value.problems[0][1] == "the rules find the household not eligible"
    services.case_reject(
        case=case,
        acting_user=yangshe_approver,
        on=dt.date(2026, 1, 20),
        reasons=["人均收入超过低保标准"],
    )
    case.refresh_from_db()
    assert case.state == "rejected"


def test_an_application_with_a_bad_request_is_refused_and_nothing_is_created(family, yangshe_clerk):
    request = family_request()
    request["members"][0]["income"]["pension"] = -1
    with pytest.raises(services.CaseError) as caught:
        services.case_apply(
            acting_user=yangshe_clerk,
            household=family,
            applicant=family.head,
            program="dibao",
            request=request,
            on=APPLIED_ON,
        )
    assert caught.value.problems == [
        ("$.members[0].income.pension：不能为负数", "must not be negative")
    ]
    assert AssistanceCase.objects.count() == 0


def test_another_town_cannot_open_a_case_for_the_household(family, tangqiao_clerk):
    with pytest.raises(PermissionDenied):
        services.case_apply(
            acting_user=tangqiao_clerk,
            household=family,
            applicant=family.head,
            program="dibao",
            request=family_request(),
            on=APPLIED_ON,
        )
    assert AssistanceCase.objects.count() == 0


def test_reads_are_scoped_by_town_and_business_line(
    dibao_case, tangqiao_clerk, yangshe_clerk, city_admin, eldercare_staff
):
    assert list(case_list(user=yangshe_clerk)) == [dibao_case]
    assert list(case_list(user=city_admin)) == [dibao_case]
    assert list(case_list(user=tangqiao_clerk)) == []
    assert list(case_list(user=eldercare_staff)) == []
    from django.http import Http404

    with pytest.raises(Http404):
        case_get(user=tangqiao_clerk, case_id=dibao_case.pk)


def test_the_inbox_lists_open_cases_in_scope_most_urgent_first(
    dibao_case, family, yangshe_clerk, tangqiao_clerk
):
    second = services.case_apply(
        acting_user=yangshe_clerk,
        household=family,
        applicant=family.head,
        program="temporary_assistance",
        request={**family_request(), "emergency": {"kind": "fire_or_accident", "loss": 8000}},
        on=APPLIED_ON,
    )
    _to_notice(second, yangshe_clerk)  # due 2026-01-17
    items = inbox(user=yangshe_clerk, on=dt.date(2026, 1, 18))
    assert [(item.case.pk, item.is_overdue) for item in items] == [
        (second.pk, True),
        (dibao_case.pk, False),
    ]
    assert inbox(user=tangqiao_clerk, on=dt.date(2026, 1, 18)) == []


def test_approving_for_a_month_the_rules_cannot_assess_is_refused(
    dibao_case, yangshe_clerk, yangshe_approver
):
    _to_notice(dibao_case, yangshe_clerk)
    before = _snapshot(dibao_case)
    with pytest.raises(services.CaseError) as caught:
        services.case_approve(
            case=dibao_case,
            acting_user=yangshe_approver,
            on=dt.date(2026, 1, 20),
            start_month=dt.date(2022, 3, 1),
        )
    assert caught.value.problems == [
        (
            "$.as_of：2022-03 无有效的参数 dibao.standard（自 2023-07 起有值），无法评估",
            "parameter dibao.standard has no value in force in 2022-03 (it has one from 2023-07)",
        )
    ]
    assert _snapshot(dibao_case) == before


def test_the_demo_opens_cases_at_every_step_for_eligible_households(db, divisions):
    import polars as pl

    from minzheng.assistance.demo import PER_TOWN, demo_cases_create
    from minzheng.registry.services import city_load
    from minzheng.synth.generate import AS_OF, generate
    from tests.conftest import _user

    city = generate(scale=0.03, seed=1)
    yangshe = city.households.filter(pl.col("division").str.starts_with("320582100"))
    persons = city.persons.filter(pl.col("household_id").is_in(yangshe["household_id"].implode()))
    divisions_rows = city.divisions.filter(pl.col("kind").is_in(["village", "community"]))
    from minzheng.registry.services import DivisionIn, divisions_load

    divisions_load(
        acting_user=None, rows=[DivisionIn(**row) for row in divisions_rows.iter_rows(named=True)]
    )
    city_load(acting_user=None, persons=persons, households=yangshe, on=AS_OF)
    staff = {
        "320582100": (
            _user("c", "town_clerk", "320582100"),
            _user("a", "town_approver", "320582100"),
        )
    }
    made = demo_cases_create(
        persons=persons, households=yangshe, staff=staff, today=dt.date(2026, 1, 20)
    )
    assert made == PER_TOWN
    states = sorted(AssistanceCase.objects.values_list("state", flat=True))
    assert states == sorted(
        ["applied", "accepted", "verified", "visited", "notice", "active", "active", "rejected"]
    )
    assert (
        demo_cases_create(
            persons=persons, households=yangshe, staff=staff, today=dt.date(2026, 1, 20)
        )
        == 0
    )
