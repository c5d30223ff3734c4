"""Home-service API and CLI: every operation once, the problems it answers, the month's orders."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from minzheng.accounts.models import Role
from minzheng.eldercare.homecare import (
    PlanIn,
    orders_plan_generate,
    service_plan_create,
    work_order_create,
)
from minzheng.eldercare.models import (
    PlanItem,
    Provider,
    ServiceItem,
    ServicePlan,
    WorkOrder,
)
from minzheng.registry.models import Division, Person
from tests.conftest import _user, make_id_number, verified_login

NOW = dt.datetime(2026, 11, 28, 1, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 28)
API = "/api/eldercare/homecare"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def plan(yangshe_clerk, elder, home_provider, catalogue) -> ServicePlan:
    return service_plan_create(
        acting_user=yangshe_clerk,
        person_id=elder.pk,
        data=PlanIn(
            provider_id=home_provider.pk,
            items={"ZX01": 4, "SH01": 2},
            monthly_budget=Decimal("250"),
            valid_from=dt.date(2026, 11, 1),
        ),
        on=TODAY,
    )


@pytest.fixture
def order(plan, provider_manager, caregiver) -> WorkOrder:
    return work_order_create(
        acting_user=provider_manager,
        person_id=plan.person_id,
        item_code="ZX01",
        scheduled_on=TODAY,
        on=TODAY,
        caregiver_id=caregiver.pk,
    )


def post(client, path: str, body: dict) -> object:
    return client.post(API + path, body, content_type="application/json")


def test_the_city_registers_a_provider_links_a_manager_and_adds_a_caregiver(
    client, eldercare_staff, provider_user
):
    verified_login(client, eldercare_staff)
    response = post(
        client, "/providers", {"name": "福寿居家养老服务社", "credit_code": "52320582MJ0000007X"}
    )
    assert response.status_code == 201
    provider_id = response.json()["id"]

    linked = post(
        client, f"/providers/{provider_id}/staff", {"username": "provider", "is_manager": True}
    )
    assert linked.json() == {"username": "provider", "provider_id": provider_id, "is_manager": True}

    caregiver = post(
        client,
        f"/providers/{provider_id}/caregivers",
        {
            "name": "周阿姨",
            "skill_level": "4",
            "certificate_number": "ZJG-1",
            "certificate_valid_to": "2025-12-31",
            "training_hours": 80,
        },
    )
    assert caregiver.status_code == 201
    assert caregiver.json()["warnings"] == ["职业技能证书已于2025-12-31过期"]


def test_a_provider_with_bad_input_gets_422_listing_every_problem(client, eldercare_staff):
    verified_login(client, eldercare_staff)
    response = post(client, "/providers", {"name": " ", "credit_code": "123"})

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["name", "credit_code"]
    assert not Provider.objects.exists()


def test_the_office_plans_and_orders_and_the_caregiver_checks_in_and_out(
    client, yangshe_clerk, elder, home_provider, catalogue, caregiver, provider_manager
):
    verified_login(client, yangshe_clerk)
    plan = post(
        client,
        "/plans",
        {
            "person_id": elder.pk,
            "provider_id": home_provider.pk,
            "items": {"ZX01": 4},
            "monthly_budget": "160.00",
            "valid_from": "2026-11-01",
        },
    )
    assert plan.status_code == 201
    assert plan.json()["items"] == [
        {"code": "ZX01", "name": "助洁：居室清洁", "times_per_month": 4}
    ]
    order = post(
        client,
        "/orders",
        {
            "person_id": elder.pk,
            "provider_id": home_provider.pk,
            "item_code": "ZX01",
            "scheduled_on": "2026-11-28",
        },
    )
    assert order.status_code == 201
    assert order.json()["number"] == "GD202611000001"
    assert order.json()["amount"] == "40.00"
    order_id = order.json()["id"]

    client.logout()
    verified_login(client, provider_manager)
    assigned = post(client, f"/orders/{order_id}/assign", {"caregiver_id": caregiver.pk})
    assert assigned.json()["caregiver_id"] == caregiver.pk
    assert assigned.json()["address"] == "杨舍镇合成社区01 第6幢601室"
    assert "id_number" not in assigned.json()

    client.logout()
    verified_login(client, caregiver.user)
    early = post(client, f"/orders/{order_id}/check-out", {"location": "31.8754,120.5559"})
    assert early.status_code == 422
    assert early.json()["errors"][0]["message_zh"] == "该工单尚未签到，不能签退：请先上户签到"

    photo = base64.b64encode(b"photo-bytes").decode()
    checked_in = post(
        client,
        f"/orders/{order_id}/check-in",
        {"location": "31.8754,120.5559", "photo_base64": photo},
    )
    assert checked_in.json()["state"] == "in_service"
    assert checked_in.json()["check_in_location"] == "31.875400,120.555900"
    assert checked_in.json()["check_in_photo"] == hashlib.sha256(b"photo-bytes").hexdigest()
    with time_machine.travel(NOW + dt.timedelta(minutes=25), tick=False):
        done = post(client, f"/orders/{order_id}/check-out", {"location": "31.8755,120.5559"})
    assert done.json()["state"] == "done"
    assert done.json()["check_out_at"].startswith("2026-11-28T01:25")

    client.logout()
    verified_login(client, yangshe_clerk)
    sample = client.get(API + "/callbacks/sample?month=2026-11&rate=1&seed=3").json()
    assert (sample["pending"], [o["id"] for o in sample["items"]]) == (1, [order_id])
    callback = post(
        client,
        f"/orders/{order_id}/callbacks",
        {"reached": True, "service_confirmed": True, "satisfaction": 5},
    )
    assert callback.status_code == 201
    assert client.get(API + "/callbacks/sample?month=2026-11").json()["pending"] == 0


def test_a_visit_for_an_elder_not_in_the_providers_plan_is_422_and_nothing_changes(
    client, plan, other_manager
):
    verified_login(client, other_manager)
    response = post(
        client,
        "/orders",
        {"person_id": plan.person_id, "item_code": "ZX01", "scheduled_on": "2026-11-28"},
    )
    assert response.status_code == 422
    assert (
        "不在“张家港安康护理服务社”的有效服务计划内" in response.json()["errors"][0]["message_zh"]
    )
    assert not WorkOrder.objects.exists()


def test_a_provider_sees_only_its_own_orders_by_api(client, order, other_manager, caregiver):
    verified_login(client, other_manager)
    assert client.get(API + "/orders").json()["count"] == 0
    assert client.get(f"{API}/orders/{order.pk}").status_code == 404
    assert post(client, f"/orders/{order.pk}/cancel", {}).status_code == 404
    assert WorkOrder.objects.get(pk=order.pk).state == "planned"


def test_the_plan_of_a_dead_person_is_refused_by_api(
    client, yangshe_clerk, elder, home_provider, catalogue
):
    Person.objects.filter(pk=elder.pk).update(death_date=dt.date(2026, 9, 9))
    verified_login(client, yangshe_clerk)
    response = post(
        client,
        "/plans",
        {
            "person_id": elder.pk,
            "provider_id": home_provider.pk,
            "items": {"ZX01": 4},
            "monthly_budget": "160",
            "valid_from": "2026-11-01",
        },
    )
    assert response.status_code == 422
    assert (
        response.json()["errors"][0]["message_zh"] == "陈老伯已于2026-09-09死亡，不能制定服务计划"
    )
    assert not ServicePlan.objects.exists()


def test_plan_end_and_cancel_by_api(client, order, yangshe_clerk):
    verified_login(client, yangshe_clerk)
    cancelled = post(client, f"/orders/{order.pk}/cancel", {"note": "住院"})
    assert cancelled.json()["state"] == "cancelled"
    ended = post(client, f"/plans/{order.plan_id}/end", {"valid_to": "2026-11-30"})
    assert ended.json()["valid_to"] == "2026-11-30"


def test_items_by_api(client, eldercare_staff, catalogue, provider_manager):
    verified_login(client, eldercare_staff)
    created = post(
        client,
        "/items",
        {
            "code": "JC01",
            "name": "助餐：送餐上门",
            "category": "助餐",
            "minutes": 20,
            "min_minutes": 10,
            "price": "8.00",
        },
    )
    assert created.status_code == 201
    updated = client.post(
        f"{API}/items/{created.json()['id']}",
        {
            "code": "JC01",
            "name": "助餐：送餐上门",
            "category": "助餐",
            "minutes": 20,
            "min_minutes": 10,
            "price": "9.50",
        },
        content_type="application/json",
    )
    assert updated.json()["price"] == "9.50"
    client.logout()
    verified_login(client, provider_manager)
    assert len(client.get(API + "/items").json()) == 4
    assert (
        post(
            client,
            "/items",
            {
                "code": "JC02",
                "name": "x",
                "category": "助餐",
                "minutes": 20,
                "min_minutes": 10,
                "price": "1",
            },
        ).status_code
        == 403
    )


# --- the CLI -----------------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("homecare", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_the_cli_makes_the_months_orders_once(plan, eldercare_staff):
    code, out, _ = run(
        "orders", "--month", "2026-12", "--plan-generate", "--user", "eldercare_staff"
    )
    assert code == 0
    assert "新生成工单 6 张 orders created" in out
    code, out, _ = run(
        "orders", "--month", "2026-12", "--plan-generate", "--user", "eldercare_staff"
    )
    assert "新生成工单 0 张 orders created, 已有 6 张" in out
    assert WorkOrder.objects.filter(scheduled_on__month=12).count() == 6


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("orders", "--month", "2026-13", "--plan-generate", "--user", "eldercare_staff"),
            "YYYY-MM",
        ),
        (("orders", "--month", "2026-12", "--plan-generate", "--user", "nobody"), "nobody"),
        (("orders", "--month", "2026-12", "--user", "eldercare_staff"), "--plan-generate"),
        (
            ("orders", "--month", "2026-12", "--plan-generate", "--user", "yikang_manager"),
            "may not",
        ),
    ],
)
def test_the_cli_refuses_bad_input_with_exit_code_2(
    plan, eldercare_staff, provider_manager, args, message
):
    code, _, err = run(*args)
    assert code == 2
    assert message in err
    assert not WorkOrder.objects.exists()


def test_the_cli_samples_call_backs(order, caregiver, eldercare_staff):
    code, out, _ = run("callbacks", "--month", "2026-11", "--user", "eldercare_staff")
    assert code == 0
    assert "未回访 0 张 pending, 抽样比例 rate 0.1" in out


# --- the month's orders, as a property ------------------------------------------------------------


class PlanGenerateProperty(TestCase):
    """For any plan items and month, each item gets exactly times_per_month orders in the month."""

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        month=st.integers(1, 12),
        times=st.lists(st.integers(1, 40), min_size=1, max_size=3),
        runs=st.integers(1, 2),
    )
    def test_each_item_gets_its_times_inside_the_month(self, month, times, runs):
        call_command("loaddivisions", verbosity=0, stdout=io.StringIO())
        village = Division.objects.filter(kind__in=["village", "community"]).first()
        if village is None:
            village = Division.objects.create(
                code="320582100998",
                name="测试社区",
                kind="community",
                parent=Division.objects.get(code="320582100"),
            )
        staff = _user("eldercare_staff", Role.CITY_STAFF, "320582")
        staff.business_line = "eldercare"
        staff.save()
        person = Person.objects.create(
            name="测试老人",
            id_number_encrypted="x",
            id_number_index=make_id_number("19400101", 1)[:32],
            sex="male",
            birth_date=dt.date(1940, 1, 1),
            hukou_division=village,
            residence_division=village,
        )
        provider = Provider.objects.create(name="p", credit_code="52320582MJ0000003X")
        plan = ServicePlan.objects.create(
            person=person,
            provider=provider,
            division_code=village.code,
            valid_from=dt.date(2020, 1, 1),
            monthly_budget=Decimal("100"),
            created_by=staff,
        )
        for index, count in enumerate(times):
            item = ServiceItem.objects.create(
                code=f"T{index}",
                name=f"项目{index}",
                category="c",
                minutes=30,
                min_minutes=20,
                price=Decimal("10"),
            )
            PlanItem.objects.create(plan=plan, item=item, times_per_month=count)
        first = dt.date(2027, month, 1)
        for _ in range(runs):
            orders_plan_generate(acting_user=staff, month=first, on=TODAY)

        for index, count in enumerate(times):
            dates = list(
                WorkOrder.objects.filter(item__code=f"T{index}").values_list(
                    "scheduled_on", flat=True
                )
            )
            assert len(dates) == count
            assert all((date.year, date.month) == (2027, month) for date in dates)
        numbers = list(WorkOrder.objects.values_list("number", flat=True))
        assert len(set(numbers)) == len(numbers) == sum(times)
        assert all(number.startswith(f"GD2027{month:02d}") for number in numbers)


def test_a_month_without_a_sampling_rate_is_422_not_a_server_error(client, yangshe_clerk):
    verified_login(client, yangshe_clerk)

    response = client.get(API + "/callbacks/sample?month=1900-01")

    assert response.status_code == 422
    assert response.json()["errors"][0]["message_zh"] == "1900年01月没有回访抽样比例参数"
    page = client.get("/eldercare/homecare/callbacks/?month=1900-01")
    assert page.status_code == 200
    assert "1900年01月没有回访抽样比例参数" in page.content.decode()
