"""Every write of an alert: raised in bulk by a rule, assigned, handled, escalated when overdue.

Raising is a bulk service for the rules that watch the city (monitoring, 政策找人, supervision):
a `key` names the fact behind an alert and is raised once, so a rule may run again and again.
Assigning and closing go through the shared workflow service, which checks role and
jurisdiction, records the step on the alert's timeline and writes the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from minzheng.accounts.jurisdiction import division_in_scope
from minzheng.accounts.models import Role, User
from minzheng.alerts.definitions import ALERT_KINDS, HANDLERS, alert_workflow
from minzheng.alerts.models import Alert, Outcome
from minzheng.audit.services import audit_record
from minzheng.workflow.models import TransitionRecord
from minzheng.workflow.services import WorkflowError, transition_check, transition_perform

# Keys per lookup: the database's parameter limit (SQLite's), else all at once (PostgreSQL).
KEYS_PER_QUERY = 50_000


@dataclass(frozen=True)
class AlertIn:
    kind: str
    key: str  # the fact behind the alert; an alert with this key is raised once
    division_code: str  # the village (or town) whose office handles it
    reason: str  # zh-Hans, one sentence a clerk understands
    data: dict[str, Any] = field(default_factory=dict)  # the data behind it; no clear ids
    person_id: int | None = None
    household_id: int | None = None


class AlertError(WorkflowError):
    """An alert step refused for what its input lacks; nothing was changed."""


@transaction.atomic
def alerts_raise(*, acting_user: User | None, alerts: Sequence[AlertIn], on: dt.date) -> int:
    """Create the alerts whose key was never raised; return how many were new.

    The caller has checked that its user may run the rule (None: the nightly task). One audit
    event records the run with the number raised by kind.
    """
    for alert in alerts:
        if alert.kind not in ALERT_KINDS:
            raise ValueError(f"unknown alert kind {alert.kind!r}")
    wanted = {alert.key: alert for alert in alerts}
    keys = list(wanted)
    existing: set[str] = set()
    chunk = connection.features.max_query_params or KEYS_PER_QUERY
    for start in range(0, len(keys), chunk):
        existing.update(
            Alert.objects.filter(key__in=keys[start : start + chunk]).values_list("key", flat=True)
        )
    new = [
        Alert(
            kind=alert.kind,
            business_line=ALERT_KINDS[alert.kind].business_line,
            division_code=alert.division_code,
            person_id=alert.person_id,
            household_id=alert.household_id,
            key=key,
            reason=alert.reason,
            data=alert.data,
            raised_on=on,
            due_on=on + dt.timedelta(days=ALERT_KINDS[alert.kind].due_days),
            state="open",
        )
        for key, alert in wanted.items()
        if key not in existing
    ]
    Alert.objects.bulk_create(new, batch_size=2000)
    if new:
        audit_record(
            actor=acting_user,
            action="alerts.raise",
            target=None,
            data={"on": on.isoformat(), "raised": dict(Counter(alert.kind for alert in new))},
        )
    return len(new)


def _assignee_problems(alert: Alert, assignee: User) -> list[tuple[str, str]]:
    fits = (
        assignee.is_active
        and assignee.role in HANDLERS
        and division_in_scope(user=assignee, division_code=alert.division_code)
        and (assignee.role != Role.CITY_STAFF or assignee.business_line == alert.business_line)
    )
    if fits:
        return []
    return [("承办人须为辖区内可处理该预警的工作人员", "the assignee cannot handle this alert")]


@transaction.atomic
def alert_assign(
    *, acting_user: User, alert: Alert, assignee: User, on: dt.date, note: str = ""
) -> TransitionRecord:
    """Give the alert to a worker whose scope covers it; its deadline stays."""
    workflow = alert_workflow(alert.business_line)
    transition_check(workflow=workflow, case=alert, name="assign", acting_user=acting_user)
    problems = _assignee_problems(alert, assignee)
    if problems:
        raise AlertError(problems[0][0], problems[0][1])
    return transition_perform(
        workflow=workflow,
        case=alert,
        name="assign",
        acting_user=acting_user,
        on=on,
        note=note.strip(),
        data={"assignee": assignee.get_username()},
        changes={"assignee": assignee, "due_on": alert.due_on},
    )


NOTE_REQUIRED = {
    Outcome.NO_ACTION: ("无需处理须说明理由", "no action needs a reason"),
    Outcome.REFERRED: ("转介须写明转介给谁", "a referral must say to whom"),
    Outcome.NOT_ELIGIBLE: ("请写明核实情况", "say what was found"),
}


@transaction.atomic
def alert_close(
    *, acting_user: User, alert: Alert, outcome: str, note: str, on: dt.date
) -> TransitionRecord:
    """Close the alert with its outcome (and the reason, for every outcome but enrolment)."""
    workflow = alert_workflow(alert.business_line)
    transition_check(workflow=workflow, case=alert, name="close", acting_user=acting_user)
    if outcome not in Outcome.values:
        raise AlertError(f"未知的处理结果“{outcome}”", f"unknown outcome {outcome!r}")
    if outcome in NOTE_REQUIRED and not note.strip():
        raise AlertError(*NOTE_REQUIRED[Outcome(outcome)])
    if on < alert.raised_on:
        raise AlertError("办结日期早于预警日期", "closed before it was raised")
    return transition_perform(
        workflow=workflow,
        case=alert,
        name="close",
        acting_user=acting_user,
        on=on,
        note=note.strip(),
        data={"outcome": outcome},
        changes={
            "outcome": outcome,
            "outcome_note": note.strip(),
            "closed_on": on,
            "due_on": alert.due_on,
        },
    )


@transaction.atomic
def alerts_escalate(*, acting_user: User | None, on: dt.date) -> int:
    """Send to the city every open alert past its deadline and not yet sent; return how many.

    Run daily (the nightly task, or `minzheng alerts escalate`). City staff of the alert's
    business line see escalated alerts in their inbox; each step is on the alert's timeline.
    """
    pending = Alert.objects.select_for_update().filter(
        state__in=("open", "assigned"), due_on__lt=on, escalated_on__isnull=True
    )
    overdue = list(pending.only("pk", "state", "business_line", "kind"))
    if not overdue:
        return 0
    pending.update(escalated_on=on)
    TransitionRecord.objects.bulk_create(
        [
            TransitionRecord(
                workflow=alert_workflow(alert.business_line).name,
                object_id=alert.pk,
                transition="escalate",
                from_state=alert.state,
                to_state=alert.state,
                actor=acting_user,
                on=on,
                note="超过处理期限，上报市局",
            )
            for alert in overdue
        ],
        batch_size=2000,
    )
    audit_record(
        actor=acting_user,
        action="alerts.escalate",
        target=None,
        data={"on": on.isoformat(), "escalated": dict(Counter(a.kind for a in overdue))},
    )
    return len(overdue)
