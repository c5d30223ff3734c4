from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minzheng.rules.id_number import (
    IdNumberError,
    check_character,
    check_characters,
    mask_id_number,
    parse_id_number,
)

TODAY = dt.date(2026, 11, 28)


@pytest.mark.parametrize(
    ("number", "birth", "sex"),
    [
        ("11010519491231002X", dt.date(1949, 12, 31), "female"),  # GB 11643-1999 vector (S31)
        ("440524188001010014", dt.date(1880, 1, 1), "male"),  # GB 11643-1999 vector (S31)
    ],
)
def test_standard_vectors_parse(number: str, birth: dt.date, sex: str) -> None:
    info = parse_id_number(number, today=TODAY)
    assert (info.birth_date, info.sex, info.address_code) == (birth, sex, number[:6])


def test_lowercase_x_is_accepted_and_normalised() -> None:
    assert parse_id_number("11010519491231002x", today=TODAY).id_number == "11010519491231002X"


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("11010519491231002", "应为18位"),
        ("1101051949123100211", "应为18位"),
        ("110105194912310021", "校验码错误"),
        ("11010519490230002X", "不存在"),  # 30 February
        ("1101051949123100A2", "前17位应为数字"),
        ("110105202712310023", "不在合理范围内"),  # born after today
    ],
)
def test_invalid_numbers_are_refused_with_the_reason(number: str, message: str) -> None:
    with pytest.raises(IdNumberError) as error:
        parse_id_number(number, today=TODAY)
    assert message in error.value.message_zh
    assert error.value.message_en


birth_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)


@given(birth=birth_dates, sequence=st.integers(0, 999), address=st.integers(110000, 659999))
def test_any_number_with_its_check_character_parses_back(
    birth: dt.date, sequence: int, address: int
) -> None:
    first17 = f"{address}{birth:%Y%m%d}{sequence:03d}"
    info = parse_id_number(first17 + check_character(first17), today=TODAY)
    assert info.birth_date == birth
    assert info.sex == ("male" if sequence % 2 else "female")


@given(
    birth=birth_dates,
    sequence=st.integers(0, 999),
    position=st.integers(0, 16),
    delta=st.integers(1, 9),
)
def test_changing_one_digit_is_caught(
    birth: dt.date, sequence: int, position: int, delta: int
) -> None:
    first17 = f"320582{birth:%Y%m%d}{sequence:03d}"
    number = first17 + check_character(first17)
    digits = list(number)
    digits[position] = str((int(digits[position]) + delta) % 10)
    altered = "".join(digits)
    with pytest.raises(IdNumberError):
        parse_id_number(altered, today=TODAY)


@given(st.lists(st.text(alphabet="0123456789", min_size=17, max_size=17), min_size=1, max_size=20))
def test_vectorised_check_characters_agree_with_the_scalar_one(prefixes: list[str]) -> None:
    digits = np.array([[int(c) for c in prefix] for prefix in prefixes])
    assert list(check_characters(digits)) == [check_character(prefix) for prefix in prefixes]


def test_mask_keeps_the_address_code_and_last_four() -> None:
    assert mask_id_number("32058219600315011X") == "320582********011X"
