"""A dibao case in a real browser, from application to its end by the recipient's death.

The clerk applies from the household page (members pre-filled from the registry), accepts with
the documents and the authorisation, verifies, visits and publishes the notice; seven days later
the town's approver approves with the rules' amount; the city's payroll staff close the first
month; then the clerk records the applicant's death and the case stops after that month.
"""

from __future__ import annotations

import pytest
import time_machine
from playwright.sync_api import Page, expect

from minzheng.assistance.models import AssistanceCase
from minzheng.registry.services import person_set_bank_account
from minzheng.rules import assess
from tests.assistance.conftest import family_request
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _step(page: Page, name: str) -> None:
    page.locator(f"#step-{name} button").click()
    page.wait_for_load_state()


def test_a_dibao_case_from_application_to_the_recipients_death(
    chromium_browser, live_server, family, yangshe_clerk, yangshe_approver, payroll_staff
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
        context.close()

    person_set_bank_account(
        acting_user=yangshe_clerk, person=family.head, account="6222020000123456789"
    )
    with time_machine.travel("2026-02-03 09:00 +0800", tick=True):
        context = chromium_browser.new_context(base_url=live_server.url, locale="zh-CN")
        page = context.new_page()
        log_in(page, "payroll_staff")
        page.goto("/assistance/payroll/")
        page.fill("#id_month", "2026-02")
        page.get_by_role("button", name="关账并生成发放文件").click()
        page.wait_for_load_state()
        expect(page.locator("#payroll-lines tbody tr")).to_have_count(1)
        expect(page.locator("#payroll-summary")).to_contain_text(
            f"{expected['monthly_amount']:.2f}"
        )
        context.close()

    with time_machine.travel("2026-02-21 09:00 +0800", tick=True):
        context = chromium_browser.new_context(base_url=live_server.url, locale="zh-CN")
        page = context.new_page()
        log_in(page, "yangshe_clerk")
        page.goto(f"/registry/persons/{family.head_id}/")
        page.fill("#id_death_date", "2026-02-20")
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="登记死亡").click()
        page.wait_for_load_state()
        expect(page.locator(".alert").filter(has_text="死亡停发")).to_have_count(1)
        page.goto(f"/assistance/cases/{case.pk}/")
        expect(page.locator("#case-state")).to_have_text("已终止")
        expect(page.locator(".timeline-step")).to_have_count(7)
        context.close()
    case.refresh_from_db()
    assert case.end_month.isoformat() == "2026-02-01"
