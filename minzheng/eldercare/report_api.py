"""API of the ageing statistics: the year's figures as JSON and the bulletin as .docx."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema

from minzheng.eldercare.report import DOCX, ageing_bulletin, bulletin_export
from minzheng.schemas import InputSchema

router = Router()


class ReportQuery(InputSchema):
    year: str = ""  # a four-digit year; this year when not given


class TableOut(Schema):
    key: str
    title: str
    headers: list[str]
    rows: list[list[int | str]]  # amounts and shares as decimal strings


class SeriesOut(Schema):
    name: str
    data: list[float]


class ChartOut(Schema):
    key: str
    title: str
    kind: str
    unit: str
    categories: list[str]
    series: list[SeriesOut]


class SectionOut(Schema):
    key: str
    title: str
    has_data: bool
    paragraphs: list[str]
    tables: list[TableOut]
    charts: list[ChartOut]


class BulletinOut(Schema):
    year: int
    title: str
    as_of: str
    data_until: str
    figures: dict[str, int | str]
    sections: list[SectionOut]


@router.get(
    "/report/ageing",
    response=BulletinOut,
    operation_id="eldercare_report_ageing",
    summary="老龄工作统计 The year's ageing figures of the city (population by age band and "
    "town, ability levels, services): city eldercare staff, administrator, auditor",
)
def report_ageing(request: HttpRequest, query: Query[ReportQuery]) -> dict[str, object]:
    today = timezone.localdate()
    bulletin = ageing_bulletin(user=request.user, year=query.year or today.year, today=today)
    return bulletin.as_dict()


_DOCX_BODY = {"schema": {"type": "string", "format": "binary"}}


@router.get(
    "/report/ageing/docx",
    operation_id="eldercare_report_ageing_docx",
    summary="老龄工作公报 The year's ageing bulletin as a Word document (audited)",
    openapi_extra={
        "responses": {
            200: {"description": "The bulletin", "content": {DOCX: _DOCX_BODY}},
            403: {"description": "Only the city's eldercare staff, administrator and auditor"},
            422: {"description": "The year is not a four-digit year up to this year"},
        }
    },
)
def report_ageing_docx(request: HttpRequest, query: Query[ReportQuery]) -> HttpResponse:
    today = timezone.localdate()
    exported = bulletin_export(user=request.user, year=query.year or today.year, today=today)
    response = HttpResponse(exported.content, content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{exported.name}"'
    return response
