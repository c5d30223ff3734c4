"""Care visits: recording with the checklist, missed visits on both sides of the interval,
their alerts and escalation, the pages, the command, and the effects of a death."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from minzheng.accounts.models import Role
from minzheng.alerts.models import Alert
from minzheng.alerts.services import alerts_escalate
from minzheng.audit.models import AuditEvent
from minzheng.eldercare.care import (
    VisitIn,
    care_death_effects,
    care_visit_record,
    risk_tiers_assign,
    visits_missed_alert,
)
from minzheng.eldercare.care_models import CareTier, CareVisit
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import ElderProfile
from tests.conftest import YANGSHE_VILLAGE, _user, verified_login

NOVEMBER = dt.date(2026, 11, 1)


def visit(on: dt.date, **changes: object) -> VisitIn:
    values = {
        "visited_on": on,
        "channel": "home",
        "visitor": "周社工",
        "health": "ok",
        "economy": "ok",
        "family_support": "ok",
        "safety": "ok",
    }
    return VisitIn(**{**values, **changes})


@pytest.fixture
def village_worker(divisions):
    return _user("hecheng_worker", Role.VILLAGE_WORKER, YANGSHE_VILLAGE)


@pytest.fixture
def high_elder(elder):
    """陈老伯, 88, alone: high risk (a visit at least every 7 days) from November."""
    risk_tiers_assign(acting_user=None, month=NOVEMBER)
    return elder


def test_a_village_worker_records_a_visit_with_its_checklist(high_elder, village_worker):
    recorded = care_visit_record(
        acting_user=village_worker,
        person=high_elder,
        data=visit(
            dt.date(2026, 11, 10),
            safety="concern",
            findings="燃气灶软管老化",
            needs=("adaptation",),
            follow_up=True,
            follow_up_note="联系燃气公司更换软管",
        ),
        on=dt.date(2026, 11, 10),
    )

    assert (recorded.division_code, recorded.concerns, recorded.needs_labels) == (
        YANGSHE_VILLAGE,
        ["居住安全（房屋、水电气暖）"],
        ["居家适老化改造"],
    )
    event = AuditEvent.objects.get(action="eldercare.care.visit_record")
    assert (event.actor_username, event.data["concerns"]) == ("hecheng_worker", ["safety"])


def test_a_visit_with_problems_in_its_input_is_refused_whole(high_elder, village_worker):
    with pytest.raises(EldercareError) as caught:
        care_visit_record(
            acting_user=village_worker,
            person=high_elder,
            data=visit(
                dt.date(2026, 11, 12),
                channel="pigeon",
                health="bad",
                economy="concern",
                follow_up=True,
            ),
            on=dt.date(2026, 11, 10),
        )

    assert [field for field, _, _ in caught.value.problems] == [
        "channel",
        "health",
        "findings",
        "follow_up_note",
        "visited_on",
    ]
    assert CareVisit.objects.count() == 0


def test_another_town_may_not_record_a_visit(high_elder, tangqiao_clerk):
    with pytest.raises(PermissionDenied):
        care_visit_record(
            acting_user=tangqiao_clerk,
            person=high_elder,
            data=visit(dt.date(2026, 11, 10)),
            on=dt.date(2026, 11, 10),
        )

    assert CareVisit.objects.count() == 0


def test_a_visit_is_missed_only_after_the_interval(high_elder, village_worker):
    care_visit_record(
        acting_user=village_worker,
        person=high_elder,
        data=visit(dt.date(2026, 11, 10)),
        on=dt.date(2026, 11, 10),
    )

    assert visits_missed_alert(acting_user=None, on=dt.date(2026, 11, 17)) == 0  # day 7: due
    assert visits_missed_alert(acting_user=None, on=dt.date(2026, 11, 18)) == 1  # day 8: missed
    assert visits_missed_alert(acting_user=None, on=dt.date(2026, 11, 19)) == 0  # raised once

    alert = Alert.objects.get(kind="eldercare.visit_missed")
    assert (alert.division_code, alert.person_id, alert.key) == (
        YANGSHE_VILLAGE,
        high_elder.pk,
        f"eldercare.visit_missed:{high_elder.pk}:2026-11-17",
    )
    assert alert.reason == "高风险巡访对象应每7天至少探访一次，上次探访为2026-11-10，已逾期1天"


def test_an_elder_never_visited_is_due_from_the_start_of_the_tier(high_elder):
    assert visits_missed_alert(acting_user=None, on=dt.date(2026, 11, 8)) == 0
    assert visits_missed_alert(acting_user=None, on=dt.date(2026, 11, 9)) == 1

    assert "纳入巡访以来尚未探访" in Alert.objects.get().reason


def test_a_visit_closes_the_missed_alert_and_a_new_miss_is_a_new_alert(high_elder, village_worker):
    visits_missed_alert(acting_user=None, on=dt.date(2026, 11, 9))

    care_visit_record(
        acting_user=village_worker,
        person=high_elder,
        data=visit(dt.date(2026, 11, 10), channel="phone"),
        on=dt.date(2026, 11, 10),
    )
    first = Alert.objects.get()
    assert (first.state, first.outcome, first.outcome_note) == (
        "closed",
        "done",
        "已于2026-11-10电话探访",
    )

    assert visits_missed_alert(acting_user=None, on=dt.date(2026, 11, 18)) == 1
    assert Alert.objects.filter(state="open").count() == 1


def test_a_missed_visit_alert_not_handled_in_a_week_goes_to_the_city(high_elder):
    visits_missed_alert(acting_user=None, on=dt.date(2026, 11, 9))

    assert alerts_escalate(acting_user=None, on=dt.date(2026, 11, 16)) == 0
    assert alerts_escalate(acting_user=None, on=dt.date(2026, 11, 17)) == 1
    assert Alert.objects.get().escalated_on == dt.date(2026, 11, 17)


def test_the_missed_command_prints_both_languages_and_refuses_a_bad_date(high_elder, capsys):
    call_command("care", "missed", "--on", "2026-11-09")
    assert capsys.readouterr().out.strip() == (
        "2026-11-09: 新增巡访逾期预警 1 条 raised 1 missed-visit alerts"
    )

    with pytest.raises(CommandError) as caught:
        call_command("care", "missed", "--on", "2026-13-01")
    assert caught.value.returncode == 2
    assert Alert.objects.count() == 1


def test_the_tiers_command_assigns_the_month(elder, capsys):
    call_command("care", "tiers", "--month", "2026-11")

    assert capsys.readouterr().out.startswith("2026-11: 巡访对象 1 covered (高风险 high 1")
    with pytest.raises(CommandError):
        call_command("care", "tiers", "--month", "11/2026")


def test_the_visit_page_records_a_visit_from_a_phone(client, high_elder, village_worker):
    verified_login(client, village_worker)
    path = f"/eldercare/care/persons/{high_elder.pk}/visit/"

    form = client.get(path)
    response = client.post(
        path,
        {
            "visited_on": "2026-11-20",
            "channel": "home",
            "visitor": "周社工",
            "health": "ok",
            "economy": "ok",
            "family_support": "concern",
            "safety": "ok",
            "findings": "子女半年未来看望",
            "needs": ["comfort"],
        },
    )

    assert form.status_code == 200
    assert "健康状况" in form.content.decode()
    assert response.status_code == 302
    assert response["Location"] == f"/eldercare/care/persons/{high_elder.pk}/"
    assert CareVisit.objects.get().needs == ["comfort"]
    page = client.get(response["Location"]).content.decode()
    assert "家庭赡养" in page


def test_the_care_list_shows_overdue_elders_of_the_scope_only(
    client, high_elder, yangshe_clerk, tangqiao_clerk
):
    verified_login(client, yangshe_clerk)
    mine = client.get("/eldercare/care/?overdue=1").content.decode()
    verified_login(client, tangqiao_clerk)
    theirs = client.get("/eldercare/care/").content.decode()

    assert "陈老伯" in mine
    assert "陈老伯" not in theirs


def test_the_api_records_a_visit_and_lists_the_elders(client, high_elder, yangshe_clerk):
    verified_login(client, yangshe_clerk)
    body = {
        "person_id": high_elder.pk,
        "visited_on": "2026-11-20",
        "channel": "video",
        "visitor": "杨舍镇民政办",
        "health": "ok",
        "economy": "ok",
        "family_support": "ok",
        "safety": "ok",
    }

    created = client.post("/api/eldercare/care/visits", json.dumps(body), "application/json")
    listed = client.get("/api/eldercare/care/elders").json()

    assert created.status_code == 201, created.content
    assert created.json()["channel"] == "video"
    assert [item["name"] for item in listed["items"]] == ["陈老伯"]
    assert listed["items"][0]["last_visit"] == "2026-11-20"


def test_a_death_stops_the_visits_and_their_alerts(high_elder, yangshe_clerk):
    visits_missed_alert(acting_user=None, on=dt.date(2026, 11, 9))

    lines = care_death_effects(
        acting_user=yangshe_clerk, person=high_elder, on=dt.date(2026, 11, 12)
    )

    assert lines == ["关闭巡访和报警预警1条", "停止关爱巡访（原为高风险对象）"]
    assert Alert.objects.get().state == "closed"
    assert CareTier.objects.get().valid_to == dt.date(2026, 11, 12)
    assert ElderProfile.objects.get(person=high_elder).risk_tier == ""
    assert AuditEvent.objects.filter(action="eldercare.care.death").count() == 1


def test_another_town_may_not_stop_an_elders_care(high_elder, tangqiao_clerk):
    with pytest.raises(PermissionDenied):
        care_death_effects(acting_user=tangqiao_clerk, person=high_elder, on=dt.date(2026, 11, 12))

    assert CareTier.objects.get().valid_to is None
