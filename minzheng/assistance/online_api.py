"""`/api/assistance/online`: a citizen applies (no login); the town lists, converts, declines.

Mounted on the assistance router (`assistance/api.py`). Every refusal of the services is RFC 7807
problem JSON (422) whose errors name the body's JSON path ("$.id_number", "$.request.members[0]").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from minzheng.assistance import online, online_selectors
from minzheng.assistance.models import OnlineApplication
from minzheng.schemas import InputSchema

router = Router(tags=["assistance"])
PAGE_SIZE = 50

PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "path": {"type": "string"},
                    "message_zh": {"type": "string"},
                    "message_en": {"type": "string"},
                },
            },
        },
    },
}
UNPROCESSABLE = {
    422: {
        "description": "Refused: every error with its JSON path; nothing was changed",
        "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}},
    }
}


def _refused(request: HttpRequest, error: online.OnlineApplicationError) -> HttpResponse:
    from minzheng.api import problem  # the API module imports this one

    return problem(
        request,
        422,
        "Unprocessable Entity",
        "输入有误或不能办理 Invalid input or not allowed",
        errors=[issue.as_dict() for issue in error.issues],
    )


class OnlineApplyIn(InputSchema):
    program: str = Field(
        max_length=30,
        description="dibao, dibao_edge, rigid_expenditure, extreme_poverty or temporary_assistance",
    )
    name: str = Field(max_length=50, description="The applicant's name")
    id_number: str = Field(max_length=18, description="The applicant's id number (GB 11643)")
    phone: str = Field(max_length=20)
    division_code: str = Field(max_length=12, description="The village or community (12 digits)")
    request: dict[str, Any] = Field(
        description="The household's situation, as household.schema.json without as_of; "
        "the applicant is the member with their id number, else the head"
    )


class OnlineSubmittedOut(Schema):
    number: str = Field(description="Keep it: with the id number it follows the application")
    program: str
    state: str
    submitted_at: dt.datetime


class OnlineApplicationOut(Schema):
    id: int
    number: str
    program: str
    applicant_name: str
    id_number: str = Field(description="Masked: 320582********123X")
    phone: str = Field(description="Masked: 138****5678")
    division_code: str
    state: str
    state_label: str
    case_id: int | None
    case_number: str | None
    decline_reason: str
    submitted_at: dt.datetime
    handled_at: dt.datetime | None

    @staticmethod
    def from_application(application: OnlineApplication) -> OnlineApplicationOut:
        return OnlineApplicationOut(
            id=application.pk,
            number=application.number,
            program=application.program,
            applicant_name=application.applicant_name,
            id_number=application.id_number_masked,
            phone=application.phone_masked,
            division_code=application.division_code,
            state=application.state,
            state_label=str(application.get_state_display()),
            case_id=application.case_id,
            case_number=application.case.number if application.case else None,
            decline_reason=application.decline_reason,
            submitted_at=application.submitted_at,
            handled_at=application.handled_at,
        )


class OnlineApplicationPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[OnlineApplicationOut]


class OnlineFilter(InputSchema):
    state: str = Field(
        "submitted", max_length=12, description='submitted, converted, declined, or "" for all'
    )
    page: int = Field(1, ge=1, le=100_000)


class DeclineIn(InputSchema):
    reason: str = Field(max_length=online.DECLINE_REASON_MAX_LENGTH)


@router.post(
    "",
    auth=None,
    response={201: OnlineSubmittedOut},
    operation_id="assistance_online_apply",
    summary="网上申请 A citizen applies with a calculator request (no login)",
    openapi_extra={"responses": UNPROCESSABLE},
)
def online_apply(request: HttpRequest, data: OnlineApplyIn) -> Status | HttpResponse:
    try:
        application = online.online_application_submit(
            program=data.program,
            name=data.name,
            id_number=data.id_number,
            phone=data.phone,
            division_code=data.division_code,
            request=data.request,
            on=timezone.localdate(),
        )
    except online.OnlineApplicationError as error:
        return _refused(request, error)
    return Status(
        201,
        OnlineSubmittedOut(
            number=application.number,
            program=application.program,
            state=application.state,
            submitted_at=application.submitted_at,
        ),
    )


@router.get(
    "",
    response=OnlineApplicationPage,
    operation_id="assistance_online_list",
    summary="网上申请列表 Online applications of the caller's scope (pending by default)",
)
def online_list(request: HttpRequest, filters: Query[OnlineFilter]) -> OnlineApplicationPage:
    applications = online_selectors.online_application_list(user=request.user, state=filters.state)
    start = (filters.page - 1) * PAGE_SIZE
    return OnlineApplicationPage(
        count=applications.count(),
        page=filters.page,
        page_size=PAGE_SIZE,
        items=[
            OnlineApplicationOut.from_application(application)
            for application in applications[start : start + PAGE_SIZE]
        ],
    )


@router.post(
    "/{application_id}/convert",
    response=OnlineApplicationOut,
    operation_id="assistance_online_convert",
    summary="转为救助申请 Turn it into a case of the applicant's registered household",
    openapi_extra={"responses": UNPROCESSABLE},
)
def online_convert(
    request: HttpRequest, application_id: int
) -> OnlineApplicationOut | HttpResponse:
    application = online_selectors.online_application_get(
        user=request.user, application_id=application_id
    )
    try:
        online.online_application_convert(
            acting_user=request.user, application=application, on=timezone.localdate()
        )
    except online.OnlineApplicationError as error:
        return _refused(request, error)
    return OnlineApplicationOut.from_application(application)


@router.post(
    "/{application_id}/decline",
    response=OnlineApplicationOut,
    operation_id="assistance_online_decline",
    summary="不予受理 Decline it with a reason the citizen reads when following it",
    openapi_extra={"responses": UNPROCESSABLE},
)
def online_decline(
    request: HttpRequest, application_id: int, data: DeclineIn
) -> OnlineApplicationOut | HttpResponse:
    application = online_selectors.online_application_get(
        user=request.user, application_id=application_id
    )
    try:
        online.online_application_decline(
            acting_user=request.user,
            application=application,
            reason=data.reason,
            on=timezone.localdate(),
        )
    except online.OnlineApplicationError as error:
        return _refused(request, error)
    return OnlineApplicationOut.from_application(application)
