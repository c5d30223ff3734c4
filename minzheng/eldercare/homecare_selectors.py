"""Reads of home services, each filtered by the caller's scope.

- The office (town, village, city eldercare staff, city administrator, auditor) reads the plans
  and orders of the elders in its division scope, and every provider and the catalogue.
- A provider's manager reads only its own provider: its caregivers, plans, orders and the
  elders in them (name and address, never the id number); a caregiver only their own orders.
- Anyone else reads nothing (PermissionDenied for a list, 404 for an object).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from minzheng.accounts.models import User
from minzheng.eldercare.access import caregiver_of, provider_of, read_prefix
from minzheng.eldercare.models import (
    CallBack,
    Caregiver,
    Provider,
    ServiceItem,
    ServicePlan,
    WorkOrder,
)
from minzheng.registry.models import Membership
from minzheng.rules.parameters import month_end
from minzheng.workflow.models import TransitionRecord


@dataclass(frozen=True)
class Scope:
    """What one user may read: a division prefix (the office) or one provider's objects."""

    prefix: str | None = None
    provider_id: int | None = None
    is_manager: bool = False
    caregiver_id: int | None = None

    @property
    def is_office(self) -> bool:
        return self.prefix is not None

    @property
    def is_provider(self) -> bool:
        return self.provider_id is not None


def homecare_scope(user: User) -> Scope:
    provider = provider_of(user)
    if provider is not None:
        caregiver = caregiver_of(user)
        return Scope(
            provider_id=provider.pk,
            is_manager=user.provider_staff.is_manager,
            caregiver_id=caregiver.pk if caregiver is not None else None,
        )
    return Scope(prefix=read_prefix(user))


def _scope_or_deny(user: User) -> Scope:
    scope = homecare_scope(user)
    if not (scope.is_office or scope.is_provider):
        raise PermissionDenied(_("您无权查看居家上门服务"))
    return scope


def provider_list(*, user: User) -> QuerySet[Provider]:
    scope = _scope_or_deny(user)
    providers = Provider.objects.annotate(
        caregiver_count=Count("caregivers", distinct=True),
        plan_count=Count("plans", distinct=True),
    ).order_by("name")
    if scope.is_provider:
        providers = providers.filter(pk=scope.provider_id)
    return providers


def provider_get(*, user: User, provider_id: int) -> Provider:
    provider = provider_list(user=user).filter(pk=provider_id).first()
    if provider is None:
        raise Http404
    return provider


@dataclass(frozen=True)
class ProviderCounts:
    caregivers: int
    plans_active: int
    orders_by_state: dict[str, int]


def provider_counts(*, user: User, provider: Provider, on: dt.date) -> ProviderCounts:
    """The provider's caregivers, active plans and orders by state, as far as the user sees."""
    plans = plan_list(user=user).filter(provider=provider)
    active = plans.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
    orders = order_list(user=user).filter(provider=provider)
    by_state = dict(orders.order_by().values_list("state").annotate(count=Count("pk")))
    return ProviderCounts(
        caregivers=provider.caregivers.count(),
        plans_active=active.count(),
        orders_by_state=by_state,
    )


def caregiver_list(*, user: User, provider: Provider) -> QuerySet[Caregiver]:
    scope = _scope_or_deny(user)
    if scope.is_provider and (scope.provider_id != provider.pk or not scope.is_manager):
        raise PermissionDenied(_("只能查看本服务商的护理员"))
    return Caregiver.objects.filter(provider=provider).select_related("user").order_by("name")


def caregiver_get(*, user: User, caregiver_id: int) -> Caregiver:
    scope = _scope_or_deny(user)
    caregivers = Caregiver.objects.select_related("provider", "user")
    if scope.is_provider:
        caregivers = caregivers.filter(provider_id=scope.provider_id if scope.is_manager else -1)
    caregiver = caregivers.filter(pk=caregiver_id).first()
    if caregiver is None:
        raise Http404
    return caregiver


def item_list(*, user: User, active_only: bool = False) -> QuerySet[ServiceItem]:
    _scope_or_deny(user)
    items = ServiceItem.objects.order_by("code")
    return items.filter(active=True) if active_only else items


def item_get(*, user: User, item_id: int) -> ServiceItem:
    item = item_list(user=user).filter(pk=item_id).first()
    if item is None:
        raise Http404
    return item


@dataclass(frozen=True)
class PlanFilters:
    provider_id: int | None = None
    town: str = ""
    active_on: dt.date | None = None
    person_id: int | None = None


def plan_list(*, user: User, filters: PlanFilters | None = None) -> QuerySet[ServicePlan]:
    scope = _scope_or_deny(user)
    plans = ServicePlan.objects.select_related("person", "provider").prefetch_related("items__item")
    if scope.is_office:
        plans = plans.filter(division_code__startswith=scope.prefix)
    elif scope.is_manager:
        plans = plans.filter(provider_id=scope.provider_id)
    else:
        plans = plans.none()
    filters = filters or PlanFilters()
    if filters.provider_id:
        plans = plans.filter(provider_id=filters.provider_id)
    if filters.town:
        plans = plans.filter(division_code__startswith=filters.town)
    if filters.person_id:
        plans = plans.filter(person_id=filters.person_id)
    if filters.active_on:
        plans = plans.filter(valid_from__lte=filters.active_on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=filters.active_on)
        )
    return plans.order_by("-valid_from", "-pk")


def plan_get(*, user: User, plan_id: int) -> ServicePlan:
    plan = plan_list(user=user).filter(pk=plan_id).first()
    if plan is None:
        raise Http404
    return plan


@dataclass(frozen=True)
class OrderFilters:
    state: str = ""
    provider_id: int | None = None
    town: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    caregiver_id: int | None = None
    plan_id: int | None = None


def order_list(*, user: User, filters: OrderFilters | None = None) -> QuerySet[WorkOrder]:
    scope = _scope_or_deny(user)
    orders = WorkOrder.objects.select_related("item", "person", "provider", "caregiver")
    if scope.is_office:
        orders = orders.filter(division_code__startswith=scope.prefix)
    elif scope.is_manager:
        orders = orders.filter(provider_id=scope.provider_id)
    elif scope.caregiver_id is not None:
        orders = orders.filter(provider_id=scope.provider_id, caregiver_id=scope.caregiver_id)
    else:
        orders = orders.none()
    filters = filters or OrderFilters()
    if filters.state:
        orders = orders.filter(state=filters.state)
    if filters.provider_id:
        orders = orders.filter(provider_id=filters.provider_id)
    if filters.town:
        orders = orders.filter(division_code__startswith=filters.town)
    if filters.date_from:
        orders = orders.filter(scheduled_on__gte=filters.date_from)
    if filters.date_to:
        orders = orders.filter(scheduled_on__lte=filters.date_to)
    if filters.caregiver_id:
        orders = orders.filter(caregiver_id=filters.caregiver_id)
    if filters.plan_id:
        orders = orders.filter(plan_id=filters.plan_id)
    return orders.order_by("-scheduled_on", "-pk")


def order_get(*, user: User, order_id: int) -> WorkOrder:
    order = order_list(user=user).filter(pk=order_id).first()
    if order is None:
        raise Http404
    return order


def order_timeline(order: WorkOrder) -> QuerySet[TransitionRecord]:
    return TransitionRecord.objects.filter(
        workflow="eldercare.work_order", object_id=order.pk
    ).order_by("at", "pk")


def phone_orders(*, user: User, today: dt.date, days: int = 7) -> list[WorkOrder]:
    """The signed-in caregiver's orders to do: in service, and planned from today on."""
    caregiver = caregiver_of(user)
    if caregiver is None:
        raise PermissionDenied(_("只有护理员可以使用手机签到页"))
    orders = (
        WorkOrder.objects.filter(caregiver=caregiver, provider_id=caregiver.provider_id)
        .filter(
            Q(state="in_service")
            | Q(
                state="planned",
                scheduled_on__gte=today,
                scheduled_on__lte=today + dt.timedelta(days=days),
            )
            | Q(state="done", scheduled_on=today)
        )
        .select_related("item", "person")
        .order_by("scheduled_on", "pk")
    )
    return list(orders)


def phone_order_get(*, user: User, order_id: int) -> WorkOrder:
    caregiver = caregiver_of(user)
    if caregiver is None:
        raise PermissionDenied(_("只有护理员可以使用手机签到页"))
    order = (
        WorkOrder.objects.filter(pk=order_id, caregiver=caregiver)
        .select_related("item", "person")
        .first()
    )
    if order is None:
        raise Http404
    return order


def elder_addresses(person_ids: list[int]) -> dict[int, str]:
    """The current household address of each person: what a caregiver needs to find them."""
    rows = (
        Membership.objects.filter(person_id__in=person_ids, valid_to__isnull=True)
        .order_by("person_id", "-valid_from")
        .values_list("person_id", "household__address")
    )
    addresses: dict[int, str] = {}
    for person_id, address in rows:
        addresses.setdefault(person_id, address)
    return addresses


def callback_pending(*, user: User, month: dt.date | None = None) -> QuerySet[WorkOrder]:
    """Done orders in the office's scope that nobody has reached on a call-back yet."""
    scope = homecare_scope(user)
    if not scope.is_office:
        raise PermissionDenied(_("只有养老服务经办人员可以回访"))
    reached = CallBack.objects.filter(order=OuterRef("pk"), reached=True)
    orders = order_list(user=user, filters=OrderFilters(state="done")).filter(~Exists(reached))
    if month is not None:
        orders = orders.filter(scheduled_on__gte=month, scheduled_on__lte=month_end(month))
    return orders
