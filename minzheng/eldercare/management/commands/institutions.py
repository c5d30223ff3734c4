"""`minzheng institutions check-prepaid | overdue-hazards [--on YYYY-MM-DD]`: the daily rules
of the institutions part. Each raises its alerts once per fact, so it may run again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from minzheng.eldercare.institutions import hazards_overdue_alert, prepaid_check


class Command(BaseCommand):
    help = (
        "养老机构 Institutions: check-prepaid (预收费超限、退费逾期 fees over the limit, late "
        "refunds) or overdue-hazards (隐患整改逾期 rectifications past their deadline)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["check-prepaid", "overdue-hazards"])
        parser.add_argument("--on", help="YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            on = dt.date.fromisoformat(options["on"]) if options["on"] else timezone.localdate()
        except ValueError:
            raise CommandError(
                "日期格式应为 YYYY-MM-DD --on must be YYYY-MM-DD", returncode=2
            ) from None
        if options["action"] == "check-prepaid":
            findings, raised = prepaid_check(acting_user=None, on=on)
            self.stdout.write(
                f"{on}: 预收费超限 {len(findings.over_limit)} 项，退费逾期 "
                f"{len(findings.late_refunds)} 人，新预警 {raised} 条 "
                f"over limit {len(findings.over_limit)}, late refunds "
                f"{len(findings.late_refunds)}, {raised} new alerts"
            )
        else:
            hazards, raised = hazards_overdue_alert(acting_user=None, on=on)
            self.stdout.write(
                f"{on}: 整改逾期隐患 {len(hazards)} 项，新预警 {raised} 条 "
                f"{len(hazards)} overdue hazards, {raised} new alerts"
            )
