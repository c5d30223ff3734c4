"""Data exchange: the sources' columns, the imported files, importing a file (multipart)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from minzheng.exchange import selectors, services
from minzheng.exchange.models import ExchangeBatch
from minzheng.exchange.sources import Source
from minzheng.rules.parameters import MONTH_PATTERN, month_start
from minzheng.schemas import InputSchema

router = Router(tags=["exchange"])
SIGNALS_PAGE_SIZE = 500


class ChoiceOut(Schema):
    code: str
    label: str


class ColumnOut(Schema):
    name: str
    label: str
    kind: str
    required: bool
    choices: list[ChoiceOut] | None


class SourceOut(Schema):
    code: str
    label: str
    department: str
    description: str
    columns: list[ColumnOut]
    kinds: list[str] = Field(description="The kinds of signal its rows become")

    @staticmethod
    def from_source(source: Source) -> SourceOut:
        return SourceOut(
            code=source.code,
            label=source.label,
            department=source.department,
            description=source.description,
            columns=[
                ColumnOut(
                    name=column.name,
                    label=column.label,
                    kind=column.kind,
                    required=column.required,
                    choices=None
                    if column.choices is None
                    else [ChoiceOut(code=code, label=label) for code, label in column.choices],
                )
                for column in source.columns
            ],
            kinds=list(source.kinds),
        )


class BatchOut(Schema):
    id: int
    source: str
    period: str = Field(description="YYYY-MM")
    file_name: str
    sha256: str
    row_count: int
    imported_by: str
    imported_at: dt.datetime

    @staticmethod
    def from_batch(batch: ExchangeBatch) -> BatchOut:
        return BatchOut(
            id=batch.pk,
            source=batch.source,
            period=f"{batch.period:%Y-%m}",
            file_name=batch.file_name,
            sha256=batch.sha256,
            row_count=batch.row_count,
            imported_by=batch.imported_by.username,
            imported_at=batch.imported_at,
        )


class SignalOut(Schema):
    id: int
    kind: str
    person_id: int
    person_name: str
    id_number_masked: str
    on: dt.date
    amount: str | None = Field(description="yuan, two decimals")
    data: dict[str, Any]


class BatchDetailOut(BatchOut):
    page: int
    page_size: int
    signals: list[SignalOut]


class SignalsPage(InputSchema):
    page: int = Field(1, ge=1, le=100_000)


class BatchImportIn(InputSchema):
    source: str = Field(max_length=30)
    period: str = Field(pattern=MONTH_PATTERN, description="YYYY-MM")


@router.get("/sources", response=list[SourceOut], operation_id="exchange_source_list")
def source_list(request: HttpRequest) -> list[SourceOut]:
    return [SourceOut.from_source(source) for source in selectors.source_list()]


@router.get("/batches", response=list[BatchOut], operation_id="exchange_batch_list")
def batch_list(request: HttpRequest) -> list[BatchOut]:
    return [BatchOut.from_batch(batch) for batch in selectors.batch_list(request.user)]


@router.get("/batches/{batch_id}", response=BatchDetailOut, operation_id="exchange_batch_get")
def batch_get(request: HttpRequest, batch_id: int, query: Query[SignalsPage]) -> BatchDetailOut:
    batch = selectors.batch_get(request.user, batch_id)
    start = (query.page - 1) * SIGNALS_PAGE_SIZE
    signals = selectors.signals_of(batch)[start : start + SIGNALS_PAGE_SIZE]
    return BatchDetailOut(
        **BatchOut.from_batch(batch).dict(),
        page=query.page,
        page_size=SIGNALS_PAGE_SIZE,
        signals=[
            SignalOut(
                id=signal.pk,
                kind=signal.kind,
                person_id=signal.person_id,
                person_name=signal.person.name,
                id_number_masked=signal.person.id_number_masked,
                on=signal.on,
                amount=None if signal.amount is None else f"{signal.amount:.2f}",
                data=signal.data,
            )
            for signal in signals
        ],
    )


@router.post(
    "/batches",
    response={201: BatchOut},
    operation_id="exchange_batch_import",
    summary="导入部门数据文件 Import a department's file (.csv or .xlsx), all or nothing",
)
def batch_import(
    request: HttpRequest, data: Form[BatchImportIn], file: File[UploadedFile]
) -> Status:
    batch = services.exchange_import(
        acting_user=request.user,
        source=data.source,
        period=month_start(data.period),
        file_name=file.name or "upload",
        content=file.read(),
    )
    return Status(201, BatchOut.from_batch(batch))
