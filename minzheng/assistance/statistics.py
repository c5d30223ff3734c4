"""The monthly statistics by town and programme as an .xlsx file: the same figures, the same bytes.

The figures come from `selectors.monthly_statistics`; every download is recorded in the audit
log (who, which month, which scope), as the payroll's files are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from minzheng.accounts.models import User
from minzheng.assistance.selectors import MonthlyStatistics, StatisticsRow, monthly_statistics
from minzheng.audit.services import audit_record
from minzheng.registry.spreadsheets import safe_row
from minzheng.xlsx import workbook_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = (
    "镇(街道)",
    "区划代码",
    "救助项目",
    "在保案件数",
    "在保户数",
    "在保人数",
    "发放金额(元)",
    "新增批准",
    "终止",
    "新申请",
    "不予批准",
    "月末在办申请",
)
WIDTHS = (16, 12, 18, 11, 10, 10, 14, 10, 8, 8, 10, 13)


@dataclass(frozen=True)
class StatisticsFile:
    name: str
    content: bytes


def month_label(month: dt.date) -> str:
    return f"{month.year}年{month.month:02d}月"


def amount_note(statistics: MonthlyStatistics) -> str:
    if statistics.payroll_closed:
        return "资金发放已关账：金额为当月实际发放（含补发、扣回，不含发放失败）"
    return "资金发放尚未关账：金额为当月在保案件的月保障金额（应发）"


def figures(row: StatisticsRow) -> list[object]:
    """The row's figures in the order of HEADERS after the first three columns."""
    return [
        row.active_cases,
        row.households,
        row.persons,
        row.amount,
        row.approved,
        row.terminated,
        row.applied,
        row.rejected,
        row.open_at_month_end,
    ]


def _cells(sheet: object, values: list[object]) -> list[WriteOnlyCell]:
    cells = safe_row(sheet, values)
    for cell in cells:
        if isinstance(cell.value, Decimal):
            cell.number_format = "0.00"
    return cells


def statistics_workbook(statistics: MonthlyStatistics) -> bytes:
    """One sheet: a title naming the month and the scope, a note on the amounts, the table."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("月度统计")
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    scope = f"{statistics.scope_name}（{statistics.scope_code}）"
    title = f"社会救助月度统计　{month_label(statistics.month)}　统计范围：{scope}"
    sheet.append(_cells(sheet, [title]))
    sheet.append(_cells(sheet, [amount_note(statistics)]))
    sheet.append(_cells(sheet, list(HEADERS)))
    for row in statistics.rows:
        sheet.append(
            _cells(sheet, [row.town_name, row.town_code, row.program_label, *figures(row)])
        )
    for row in statistics.program_totals:
        sheet.append(_cells(sheet, ["小计", "", row.program_label, *figures(row)]))
    sheet.append(_cells(sheet, ["合计", "", "", *figures(statistics.total)]))
    # The first moment after the month: the same month's figures give the same bytes.
    month = statistics.month
    stamp = dt.datetime(month.year + month.month // 12, month.month % 12 + 1, 1)  # noqa: DTZ001
    return workbook_bytes(book, stamp=stamp)


def statistics_export(*, user: User, month: dt.date) -> StatisticsFile:
    """The month's statistics in the user's scope as .xlsx; each export is audited."""
    statistics = monthly_statistics(user=user, month=month)
    content = statistics_workbook(statistics)
    label = f"{statistics.month:%Y-%m}"
    audit_record(
        actor=user,
        action="assistance.statistics.export",
        target=None,
        data={"month": label, "scope": statistics.scope_code, "rows": len(statistics.rows)},
        division_code=statistics.scope_code,
    )
    return StatisticsFile(f"statistics-{statistics.scope_code}-{label}.xlsx", content)
