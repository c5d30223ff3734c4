"""The after-death bundle (身后一件事): one request that records a death and ends what it ends.

An orchestrator: it calls the registry, then each app that holds something of the person, in
turn, in one transaction (ARCHITECTURE: cross-app effects are explicit calls, not signals). The
apps never call back. Disability and the rest add their call here when they exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from minzheng.accounts.models import User
from minzheng.assistance.services import person_death_effects
from minzheng.eldercare import effects as eldercare_effects
from minzheng.registry.models import Person
from minzheng.registry.services import person_record_death
from minzheng.workflow.models import TransitionRecord


@dataclass(frozen=True)
class AfterDeath:
    person: Person
    assistance: list[TransitionRecord]
    eldercare: list[str]  # what eldercare stopped, in words


@transaction.atomic
def after_death_bundle(*, acting_user: User, person: Person, death_date: dt.date) -> AfterDeath:
    """Record the death in the registry, then stop or adjust the person's assistance and end
    their eldercare entitlements, services, visits and residence."""
    person = person_record_death(acting_user=acting_user, person=person, death_date=death_date)
    records = person_death_effects(acting_user=acting_user, person=person, death_date=death_date)
    eldercare = eldercare_effects.person_death_effects(
        acting_user=acting_user, person=person, on=death_date
    )
    return AfterDeath(person=person, assistance=records, eldercare=eldercare)
