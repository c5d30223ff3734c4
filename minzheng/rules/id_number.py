"""Resident identity numbers (公民身份号码), GB 11643-1999.

18 characters: 6-digit address code, 8-digit birth date YYYYMMDD, 3-digit sequence (odd male,
even female), 1 check character (ISO 7064 MOD 11-2). Pure Python and numpy: the synthetic city
and the Django registry both use it, so it imports no Django.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"  # index is the weighted sum mod 11
EARLIEST_BIRTH_DATE = dt.date(1880, 1, 1)


class IdNumberError(ValueError):
    """An id number that is not a valid GB 11643-1999 number; carries zh-Hans and English text."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} ({message_en})")
        self.message_zh = message_zh
        self.message_en = message_en


@dataclass(frozen=True)
class IdNumberInfo:
    id_number: str
    address_code: str
    birth_date: dt.date
    sex: str  # "male" or "female"


def check_character(first17: str) -> str:
    """Return the check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def check_characters(digits: np.ndarray) -> np.ndarray:
    """Return the check character of each row of an (n, 17) integer array of digits."""
    totals = digits.astype(np.int64) @ np.asarray(WEIGHTS, dtype=np.int64)
    return np.asarray(list(CHECK_CHARACTERS))[totals % 11]


def parse_id_number(value: str, *, today: dt.date | None = None) -> IdNumberInfo:
    """Validate an 18-character id number and return what it encodes; raise IdNumberError."""
    text = (value or "").strip().upper()
    if len(text) != 18:
        raise IdNumberError(
            f"公民身份号码应为18位，实为{len(text)}位",
            f"an id number has 18 characters, this one has {len(text)}",
        )
    if not text[:17].isdigit() or not text[:17].isascii() or text[17] not in "0123456789X":
        raise IdNumberError(
            "公民身份号码前17位应为数字，末位为数字或X",
            "the first 17 characters must be digits and the last a digit or X",
        )
    try:
        birth_date = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise IdNumberError(
            f"公民身份号码中的出生日期{text[6:14]}不存在",
            f"the birth date {text[6:14]} in the id number does not exist",
        ) from None
    latest = today or dt.date.today()  # noqa: DTZ011 - the local calendar date is meant
    if birth_date < EARLIEST_BIRTH_DATE or birth_date > latest:
        raise IdNumberError(
            f"公民身份号码中的出生日期{birth_date.isoformat()}不在合理范围内",
            f"the birth date {birth_date.isoformat()} in the id number is out of range",
        )
    expected = check_character(text[:17])
    if text[17] != expected:
        raise IdNumberError(
            "公民身份号码校验码错误",
            "the check character of the id number is wrong",
        )
    sex = "male" if int(text[16]) % 2 == 1 else "female"
    return IdNumberInfo(id_number=text, address_code=text[:6], birth_date=birth_date, sex=sex)


def mask_id_number(value: str) -> str:
    """Mask an id number for display: 320582********123X."""
    if len(value) != 18:
        return "*" * len(value)
    return value[:6] + "*" * 8 + value[14:]
