"""Eldercare's part of the nightly task: every rule that raises eldercare alerts, for `on`.

Run by `minzheng nightly` with the assistance rules. Alarms past their arrival target are also
checked here, but they need a shorter cycle: run `minzheng care alarms` every few minutes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from minzheng.eldercare.assessments import reassessment_alerts_raise
from minzheng.eldercare.care import alarms_overdue_alert, risk_tiers_assign, visits_missed_alert
from minzheng.eldercare.entitlements import longevity_month_prepare
from minzheng.eldercare.institutions import hazards_overdue_alert, prepaid_check
from minzheng.eldercare.supervision import supervise
from minzheng.rules.parameters import add_months


def eldercare_nightly_run(on: dt.date) -> dict[str, Any]:
    month = on.replace(day=1)
    longevity = longevity_month_prepare(acting_user=None, month=month, today=on)
    tiers = risk_tiers_assign(acting_user=None, month=month)
    supervised = [
        supervise(acting_user=None, month=visits_month, on=on)
        for visits_month in (add_months(month, -1), month)
    ]
    _findings, prepaid_alerts = prepaid_check(acting_user=None, on=on)
    _hazards, hazard_alerts = hazards_overdue_alert(acting_user=None, on=on)
    return {
        "reassessments_due": reassessment_alerts_raise(on=on),
        "longevity": {"persons": longevity.persons, **longevity.counts},
        "risk_tiers": tiers.by_tier,
        "visits_missed": visits_missed_alert(acting_user=None, on=on),
        "alarms_overdue": alarms_overdue_alert(acting_user=None, at=timezone.now()),
        "supervision": {
            f"{result.month:%Y-%m}": {"visits": result.visits, "held": result.flagged}
            for result in supervised
        },
        "prepaid_alerts": prepaid_alerts,
        "hazards_overdue": hazard_alerts,
    }
