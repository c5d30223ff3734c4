"""Sign-in with a one-time code, the user pages, and the CSP in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from minzheng.accounts.models import User
from minzheng.audit.models import AuditEvent
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, totp_code

pytestmark = pytest.mark.browser


def _csp_violations(page: Page) -> list[str]:
    messages: list[str] = []
    page.on(
        "console",
        lambda message: (
            messages.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return messages


def test_admin_signs_in_with_a_code_and_creates_a_user(browser_page: Page, city_admin):
    page = browser_page
    violations = _csp_violations(page)
    page.goto("/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()

    expect(page.locator("h1")).to_have_text("两步验证")
    expect(page.get_by_role("link", name="人员查询")).to_have_count(0)
    page.fill("#id_otp_token", totp_code(city_admin))
    page.get_by_role("button", name="验证").click()
    expect(page.locator("#total-population")).to_be_visible()

    page.get_by_role("link", name="用户管理").click()
    page.click("#user-new")
    page.fill("#id_username", "chen_clerk")
    page.fill("#id_full_name", "陈静")
    page.select_option("#id_role", "town_clerk")
    page.select_option("#id_division_code", "320582101")
    page.fill("#id_password", "a-new-long-passphrase")
    page.get_by_role("button", name="创建").click()

    expect(page.locator("h1")).to_have_text("chen_clerk")
    expect(page.locator("#user-status")).to_have_text("在用")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#user-deactivate")
    expect(page.locator("#user-status")).to_have_text("已停用")
    assert User.objects.get(username="chen_clerk").is_active is False
    assert list(
        AuditEvent.objects.filter(actor=city_admin).order_by("pk").values_list("action", flat=True)
    ) == ["accounts.user.create", "accounts.user.deactivate"]
    assert violations == []


def test_dismissing_the_confirmation_changes_nothing(browser_page: Page, city_admin, yangshe_clerk):
    page = browser_page
    log_in(page, "admin")
    page.goto(f"/accounts/users/{yangshe_clerk.pk}/")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("#user-deactivate")
    expect(page.locator("#user-status")).to_have_text("在用")
    assert User.objects.get(pk=yangshe_clerk.pk).is_active is True


def test_the_language_switch_and_the_charts_work_under_the_policy(
    browser_page: Page, family, yangshe_clerk
):
    page = browser_page
    violations = _csp_violations(page)
    log_in(page, "yangshe_clerk")
    expect(page.locator("#chart-towns canvas")).to_have_count(1)
    for chart in ("#chart-towns", "#chart-pyramid", "#chart-ageing"):  # tooltips
        box = page.locator(chart).bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(300)
    for path in ("/registry/persons/?q=王", f"/registry/households/{family.pk}/"):
        page.goto(path)

    page.select_option("select[name=language]", "en")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert violations == []


def test_the_api_docs_render_under_the_policy(browser_page: Page, db):
    page = browser_page
    violations = _csp_violations(page)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto("/api/docs")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Minzheng API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert violations == []
    assert errors == []
