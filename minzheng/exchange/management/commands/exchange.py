from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, NoReturn

import polars as pl
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.exchange.selectors import source_list
from minzheng.exchange.services import (
    SHOWN_IN_MESSAGE,
    ExchangeError,
    exchange_import,
    month_end,
    registry_persons_for_synth,
)
from minzheng.exchange.sources import KIND_LABELS
from minzheng.rules.parameters import parse_month
from minzheng.synth.exchange import exchange_files, write_exchange_files


class Command(BaseCommand):
    help = (
        "部门数据交换 Data exchange: import a department's monthly file (all or nothing), list "
        "the sources and their columns, or write a month's synthetic files."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        importing = actions.add_parser(
            "import", help="导入 import one file (.csv or .xlsx), all or nothing"
        )
        importing.add_argument("file", type=Path, help="the department's file")
        importing.add_argument("--source", required=True, help="civil_registration, wages ...")
        importing.add_argument("--period", required=True, help="the month it covers, YYYY-MM")
        importing.add_argument("--user", required=True, help="the acting user")
        actions.add_parser("sources", help="数据来源 print every source and its columns")
        synth = actions.add_parser(
            "synth", help="合成文件 write a month's synthetic file of every source"
        )
        synth.add_argument("--month", required=True, help="YYYY-MM")
        synth.add_argument("--out", required=True, type=Path, help="folder for the files")
        population = synth.add_mutually_exclusive_group(required=True)
        population.add_argument(
            "--population", type=Path, help="a synthetic city's folder (persons.parquet)"
        )
        population.add_argument(
            "--from-db",
            action="store_true",
            help="the registry's persons (the demo; id numbers in clear, audited)",
        )
        synth.add_argument("--seed", type=int, default=1)
        synth.add_argument("--format", choices=("csv", "xlsx"), default="csv")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _import(self, options: dict[str, Any]) -> None:
        period = parse_month(options["period"])
        if period is None:
            self._fail("所属月份格式应为 YYYY-MM", "--period must be YYYY-MM")
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            self._fail(
                f"用户{options['user']}不存在或已停用", f"no active user {options['user']!r}"
            )
        path: Path = options["file"]
        try:
            content = path.read_bytes()
        except OSError as error:
            self._fail(f"无法读取文件 {path}", f"cannot read {path}: {error.strerror}")
        started = time.perf_counter()
        try:
            batch = exchange_import(
                acting_user=user,
                source=options["source"],
                period=period,
                file_name=path.name,
                content=content,
            )
        except PermissionDenied:
            self._fail(
                "只有市局管理员和市局社会救助人员可以导入部门交换数据",
                f"{user.username} may not import department files",
            )
        except ExchangeError as error:
            self.stderr.write(
                f"文件未导入，未写入任何数据：共 {error.total} 处问题 / the file was not imported, "
                f"nothing was written: {error.total} problem(s)"
            )
            for problem in error.problems[:SHOWN_IN_MESSAGE]:
                where = f"第{problem.row}行 row {problem.row} " if problem.row else ""
                column = f"{problem.column}: " if problem.column else ""
                self.stderr.write(f"  {where}{column}{problem.message_zh} / {problem.message_en}")
            if error.total > SHOWN_IN_MESSAGE:
                more = error.total - SHOWN_IN_MESSAGE
                self.stderr.write(f"  ……另有 {more} 处 / and {more} more")
            sys.exit(2)
        self.stdout.write(
            f"已导入 imported {batch.source} {batch.period:%Y-%m}: {batch.row_count} 行 rows "
            f"(批次 batch {batch.pk}) in {time.perf_counter() - started:.1f} s"
        )

    def _sources(self, options: dict[str, Any]) -> None:
        for source in source_list():
            self.stdout.write(f"{source.code}  {source.label}（{source.department}）")
            self.stdout.write(f"  {source.description}")
            self.stdout.write(f"  信号类型 kinds: {', '.join(source.kinds)}")
            for column in source.columns:
                choices = "、".join(f"{label}({code})" for code, label in column.choices or ())
                kind = KIND_LABELS[column.kind] + (
                    f"，{column.pattern_label}" if column.pattern_label else ""
                )
                self.stdout.write(
                    f"    {column.name:<16} {column.label}  [{source.required_text(column)}]  "
                    f"{kind}{'：' + choices if choices else ''}"
                )
            self.stdout.write("")

    def _synth(self, options: dict[str, Any]) -> None:
        month = parse_month(options["month"])
        if month is None:
            self._fail("月份格式应为 YYYY-MM", "--month must be YYYY-MM")
        households = None
        if options["from_db"]:
            persons = registry_persons_for_synth(
                on=month_end(month), purpose=f"exchange synth --out {options['out']}"
            )
        else:
            folder: Path = options["population"]
            try:
                persons = pl.read_parquet(folder / "persons.parquet")
                if (folder / "households.parquet").exists():
                    households = pl.read_parquet(folder / "households.parquet")
            except (OSError, pl.exceptions.PolarsError) as error:
                self._fail(f"无法读取人口文件 {folder}", f"cannot read the population: {error}")
            if not {"id_number", "birth_date"} <= set(persons.columns):
                self._fail(
                    "人口文件缺少 id_number 或 birth_date 列",
                    "persons.parquet needs id_number and birth_date",
                )
        frames = exchange_files(persons, households, month=month, seed=options["seed"])
        try:
            paths = write_exchange_files(
                frames, options["out"], month=month, file_format=options["format"]
            )
        except OSError as error:
            self._fail(f"无法写入 {options['out']}", f"cannot write: {error.strerror}")
        for path, frame in zip(paths, frames.values(), strict=True):
            self.stdout.write(f"{path}  {frame.height} 行 rows")
        self.stdout.write(
            f"已生成 wrote {len(paths)} 个文件 files for {month:%Y-%m} "
            f"({timezone.now():%Y-%m-%d %H:%M})"
        )

    def _fail(self, message_zh: str, message_en: str) -> NoReturn:
        self.stderr.write(f"{message_zh} / {message_en}")
        sys.exit(2)
