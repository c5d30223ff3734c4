"""The one way a case of any workflow changes state: checked, recorded, audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils.translation import gettext as _

from minzheng.accounts.jurisdiction import workflow_transition_check
from minzheng.accounts.models import Role, User
from minzheng.audit.services import audit_record
from minzheng.workflow.definitions import Transition, Workflow
from minzheng.workflow.models import TransitionRecord


class WorkflowError(Exception):
    """A transition that does not apply to the case as it stands; nothing was changed."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} ({message_en})")
        self.message_zh = message_zh
        self.message_en = message_en


@transaction.atomic
def transition_check(
    *, workflow: Workflow, case: models.Model, name: str, acting_user: User
) -> Transition:
    """Raise unless the user may make this step of this case now: role, scope, then state.

    Services call it before they validate their input, so that someone who may not act learns
    nothing else about the case.
    """
    if case.pk is not None:  # lock the row and read it afresh: two people cannot act at once
        type(case).objects.select_for_update().filter(pk=case.pk).exists()
        case.refresh_from_db()
    try:
        transition = workflow.transition(name)
    except KeyError:
        raise WorkflowError(f"没有“{name}”这一环节", f"no transition {name!r}") from None
    if workflow.party_check is not None and acting_user.role == Role.PROVIDER:
        allowed = acting_user.is_active and acting_user.role in transition.roles
        if not (allowed and workflow.party_check(acting_user, case)):
            raise PermissionDenied(_("您无权办理该环节"))
    else:
        workflow_transition_check(
            user=acting_user,
            roles=transition.roles,
            division_code=case.division_code,
            # A step made only by a service on a fact (a death) follows that fact's recorder.
            business_line=workflow.business_line if transition.manual else None,
        )
    current = getattr(case, "state", "") or ""
    if current not in transition.sources:
        raise WorkflowError(
            f"办件当前为“{workflow.states.get(current, current)}”，不能{transition.label}",
            f"the case is {current or 'new'}; {name} is not allowed",
        )
    return transition


@transaction.atomic
def transition_perform(
    *,
    workflow: Workflow,
    case: models.Model,
    name: str,
    acting_user: User,
    on: dt.date,
    note: str = "",
    data: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
) -> TransitionRecord:
    """Move `case` along transition `name`, setting `changes` on it; record and audit the step.

    The case model has `state`, `due_on` and `division_code` fields. A saved case is locked
    and re-read first (the caller's object is refreshed), so two people cannot move it at once.
    """
    transition = transition_check(workflow=workflow, case=case, name=name, acting_user=acting_user)
    current = getattr(case, "state", "") or ""
    case.state = transition.target
    case.due_on = on + dt.timedelta(days=transition.due_days) if transition.due_days else None
    for field, value in (changes or {}).items():
        setattr(case, field, value)
    case.save()
    record = TransitionRecord.objects.create(
        workflow=workflow.name,
        object_id=case.pk,
        transition=name,
        from_state=current,
        to_state=transition.target,
        actor=acting_user,
        on=on,
        note=note,
        data=data or {},
    )
    audit_record(
        actor=acting_user,
        action=f"{workflow.name}.{name}",
        target=case,
        data={"from": current, "to": transition.target, "on": on.isoformat(), "note": note},
        division_code=case.division_code,
    )
    return record
