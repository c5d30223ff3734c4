"""What a death ends in eldercare, part by part (called by the after-death bundle).

Each part stops what belongs to it and returns Chinese lines saying what it stopped: the
longevity allowance and the home-service subsidy after the month of death, home-service plans
and planned visits, meal registrations, care-visit reminders, devices and open alarms, an
institution's residence (and the refund of prepaid fees that follows).
"""

from __future__ import annotations

import datetime as dt
from importlib import import_module

from minzheng.accounts.models import User
from minzheng.registry.models import Person

# (module, function) of each part's effects, in the order they run.
PARTS = (
    ("minzheng.eldercare.entitlements", "entitlement_death_effects"),
    ("minzheng.eldercare.homecare", "homecare_death_effects"),
    ("minzheng.eldercare.supervision", "supervision_death_effects"),
    ("minzheng.eldercare.meals", "meal_death_effects"),
    ("minzheng.eldercare.care", "care_death_effects"),
    ("minzheng.eldercare.institutions", "institution_death_effects"),
)


def person_death_effects(*, acting_user: User, person: Person, on: dt.date) -> list[str]:
    lines: list[str] = []
    for module, name in PARTS:
        effect = getattr(import_module(module), name)
        lines += effect(acting_user=acting_user, person=person, on=on)
    return lines
