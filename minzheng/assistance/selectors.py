"""Every read of assistance cases, filtered by the reader's scope and business line."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum
from django.http import Http404

from minzheng.accounts.jurisdiction import payroll_check
from minzheng.accounts.models import User
from minzheng.assistance.models import AssistanceCase, PayrollMonth
from minzheng.assistance.workflows import ASSISTANCE_CASE
from minzheng.registry.models import Person
from minzheng.workflow.models import TransitionRecord
from minzheng.workflow.selectors import cases_in_scope, timeline


def case_list(*, user: User, state: str = "", program: str = "") -> QuerySet[AssistanceCase]:
    cases = cases_in_scope(user=user, workflow=ASSISTANCE_CASE, model=AssistanceCase)
    if state:
        cases = cases.filter(state=state)
    if program:
        cases = cases.filter(program=program)
    return cases.select_related("household", "applicant")


def case_get(*, user: User, case_id: int) -> AssistanceCase:
    """A case in the user's scope; 404 for another town's case exactly as for a missing one."""
    case = case_list(user=user).filter(pk=case_id).first()
    if case is None:
        raise Http404
    return case


def case_timeline(*, case: AssistanceCase) -> QuerySet[TransitionRecord]:
    return timeline(workflow=ASSISTANCE_CASE, case=case)


def payroll_months(*, user: User) -> QuerySet[PayrollMonth]:
    """The closed months with their line counts and totals (payroll staff only)."""
    payroll_check(user=user)
    return PayrollMonth.objects.annotate(lines=Count("payments"), total=Sum("payments__amount"))


def payroll_get(*, user: User, month: dt.date) -> PayrollMonth:
    payroll_check(user=user)
    payroll = PayrollMonth.objects.filter(month=month).first()
    if payroll is None:
        raise Http404
    return payroll


@dataclass(frozen=True)
class TrackedCase:
    """What an applicant sees of their own case: no one else's data, no staff names."""

    number: str
    program: str
    state_label: str
    steps: list[tuple[dt.date, str]]  # (date, step label)
    monthly_amount: str | None
    start_month: dt.date | None
    end_month: dt.date | None
    reasons: list[str]


def case_track(*, number: str, id_number: str) -> TrackedCase | None:
    """The case with this number whose applicant has this id number, or None (either wrong)."""
    case = (
        AssistanceCase.objects.filter(number=number.strip().upper())
        .filter(applicant__in=Person.objects.with_id_number(id_number.strip().upper()))
        .first()
    )
    if case is None:
        return None
    records = list(case_timeline(case=case))
    reasons = [reason for record in records for reason in record.data.get("reasons", [])]
    return TrackedCase(
        number=case.number,
        program=case.get_program_display(),
        state_label=case.state_label,
        steps=[
            (record.on, ASSISTANCE_CASE.transition(record.transition).label) for record in records
        ],
        monthly_amount=None if case.monthly_amount is None else f"{case.monthly_amount:.2f}",
        start_month=case.start_month,
        end_month=case.end_month,
        reasons=reasons,
    )
