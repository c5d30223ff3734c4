"""Alerts: list with filters, read with the timeline, assign, close, and the statistics."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from minzheng.alerts import selectors, services
from minzheng.alerts.models import Alert
from minzheng.schemas import InputSchema

router = Router(tags=["alerts"])
PAGE_SIZE = 50


class AlertOut(Schema):
    id: int
    number: str
    kind: str
    kind_label: str
    business_line: str
    division_code: str
    person_id: int | None
    household_id: int | None
    reason: str
    action: str
    state: str
    raised_on: dt.date
    due_on: dt.date | None
    assignee: str | None
    outcome: str
    outcome_note: str
    closed_on: dt.date | None
    escalated_on: dt.date | None

    @staticmethod
    def from_alert(alert: Alert) -> AlertOut:
        return AlertOut(
            id=alert.pk,
            number=alert.number,
            kind=alert.kind,
            kind_label=alert.kind_label,
            business_line=alert.business_line,
            division_code=alert.division_code,
            person_id=alert.person_id,
            household_id=alert.household_id,
            reason=alert.reason,
            action=alert.action,
            state=alert.state,
            raised_on=alert.raised_on,
            due_on=alert.due_on,
            assignee=alert.assignee.get_username() if alert.assignee else None,
            outcome=alert.outcome,
            outcome_note=alert.outcome_note,
            closed_on=alert.closed_on,
            escalated_on=alert.escalated_on,
        )


class AlertStepOut(Schema):
    transition: str
    on: dt.date
    actor: str | None
    note: str
    data: dict[str, Any]


class AlertDetailOut(AlertOut):
    data: dict[str, Any] = Field(description="The data behind the alert")
    timeline: list[AlertStepOut]


class AlertPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[AlertOut]


class AlertFilter(InputSchema):
    kind: str = Field("", max_length=60)
    state: Literal["", "open", "assigned", "closed"] = ""
    town: str = Field("", max_length=9, pattern=r"^([0-9]{9})?$")
    overdue: bool = False
    escalated: bool = False
    page: int = Field(1, ge=1, le=100_000)


class AssignIn(InputSchema):
    assignee: str = Field(max_length=150, description="The username of the assignee")
    note: str = Field("", max_length=500)


class CloseIn(InputSchema):
    outcome: Literal["enrolled", "not_eligible", "referred", "no_action", "done"]
    note: str = Field("", max_length=2000)


class AlertStatsOut(Schema):
    kind: str
    town_code: str
    town_name: str
    raised: int
    open: int
    overdue: int
    escalated: int
    closed: int
    median_days_to_close: float | None


def _detail(alert: Alert) -> AlertDetailOut:
    return AlertDetailOut(
        **AlertOut.from_alert(alert).dict(),
        data=alert.data,
        timeline=[
            AlertStepOut(
                transition=record.transition,
                on=record.on,
                actor=record.actor.get_username() if record.actor else None,
                note=record.note,
                data=record.data,
            )
            for record in selectors.alert_timeline(alert)
        ],
    )


@router.get("", response=AlertPage, operation_id="alerts_list")
def alerts_list(request: HttpRequest, filters: Query[AlertFilter]) -> AlertPage:
    alerts = selectors.alert_list(
        user=request.user,
        filters=selectors.AlertFilters(
            kind=filters.kind,
            state=filters.state,
            town=filters.town,
            overdue=filters.overdue,
            escalated=filters.escalated,
        ),
        on=timezone.localdate(),
    )
    start = (filters.page - 1) * PAGE_SIZE
    return AlertPage(
        count=alerts.count(),
        page=filters.page,
        page_size=PAGE_SIZE,
        items=[AlertOut.from_alert(alert) for alert in alerts[start : start + PAGE_SIZE]],
    )


@router.get("/stats", response=list[AlertStatsOut], operation_id="alerts_stats")
def alerts_stats(request: HttpRequest, since: dt.date | None = None) -> list[selectors.AlertStats]:
    return selectors.alert_stats(user=request.user, on=timezone.localdate(), since=since)


@router.get("/{alert_id}", response=AlertDetailOut, operation_id="alerts_get")
def alerts_get(request: HttpRequest, alert_id: int) -> AlertDetailOut:
    return _detail(selectors.alert_get(user=request.user, alert_id=alert_id))


@router.post("/{alert_id}/assign", response=AlertDetailOut, operation_id="alerts_assign")
def alerts_assign(request: HttpRequest, alert_id: int, body: AssignIn) -> AlertDetailOut:
    alert = selectors.alert_get(user=request.user, alert_id=alert_id)
    # Only handlers in the alert's scope are looked up: other usernames are not revealed.
    assignee = next(
        (user for user in selectors.assignable_users(alert) if user.username == body.assignee),
        None,
    )
    if assignee is None:
        raise services.AlertError(
            "承办人须为辖区内可处理该预警的工作人员", "the assignee cannot handle this alert"
        )
    services.alert_assign(
        acting_user=request.user,
        alert=alert,
        assignee=assignee,
        on=timezone.localdate(),
        note=body.note,
    )
    return _detail(alert)


@router.post("/{alert_id}/close", response=AlertDetailOut, operation_id="alerts_close")
def alerts_close(request: HttpRequest, alert_id: int, body: CloseIn) -> AlertDetailOut:
    alert = selectors.alert_get(user=request.user, alert_id=alert_id)
    services.alert_close(
        acting_user=request.user,
        alert=alert,
        outcome=body.outcome,
        note=body.note,
        on=timezone.localdate(),
    )
    return _detail(alert)
