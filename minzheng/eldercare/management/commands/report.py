from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.report import bulletin_export
from minzheng.registry.management.commands._common import acting_user

KINDS = {"ageing": "老龄工作公报 the ageing bulletin"}


class Command(BaseCommand):
    help = (
        "老龄工作公报 Write the year's ageing bulletin (Word, with tables and charts): "
        "report ageing --year YYYY --out FILE.docx [--user USERNAME] (audited)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help="ageing: 老龄工作公报 the ageing bulletin")
        parser.add_argument("--year", required=True, help="YYYY")
        parser.add_argument("--out", required=True, type=Path, help="the .docx file to write")
        parser.add_argument(
            "--user", help="the acting user, whose access is checked (default: the operator)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["kind"] not in KINDS:
            raise CommandError(
                f"未知的报告类型“{options['kind']}”，可选：ageing "
                f"unknown report {options['kind']!r}; choose: ageing",
                returncode=2,
            )
        out = Path(options["out"])
        if out.suffix.lower() != ".docx":
            raise CommandError("输出文件应为 .docx --out must name a .docx file", returncode=2)
        user = None
        if options["user"]:
            try:
                user = acting_user(options["user"])
            except CommandError as error:
                raise CommandError(str(error), returncode=2) from None
        started = time.perf_counter()
        try:
            exported = bulletin_export(user=user, year=options["year"], today=timezone.localdate())
        except EldercareError as error:
            raise CommandError(
                "; ".join(f"{zh} {en}" for _field, zh, en in error.problems), returncode=2
            ) from None
        except PermissionDenied:
            raise CommandError(
                "只有市局养老服务人员、管理员和审计人员可以生成老龄工作公报 "
                f"{user} may not read the city's ageing statistics",
                returncode=2,
            ) from None
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(exported.content)
        except OSError as error:
            raise CommandError(
                f"无法写入 {out} cannot write {out}: {error.strerror}", returncode=2
            ) from None
        bulletin = exported.bulletin
        self.stdout.write(bulletin.title)
        for section in bulletin.sections:
            self.stdout.write(
                f"  {section.title}: {'' if section.has_data else '本年度暂无数据 no data'}"
            )
            for text in section.paragraphs if section.has_data else ():
                self.stdout.write(f"    {text}")
        self.stdout.write(
            f"已写入 written: {out} ({len(exported.content):,} bytes, "
            f"{time.perf_counter() - started:.1f} s)"
        )
