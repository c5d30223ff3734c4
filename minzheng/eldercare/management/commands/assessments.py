from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from minzheng.eldercare.assessments import assessments_import, reassessment_alerts_raise
from minzheng.eldercare.errors import EldercareError
from minzheng.registry.management.commands._common import acting_user


class Command(BaseCommand):
    help = (
        "老年人能力评估 Ability assessments: `import FILE --user U` records every assessment of "
        "an .xlsx/.csv file or none; `due [--on DATE]` raises an alert for each reassessment due."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["import", "due"])
        parser.add_argument("file", nargs="?", type=Path)
        parser.add_argument("--user", help="the acting user (import)")
        parser.add_argument("--on", help="YYYY-MM-DD (due; default today)")

    def _fail(self, zh: str, en: str) -> NoReturn:
        raise CommandError(f"{zh} {en}", returncode=2)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "due":
            try:
                on = dt.date.fromisoformat(options["on"]) if options["on"] else None
            except ValueError:
                self._fail("日期格式应为 YYYY-MM-DD", "--on must be YYYY-MM-DD")
            on = on or timezone.localdate()
            count = reassessment_alerts_raise(on=on)
            self.stdout.write(f"{on}: 新增到期复评预警 {count} 条 raised {count} alerts")
            return
        path, username = options["file"], options["user"]
        if path is None or not username:
            self._fail("请给出文件和 --user", "give FILE and --user")
        user = acting_user(username)
        try:
            content = path.read_bytes()
        except OSError as error:
            self._fail(f"无法读取 {path}", f"cannot read {path}: {error.strerror}")
        try:
            count = assessments_import(acting_user=user, content=content, filename=path.name)
        except PermissionDenied:
            self._fail("您无权录入能力评估", f"{username} may not record assessments")
        except EldercareError as error:
            lines = [f"{zh} / {en}" for _, zh, en in error.problems[:50]]
            more = len(error.problems) - len(lines)
            if more > 0:
                lines.append(f"……另有 {more} 处 and {more} more")
            self._fail("文件未导入，问题如下：\n" + "\n".join(lines), "\nnothing was imported")
        self.stdout.write(f"已导入 {count} 份评估 imported {count} assessments")
