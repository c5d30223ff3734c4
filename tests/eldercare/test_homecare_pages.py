"""Home-service pages: the caregiver's phone page check-in/out flow, the office's and the
provider's pages, through the Django test client."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from minzheng.eldercare.homecare import PlanIn, service_plan_create, work_order_create
from minzheng.eldercare.models import CallBack, ServicePlan, WorkOrder
from tests.conftest import verified_login

NOW = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 28)


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
            items={"ZX01": 4},
            monthly_budget=Decimal("200"),
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


def test_the_caregiver_checks_in_and_out_on_the_phone_page(client, order, caregiver):
    verified_login(client, caregiver.user)

    listing = client.get("/eldercare/homecare/phone/")
    assert listing.status_code == 200
    assert "陈老伯" in listing.content.decode()
    assert "杨舍镇合成社区01 第6幢601室" in listing.content.decode()

    page = client.get(f"/eldercare/homecare/phone/orders/{order.pk}/")
    body = page.content.decode()
    assert "上户签到" in body
    assert "eldercare/phone.js" in body
    assert "<script>" not in body  # CSP: no inline script

    photo = SimpleUploadedFile("p.jpg", b"\xff\xd8photo", content_type="image/jpeg")
    response = client.post(
        f"/eldercare/homecare/phone/orders/{order.pk}/check-in/",
        {"location": "31.8754,120.5559", "photo": photo},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == "in_service"
    assert order.check_in_at == NOW
    assert order.check_in_photo == hashlib.sha256(b"\xff\xd8photo").hexdigest()
    assert (
        "下户签退" in client.get(f"/eldercare/homecare/phone/orders/{order.pk}/").content.decode()
    )

    with time_machine.travel(NOW + dt.timedelta(minutes=28), tick=False):
        response = client.post(
            f"/eldercare/homecare/phone/orders/{order.pk}/check-out/",
            {"location": "31.8755,120.5560"},
            follow=True,
        )
    assert "签退成功" in response.content.decode()
    order.refresh_from_db()
    assert order.state == "done"
    assert order.check_out_at - order.check_in_at == dt.timedelta(minutes=28)
    assert (order.check_out_lat, order.check_out_lng) == (
        Decimal("31.875500"),
        Decimal("120.556000"),
    )


def test_a_check_out_before_check_in_on_the_phone_shows_the_chinese_error(client, order, caregiver):
    verified_login(client, caregiver.user)

    response = client.post(
        f"/eldercare/homecare/phone/orders/{order.pk}/check-out/",
        {"location": "31.8754,120.5559"},
        follow=True,
    )

    assert "该工单尚未签到，不能签退：请先上户签到" in response.content.decode()
    order.refresh_from_db()
    assert (order.state, order.check_out_at) == ("planned", None)


def test_a_check_in_without_a_location_is_refused_and_nothing_changes(client, order, caregiver):
    verified_login(client, caregiver.user)

    response = client.post(
        f"/eldercare/homecare/phone/orders/{order.pk}/check-in/", {"location": ""}, follow=True
    )

    assert "请填写定位" in response.content.decode()
    assert WorkOrder.objects.get(pk=order.pk).state == "planned"


def test_another_caregiver_or_the_manager_cannot_use_the_order_on_the_phone(
    client, order, provider_manager, other_manager
):
    verified_login(client, provider_manager)
    assert client.get("/eldercare/homecare/phone/").status_code == 403
    response = client.post(
        f"/eldercare/homecare/phone/orders/{order.pk}/check-in/", {"location": "31,120"}
    )
    assert response.status_code == 403
    assert WorkOrder.objects.get(pk=order.pk).state == "planned"


def test_the_office_makes_a_plan_on_the_form(
    client, yangshe_clerk, family, home_provider, catalogue
):
    verified_login(client, yangshe_clerk)
    url = f"/eldercare/homecare/persons/{family.head_id}/plan/"
    assert client.get(url).status_code == 200

    response = client.post(
        url,
        {
            "provider": home_provider.pk,
            "monthly_budget": "300",
            "valid_from": "2026-12-01",
            "home_lat": "31.87",
            "home_lng": "120.55",
            "times_ZX01": "4",
            "times_SH01": "",
            "times_ZY01": "0",
        },
    )

    plan = ServicePlan.objects.get(person_id=family.head_id)
    assert response.status_code == 302
    assert response["Location"] == f"/eldercare/homecare/plans/{plan.pk}/"
    assert [(i.item.code, i.times_per_month) for i in plan.items.all()] == [("ZX01", 4)]


def test_another_town_cannot_open_the_plan_form_of_a_yangshe_person(
    client, tangqiao_clerk, family, catalogue
):
    verified_login(client, tangqiao_clerk)
    assert client.get(f"/eldercare/homecare/persons/{family.head_id}/plan/").status_code == 404


def test_the_order_list_filters_by_state_provider_town_and_date(client, order, eldercare_staff):
    verified_login(client, eldercare_staff)

    def numbers(query: str) -> int:
        return client.get("/eldercare/homecare/orders/" + query).content.decode().count("GD2026")

    assert numbers("") == 1
    assert numbers("?state=planned&town=320582100") == 1
    assert numbers("?state=done") == 0
    assert numbers(f"?provider={order.provider_id}&date_from=2026-11-28&date_to=2026-11-28") == 1
    assert numbers("?date_from=2026-11-29") == 0
    assert numbers("?town=320582103") == 0


def test_the_manager_sees_own_orders_and_assigns_a_caregiver(
    client, plan, provider_manager, caregiver, other_manager
):
    order = work_order_create(
        acting_user=provider_manager,
        person_id=plan.person_id,
        item_code="ZX01",
        scheduled_on=TODAY,
        on=TODAY,
    )
    verified_login(client, provider_manager)
    page = client.get(f"/eldercare/homecare/orders/{order.pk}/").content.decode()
    assert "指派护理员" in page
    assert "杨舍镇合成社区01 第6幢601室" in page
    client.post(f"/eldercare/homecare/orders/{order.pk}/assign/", {"caregiver": caregiver.pk})
    assert WorkOrder.objects.get(pk=order.pk).caregiver == caregiver

    client.logout()
    verified_login(client, other_manager)
    assert client.get(f"/eldercare/homecare/orders/{order.pk}/").status_code == 404
    assert "GD2026" not in client.get("/eldercare/homecare/orders/").content.decode()


def test_the_manager_is_refused_an_order_for_an_elder_outside_the_plan(client, plan, other_manager):
    verified_login(client, other_manager)
    assert client.get(f"/eldercare/homecare/plans/{plan.pk}/orders/new/").status_code == 404


def test_the_office_records_a_call_back_and_the_sample_page_lists_done_orders(
    client, order, caregiver, yangshe_clerk
):
    from minzheng.eldercare.homecare import work_order_check_in, work_order_check_out

    work_order_check_in(
        acting_user=caregiver.user, order=order, at=NOW, location="31.8754,120.5559", on=TODAY
    )
    work_order_check_out(
        acting_user=caregiver.user,
        order=order,
        at=NOW + dt.timedelta(hours=1),
        location="31.8754,120.5559",
        on=TODAY,
    )
    verified_login(client, yangshe_clerk)
    sample = client.get("/eldercare/homecare/callbacks/?month=2026-11&seed=7").content.decode()
    assert order.number in sample

    client.post(
        f"/eldercare/homecare/orders/{order.pk}/callback/",
        {"reached": "on", "service_confirmed": "true", "satisfaction": "4", "note": "满意"},
    )

    callback = CallBack.objects.get(order=order)
    assert (callback.service_confirmed, callback.satisfaction) == (True, 4)
    assert (
        order.number
        not in client.get("/eldercare/homecare/callbacks/?month=2026-11").content.decode()
    )


@pytest.mark.parametrize(
    "url",
    [
        "/eldercare/homecare/providers/",
        "/eldercare/homecare/items/",
        "/eldercare/homecare/plans/",
        "/eldercare/homecare/orders/",
        "/eldercare/homecare/callbacks/",
        "/eldercare/homecare/providers/new/",
        "/eldercare/homecare/items/new/",
    ],
)
def test_the_office_pages_open_for_the_city_eldercare_staff(client, eldercare_staff, order, url):
    verified_login(client, eldercare_staff)
    assert client.get(url).status_code == 200


def test_the_provider_page_warns_of_expired_certificates(
    client, eldercare_staff, home_provider, caregiver
):
    caregiver.certificate_valid_to = dt.date(2026, 1, 31)
    caregiver.save()
    verified_login(client, eldercare_staff)

    page = client.get(f"/eldercare/homecare/providers/{home_provider.pk}/").content.decode()

    assert "职业技能证书已于2026-01-31过期" in page
