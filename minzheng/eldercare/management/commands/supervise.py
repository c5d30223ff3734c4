"""minzheng supervise --month YYYY-MM [--user USERNAME]: run the home-service supervision rules."""

from __future__ import annotations

import sys
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.eldercare.supervision import FLAGS, supervise
from minzheng.rules.parameters import parse_month


class Command(BaseCommand):
    help = (
        "上门服务监管 Run the supervision rules over a month's done home-service visits "
        "(again: nothing new)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument(
            "--user", help="the acting user (city eldercare staff); none: the nightly task"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        month = parse_month(options["month"])
        if month is None:
            self._fail("月份格式应为 YYYY-MM", "--month must be YYYY-MM")
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                self._fail(f"用户{options['user']}不存在或已停用", "no such active user")
        try:
            result = supervise(acting_user=user, month=month, on=timezone.localdate())
        except PermissionDenied:
            self._fail("只有市局养老服务人员可以运行监管", "only the city's eldercare staff may")
        codes = ", ".join(f"{FLAGS[code]} {code} {n}" for code, n in result.by_code.items())
        self.stdout.write(
            f"{month:%Y-%m}: 检查 visits {result.visits}, 疑点 flagged {result.flagged}, "
            f"更新 changed {result.changed}, 新预警 new alerts {result.alerts}"
            + (f"; {codes}" if codes else "")
        )

    def _fail(self, message_zh: str, message_en: str) -> NoReturn:
        self.stderr.write(f"{message_zh} / {message_en}")
        sys.exit(2)
