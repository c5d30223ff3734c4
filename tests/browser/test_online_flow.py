"""A citizen turns a calculator result into an application and follows it without an account.

The citizen fills in the calculator for the registered 王建国 household, applies for dibao from
the result ("用此结果申请"), completes the form and gets a number; 杨舍镇's clerk turns the
application into a case of the registered household; the citizen's tracking page shows the case.
"""

from __future__ import annotations

import re

import pytest
import time_machine
from playwright.sync_api import Page, expect

from minzheng.assistance.models import AssistanceCase, OnlineApplication
from tests.browser.conftest import log_in
from tests.conftest import HEAD_ID, YANGSHE, YANGSHE_VILLAGE

pytestmark = pytest.mark.browser


def _watch_csp(page: Page, violations: list[str]) -> None:
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )


def _fill_calculator(page: Page) -> None:
    page.goto("/policies/calculator/")
    page.select_option("#id_size", "3")  # the select submits itself and adds two blocks
    expect(page.locator("#member-3")).to_be_visible()
    page.fill("#id_members-0-id", "王建国")
    page.fill("#id_members-0-birth_date", "1960-03-15")
    page.select_option("#id_members-0-employment", "retired")
    page.fill("#id_members-0-income_pension", "600")
    page.fill("#id_members-1-id", "李秀英")
    page.select_option("#id_members-1-relation", "spouse")
    page.fill("#id_members-1-birth_date", "1962-11-02")
    page.select_option("#id_members-1-disability_category", "physical")
    page.select_option("#id_members-1-disability_grade", "2")
    page.fill("#id_members-1-income_pension", "500")
    page.fill("#id_members-2-id", "王磊")
    page.select_option("#id_members-2-relation", "child")
    page.fill("#id_members-2-birth_date", "1990-05-20")
    page.select_option("#id_members-2-employment", "unemployed")
    page.fill("#id_assets_financial", "2000")
    page.fill("#id_residential_homes", "1")
    page.get_by_role("button", name="开始测算").click()
    expect(page.locator("#result")).to_be_visible()


def test_a_calculator_result_becomes_an_application_the_town_converts_and_the_citizen_follows(
    chromium_browser, live_server, family, yangshe_clerk
):
    violations: list[str] = []
    with time_machine.travel("2026-01-05 09:00 +0800", tick=True):
        citizen = chromium_browser.new_context(base_url=live_server.url, locale="zh-CN")
        page = citizen.new_page()
        _watch_csp(page, violations)
        _fill_calculator(page)
        expect(page.locator("#program-dibao .program-status")).to_have_text("可能符合")
        expect(page.locator("#apply-longevity_allowance")).to_have_count(0)  # not assistance
        page.locator("#apply-dibao").click()

        expect(page.locator("#online-program")).to_have_text("最低生活保障")
        expect(page.locator("#privacy-notice")).to_contain_text("个人信息告知")
        expect(page.locator("#online-declared .declared-member")).to_have_count(3)
        page.fill("#id_name", "王建国")
        page.fill("#id_id_number", HEAD_ID)
        page.fill("#id_phone", "13955556666")
        page.select_option("#id_town", YANGSHE)  # submits itself: the town's villages appear
        expect(page.locator(f"#id_division_code option[value='{YANGSHE_VILLAGE}']")).to_have_count(
            1
        )
        expect(page.locator("#id_phone")).to_have_value("13955556666")  # kept
        page.select_option("#id_division_code", YANGSHE_VILLAGE)
        page.check("#id_consent")
        page.get_by_role("button", name="提交申请").click()

        number = page.locator("#online-number").inner_text().strip()
        assert re.fullmatch(r"WS20260105[0-9A-F]{6}", number)
        application = OnlineApplication.objects.get(number=number)
        assert application.state == "submitted"

        page.goto("/assistance/track/")
        page.fill("#id_number", number)
        page.fill("#id_id_number", HEAD_ID)
        page.get_by_role("button", name="查询").click()
        expect(page.locator("#track-state")).to_have_text("已提交，等待镇（街道）受理")

        clerk = chromium_browser.new_context(base_url=live_server.url, locale="zh-CN")
        office = clerk.new_page()
        _watch_csp(office, violations)
        log_in(office, "yangshe_clerk")
        office.goto("/assistance/online/")
        office.click(f"text={number}")
        expect(office.locator("#online-applicant")).to_have_text("王建国")
        expect(office.locator("#online-registry")).to_contain_text(family.number)
        office.get_by_role("button", name="转为救助申请").click()
        expect(office.locator("#case-state")).to_have_text("已申请")
        case = AssistanceCase.objects.get()
        assert (case.channel, case.applicant_id, case.household_id) == (
            "self",
            family.head_id,
            family.pk,
        )
        clerk.close()

        page.goto("/assistance/track/")
        page.fill("#id_number", number)
        page.fill("#id_id_number", HEAD_ID)
        page.get_by_role("button", name="查询").click()
        expect(page.locator("#track-state")).to_have_text(f"已转为申请 {case.number}（已申请）")
        expect(page.locator("#track-steps li")).to_have_count(2)
        citizen.close()
    assert violations == []
