"""Monthly provider settlement: held visits out, cleared ones paid later, twice changes nothing,
the budget and the elder's own payment, scope, the export."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from minzheng.audit.models import AuditEvent
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import Settlement, WorkOrder
from minzheng.eldercare.settlement import (
    settlement_close,
    settlement_export,
    settlement_read_allowed,
    settlements_close_all,
)
from minzheng.eldercare.supervision import order_clear, supervise
from tests.eldercare.test_supervision import MONTH, visit
from tests.eldercare.test_supervision import plan as plan

NOVEMBER = dt.date(2026, 11, 1)
TODAY = dt.date(2026, 12, 3)


def close(user, provider, month=MONTH):
    return settlement_close(acting_user=user, provider=provider, month=month, today=TODAY)


@pytest.fixture
def october(plan, catalogue, caregiver):
    """Four visits in October: three fine (40 + 60 + 25), one too short (held)."""
    orders = [
        visit(plan, catalogue["ZX01"], caregiver, day=3),
        visit(plan, catalogue["ZY01"], caregiver, day=10),
        visit(plan, catalogue["SH01"], caregiver, day=17),
        visit(plan, catalogue["ZX01"], caregiver, day=24, minutes=10),
    ]
    supervise(acting_user=None, month=MONTH, on=TODAY)
    return orders


def test_held_visits_are_counted_not_paid(october, eldercare_staff, home_provider):
    settlement, closed = close(eldercare_staff, home_provider)
    assert closed
    assert (settlement.orders_paid, settlement.orders_held) == (3, 1)
    assert settlement.amount == Decimal("125.00")
    [line] = settlement.lines
    assert line["month"] == "2026-10"
    assert line["visits"] == 3
    assert (
        line["budget"],
        line["used"],
        line["subsidy"],
        line["own_payment"],
        line["balance"],
    ) == (
        "300.00",
        "125.00",
        "125.00",
        "0.00",
        "175.00",
    )
    assert line["held"] == [october[3].number]
    assert set(WorkOrder.objects.filter(settlement=settlement)) == set(october[:3])
    assert WorkOrder.objects.get(pk=october[3].pk).settlement is None


def test_closing_twice_changes_nothing(october, eldercare_staff, city_admin, home_provider):
    first, _ = close(eldercare_staff, home_provider)
    events = AuditEvent.objects.count()
    again, closed = close(city_admin, home_provider)
    assert not closed
    assert again.pk == first.pk
    assert Settlement.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_a_cleared_visit_is_paid_in_the_next_settlement(
    october, eldercare_staff, yangshe_clerk, home_provider
):
    close(eldercare_staff, home_provider)
    held = october[3]
    order_clear(acting_user=yangshe_clerk, order=held, reason="回访确认已服务", on=TODAY)
    november, _ = close(eldercare_staff, home_provider, NOVEMBER)
    assert (november.orders_paid, november.orders_held) == (1, 0)
    [line] = november.lines
    assert line["month"] == "2026-10"  # charged to October's budget
    assert (line["used"], line["paid_before"], line["subsidy"], line["balance"]) == (
        "165.00",
        "125.00",
        "40.00",
        "135.00",
    )
    assert WorkOrder.objects.get(pk=held.pk).settlement == november


def test_use_beyond_the_budget_is_the_elders_own_payment(
    plan,
    catalogue,
    caregiver,
    eldercare_staff,
    home_provider,
):
    plan.monthly_budget = Decimal("100.00")
    plan.save()
    for day in (3, 10):
        visit(plan, catalogue["ZY01"], caregiver, day=day)  # 2 × 60
    supervise(acting_user=None, month=MONTH, on=TODAY)
    settlement, _ = close(eldercare_staff, home_provider)
    [line] = settlement.lines
    assert (line["used"], line["subsidy"], line["own_payment"], line["balance"]) == (
        "120.00",
        "100.00",
        "20.00",
        "0.00",
    )
    assert settlement.amount == Decimal("100.00")


def test_unsupervised_visits_and_an_open_month_are_refused(
    plan,
    catalogue,
    caregiver,
    eldercare_staff,
    home_provider,
):
    visit(plan, catalogue["ZX01"], caregiver, day=3)
    with pytest.raises(EldercareError) as error:
        close(eldercare_staff, home_provider)
    assert "监管" in error.value.messages_zh[0]
    with pytest.raises(EldercareError):
        settlement_close(
            acting_user=eldercare_staff,
            provider=home_provider,
            month=NOVEMBER,
            today=dt.date(2026, 11, 30),
        )
    assert not Settlement.objects.exists()


def test_only_the_city_closes_and_the_providers_manager_reads_their_own(
    october,
    eldercare_staff,
    yangshe_clerk,
    provider_manager,
    other_manager,
    caregiver,
    auditor,
    home_provider,
):
    for user in (yangshe_clerk, provider_manager):
        with pytest.raises(PermissionDenied):
            close(user, home_provider)
    settlement, _ = close(eldercare_staff, home_provider)
    assert settlement_read_allowed(provider_manager, settlement)
    assert settlement_read_allowed(auditor, settlement)
    assert not settlement_read_allowed(other_manager, settlement)
    assert not settlement_read_allowed(caregiver.user, settlement)
    assert not settlement_read_allowed(yangshe_clerk, settlement)
    with pytest.raises(PermissionDenied):
        settlement_export(acting_user=other_manager, settlement=settlement)


def test_close_all_and_the_export(october, eldercare_staff, home_provider, other_provider):
    results = settlements_close_all(acting_user=eldercare_staff, month=MONTH, today=TODAY)
    assert [(s.provider_id, closed) for s, closed in results] == [(home_provider.pk, True)]
    settlement = results[0][0]
    content = settlement_export(acting_user=eldercare_staff, settlement=settlement)
    assert content == settlement_export(acting_user=eldercare_staff, settlement=settlement)
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet["A3"].value == "老人"
    assert sheet["A4"].value == "陈老伯"
    assert sheet["F4"].value == 125
    assert AuditEvent.objects.filter(action="eldercare.settlement.export").count() == 2
