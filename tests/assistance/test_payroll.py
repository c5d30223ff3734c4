"""Payroll: closing a month once, adjustments, files, the bank's failed payments."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from minzheng.assistance import services
from minzheng.assistance.models import Payment, PayrollMonth
from minzheng.assistance.payroll import (
    PayrollError,
    payroll_failures_import,
    payroll_files,
    payroll_month_close,
)
from minzheng.audit.models import AuditEvent
from minzheng.registry.services import person_set_bank_account
from tests.assistance.conftest import approve

FEB, MAR, APR = dt.date(2026, 2, 1), dt.date(2026, 3, 1), dt.date(2026, 4, 1)
TODAY = dt.date(2026, 6, 15)
ACCOUNT = "6222020000123456789"
AMOUNT = Decimal("3007.19")


@pytest.fixture
def active_case(dibao_case, family, yangshe_clerk, yangshe_approver):
    person_set_bank_account(acting_user=yangshe_clerk, person=family.head, account=ACCOUNT)
    return approve(dibao_case, yangshe_clerk, yangshe_approver, FEB)


def _lines(month: dt.date) -> list[tuple[str, Decimal, str]]:
    return list(
        Payment.objects.filter(payroll__month=month)
        .order_by("kind")
        .values_list("kind", "amount", "status")
    )


def test_closing_a_month_pays_every_active_case_once(active_case, payroll_staff):
    payroll, closed = payroll_month_close(acting_user=payroll_staff, month=FEB, today=TODAY)
    assert closed is True
    assert _lines(FEB) == [("regular", AMOUNT, "paid")]
    events = AuditEvent.objects.count()
    again, closed_again = payroll_month_close(acting_user=payroll_staff, month=FEB, today=TODAY)
    assert (again.pk, closed_again) == (payroll.pk, False)
    assert _lines(FEB) == [("regular", AMOUNT, "paid")]
    assert AuditEvent.objects.count() == events


def test_the_files_are_the_same_each_time_and_accounts_show_only_when_allowed(
    active_case, payroll_staff
):
    payroll, _ = payroll_month_close(acting_user=payroll_staff, month=FEB, today=TODAY)
    first = payroll_files(acting_user=payroll_staff, payroll=payroll, reveal_accounts=True)
    second = payroll_files(acting_user=payroll_staff, payroll=payroll, reveal_accounts=True)
    assert first == second
    assert sorted(first) == [
        "bank-2026-02.csv",
        "bank-2026-02.xlsx",
        "ledger-2026-02.csv",
        "summary-2026-02.csv",
    ]
    bank = first["bank-2026-02.csv"].decode("utf-8-sig").splitlines()
    assert bank == [
        "收款人,银行账号,金额,申请编号",
        f"王建国,{ACCOUNT},3007.19,{active_case.number}",
    ]
    masked = payroll_files(acting_user=payroll_staff, payroll=payroll, reveal_accounts=False)
    assert f"王建国,***************6789,3007.19,{active_case.number}" in masked[
        "bank-2026-02.csv"
    ].decode("utf-8-sig")
    assert first["summary-2026-02.csv"].decode("utf-8-sig").splitlines() == [
        "镇(街道),救助项目,户数,金额",
        "320582100,dibao,1,3007.19",
    ]


def test_a_backdated_termination_is_recovered_in_the_next_month(
    active_case, payroll_staff, yangshe_approver
):
    payroll_month_close(acting_user=payroll_staff, month=FEB, today=TODAY)
    payroll_month_close(acting_user=payroll_staff, month=MAR, today=TODAY)
    services.case_terminate(
        case=active_case,
        acting_user=yangshe_approver,
        on=dt.date(2026, 4, 2),
        reason="户主死亡",
        last_month=FEB,
    )
    payroll_month_close(acting_user=payroll_staff, month=APR, today=TODAY)
    assert _lines(APR) == [("adjustment", -AMOUNT, "paid")]


def test_a_late_approval_is_paid_back_to_its_start_month(
    dibao_case, family, yangshe_clerk, yangshe_approver, payroll_staff
):
    person_set_bank_account(acting_user=yangshe_clerk, person=family.head, account=ACCOUNT)
    payroll_month_close(acting_user=payroll_staff, month=FEB, today=TODAY)
    approve(dibao_case, yangshe_clerk, yangshe_approver, FEB)
    payroll_month_close(acting_user=payroll_staff, month=MAR, today=TODAY)
    assert _lines(MAR) == [("adjustment", AMOUNT, "paid"), ("regular", AMOUNT, "paid")]


def test_without_an_account_the_payment_fails_and_is_paid_once_there_is_one(
    dibao_case, family, yangshe_clerk, yangshe_approver, payroll_staff
):
    approve(dibao_case, yangshe_clerk, yangshe_approver, FEB)
    payroll_month_close(acting_user=payroll_staff, month=FEB, today=TODAY)
    assert _lines(FEB) == [("regular", AMOUNT, "failed")]
    person_set_bank_account(acting_user=yangshe_clerk, person=family.head, account=ACCOUNT)
    payroll_month_close(acting_user=payroll_staff, month=MAR, today=TODAY)
    assert _lines(MAR) == [("adjustment", AMOUNT, "paid"), ("regular", AMOUNT, "paid")]


def test_the_banks_failures_are_all_or_nothing_and_owed_again(active_case, payroll_staff):
    payroll, _ = payroll_month_close(acting_user=payroll_staff, month=FEB, today=TODAY)
    with pytest.raises(PayrollError) as caught:
        payroll_failures_import(
            acting_user=payroll_staff,
            payroll=payroll,
            rows=[
                {"银行账号": ACCOUNT, "金额": "3007.19", "原因": "账户冻结"},
                {"银行账号": "6222000000000000000", "金额": "10", "原因": "户名不符"},
            ],
        )
    assert caught.value.problems == [("第3行：该月没有向此账号发放", "row 3: unknown account")]
    assert _lines(FEB) == [("regular", AMOUNT, "paid")]
    assert (
        payroll_failures_import(
            acting_user=payroll_staff,
            payroll=payroll,
            rows=[{"银行账号": ACCOUNT, "金额": "3007.19", "原因": "账户冻结"}],
        )
        == 1
    )
    assert _lines(FEB) == [("regular", AMOUNT, "failed")]
    payroll_month_close(acting_user=payroll_staff, month=MAR, today=TODAY)
    assert _lines(MAR) == [("adjustment", AMOUNT, "paid"), ("regular", AMOUNT, "paid")]


def test_months_not_yet_begun_or_behind_a_closed_one_are_refused(active_case, payroll_staff):
    with pytest.raises(PayrollError) as caught:
        payroll_month_close(acting_user=payroll_staff, month=dt.date(2026, 7, 1), today=TODAY)
    assert caught.value.problems == [("2026-07 尚未开始，不能关账", "the month has not begun")]
    payroll_month_close(acting_user=payroll_staff, month=MAR, today=TODAY)
    with pytest.raises(PayrollError):
        payroll_month_close(acting_user=payroll_staff, month=FEB, today=TODAY)
    assert list(PayrollMonth.objects.values_list("month", flat=True)) == [MAR]


def test_a_town_clerk_may_not_close_a_month(active_case, yangshe_clerk):
    with pytest.raises(PermissionDenied):
        payroll_month_close(acting_user=yangshe_clerk, month=FEB, today=TODAY)
    assert PayrollMonth.objects.count() == 0


def test_the_payroll_command_closes_once_and_writes_the_same_files(
    active_case, payroll_staff, tmp_path
):
    out = io.StringIO()
    with time_machine.travel("2026-06-15 10:00 +0800", tick=False):
        call_command(
            "payroll",
            "--month",
            "2026-02",
            "--user",
            "payroll_staff",
            "--out",
            str(tmp_path / "a"),
            stdout=out,
        )
        call_command(
            "payroll",
            "--month",
            "2026-02",
            "--user",
            "payroll_staff",
            "--out",
            str(tmp_path / "b"),
            stdout=out,
        )
    lines = out.getvalue().splitlines()
    assert lines[0] == "2026-02: 已关账 closed now; 1 笔 lines, 合计 total 3007.19"
    assert (
        lines[2] == "2026-02: 此前已关账，未作改动 already closed, nothing changed; "
        "1 笔 lines, 合计 total 3007.19"
    )
    for name in (
        "ledger-2026-02.csv",
        "bank-2026-02.csv",
        "bank-2026-02.xlsx",
        "summary-2026-02.csv",
    ):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    failures = tmp_path / "failures.csv"
    failures.write_text("银行账号,金额,原因\n6222000000000000001,5,户名不符\n", encoding="utf-8")
    err = io.StringIO()
    with (
        time_machine.travel("2026-06-15 10:00 +0800", tick=False),
        pytest.raises(SystemExit) as caught,
    ):
        call_command(
            "payroll",
            "--month",
            "2026-02",
            "--user",
            "payroll_staff",
            "--failures",
            str(failures),
            stdout=out,
            stderr=err,
        )
    assert caught.value.code == 2
    assert err.getvalue().strip() == "第2行：该月没有向此账号发放 / row 2: unknown account"
