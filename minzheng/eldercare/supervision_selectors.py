"""Reads of supervision and settlements, each filtered by the caller's scope.

The office (town or city) sees the visits of the elders in its divisions; a provider's manager
sees the provider's visits, a caregiver their own. Settlements are city-wide: the city's staff
and the auditor read all of them, a provider's manager their own.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from minzheng.accounts.models import Role, User
from minzheng.eldercare.access import caregiver_of, provider_of, read_prefix
from minzheng.eldercare.models import Provider, Settlement, WorkOrder
from minzheng.eldercare.settlement import settlement_read_allowed
from minzheng.eldercare.supervision import FLAGS, month_bounds
from minzheng.registry.models import Division


def visit_scope(user: User) -> Q | None:
    """The visits the user may read, as a filter; None: none."""
    if user.is_authenticated and user.role == Role.PROVIDER:
        provider = provider_of(user)
        if provider is None:
            return None
        caregiver = caregiver_of(user)
        staff = getattr(user, "provider_staff", None)
        if caregiver is not None and not (staff is not None and staff.is_manager):
            return Q(provider=provider, caregiver=caregiver)
        return Q(provider=provider)
    prefix = read_prefix(user)
    return None if prefix is None else Q(division_code__startswith=prefix)


def _scoped(user: User) -> QuerySet[WorkOrder]:
    scope = visit_scope(user)
    return WorkOrder.objects.none() if scope is None else WorkOrder.objects.filter(scope)


@dataclass(frozen=True)
class SupervisionFilters:
    month: dt.date
    town: str = ""  # a 9-digit town code
    provider: int | None = None
    code: str = ""  # a flag code
    status: str = ""  # "" all flagged, "held", "cleared", "refused"


@dataclass(frozen=True)
class SummaryRow:
    town_code: str
    town_name: str
    provider_id: int
    provider_name: str
    code: str
    code_label: str
    flagged: int
    held: int
    cleared: int
    refused: int


def _flagged(user: User, filters: SupervisionFilters) -> QuerySet[WorkOrder]:
    first, last = month_bounds(filters.month)
    orders = (
        _scoped(user)
        .filter(scheduled_on__gte=first, scheduled_on__lte=last, state__in=("done", "refused"))
        .exclude(flags=[])
    )
    if filters.town:
        orders = orders.filter(division_code__startswith=filters.town)
    if filters.provider:
        orders = orders.filter(provider_id=filters.provider)
    if filters.status == "held":
        orders = orders.filter(state="done", flags_cleared=False)
    elif filters.status == "cleared":
        orders = orders.filter(flags_cleared=True)
    elif filters.status == "refused":
        orders = orders.filter(state="refused")
    return orders


def supervision_summary(*, user: User, filters: SupervisionFilters) -> list[SummaryRow]:
    """Flagged visits of the month by town, provider and flag code."""
    rows = _flagged(user, filters).values_list(
        "division_code", "provider_id", "flags", "flags_cleared", "state"
    )
    counts: Counter[tuple[str, int, str, str]] = Counter()
    for division_code, provider_id, flags, cleared, state in rows.iterator(chunk_size=5000):
        status = "refused" if state == "refused" else "cleared" if cleared else "held"
        for flag in flags:
            if filters.code and flag["code"] != filters.code:
                continue
            counts[(division_code[:9], provider_id, flag["code"], status)] += 1
    towns = dict(
        Division.objects.filter(code__in={key[0] for key in counts}).values_list("code", "name")
    )
    providers = dict(
        Provider.objects.filter(pk__in={key[1] for key in counts}).values_list("pk", "name")
    )
    groups = sorted(
        {key[:3] for key in counts},
        key=lambda key: (key[0], providers[key[1]], list(FLAGS).index(key[2])),
    )
    return [
        SummaryRow(
            town_code=town,
            town_name=towns.get(town, town),
            provider_id=provider,
            provider_name=providers[provider],
            code=code,
            code_label=FLAGS.get(code, code),
            flagged=sum(counts[(town, provider, code, s)] for s in ("held", "cleared", "refused")),
            held=counts[(town, provider, code, "held")],
            cleared=counts[(town, provider, code, "cleared")],
            refused=counts[(town, provider, code, "refused")],
        )
        for town, provider, code in groups
    ]


def flagged_orders(*, user: User, filters: SupervisionFilters) -> list[WorkOrder]:
    """The month's flagged visits in scope, oldest first."""
    orders = (
        _flagged(user, filters)
        .select_related("item", "person", "provider", "caregiver")
        .order_by("scheduled_on", "pk")
    )
    if not filters.code:
        return list(orders)
    return [order for order in orders if any(flag["code"] == filters.code for flag in order.flags)]


def flagged_order_get(*, user: User, order_id: int) -> WorkOrder:
    order = (
        _scoped(user)
        .select_related("item", "person", "provider", "caregiver", "settlement")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise Http404
    return order


def _managed_provider(user: User) -> Provider | None:
    provider = provider_of(user)
    staff = getattr(user, "provider_staff", None) if provider is not None else None
    return provider if staff is not None and staff.is_manager else None


def settlements_readable(user: User) -> bool:
    """The city's staff and the auditor (city-wide scope), or a provider's manager."""
    city_wide = read_prefix(user) == "320582" and user.role != Role.PROVIDER
    return city_wide or _managed_provider(user) is not None


def settlements(*, user: User, month: dt.date | None = None) -> QuerySet[Settlement]:
    """The settlements the user may read, newest month first."""
    result = Settlement.objects.select_related("provider", "closed_by").order_by(
        "-month", "provider__name"
    )
    if month is not None:
        result = result.filter(month=month.replace(day=1))
    if read_prefix(user) == "320582" and user.role != Role.PROVIDER:
        return result
    provider = _managed_provider(user)
    return result.none() if provider is None else result.filter(provider=provider)


def settlement_get(*, user: User, settlement_id: int) -> Settlement:
    settlement = (
        Settlement.objects.select_related("provider", "closed_by").filter(pk=settlement_id).first()
    )
    if settlement is None or not settlement_read_allowed(user, settlement):
        raise Http404
    return settlement


def held_orders(settlement: Settlement) -> list[WorkOrder]:
    """The visits the settlement held back, as they stand now."""
    numbers = [number for line in settlement.lines for number in line["held"]]
    return list(
        WorkOrder.objects.filter(number__in=numbers)
        .select_related("person", "item", "settlement")
        .order_by("scheduled_on", "pk")
    )


def providers_for_filter(user: User) -> list[Provider]:
    provider = provider_of(user)
    if provider is not None:
        return [provider]
    return list(Provider.objects.order_by("name"))
