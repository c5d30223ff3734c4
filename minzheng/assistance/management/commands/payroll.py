from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from minzheng.assistance.payroll import (
    PayrollError,
    payroll_failures_import,
    payroll_files,
    payroll_month_close,
)
from minzheng.registry.management.commands._common import acting_user
from minzheng.registry.spreadsheets import read_plain_table
from minzheng.rules.parameters import parse_month


class Command(BaseCommand):
    help = (
        "资金发放 Close a month's assistance payroll (again: nothing changes) and write its "
        "ledger, bank file and summary; or import the bank's failed payments for a month."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--user", required=True, help="the acting user (payroll staff)")
        parser.add_argument("--out", type=Path, help="folder for the month's files")
        parser.add_argument(
            "--reveal-accounts", action="store_true", help="accounts in clear in the bank file"
        )
        parser.add_argument("--failures", type=Path, help="the bank's file of failed payments")

    def handle(self, *args: Any, **options: Any) -> None:
        month = parse_month(options["month"])
        if month is None:
            self._fail("发放月份格式应为 YYYY-MM", "--month must be YYYY-MM")
        user = acting_user(options["user"])
        try:
            payroll, closed = payroll_month_close(
                acting_user=user, month=month, today=timezone.localdate()
            )
            if options["failures"]:
                path = options["failures"]
                try:
                    rows = read_plain_table(path.read_bytes(), path.name)
                except (OSError, ValueError) as error:
                    self._fail(f"无法读取 {path}", f"cannot read {path}: {error}")
                failed = payroll_failures_import(acting_user=user, payroll=payroll, rows=rows)
                self.stdout.write(f"已标记 {failed} 笔发放失败 marked {failed} failed payments")
                return
            files = (
                payroll_files(
                    acting_user=user, payroll=payroll, reveal_accounts=options["reveal_accounts"]
                )
                if options["out"]
                else {}
            )
        except PermissionDenied:
            self._fail(
                "只有市局社会救助人员可以办理资金发放", f"{user.username} may not run payroll"
            )
        except PayrollError as error:
            self._fail(
                "；".join(zh for zh, _ in error.problems), "; ".join(en for _, en in error.problems)
            )
        lines = payroll.payments.count()
        total = sum(payment.amount for payment in payroll.payments.all())
        state = (
            "已关账 closed now"
            if closed
            else "此前已关账，未作改动 already closed, nothing changed"
        )
        self.stdout.write(f"{month:%Y-%m}: {state}; {lines} 笔 lines, 合计 total {total:.2f}")
        if options["out"]:
            options["out"].mkdir(parents=True, exist_ok=True)
            for name, content in files.items():
                (options["out"] / name).write_bytes(content)
            self.stdout.write(f"文件 files: {', '.join(sorted(files))} -> {options['out']}")

    def _fail(self, message_zh: str, message_en: str) -> NoReturn:
        self.stderr.write(f"{message_zh} / {message_en}")
        sys.exit(2)
