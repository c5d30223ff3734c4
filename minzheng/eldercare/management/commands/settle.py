"""minzheng settle --month YYYY-MM (--provider ID | --all) --user USERNAME [--out FILE.xlsx]:
close a month's home-service settlement for a provider, or for every provider."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import Provider
from minzheng.eldercare.settlement import (
    settlement_close,
    settlement_export,
    settlements_close_all,
)
from minzheng.rules.parameters import parse_month


class Command(BaseCommand):
    help = (
        "服务商月度结算 Close a month's home-service settlement for a provider or all providers "
        "(again: nothing changes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="YYYY-MM")
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--provider", help="the provider's id")
        which.add_argument("--all", action="store_true", help="every provider")
        parser.add_argument("--user", required=True, help="the acting user (city eldercare staff)")
        parser.add_argument("--out", type=Path, help="write the settlement .xlsx (one provider)")

    def handle(self, *args: Any, **options: Any) -> None:
        month = parse_month(options["month"])
        if month is None:
            self._fail("月份格式应为 YYYY-MM", "--month must be YYYY-MM")
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            self._fail(f"用户{options['user']}不存在或已停用", "no such active user")
        today = timezone.localdate()
        try:
            if options["all"]:
                results = settlements_close_all(acting_user=user, month=month, today=today)
            else:
                text = options["provider"] or ""
                provider = Provider.objects.filter(pk=int(text)).first() if text.isdigit() else None
                if provider is None:
                    self._fail(f"服务商{text}不存在", f"no provider {text!r}")
                results = [
                    settlement_close(acting_user=user, provider=provider, month=month, today=today)
                ]
            for settlement, closed in results:
                state = "已结算 closed now" if closed else "此前已结算，未作改动 already closed"
                self.stdout.write(
                    f"{settlement.provider.name} (#{settlement.provider_id}) {month:%Y-%m}: "
                    f"{state}; 结算 paid {settlement.orders_paid}, 暂缓 held "
                    f"{settlement.orders_held}, 补贴 subsidy {settlement.amount}"
                )
            if options["out"] and len(results) == 1:
                content = settlement_export(acting_user=user, settlement=results[0][0])
                options["out"].write_bytes(content)
                self.stdout.write(f"文件 file: {options['out']}")
        except PermissionDenied:
            self._fail("只有市局养老服务人员可以结算", f"{user.username} may not settle")
        except EldercareError as error:
            self._fail(
                "；".join(zh for _, zh, _ in error.problems),
                "; ".join(en for _, _, en in error.problems),
            )
        if not results:
            self.stdout.write(f"{month:%Y-%m}: 没有需要结算的服务商 no provider to settle")

    def _fail(self, message_zh: str, message_en: str) -> NoReturn:
        self.stderr.write(f"{message_zh} / {message_en}")
        sys.exit(2)
