"""The synthetic department files: the same every time, and clean against their own city."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import polars as pl
import pytest

from minzheng.exchange.models import ExchangeBatch, Signal
from minzheng.exchange.services import exchange_import
from minzheng.registry.services import DivisionIn, city_load, divisions_load
from minzheng.synth.exchange import (
    exchange_file_content,
    exchange_file_name,
    exchange_files,
    write_exchange_files,
)
from minzheng.synth.generate import AS_OF, DIBAO_EDGE_MULTIPLE, DIBAO_STANDARD_2025, generate

SCALE = 0.002  # 720 households
DECEMBER = dt.date(2025, 12, 1)  # inside the city's year: its newborn are births of the month
OCTOBER = dt.date(2026, 10, 1)  # after it: births are the youngest, registered late


@pytest.fixture(scope="module")
def city():
    return generate(scale=SCALE, seed=3)


@pytest.fixture
def loaded_city(city, divisions):
    divisions_load(
        acting_user=None,
        rows=[DivisionIn(**row) for row in city.divisions.iter_rows(named=True)],
    )
    city_load(acting_user=None, persons=city.persons, households=city.households, on=AS_OF)
    return city


def _low_income_ids(city) -> set[str]:
    counted = pl.sum_horizontal(
        "income_wages",
        "income_business",
        "income_property",
        "income_pension",
        "income_support_received",
        "income_other_transfers",
    )
    per_head = city.persons.group_by("household_id").agg((counted.sum() / pl.len()).alias("pc"))
    low = per_head.filter(pl.col("pc") < DIBAO_EDGE_MULTIPLE * DIBAO_STANDARD_2025)
    return set(city.persons.join(low, on="household_id")["id_number"])


def _cells(content: bytes) -> list[tuple[object, ...]]:
    """The values of a workbook's first sheet (its zip bytes carry the time of writing)."""
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_the_files_are_the_same_for_a_seed_and_differ_for_another(city):
    first = exchange_files(city.persons, city.households, month=DECEMBER, seed=7)
    again = exchange_files(city.persons, city.households, month=DECEMBER, seed=7)
    other = exchange_files(city.persons, city.households, month=DECEMBER, seed=8)

    assert list(first) == list(again)
    for source, frame in first.items():
        assert frame.equals(again[source]), source
        assert exchange_file_content(frame) == exchange_file_content(again[source])
        assert _cells(exchange_file_content(frame, file_format="xlsx")) == _cells(
            exchange_file_content(again[source], file_format="xlsx")
        )
    assert not first["wages"].equals(other["wages"])


def test_every_source_has_rows_and_some_hit_low_income_households(city):
    files = exchange_files(city.persons, city.households, month=DECEMBER, seed=1)
    low_income = _low_income_ids(city)

    for source, frame in files.items():
        assert frame.height > 0, source
        assert set(frame["id_number"]) & low_income, source
    events = set(files["civil_registration"]["event"])
    assert events == {"birth", "death", "move_in", "move_out"}
    cars_of_low_income = files["vehicle"].filter(
        pl.col("id_number").is_in(list(low_income)) & (pl.col("vehicle_type") == "car")
    )
    assert cars_of_low_income.height >= 1


def test_the_wages_file_is_about_45_percent_of_the_employed(city):
    wages = exchange_files(city.persons, city.households, month=DECEMBER, seed=1)["wages"]
    employed = city.persons.filter(pl.col("employment") == "employed").height

    assert 0.38 * employed < wages.height < 0.55 * employed


@pytest.mark.parametrize("month", [DECEMBER, OCTOBER], ids=["2025-12", "2026-10"])
def test_every_file_imports_cleanly_against_its_city(loaded_city, assistance_staff, month):
    files = exchange_files(loaded_city.persons, loaded_city.households, month=month, seed=1)

    for source, frame in files.items():
        batch = exchange_import(
            acting_user=assistance_staff,
            source=source,
            period=month,
            file_name=exchange_file_name(source, month),
            content=exchange_file_content(frame),
        )
        assert batch.row_count == frame.height

    assert Signal.objects.count() == sum(frame.height for frame in files.values())
    assert ExchangeBatch.objects.count() == len(files)


def test_the_xlsx_files_import_too(loaded_city, assistance_staff, tmp_path):
    files = exchange_files(loaded_city.persons, loaded_city.households, month=DECEMBER, seed=2)
    paths = write_exchange_files(files, tmp_path, month=DECEMBER, file_format="xlsx")

    assert [path.name for path in paths] == [f"{source}-2025-12.xlsx" for source in files]
    for path, (source, frame) in zip(paths, files.items(), strict=True):
        batch = exchange_import(
            acting_user=assistance_staff,
            source=source,
            period=DECEMBER,
            file_name=path.name,
            content=path.read_bytes(),
        )
        assert batch.row_count == frame.height


def test_persons_without_incomes_still_give_every_file(city):
    """What the registry holds (`--from-db`): no incomes, no employment, no households."""
    persons = city.persons.select("id_number", "birth_date", "hukou_division")
    files = exchange_files(persons, month=DECEMBER, seed=1)

    assert files["wages"].height > 0
    assert files["pensions"].height > 0
    assert files["vehicle"].height > 0
