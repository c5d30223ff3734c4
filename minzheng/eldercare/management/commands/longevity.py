"""`minzheng longevity prepare [--month YYYY-MM] [--user NAME]`: the monthly 尊老金 run."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from minzheng.eldercare.entitlement_models import LongevityLineKind
from minzheng.eldercare.entitlements import longevity_month_prepare
from minzheng.eldercare.errors import EldercareError
from minzheng.registry.management.commands._common import acting_user
from minzheng.rules import ParameterMissingError
from minzheng.rules.parameters import parse_month


class Command(BaseCommand):
    help = (
        "尊老金（免申即享） Enrol, re-band and stop the longevity allowance for a month and build "
        "each town's list to confirm; again: only what changed. Without --user it runs as the "
        "nightly system job; without --month, for the month of --on (default today)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        prepare = actions.add_parser("prepare", help="build the month's lists")
        prepare.add_argument("--month", help="YYYY-MM (default: the month of --on)")
        prepare.add_argument("--on", help="YYYY-MM-DD: today (default: the real date)")
        prepare.add_argument("--user", help="the acting user (city eldercare staff)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            today = dt.date.fromisoformat(options["on"]) if options["on"] else timezone.localdate()
        except ValueError:
            self._fail("日期格式应为 YYYY-MM-DD", "--on must be YYYY-MM-DD")
        month = parse_month(options["month"]) if options["month"] else today.replace(day=1)
        if month is None:
            self._fail("月份格式应为 YYYY-MM", "--month must be YYYY-MM")
        try:
            user = acting_user(options["user"]) if options["user"] else None
        except CommandError as error:
            self._fail(str(error), "no such user")
        try:
            result = longevity_month_prepare(acting_user=user, month=month, today=today)
        except PermissionDenied:
            self._fail("只有市局养老服务人员可以生成尊老金名单", "only city eldercare staff")
        except EldercareError as error:
            self._fail(
                "；".join(zh for _, zh, _ in error.problems),
                "; ".join(en for _, _, en in error.problems),
            )
        except ParameterMissingError as error:
            self._fail(f"该月缺少参数 {error.name}", f"missing parameter: {error}")
        counts = ", ".join(
            f"{kind.label} {kind.value} {result.counts[kind.value]}" for kind in LongevityLineKind
        )
        frozen = f"; 已确认未改动 frozen: {', '.join(result.frozen)}" if result.frozen else ""
        self.stdout.write(
            f"{month:%Y-%m}: {result.persons} 人核对 persons checked, {result.lists} 个镇名单 "
            f"town lists; {counts}; 合计 total {result.total:.2f}; {result.seconds} s{frozen}"
        )

    def _fail(self, message_zh: str, message_en: str) -> NoReturn:
        self.stderr.write(f"{message_zh} / {message_en}")
        sys.exit(2)
