"""API of supervision and settlements: results by town/provider/flag, flagged visits, the
town's decision (clear / refuse), running the rules, closing and reading settlements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from minzheng.eldercare import settlement as settlement_services
from minzheng.eldercare import supervision as services
from minzheng.eldercare import supervision_selectors as selectors
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import Provider, Settlement, WorkOrder
from minzheng.rules.parameters import MONTH_PATTERN, parse_month
from minzheng.schemas import InputSchema

router = Router(tags=["eldercare"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _month(text: str) -> dt.date:
    month = parse_month(text)
    if month is None:  # the pattern has let it through only if it is a month
        raise EldercareError.one("month", "月份格式应为 YYYY-MM", "month must be YYYY-MM")
    return month


class MonthFilter(InputSchema):
    month: str = Field(pattern=MONTH_PATTERN, description="YYYY-MM")
    town: str = Field("", max_length=9, pattern=r"^([0-9]{9})?$")
    provider: int | None = Field(None, ge=1)
    code: Literal[tuple(["", *services.FLAGS])] = ""  # type: ignore[valid-type]
    status: Literal["", "held", "cleared", "refused"] = ""

    def filters(self) -> selectors.SupervisionFilters:
        return selectors.SupervisionFilters(
            month=_month(self.month),
            town=self.town,
            provider=self.provider,
            code=self.code,
            status=self.status,
        )


class SummaryOut(Schema):
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


class FlagOut(Schema):
    code: str
    label: str
    detail: str


class FlaggedOrderOut(Schema):
    id: int
    number: str
    provider_id: int
    caregiver: str | None
    person_id: int
    division_code: str
    item: str
    scheduled_on: dt.date
    check_in_at: dt.datetime | None
    check_out_at: dt.datetime | None
    amount: Decimal
    state: str
    flags: list[FlagOut]
    flags_cleared: bool
    held: bool
    supervised_at: dt.datetime | None
    settlement_id: int | None

    @staticmethod
    def of(order: WorkOrder) -> FlaggedOrderOut:
        return FlaggedOrderOut(
            id=order.pk,
            number=order.number,
            provider_id=order.provider_id,
            caregiver=order.caregiver.name if order.caregiver else None,
            person_id=order.person_id,
            division_code=order.division_code,
            item=order.item.name,
            scheduled_on=order.scheduled_on,
            check_in_at=order.check_in_at,
            check_out_at=order.check_out_at,
            amount=order.amount,
            state=order.state,
            flags=[
                FlagOut(
                    code=flag["code"],
                    label=services.FLAGS.get(flag["code"], flag["code"]),
                    detail=flag.get("detail", ""),
                )
                for flag in order.flags
            ],
            flags_cleared=order.flags_cleared,
            held=order.held and order.state == "done",
            supervised_at=order.supervised_at,
            settlement_id=order.settlement_id,
        )


class RunIn(InputSchema):
    month: str = Field(pattern=MONTH_PATTERN, description="YYYY-MM")


class RunOut(Schema):
    month: str
    visits: int
    flagged: int
    changed: int
    alerts: int
    by_code: dict[str, int]


class DecisionIn(InputSchema):
    reason: str = Field(max_length=500, description="What the town found (核实情况)")


class SettlementLineOut(Schema):
    person_id: int
    name: str
    month: str
    budget: Decimal
    used: Decimal
    paid_before: Decimal
    subsidy: Decimal
    own_payment: Decimal
    balance: Decimal
    visits: int
    held: list[str]


class SettlementOut(Schema):
    id: int
    provider_id: int
    provider_name: str
    month: str
    orders_paid: int
    orders_held: int
    amount: Decimal
    closed_by: str
    closed_at: dt.datetime

    @staticmethod
    def of(settlement: Settlement) -> SettlementOut:
        return SettlementOut(
            id=settlement.pk,
            provider_id=settlement.provider_id,
            provider_name=settlement.provider.name,
            month=f"{settlement.month:%Y-%m}",
            orders_paid=settlement.orders_paid,
            orders_held=settlement.orders_held,
            amount=settlement.amount,
            closed_by=settlement.closed_by.get_username(),
            closed_at=settlement.closed_at,
        )


class SettlementDetailOut(SettlementOut):
    lines: list[SettlementLineOut]


class SettlementListFilter(InputSchema):
    month: str = Field("", pattern=r"^$|" + MONTH_PATTERN, description="YYYY-MM")


class CloseIn(InputSchema):
    month: str = Field(pattern=MONTH_PATTERN, description="YYYY-MM")
    provider: int = Field(ge=1)


class CloseOut(SettlementDetailOut):
    closed_now: bool


def _detail(settlement: Settlement) -> SettlementDetailOut:
    return SettlementDetailOut(
        **SettlementOut.of(settlement).dict(),
        lines=[SettlementLineOut(**line) for line in settlement.lines],
    )


@router.get(
    "/supervision/summary",
    response=list[SummaryOut],
    operation_id="eldercare_supervision_summary",
    summary="Flagged home-service visits of a month by town, provider and flag",
)
def supervision_summary(request: HttpRequest, filters: Query[MonthFilter]) -> list:
    return selectors.supervision_summary(user=request.user, filters=filters.filters())


@router.get(
    "/supervision/orders",
    response=list[FlaggedOrderOut],
    operation_id="eldercare_supervision_orders",
    summary="The flagged home-service visits of a month",
)
def supervision_orders(request: HttpRequest, filters: Query[MonthFilter]) -> list:
    orders = selectors.flagged_orders(user=request.user, filters=filters.filters())
    return [FlaggedOrderOut.of(order) for order in orders[:1000]]


@router.get(
    "/supervision/orders/{order_id}",
    response=FlaggedOrderOut,
    operation_id="eldercare_supervision_order_get",
    summary="One visit with its supervision flags",
)
def supervision_order_get(request: HttpRequest, order_id: int) -> FlaggedOrderOut:
    return FlaggedOrderOut.of(selectors.flagged_order_get(user=request.user, order_id=order_id))


@router.post(
    "/supervision/run",
    response=RunOut,
    operation_id="eldercare_supervision_run",
    summary="Run the supervision rules over a month's done visits (again: nothing new)",
)
def supervision_run(request: HttpRequest, body: RunIn) -> RunOut:
    result = services.supervise(
        acting_user=request.user, month=_month(body.month), on=timezone.localdate()
    )
    return RunOut(
        month=f"{result.month:%Y-%m}",
        visits=result.visits,
        flagged=result.flagged,
        changed=result.changed,
        alerts=result.alerts,
        by_code=result.by_code,
    )


@router.post(
    "/supervision/orders/{order_id}/clear",
    response=FlaggedOrderOut,
    operation_id="eldercare_supervision_order_clear",
    summary="准予结算: the flagged visit was delivered; pay it in the next settlement",
)
def supervision_order_clear(
    request: HttpRequest, order_id: int, body: DecisionIn
) -> FlaggedOrderOut:
    order = selectors.flagged_order_get(user=request.user, order_id=order_id)
    services.order_clear(
        acting_user=request.user, order=order, reason=body.reason, on=timezone.localdate()
    )
    return FlaggedOrderOut.of(selectors.flagged_order_get(user=request.user, order_id=order_id))


@router.post(
    "/supervision/orders/{order_id}/refuse",
    response=FlaggedOrderOut,
    operation_id="eldercare_supervision_order_refuse",
    summary="不予结算: the problem is confirmed; the visit is never paid",
)
def supervision_order_refuse(
    request: HttpRequest, order_id: int, body: DecisionIn
) -> FlaggedOrderOut:
    order = selectors.flagged_order_get(user=request.user, order_id=order_id)
    services.order_refuse(
        acting_user=request.user, order=order, reason=body.reason, on=timezone.localdate()
    )
    return FlaggedOrderOut.of(selectors.flagged_order_get(user=request.user, order_id=order_id))


@router.get(
    "/settlements",
    response=list[SettlementOut],
    operation_id="eldercare_settlement_list",
    summary="Monthly provider settlements the caller may read",
)
def settlement_list(request: HttpRequest, filters: Query[SettlementListFilter]) -> list:
    month = _month(filters.month) if filters.month else None
    return [
        SettlementOut.of(item) for item in selectors.settlements(user=request.user, month=month)
    ]


@router.post(
    "/settlements",
    response=CloseOut,
    operation_id="eldercare_settlement_close",
    summary="Close a month for a provider (again: the same settlement, nothing changed)",
)
def settlement_close(request: HttpRequest, body: CloseIn) -> CloseOut:
    from minzheng.eldercare.access import city_check

    city_check(user=request.user)  # before the provider is looked up: nothing is revealed
    provider = get_object_or_404(Provider, pk=body.provider)
    settlement, closed = settlement_services.settlement_close(
        acting_user=request.user,
        provider=provider,
        month=_month(body.month),
        today=timezone.localdate(),
    )
    return CloseOut(**_detail(settlement).dict(), closed_now=closed)


@router.get(
    "/settlements/{settlement_id}",
    response=SettlementDetailOut,
    operation_id="eldercare_settlement_get",
    summary="One settlement with its lines per elder and month",
)
def settlement_get(request: HttpRequest, settlement_id: int) -> SettlementDetailOut:
    return _detail(selectors.settlement_get(user=request.user, settlement_id=settlement_id))


@router.get(
    "/settlements/{settlement_id}/export",
    operation_id="eldercare_settlement_export",
    summary="The settlement as an .xlsx file (audited)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The settlement workbook",
                "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
            },
            404: {"description": "No such settlement that you may read"},
        }
    },
)
def settlement_export(request: HttpRequest, settlement_id: int) -> HttpResponse:
    settlement = selectors.settlement_get(user=request.user, settlement_id=settlement_id)
    content = settlement_services.settlement_export(acting_user=request.user, settlement=settlement)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="settlement-{settlement.provider_id}-{settlement.month:%Y-%m}.xlsx"'
    )
    return response
