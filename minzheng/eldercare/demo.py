"""Demo data for every part of eldercare, made through the services where they check input.

`demo_eldercare_create` runs the parts in order: profiles and assessments, entitlements, home
services, meals, care visits and alarms, institutions; then last month's supervision of the
home-service visits and the providers' settlements, so that every page has something to show.
Each part's `<part>_demo.py` holds `demo_<part>(*, today, rng) -> dict[str, int]` (what it made,
for the demo's printout). A second run changes nothing.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from minzheng.accounts.models import User


def demo_eldercare_create(*, today: dt.date, seed: int) -> dict[str, int]:
    from minzheng.eldercare import (
        assessment_demo,
        care_demo,
        entitlement_demo,
        homecare_demo,
        institution_demo,
        meal_demo,
    )
    from minzheng.eldercare.models import Assessment, Provider
    from minzheng.eldercare.settlement import settlements_close_all
    from minzheng.eldercare.supervision import supervise
    from minzheng.rules.parameters import add_months

    if Assessment.objects.exists() or Provider.objects.exists():
        return {"已有养老服务演示数据，未改动 already there": 0}
    rng = np.random.default_rng(seed)
    made: dict[str, int] = {}
    for part in (
        assessment_demo.demo_assessment,
        entitlement_demo.demo_entitlement,
        homecare_demo.demo_homecare,
        meal_demo.demo_meal,
        care_demo.demo_care,
        institution_demo.demo_institution,
    ):
        made |= part(today=today, rng=rng)
    last_month = add_months(today.replace(day=1), -1)
    supervised = supervise(acting_user=None, month=last_month, on=today)
    city = User.objects.get(username="city_eldercare")
    settled = settlements_close_all(acting_user=city, month=last_month, today=today)
    made["上月上门服务疑点 visits flagged last month"] = supervised.flagged
    made["上月服务商结算 settlements"] = len(settled)
    return made
