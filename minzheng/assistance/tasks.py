"""The nightly task: escalation, monitoring, the review schedule, 政策找人 and eldercare's rules
(reassessments, longevity lists, care tiers and missed visits, supervision, institutions).

Enqueued by `minzheng nightly` (from cron, once a night) and run by `minzheng db_worker`
(django-tasks with its database backend: no broker); `minzheng nightly --now` runs it inline.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django_tasks import task

from minzheng.alerts.services import alerts_escalate
from minzheng.assistance.monitoring import monitoring_run
from minzheng.assistance.screening import find_people_run, reviews_due_run
from minzheng.eldercare.tasks import eldercare_nightly_run
from minzheng.rules.parameters import add_months


def nightly_run(on: dt.date) -> dict[str, Any]:
    """Every nightly rule for the date `on`, as the system (no acting user)."""
    month = on.replace(day=1)
    escalated = alerts_escalate(acting_user=None, on=on)
    monitored = [
        monitoring_run(acting_user=None, month=signals_month, on=on)
        for signals_month in (add_months(month, -1), month)
    ]
    reviews = reviews_due_run(acting_user=None, on=on)
    found = find_people_run(acting_user=None, as_of=f"{month:%Y-%m}", on=on)
    eldercare = eldercare_nightly_run(on)
    return {
        "on": on.isoformat(),
        "escalated": escalated,
        "monitoring": {f"{result.month:%Y-%m}": result.raised for result in monitored},
        "reviews_due": reviews,
        "find_people": {
            "households": found.households,
            "eligible_not_receiving": found.eligible_not_receiving,
            "no_longer_eligible": found.no_longer_eligible,
            "raised": found.raised,
        },
        "eldercare": eldercare,
    }


@task()
def nightly(on: str) -> dict[str, Any]:
    return nightly_run(dt.date.fromisoformat(on))
