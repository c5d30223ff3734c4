"""Objections, 一事一议, temporary assistance (emergency path, the city's limit), and the life
of an active case: review, change of amount, gradual exit, transfer between towns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from minzheng.assistance import services
from minzheng.assistance.demo import case_advance
from minzheng.assistance.models import AssistanceCase, CaseAmount
from minzheng.assistance.payroll import payroll_month_close
from minzheng.assistance.services import CaseError
from minzheng.workflow.services import WorkflowError
from tests.assistance.conftest import APPLIED_ON, approve, family_request
from tests.conftest import TANGQIAO_VILLAGE, YANGSHE_VILLAGE_2

NOTICE_ON = dt.date(2026, 1, 10)
AFTER_NOTICE = NOTICE_ON + dt.timedelta(days=7)
START = dt.date(2026, 2, 1)


@pytest.fixture
def in_notice(dibao_case, yangshe_clerk):
    case_advance(dibao_case, "notice", yangshe_clerk, yangshe_clerk, NOTICE_ON, START)
    dibao_case.refresh_from_db()
    return dibao_case


@pytest.fixture
def active(dibao_case, yangshe_clerk, yangshe_approver):
    return approve(dibao_case, yangshe_clerk, yangshe_approver, START)


def test_an_open_objection_holds_the_decision_until_resolved(
    in_notice, yangshe_clerk, yangshe_approver
):
    services.case_object(
        case=in_notice, acting_user=yangshe_clerk, on=NOTICE_ON, objection="该户有营运车辆"
    )
    assert services.open_objections(in_notice) == 1
    assert in_notice.due_on == AFTER_NOTICE  # the notice period is not reset
    with pytest.raises(CaseError, match="异议尚未核实处理"):
        services.case_approve(
            case=in_notice, acting_user=yangshe_approver, on=AFTER_NOTICE, start_month=START
        )
    services.case_resolve_objection(
        case=in_notice,
        acting_user=yangshe_clerk,
        on=AFTER_NOTICE,
        finding="车辆已于2025年过户，异议不属实",
        upheld=False,
    )
    with pytest.raises(CaseError, match="没有待处理的异议"):
        services.case_resolve_objection(
            case=in_notice, acting_user=yangshe_clerk, on=AFTER_NOTICE, finding="x", upheld=False
        )
    services.case_approve(
        case=in_notice, acting_user=yangshe_approver, on=AFTER_NOTICE, start_month=START
    )
    assert in_notice.state == "active"


def test_a_case_outside_the_rules_is_approved_by_deliberation(
    family, yangshe_clerk, yangshe_approver
):
    request = family_request()
    for member in request["members"]:
        member["income"] = {"pension": 3000}  # far above the standard: the rules say no
    case = services.case_apply(
        acting_user=yangshe_clerk,
        household=family,
        applicant=family.head,
        program="dibao",
        request=request,
        on=APPLIED_ON,
    )
    case_advance(case, "notice", yangshe_clerk, yangshe_clerk, NOTICE_ON, START)
    with pytest.raises(CaseError, match="不符合条件"):
        services.case_approve(
            case=case, acting_user=yangshe_approver, on=AFTER_NOTICE, start_month=START
        )
    with pytest.raises(CaseError, match="至少两人"):
        services.case_deliberate(
            case=case,
            acting_user=yangshe_approver,
            on=AFTER_NOTICE,
            start_month=START,
            monthly_amount=Decimal("500"),
            members=["张镇长", " 张镇长 "],
            reasons="大病支出",
        )
    services.case_deliberate(
        case=case,
        acting_user=yangshe_approver,
        on=AFTER_NOTICE,
        start_month=START,
        monthly_amount=Decimal("500"),
        members=["张镇长", "李科长", "王社工"],
        reasons="长期大病支出，收入扣除医疗费后低于标准",
    )
    case.refresh_from_db()
    assert (case.state, case.monthly_amount) == ("active", Decimal("500.00"))
    assert CaseAmount.objects.get(case=case).reason == "一事一议"
    step = services._steps(case, "deliberate")[0]
    assert step.data["members"] == ["张镇长", "李科长", "王社工"]
    assert step.data["assessment"]["eligible"] is False


def _temporary(family, clerk, **emergency) -> AssistanceCase:
    request = {**family_request(), "emergency": {"kind": "fire_or_accident", "loss": 20000}}
    return services.case_apply(
        acting_user=clerk,
        household=family,
        applicant=family.head,
        program="temporary_assistance",
        request=request,
        on=APPLIED_ON,
    )


def test_the_emergency_path_pays_first_and_completes_the_papers_after(
    family, yangshe_clerk, yangshe_approver, payroll_staff
):
    case = _temporary(family, yangshe_clerk)
    friday = dt.date(2026, 1, 9)
    with pytest.raises(CaseError, match="超过镇（街道）审批限额"):
        services.case_emergency(
            case=case,
            acting_user=yangshe_clerk,
            on=friday,
            amount=Decimal("9000"),
            situation="火灾",
        )
    services.case_emergency(
        case=case, acting_user=yangshe_clerk, on=friday, amount=Decimal("3000"), situation="火灾"
    )
    case.refresh_from_db()
    assert (case.state, case.start_month) == ("emergency", dt.date(2026, 1, 1))
    assert case.due_on == dt.date(2026, 1, 16)  # five working days after a Friday
    payroll, _ = payroll_month_close(
        acting_user=payroll_staff, month=dt.date(2026, 1, 1), today=dt.date(2026, 1, 20)
    )
    assert [line.amount for line in payroll.payments.all()] == [Decimal("3000.00")]
    with pytest.raises(CaseError, match="授权书"):
        services.case_complete(
            case=case,
            acting_user=yangshe_approver,
            on=dt.date(2026, 1, 14),
            documents=list(services.REQUIRED_DOCUMENTS),
            authorisation_signed=False,
            findings="属实",
        )
    services.case_complete(
        case=case,
        acting_user=yangshe_approver,
        on=dt.date(2026, 1, 14),
        documents=list(services.REQUIRED_DOCUMENTS),
        authorisation_signed=True,
        findings="火灾属实",
    )
    case.refresh_from_db()
    assert case.state == "active"
    assert services._steps(case, "complete")[0].data["late"] is False


def test_temporary_assistance_above_the_towns_limit_goes_to_the_city(
    family, yangshe_clerk, yangshe_approver, payroll_staff
):
    case = _temporary(family, yangshe_clerk)
    case_advance(case, "notice", yangshe_clerk, yangshe_clerk, NOTICE_ON, START)
    assessed = services._assess_at(case, START)["programs"]["temporary_assistance"]
    assert Decimal(str(assessed["one_off_amount"])) > services.town_limit(AFTER_NOTICE)
    with pytest.raises(CaseError, match="请报市局审批"):
        services.case_approve(
            case=case, acting_user=yangshe_approver, on=AFTER_NOTICE, start_month=START
        )
    services.case_refer_city(
        case=case, acting_user=yangshe_approver, on=AFTER_NOTICE, opinion="火灾损失大，建议救助"
    )
    with pytest.raises(PermissionDenied):
        services.case_city_approve(
            case=case, acting_user=yangshe_approver, on=AFTER_NOTICE, amount=Decimal("8000")
        )
    services.case_city_approve(
        case=case, acting_user=payroll_staff, on=AFTER_NOTICE, amount=Decimal("8000")
    )
    case.refresh_from_db()
    assert (case.state, case.monthly_amount) == ("active", Decimal("8000.00"))


def test_a_review_proposes_and_the_approver_changes_the_amount(
    active, yangshe_clerk, yangshe_approver
):
    request = {**active.request, "members": [dict(m) for m in active.request["members"]]}
    request["members"][2]["income"] = {"wages": 800}
    services.case_review(
        case=active,
        acting_user=yangshe_clerk,
        on=dt.date(2026, 7, 20),
        findings="王磊已就业",
        request=request,
    )
    step = services._steps(active, "review")[0]
    assert step.data["from_month"] == "2026-08-01"
    assert "调整为" in step.data["proposal"]
    with pytest.raises(PermissionDenied):  # the clerk proposes, the approver decides
        services.case_change_amount(
            case=active,
            acting_user=yangshe_clerk,
            on=dt.date(2026, 7, 21),
            amount=Decimal(step.data["proposed_amount"]),
            from_month=dt.date(2026, 8, 1),
            reason="定期核查",
        )
    services.case_change_amount(
        case=active,
        acting_user=yangshe_approver,
        on=dt.date(2026, 7, 21),
        amount=Decimal(step.data["proposed_amount"]),
        from_month=dt.date(2026, 8, 1),
        reason="定期核查：成员就业",
    )
    amounts = list(CaseAmount.objects.filter(case=active).values_list("valid_from", "amount"))
    assert amounts[0][0] == START
    assert amounts[1] == (dt.date(2026, 8, 1), Decimal(step.data["proposed_amount"]))


def test_gradual_exit_keeps_paying_for_at_most_the_parameters_months(active, yangshe_approver):
    with pytest.raises(CaseError, match="渐退期为1至6个月"):
        services.case_gradual_exit(
            case=active,
            acting_user=yangshe_approver,
            on=dt.date(2026, 7, 1),
            from_month=dt.date(2026, 8, 1),
            months=7,
            reason="就业",
        )
    services.case_gradual_exit(
        case=active,
        acting_user=yangshe_approver,
        on=dt.date(2026, 7, 1),
        from_month=dt.date(2026, 8, 1),
        months=6,
        reason="成员就业，收入超过标准",
    )
    active.refresh_from_db()
    assert (active.state, active.end_month) == ("active", dt.date(2027, 1, 1))


def test_a_transfer_hands_the_case_to_the_new_town(
    active, yangshe_clerk, tangqiao_clerk, tangqiao_approver
):
    with pytest.raises(CaseError, match="同一镇"):
        services.case_transfer(
            case=active,
            acting_user=yangshe_clerk,
            on=dt.date(2026, 5, 1),
            to_division=YANGSHE_VILLAGE_2,
            reason="搬家",
        )
    with pytest.raises(PermissionDenied):  # not yet 塘桥's case
        services.case_transfer(
            case=active,
            acting_user=tangqiao_clerk,
            on=dt.date(2026, 5, 1),
            to_division=TANGQIAO_VILLAGE,
            reason="搬家",
        )
    services.case_transfer(
        case=active,
        acting_user=yangshe_clerk,
        on=dt.date(2026, 5, 1),
        to_division=TANGQIAO_VILLAGE,
        reason="全家迁至塘桥镇",
    )
    active.refresh_from_db()
    assert active.division_code == TANGQIAO_VILLAGE
    # 塘桥 decides from now on; 杨舍 no longer may.
    services.case_change_amount(
        case=active,
        acting_user=tangqiao_approver,
        on=dt.date(2026, 5, 2),
        amount=Decimal("700"),
        from_month=dt.date(2026, 6, 1),
        reason="迁入地核定",
    )
    with pytest.raises(PermissionDenied):
        services.case_review(
            case=active, acting_user=yangshe_clerk, on=dt.date(2026, 5, 3), findings="x"
        )


def test_steps_out_of_order_are_refused(active, yangshe_approver):
    with pytest.raises(WorkflowError, match="不能登记公示异议"):
        services.case_object(
            case=active, acting_user=yangshe_approver, on=dt.date(2026, 3, 1), objection="x"
        )


def test_the_letter_of_a_deliberated_case_names_the_decision_and_its_members(
    in_notice, yangshe_approver
):
    from minzheng.assistance.documents import decision_letter_docx
    from tests.assistance.test_documents import docx_text

    services.case_deliberate(
        case=in_notice,
        acting_user=yangshe_approver,
        on=AFTER_NOTICE,
        start_month=START,
        monthly_amount=Decimal("654.00"),
        members=["张镇长", "李科长"],
        reasons="长期大病支出",
    )
    text = docx_text(decision_letter_docx(in_notice))
    assert "一事一议" in text
    assert "张镇长、李科长" in text
    assert "654.00" in text


def test_the_citys_decision_is_issued_by_the_citys_bureau(
    family, yangshe_clerk, yangshe_approver, payroll_staff
):
    from minzheng.assistance.documents import decision_letter_docx
    from tests.assistance.test_documents import docx_text

    case = _temporary(family, yangshe_clerk)
    case_advance(case, "notice", yangshe_clerk, yangshe_clerk, NOTICE_ON, START)
    services.case_refer_city(
        case=case, acting_user=yangshe_approver, on=AFTER_NOTICE, opinion="建议救助"
    )
    services.case_city_approve(
        case=case, acting_user=payroll_staff, on=AFTER_NOTICE, amount=Decimal("8000")
    )
    text = docx_text(decision_letter_docx(case))
    assert "张家港市民政局" in text
    assert "8,000.00" in text
