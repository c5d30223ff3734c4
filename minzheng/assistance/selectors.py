"""Every read of assistance cases, filtered by the reader's scope and business line."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet, Sum
from django.http import Http404

from minzheng.accounts.jurisdiction import payroll_check
from minzheng.accounts.models import User
from minzheng.assistance.models import AssistanceCase, PayrollMonth
from minzheng.assistance.workflows import ASSISTANCE_CASE
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
