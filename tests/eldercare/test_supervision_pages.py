"""Supervision and settlement end to end: an order made, checked in and out through the
home-service services, flagged too short, held out of the settlement, reviewed on the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from minzheng.eldercare.homecare import (
    PlanIn,
    service_plan_create,
    work_order_check_in,
    work_order_check_out,
    work_order_create,
)
from minzheng.eldercare.models import WorkOrder
from minzheng.eldercare.settlement import settlement_close
from minzheng.eldercare.supervision import supervise
from tests.conftest import verified_login

MONTH = dt.date(2026, 10, 1)
HERE = "31.875400,120.555900"


def _at(day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2026, 10, day, hour, minute, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def visits(elder, home_provider, caregiver, catalogue, yangshe_clerk):
    """Two visits made through the services: one of 50 minutes, one of 10 (too short)."""
    service_plan_create(
        acting_user=yangshe_clerk,
        person_id=elder.pk,
        data=PlanIn(
            provider_id=home_provider.pk,
            items={"ZX01": 4},
            monthly_budget=Decimal("300.00"),
            valid_from=dt.date(2026, 9, 1),
        ),
        on=dt.date(2026, 9, 1),
    )
    orders = []
    for day, minutes in ((6, 50), (13, 10)):
        order = work_order_create(
            acting_user=yangshe_clerk,
            person_id=elder.pk,
            item_code="ZX01",
            scheduled_on=dt.date(2026, 10, day),
            on=dt.date(2026, 10, 1),
            provider_id=home_provider.pk,
            caregiver_id=caregiver.pk,
        )
        start = _at(day, 9, 0)
        on = start.date()
        work_order_check_in(
            acting_user=caregiver.user,
            order=order,
            at=start,
            location=HERE,
            photo=b"in%d" % day,
            on=on,
        )
        work_order_check_out(
            acting_user=caregiver.user,
            order=order,
            at=start + dt.timedelta(minutes=minutes),
            location=HERE,
            photo=b"out%d" % day,
            on=on,
        )
        orders.append(order)
    return orders


def test_a_too_short_visit_is_flagged_held_and_refused_on_its_page(
    client, visits, eldercare_staff, yangshe_clerk, home_provider
):
    fine, short = visits
    supervise(acting_user=eldercare_staff, month=MONTH, on=dt.date(2026, 11, 2))
    settlement, _ = settlement_close(
        acting_user=eldercare_staff, provider=home_provider, month=MONTH, today=dt.date(2026, 11, 3)
    )
    assert (settlement.orders_paid, settlement.orders_held) == (1, 1)
    assert WorkOrder.objects.get(pk=fine.pk).settlement == settlement

    verified_login(client, yangshe_clerk)
    page = client.get("/eldercare/supervision/?month=2026-10&code=too_short").content.decode()
    assert short.number in page
    assert fine.number not in page
    assert "服务时长不足" in page
    page = client.get(f"/eldercare/supervision/orders/{short.pk}/").content.decode()
    assert "少于该项目最短45分钟" in page
    assert "核实有误，不予结算" in page
    response = client.post(
        f"/eldercare/supervision/orders/{short.pk}/", {"action": "refuse", "reason": ""}
    )
    assert "请填写核实情况" in response.content.decode()
    assert WorkOrder.objects.get(pk=short.pk).state == "done"
    response = client.post(
        f"/eldercare/supervision/orders/{short.pk}/",
        {"action": "refuse", "reason": "老人称护理员只停留了十分钟"},
    )
    assert response.status_code == 302
    assert WorkOrder.objects.get(pk=short.pk).state == "refused"


def test_the_city_settles_on_the_page_and_the_manager_reads_it(
    client, visits, eldercare_staff, provider_manager, home_provider
):
    supervise(acting_user=eldercare_staff, month=MONTH, on=dt.date(2026, 11, 2))
    verified_login(client, eldercare_staff)
    response = client.post(
        "/eldercare/settlements/close/", {"provider": home_provider.pk, "month": "2026-10"}
    )
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "暂缓结算 1 张" in detail
    assert "陈老伯" in detail
    client.logout()
    verified_login(client, provider_manager)
    assert "颐康" in client.get("/eldercare/settlements/").content.decode()
    assert client.get(response["Location"]).status_code == 200
    export = client.get(response["Location"] + "export/")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
