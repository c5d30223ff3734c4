"""Cell parsers: text of a department's file to a value, or a CellError in Chinese and English.

Pure functions without Django, so that hypothesis can try them on any text. Each takes the
cell's text already stripped and not empty; `cell_text` turns what a spreadsheet holds (dates,
numbers) into that text first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from operator import mul

from minzheng.rules.id_number import (
    CHECK_CHARACTERS,
    EARLIEST_BIRTH_DATE,
    WEIGHTS,
    IdNumberError,
    parse_id_number,
)
from minzheng.rules.parameters import MONTH_PATTERN, parse_month

MONEY = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,2})?$")  # DecimalField(max_digits=14, places=2)
NUMBER = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,6})?$")
DATE = re.compile(r"^(19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}$")  # the years the platform can hold
MAX_TEXT = 200
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
CENT = Decimal("0.01")
ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


class CellError(ValueError):
    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en


def _negative(text: str) -> bool:
    return text.startswith("-") and MONEY.fullmatch(text[1:]) is not None


def parse_money(text: str) -> Decimal:
    """Yuan with at most two decimals, not negative: '1234.5' -> Decimal('1234.50')."""
    if _negative(text):
        raise CellError("金额不能为负数", "an amount must not be negative")
    if not MONEY.fullmatch(text):
        raise CellError(
            f"“{text[:20]}”不是金额（元，最多两位小数）",
            "not an amount in yuan with at most two decimals",
        )
    return Decimal(text).quantize(CENT)


def parse_number(text: str) -> Decimal:
    """A number not below zero, at most six decimals: '89.5' -> Decimal('89.5')."""
    if text.startswith("-") and NUMBER.fullmatch(text[1:]):
        raise CellError("数值不能为负数", "the number must not be negative")
    if not NUMBER.fullmatch(text):
        raise CellError(f"“{text[:20]}”不是数值", "not a number")
    return Decimal(text)


@lru_cache(maxsize=8192)  # a month's file repeats its dates; errors are not cached
def parse_date(text: str) -> dt.date:
    """A date written YYYY-MM-DD (years 1900-2099)."""
    if DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise CellError(f"“{text[:20]}”不是日期（YYYY-MM-DD）", "not a date (YYYY-MM-DD)")


@lru_cache(maxsize=1024)
def parse_month_cell(text: str) -> dt.date:
    """A month written YYYY-MM (years 1900-2099), as its first day."""
    # fullmatch: the shared pattern ends in `$`, which would let a trailing newline through.
    month = parse_month(text) if re.fullmatch(MONTH_PATTERN, text) else None
    if month is None:
        raise CellError(f"“{text[:20]}”不是月份（YYYY-MM）", "not a month (YYYY-MM)")
    return month


@cache
def _birth_date_exists(digits: str) -> bool:
    """Whether YYYYMMDD is a real day (cached: a city has some 40,000 birth dates)."""
    try:
        dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return False
    return True


def id_number_parser(latest_birth: dt.date) -> Callable[[str], str]:
    """A parser of GB 11643 id numbers born no later than `latest_birth`; returns it normalised.

    A valid number takes the quick path (a file has 150,000 of them); anything else goes through
    `parse_id_number`, which says what is wrong.
    """
    earliest, latest = f"{EARLIEST_BIRTH_DATE:%Y%m%d}", f"{latest_birth:%Y%m%d}"

    def parse(text: str) -> str:
        text = text.upper()
        if ID_SHAPE.fullmatch(text):
            total = sum(map(mul, map(int, text[:17]), WEIGHTS))
            birth = text[6:14]
            if (
                CHECK_CHARACTERS[total % 11] == text[17]
                and earliest <= birth <= latest
                and _birth_date_exists(birth)
            ):
                return text
        try:
            return parse_id_number(text, today=latest_birth).id_number
        except IdNumberError as error:
            raise CellError(error.message_zh, error.message_en) from None

    return parse


def parse_text(text: str) -> str:
    if CONTROL.search(text):
        # NUL and other control characters: PostgreSQL refuses NUL in JSON, no one means them.
        raise CellError("文字中有不可见的控制字符", "the text holds control characters")
    if len(text) > MAX_TEXT:
        raise CellError(f"文字不能超过{MAX_TEXT}个字符", f"at most {MAX_TEXT} characters")
    return text


def choice_parser(choices: tuple[tuple[str, str], ...]) -> Callable[[str], str]:
    """A parser that takes a choice's code (any letter case) or its Chinese label to the code."""
    mapping = {code.lower(): code for code, _ in choices}
    mapping.update({label: code for code, label in choices})
    allowed = "、".join(f"{label}({code})" for code, label in choices)

    def parse(text: str) -> str:
        code = mapping.get(text) or mapping.get(text.lower())
        if code is None:
            raise CellError(
                f"“{text[:20]}”不是可选值，应为：{allowed}",
                f"not one of: {', '.join(code for code, _ in choices)}",
            )
        return code

    return parse


def pattern_parser(pattern: str, label: str) -> Callable[[str], str]:
    compiled = re.compile(pattern)

    def parse(text: str) -> str:
        if not compiled.fullmatch(text):
            raise CellError(f"“{text[:20]}”应为{label}", f"does not match {pattern}")
        return text

    return parse


def cell_text(value: object, kind: str) -> str:
    """The text of a spreadsheet cell: dates as ISO (a month cell as YYYY-MM), whole numbers
    without '.0', everything stripped."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        if kind == "month" and value.day == 1:
            return f"{value:%Y-%m}"
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        try:
            # Spreadsheet arithmetic leaves binary noise (0.1 + 0.2 = 0.30000000000000004): keep
            # what the cell shows, which is never more than nine decimals of an amount or area.
            return format(Decimal(repr(round(value, 9))).normalize(), "f")
        except (InvalidOperation, ValueError, OverflowError):
            return repr(value)
    return str(value).strip()


def decimal_text(value: Decimal) -> str:
    """A decimal as plain text, never in exponent form."""
    return format(value, "f")
