"""A death recorded once ends every eldercare service of the person (the after-death bundle)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from minzheng.eldercare.care import device_register
from minzheng.eldercare.homecare import PlanIn, service_plan_create, work_order_create
from minzheng.eldercare.meals import MealPointIn, meal_point_create, meal_registration_create
from minzheng.eldercare.models import Device, MealRegistration, ServicePlan, WorkOrder
from minzheng.funeral.services import after_death_bundle

DIED = dt.date(2026, 11, 20)


@pytest.fixture
def served(elder, home_provider, caregiver, catalogue, yangshe_clerk):
    """陈老伯 with a home-service plan and a visit planned after his death, a meal point
    registration and an SOS device."""
    service_plan_create(
        acting_user=yangshe_clerk,
        person_id=elder.pk,
        data=PlanIn(
            provider_id=home_provider.pk,
            items={"ZX01": 4},
            monthly_budget=Decimal("300.00"),
            valid_from=dt.date(2026, 10, 1),
        ),
        on=dt.date(2026, 10, 1),
    )
    work_order_create(
        acting_user=yangshe_clerk,
        person_id=elder.pk,
        item_code="ZX01",
        scheduled_on=dt.date(2026, 11, 25),
        on=dt.date(2026, 11, 1),
        provider_id=home_provider.pk,
        caregiver_id=caregiver.pk,
    )
    point = meal_point_create(
        acting_user=yangshe_clerk,
        data=MealPointIn(
            name="合成社区老年食堂",
            division_code=elder.residence_division_id,
            address="合成社区",
            capacity=50,
        ),
    )
    meal_registration_create(
        acting_user=yangshe_clerk, point=point, person=elder, on=dt.date(2026, 10, 1)
    )
    device_register(
        acting_user=yangshe_clerk,
        person=elder,
        device_type="sos",
        serial="SOS-0001",
        installed_on=dt.date(2026, 10, 1),
        provider=home_provider,
        on=dt.date(2026, 10, 1),
    )
    return elder


@pytest.mark.parametrize("recorder", ["yangshe_clerk", "payroll_staff"])
def test_a_death_ends_plans_visits_meals_and_devices(request, served, recorder):
    """Whoever may record the death (the town, or city staff of another line) ends it all."""
    user = request.getfixturevalue(recorder)

    result = after_death_bundle(acting_user=user, person=served, death_date=DIED)

    assert ServicePlan.objects.get(person=served).valid_to == DIED
    assert WorkOrder.objects.get(person=served).state == "cancelled"
    assert MealRegistration.objects.get(person=served).valid_to == DIED
    assert Device.objects.get(person=served).active is False
    assert result.eldercare == [
        "终止居家上门服务计划（张家港颐康居家养老服务中心），终止日期2026-11-20",
        "停止1张待服务的上门服务工单",
        "终止在“合成社区老年食堂”的助餐登记（2026-11-20）",
        "停用智能设备1台：SOS-0001",
    ]
