"""Assistance cases: list, read with the timeline, apply, and one operation per step."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from minzheng.assistance import documents, payroll, selectors, services
from minzheng.assistance.models import AssistanceCase
from minzheng.assistance.online_api import router as online_router
from minzheng.registry.selectors import household_get, person_get
from minzheng.rules.parameters import MONTH_PATTERN, month_start
from minzheng.schemas import InputSchema
from minzheng.workflow.models import TransitionRecord

router = Router(tags=["assistance"])

ProgramCode = Literal[
    "dibao", "dibao_edge", "rigid_expenditure", "extreme_poverty", "temporary_assistance"
]
PAGE_SIZE = 50


class CaseOut(Schema):
    id: int
    number: str
    program: str
    state: str
    state_label: str
    household_id: int
    applicant_id: int
    division_code: str
    channel: str
    monthly_amount: float | None
    start_month: dt.date | None
    end_month: dt.date | None
    due_on: dt.date | None

    @staticmethod
    def from_case(case: AssistanceCase) -> CaseOut:
        return CaseOut(
            id=case.pk,
            number=case.number,
            program=case.program,
            state=case.state,
            state_label=case.state_label,
            household_id=case.household_id,
            applicant_id=case.applicant_id,
            division_code=case.division_code,
            channel=case.channel,
            monthly_amount=None if case.monthly_amount is None else float(case.monthly_amount),
            start_month=case.start_month,
            end_month=case.end_month,
            due_on=case.due_on,
        )


class StepOut(Schema):
    transition: str
    from_state: str
    to_state: str
    on: dt.date
    actor: str | None
    note: str
    data: dict[str, Any]

    @staticmethod
    def from_record(record: TransitionRecord) -> StepOut:
        return StepOut(
            transition=record.transition,
            from_state=record.from_state,
            to_state=record.to_state,
            on=record.on,
            actor=record.actor.username if record.actor else None,
            note=record.note,
            data=record.data,
        )


class CaseDetailOut(CaseOut):
    request: dict[str, Any] = Field(description="The household's declared situation")
    timeline: list[StepOut]


class CasePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[CaseOut]


class CaseFilter(InputSchema):
    state: str = Field("", max_length=30)
    program: str = Field("", max_length=30)
    page: int = Field(1, ge=1, le=100_000)


class CaseApplyIn(InputSchema):
    household_id: int
    applicant_id: int
    program: ProgramCode
    channel: Literal["self", "worker", "alert"] = "worker"
    request: dict[str, Any] = Field(
        description="The household's situation, as household.schema.json without as_of"
    )


class AcceptIn(InputSchema):
    documents: list[str] = Field(max_length=20)
    authorisation_signed: bool


class VisitIn(InputSchema):
    workers: list[str] = Field(max_length=5)
    findings: str = Field(max_length=2000)


class ApproveIn(InputSchema):
    start_month: dt.date


class RejectIn(InputSchema):
    reasons: list[str] = Field(max_length=10)


class TerminateIn(InputSchema):
    reason: str = Field(max_length=500)
    last_month: dt.date


def _detail(case: AssistanceCase) -> CaseDetailOut:
    return CaseDetailOut(
        **CaseOut.from_case(case).dict(),
        request=case.request,
        timeline=[StepOut.from_record(record) for record in selectors.case_timeline(case=case)],
    )


@router.get("/cases", response=CasePage, operation_id="assistance_case_list")
def case_list(request: HttpRequest, filters: Query[CaseFilter]) -> CasePage:
    cases = selectors.case_list(user=request.user, state=filters.state, program=filters.program)
    start = (filters.page - 1) * PAGE_SIZE
    return CasePage(
        count=cases.count(),
        page=filters.page,
        page_size=PAGE_SIZE,
        items=[CaseOut.from_case(case) for case in cases[start : start + PAGE_SIZE]],
    )


@router.get("/cases/{case_id}", response=CaseDetailOut, operation_id="assistance_case_get")
def case_get(request: HttpRequest, case_id: int) -> CaseDetailOut:
    return _detail(selectors.case_get(user=request.user, case_id=case_id))


@router.post("/cases", response={201: CaseDetailOut}, operation_id="assistance_case_apply")
def case_apply(request: HttpRequest, data: CaseApplyIn) -> Status:
    household = household_get(user=request.user, household_id=data.household_id)
    applicant = person_get(user=request.user, person_id=data.applicant_id)
    case = services.case_apply(
        acting_user=request.user,
        household=household,
        applicant=applicant,
        program=data.program,
        request=data.request,
        channel=data.channel,
        on=timezone.localdate(),
    )
    return Status(201, _detail(case))


def _step(http: HttpRequest, case_id: int, step: Any, /, **arguments: Any) -> CaseDetailOut:
    """Make a step of a case the user may see; `arguments` go to the step's service (a review
    takes the household's `request`, hence the positional-only HTTP request here)."""
    case = selectors.case_get(user=http.user, case_id=case_id)
    step(case=case, acting_user=http.user, on=timezone.localdate(), **arguments)
    return _detail(selectors.case_get(user=http.user, case_id=case_id))


@router.post(
    "/cases/{case_id}/accept", response=CaseDetailOut, operation_id="assistance_case_accept"
)
def case_accept(request: HttpRequest, case_id: int, data: AcceptIn) -> CaseDetailOut:
    return _step(
        request,
        case_id,
        services.case_accept,
        documents=data.documents,
        authorisation_signed=data.authorisation_signed,
    )


@router.post(
    "/cases/{case_id}/verify", response=CaseDetailOut, operation_id="assistance_case_verify"
)
def case_verify(request: HttpRequest, case_id: int) -> CaseDetailOut:
    return _step(request, case_id, services.case_verify)


@router.post("/cases/{case_id}/visit", response=CaseDetailOut, operation_id="assistance_case_visit")
def case_visit(request: HttpRequest, case_id: int, data: VisitIn) -> CaseDetailOut:
    return _step(
        request, case_id, services.case_visit, workers=data.workers, findings=data.findings
    )


@router.post(
    "/cases/{case_id}/notice", response=CaseDetailOut, operation_id="assistance_case_notice"
)
def case_notice(request: HttpRequest, case_id: int) -> CaseDetailOut:
    return _step(request, case_id, services.case_notice)


@router.post(
    "/cases/{case_id}/approve", response=CaseDetailOut, operation_id="assistance_case_approve"
)
def case_approve(request: HttpRequest, case_id: int, data: ApproveIn) -> CaseDetailOut:
    return _step(request, case_id, services.case_approve, start_month=data.start_month)


@router.post(
    "/cases/{case_id}/reject", response=CaseDetailOut, operation_id="assistance_case_reject"
)
def case_reject(request: HttpRequest, case_id: int, data: RejectIn) -> CaseDetailOut:
    return _step(request, case_id, services.case_reject, reasons=data.reasons)


@router.post(
    "/cases/{case_id}/terminate",
    response=CaseDetailOut,
    operation_id="assistance_case_terminate",
)
def case_terminate(request: HttpRequest, case_id: int, data: TerminateIn) -> CaseDetailOut:
    return _step(
        request,
        case_id,
        services.case_terminate,
        reason=data.reason,
        last_month=data.last_month,
    )


class ObjectIn(InputSchema):
    objection: str = Field(max_length=2000)


class ResolveObjectionIn(InputSchema):
    finding: str = Field(max_length=2000)
    upheld: bool


class DeliberateIn(InputSchema):
    start_month: dt.date
    monthly_amount: Decimal = Field(max_digits=10, decimal_places=2, ge=0)
    members: list[str] = Field(max_length=20)
    reasons: str = Field(max_length=2000)


class ReferCityIn(InputSchema):
    opinion: str = Field(max_length=2000)


class CityApproveIn(InputSchema):
    amount: Decimal = Field(max_digits=10, decimal_places=2, ge=0)
    note: str = Field("", max_length=500)


class EmergencyIn(InputSchema):
    amount: Decimal = Field(max_digits=10, decimal_places=2, ge=0)
    situation: str = Field(max_length=2000)


class CompleteIn(AcceptIn):
    findings: str = Field(max_length=2000)


class ReviewIn(InputSchema):
    findings: str = Field(max_length=2000)
    request: dict[str, Any] | None = Field(
        None, description="The household's current situation, if it changed (household.schema)"
    )


class ChangeAmountIn(InputSchema):
    amount: Decimal = Field(max_digits=10, decimal_places=2, ge=0)
    from_month: dt.date
    reason: str = Field(max_length=500)


class GradualExitIn(InputSchema):
    from_month: dt.date
    months: int = Field(ge=1, le=24)
    reason: str = Field(max_length=500)


class TransferIn(InputSchema):
    to_division: str = Field(pattern=r"^[0-9]{12}$")
    reason: str = Field(max_length=500)


# One operation per step; each takes the body's fields as the service's arguments.
STEP_BODIES: dict[str, type[InputSchema]] = {
    "object": ObjectIn,
    "resolve_objection": ResolveObjectionIn,
    "deliberate": DeliberateIn,
    "refer_city": ReferCityIn,
    "city_approve": CityApproveIn,
    "city_reject": RejectIn,
    "emergency": EmergencyIn,
    "complete": CompleteIn,
    "review": ReviewIn,
    "change_amount": ChangeAmountIn,
    "gradual_exit": GradualExitIn,
    "transfer": TransferIn,
}


def _step_operation(name: str, body: type[InputSchema]) -> None:
    service = getattr(services, f"case_{name}")

    def operation(request: HttpRequest, case_id: int, data: InputSchema) -> CaseDetailOut:
        return _step(request, case_id, service, **data.dict())

    operation.__name__ = f"case_{name}"
    # The body's schema is the step's own (annotations are strings under `from __future__`).
    operation.__annotations__ = {
        "request": HttpRequest,
        "case_id": int,
        "data": body,
        "return": CaseDetailOut,
    }
    router.post(
        f"/cases/{{case_id}}/{name}",
        response=CaseDetailOut,
        operation_id=f"assistance_case_{name}",
        summary=services.ASSISTANCE_CASE.transition(name).label,
    )(operation)


for _name, _body in STEP_BODIES.items():
    _step_operation(_name, _body)


class TrackIn(InputSchema):
    number: str = Field(max_length=20)
    id_number: str = Field(min_length=18, max_length=18)


class TrackOut(Schema):
    number: str
    program: str
    state: str
    steps: list[tuple[dt.date, str]]
    monthly_amount: str | None
    start_month: dt.date | None
    end_month: dt.date | None
    reasons: list[str]


@router.post(
    "/track",
    auth=None,
    response={200: TrackOut, 404: dict},
    operation_id="assistance_case_track",
    summary="申请进度查询 An applicant follows their case (no login)",
)
def case_track(request: HttpRequest, data: TrackIn) -> TrackOut:
    tracked = selectors.case_track(number=data.number, id_number=data.id_number)
    if tracked is None:
        raise Http404
    return TrackOut(
        number=tracked.number,
        program=tracked.program,
        state=tracked.state_label,
        steps=tracked.steps,
        monthly_amount=tracked.monthly_amount,
        start_month=tracked.start_month,
        end_month=tracked.end_month,
        reasons=tracked.reasons,
    )


class PayrollMonthOut(Schema):
    month: str
    lines: int
    total: float
    closed_at: dt.datetime


class PayrollCloseIn(InputSchema):
    month: str = Field(pattern=MONTH_PATTERN)


@router.get("/payroll", response=list[PayrollMonthOut], operation_id="assistance_payroll_list")
def payroll_list(request: HttpRequest) -> list[PayrollMonthOut]:
    return [
        PayrollMonthOut(
            month=f"{month.month:%Y-%m}",
            lines=month.lines,
            total=float(month.total or 0),
            closed_at=month.closed_at,
        )
        for month in selectors.payroll_months(user=request.user)
    ]


@router.post(
    "/payroll",
    response={200: PayrollMonthOut, 201: PayrollMonthOut},
    operation_id="assistance_payroll_close",
    summary="关账 Close a month (201), or find it closed already (200, nothing changed)",
)
def payroll_close(request: HttpRequest, data: PayrollCloseIn) -> Status:
    month = month_start(data.month)
    closed_month, closed = payroll.payroll_month_close(
        acting_user=request.user, month=month, today=timezone.localdate()
    )
    listed = selectors.payroll_months(user=request.user).get(pk=closed_month.pk)
    body = PayrollMonthOut(
        month=data.month,
        lines=listed.lines,
        total=float(listed.total or 0),
        closed_at=listed.closed_at,
    )
    return Status(201 if closed else 200, body)


class LetterQuery(InputSchema):
    format: Literal["pdf", "docx"] = "pdf"


_LETTER_BODY = {"schema": {"type": "string", "format": "binary"}}


@router.get(
    "/cases/{case_id}/letter",
    operation_id="assistance_case_letter",
    summary="决定书 The decision letter of a decided case, as PDF or Word (audited)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The letter file",
                "content": {documents.PDF: _LETTER_BODY, documents.DOCX: _LETTER_BODY},
            },
            404: {"description": "No such case in your scope, or the case is not decided"},
            503: {"description": "PDF cannot be made on this machine (Word still can)"},
        }
    },
)
def case_letter(request: HttpRequest, case_id: int, query: Query[LetterQuery]) -> HttpResponse:
    case = selectors.case_get(user=request.user, case_id=case_id)
    try:
        letter = documents.case_letter_file(
            case=case, acting_user=request.user, file_format=query.format
        )
    except documents.DocumentUnavailable as error:
        raise HttpError(503, error.message_zh) from None
    response = HttpResponse(letter.content, content_type=letter.content_type)
    response["Content-Disposition"] = f'attachment; filename="{letter.filename}"'
    return response


class StatisticsQuery(InputSchema):
    month: str | None = Field(
        None, pattern=MONTH_PATTERN, description="YYYY-MM; the previous month if omitted"
    )


class StatisticsRowOut(Schema):
    town_code: str = Field(description="9-digit town code; empty in a total")
    town_name: str
    program: str = Field(description="Programme code; empty in the grand total")
    program_label: str
    active_cases: int = Field(description="Cases whose benefit covers the month")
    households: int
    persons: int = Field(description="Declared members not marked deceased")
    amount: str = Field(description="Yuan, 2 decimals: paid if the month is closed, else due")
    approved: int
    terminated: int
    applied: int
    rejected: int
    open_at_month_end: int

    @staticmethod
    def from_row(row: selectors.StatisticsRow) -> StatisticsRowOut:
        return StatisticsRowOut(**{**row.__dict__, "amount": f"{row.amount:.2f}"})


class StatisticsOut(Schema):
    month: str
    scope_code: str
    scope_name: str
    payroll_closed: bool
    rows: list[StatisticsRowOut]
    program_totals: list[StatisticsRowOut]
    total: StatisticsRowOut


@router.get(
    "/statistics",
    response=StatisticsOut,
    operation_id="assistance_statistics",
    summary="月度统计 The month's assistance by town and programme, in your scope, with totals",
)
def statistics_get(request: HttpRequest, query: Query[StatisticsQuery]) -> StatisticsOut:
    month = (
        month_start(query.month) if query.month else selectors.previous_month(timezone.localdate())
    )
    figures = selectors.monthly_statistics(user=request.user, month=month)
    return StatisticsOut(
        month=f"{figures.month:%Y-%m}",
        scope_code=figures.scope_code,
        scope_name=figures.scope_name,
        payroll_closed=figures.payroll_closed,
        rows=[StatisticsRowOut.from_row(row) for row in figures.rows],
        program_totals=[StatisticsRowOut.from_row(row) for row in figures.program_totals],
        total=StatisticsRowOut.from_row(figures.total),
    )


# Online applications (a citizen's, from the calculator): minzheng/assistance/online_api.py.
router.add_router("/online", online_router)
