"""A citizen on a phone fills in the policy calculator and reads the same answer assess() gives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from minzheng.rules import assess
from tests.browser.conftest import TIMEOUT_MS

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
SCREENSHOT = "/tmp/calculator.png"  # noqa: S108 - looked at by hand after the run


@pytest.fixture
def phone_page(chromium_browser, live_server) -> Iterator[Page]:
    """A fresh page in a phone-sized context (390 x 844, touch), against the live server."""
    context = chromium_browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def _years_ago(today: dt.date, years: int) -> dt.date:
    """Born on the first of this month `years` years ago: exactly that old this month."""
    return today.replace(year=today.year - years, day=1)


def _horizontal_overflow(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth") - PHONE["width"]


def test_a_couple_on_a_phone_gets_the_dibao_amount_and_reasons_of_assess(phone_page: Page, db):
    page = phone_page
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    today = timezone.localdate()
    head_birth = _years_ago(today, 72)
    spouse_birth = _years_ago(today, 70)

    page.goto("/policies/calculator/")
    expect(page.locator("h1")).to_have_text("政策计算器")
    assert _horizontal_overflow(page) <= 0
    page.select_option("#id_size", "2")  # the select submits itself and adds a block
    expect(page.locator("#member-2")).to_be_visible()
    expect(page.locator("#resized-notice")).to_be_visible()

    page.fill("#id_members-0-id", "户主")
    page.fill("#id_members-0-birth_date", head_birth.isoformat())
    page.fill("#id_members-0-income_pension", "600")
    page.fill("#id_members-1-id", "配偶")
    page.select_option("#id_members-1-relation", "spouse")
    page.fill("#id_members-1-birth_date", spouse_birth.isoformat())
    page.select_option("#id_members-1-disability_category", "physical")
    page.select_option("#id_members-1-disability_grade", "2")
    page.fill("#id_members-1-income_pension", "500")
    page.fill("#id_assets_financial", "3000")
    page.fill("#id_residential_homes", "1")
    assert _horizontal_overflow(page) <= 0
    page.get_by_role("button", name="开始测算").click()

    expect(page.locator("#result")).to_be_visible()
    expected = assess(
        {
            "as_of": f"{today:%Y-%m}",
            "members": [
                {
                    "id": "户主",
                    "relation": "head",
                    "birth_date": head_birth.isoformat(),
                    "income": {"pension": 600},
                },
                {
                    "id": "配偶",
                    "relation": "spouse",
                    "birth_date": spouse_birth.isoformat(),
                    "disability": {"category": "physical", "grade": 2},
                    "income": {"pension": 500},
                },
            ],
            "assets": {"financial": 3000, "homes": [{"use": "residential"}]},
        }
    )["programs"]
    dibao = page.locator("#program-dibao")
    assert expected["dibao"]["eligible"] is True
    expect(dibao.locator(".program-status")).to_have_text("可能符合")
    assert dibao.locator(".monthly-amount").inner_text() == (
        f"{expected['dibao']['monthly_amount']:,.2f}"
    )
    assert dibao.locator(".reason").all_inner_texts() == expected["dibao"]["reasons"]
    assert dibao.locator(".member-amount").all_inner_texts() == [
        f"{member['id']}：{member['monthly_amount']:,.2f} 元/月"
        for member in expected["dibao"]["members"]
    ]
    care = page.locator("#program-disability_care_subsidy")
    assert (
        care.locator(".reason").all_inner_texts()
        == (expected["disability_care_subsidy"]["reasons"])
    )
    expect(page.locator("#provisional-notice")).to_contain_text("待本地确认")
    assert page.locator("article.program").count() == 9
    assert _horizontal_overflow(page) <= 0
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.evaluate("window.print = function () { document.body.dataset.printed = 'yes'; }")
    page.click("#print-result")
    expect(page.locator("body")).to_have_attribute("data-printed", "yes")
    page.emulate_media(media="print")
    expect(page.locator("nav.navbar")).to_be_hidden()
    expect(page.locator("#calculator-form")).to_be_hidden()
    expect(page.locator("#program-dibao")).to_be_visible()
    assert violations == []
