"""Demo data for every part of eldercare, made through the services where they check input.

`demo_eldercare_create` runs the parts in order: profiles and assessments, entitlements, home
services, meals, care visits and alarms, institutions. Each part's `<part>_demo.py` holds
`demo_<part>(*, today, rng) -> dict[str, int]` (what it made, for the demo's printout).
"""

from __future__ import annotations

import datetime as dt

import numpy as np


def demo_eldercare_create(*, today: dt.date, seed: int) -> dict[str, int]:
    from minzheng.eldercare import (
        assessment_demo,
        care_demo,
        entitlement_demo,
        homecare_demo,
        institution_demo,
        meal_demo,
    )

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
    return made
