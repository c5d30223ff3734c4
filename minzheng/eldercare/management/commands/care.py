from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from minzheng.eldercare.care import alarms_overdue_alert, risk_tiers_assign, visits_missed_alert
from minzheng.rules.parameters import ParameterMissingError, parse_month


class Command(BaseCommand):
    help = (
        "关爱巡访 Care visits and alarms: tiers (assign visit tiers for a month), missed (alert "
        "overdue visits), alarms (alert alarms not reached in time). Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["tiers", "missed", "alarms"])
        parser.add_argument("--month", help="tiers: YYYY-MM (default: this month)")
        parser.add_argument("--on", help="missed: YYYY-MM-DD (default: today)")
        parser.add_argument("--at", help="alarms: YYYY-MM-DDTHH:MM (default: now)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "tiers":
                self._tiers(options["month"])
            elif options["action"] == "missed":
                self._missed(options["on"])
            else:
                self._alarms(options["at"])
        except ParameterMissingError as error:
            raise CommandError(
                f"该月份没有巡访参数 no care parameter for that month: {error}", returncode=2
            ) from None

    def _tiers(self, text: str | None) -> None:
        month = parse_month(text) if text else timezone.localdate().replace(day=1)
        if month is None:
            raise CommandError("月份格式应为 YYYY-MM --month must be YYYY-MM", returncode=2)
        result = risk_tiers_assign(acting_user=None, month=month)
        tiers = result.by_tier
        self.stdout.write(
            f"{month:%Y-%m}: 巡访对象 {result.covered} covered "
            f"(高风险 high {tiers.get('high', 0)}, 重点 key {tiers.get('key', 0)}, "
            f"一般 general {tiers.get('general', 0)}); 新增 new {result.new}, "
            f"变更 changed {result.changed}, 终止 ended {result.ended}, "
            f"保留人工调整 overrides kept {result.overrides_kept}"
        )

    def _missed(self, text: str | None) -> None:
        try:
            on = dt.date.fromisoformat(text) if text else timezone.localdate()
        except ValueError:
            raise CommandError(
                "日期格式应为 YYYY-MM-DD --on must be YYYY-MM-DD", returncode=2
            ) from None
        raised = visits_missed_alert(acting_user=None, on=on)
        self.stdout.write(f"{on}: 新增巡访逾期预警 {raised} 条 raised {raised} missed-visit alerts")

    def _alarms(self, text: str | None) -> None:
        try:
            at = dt.datetime.fromisoformat(text) if text else timezone.now()
        except ValueError:
            raise CommandError(
                "时间格式应为 YYYY-MM-DDTHH:MM --at must be YYYY-MM-DDTHH:MM", returncode=2
            ) from None
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
        count = alarms_overdue_alert(acting_user=None, at=at)
        self.stdout.write(
            f"{timezone.localtime(at):%Y-%m-%d %H:%M}: 超时未到场报警 {count} 条 "
            f"alerted {count} overdue alarms"
        )
