"""Deterministic .xlsx bytes: what openpyxl stamps with the clock is fixed."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import time_machine
from openpyxl import Workbook, load_workbook

from minzheng.xlsx import workbook_bytes

STAMP = dt.datetime(2026, 3, 1, 8, 30)  # noqa: DTZ001


def _book() -> Workbook:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("表")
    sheet.append(["收款人", "金额"])
    sheet.append(["王建国", 3007.19])
    return book


def test_the_same_workbook_gives_the_same_bytes_at_any_time():
    with time_machine.travel("2026-04-01 10:00:00 +0800", tick=False):
        first = workbook_bytes(_book(), stamp=STAMP)
    with time_machine.travel("2027-09-30 23:59:59 +0800", tick=False):
        second = workbook_bytes(_book(), stamp=STAMP)

    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    book = load_workbook(io.BytesIO(first))
    assert (book.properties.created, book.properties.modified) == (STAMP, STAMP)
    assert list(book["表"].values) == [("收款人", "金额"), ("王建国", 3007.19)]


def test_an_aware_stamp_is_written_in_utc():
    aware = dt.datetime(2026, 3, 1, 16, 30, 15, 999, tzinfo=dt.timezone(dt.timedelta(hours=8)))

    book = load_workbook(io.BytesIO(workbook_bytes(_book(), stamp=aware)))

    assert book.properties.modified == STAMP.replace(second=15)
