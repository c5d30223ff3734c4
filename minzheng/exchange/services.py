"""Importing a department's file: the whole file is checked first, then written in one go.

Every problem of every row is reported (row, column, Chinese, English) and then nothing is
written; a clean file becomes one batch, one signal per row and one audit event, in one
transaction. Checking runs outside the transaction, so that a large file does not hold the
database's write lock while its 150,000 rows are read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import Any, NamedTuple

import polars as pl
from django.db import IntegrityError, transaction

from minzheng.accounts.jurisdiction import exchange_import_check
from minzheng.accounts.models import User
from minzheng.audit.services import audit_record
from minzheng.exchange import cells
from minzheng.exchange.models import ExchangeBatch, Signal
from minzheng.exchange.selectors import registry_persons_frame
from minzheng.exchange.sources import SOURCES, Column, Source
from minzheng.exchange.tables import TableError, read_table
from minzheng.registry.models import Person, id_number_index
from minzheng.rules.id_number import mask_id_number
from minzheng.rules.parameters import month_end

LOOKUP_CHUNK = 1000  # id numbers per registry query
INSERT_BATCH = 2000
SHOWN_IN_MESSAGE = 20
KEPT = 10_000  # problems kept for the pages and the API; all are counted
MAX_FILE_BYTES = 200 * 1024 * 1024  # a city's pension file is about 20 MB


class Problem(NamedTuple):
    """One problem of a file: its row (1 is the header; None for the file), column, text."""

    row: int | None
    column: str
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        where = f"第{self.row}行 " if self.row is not None else ""
        column = f"{self.column}: " if self.column else ""
        return f"{where}{column}{self.message_zh} ({self.message_en})"

    def as_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "column": self.column,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


class ExchangeError(Exception):
    """A file that cannot be imported; nothing was written.

    `problems` holds the first KEPT problems in row order, `total` counts them all; the message
    shows the first 20 and the total.
    """

    def __init__(self, problems: list[Problem], total: int | None = None) -> None:
        self.problems = problems
        self.total = len(problems) if total is None else total
        shown = "; ".join(str(problem) for problem in problems[:SHOWN_IN_MESSAGE])
        super().__init__(f"{shown} （共{self.total}处问题 {self.total} problem(s) in total）")


class _Problems:
    """Problems as they are found: the first KEPT kept, all counted."""

    def __init__(self) -> None:
        self.kept: list[Problem] = []
        self.total = 0

    def add(self, row: int | None, column: str, message_zh: str, message_en: str) -> None:
        self.total += 1
        if len(self.kept) < KEPT:
            self.kept.append(Problem(row, column, message_zh, message_en))

    def raise_if_any(self, columns: tuple[Column, ...] = ()) -> None:
        """Raise with the problems in row order, and within a row in the columns' order."""
        if self.total:
            order = {column.name: index for index, column in enumerate(columns)}
            problems = sorted(
                self.kept,
                key=lambda problem: (problem.row or 0, order.get(problem.column, len(order))),
            )
            raise ExchangeError(problems, self.total)


def _fail(column: str, message_zh: str, message_en: str, row: int | None = None) -> ExchangeError:
    return ExchangeError([Problem(row, column, message_zh, message_en)])


class SignalRow(NamedTuple):
    person_id: int
    kind: str
    on: dt.date
    amount: Decimal | None
    data: dict[str, str]


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed every check: what its batch and signals will hold."""

    source: Source
    period: dt.date
    file_name: str
    sha256: str
    signals: list[SignalRow]


def _parser(column: Column, latest_birth: dt.date) -> Callable[[str], object]:
    if column.kind == "id_number":
        return cells.id_number_parser(latest_birth)
    if column.kind == "choice":
        return cells.choice_parser(column.choices or ())
    if column.kind == "text" and column.pattern:
        return cells.pattern_parser(column.pattern, column.pattern_label)
    return {
        "date": cells.parse_date,
        "month": cells.parse_month_cell,
        "money": cells.parse_money,
        "number": cells.parse_number,
        "text": cells.parse_text,
    }[column.kind]


def _json_text(column: Column, value: object) -> str:
    """How a parsed value is kept in a signal's data: text, dates ISO, months YYYY-MM."""
    if column.kind == "month":
        return f"{value:%Y-%m}"
    if column.kind == "date":
        return value.isoformat()  # type: ignore[attr-defined]
    if column.kind in ("money", "number"):
        return cells.decimal_text(value)  # type: ignore[arg-type]
    return str(value)


@dataclass(frozen=True)
class _EventRule:
    """What a row of one event (or of a source without events) becomes and is checked for."""

    kind: str
    on_column: str
    after_period_checked: tuple[str, ...]  # date columns that must not pass the period's end
    data_columns: tuple[Column, ...]  # columns kept in the signal's data


def _event_rule(source: Source, event: str | None) -> _EventRule:
    on_column = source.on_column_of(event)
    bounded = [
        column.name
        for column in source.columns
        if column.kind == "date" and (not column.future_allowed or column.name == on_column)
    ]
    # The data: the columns that are not the signal's person, kind, date or amount.
    skipped = {"id_number", source.event_column, source.amount_column, on_column}
    return _EventRule(
        kind=source.kind_of(event),
        on_column=on_column,
        after_period_checked=tuple(bounded),
        data_columns=tuple(column for column in source.columns if column.name not in skipped),
    )


def _header_positions(source: Source, header: list[str]) -> dict[str, int]:
    """Where each of the source's columns is in the file; raise for a header that is not right."""
    by_name = {column.name.lower(): column for column in source.columns}
    by_label = {column.label: column for column in source.columns}
    positions: dict[str, int] = {}
    problems = _Problems()
    for index, text in enumerate(header):
        column = by_label.get(text) or by_name.get(text.lower())
        if column is None:
            shown = text or f"第{index + 1}列"
            problems.add(
                1,
                text or str(index + 1),
                f"无法识别的列“{shown[:30]}”：{source.label}文件的列见数据来源说明",
                f"unknown column {shown[:30]!r} for {source.code}",
            )
        elif column.name in positions:
            problems.add(1, column.name, f"列“{column.label}”重复", f"column {column.name} repeats")
        else:
            positions[column.name] = index
    for column in source.columns:
        if column.required and column.name not in positions:
            problems.add(
                1,
                column.name,
                f"缺少必填列“{column.label}”（{column.name}）",
                f"the required column {column.name} is missing",
            )
    problems.raise_if_any()
    return positions


def _lookup(id_numbers: set[str]) -> dict[str, int]:
    """Person ids of the registered id numbers among these, by id number (chunked queries)."""
    index_of = {id_number_index(value): value for value in id_numbers}
    indexes = list(index_of)
    found: dict[str, int] = {}
    for start in range(0, len(indexes), LOOKUP_CHUNK):
        for index, person_id in Person.objects.filter(
            id_number_index__in=indexes[start : start + LOOKUP_CHUNK]
        ).values_list("id_number_index", "pk"):
            found[index_of[index]] = person_id
    return found


def exchange_check(*, source: str, period: dt.date, file_name: str, content: bytes) -> CheckedFile:
    """Check a whole file against its source; raise ExchangeError with every problem."""
    spec = SOURCES.get(source)
    if spec is None:
        raise _fail(
            "source",
            f"未知的数据来源“{source[:30]}”",
            f"unknown source; one of {', '.join(SOURCES)}",
        )
    if period.day != 1:
        raise _fail("period", "所属月份应为某月1日", "the period must be the first of a month")
    base_name = PurePath(file_name.replace("\\", "/")).name[:200] or "upload"
    if len(content) > MAX_FILE_BYTES:
        raise _fail(
            "file",
            f"文件超过{MAX_FILE_BYTES // 1024 // 1024}MB，请分月或分批提供",
            f"the file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB",
        )
    try:
        table = read_table(content, base_name)
    except TableError as error:
        raise _fail("file", error.message_zh, error.message_en) from None
    positions = _header_positions(spec, table.header)
    last_day = month_end(period)
    plans = [
        (column, positions.get(column.name), _parser(column, last_day)) for column in spec.columns
    ]
    problems = _Problems()
    add = problems.add
    event_column, amount_column = spec.event_column, spec.amount_column
    event_label = spec.column(event_column).label if event_column else ""
    labels = {column.name: column.label for column in spec.columns}
    month_columns = [column.name for column in spec.columns if column.kind == "month"]
    rules: dict[str | None, _EventRule] = {}
    period_text = f"{period:%Y-%m}"
    # (id number, rule, values) of the rows whose every check passed
    parsed: list[tuple[str, _EventRule, dict[str, Any]]] = []
    id_rows: list[tuple[int, str]] = []  # every row with a valid id number, for the lookup
    for number, row in table.rows:
        before = problems.total
        values: dict[str, Any] = {}
        blank: list[str] = []
        width = len(row)
        for column, index, parse in plans:
            raw = row[index] if index is not None and index < width else None
            text = raw.strip() if isinstance(raw, str) else cells.cell_text(raw, column.kind)
            if not text:
                if column.required:
                    add(number, column.name, f"{column.label}不能为空", f"{column.name} is empty")
                else:
                    blank.append(column.name)
                continue
            try:
                values[column.name] = parse(text)
            except cells.CellError as error:
                add(number, column.name, error.message_zh, error.message_en)
        id_number: str | None = values.get("id_number")
        if id_number is not None:
            id_rows.append((number, id_number))
        event: str | None = values.get(event_column) if event_column else None
        for name in spec.required_when.get(event or "", ()):
            if name in blank:
                add(
                    number,
                    name,
                    f"{event_label}为“{event}”时须填写{labels[name]}",
                    f"{name} is required for {event}",
                )
        for name in month_columns:
            value = values.get(name)
            if value is not None and value != period:
                add(
                    number,
                    name,
                    f"月份{value:%Y-%m}与文件所属月份{period_text}不一致",
                    f"the month differs from the file's period {period_text}",
                )
        rule = rules.get(event) or rules.setdefault(event, _event_rule(spec, event))
        on_name = rule.on_column
        for name in rule.after_period_checked:
            value = values.get(name)
            if value is not None and value > last_day:
                add(
                    number,
                    name,
                    f"日期{value}晚于所属月份的最后一天{last_day}",
                    f"the date is after the end of the period ({last_day})",
                )
        for earlier, later in spec.ordered_dates:
            first, second = values.get(earlier), values.get(later)
            if first is not None and second is not None and second < first:
                add(
                    number,
                    later,
                    f"{labels[later]}早于{labels[earlier]}",
                    f"{later} is before {earlier}",
                )
        on = values.get(on_name)
        if on is not None and id_number is not None and f"{on:%Y%m%d}" < id_number[6:14]:
            add(
                number,
                on_name,
                "日期早于该人员的出生日期",
                "the date is before the person's birth date",
            )
        if problems.total == before and id_number is not None:
            parsed.append((id_number, rule, values))
    persons = _lookup({id_number for _, id_number in id_rows})
    for number, id_number in id_rows:
        if id_number not in persons:
            add(
                number,
                "id_number",
                f"公民身份号码{mask_id_number(id_number)}不在人口登记中",
                "the id number is not in the registry",
            )
    problems.raise_if_any(spec.columns)
    signals = [
        SignalRow(
            person_id=persons[id_number],
            kind=rule.kind,
            on=values[rule.on_column],
            amount=values.get(amount_column) if amount_column else None,
            data={
                column.name: _json_text(column, values[column.name])
                for column in rule.data_columns
                if column.name in values
            },
        )
        for id_number, rule, values in parsed
    ]
    return CheckedFile(
        source=spec,
        period=period,
        file_name=base_name,
        sha256=_sha256(content),
        signals=signals,
    )


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _duplicate(source: str, sha256: str) -> ExchangeError:
    return _fail(
        "file",
        "该文件此前已导入过（内容完全相同），不再重复导入",
        "this file was imported before (the same content)",
    )


def exchange_import(
    *, acting_user: User, source: str, period: dt.date, file_name: str, content: bytes
) -> ExchangeBatch:
    """Import a department's file for a month, all or nothing; return its batch."""
    exchange_import_check(user=acting_user)
    sha256 = _sha256(content)
    if ExchangeBatch.objects.filter(source=source, sha256=sha256).exists():
        raise _duplicate(source, sha256)
    checked = exchange_check(source=source, period=period, file_name=file_name, content=content)
    return _write(acting_user=acting_user, checked=checked)


@transaction.atomic
def _write(*, acting_user: User, checked: CheckedFile) -> ExchangeBatch:
    code = checked.source.code
    if ExchangeBatch.objects.filter(source=code, sha256=checked.sha256).exists():
        raise _duplicate(code, checked.sha256)  # imported by someone else meanwhile
    try:
        with transaction.atomic():
            batch = ExchangeBatch.objects.create(
                source=code,
                period=checked.period,
                file_name=checked.file_name,
                sha256=checked.sha256,
                row_count=len(checked.signals),
                imported_by=acting_user,
            )
    except IntegrityError:
        raise _duplicate(code, checked.sha256) from None
    Signal.objects.bulk_create(
        (
            Signal(
                batch_id=batch.pk,
                source=code,
                kind=row.kind,
                person_id=row.person_id,
                on=row.on,
                amount=row.amount,
                data=row.data,
            )
            for row in checked.signals
        ),
        batch_size=INSERT_BATCH,
    )
    audit_record(
        actor=acting_user,
        action="exchange.import",
        target=batch,
        data={
            "source": code,
            "period": f"{checked.period:%Y-%m}",
            "file_name": checked.file_name,
            "sha256": checked.sha256,
            "rows": len(checked.signals),
        },
    )
    return batch


@transaction.atomic
def registry_persons_for_synth(*, on: dt.date, purpose: str) -> pl.DataFrame:
    """The living registered persons with their id numbers in clear, for synthetic files.

    Only the `exchange synth --from-db` command (the demo) uses it; reading every id number in
    clear is recorded in the audit log (no actor: the command line).
    """
    frame = registry_persons_frame(on=on)
    audit_record(
        actor=None,
        action="exchange.synth.registry_read",
        target=None,
        data={"persons": frame.height, "on": on.isoformat(), "purpose": purpose[:200]},
    )
    return frame
