"""The one inbox: open cases of every workflow in the user's scope, the most urgent first."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from minzheng.workflow.selectors import inbox

router = Router(tags=["workflow"])


class InboxItemOut(Schema):
    workflow: str
    case_id: int
    number: str
    state: str
    due_on: dt.date | None
    is_overdue: bool


@router.get("/inbox", response=list[InboxItemOut], operation_id="workflow_inbox")
def inbox_list(request: HttpRequest) -> list[InboxItemOut]:
    return [
        InboxItemOut(
            workflow=item.workflow.name,
            case_id=item.case.pk,
            number=str(item.case),
            state=item.case.state,
            due_on=item.case.due_on,
            is_overdue=item.is_overdue,
        )
        for item in inbox(user=request.user, on=timezone.localdate())
    ]
