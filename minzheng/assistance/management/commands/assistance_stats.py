from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from minzheng.assistance.selectors import StatisticsRow, monthly_statistics
from minzheng.assistance.statistics import statistics_export
from minzheng.registry.management.commands._common import acting_user
from minzheng.rules.parameters import parse_month


class Command(BaseCommand):
    help = (
        "救助月度统计 Monthly assistance statistics by town and programme in the user's scope; "
        "--out writes them as .xlsx (audited)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--user", required=True, help="the acting user (whose scope)")
        parser.add_argument("--out", type=Path, help="the .xlsx file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        month = parse_month(options["month"])
        if month is None:
            raise CommandError("统计月份格式应为 YYYY-MM --month must be YYYY-MM", returncode=2)
        out: Path | None = options["out"]
        if out is not None and out.suffix.lower() != ".xlsx":
            raise CommandError("输出文件应为 .xlsx --out must name an .xlsx file", returncode=2)
        try:
            user = acting_user(options["user"])
        except CommandError as error:
            raise CommandError(str(error), returncode=2) from None
        try:
            statistics = monthly_statistics(user=user, month=month)
        except PermissionDenied:
            raise CommandError(
                "只有可以查看社会救助案件的人员可以查看救助统计 "
                f"{user.username} may not read assistance statistics",
                returncode=2,
            ) from None
        amounts = "已关账，实际发放 paid" if statistics.payroll_closed else "未关账，应发 due"
        self.stdout.write(
            f"{month:%Y-%m} {statistics.scope_name}({statistics.scope_code}); "
            f"金额 amounts: {amounts}"
        )
        for row in statistics.rows:
            self.stdout.write(_line(f"{row.town_name} {row.program_label}", row))
        self.stdout.write(_line("合计 total", statistics.total))
        if out is not None:
            try:
                out.parent.mkdir(parents=True, exist_ok=True)
                with out.open("wb") as file:
                    file.write(statistics_export(user=user, month=month).content)
            except OSError as error:
                raise CommandError(
                    f"无法写入 {out} cannot write {out}: {error.strerror}", returncode=2
                ) from None
            self.stdout.write(f"已写入 written: {out}")


def _line(name: str, row: StatisticsRow) -> str:
    return (
        f"  {name}: 在保 {row.active_cases} 件 cases, {row.households} 户 households, "
        f"{row.persons} 人 persons, 金额 {row.amount:.2f}; 新增批准 approved {row.approved}, "
        f"终止 terminated {row.terminated}, 新申请 applied {row.applied}, "
        f"不予批准 rejected {row.rejected}, 月末在办 open {row.open_at_month_end}"
    )
