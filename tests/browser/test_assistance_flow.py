"""A dibao case in a real browser: the clerk applies and prepares it, the approver decides.

Application from the household page (members pre-filled from the registry), acceptance with the
documents and the authorisation, verification, home visit, public notice; seven days later the
town's approver approves with the rules' amount, and later terminates the case.
"""

from __future__ import annotations

import pytest
import time_machine
from playwright.sync_api import Page, expect

from minzheng.assistance.models import AssistanceCase
from minzheng.rules import assess
from tests.assistance.conftest import family_request
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _step(page: Page, name: str) -> None:
    page.locator(f"#step-{name} button").click()
    page.wait_for_load_state()


def test_a_dibao_case_from_application_to_termination(
    chromium_browser, live_server, family, yangshe_clerk, yangshe_approver
):
    with time_machine.travel("2026-01-05 09:00 +0800", tick=True):
        context = chromium_browser.new_context(base_url=live_server.url, locale="zh-CN")
        page = context.new_page()
        log_in(page, "yangshe_clerk")
        page.goto(f"/registry/households/{family.pk}/")
        page.click("#apply-assistance")
        expect(page.locator("#id_members-0-id")).to_have_value("王建国")
        page.fill("#id_members-0-income_pension", "600")
        page.fill("#id_members-1-income_pension", "500")
        page.select_option("#id_members-2-employment", "unemployed")
        page.fill("#id_assets_financial", "2000")
        page.fill("#id_residential_homes", "1")
        page.get_by_role("button", name="提交申请").click()
        page.wait_for_load_state()
        expect(page.locator("#case-state")).to_have_text("已申请")
        case = AssistanceCase.objects.get()

        page.check("#step-accept input[value='身份证、户口簿']")
        page.check("#step-accept input[value='家庭经济状况核对授权书']")
        page.check("#step-accept input[name='authorisation_signed']")
        _step(page, "accept")
        expect(page.locator("#case-state")).to_have_text("已受理")
        _step(page, "verify")
        page.fill("#step-visit input[name='worker_1']", "张三")
        page.fill("#step-visit input[name='worker_2']", "李四")
        page.fill("#step-visit textarea[name='findings']", "家中无贵重物品，情况属实")
        _step(page, "visit")
        _step(page, "notice")
        expect(page.locator("#case-state")).to_have_text("公示中")
        expect(page.locator("#step-approve")).to_have_count(0)  # the clerk does not decide
        context.close()

    with time_machine.travel("2026-01-12 09:00 +0800", tick=True):
        context = chromium_browser.new_context(base_url=live_server.url, locale="zh-CN")
        page = context.new_page()
        log_in(page, "yangshe_approver")
        page.goto("/inbox/")
        page.click(f"text={case.number}")
        page.fill("#step-approve input[name='start_month']", "2026-02")
        _step(page, "approve")
        expect(page.locator("#case-state")).to_have_text("保障中")
        expected = assess({**family_request(), "as_of": "2026-02"})["programs"]["dibao"]
        expect(page.locator("#case-amount")).to_have_text(f"{expected['monthly_amount']:.2f}")
        expect(page.locator("#case-reasons li")).to_have_count(len(expected["reasons"]))
        page.fill("#step-terminate input[name='reason']", "户主死亡")
        page.fill("#step-terminate input[name='last_month']", "2026-03")
        _step(page, "terminate")
        expect(page.locator("#case-state")).to_have_text("已终止")
        expect(page.locator(".timeline-step")).to_have_count(7)
        context.close()
