"""Monthly settlement per provider (服务商月度结算).

The city's eldercare staff close a month for a provider. Paid: the provider's done visits of that
month and of earlier months not yet settled (a visit cleared late is paid in the next settlement),
that supervision has looked at and that are not held (flagged and not cleared). Held visits are
listed and counted, not paid. Closing a month twice changes nothing (one settlement per provider
and month).

Per elder and service month: the budget (the service plan's monthly subsidy), the amount used
(the visits' prices, including visits of that month paid in earlier settlements), the subsidy
paid now (what of the budget was not yet paid: min(used, budget) less what earlier settlements
paid for that month), the elder's own payment (the rest) and the balance left. The settlement's
amount is the subsidy the city pays the provider.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from minzheng.accounts.models import Role, User
from minzheng.audit.services import audit_record
from minzheng.eldercare.access import city_check, provider_of, read_prefix
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import Provider, ServicePlan, Settlement, WorkOrder
from minzheng.eldercare.supervision import CHUNK, month_bounds
from minzheng.xlsx import workbook_bytes

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
CITY = "320582"


@dataclass(frozen=True)
class Line:
    person_id: int
    name: str
    month: str  # the service month, YYYY-MM
    budget: Decimal
    used: Decimal  # all the month's paid visits, earlier settlements included
    paid_before: Decimal  # subsidy of this month paid by earlier settlements
    subsidy: Decimal  # paid by this settlement
    own_payment: Decimal  # the elder's share of this settlement's visits
    balance: Decimal  # budget left for the month
    visits: int  # paid by this settlement
    held: tuple[str, ...]  # numbers of the held visits

    def as_json(self) -> dict:
        return {
            "person_id": self.person_id,
            "name": self.name,
            "month": self.month,
            "budget": str(self.budget),
            "used": str(self.used),
            "paid_before": str(self.paid_before),
            "subsidy": str(self.subsidy),
            "own_payment": str(self.own_payment),
            "balance": str(self.balance),
            "visits": self.visits,
            "held": list(self.held),
        }


def settlement_read_allowed(user: User, settlement: Settlement) -> bool:
    """The city's eldercare staff, the city administrator and the auditor (city-wide scope), or
    the provider's own manager."""
    if read_prefix(user) == CITY and user.role != Role.PROVIDER:
        return True
    provider = provider_of(user)
    staff = getattr(user, "provider_staff", None)
    return (
        provider is not None
        and provider.pk == settlement.provider_id
        and staff is not None
        and staff.is_manager
    )


def _budgets(provider: Provider, persons: set[int], months: set[dt.date]) -> dict:
    """(person, month) -> the monthly budget of the provider's plan in force that month (the
    latest starting one when two overlap); none: 0."""
    plans = [
        row
        for row in ServicePlan.objects.filter(provider=provider)
        .order_by("valid_from", "pk")
        .values_list("person_id", "valid_from", "valid_to", "monthly_budget")
        if row[0] in persons
    ]
    budgets: dict[tuple[int, dt.date], Decimal] = {}
    for person_id, valid_from, valid_to, budget in plans:
        for month in months:
            first, last = month_bounds(month)
            if valid_from <= last and (valid_to is None or valid_to >= first):
                budgets[(person_id, month)] = budget
    return budgets


def _settled_before(provider: Provider, persons: set[int], months: set[dt.date]) -> dict:
    """(person, month) -> the amount of the month's visits paid by earlier settlements."""
    if not months:
        return {}
    rows = (
        WorkOrder.objects.filter(
            provider=provider,
            settlement__isnull=False,
            scheduled_on__gte=min(months),
            scheduled_on__lte=month_bounds(max(months))[1],
        )
        .annotate(service_month=TruncMonth("scheduled_on"))
        .values("person_id", "service_month")
        .annotate(total=Sum("amount"))
    )
    result = {}
    for row in rows:
        if row["person_id"] in persons:
            month = row["service_month"]
            month = month.date() if isinstance(month, dt.datetime) else month
            result[(row["person_id"], month)] = row["total"]
    return result


def _paid_before(provider: Provider, persons: set[int], months: set[dt.date]) -> dict:
    """(person, month) -> the subsidy earlier settlements paid for that service month."""
    result: dict[tuple[int, dt.date], Decimal] = defaultdict(lambda: ZERO)
    for lines in Settlement.objects.filter(provider=provider).values_list("lines", flat=True):
        for line in lines:
            key = (line["person_id"], dt.date.fromisoformat(f"{line['month']}-01"))
            if key[0] in persons and key[1] in months:
                result[key] += Decimal(line["subsidy"])
    return result


@transaction.atomic
def settlement_close(
    *, acting_user: User, provider: Provider, month: dt.date, today: dt.date
) -> tuple[Settlement, bool]:
    """Close `month` for `provider`; return (settlement, closed now). Again: nothing changes."""
    city_check(user=acting_user)
    first, last = month_bounds(month)
    existing = Settlement.objects.filter(provider=provider, month=first).first()
    if existing is not None:
        return existing, False
    if last >= today:
        raise EldercareError.one(
            "month", f"{first:%Y-%m}尚未结束，不能结算", "the month has not ended yet"
        )
    rows = list(
        WorkOrder.objects.filter(
            provider=provider, state="done", settlement__isnull=True, scheduled_on__lte=last
        )
        .order_by("scheduled_on", "pk")
        .values_list(
            "pk",
            "number",
            "person_id",
            "person__name",
            "scheduled_on",
            "amount",
            "flags",
            "flags_cleared",
            "supervised_at",
        )
    )
    unsupervised = [number for _, number, *_rest, supervised in rows if supervised is None]
    if unsupervised:
        raise EldercareError.one(
            "month",
            f"有{len(unsupervised)}张已完成工单尚未经监管检查（如{unsupervised[0]}），请先运行监管",
            f"{len(unsupervised)} done visits are not supervised yet; run supervision first",
        )
    paid_ids: list[int] = []
    used: dict[tuple[int, dt.date], Decimal] = defaultdict(lambda: ZERO)
    visits: dict[tuple[int, dt.date], int] = defaultdict(int)
    held: dict[tuple[int, dt.date], list[str]] = defaultdict(list)
    names: dict[int, str] = {}
    for pk, number, person_id, name, day, amount, flags, cleared, _supervised in rows:
        key = (person_id, day.replace(day=1))
        names[person_id] = name
        if flags and not cleared:
            held[key].append(number)
            continue
        paid_ids.append(pk)
        used[key] += amount
        visits[key] += 1
    keys = sorted(set(used) | set(held), key=lambda key: (names[key[0]], key[0], key[1]))
    persons = {person for person, _ in keys}
    months = {month for _, month in keys}
    budgets = _budgets(provider, persons, months)
    settled = _settled_before(provider, persons, months)
    paid_before = _paid_before(provider, persons, months)
    lines: list[Line] = []
    for key in keys:
        budget = budgets.get(key, ZERO)
        total_used = settled.get(key, ZERO) + used[key]
        before = paid_before[key]
        subsidy = max(min(total_used, budget) - before, ZERO)
        lines.append(
            Line(
                person_id=key[0],
                name=names[key[0]],
                month=f"{key[1]:%Y-%m}",
                budget=budget.quantize(CENT),
                used=total_used.quantize(CENT),
                paid_before=before.quantize(CENT),
                subsidy=subsidy.quantize(CENT),
                own_payment=(used[key] - subsidy).quantize(CENT),
                balance=max(budget - total_used, ZERO).quantize(CENT),
                visits=visits[key],
                held=tuple(held[key]),
            )
        )
    try:
        with transaction.atomic():
            settlement = Settlement.objects.create(
                provider=provider,
                month=first,
                orders_paid=len(paid_ids),
                orders_held=sum(len(numbers) for numbers in held.values()),
                amount=sum((line.subsidy for line in lines), ZERO),
                lines=[line.as_json() for line in lines],
                closed_by=acting_user,
            )
    except IntegrityError:  # closed by someone else meanwhile
        return Settlement.objects.get(provider=provider, month=first), False
    for start in range(0, len(paid_ids), CHUNK):
        WorkOrder.objects.filter(pk__in=paid_ids[start : start + CHUNK]).update(
            settlement=settlement, updated_at=timezone.now()
        )
    audit_record(
        actor=acting_user,
        action="eldercare.settlement.close",
        target=settlement,
        data={
            "provider": provider.pk,
            "month": f"{first:%Y-%m}",
            "orders_paid": settlement.orders_paid,
            "orders_held": settlement.orders_held,
            "amount": str(settlement.amount),
        },
    )
    return settlement, True


def settlements_close_all(
    *, acting_user: User, month: dt.date, today: dt.date
) -> list[tuple[Settlement, bool]]:
    """Close the month for every provider with visits to pay or hold (all or nothing)."""
    city_check(user=acting_user)
    _first, last = month_bounds(month)
    with transaction.atomic():
        providers = Provider.objects.filter(
            Q(orders__state="done", orders__scheduled_on__lte=last, orders__settlement__isnull=True)
            | Q(settlements__month=month.replace(day=1))
        ).distinct()
        return [
            settlement_close(acting_user=acting_user, provider=provider, month=month, today=today)
            for provider in providers.order_by("pk")
        ]


HEADER = (
    "老人",
    "服务月份",
    "每月补贴额度(元)",
    "服务金额(元)",
    "此前已结补贴(元)",
    "本次结算补贴(元)",
    "个人自付(元)",
    "补贴余额(元)",
    "本次结算次数",
    "暂缓结算工单",
)


def settlement_export(*, acting_user: User, settlement: Settlement) -> bytes:
    """The settlement as a deterministic .xlsx (the same settlement gives the same bytes)."""
    if not settlement_read_allowed(acting_user, settlement):
        raise PermissionDenied(_("您无权查看该结算"))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "结算明细"
    sheet.append([f"{settlement.provider.name} {settlement.month:%Y年%m月} 居家上门服务结算"])
    sheet.append(
        [
            "结算工单数",
            settlement.orders_paid,
            "暂缓结算工单数",
            settlement.orders_held,
            "结算补贴金额(元)",
            float(settlement.amount),
        ]
    )
    sheet.append(list(HEADER))
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for line in settlement.lines:
        sheet.append(
            [
                line["name"],
                line["month"],
                float(Decimal(line["budget"])),
                float(Decimal(line["used"])),
                float(Decimal(line["paid_before"])),
                float(Decimal(line["subsidy"])),
                float(Decimal(line["own_payment"])),
                float(Decimal(line["balance"])),
                line["visits"],
                "、".join(line["held"]),
            ]
        )
    for row in sheet.iter_rows(min_row=4, min_col=3, max_col=8):
        for cell in row:
            cell.number_format = "0.00"
    stamp = timezone.make_aware(dt.datetime.combine(settlement.month, dt.time()))
    content = workbook_bytes(workbook, stamp=stamp)
    audit_record(
        actor=acting_user,
        action="eldercare.settlement.export",
        target=settlement,
        data={"provider": settlement.provider_id, "month": f"{settlement.month:%Y-%m}"},
    )
    return content
