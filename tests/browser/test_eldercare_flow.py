"""Eldercare in a real browser: assess an elder, plan a home service, a caregiver's visit on the
phone page that is too short, flagged by supervision and held out of the month's settlement.

October 2026: 杨舍镇's clerk assesses 陈老伯 (88, lives alone) on the page and plans 居室清洁 with
颐康, then sends an order; the provider's manager gives it to 李护理; on 13 October 李护理 opens
the phone page at 375 px, checks in with a typed location and checks out a minute later. On
2 November the city's eldercare staff run the supervision rules for October: the visit is
flagged 服务时长不足, and the October settlement of 颐康 pays nothing and holds that visit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from minzheng.eldercare.models import Assessment, Settlement, WorkOrder
from minzheng.registry.models import Person
from minzheng.rules.ability import ITEMS
from tests.browser.conftest import TIMEOUT_MS, log_in
from tests.eldercare.conftest import (  # noqa: F401 - fixtures
    caregiver,
    catalogue,
    elder,
    elder_household,
    home_provider,
    provider_manager,
)

pytestmark = pytest.mark.browser

HOME = "31.875400,120.555900"


def _at(month: int, day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=timezone.get_current_timezone())


@contextmanager
def _signed_in(chromium_browser, live_server, username: str, width: int = 1280) -> Iterator[Page]:
    context = chromium_browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": width, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        log_in(page, username)
        yield page
    finally:
        context.close()


@pytest.mark.usefixtures(
    "elder", "yangshe_clerk", "provider_manager", "caregiver", "catalogue", "eldercare_staff"
)
def test_assess_plan_visit_on_the_phone_and_a_too_short_visit_is_held(
    chromium_browser, live_server
):
    person = Person.objects.get(name="陈老伯")
    with time_machine.travel(_at(10, 5, 9), tick=True):
        with _signed_in(chromium_browser, live_server, "yangshe_clerk") as page:
            page.goto(f"/eldercare/persons/{person.pk}/")
            page.locator("#assess-link").click()
            # 进食 … 如厕 need help (1 of 4 each), the rest intact: 66, 轻度; dementia: 中度
            for number, _, maximum in ITEMS:
                score = 1 if number.startswith("B.1.") else maximum
                page.select_option(f'[id="id_{number}"]', str(score))
            page.fill("#id_assessors", "张评估、王评估")
            page.check("#id_dementia")
            page.locator("#assessment-submit").click()
            expect(page.locator("#assessment-total")).to_have_text("66 / 90")
            expect(page.locator("#assessment-level")).to_contain_text("能力中度受损")

            page.goto(f"/eldercare/persons/{person.pk}/")
            expect(page.locator("#current-level")).to_contain_text("能力中度受损")
            page.get_by_role("link", name="制定居家上门服务计划").click()
            page.select_option("#id_provider", label="张家港颐康居家养老服务中心")
            page.fill("#id_monthly_budget", "300")
            page.fill("#id_valid_from", "2026-10-01")
            page.fill("#id_home_lat", "31.875400")
            page.fill("#id_home_lng", "120.555900")
            page.get_by_label("助洁：居室清洁（40.00元/次）每月次数").fill("4")
            page.get_by_role("button", name="保存").click()
            page.get_by_role("link", name="派单").click()
            page.fill("#id_scheduled_on", "2026-10-13")
            page.get_by_role("button", name="保存").click()
            order = WorkOrder.objects.get(person=person)
            expect(page.get_by_role("heading", name=order.number)).to_be_visible()
        assert Assessment.objects.get(person=person).level == 2

        with _signed_in(chromium_browser, live_server, "yikang_manager") as page:
            page.goto(f"/eldercare/homecare/orders/{order.pk}/")
            page.select_option("#caregiver", label="李护理（四级/中级工）")
            page.get_by_role("button", name="指派").click()
            expect(page.get_by_text("李护理").first).to_be_visible()

    with (
        time_machine.travel(_at(10, 13, 9), tick=True),
        _signed_in(chromium_browser, live_server, "caregiver_li", width=375) as page,
    ):
        page.goto("/eldercare/homecare/phone/")
        page.get_by_text("陈老伯").click()
        page.fill("#location", HOME)
        page.get_by_role("button", name="上户签到").click()
        expect(page.locator("#state")).to_have_text("服务中")
        page.fill("#location", HOME)
        page.get_by_role("button", name="下户签退").click()
        expect(page.locator("#state")).to_have_text("已完成")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375

    with (
        time_machine.travel(_at(11, 2, 10), tick=True),
        _signed_in(chromium_browser, live_server, "eldercare_staff") as page,
    ):
        page.goto("/eldercare/supervision/?month=2026-10")
        page.get_by_role("button", name="运行2026-10监管规则").click()
        expect(page.get_by_text(order.number)).to_be_visible()
        expect(page.get_by_role("cell", name="服务时长不足").first).to_be_visible()

        page.goto("/eldercare/settlements/")
        page.select_option(
            "#settlement-close select[name=provider]", label="张家港颐康居家养老服务中心"
        )
        page.fill("#settlement-close input[name=month]", "2026-10")
        page.get_by_role("button", name="结算该月").click()
        expect(page.get_by_text("暂缓结算 1 张")).to_be_visible()
        expect(page.get_by_role("link", name=order.number)).to_be_visible()

    settlement = Settlement.objects.get()
    assert (settlement.orders_paid, settlement.orders_held, settlement.amount) == (0, 1, 0)
    order.refresh_from_db()
    assert order.settlement is None
    assert [flag["code"] for flag in order.flags] == ["too_short"]
