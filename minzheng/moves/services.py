"""The move bundles: one request records a move in the registry and adjusts what it changes.

Orchestrators, like the after-death bundle: they call the registry, then each app that holds
something of the household the person leaves, in turn, in one transaction (ARCHITECTURE:
cross-app effects are explicit calls, not signals). The apps never call back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from minzheng.accounts.models import User
from minzheng.assistance.services import person_departure_effects
from minzheng.registry.models import Household, Membership, Person
from minzheng.registry.services import person_leave_city, person_move
from minzheng.workflow.models import TransitionRecord


@dataclass(frozen=True)
class AfterMove:
    membership: Membership  # the new one (a move within the city) or the one ended
    assistance: list[TransitionRecord]


def _current(person: Person) -> Membership | None:
    return (
        Membership.objects.filter(person=person, valid_to__isnull=True)
        .select_related("household")
        .first()
    )


@transaction.atomic
def person_move_bundle(
    *, acting_user: User, person: Person, to_household: Household, relation: str, on: dt.date
) -> AfterMove:
    """Move a person to another household of the city; the household left is adjusted."""
    left = _current(person)
    membership = person_move(
        acting_user=acting_user, person=person, to_household=to_household, relation=relation, on=on
    )
    records = []
    if left is not None:
        records = person_departure_effects(
            acting_user=acting_user,
            person=person,
            household=left.household,
            relation=left.relation,
            on=on,
        )
    return AfterMove(membership=membership, assistance=records)


@transaction.atomic
def leave_city_bundle(
    *, acting_user: User, person: Person, on: dt.date, destination: str
) -> AfterMove:
    """Record a move out of the city; the household left is adjusted or its payment stopped."""
    ended = person_leave_city(
        acting_user=acting_user, person=person, on=on, destination=destination
    )
    records = person_departure_effects(
        acting_user=acting_user,
        person=person,
        household=ended.household,
        relation=ended.relation,
        on=on,
    )
    return AfterMove(membership=ended, assistance=records)
