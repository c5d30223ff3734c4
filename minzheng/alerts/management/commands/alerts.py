from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from minzheng.alerts.services import alerts_escalate


class Command(BaseCommand):
    help = "预警 Escalate to the city every alert past its deadline (run daily; idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["escalate"])
        parser.add_argument("--on", help="YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            on = dt.date.fromisoformat(options["on"]) if options["on"] else timezone.localdate()
        except ValueError:
            raise CommandError(
                "日期格式应为 YYYY-MM-DD --on must be YYYY-MM-DD", returncode=2
            ) from None
        count = alerts_escalate(acting_user=None, on=on)
        self.stdout.write(f"{on}: 上报市局 {count} 条 escalated {count} overdue alerts")
