"""A monitoring alert in a real browser, from the data-exchange signal to the city's dashboard.

The 王建国 family receives dibao; the vehicle registry reports a car for the son in October,
and the city's monitoring raises one alert (救助家庭新增车辆或房产) for 杨舍镇. The town's clerk
finds it in the inbox and on the alerts page and assigns it to the village's social worker, who
closes it as 无需处理 with the reason; the page shows the state, the outcome and the timeline.
The city's assistance staff then see the counts on the monitoring dashboard.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
import time_machine
from playwright.sync_api import Page, expect

from minzheng.accounts.models import Role
from minzheng.alerts.models import Alert
from minzheng.assistance.monitoring import monitoring_run
from minzheng.assistance.services import case_apply
from minzheng.exchange.models import ExchangeBatch, Signal
from minzheng.registry.models import Membership
from tests.assistance.conftest import approve, family_request
from tests.browser.conftest import TIMEOUT_MS, log_in
from tests.conftest import YANGSHE_VILLAGE, _user

pytestmark = pytest.mark.browser

MONTH = dt.date(2026, 10, 1)
RAISED_ON = dt.date(2026, 11, 3)
REASON = "车辆为残疾人代步车，经入户核实家庭经济状况无变化"


@contextmanager
def _signed_in(chromium_browser, live_server, username: str) -> Iterator[Page]:
    """A fresh browser context (own cookies) signed in as the user."""
    context = chromium_browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        log_in(page, username)
        yield page
    finally:
        context.close()


@pytest.fixture
def vehicle_alert(family, yangshe_clerk, yangshe_approver, payroll_staff) -> Alert:
    """One alert raised by monitoring: the recipient family's son registered a car."""
    case = case_apply(
        acting_user=yangshe_clerk,
        household=family,
        applicant=family.head,
        program="dibao",
        request=family_request(),
        on=dt.date(2026, 1, 5),
    )
    approve(case, yangshe_clerk, yangshe_approver, dt.date(2026, 2, 1))
    son = Membership.objects.get(household=family, relation="child").person
    batch = ExchangeBatch.objects.create(
        source="vehicle",
        period=MONTH,
        file_name="vehicle-2026-10.csv",
        sha256="0" * 64,
        row_count=1,
        imported_by=payroll_staff,
    )
    Signal.objects.create(
        batch=batch,
        source="vehicle",
        kind="vehicle",
        person=son,
        on=dt.date(2026, 10, 12),
        amount=Decimal("60000"),
        data={"vehicle_type": "car"},
    )
    assert monitoring_run(acting_user=payroll_staff, month=MONTH, on=RAISED_ON).raised == 1
    return Alert.objects.get()


def test_an_alert_from_the_inbox_to_its_closing_and_the_citys_dashboard(
    chromium_browser, live_server, vehicle_alert, yangshe_clerk, payroll_staff
):
    worker = _user("yangshe_worker", Role.VILLAGE_WORKER, YANGSHE_VILLAGE)
    number = str(vehicle_alert)
    detail = f"/alerts/{vehicle_alert.pk}/"

    with time_machine.travel("2026-11-05 09:00 +0800", tick=True):
        with _signed_in(chromium_browser, live_server, "yangshe_clerk") as page:
            page.goto("/inbox/")
            inbox_row = page.locator("#inbox tbody tr").filter(has_text=number)
            expect(inbox_row).to_contain_text("预警：救助家庭新增车辆或房产")
            expect(inbox_row).to_contain_text("待处理")
            expect(inbox_row).to_contain_text("2026-11-18")  # raised + 15 days

            page.goto("/alerts/")
            list_row = page.locator("#alerts tbody tr").filter(has_text=number)
            expect(list_row).to_contain_text("救助家庭成员于 2026-10-12 登记机动车")
            list_row.get_by_role("link", name=number).click()
            expect(page).to_have_url(f"{live_server.url}{detail}")
            expect(page.locator("#alert-state")).to_have_text("待处理")

            page.locator("#alert-assign select[name='assignee']").select_option(str(worker.pk))
            page.locator("#alert-assign input[name='note']").fill("请入户核实车辆情况")
            page.locator("#alert-assign").get_by_role("button", name="分派").click()
            expect(page.locator(".alert-success")).to_have_text("已分派")
            expect(page.locator("#alert-state")).to_have_text("已分派")
            expect(page.locator(".timeline-step")).to_have_count(1)

        with _signed_in(chromium_browser, live_server, "yangshe_worker") as page:
            page.goto("/inbox/")
            page.locator("#inbox").get_by_role("link", name=number).click()
            expect(page.locator("#alert-state")).to_have_text("已分派")
            expect(page.locator("#alert-assign")).to_have_count(0)  # a worker does not assign
            page.locator("#alert-close select[name='outcome']").select_option(label="无需处理")
            page.locator("#alert-close textarea[name='note']").fill(REASON)
            page.locator("#alert-close").get_by_role("button", name="办结").click()
            expect(page.locator(".alert-success")).to_have_text("已办结")
            expect(page.locator("#alert-state")).to_have_text("已处理")
            expect(page.locator("#alert-outcome")).to_have_text(f"无需处理：{REASON}")
            expect(page.locator("#alert-close")).to_have_count(0)
            timeline = page.locator("#timeline li")
            expect(timeline).to_have_count(3)
            expect(timeline.nth(0)).to_contain_text("2026-11-03 系统预警")
            assign = page.locator(".timeline-step[data-step='assign']")
            expect(assign).to_contain_text("2026-11-05 yangshe_clerk：分派给 yangshe_worker")
            expect(assign).to_contain_text("请入户核实车辆情况")
            close = page.locator(".timeline-step[data-step='close']")
            expect(close).to_contain_text("2026-11-05 yangshe_worker：办结")
            expect(close).to_contain_text(REASON)

        with _signed_in(chromium_browser, live_server, "payroll_staff") as page:
            page.goto("/alerts/dashboard/")
            totals = page.locator("#alert-totals .fs-3")
            # raised, open, overdue, escalated to the city, closed
            expect(totals).to_have_text(["1", "0", "0", "0", "1"])
            row = page.locator("#alert-stats tbody tr")
            expect(row).to_have_count(1)
            expect(row.locator("td")).to_have_text(
                ["救助家庭新增车辆或房产", "杨舍镇", "1", "0", "0", "0", "1", "2.0"]
            )
            expect(page.locator("#chart-alerts canvas")).to_have_count(1)

    vehicle_alert.refresh_from_db()
    assert (vehicle_alert.state, vehicle_alert.outcome, vehicle_alert.assignee) == (
        "closed",
        "no_action",
        worker,
    )
    assert vehicle_alert.outcome_note == REASON
