"""What the data-exchange tests share: staff of each kind, files, and a count of what is stored."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from minzheng.accounts.models import BusinessLine, Role, User
from minzheng.audit.models import AuditEvent
from minzheng.exchange.models import ExchangeBatch, Signal
from tests.conftest import _user

JANUARY = dt.date(2026, 1, 1)


@pytest.fixture
def assistance_staff(divisions: None) -> User:
    user = _user("assistance_staff", Role.CITY_STAFF, "320582")
    user.business_line = BusinessLine.ASSISTANCE
    user.save()
    return user


def csv_bytes(*lines: str, bom: bool = False, encoding: str = "utf-8") -> bytes:
    text = "\n".join(lines) + "\n"
    return (("\ufeff" if bom else "") + text).encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def stored() -> tuple[int, int, int]:
    """(batches, signals, audit events): what an import may add."""
    return ExchangeBatch.objects.count(), Signal.objects.count(), AuditEvent.objects.count()
