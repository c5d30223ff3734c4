"""Payroll: close a month, write its files, reconcile the bank's failed payments.

A month's payment for a case is its monthly amount for every month from the start month to the
last month (a temporary-assistance case is paid once, in its start month). Closing a month writes
one regular line per payable case and, where earlier closed months were paid differently from
what is now due (a late approval, a termination back-dated, a failed payment), one adjustment
line: the difference. Closing a closed month changes nothing and returns the month as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from openpyxl import Workbook

from minzheng.accounts.jurisdiction import bank_account_reveal_allowed, payroll_check
from minzheng.accounts.models import User
from minzheng.assistance.models import (
    AssistanceCase,
    CaseAmount,
    Payment,
    PaymentKind,
    PaymentStatus,
    PayrollMonth,
    Program,
)
from minzheng.audit.services import audit_record
from minzheng.registry.spreadsheets import safe_row
from minzheng.xlsx import workbook_bytes

NO_ACCOUNT = "未登记银行账号"
PAID_STATES = ("active", "emergency", "terminated")


class PayrollError(Exception):
    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(en for _, en in problems))
        self.problems = problems


def payable(case: dict[str, object], month: dt.date) -> bool:
    """Whether a case (values of AssistanceCase) is paid in a month."""
    start = case["start_month"]
    if case["state"] not in PAID_STATES or start is None or month < start:
        return False
    if case["state"] == "terminated" and case["end_month"] is None:
        return False  # ended before its first month
    if case["program"] == Program.TEMPORARY_ASSISTANCE:
        return month == start
    end = case["end_month"]
    return end is None or month <= end


@transaction.atomic
def payroll_month_close(
    *, acting_user: User, month: dt.date, today: dt.date
) -> tuple[PayrollMonth, bool]:
    """Close a month; return it and whether this call closed it (False: it was closed)."""
    payroll_check(user=acting_user)
    if month.day != 1:
        raise PayrollError([("发放月份应为某月1日", "the month must be a first of the month")])
    existing = PayrollMonth.objects.filter(month=month).first()
    if existing is not None:
        return existing, False
    if month > today.replace(day=1):
        raise PayrollError([(f"{month:%Y-%m} 尚未开始，不能关账", "the month has not begun")])
    if PayrollMonth.objects.filter(month__gt=month).exists():
        raise PayrollError(
            [
                (
                    "已有更晚的月份关账；以前月份的更正在下次关账时以补发或扣回办理",
                    "a later month is closed; corrections go into the next month",
                )
            ]
        )
    closed = list(PayrollMonth.objects.values_list("month", flat=True))
    cases = list(
        AssistanceCase.objects.filter(state__in=PAID_STATES, start_month__lte=month).values(
            "pk",
            "state",
            "program",
            "monthly_amount",
            "start_month",
            "end_month",
            "applicant__bank_account_encrypted",
        )
    )
    amounts: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for case_id, valid_from, value in (
        CaseAmount.objects.filter(case__in=[case["pk"] for case in cases])
        .values_list("case", "valid_from", "amount")
        .order_by("case", "valid_from")
    ):
        amounts[case_id].append((valid_from, value))

    def amount_in(case: dict[str, object], when: dt.date) -> Decimal:
        """The amount in force in a month: the latest change on or before it."""
        current = case["monthly_amount"] or Decimal("0.00")
        history = amounts.get(case["pk"])
        if history:
            current = Decimal("0.00")
            for valid_from, value in history:
                if valid_from <= when:
                    current = value
        return current

    paid = dict(
        Payment.objects.filter(status=PaymentStatus.PAID)
        .values("case")
        .annotate(total=Sum("amount"))
        .values_list("case", "total")
    )
    payroll = PayrollMonth.objects.create(month=month, closed_by=acting_user)
    lines = []
    for case in cases:
        amount = amount_in(case, month)
        has_account = bool(case["applicant__bank_account_encrypted"])
        status = PaymentStatus.PAID if has_account else PaymentStatus.FAILED
        reason = "" if has_account else NO_ACCOUNT
        if payable(case, month) and amount:
            lines.append(
                Payment(
                    payroll=payroll,
                    case_id=case["pk"],
                    kind=PaymentKind.REGULAR,
                    amount=amount,
                    status=status,
                    failure_reason=reason,
                )
            )
        due_before = sum(
            (amount_in(case, earlier) for earlier in closed if payable(case, earlier)),
            Decimal("0.00"),
        )
        difference = due_before - (paid.get(case["pk"]) or Decimal("0.00"))
        if difference:
            lines.append(
                Payment(
                    payroll=payroll,
                    case_id=case["pk"],
                    kind=PaymentKind.ADJUSTMENT,
                    amount=difference,
                    status=status if difference > 0 else PaymentStatus.PAID,
                    failure_reason=reason if difference > 0 else "",
                )
            )
    Payment.objects.bulk_create(lines, batch_size=2000)
    audit_record(
        actor=acting_user,
        action="assistance.payroll.close",
        target=payroll,
        data={
            "month": f"{month:%Y-%m}",
            "lines": len(lines),
            "total": str(sum((line.amount for line in lines), Decimal("0.00"))),
            "without_account": sum(1 for line in lines if line.failure_reason == NO_ACCOUNT),
        },
    )
    return payroll, True


@dataclass(frozen=True)
class LedgerLine:
    case_number: str
    program: str
    town: str
    payee: str
    account: str
    kind: str
    amount: Decimal
    status: str
    failure_reason: str


def ledger(*, payroll: PayrollMonth, reveal_accounts: bool) -> list[LedgerLine]:
    payments = payroll.payments.select_related("case", "case__applicant").order_by(
        "case__number", "kind"
    )
    return [
        LedgerLine(
            case_number=payment.case.number,
            program=payment.case.program,
            town=payment.case.division_code[:9],
            payee=payment.case.applicant.name,
            account=(
                payment.case.applicant.bank_account
                if reveal_accounts
                else payment.case.applicant.bank_account_masked
            ),
            kind=payment.kind,
            amount=payment.amount,
            status=payment.status,
            failure_reason=payment.failure_reason,
        )
        for payment in payments
    ]


def summary(lines: list[LedgerLine]) -> list[tuple[str, str, int, Decimal]]:
    """(town, programme, cases paid, total) in code order."""
    cases: dict[tuple[str, str], set[str]] = defaultdict(set)
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.status == PaymentStatus.PAID:
            cases[line.town, line.program].add(line.case_number)
            totals[line.town, line.program] += line.amount
    return [
        (town, program, len(cases[town, program]), totals[town, program])
        for town, program in sorted(totals)
    ]


def bank_rows(lines: list[LedgerLine]) -> list[tuple[str, str, str, Decimal]]:
    """(case number, payee, account, amount): what the bank pays, one row per case owed money."""
    owed: dict[str, Decimal] = defaultdict(Decimal)
    who: dict[str, tuple[str, str]] = {}
    for line in lines:
        if line.status == PaymentStatus.PAID:
            owed[line.case_number] += line.amount
            who[line.case_number] = (line.payee, line.account)
    return [
        (number, who[number][0], who[number][1], amount)
        for number, amount in sorted(owed.items())
        if amount > 0
    ]


def payroll_files(
    *, acting_user: User, payroll: PayrollMonth, reveal_accounts: bool
) -> dict[str, bytes]:
    """The month's files: ledger, bank file (.csv and .xlsx), summary; the same every time.

    Accounts are in clear only for roles that may see them; such an export is audited.
    """
    payroll_check(user=acting_user)
    reveal = reveal_accounts and bank_account_reveal_allowed(acting_user)
    lines = ledger(payroll=payroll, reveal_accounts=reveal)
    label = f"{payroll.month:%Y-%m}"
    ledger_rows = [
        ["申请编号", "救助项目", "镇(街道)", "收款人", "银行账号", "类型", "金额", "状态", "说明"]
    ] + [
        [
            line.case_number,
            line.program,
            line.town,
            line.payee,
            line.account,
            line.kind,
            f"{line.amount:.2f}",
            line.status,
            line.failure_reason,
        ]
        for line in lines
    ]
    bank = [["收款人", "银行账号", "金额", "申请编号"]] + [
        [payee, account, f"{amount:.2f}", number]
        for number, payee, account, amount in bank_rows(lines)
    ]
    summary_rows = [["镇(街道)", "救助项目", "户数", "金额"]] + [
        [town, program, str(count), f"{total:.2f}"]
        for town, program, count, total in summary(lines)
    ]
    files = {
        f"ledger-{label}.csv": _csv(ledger_rows),
        f"bank-{label}.csv": _csv(bank),
        f"bank-{label}.xlsx": _xlsx(bank, created=payroll.closed_at),
        f"summary-{label}.csv": _csv(summary_rows),
    }
    audit_record(
        actor=acting_user,
        action="assistance.payroll.export",
        target=payroll,
        data={"month": label, "accounts_in_clear": reveal, "bank_rows": len(bank) - 1},
    )
    return files


def _csv_cell(value: str) -> str:
    """Text that a spreadsheet would run as a formula gets a leading quote; numbers stay."""
    if value[:1] in ("=", "+", "-", "@"):
        try:
            Decimal(value)
        except ArithmeticError:
            return "'" + value
    return value


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx(rows: list[list[str]], *, created: dt.datetime) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("发放")
    for row in rows:
        sheet.append(safe_row(sheet, row))
    # Fixed metadata and zip dates, so that writing the same month twice gives the same bytes.
    return workbook_bytes(book, stamp=created)


@transaction.atomic
def payroll_failures_import(
    *, acting_user: User, payroll: PayrollMonth, rows: list[dict[str, str]]
) -> int:
    """Mark the payments the bank could not make (columns 银行账号, 金额, 原因), all or nothing.

    Each row must name an account the month paid and the exact amount; the failed money is owed
    again and is paid as an adjustment when the next month closes.
    """
    payroll_check(user=acting_user)
    payments = list(
        payroll.payments.filter(status=PaymentStatus.PAID, amount__gt=0).select_related(
            "case__applicant"
        )
    )
    by_account: dict[str, list[Payment]] = defaultdict(list)
    for payment in payments:
        by_account[payment.case.applicant.bank_account].append(payment)
    problems: list[tuple[str, str]] = []
    chosen: list[tuple[list[Payment], str]] = []
    for number, row in enumerate(rows, start=2):
        account = (row.get("银行账号") or "").replace(" ", "")
        try:
            amount = Decimal((row.get("金额") or "").strip()).quantize(Decimal("0.01"))
        except ArithmeticError:
            problems.append((f"第{number}行：金额无效", f"row {number}: invalid amount"))
            continue
        matches = by_account.get(account)
        if not matches:
            problems.append(
                (f"第{number}行：该月没有向此账号发放", f"row {number}: unknown account")
            )
            continue
        if sum(payment.amount for payment in matches) != amount:
            problems.append(
                (f"第{number}行：金额与发放记录不符", f"row {number}: the amount does not match")
            )
            continue
        chosen.append((matches, (row.get("原因") or "").strip()[:200] or "银行退回"))
    if problems:
        raise PayrollError(problems)
    for matches, reason in chosen:
        for payment in matches:
            payment.status = PaymentStatus.FAILED
            payment.failure_reason = reason
        Payment.objects.bulk_update(matches, ["status", "failure_reason"])
    audit_record(
        actor=acting_user,
        action="assistance.payroll.failures",
        target=payroll,
        data={"month": f"{payroll.month:%Y-%m}", "failed": len(chosen)},
    )
    return len(chosen)
