"""Headless Chromium through Playwright's sync API, against pytest-django's live server.

Debian's Chromium at /usr/bin/chromium is used as it is; `playwright install` is never run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from minzheng.accounts.models import User
from tests.conftest import PASSWORD, totp_code

# Playwright's sync API runs an asyncio event loop in the test thread; Django's ORM refuses to
# run while a loop is running in its thread unless told that this is deliberate.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[object]:
    """One headless Chromium per test module; each test gets its own context (cookies)."""
    if not CHROMIUM.exists():
        message = (
            "Chromium not found at /usr/bin/chromium; "
            "install Debian's chromium to run browser tests"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: browser tests must run in CI)", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def browser_page(chromium_browser, live_server) -> Iterator[object]:
    """A fresh page (own cookies) whose relative URLs go to the live server."""
    context = chromium_browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login page, and through the one-time code step where there is one."""
    from playwright.sync_api import expect

    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    if "/accounts/two-factor/" in page.url:
        page.fill("#id_otp_token", totp_code(User.objects.get(username=username)))
        page.get_by_role("button", name="验证").click()
    expect(page.locator("#total-population")).to_be_visible()
