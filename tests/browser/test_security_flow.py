"""Issue 3's browser flows: no reaching another town's person; a reveal shows in the audit log."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from minzheng.audit.models import AuditEvent
from tests.browser.conftest import log_in
from tests.conftest import HEAD_ID

pytestmark = pytest.mark.browser


def test_town_worker_cannot_reach_another_towns_person(
    browser_page, family, tangqiao_family, tangqiao_clerk
) -> None:
    page = browser_page
    log_in(page, "tangqiao_clerk")
    page.goto("/registry/persons/?q=王建国")
    expect(page.locator("#person-results tbody")).to_contain_text("没有符合条件的人员")
    response = page.goto(f"/registry/persons/{family.head_id}/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("页面不存在")
    assert "王建国" not in page.content()
    missing = page.goto("/registry/persons/987654/")
    assert missing.status == 404


def test_a_reveal_with_a_reason_appears_in_the_audit_log_page(
    browser_page, family, yangshe_clerk, auditor
) -> None:
    page = browser_page
    log_in(page, "yangshe_clerk")
    page.goto(f"/registry/persons/{family.head_id}/")
    expect(page.get_by_text(HEAD_ID)).to_have_count(0)
    page.get_by_text("查看完整信息").first.click()
    page.select_option("#id_field", "id_number")
    page.fill("#id_reason", "核对临时救助申请人身份")
    page.get_by_role("button", name="查看", exact=True).click()
    expect(page.locator("#revealed")).to_contain_text(HEAD_ID)
    assert AuditEvent.objects.filter(action="registry.person.reveal").count() == 1

    page.context.clear_cookies()
    log_in(page, "auditor")
    page.goto("/audit/?action=registry.person.reveal")
    rows = page.locator("#audit-events tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("yangshe_clerk")
    expect(rows.first).to_contain_text("查看完整信息")
    expect(rows.first).to_contain_text("核对临时救助申请人身份")
    assert HEAD_ID not in page.content()
