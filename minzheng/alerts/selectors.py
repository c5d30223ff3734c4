"""Reads of alerts, already filtered by the caller's scope and business line."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from statistics import median

from django.db.models import Q, QuerySet
from django.http import Http404

from minzheng.accounts.jurisdiction import case_scope_prefix, user_scope_prefix
from minzheng.accounts.models import CITY_CODE, Role, User
from minzheng.alerts.definitions import ALERT_WORKFLOWS, HANDLERS, alert_workflow
from minzheng.alerts.models import Alert
from minzheng.registry.models import Division, DivisionKind
from minzheng.workflow.models import TransitionRecord
from minzheng.workflow.selectors import timeline

TOWN_KINDS = (DivisionKind.TOWN, DivisionKind.STREET, DivisionKind.PARK)


def alerts_in_scope(user: User) -> QuerySet[Alert]:
    """The alerts of the business lines the user works in, inside the user's scope."""
    scope = Q(pk__in=[])
    for line in ALERT_WORKFLOWS:
        prefix = case_scope_prefix(user=user, business_line=line)
        if prefix is not None:
            scope |= Q(business_line=line, division_code__startswith=prefix)
    return Alert.objects.filter(scope)


def inbox_filter(business_line: str) -> Callable[[User, QuerySet], QuerySet]:
    """What of a business line's open alerts belongs in an inbox (the one `Alert` model serves
    every line's alert workflow): the line's own; the city sees those escalated to it."""

    def narrowed(user: User, alerts: QuerySet) -> QuerySet:
        alerts = alerts.filter(business_line=business_line)
        if user_scope_prefix(user) == CITY_CODE:
            return alerts.filter(escalated_on__isnull=False)
        return alerts

    return narrowed


@dataclass(frozen=True)
class AlertFilters:
    kind: str = ""
    state: str = ""
    town: str = ""  # a 9-digit town code
    overdue: bool = False
    escalated: bool = False


def alert_list(*, user: User, filters: AlertFilters, on: dt.date) -> QuerySet[Alert]:
    alerts = alerts_in_scope(user).select_related("person", "household", "assignee")
    if filters.kind:
        alerts = alerts.filter(kind=filters.kind)
    if filters.state:
        alerts = alerts.filter(state=filters.state)
    if filters.town:
        alerts = alerts.filter(division_code__startswith=filters.town)
    if filters.overdue:
        alerts = alerts.filter(state__in=("open", "assigned"), due_on__lt=on)
    if filters.escalated:
        alerts = alerts.filter(escalated_on__isnull=False)
    return alerts.order_by("due_on", "pk")


def alert_get(*, user: User, alert_id: int) -> Alert:
    """One alert in the user's scope; any other id is simply not found."""
    alert = (
        alerts_in_scope(user)
        .select_related("person", "household", "assignee")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        raise Http404
    return alert


def assignable_users(alert: Alert) -> list[User]:
    """Active users who may handle this alert: its line's handlers whose scope covers it."""
    prefixes = [alert.division_code[:length] for length in (6, 9, 12)]
    candidates = (
        User.objects.filter(is_active=True, role__in=HANDLERS, division_code__in=prefixes)
        .filter(~Q(role=Role.CITY_STAFF) | Q(business_line=alert.business_line))
        .order_by("division_code", "username")
    )
    return list(candidates)


def alert_timeline(alert: Alert) -> QuerySet[TransitionRecord]:
    return timeline(workflow=alert_workflow(alert.business_line), case=alert)


@dataclass
class AlertStats:
    kind: str
    town_code: str
    town_name: str
    raised: int = 0
    open: int = 0
    overdue: int = 0
    escalated: int = 0
    closed: int = 0
    median_days_to_close: float | None = None


def alert_stats(*, user: User, on: dt.date, since: dt.date | None = None) -> list[AlertStats]:
    """Alerts by kind and town: raised, open, overdue, escalated, closed, days to close."""
    alerts = alerts_in_scope(user)
    if since is not None:
        alerts = alerts.filter(raised_on__gte=since)
    towns = dict(Division.objects.filter(kind__in=TOWN_KINDS).values_list("code", "name"))
    rows: dict[tuple[str, str], AlertStats] = {}
    days: dict[tuple[str, str], list[int]] = defaultdict(list)
    values = alerts.values_list("kind", "division_code", "state", "due_on", "escalated_on")
    for kind, division, state, due_on, escalated_on in values.iterator(chunk_size=5000):
        key = (kind, division[:9])
        row = rows.get(key)
        if row is None:
            row = rows[key] = AlertStats(kind, key[1], towns.get(key[1], key[1]))
        row.raised += 1
        if state == "closed":
            row.closed += 1
        else:
            row.open += 1
            row.overdue += due_on is not None and due_on < on
        row.escalated += escalated_on is not None
    closed = alerts.filter(state="closed").values_list(
        "kind", "division_code", "raised_on", "closed_on"
    )
    for kind, division, raised_on, closed_on in closed.iterator(chunk_size=5000):
        days[(kind, division[:9])].append((closed_on - raised_on).days)
    for key, values_ in days.items():
        rows[key].median_days_to_close = float(median(values_))
    return sorted(rows.values(), key=lambda row: (row.kind, row.town_code))


def stats_totals(rows: list[AlertStats]) -> AlertStats:
    """The sum of the rows (the median of days to close is not summed: left empty)."""
    total = AlertStats("", "", "")
    for row in rows:
        total.raised += row.raised
        total.open += row.open
        total.overdue += row.overdue
        total.escalated += row.escalated
        total.closed += row.closed
    return total
