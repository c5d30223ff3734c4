"""Reads shared by every workflow: a case's timeline, and the inbox of open cases in scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import F, QuerySet

from minzheng.accounts.jurisdiction import case_scope_prefix
from minzheng.accounts.models import User
from minzheng.workflow.definitions import Workflow
from minzheng.workflow.models import TransitionRecord

InboxFilter = Callable[[User, QuerySet], QuerySet]

# Each workflow, the model that carries it, and what of it belongs in an inbox; apps add
# theirs in AppConfig.ready().
WORKFLOW_MODELS: dict[str, tuple[Workflow, type[models.Model], InboxFilter | None]] = {}


def workflow_register(
    workflow: Workflow, model: type[models.Model], inbox_filter: InboxFilter | None = None
) -> None:
    """Declare the model of a workflow; `inbox_filter` narrows what its inbox lists."""
    WORKFLOW_MODELS[workflow.name] = (workflow, model, inbox_filter)


def timeline(*, workflow: Workflow, case: models.Model) -> QuerySet[TransitionRecord]:
    """Every step of a case, oldest first (the caller has already read the case in scope)."""
    return (
        TransitionRecord.objects.filter(workflow=workflow.name, object_id=case.pk)
        .select_related("actor")
        .order_by("pk")
    )


def cases_in_scope(*, user: User, workflow: Workflow, model: type[models.Model]) -> QuerySet:
    prefix = case_scope_prefix(user=user, business_line=workflow.business_line)
    if prefix is None:
        return model.objects.none()
    return model.objects.filter(division_code__startswith=prefix)


@dataclass(frozen=True)
class InboxItem:
    workflow: Workflow
    case: models.Model
    is_overdue: bool


def inbox(*, user: User, on: dt.date) -> list[InboxItem]:
    """Open cases of every workflow in the user's scope, the most urgent first."""
    items = []
    for workflow, model, inbox_filter in WORKFLOW_MODELS.values():
        open_cases = cases_in_scope(user=user, workflow=workflow, model=model).exclude(
            state__in=workflow.final
        )
        if inbox_filter is not None:
            open_cases = inbox_filter(user, open_cases)
        open_cases = open_cases.order_by(F("due_on").asc(nulls_last=True), "pk")
        for case in open_cases[:500]:
            items.append(InboxItem(workflow, case, case.due_on is not None and case.due_on < on))
    return sorted(items, key=lambda item: (item.case.due_on or dt.date.max, item.case.pk))
