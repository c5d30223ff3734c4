"""Reading a department's .csv or .xlsx file into its header and numbered rows.

`registry.spreadsheets.read_plain_table` drops blank rows and with them the row numbers a
department needs to find a bad cell, and reads every row into a dict; here rows keep their
spreadsheet numbers (the header is row 1) and stay lists, which matters at 150,000 rows.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

MAX_ROWS = 1_000_000


class TableError(ValueError):
    """The file cannot be read as a table; carries Chinese and English text."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[tuple[int, Sequence[object]]]  # (row number in the file, cells)


def read_table(content: bytes, file_name: str) -> Table:
    """Read a .csv (UTF-8 with or without BOM, or GB18030) or .xlsx (first sheet) file.

    Rows whose cells are all empty are skipped; the others keep their row numbers.
    """
    lower = file_name.lower()
    if lower.endswith(".csv"):
        raw = _csv_rows(content)
    elif lower.endswith(".xlsx"):
        raw = _xlsx_rows(content)
    else:
        raise TableError("只能导入 .csv 或 .xlsx 文件", "only .csv and .xlsx files can be imported")
    if not raw:
        raise TableError("文件是空的，没有表头", "the file is empty: no header row")
    header = [_header_text(cell) for cell in raw[0]]
    while header and not header[-1]:
        header.pop()  # spreadsheets often carry empty trailing header cells
    rows = [
        (number, cells)
        for number, cells in enumerate(raw[1:], start=2)
        if any(cell is not None and (not isinstance(cell, str) or cell.strip()) for cell in cells)
    ]
    if len(rows) > MAX_ROWS:
        raise TableError(f"一个文件最多{MAX_ROWS}行", f"at most {MAX_ROWS} rows in one file")
    return Table(header=header, rows=rows)


def _header_text(cell: object) -> str:
    return "" if cell is None else str(cell).strip().rstrip("*").strip()


def _csv_rows(content: bytes) -> list[Sequence[object]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TableError("CSV文件应为UTF-8编码", "the CSV file is not UTF-8 (nor GB18030)")
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise TableError("CSV文件格式不正确", "the CSV file is malformed") from None


def _xlsx_rows(content: bytes) -> list[Sequence[object]]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise TableError(
            "无法读取该Excel文件，文件可能已损坏", "the Excel file cannot be read"
        ) from None
    try:
        if not workbook.worksheets:
            return []
        return list(workbook.worksheets[0].iter_rows(values_only=True))
    except (KeyError, OSError, ValueError, TypeError, zipfile.BadZipFile):
        raise TableError(
            "无法读取该Excel文件，文件可能已损坏", "the Excel file cannot be read"
        ) from None
    finally:
        workbook.close()
