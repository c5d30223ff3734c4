from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, NoReturn

import polars as pl
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandParser

from minzheng.policies.services import screening_run
from minzheng.registry.management.commands._common import acting_user
from minzheng.registry.models import Division
from minzheng.rules import ParameterMissingError, screen
from minzheng.rules.parameters import parse_month
from minzheng.rules.programs import BY_CODE


class Command(BaseCommand):
    help = (
        "全市政策筛查 Screen every household against every programme for a month, from the "
        "synthetic city's Parquet files or from the registry; prints counts and amounts by "
        "programme and town."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--population", type=Path, help="folder with persons.parquet, households.parquet"
        )
        source.add_argument("--from-db", action="store_true", help="screen the registry")
        parser.add_argument("--as-of", required=True, help="month assessed, YYYY-MM")
        parser.add_argument("--out", type=Path, help="write one row per household and programme")
        parser.add_argument("--user", help="acting user for --from-db (scope and audit)")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = options["as_of"]
        if parse_month(as_of) is None:
            self._fail("评估月份格式应为 YYYY-MM", "--as-of must be YYYY-MM")
        started = time.perf_counter()
        try:
            if options["from_db"]:
                if not options["user"]:
                    self._fail("--from-db 需要 --user", "--from-db needs --user")
                user = acting_user(options["user"])
                try:
                    result, households = screening_run(acting_user=user, as_of=as_of)
                except PermissionDenied:
                    self._fail(
                        "只有民政业务人员可以进行政策筛查",
                        f"{user.username} may not screen the registry",
                    )
                names = dict(Division.objects.values_list("code", "name"))
            else:
                folder = options["population"]
                try:
                    persons = pl.read_parquet(folder / "persons.parquet")
                    households = pl.read_parquet(folder / "households.parquet")
                except (OSError, pl.exceptions.PolarsError) as error:
                    self._fail(f"无法读取人口文件 {folder}", f"cannot read the population: {error}")
                result = screen(persons, households, as_of)
                names = _division_names(folder / "divisions.parquet")
        except ParameterMissingError as error:
            self._fail(
                f"{as_of} 无有效的参数 {error.name}，无法筛查",
                f"parameter {error.name} has no value in force in {as_of}",
            )
        elapsed = time.perf_counter() - started
        if options["out"]:
            result.frame.write_parquet(options["out"])
        self._report(result.frame, households, names, elapsed, options["out"])
        for code, missing in result.skipped.items():
            self.stdout.write(
                f"未筛查 skipped {code}（{BY_CODE[code].label}）：登记库中没有 {missing} 等数据 "
                f"the registry holds no {missing}"
            )

    def _report(
        self,
        frame: pl.DataFrame,
        households: pl.DataFrame,
        names: dict[str, str],
        elapsed: float,
        out: Path | None,
    ) -> None:
        towns = households.select("household_id", pl.col("division").str.slice(0, 9).alias("town"))
        eligible = frame.filter(pl.col("eligible")).join(towns, on="household_id", how="left")
        self.stdout.write(
            f"筛查 {households.height} 户，用时 {elapsed:.2f} 秒 screened {households.height} "
            f"households in {elapsed:.2f} s" + (f"; 结果 written to {out}" if out else "")
        )
        self.stdout.write(
            f"{'项目 programme':<34}{'户数 households':>16}"
            f"{'月金额 monthly':>18}{'一次性 one-off':>18}"
        )
        totals = eligible.group_by("program").agg(
            pl.len().alias("households"),
            pl.col("monthly_amount").sum().round(2),
            pl.col("one_off_amount").sum().round(2),
        )
        by_program = {row["program"]: row for row in totals.iter_rows(named=True)}
        for code in frame["program"].unique(maintain_order=True).cast(pl.String):
            row = by_program.get(
                code, {"households": 0, "monthly_amount": 0.0, "one_off_amount": 0.0}
            )
            self.stdout.write(
                f"{code:<34}{row['households']:>16}{row['monthly_amount'] or 0:>18,.2f}"
                f"{row['one_off_amount'] or 0:>18,.2f}"
            )
        self.stdout.write("\n按镇（街道）by town:")
        by_town = (
            eligible.group_by("town", "program")
            .agg(pl.len().alias("households"), pl.col("monthly_amount").sum().round(2))
            .sort("town", "program")
        )
        for row in by_town.iter_rows(named=True):
            town = row["town"] or "?"
            self.stdout.write(
                f"  {town} {names.get(town, ''):<14}{row['program']:<28}"
                f"{row['households']:>8}{row['monthly_amount']:>16,.2f}"
            )

    def _fail(self, message_zh: str, message_en: str) -> NoReturn:
        self.stderr.write(f"{message_zh} / {message_en}")
        sys.exit(2)


def _division_names(path: Path) -> dict[str, str]:
    """Town names from the population's divisions.parquet, when it is there."""
    if not path.exists():
        return {}
    frame = pl.read_parquet(path, columns=["code", "name"])
    return dict(zip(frame["code"], frame["name"], strict=True))
