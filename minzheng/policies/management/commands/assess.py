from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser

from minzheng.rules import RequestError, assess
from minzheng.rules.request import RequestIssue


class Command(BaseCommand):
    help = (
        "评估一户家庭 Assess one household request (household.schema.json) against every "
        "programme; prints the result JSON. Exit 2 on invalid input, errors on stderr."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", nargs="?", default="-", help="request JSON file, or - for stdin"
        )
        parser.add_argument("--compact", action="store_true", help="print JSON on one line")

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["file"]
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            self._fail([RequestIssue("$", f"无法读取 {source}", f"cannot read {source}: {error}")])
        try:
            request = json.loads(text)
        except ValueError as error:
            self._fail([RequestIssue("$", "不是有效的JSON", f"not valid JSON: {error}")])
        try:
            result = assess(request)
        except RequestError as error:
            self._fail(error.issues)
        indent = None if options["compact"] else 2
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=indent))

    def _fail(self, issues: list[RequestIssue]) -> NoReturn:
        self.stderr.write(f"输入有误，未评估 invalid request, nothing assessed ({len(issues)}):")
        for issue in issues:
            self.stderr.write(f"  {issue.path}: {issue.message_zh} / {issue.message_en}")
        sys.exit(2)
