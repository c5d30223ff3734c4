"""A clerk's day in a real browser: log in, find a person, open the household, record a death."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from minzheng.registry.models import Membership, Person
from tests.conftest import CHILD_ID, HEAD_ID, PASSWORD

pytestmark = pytest.mark.browser

SCREENSHOT = "/tmp/household.png"  # noqa: S108 - looked at by hand after the run


def _masked(id_number: str) -> str:
    return id_number[:6] + "********" + id_number[14:]


def _log_in(page: Page, username: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#total-population")).to_be_visible()


def test_clerk_finds_a_person_and_opens_the_household(browser_page: Page, family, yangshe_clerk):
    page = browser_page
    _log_in(page, "yangshe_clerk")

    page.get_by_role("link", name="人员查询").click()
    page.fill("#id_q", "王建国")
    page.get_by_role("button", name="查询").click()
    results = page.locator("#person-results tbody tr")
    expect(results).to_have_count(1)
    results.get_by_role("link", name="王建国").click()

    expect(page.locator("h1")).to_have_text("王建国")
    expect(page.get_by_text(_masked(HEAD_ID), exact=True)).to_be_visible()
    assert HEAD_ID not in page.content()

    page.click("#household-link")

    expect(page.locator("#household-head")).to_have_text("王建国")
    members = page.locator("#current-members tbody tr")
    expect(members).to_have_count(3)
    expect(members.locator("td:first-child")).to_have_text(["王建国", "李秀英", "王磊"])
    expect(page.locator("h1")).to_contain_text("ZJG000000001")
    page.screenshot(path=SCREENSHOT, full_page=True)


def test_dashboard_draws_the_echarts_for_the_city_admin(
    browser_page: Page, family, tangqiao_family, city_admin
):
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    _log_in(page, "admin")

    expect(page.locator("#total-population")).to_have_text("4")
    expect(page.locator("#chart-towns canvas")).to_have_count(1)
    expect(page.locator("#chart-pyramid canvas")).to_have_count(1)
    expect(page.locator("#chart-ageing canvas")).to_have_count(1)
    box = page.locator("#chart-towns canvas").bounding_box()
    assert box is not None
    assert box["width"] > 100
    assert box["height"] > 100
    assert errors == []


def test_recording_a_death_on_the_person_page_shows_the_badge(
    browser_page: Page, family, yangshe_clerk
):
    page = browser_page
    child = Person.objects.get(id_number=CHILD_ID)
    dialogs: list[str] = []

    def accept(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    _log_in(page, "yangshe_clerk")
    page.goto(f"/registry/persons/{child.pk}/")

    page.fill("#id_death_date", "2024-06-01")
    page.get_by_role("button", name="登记死亡").click()

    expect(page.locator(".badge")).to_have_text("已于 2024-06-01 死亡")
    expect(page.get_by_text("已登记死亡，家庭成员关系已终止")).to_be_visible()
    expect(page.get_by_role("button", name="登记死亡")).to_have_count(0)
    assert dialogs == ["确认登记死亡？家庭成员关系将终止。"]
    child.refresh_from_db()
    assert child.death_date == dt.date(2024, 6, 1)
    assert list(Membership.objects.filter(person=child).values_list("valid_to", "end_reason")) == [
        (dt.date(2024, 6, 1), "death")
    ]
