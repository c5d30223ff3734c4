"""Alerts declared as data: each app registers the kinds of alert its rules raise.

An alert is a fact that needs someone to look at it (a recipient died, a household seems to
qualify for a programme it does not receive, a home-service visit looks wrong). The kinds are
declared by the apps that raise them; the one `Alert` model, its services (raise, assign,
handle, escalate) and its pages serve all of them. Alerts of a business line move through the
shared casework machinery as the workflow `alerts.<business line>`, so they appear in the
responsible office's inbox with their due date and their timeline.
"""

from __future__ import annotations

from dataclasses import dataclass

from minzheng.accounts.models import Role
from minzheng.workflow.definitions import Transition, Workflow

STATES = {
    "open": "待处理",
    "assigned": "已分派",
    "closed": "已处理",
}
HANDLERS = frozenset(
    {
        Role.TOWN_CLERK,
        Role.TOWN_APPROVER,
        Role.VILLAGE_WORKER,
        Role.CITY_STAFF,
        Role.CITY_ADMIN,
    }
)
ASSIGNERS = frozenset({Role.TOWN_CLERK, Role.TOWN_APPROVER, Role.CITY_STAFF, Role.CITY_ADMIN})


@dataclass(frozen=True)
class AlertKind:
    code: str  # "<app>.<what>", e.g. "assistance.recipient_died"
    label: str  # zh-Hans
    business_line: str  # accounts.BusinessLine: whose staff handle it
    action: str  # zh-Hans: what the office is asked to do
    due_days: int  # days from raising to the deadline (escalated to the city after it)


ALERT_KINDS: dict[str, AlertKind] = {}
ALERT_WORKFLOWS: dict[str, Workflow] = {}


def alert_workflow(business_line: str) -> Workflow:
    """The workflow of the alerts of one business line (one per line, same states)."""
    if business_line not in ALERT_WORKFLOWS:
        ALERT_WORKFLOWS[business_line] = Workflow(
            name=f"alerts.{business_line}",
            business_line=business_line,
            states=STATES,
            final=frozenset({"closed"}),
            transitions=(
                Transition("assign", "分派", ("open", "assigned"), "assigned", ASSIGNERS),
                Transition("close", "处理完毕", ("open", "assigned"), "closed", HANDLERS),
            ),
        )
    return ALERT_WORKFLOWS[business_line]


def alert_kind_register(kind: AlertKind) -> None:
    """Declare a kind of alert, from an app's AppConfig.ready() (when the models are loaded).

    The first kind of a business line registers that line's alert workflow, so its alerts
    reach the inbox.
    """
    from minzheng.alerts.models import Alert
    from minzheng.alerts.selectors import inbox_filter
    from minzheng.workflow.selectors import workflow_register

    ALERT_KINDS[kind.code] = kind
    workflow_register(alert_workflow(kind.business_line), Alert, inbox_filter(kind.business_line))
