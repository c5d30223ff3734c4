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
from minzheng.registry.models import Household, Membership, Person
from minzheng.rules import RequestError, assess
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
    problems = []
    if case.due_on is not None and on < case.due_on:
        problems.append(
            (f"公示期至 {case.due_on:%Y-%m-%d} 结束，之前不能审批", "the public notice is not over")
        )
    if start_month.day != 1:
        problems.append(("起始月份应为某月1日", "the start month must be a first of the month"))
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
    amount = Decimal(str(entry.get("one_off_amount") or entry["monthly_amount"])).quantize(
        Decimal("0.01")
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
    _check(case, "reject", acting_user)
    given = [reason.strip() for reason in reasons if reason.strip()]
    if not given:
        raise CaseError([("请填写不予批准的理由", "the reasons are required")])
    return transition_perform(
        workflow=ASSISTANCE_CASE,
        case=case,
        name="reject",
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


def _next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


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
    cases = AssistanceCase.objects.filter(
        state="active", household_id__in=list(memberships)
    ).order_by("pk")
    death_month = death_date.replace(day=1)
    records = []
    for case in cases:
        if case.end_month is not None and case.end_month <= death_month:
            continue
        reason = f"{person.name} 于 {death_date:%Y-%m-%d} 死亡"
        index = _declared_member(case, person, memberships[case.household_id])
        request = {**case.request, "members": [dict(member) for member in case.request["members"]]}
        if index is not None:
            request["members"][index]["deceased"] = True
        living = [member for member in request["members"] if not member.get("deceased")]
        from_month = _next_month(death_month)
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
                    name="death_terminate",
                    acting_user=acting_user,
                    on=death_date,
                    note=reason,
                    # A case not yet started when the person died is never paid (no end month).
                    changes={
                        "end_month": (
                            death_month
                            if case.start_month is not None and case.start_month <= death_month
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
                name="death_change",
                acting_user=acting_user,
                on=death_date,
                note=reason,
                data={"from_month": from_month.isoformat(), "amount": str(amount)},
                changes={"request": request, "monthly_amount": amount},
            )
        )
        CaseAmount.objects.update_or_create(
            case=case, valid_from=from_month, defaults={"amount": amount, "reason": reason}
        )
    return records
