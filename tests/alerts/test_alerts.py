"""The one alerts mechanism: raise once per fact, assign, close with an outcome, escalate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from minzheng.accounts.models import Role
from minzheng.alerts.models import Alert
from minzheng.alerts.selectors import alert_stats, alerts_in_scope, assignable_users
from minzheng.alerts.services import (
    AlertError,
    AlertIn,
    alert_assign,
    alert_close,
    alerts_escalate,
    alerts_raise,
)
from minzheng.audit.models import AuditEvent
from minzheng.workflow.models import TransitionRecord
from minzheng.workflow.selectors import inbox
from minzheng.workflow.services import WorkflowError
from tests.conftest import TANGQIAO_VILLAGE, YANGSHE_VILLAGE, _user

ON = dt.date(2026, 11, 2)


def _alert(key: str, village: str = YANGSHE_VILLAGE, kind: str = "assistance.asset_review"):
    return AlertIn(kind=kind, key=key, division_code=village, reason="救助家庭成员登记机动车")


@pytest.fixture
def raised(divisions) -> list[Alert]:
    alerts_raise(
        acting_user=None,
        alerts=[_alert("a:1"), _alert("a:2"), _alert("a:3", TANGQIAO_VILLAGE)],
        on=ON,
    )
    return list(Alert.objects.order_by("key"))


def test_a_fact_is_raised_once_however_often_the_rule_runs(raised):
    assert [alert.key for alert in raised] == ["a:1", "a:2", "a:3"]
    assert {alert.due_on for alert in raised} == {ON + dt.timedelta(days=15)}
    again = alerts_raise(acting_user=None, alerts=[_alert("a:1"), _alert("a:4")], on=ON)
    assert again == 1
    assert Alert.objects.count() == 4
    assert AuditEvent.objects.filter(action="alerts.raise").count() == 2


def test_an_unknown_kind_is_refused_and_nothing_is_raised(divisions):
    with pytest.raises(ValueError, match="unknown alert kind"):
        alerts_raise(acting_user=None, alerts=[_alert("b:1"), _alert("b:2", kind="nope")], on=ON)
    assert Alert.objects.count() == 0


def test_a_town_sees_its_own_alerts_and_its_inbox_lists_them(
    raised, yangshe_clerk, tangqiao_clerk, eldercare_staff, payroll_staff
):
    assert set(alerts_in_scope(yangshe_clerk).values_list("key", flat=True)) == {"a:1", "a:2"}
    assert set(alerts_in_scope(tangqiao_clerk).values_list("key", flat=True)) == {"a:3"}
    assert alerts_in_scope(eldercare_staff).count() == 0
    assert alerts_in_scope(payroll_staff).count() == 3
    listed = [
        item.case for item in inbox(user=yangshe_clerk, on=ON) if isinstance(item.case, Alert)
    ]
    assert {alert.key for alert in listed} == {"a:1", "a:2"}
    # The city's inbox holds only what was escalated to it.
    assert not [item for item in inbox(user=payroll_staff, on=ON) if isinstance(item.case, Alert)]


def test_assign_then_close_with_an_outcome(raised, yangshe_clerk, divisions):
    alert = raised[0]
    worker = _user("worker_yangshe", Role.VILLAGE_WORKER, YANGSHE_VILLAGE)
    assert worker in assignable_users(alert)
    alert_assign(acting_user=yangshe_clerk, alert=alert, assignee=worker, on=ON, note="请核实")
    alert.refresh_from_db()
    assert (alert.state, alert.assignee, alert.due_on) == (
        "assigned",
        worker,
        ON + dt.timedelta(days=15),
    )
    with pytest.raises(AlertError, match="无需处理须说明理由"):
        alert_close(acting_user=worker, alert=alert, outcome="no_action", note=" ", on=ON)
    alert_close(
        acting_user=worker, alert=alert, outcome="no_action", note="车辆为残疾人代步车", on=ON
    )
    alert.refresh_from_db()
    assert (alert.state, alert.outcome, alert.closed_on) == ("closed", "no_action", ON)
    steps = TransitionRecord.objects.filter(object_id=alert.pk, workflow="alerts.assistance")
    assert list(steps.values_list("transition", flat=True)) == ["assign", "close"]
    with pytest.raises(WorkflowError, match="已处理"):
        alert_close(acting_user=yangshe_clerk, alert=alert, outcome="done", note="", on=ON)


def test_another_town_cannot_assign_or_close(raised, tangqiao_clerk, yangshe_clerk):
    with pytest.raises(PermissionDenied):
        alert_close(acting_user=tangqiao_clerk, alert=raised[0], outcome="done", note="", on=ON)
    with pytest.raises(AlertError, match="承办人"):
        alert_assign(acting_user=yangshe_clerk, alert=raised[0], assignee=tangqiao_clerk, on=ON)
    assert Alert.objects.get(pk=raised[0].pk).state == "open"


def test_an_unknown_outcome_is_refused(raised, yangshe_clerk):
    with pytest.raises(AlertError, match="未知的处理结果"):
        alert_close(acting_user=yangshe_clerk, alert=raised[0], outcome="maybe", note="x", on=ON)


def test_overdue_alerts_escalate_to_the_city_once(raised, yangshe_clerk, payroll_staff):
    alert_close(acting_user=yangshe_clerk, alert=raised[1], outcome="done", note="", on=ON)
    later = ON + dt.timedelta(days=16)
    assert alerts_escalate(acting_user=None, on=ON + dt.timedelta(days=15)) == 0
    assert alerts_escalate(acting_user=None, on=later) == 2
    assert alerts_escalate(acting_user=None, on=later) == 0
    escalated = Alert.objects.filter(escalated_on=later)
    assert set(escalated.values_list("key", flat=True)) == {"a:1", "a:3"}
    city = [
        item.case.key
        for item in inbox(user=payroll_staff, on=later)
        if isinstance(item.case, Alert)
    ]
    assert sorted(city) == ["a:1", "a:3"]
    assert TransitionRecord.objects.filter(transition="escalate").count() == 2


def test_statistics_by_kind_and_town(raised, yangshe_clerk, payroll_staff):
    alert_close(
        acting_user=yangshe_clerk,
        alert=raised[0],
        outcome="done",
        note="",
        on=ON + dt.timedelta(days=4),
    )
    rows = {
        row.town_code: row for row in alert_stats(user=payroll_staff, on=ON + dt.timedelta(days=30))
    }
    yangshe = rows["320582100"]
    assert (yangshe.raised, yangshe.open, yangshe.closed, yangshe.overdue) == (2, 1, 1, 1)
    assert yangshe.median_days_to_close == 4.0
    assert rows["320582101"].raised == 1


def test_escalate_command(raised, capsys):
    call_command("alerts", "escalate", "--on", "2026-12-31")
    assert "escalated 3" in capsys.readouterr().out
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("alerts", "escalate", "--on", "2026-13-01")


def test_a_screening_alert_shows_the_rules_reasons_and_trace(client, raised, yangshe_clerk):
    from tests.assistance.conftest import family_request
    from tests.conftest import verified_login

    alert = raised[0]
    alert.data = {"program": "dibao", "request": {**family_request(), "as_of": "2026-11"}}
    alert.save()
    verified_login(client, yangshe_clerk)
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    assert 'id="alert-assessment"' in page
    assert "可能符合" in page
    assert "人均收入" in page  # a line of the trace


def test_a_screening_alert_leads_to_an_application_through_the_alert_channel(
    client, raised, family, yangshe_clerk
):
    from tests.assistance.conftest import family_request
    from tests.conftest import verified_login

    alert = raised[0]
    alert.household = family
    alert.data = {"program": "dibao_edge", "request": {**family_request(), "as_of": "2026-11"}}
    alert.save()
    verified_login(client, yangshe_clerk)
    page = client.get(f"/alerts/{alert.pk}/").content.decode()
    link = f"/assistance/households/{family.pk}/apply/?program=dibao_edge&amp;channel=alert"
    assert link in page
    form = client.get(link.replace("&amp;", "&")).content.decode()
    assert '<option value="dibao_edge" selected>' in form
    assert '<option value="alert" selected>' in form
