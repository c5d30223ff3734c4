"""Reads of 老年助餐, each filtered by the caller's scope: a town (or village) sees the points
in its division and their elders; a provider's staff see only the points their provider runs."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import Http404

from minzheng.accounts.models import Role, User
from minzheng.eldercare.access import provider_of, read_prefix
from minzheng.eldercare.meal_models import (
    MealPoint,
    MealRecord,
    MealRegistration,
    MealSettlement,
)
from minzheng.registry.models import Person
from minzheng.rules.parameters import month_end


def _point_filter(user: User, prefix: str = "") -> Q:
    if user.is_authenticated and user.role == Role.PROVIDER:
        provider = provider_of(user)
        if provider is None:
            return Q(pk__in=[])
        return Q(**{f"{prefix}operator": provider})
    scope = read_prefix(user)
    if scope is None:
        return Q(pk__in=[])
    return Q(**{f"{prefix}division_code__startswith": scope})


def meal_points_visible(*, user: User) -> QuerySet[MealPoint]:
    return MealPoint.objects.filter(_point_filter(user)).select_related("operator")


def meal_point_get(*, user: User, point_id: int) -> MealPoint:
    point = meal_points_visible(user=user).filter(pk=point_id).first()
    if point is None:
        raise Http404("no such meal point")
    return point


def meal_registrations(*, user: User, point: MealPoint) -> QuerySet[MealRegistration]:
    """The point's registrations (the point was read through `meal_point_get`)."""
    return (
        MealRegistration.objects.filter(point=point)
        .filter(_point_filter(user, "point__"))
        .select_related("person")
        .order_by("valid_to", "person__name", "pk")
    )


def meal_registration_get(*, user: User, registration_id: int) -> MealRegistration:
    registration = (
        MealRegistration.objects.filter(_point_filter(user, "point__"), pk=registration_id)
        .select_related("person", "point")
        .first()
    )
    if registration is None:
        raise Http404("no such registration")
    return registration


def meal_records(
    *, user: User, point: MealPoint, month: dt.date | None = None
) -> QuerySet[MealRecord]:
    records = MealRecord.objects.filter(_point_filter(user, "point__"), point=point)
    if month is not None:
        records = records.filter(served_on__gte=month, served_on__lte=month_end(month))
    return records.select_related("person").order_by("-served_on", "-pk")


def meal_settlements(*, user: User, point: MealPoint) -> QuerySet[MealSettlement]:
    return MealSettlement.objects.filter(_point_filter(user, "point__"), point=point)


def meal_settlement_get(*, user: User, settlement_id: int) -> MealSettlement:
    settlement = (
        MealSettlement.objects.filter(_point_filter(user, "point__"), pk=settlement_id)
        .select_related("point")
        .first()
    )
    if settlement is None:
        raise Http404("no such settlement")
    return settlement


def meal_person_for_registration(*, user: User, person_id: int) -> Person | None:
    """A person the user may register for meals (in the user's scope), or None."""
    scope = read_prefix(user)
    if scope is None:
        return None
    return Person.objects.filter(pk=person_id, residence_division__code__startswith=scope).first()


def meal_person_for_record(*, point: MealPoint, person_id: int) -> Person | None:
    """A person ever registered with the point (whom the point may record meals for), or
    None: the service then refuses the meal as at a point the elder is not registered with."""
    return Person.objects.filter(pk=person_id, meal_registrations__point=point).distinct().first()


def meal_person_by_id_number(*, user: User, id_number: str) -> Person | None:
    """A person of the user's scope by id number (the registration form), or None."""
    scope = read_prefix(user)
    if scope is None:
        return None
    return (
        Person.objects.with_id_number(id_number.strip().upper())
        .filter(residence_division__code__startswith=scope)
        .first()
    )
