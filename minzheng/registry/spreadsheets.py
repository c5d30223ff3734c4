"""Spreadsheets in and out: the import template, reading .xlsx/.csv, writing search results."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

from minzheng.registry.errors import Issue, RegistryError, fail
from minzheng.registry.models import (
    DisabilityCategory,
    Household,
    MaritalStatus,
    Membership,
    Person,
    Relation,
)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    example: str = ""


IMPORT_COLUMNS = (
    Column("number", "户号", True, "ZJG000000001"),
    Column("address", "住址", True, "杨舍镇某社区1幢101室"),
    Column("division_code", "所属村(社区)代码", True, "320582100001"),
    Column("relation", "与户主关系", True, "户主"),
    Column("name", "姓名", True, "张三"),
    Column("id_number", "公民身份号码", True, "320582195001010016"),
    Column("phone", "联系电话", False, "13800000000"),
    Column("hukou_division_code", "户籍地区划代码", False, ""),
    Column("residence_division_code", "居住地区划代码", False, ""),
    Column("marital_status", "婚姻状况", False, "已婚"),
    Column("disability_category", "残疾类别", False, ""),
    Column("disability_grade", "残疾等级", False, ""),
    Column("disability_valid_from", "残疾证有效期起", False, ""),
    Column("disability_valid_to", "残疾证有效期止", False, ""),
    Column("serious_illness", "患重特大疾病", False, "否"),
)
HEADER_TO_KEY = {column.header: column.key for column in IMPORT_COLUMNS}
MAX_ROWS = 100_000


def _choices_by_label(choices: type) -> dict[str, str]:
    """Accept both the Chinese label and the code of a choice."""
    mapping = {str(label): value for value, label in choices.choices}  # type: ignore[attr-defined]
    mapping.update({value: value for value in choices.values})  # type: ignore[attr-defined]
    return mapping


RELATION_BY_LABEL = _choices_by_label(Relation)
MARITAL_BY_LABEL = _choices_by_label(MaritalStatus)
DISABILITY_BY_LABEL = _choices_by_label(DisabilityCategory)
DISABILITY_BY_LABEL.update(
    {
        "视力": "visual",
        "听力": "hearing",
        "言语": "speech",
        "肢体": "physical",
        "智力": "intellectual",
        "精神": "mental",
        "多重": "multiple",
    }
)
YES = {"是", "有", "y", "yes", "true", "1"}
NO = {"否", "无", "n", "no", "false", "0", ""}


def template_workbook() -> bytes:
    """The import template: Chinese headers on an empty sheet, and a sheet of notes and examples.

    The example stays on the notes sheet: on the data sheet it would be imported as a person.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "人员"
    sheet.append([column.header for column in IMPORT_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(IMPORT_COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(
            12, len(column.header) * 2 + 4
        )
    notes = workbook.create_sheet("填写说明")
    notes.append(["列", "是否必填", "示例", "说明"])
    explanations = {
        "number": "同一户的成员填写相同户号；户号已存在时按公民身份号码更新",
        "division_code": "12位村(社区)区划代码",
        "relation": "、".join(str(label) for label in Relation.labels),
        "id_number": "18位公民身份号码，性别和出生日期由号码得出",
        "hukou_division_code": "不填则同所属村(社区)",
        "residence_division_code": "不填则同所属村(社区)",
        "marital_status": "、".join(str(label) for label in MaritalStatus.labels),
        "disability_category": "、".join(str(label) for label in DisabilityCategory.labels),
        "disability_grade": "1至4级，1级最重",
        "disability_valid_from": "日期，如2020-01-31",
        "serious_illness": "是或否",
    }
    for column in IMPORT_COLUMNS:
        notes.append(
            [
                column.header,
                "必填" if column.required else "选填",
                column.example,
                explanations.get(column.key, ""),
            ]
        )
    return _saved(workbook)


def read_plain_table(content: bytes, filename: str) -> list[dict[str, str]]:
    """Rows of an .xlsx or .csv file as {header: text}; raise ValueError for another kind."""
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        raw_rows = _xlsx_rows(content)
    elif lower.endswith(".csv"):
        raw_rows = _csv_rows(content)
    else:
        raise ValueError("only .xlsx and .csv files")
    if not raw_rows:
        return []
    headers = [str(cell or "").strip() for cell in raw_rows[0]]
    return [
        {
            header: _text(raw[index] if index < len(raw) else None)
            for index, header in enumerate(headers)
        }
        for raw in raw_rows[1:]
        if any(cell not in (None, "") for cell in raw)
    ]


def file_rows(content: bytes, filename: str) -> list[tuple[object, ...]]:
    """The raw rows of an .xlsx or .csv file; raise RegistryError for another kind or a bad one."""
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        return _xlsx_rows(content)
    if lower.endswith(".csv"):
        return _csv_rows(content)
    raise fail("file", "只能导入 .xlsx 或 .csv 文件", "only .xlsx and .csv files can be imported")


def cell_text(value: object) -> str:
    """A cell as text: dates as YYYY-MM-DD, whole floats without '.0', stripped."""
    return _text(value)


def read_table(content: bytes, filename: str) -> list[tuple[int, dict[str, str]]]:
    """Read an .xlsx or .csv upload into (row number, {key: text}); raise RegistryError."""
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        raw_rows = _xlsx_rows(content)
    elif lower.endswith(".csv"):
        raw_rows = _csv_rows(content)
    else:
        raise fail(
            "file", "只能导入 .xlsx 或 .csv 文件", "only .xlsx and .csv files can be imported"
        )
    if not raw_rows:
        raise fail("file", "文件是空的", "the file is empty")
    headers = [str(cell or "").strip().rstrip("*") for cell in raw_rows[0]]
    unknown = [header for header in headers if header and header not in HEADER_TO_KEY]
    missing = [
        column.header
        for column in IMPORT_COLUMNS
        if column.required and column.header not in headers
    ]
    if unknown or missing:
        issues = []
        if missing:
            issues.append(
                Issue(
                    "file",
                    f"不是本系统的导入模板：缺少列 {'、'.join(missing)}，请下载模板后填写",
                    f"not the import template: missing columns {', '.join(missing)}",
                    1,
                )
            )
        if unknown:
            issues.append(
                Issue(
                    "file",
                    f"不是本系统的导入模板：无法识别的列 {'、'.join(unknown)}",
                    f"not the import template: unknown columns {', '.join(unknown)}",
                    1,
                )
            )
        raise RegistryError(issues)
    if len(raw_rows) - 1 > MAX_ROWS:
        raise fail("file", f"一次最多导入{MAX_ROWS}行", f"at most {MAX_ROWS} rows at a time")
    rows = []
    for number, raw in enumerate(raw_rows[1:], start=2):
        values = {
            HEADER_TO_KEY[header]: _text(raw[index] if index < len(raw) else None)
            for index, header in enumerate(headers)
            if header
        }
        if any(values.values()):
            rows.append((number, values))
    if not rows:
        raise fail("file", "文件中没有数据行", "the file has no data rows")
    return rows


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _xlsx_rows(content: bytes) -> list[tuple[object, ...]]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise fail(
            "file", "无法读取该Excel文件，文件可能已损坏", "the Excel file cannot be read"
        ) from None
    try:
        sheet = workbook.worksheets[0]
        return [tuple(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _csv_rows(content: bytes) -> list[tuple[object, ...]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise fail("file", "无法识别CSV文件的编码", "the CSV encoding is not UTF-8 or GB18030")
    try:
        return [tuple(row) for row in csv.reader(io.StringIO(text))]
    except csv.Error:
        raise fail("file", "CSV文件格式不正确", "the CSV file is malformed") from None


def parse_choice(value: str, mapping: dict[str, str]) -> str | None:
    """The code for a label or code; '' for empty; None when unknown."""
    if not value:
        return ""
    return mapping.get(value.strip())


def parse_date(value: str) -> dt.date | None:
    text = value.strip().replace("/", "-").replace(".", "-")
    if len(text) == 8 and text.isascii() and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return dt.date.fromisoformat(text)


def parse_bool(value: str) -> bool | None:
    text = value.strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    return None


EXPORT_HEADERS = (
    "姓名",
    "公民身份号码",
    "性别",
    "出生日期",
    "联系电话",
    "居住地",
    "户籍地",
    "婚姻状况",
    "残疾类别",
    "残疾等级",
    "患重特大疾病",
    "死亡日期",
)


def persons_workbook(persons: Iterable[Person]) -> bytes:
    """Search results as .xlsx; id numbers and phones masked."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("人员")
    sheet.append(list(EXPORT_HEADERS))
    for person in persons:
        sheet.append(
            safe_row(
                sheet,
                [
                    person.name,
                    person.id_number_masked,
                    person.get_sex_display(),
                    person.birth_date,
                    person.phone_masked,
                    person.residence_division.name,
                    person.hukou_division_id,
                    person.get_marital_status_display(),
                    person.get_disability_category_display(),
                    person.disability_grade,
                    "是" if person.serious_illness else "否",
                    person.death_date,
                ],
            )
        )
    return _saved(workbook)


HOUSEHOLD_EXPORT_HEADERS = ("户号", "住址", "所属村(社区)", "区划代码", "户主", "在册人数")


def households_workbook(households: list[Household]) -> bytes:
    """Households as .xlsx: number, address, village, head and current member count."""
    from django.db.models import Count

    counts: dict[int, int] = {}
    ids = [household.pk for household in households]
    for start in range(0, len(ids), 5000):
        counts.update(
            Membership.objects.filter(household_id__in=ids[start : start + 5000], valid_to=None)
            .values("household_id")
            .annotate(members=Count("pk"))
            .values_list("household_id", "members")
        )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("家庭户")
    sheet.append(list(HOUSEHOLD_EXPORT_HEADERS))
    for household in households:
        sheet.append(
            safe_row(
                sheet,
                [
                    household.number,
                    household.address,
                    household.division.name,
                    household.division_id,
                    household.head.name if household.head else "",
                    counts.get(household.pk, 0),
                ],
            )
        )
    return _saved(workbook)


def safe_row(sheet: Any, values: Iterable[object]) -> list[WriteOnlyCell]:
    """Cells for a write-only sheet; text stays text: `=HYPERLINK(...)` never runs as a formula."""
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
        cells.append(cell)
    return cells


def _saved(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
