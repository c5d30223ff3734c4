from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from minzheng.assistance.monitoring import monitoring_run
from minzheng.registry.management.commands._common import acting_user
from minzheng.rules import ParameterMissingError
from minzheng.rules.parameters import parse_month


class Command(BaseCommand):
    help = (
        "低收入人口动态监测 Run the monitoring rules over a month's data-exchange signals and "
        "raise the alerts found (again: nothing new)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="YYYY-MM: the signals' month")
        parser.add_argument("--user", required=True, help="the acting user (city assistance)")

    def handle(self, *args: Any, **options: Any) -> None:
        month = parse_month(options["month"])
        if month is None:
            raise CommandError("月份格式应为 YYYY-MM --month must be YYYY-MM", returncode=2)
        user = acting_user(options["user"])
        try:
            result = monitoring_run(acting_user=user, month=month, on=timezone.localdate())
        except PermissionDenied:
            raise CommandError(
                f"只有市局社会救助人员可以运行监测预警 {user.username} may not run monitoring",
                returncode=2,
            ) from None
        except ParameterMissingError as error:
            raise CommandError(f"该月缺少参数 missing parameter: {error}", returncode=2) from None
        self.stdout.write(
            f"{month:%Y-%m}: {result.signals} 条交换数据 signals, "
            f"新预警 {result.raised} new alerts ({result.raised} of {sum(result.by_kind.values())})"
        )
        for kind, count in sorted(result.by_kind.items()):
            self.stdout.write(f"  {kind}: {count}")
