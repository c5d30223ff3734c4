"""Every read of assistance cases, filtered by the reader's scope and business line."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from minzheng.accounts.jurisdiction import case_scope_prefix, payroll_check
from minzheng.accounts.models import User
from minzheng.assistance.models import (
    AssistanceCase,
    CaseAmount,
    Payment,
    PaymentStatus,
    PayrollMonth,
    Program,
)
from minzheng.assistance.payroll import PAID_STATES, payable
from minzheng.assistance.workflows import ASSISTANCE_CASE
from minzheng.registry.models import Division, Person
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
    """The case with this number whose applicant has this id number, or None (either wrong).

    A citizen's online application (its number starts with WS) is followed the same way.
    """
    if number.strip().upper().startswith("WS"):
        # Imported here: the online module builds its answer with this module's TrackedCase.
        from minzheng.assistance.online_selectors import online_application_track

        return online_application_track(number=number, id_number=id_number)
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


# Monthly statistics by town and programme (issue 5 item 7).

TOWN_CODE_LENGTH = 9
REJECTED, TERMINATED = "rejected", "terminated"


@dataclass(frozen=True)
class StatisticsRow:
    """The figures of one town and programme; a total has no town (and no programme)."""

    town_code: str
    town_name: str
    program: str
    program_label: str
    active_cases: int  # cases whose benefit covers the month, approved by its last day
    households: int  # the households of those cases
    persons: int  # their declared members not marked deceased
    amount: Decimal  # paid in the closed month; else the monthly amounts in force
    approved: int  # decisions in the month that started a benefit
    terminated: int
    applied: int
    rejected: int
    open_at_month_end: int  # applications not yet decided on the month's last day


@dataclass(frozen=True)
class MonthlyStatistics:
    month: dt.date
    scope_code: str
    scope_name: str
    payroll_closed: bool  # amounts are the closed month's payments (else the amounts due)
    rows: list[StatisticsRow]  # by town code, then programme in declaration order
    program_totals: list[StatisticsRow]  # one per programme with a row
    total: StatisticsRow


def statistics_scope(*, user: User) -> str:
    """The division prefix whose assistance statistics the user may read; else refuse."""
    prefix = case_scope_prefix(user=user, business_line=ASSISTANCE_CASE.business_line)
    if prefix is None:
        raise PermissionDenied(_("只有可以查看社会救助案件的人员可以查看救助统计"))
    return prefix


def statistics_allowed(user: User) -> bool:
    return case_scope_prefix(user=user, business_line=ASSISTANCE_CASE.business_line) is not None


def previous_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


class _Tally:
    """What one row counts while the cases and their steps are read."""

    def __init__(self) -> None:
        self.active_cases = 0
        self.persons_by_household: dict[int, tuple[int, int]] = {}  # household: (case, persons)
        self.amount = Decimal("0.00")
        self.counts = {"approved": 0, "terminated": 0, "applied": 0, "rejected": 0, "open": 0}

    def cover(self, case_id: int, household_id: int, persons: int) -> None:
        self.active_cases += 1
        self._household(household_id, case_id, persons)

    def _household(self, household_id: int, case_id: int, persons: int) -> None:
        """A household counts once, with the members its latest case declares."""
        known = self.persons_by_household.get(household_id)
        if known is None or known[0] < case_id:
            self.persons_by_household[household_id] = (case_id, persons)

    @classmethod
    def combined(cls, tallies: Iterable[_Tally]) -> _Tally:
        """The tally of several rows: counts add up, a household still counts once."""
        total = cls()
        for tally in tallies:
            total.active_cases += tally.active_cases
            for household_id, (case_id, persons) in tally.persons_by_household.items():
                total._household(household_id, case_id, persons)
            total.amount += tally.amount
            for name, value in tally.counts.items():
                total.counts[name] += value
        return total

    def row(self, town_code: str, town_name: str, program: str) -> StatisticsRow:
        return StatisticsRow(
            town_code=town_code,
            town_name=town_name,
            program=program,
            program_label=str(dict(Program.choices).get(program, program)) if program else "",
            active_cases=self.active_cases,
            households=len(self.persons_by_household),
            persons=sum(persons for _, persons in self.persons_by_household.values()),
            amount=self.amount,
            approved=self.counts["approved"],
            terminated=self.counts["terminated"],
            applied=self.counts["applied"],
            rejected=self.counts["rejected"],
            open_at_month_end=self.counts["open"],
        )


def _living_members(request: dict[str, Any]) -> int:
    return sum(1 for member in request.get("members", []) if not member.get("deceased", False))


def _step_counted(from_state: str, to_state: str) -> str:
    """Which figure a step adds to: an application, a decision, a termination, or none."""
    if not from_state:
        return "applied"
    if to_state == REJECTED:
        return "rejected"
    if to_state == TERMINATED:
        return "terminated" if from_state != TERMINATED else ""
    if to_state in PAID_STATES and from_state not in PAID_STATES:
        return "approved"  # approval, collective decision, the city's, emergency payment
    return ""


def monthly_statistics(*, user: User, month: dt.date) -> MonthlyStatistics:
    """Assistance of one month by town and programme, in the user's scope, with totals.

    A case counts as active when its benefit covers the month (start month to last month; a
    temporary-assistance case only in its start month) and its timeline shows it decided by the
    month's last day. Steps count in the month of their business date. The amount is what the
    closed payroll month paid (regular and adjustment lines, failed ones excepted); before the
    month is closed, the monthly amounts in force for the active cases. Towns are the cases'
    present towns, and persons the case declarations as they stand. Six queries.
    """
    prefix = statistics_scope(user=user)
    month = month.replace(day=1)
    month_end = (month + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)
    cases = AssistanceCase.objects.filter(division_code__startswith=prefix)
    case_values = {
        case["pk"]: case
        for case in cases.values(
            "pk",
            "program",
            "division_code",
            "household_id",
            "state",
            "start_month",
            "end_month",
            "monthly_amount",
        )
    }
    # The state of each case at the month's end, and the steps taken in the month.
    state_at_end: dict[int, str] = {}
    tallies: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    steps = (
        TransitionRecord.objects.filter(
            workflow=ASSISTANCE_CASE.name, object_id__in=cases.values("pk"), on__lte=month_end
        )
        .order_by("pk")
        .values_list("object_id", "from_state", "to_state", "on")
    )
    for case_id, from_state, to_state, on in steps.iterator(chunk_size=5000):
        state_at_end[case_id] = to_state
        if on < month:
            continue
        counted = _step_counted(from_state, to_state)
        if counted:
            case = case_values[case_id]
            tallies[case["division_code"][:TOWN_CODE_LENGTH], case["program"]].counts[counted] += 1
    covered = [
        case_id
        for case_id, state in state_at_end.items()
        if state in PAID_STATES and payable(case_values[case_id], month)
    ]
    for case_id, state in state_at_end.items():
        if state not in PAID_STATES and state not in ASSISTANCE_CASE.final:
            case = case_values[case_id]
            tallies[case["division_code"][:TOWN_CODE_LENGTH], case["program"]].counts["open"] += 1
    requests = dict(
        cases.filter(
            state__in=PAID_STATES, start_month__isnull=False, start_month__lte=month
        ).values_list("pk", "request")
    )
    for case_id in covered:
        case = case_values[case_id]
        tallies[case["division_code"][:TOWN_CODE_LENGTH], case["program"]].cover(
            case_id, case["household_id"], _living_members(requests.get(case_id) or {})
        )
    payroll = PayrollMonth.objects.filter(month=month).first()
    if payroll is not None:
        paid = (
            Payment.objects.filter(
                payroll=payroll,
                status=PaymentStatus.PAID,
                case__division_code__startswith=prefix,
            )
            .values("case__division_code", "case__program")
            .annotate(total=Sum("amount"))
            .values_list("case__division_code", "case__program", "total")
        )
        for division_code, program, total in paid:
            tallies[division_code[:TOWN_CODE_LENGTH], program].amount += total
    else:
        amounts: dict[int, Decimal] = {}
        in_force = (
            CaseAmount.objects.filter(case__division_code__startswith=prefix, valid_from__lte=month)
            .order_by("case", "valid_from")
            .values_list("case", "amount")
        )
        for case_id, amount in in_force:
            amounts[case_id] = amount  # the latest change on or before the month wins
        for case_id in covered:
            case = case_values[case_id]
            amount = amounts.get(case_id, case["monthly_amount"] or Decimal("0.00"))
            tallies[case["division_code"][:TOWN_CODE_LENGTH], case["program"]].amount += amount
    names = dict(
        Division.objects.filter(code__in=[prefix, *{town for town, _ in tallies}]).values_list(
            "code", "name"
        )
    )
    order = {program: index for index, program in enumerate(Program.values)}
    keys = sorted(tallies, key=lambda key: (key[0], order.get(key[1], len(order)), key[1]))
    programs = sorted({program for _, program in keys}, key=lambda p: order.get(p, len(order)))
    return MonthlyStatistics(
        month=month,
        scope_code=prefix,
        scope_name=names.get(prefix, prefix),
        payroll_closed=payroll is not None,
        rows=[
            tallies[town, program].row(town, names.get(town, town), program)
            for town, program in keys
        ],
        program_totals=[
            _Tally.combined(tallies[key] for key in keys if key[1] == program).row("", "", program)
            for program in programs
        ],
        total=_Tally.combined(tallies.values()).row("", "", ""),
    )
