"""The cell parsers, on any text hypothesis can think of."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minzheng.exchange.cells import (
    CellError,
    cell_text,
    choice_parser,
    id_number_parser,
    parse_date,
    parse_money,
    parse_month_cell,
    parse_number,
    parse_text,
)
from minzheng.rules.id_number import check_character

MONTH = re.compile(r"(19|20)[0-9]{2}-(0[1-9]|1[0-2])")
MONEY_VALUES = st.decimals(
    min_value=Decimal(0), max_value=Decimal("999999999999.99"), places=2, allow_nan=False
)


@given(MONEY_VALUES)
def test_any_amount_written_with_two_decimals_reads_back_as_itself(value):
    assert parse_money(f"{value:.2f}") == value
    assert parse_money(str(value)) == value


@given(MONEY_VALUES.filter(lambda value: value > 0))
def test_any_negative_amount_is_refused(value):
    with pytest.raises(CellError, match="negative"):
        parse_money(f"-{value:.2f}")


@given(st.text(max_size=20))
def test_any_text_that_is_not_an_amount_is_refused_and_an_amount_is_exact(text):
    try:
        value = parse_money(text)
    except CellError:
        assert not re.fullmatch(r"[0-9]{1,12}(\.[0-9]{1,2})?", text)
    else:
        assert value == Decimal(text)
        assert value >= 0
        assert value.as_tuple().exponent == -2


@given(st.decimals(min_value=Decimal(0), max_value=Decimal(10**9), places=4, allow_nan=False))
def test_any_number_reads_back_as_itself(value):
    assert parse_number(format(value, "f")) == value


@given(st.integers(min_value=1900, max_value=2099), st.integers(min_value=1, max_value=12))
def test_any_month_of_the_platform_reads_as_its_first_day(year, month):
    assert parse_month_cell(f"{year}-{month:02d}") == dt.date(year, month, 1)


@given(st.text(max_size=12))
def test_any_text_that_is_not_a_month_is_refused(text):
    if MONTH.fullmatch(text):
        assert parse_month_cell(text) == dt.date(int(text[:4]), int(text[5:]), 1)
    else:
        with pytest.raises(CellError):
            parse_month_cell(text)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_any_date_written_iso_reads_back_and_a_spreadsheet_date_cell_too(day):
    assert parse_date(day.isoformat()) == day
    assert parse_date(cell_text(day, "date")) == day
    assert parse_date(cell_text(dt.datetime.combine(day, dt.time()), "date")) == day


@given(st.text(max_size=12))
def test_any_text_that_is_not_an_iso_date_is_refused(text):
    try:
        day = parse_date(text)
    except CellError:
        return
    assert day.isoformat() == text


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2026, 1, 31)), st.integers(1, 999))
def test_a_valid_id_number_reads_as_itself_and_one_wrong_check_character_is_refused(day, sequence):
    first17 = f"320582{day:%Y%m%d}{sequence:03d}"
    id_number = first17 + check_character(first17)
    parse = id_number_parser(dt.date(2026, 1, 31))

    assert parse(id_number.lower()) == id_number
    wrong = first17 + ("0" if id_number[-1] != "0" else "1")
    with pytest.raises(CellError, match="check character"):
        parse(wrong)


def test_an_id_number_born_after_the_period_is_refused():
    first17 = "32058220260215001"
    with pytest.raises(CellError):
        id_number_parser(dt.date(2026, 1, 31))(first17 + check_character(first17))


@given(st.sampled_from([("yes", "是"), ("no", "否")]), st.booleans())
def test_a_choice_reads_from_its_code_in_any_case_or_its_label(choice, upper):
    code, label = choice
    parse = choice_parser((("yes", "是"), ("no", "否")))

    assert parse(code.upper() if upper else code) == code
    assert parse(label) == code


@given(st.text(max_size=10).filter(lambda text: text.lower() not in {"yes", "no", "是", "否"}))
def test_any_other_text_is_not_a_choice(text):
    with pytest.raises(CellError):
        choice_parser((("yes", "是"), ("no", "否")))(text)


@given(st.text(max_size=50))
def test_text_without_control_characters_is_kept_as_written(text):
    if re.search(r"[\x00-\x1f\x7f]", text):
        with pytest.raises(CellError):
            parse_text(text)
    else:
        assert parse_text(text) == text


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (None, "text", ""),
        ("  甲  ", "text", "甲"),
        (35000.0, "money", "35000"),
        (0.1 + 0.2, "money", "0.3"),
        (1234.567, "money", "1234.567"),
        (1e-12, "number", "0"),
        (1234.5, "money", "1234.5"),
        (dt.date(2026, 1, 1), "month", "2026-01"),
        (dt.date(2026, 1, 2), "month", "2026-01-02"),
        (dt.date(2026, 1, 1), "date", "2026-01-01"),
        (2, "choice", "2"),
    ],
)
def test_a_spreadsheet_cell_becomes_the_text_it_shows(value, kind, text):
    assert cell_text(value, kind) == text
