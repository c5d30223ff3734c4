"""Access-table rows of supervision and settlements (see tests/security/eldercare_parts.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.eldercare.models import (
    ElderProfile,
    Provider,
    ServiceItem,
    ServicePlan,
    Settlement,
    WorkOrder,
)
from minzheng.eldercare.settlement import settlement_close
from minzheng.eldercare.supervision import supervise
from tests.security.conftest import MISSING, World
from tests.security.tables import FORBIDDEN_WRITE, Operation, Page
from tests.security.tables import LOGIN as L

MONTH = dt.date(2026, 10, 1)
CITY_ONLY = {403: {**FORBIDDEN_WRITE, "detail": "只有市局养老服务人员可以办理"}}
DECIDE = {403: {**FORBIDDEN_WRITE, "detail": "您无权办理该环节"}}
ORDER = "/eldercare/supervision/orders/{supervision_order}/"
SETTLEMENT = "/eldercare/settlements/{home_settlement}/"
DECIDERS = frozenset({"own_town", "city"})
READERS = frozenset({"city", "auditor"})


def provided(world: World) -> Provider:
    provider, _ = Provider.objects.get_or_create(
        credit_code="52320582MJ0000009X",
        defaults={"name": "张家港颐康居家养老服务中心", "division_code": "320582"},
    )
    return provider


def flagged(world: World) -> None:
    """One done visit of the family's head in October, too short: supervised, held, alerted."""
    provider = provided(world)
    if WorkOrder.objects.filter(provider=provider).exists():
        return
    head = world.family.head
    ElderProfile.objects.get_or_create(
        person=head,
        defaults={
            "division_code": world.family.division_id,
            "home_lat": Decimal("31.875400"),
            "home_lng": Decimal("120.555900"),
        },
    )
    item, _ = ServiceItem.objects.get_or_create(
        code="ZX01",
        defaults={
            "name": "助洁：居室清洁",
            "category": "助洁",
            "minutes": 60,
            "min_minutes": 45,
            "price": Decimal("40.00"),
        },
    )
    plan = ServicePlan.objects.create(
        person=head,
        provider=provider,
        division_code=world.family.division_id,
        valid_from=dt.date(2026, 1, 1),
        monthly_budget=Decimal("300.00"),
        created_by=User.objects.get(username="yangshe_clerk"),
    )
    start = dt.datetime(2026, 10, 5, 9, 0, tzinfo=timezone.get_current_timezone())
    WorkOrder.objects.create(
        number="WO2026100000001",
        plan=plan,
        item=item,
        person=head,
        provider=provider,
        division_code=world.family.division_id,
        scheduled_on=start.date(),
        state="done",
        check_in_at=start,
        check_out_at=start + dt.timedelta(minutes=10),
        check_in_lat=Decimal("31.875400"),
        check_in_lng=Decimal("120.555900"),
        check_out_lat=Decimal("31.875400"),
        check_out_lng=Decimal("120.555900"),
        amount=item.price,
    )
    supervise(acting_user=None, month=MONTH, on=dt.date(2026, 11, 5))


def settled(world: World) -> None:
    flagged(world)
    if not Settlement.objects.exists():
        settlement_close(
            acting_user=User.objects.get(username="admin"),
            provider=provided(world),
            month=MONTH,
            today=dt.date(2026, 11, 5),
        )


def _decision(action: str) -> Callable[[dict[str, object]], dict[str, object]]:
    return lambda ids: {"action": action, "reason": "电话回访老人核实"}


def _close_form(ids: dict[str, object]) -> dict[str, object]:
    return {"provider": str(ids["supervision_provider"]), "month": "2026-10"}


PAGES: list = [
    Page(
        "eldercare:supervision_results",
        "GET",
        "/eldercare/supervision/",
        (L, 200, 200, 200, 200, 200),
        prepare=flagged,
    ),
    Page(
        "eldercare:supervision_run",
        "POST",
        "/eldercare/supervision/run/",
        (L, 403, 403, 403, "/eldercare/supervision/?month=2026-10", 403),
        data={"month": "2026-10"},
    ),
    Page(
        "eldercare:supervision_order",
        "GET",
        ORDER,
        (L, 404, 404, 200, 200, 200),
        prepare=flagged,
    ),
    Page(
        "eldercare:supervision_order",
        "POST",
        ORDER,
        (L, 404, 404, ORDER, ORDER, 403),
        data=_decision("clear"),
        action="alerts.eldercare.close",
        changes=DECIDERS,
        prepare=flagged,
    ),
    Page(
        "eldercare:settlement_list",
        "GET",
        "/eldercare/settlements/",
        (L, 403, 403, 403, 200, 200),
        prepare=settled,
    ),
    Page(
        "eldercare:settlement_close",
        "POST",
        "/eldercare/settlements/close/",
        (L, 403, 403, 403, "/eldercare/settlements/{new_home_settlement}/", 403),
        data=_close_form,
        action="eldercare.settlement.close",
        changes=frozenset({"city"}),
        prepare=provided,
    ),
    Page(
        "eldercare:settlement_detail",
        "GET",
        SETTLEMENT,
        (L, 404, 404, 404, 200, 200),
        prepare=settled,
    ),
    Page(
        "eldercare:settlement_export",
        "GET",
        SETTLEMENT + "export/",
        (L, 404, 404, 404, 200, 200),
        action="eldercare.settlement.export",
        changes=READERS,
        prepare=settled,
    ),
]

OPERATIONS: list = [
    Operation(
        "eldercare_supervision_summary",
        "get",
        "/api/eldercare/supervision/summary",
        (401, 200, 200, 200, 200, 200),
        counts=(None, 0, 0, 1, 1, 1),
        query="?month=2026-10",
        prepare=flagged,
    ),
    Operation(
        "eldercare_supervision_orders",
        "get",
        "/api/eldercare/supervision/orders",
        (401, 200, 200, 200, 200, 200),
        counts=(None, 0, 0, 1, 1, 1),
        query="?month=2026-10",
        prepare=flagged,
    ),
    Operation(
        "eldercare_supervision_order_get",
        "get",
        "/api/eldercare/supervision/orders/{order_id}",
        (401, 404, 404, 200, 200, 200),
        ids={"order_id": "supervision_order"},
        prepare=flagged,
    ),
    Operation(
        "eldercare_supervision_run",
        "post",
        "/api/eldercare/supervision/run",
        (401, 403, 403, 403, 200, 403),
        body={"month": "2026-10"},
        problems=CITY_ONLY,
    ),
    Operation(
        "eldercare_supervision_order_clear",
        "post",
        "/api/eldercare/supervision/orders/{order_id}/clear",
        (401, 404, 404, 200, 200, 403),
        body={"reason": "电话回访老人确认已服务"},
        ids={"order_id": "supervision_order"},
        action="alerts.eldercare.close",
        changes=DECIDERS,
        problems=DECIDE,
        prepare=flagged,
    ),
    Operation(
        "eldercare_supervision_order_refuse",
        "post",
        "/api/eldercare/supervision/orders/{order_id}/refuse",
        (401, 404, 404, 200, 200, 403),
        body={"reason": "老人称当天无人上门"},
        ids={"order_id": "supervision_order"},
        action="alerts.eldercare.close",
        changes=DECIDERS,
        problems=DECIDE,
        prepare=flagged,
    ),
    Operation(
        "eldercare_settlement_list",
        "get",
        "/api/eldercare/settlements",
        (401, 200, 200, 200, 200, 200),
        counts=(None, 0, 0, 0, 1, 1),
        prepare=settled,
    ),
    Operation(
        "eldercare_settlement_close",
        "post",
        "/api/eldercare/settlements",
        (401, 403, 403, 403, 200, 403),
        body={"provider": "{supervision_provider}", "month": "2026-10"},
        action="eldercare.settlement.close",
        changes=frozenset({"city"}),
        problems=CITY_ONLY,
        prepare=provided,
    ),
    Operation(
        "eldercare_settlement_get",
        "get",
        "/api/eldercare/settlements/{settlement_id}",
        (401, 404, 404, 404, 200, 200),
        ids={"settlement_id": "home_settlement"},
        prepare=settled,
    ),
    Operation(
        "eldercare_settlement_export",
        "get",
        "/api/eldercare/settlements/{settlement_id}/export",
        (401, 404, 404, 404, 200, 200),
        ids={"settlement_id": "home_settlement"},
        action="eldercare.settlement.export",
        changes=READERS,
        prepare=settled,
    ),
]


def _newest(model) -> Callable[[], object]:
    return lambda: model.objects.order_by("-pk").values_list("pk", flat=True).first() or MISSING


IDS: dict[str, Callable[[], object]] = {
    "supervision_provider": _newest(Provider),
    "supervision_order": _newest(WorkOrder),
    "home_settlement": _newest(Settlement),
}
