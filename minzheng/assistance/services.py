"""Every step of an assistance case: validated, then performed by the shared workflow service.

Each function checks what its step needs (documents, the authorisation, two workers, the notice
period, the rules engine's result), raises `CaseError` with every problem and changes nothing
when anything is wrong, and otherwise calls `transition_perform`, which checks role and
jurisdiction, records the step on the case's timeline and writes the audit log.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from django.db import transaction

from minzheng.accounts.models import User
from minzheng.assistance.models import AssistanceCase, CaseAmount, Channel, Program
from minzheng.assistance.workflows import ASSISTANCE_CASE, PUBLIC_NOTICE_DAYS
from minzheng.registry.models import Division, DivisionKind, Household, Membership, Person
from minzheng.rules import RequestError, assess, parameters_at
from minzheng.rules.parameters import add_months
from minzheng.rules.request import validate_request
from minzheng.workflow.models import TransitionRecord
from minzheng.workflow.services import WorkflowError, transition_check, transition_perform

REQUIRED_DOCUMENTS = ("身份证、户口簿", "家庭经济状况核对授权书")


class CaseError(WorkflowError):
    """A step refused for what the case or the input lacks; carries every problem."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("；".join(zh for zh, _ in problems), "; ".join(en for _, en in problems))
        self.problems = problems


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _assess_at(case: AssistanceCase, month: dt.date) -> dict[str, Any]:
    """Run the rules on the case's declared household for a month."""
    try:
        return assess({**case.request, "as_of": f"{month:%Y-%m}"})
    except RequestError as error:
        raise CaseError(
            [(f"{issue.path}：{issue.message_zh}", issue.message_en) for issue in error.issues]
        ) from None


def _check(case: AssistanceCase, name: str, acting_user: User) -> None:
    transition_check(workflow=ASSISTANCE_CASE, case=case, name=name, acting_user=acting_user)


def _summary(result: dict[str, Any], program: str) -> dict[str, Any]:
    entry = result["programs"][program]
    return {
        "as_of": result["as_of"],
        "eligible": entry["eligible"],
        "monthly_amount": entry["monthly_amount"],
        "one_off_amount": entry.get("one_off_amount"),
        "per_capita_income": result["per_capita_income"],
        "reasons": entry["reasons"],
        "provisional": result["provisional"],
    }


@transaction.atomic
def case_apply(
    *,
    acting_user: User,
    household: Household,
    applicant: Person,
    program: str,
    request: dict[str, Any],
    channel: str = Channel.WORKER,
    on: dt.date,
) -> AssistanceCase:
    """Open a case for a household of the registry with the household's declared situation."""
    case = AssistanceCase(
        number=f"SA{on:%Y%m%d}{secrets.token_hex(3).upper()}",
        program=program,
        household=household,
        applicant=applicant,
        division_code=household.division_id,
        channel=channel,
        request={key: value for key, value in request.items() if key != "as_of"},
    )
    _check(case, "apply", acting_user)
    problems: list[tuple[str, str]] = []
    if program not in Program.values:
        problems.append((f"未知的救助项目“{program}”", f"unknown programme {program!r}"))
    if channel not in Channel.values:
        problems.append((f"未知的申请方式“{channel}”", f"unknown channel {channel!r}"))
    is_member = Membership.objects.filter(
        household=household, person=applicant, valid_to__isnull=True
    ).exists()
    if not is_member:
        problems.append(
            ("申请人不是该户的现有成员", "the applicant is not a member of the household")
        )
    try:
        validate_request({**request, "as_of": f"{on:%Y-%m}"})
    except RequestError as error:
        problems += [
            (f"{issue.path}：{issue.message_zh}", issue.message_en) for issue in error.issues
        ]
    if problems:
        raise CaseError(problems)
    transition_perform(
        workflow=ASSISTANCE_CASE, case=case, name="apply", acting_user=acting_user, on=on
    )
    return case


@transaction.atomic
def case_accept(
    *,
    case: AssistanceCase,
    acting_user: User,
    on: dt.date,
    documents: list[str],
    authorisation_signed: bool,
) -> TransitionRecord:
    """Accept an application: the documents received and the signed authorisation (授权书)."""
    _check(case, "accept", acting_user)
    missing = [name for name in REQUIRED_DOCUMENTS if name not in documents]
    problems = [(f"缺少材料：{name}", f"missing document: {name}") for name in missing]
    if not authorisation_signed:
        problems.append(
            ("须由家庭成员签署经济状况核对授权书", "the household must sign the authorisation")
        )
    if problems:
        raise CaseError(problems)
    return transition_perform(
        workflow=ASSISTANCE_CASE,
        case=case,
        name="accept",
        acting_user=acting_user,
        on=on,
        data={"documents": documents},
        changes={"checklist": documents, "authorisation_signed": True},
    )


@transaction.atomic
def case_verify(*, case: AssistanceCase, acting_user: User, on: dt.date) -> TransitionRecord:
    """Verify the household's economic situation: a report kept on the timeline.

    The report holds the rules' result on the declared data and flags what the registry says
    otherwise (members who are not, or no longer, in the household; deaths).
    """
    _check(case, "verify", acting_user)
    result = _assess_at(case, _month(on))
    flags = _registry_flags(case)
    return transition_perform(
        workflow=ASSISTANCE_CASE,
        case=case,
        name="verify",
        acting_user=acting_user,
        on=on,
        data={"assessment": _summary(result, case.program), "flags": flags},
    )


def _registry_flags(case: AssistanceCase) -> list[str]:
    registered = Membership.objects.filter(household=case.household, valid_to__isnull=True)
    alive = registered.filter(person__death_date__isnull=True).count()
    declared = [member for member in case.request["members"] if not member.get("deceased", False)]
    flags = []
    if alive != len(declared):
        flags.append(f"登记的在世家庭成员 {alive} 人，申报 {len(declared)} 人")
    return flags


@transaction.atomic
def case_visit(
    *,
    case: AssistanceCase,
    acting_user: User,
    on: dt.date,
    workers: list[str],
    findings: str,
) -> TransitionRecord:
    """Record the home visit: two workers, the date, what they found."""
    _check(case, "visit", acting_user)
    named = [worker.strip() for worker in workers if worker.strip()]
    problems = []
    if len(set(named)) < 2:
        problems.append(("入户调查须有两名工作人员", "a home visit needs two workers"))
    if not findings.strip():
        problems.append(("请填写调查情况", "the findings are required"))
    if problems:
        raise CaseError(problems)
    return transition_perform(
        workflow=ASSISTANCE_CASE,
        case=case,
        name="visit",
        acting_user=acting_user,
        on=on,
        note=findings.strip(),
        data={"workers": named},
    )


@transaction.atomic
def case_notice(*, case: AssistanceCase, acting_user: User, on: dt.date) -> TransitionRecord:
    """Start the public notice; the decision may come when its 7 days have passed."""
    _check(case, "notice", acting_user)
    return transition_perform(
        workflow=ASSISTANCE_CASE,
        case=case,
        name="notice",
        acting_user=acting_user,
        on=on,
        data={"notice_from": on.isoformat(), "days": PUBLIC_NOTICE_DAYS},
    )


@transaction.atomic
def case_approve(
    *, case: AssistanceCase, acting_user: User, on: dt.date, start_month: dt.date
) -> TransitionRecord:
    """Approve with the amount the rules give for the start month; their trace is kept."""
    _check(case, "approve", acting_user)
    problems = _decision_problems(case, on) + _month_problems(start_month, "起始月份", "start")
    if problems:
        raise CaseError(problems)
    result = _assess_at(case, start_month)
    entry = result["programs"][case.program]
    if not entry["eligible"]:
        raise CaseError(
            [
                (
                    "按规则评估不符合条件，不能批准（可不予批准，或提交一事一议）",
                    "the rules find the household not eligible",
                )
            ]
        )
    amount = _money(entry.get("one_off_amount") or entry["monthly_amount"])
    if case.program == Program.TEMPORARY_ASSISTANCE and amount > town_limit(on):
        raise CaseError(
            [
                (
                    f"临时救助 {amount} 元超过镇（街道）审批限额 {town_limit(on)} 元，请报市局审批",
                    "above the town's limit: refer to the city",
                )
            ]
        )
    record = transition_perform(
        workflow=ASSISTANCE_CASE,
        case=case,
        name="approve",
        acting_user=acting_user,
        on=on,
        data={"assessment": _summary(result, case.program)},
        changes={"assessment": result, "monthly_amount": amount, "start_month": start_month},
    )
    CaseAmount.objects.create(case=case, valid_from=start_month, amount=amount, reason="批准")
    return record


@transaction.atomic
def case_reject(
    *, case: AssistanceCase, acting_user: User, on: dt.date, reasons: list[str]
) -> TransitionRecord:
    """Refuse the application, with the reasons the decision letter gives."""
    return _refuse(case, "reject", acting_user, on, reasons)


def _refuse(
    case: AssistanceCase, name: str, acting_user: User, on: dt.date, reasons: list[str]
) -> TransitionRecord:
    _check(case, name, acting_user)
    given = [reason.strip() for reason in reasons if reason.strip()]
    if not given:
        raise CaseError([("请填写不予批准的理由", "the reasons are required")])
    return transition_perform(
        workflow=ASSISTANCE_CASE,
        case=case,
        name=name,
        acting_user=acting_user,
        on=on,
        data={"reasons": given},
    )


@transaction.atomic
def case_terminate(
    *, case: AssistanceCase, acting_user: User, on: dt.date, reason: str, last_month: dt.date
) -> TransitionRecord:
    """End the payments: the reason and the last month paid."""
    _check(case, "terminate", acting_user)
    problems = []
    if not reason.strip():
        problems.append(("请填写终止理由", "the reason is required"))
    if last_month.day != 1:
        problems.append(("终止月份应为某月1日", "the last month must be a first of the month"))
    elif case.start_month is not None and last_month < case.start_month:
        problems.append(("终止月份早于起始月份", "the last month is before the start month"))
    if problems:
        raise CaseError(problems)
    return transition_perform(
        workflow=ASSISTANCE_CASE,
        case=case,
        name="terminate",
        acting_user=acting_user,
        on=on,
        note=reason.strip(),
        changes={"end_month": last_month},
    )


def _declared_member(case: AssistanceCase, person: Person, relation: str) -> int | None:
    """The index of the request's member who is this person: same relation and birth date."""
    birth = person.birth_date.isoformat()
    matches = [
        index
        for index, member in enumerate(case.request["members"])
        if member["relation"] == relation
        and (member.get("birth_date") == birth or member.get("id_number") == person.id_number)
    ]
    return matches[0] if len(matches) == 1 else None


@transaction.atomic
def person_death_effects(
    *, acting_user: User, person: Person, death_date: dt.date
) -> list[TransitionRecord]:
    """End or recompute the assistance of a person who died, from the following month.

    For each active case of the person's household: if the person was the applicant (the
    payee), or the household no longer qualifies, payment stops after the month of death;
    otherwise the member is marked deceased in the declaration and the rules give the amount
    from the following month. Called by the after-death bundle; each step is on the timeline
    and in the audit log. A member the declaration does not identify is left to review.
    """
    memberships = {
        membership.household_id: membership.relation
        for membership in Membership.objects.filter(person=person)
    }
    return _member_gone(
        acting_user=acting_user,
        person=person,
        memberships=memberships,
        on=death_date,
        reason=f"{person.name} 于 {death_date:%Y-%m-%d} 死亡",
        died=True,
    )


@transaction.atomic
def person_departure_effects(
    *, acting_user: User, person: Person, household: Household, relation: str, on: dt.date
) -> list[TransitionRecord]:
    """End or recompute the assistance of a household a member left (moved to another
    household, or out of the city), from the following month, as for a death: the applicant
    leaving ends the payment; otherwise the member leaves the declaration and the rules give
    the amount. Called by the move bundles; each step is on the timeline and in the audit log.
    """
    return _member_gone(
        acting_user=acting_user,
        person=person,
        memberships={household.pk: relation},
        on=on,
        reason=f"{person.name} 于 {on:%Y-%m-%d} 迁出本户",
        died=False,
    )


def _member_gone(
    *,
    acting_user: User,
    person: Person,
    memberships: dict[int, str],
    on: dt.date,
    reason: str,
    died: bool,
) -> list[TransitionRecord]:
    """What a member's death (marked deceased) or departure (taken out of the declaration)
    does to the active cases of the households in `memberships` (household id -> relation)."""
    stop, change = (
        ("death_terminate", "death_change") if died else ("move_terminate", "move_change")
    )
    cases = AssistanceCase.objects.filter(
        state="active", household_id__in=list(memberships)
    ).order_by("pk")
    month = on.replace(day=1)
    records = []
    for case in cases:
        if case.end_month is not None and case.end_month <= month:
            continue
        index = _declared_member(case, person, memberships[case.household_id])
        members = [dict(member) for member in case.request["members"]]
        if index is not None:
            if died:
                members[index]["deceased"] = True
            else:
                del members[index]
        request = {**case.request, "members": members}
        living = [member for member in members if not member.get("deceased")]
        from_month = add_months(month, 1)
        entry = None
        if case.applicant_id != person.pk and living and index is not None:
            try:
                entry = assess({**request, "as_of": f"{from_month:%Y-%m}"})["programs"][
                    case.program
                ]
            except RequestError:
                entry = None
        if entry is None or not entry["eligible"] or case.program == Program.TEMPORARY_ASSISTANCE:
            if index is None and case.applicant_id != person.pk:
                continue  # the declaration does not say who this is: a review decides
            records.append(
                transition_perform(
                    workflow=ASSISTANCE_CASE,
                    case=case,
                    name=stop,
                    acting_user=acting_user,
                    on=on,
                    note=reason,
                    # A case not yet started in that month is never paid (no end month).
                    changes={
                        "end_month": (
                            month
                            if case.start_month is not None and case.start_month <= month
                            else None
                        )
                    },
                )
            )
            continue
        amount = Decimal(str(entry["monthly_amount"])).quantize(Decimal("0.01"))
        records.append(
            transition_perform(
                workflow=ASSISTANCE_CASE,
                case=case,
                name=change,
                acting_user=acting_user,
                on=on,
                note=reason,
                data={"from_month": from_month.isoformat(), "amount": str(amount)},
                changes={"request": request, "monthly_amount": amount},
            )
        )
        CaseAmount.objects.update_or_create(
            case=case, valid_from=from_month, defaults={"amount": amount, "reason": reason}
        )
    return records


# ---------------------------------------------------------------------------------------------
# Objections during the notice, decisions outside the town's ordinary approval, the emergency
# path of temporary assistance, and the life of an active case: review, change, exit, transfer.


def _steps(case: AssistanceCase, *names: str) -> list[TransitionRecord]:
    return list(
        TransitionRecord.objects.filter(
            workflow=ASSISTANCE_CASE.name, object_id=case.pk, transition__in=names
        ).order_by("pk")
    )


def open_objections(case: AssistanceCase) -> int:
    """Objections recorded during the notice and not yet resolved."""
    steps = _steps(case, "object", "resolve_objection")
    return sum(1 if step.transition == "object" else -1 for step in steps)


def _decision_problems(case: AssistanceCase, on: dt.date) -> list[tuple[str, str]]:
    """What stands between a case in notice and any decision: the period, open objections."""
    problems = []
    if case.due_on is not None and on < case.due_on:
        problems.append(
            (f"公示期至 {case.due_on:%Y-%m-%d} 结束，之前不能审批", "the public notice is not over")
        )
    if open_objections(case):
        problems.append(("公示异议尚未核实处理", "an objection to the notice is not resolved"))
    return problems


def _month_problems(month: dt.date, label_zh: str, label_en: str) -> list[tuple[str, str]]:
    if month.day != 1:
        return [(f"{label_zh}应为某月1日", f"the {label_en} must be a first of the month")]
    return []


def town_limit(on: dt.date) -> Decimal:
    """The largest temporary assistance a town may decide (above it: the city)."""
    value = parameters_at(f"{on:%Y-%m}").get("temporary_assistance.town_approval_limit").value
    return Decimal(str(value))


def _money(value: Decimal | float | str) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@transaction.atomic
def case_object(
    *, case: AssistanceCase, acting_user: User, on: dt.date, objection: str
) -> TransitionRecord:
    """Record an objection raised during the public notice; it must be resolved before a
    decision. Who objected is not recorded here (the notice protects both sides)."""
    _check(case, "object", acting_user)
    if not objection.strip():
        raise CaseError([("请填写异议内容", "the objection is required")])
    return transition_perform(
        workflow=ASSISTANCE_CASE,
        case=case,
        name="object",
        acting_user=acting_user,
        on=on,
        note=objection.strip(),
        changes={"due_on": case.due_on},
    )


@transaction.atomic
def case_resolve_objection(
    *, case: AssistanceCase, acting_user: User, on: dt.date, finding: str, upheld: bool
) -> TransitionRecord:
    """Record what the town found on the oldest open objection (upheld: it was right)."""
    _check(case, "resolve_objection", acting_user)
    problems = []
    if not open_objections(case):
        problems.append(("没有待处理的异议", "there is no open objection"))
    if not finding.strip():
        problems.append(("请填写核实情况", "the finding is required"))
    if problems:
        raise CaseError(problems)
    return transition_perform(
        workflow=ASSISTANCE_CASE,
        case=case,
        name="resolve_objection",
        acting_user=acting_user,
        on=on,
        note=finding.strip(),
        data={"upheld": upheld},
        changes={"due_on": case.due_on},
    )


@transaction.atomic
def case_deliberate(
    *,
    case: AssistanceCase,
    acting_user: User,
    on: dt.date,
    start_month: dt.date,
    monthly_amount: Decimal,
    members: list[str],
    reasons: str,
) -> TransitionRecord:
    """一事一议: approve a case outside the rules by a collective decision, recorded with the
    members who took it and their reasons; the rules' result is kept beside it."""
    _check(case, "deliberate", acting_user)
    named = sorted({member.strip() for member in members if member.strip()})
    problems = _decision_problems(case, on) + _month_problems(start_month, "起始月份", "start")
    # Our own rule, not a policy figure: a collective decision has more than one member.
    if len(named) < 2:
        problems.append(("集体研究须记录参加人员（至少两人）", "name the members who decided"))
    if not reasons.strip():
        problems.append(("请填写集体研究的理由", "the reasons are required"))
    amount = _money(monthly_amount)
    if amount <= 0:
        problems.append(("救助金额应大于0", "the amount must be positive"))
    if case.program == Program.TEMPORARY_ASSISTANCE and amount > town_limit(on):
        problems.append(
            (
                f"临时救助超过镇（街道）审批限额 {town_limit(on)} 元，请报市局审批",
                "above the town's limit: refer to the city",
            )
        )
    if problems:
        raise CaseError(problems)
    result = _assess_at(case, start_month)
    record = transition_perform(
        workflow=ASSISTANCE_CASE,
        case=case,
        name="deliberate",
        acting_user=acting_user,
        on=on,
        note=reasons.strip(),
        data={
            "members": named,
            "amount": str(amount),
            "assessment": _summary(result, case.program),
        },
        changes={"assessment": result, "monthly_amount": amount, "start_month": start_month},
    )
    CaseAmount.objects.create(case=case, valid_from=start_month, amount=amount, reason="一事一议")
    return record


@transaction.atomic
def case_refer_city(
    *, case: AssistanceCase, acting_user: User, on: dt.date, opinion: str
) -> TransitionRecord:
    """Send a temporary-assistance case whose amount exceeds the town's limit to the city."""
    _check(case, "refer_city", acting_user)
    problems = _decision_problems(case, on)
    if case.program != Program.TEMPORARY_ASSISTANCE:
        problems.append(("只有临时救助需报市局审批", "only temporary assistance is referred"))
    if not opinion.strip():
        problems.append(("请填写镇（街道）审核意见", "the town's opinion is required"))
    if problems:
        raise CaseError(problems)
    result = _assess_at(case, _month(on))
    return transition_perform(
        workflow=ASSISTANCE_CASE,
        case=case,
        name="refer_city",
        acting_user=acting_user,
        on=on,
        note=opinion.strip(),
        data={"assessment": _summary(result, case.program)},
    )


@transaction.atomic
def case_city_approve(
    *, case: AssistanceCase, acting_user: User, on: dt.date, amount: Decimal, note: str = ""
) -> TransitionRecord:
    """The city's decision on a referred temporary-assistance case: paid once, this month."""
    _check(case, "city_approve", acting_user)
    value = _money(amount)
    if value <= 0:
        raise CaseError([("救助金额应大于0", "the amount must be positive")])
    result = _assess_at(case, _month(on))
    record = transition_perform(
        workflow=ASSISTANCE_CASE,
        case=case,
        name="city_approve",
        acting_user=acting_user,
        on=on,
        note=note.strip(),
        data={"amount": str(value), "assessment": _summary(result, case.program)},
        changes={"assessment": result, "monthly_amount": value, "start_month": _month(on)},
    )
    CaseAmount.objects.create(case=case, valid_from=_month(on), amount=value, reason="市局审批")
    return record


@transaction.atomic
def case_city_reject(
    *, case: AssistanceCase, acting_user: User, on: dt.date, reasons: list[str]
) -> TransitionRecord:
    """The city refuses a referred case, with the reasons the decision letter gives."""
    return _refuse(case, "city_reject", acting_user, on, reasons)


def add_working_days(day: dt.date, days: int) -> dt.date:
    """The date `days` working days after `day` (Saturdays and Sundays skipped; public
    holidays are not known to the platform)."""
    while days > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


@transaction.atomic
def case_emergency(
    *, case: AssistanceCase, acting_user: User, on: dt.date, amount: Decimal, situation: str
) -> TransitionRecord:
    """Temporary assistance by the emergency path: pay now (this month's payroll), complete
    the papers within the deadline (先行救助，事后补齐手续)."""
    _check(case, "emergency", acting_user)
    value = _money(amount)
    problems = []
    if case.program != Program.TEMPORARY_ASSISTANCE:
        problems.append(("紧急程序只适用于临时救助", "the emergency path is for temporary help"))
    if not situation.strip():
        problems.append(("请说明紧急情况", "describe the emergency"))
    if value <= 0:
        problems.append(("救助金额应大于0", "the amount must be positive"))
    elif value > town_limit(on):
        problems.append(
            (
                f"超过镇（街道）审批限额 {town_limit(on)} 元，须报市局审批",
                "above the town's limit: the city decides",
            )
        )
    if problems:
        raise CaseError(problems)
    days = int(
        parameters_at(f"{on:%Y-%m}")
        .get("temporary_assistance.emergency_documentation_working_days")
        .value
    )
    record = transition_perform(
        workflow=ASSISTANCE_CASE,
        case=case,
        name="emergency",
        acting_user=acting_user,
        on=on,
        note=situation.strip(),
        data={"amount": str(value), "documentation_working_days": days},
        changes={
            "monthly_amount": value,
            "start_month": _month(on),
            "due_on": add_working_days(on, days),
        },
    )
    CaseAmount.objects.create(case=case, valid_from=_month(on), amount=value, reason="先行救助")
    return record


@transaction.atomic
def case_complete(
    *,
    case: AssistanceCase,
    acting_user: User,
    on: dt.date,
    documents: list[str],
    authorisation_signed: bool,
    findings: str,
) -> TransitionRecord:
    """Complete the papers of an emergency payment: documents, authorisation, findings; the
    rules' result is recorded (a household they find not eligible is flagged, not repaid)."""
    _check(case, "complete", acting_user)
    problems = [
        (f"缺少材料：{name}", f"missing document: {name}")
        for name in REQUIRED_DOCUMENTS
        if name not in documents
    ]
    if not authorisation_signed:
        problems.append(
            ("须由家庭成员签署经济状况核对授权书", "the household must sign the authorisation")
        )
    if not findings.strip():
        problems.append(("请填写核实情况", "the findings are required"))
    if problems:
        raise CaseError(problems)
    result = _assess_at(case, case.start_month or _month(on))
    summary = _summary(result, case.program)
    return transition_perform(
        workflow=ASSISTANCE_CASE,
        case=case,
        name="complete",
        acting_user=acting_user,
        on=on,
        note=findings.strip(),
        data={
            "documents": documents,
            "assessment": summary,
            "late": case.due_on is not None and on > case.due_on,
            "flags": [] if summary["eligible"] else ["按规则评估不符合临时救助条件，请核实"],
        },
        changes={"checklist": documents, "authorisation_signed": True, "assessment": result},
    )


@transaction.atomic
def case_review(
    *,
    case: AssistanceCase,
    acting_user: User,
    on: dt.date,
    findings: str,
    request: dict[str, Any] | None = None,
) -> TransitionRecord:
    """定期核查: rerun the rules on the household's current declaration (updated if given) for
    next month and record the result; a change of amount, an exit or a termination that it
    suggests is then decided by the approver."""
    _check(case, "review", acting_user)
    problems = []
    if not findings.strip():
        problems.append(("请填写核查情况", "the findings are required"))
    declared = {key: value for key, value in (request or case.request).items() if key != "as_of"}
    month = add_months(_month(on), 1)
    try:
        validate_request({**declared, "as_of": f"{month:%Y-%m}"})
    except RequestError as error:
        problems += [
            (f"{issue.path}：{issue.message_zh}", issue.message_en) for issue in error.issues
        ]
    if problems:
        raise CaseError(problems)
    result = assess({**declared, "as_of": f"{month:%Y-%m}"})
    summary = _summary(result, case.program)
    entry = result["programs"][case.program]
    proposed = _money(entry.get("one_off_amount") or entry["monthly_amount"])
    current = case.monthly_amount or Decimal("0.00")
    if not entry["eligible"]:
        proposal = "不再符合条件：请审批人终止保障或办理渐退"
    elif proposed != current:
        proposal = f"保障金额应由 {current} 元调整为 {proposed} 元（自 {month:%Y-%m} 起）"
    else:
        proposal = "保障金额不变"
    return transition_perform(
        workflow=ASSISTANCE_CASE,
        case=case,
        name="review",
        acting_user=acting_user,
        on=on,
        note=findings.strip(),
        data={
            "assessment": summary,
            "proposal": proposal,
            "proposed_amount": str(proposed) if entry["eligible"] else None,
            "from_month": month.isoformat(),
        },
        changes={"request": declared},
    )


@transaction.atomic
def case_change_amount(
    *,
    case: AssistanceCase,
    acting_user: User,
    on: dt.date,
    amount: Decimal,
    from_month: dt.date,
    reason: str,
) -> TransitionRecord:
    """A new monthly amount from a month on, as a new dated row: the old one stays."""
    _check(case, "change_amount", acting_user)
    value = _money(amount)
    problems = _month_problems(from_month, "调整月份", "month")
    if not reason.strip():
        problems.append(("请填写调整理由", "the reason is required"))
    if value <= 0:
        problems.append(("金额应大于0（停发请终止保障）", "the amount must be positive"))
    if case.start_month is not None and from_month < case.start_month:
        problems.append(("调整月份早于起始月份", "the month is before the start month"))
    if case.program == Program.TEMPORARY_ASSISTANCE:
        problems.append(("临时救助为一次性救助，不能调整月保障金额", "temporary help is one-off"))
    if problems:
        raise CaseError(problems)
    record = transition_perform(
        workflow=ASSISTANCE_CASE,
        case=case,
        name="change_amount",
        acting_user=acting_user,
        on=on,
        note=reason.strip(),
        data={"from_month": from_month.isoformat(), "amount": str(value)},
        changes={"monthly_amount": value},
    )
    CaseAmount.objects.update_or_create(
        case=case, valid_from=from_month, defaults={"amount": value, "reason": reason.strip()}
    )
    return record


@transaction.atomic
def case_gradual_exit(
    *,
    case: AssistanceCase,
    acting_user: User,
    on: dt.date,
    from_month: dt.date,
    months: int,
    reason: str,
) -> TransitionRecord:
    """渐退: a dibao household lifted above the standard by work keeps its amount for a few
    months (at most `dibao.gradual_exit_months`), then payment ends."""
    _check(case, "gradual_exit", acting_user)
    problems = _month_problems(from_month, "渐退起始月份", "month")
    limit = int(parameters_at(f"{from_month:%Y-%m}").get("dibao.gradual_exit_months").value)
    if case.program != Program.DIBAO:
        problems.append(("渐退只适用于低保", "gradual exit is for dibao"))
    if not 1 <= months <= limit:
        problems.append((f"渐退期为1至{limit}个月", f"the exit period is 1 to {limit} months"))
    if not reason.strip():
        problems.append(("请填写渐退理由", "the reason is required"))
    if problems:
        raise CaseError(problems)
    last = add_months(from_month, months - 1)
    return transition_perform(
        workflow=ASSISTANCE_CASE,
        case=case,
        name="gradual_exit",
        acting_user=acting_user,
        on=on,
        note=reason.strip(),
        data={"from_month": from_month.isoformat(), "months": months, "last_month": f"{last}"},
        changes={"end_month": last},
    )


@transaction.atomic
def case_transfer(
    *, case: AssistanceCase, acting_user: User, on: dt.date, to_division: str, reason: str
) -> TransitionRecord:
    """Hand an active case to the town the household moved to (within the city)."""
    _check(case, "transfer", acting_user)
    target = Division.objects.filter(
        code=to_division, kind__in=(DivisionKind.VILLAGE, DivisionKind.COMMUNITY)
    ).first()
    problems = []
    if target is None:
        problems.append(("请选择本市的村（社区）", "choose a village or community of the city"))
    elif target.code[:9] == case.division_code[:9]:
        problems.append(("同一镇（街道）内无需转办", "the same town: no transfer"))
    if not reason.strip():
        problems.append(("请填写转办理由", "the reason is required"))
    if problems:
        raise CaseError(problems)
    return transition_perform(
        workflow=ASSISTANCE_CASE,
        case=case,
        name="transfer",
        acting_user=acting_user,
        on=on,
        note=reason.strip(),
        data={"from": case.division_code, "to": target.code},
        changes={"division_code": target.code},
    )
