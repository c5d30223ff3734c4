from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from minzheng.assistance.tasks import nightly, nightly_run
from minzheng.rules import ParameterMissingError


class Command(BaseCommand):
    help = (
        "夜间任务 Enqueue (or with --now run) the nightly rules: escalate overdue alerts, "
        "monitoring, reviews due and 政策找人 over the whole registry."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--on", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--now", action="store_true", help="run here instead of enqueueing")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            on = dt.date.fromisoformat(options["on"]) if options["on"] else timezone.localdate()
        except ValueError:
            raise CommandError(
                "日期格式应为 YYYY-MM-DD --on must be YYYY-MM-DD", returncode=2
            ) from None
        if not options["now"]:
            result = nightly.enqueue(on=on.isoformat())
            self.stdout.write(f"已加入队列 enqueued {result.id}; run `minzheng db_worker`")
            return
        try:
            summary = nightly_run(on)
        except ParameterMissingError as error:
            raise CommandError(f"该月缺少参数 missing parameter: {error}", returncode=2) from None
        self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
