"""Devices and alarms: the device-event API (unknown device, the repeat window, retries),
the alarm's steps, overdue alarms escalating to the town then the city, scope, a death."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from minzheng.accounts.models import Role
from minzheng.alerts.models import Alert
from minzheng.alerts.services import alerts_escalate
from minzheng.audit.models import AuditEvent
from minzheng.eldercare.care import (
    alarm_arrive,
    alarm_close,
    alarm_dispatch,
    alarms_overdue_alert,
    care_death_effects,
    device_event_receive,
    device_register,
)
from minzheng.eldercare.care_models import Alarm, Device, DeviceEvent
from minzheng.eldercare.errors import EldercareError
from minzheng.workflow.models import TransitionRecord
from minzheng.workflow.services import WorkflowError
from tests.conftest import YANGSHE, YANGSHE_VILLAGE, _user, verified_login
from tests.security.conftest import bearer

SERIAL = "SOS-0001"
# The overdue alarms, the alert keys, the alerts, their audit, the alarms marked, our audit
# (and the savepoints of the nested transactions); an audit record costs one more on PostgreSQL.
QUERIES_OVERDUE = {"sqlite": 12, "postgresql": 14}


@pytest.fixture
def device(elder, home_provider, yangshe_clerk) -> Device:
    return device_register(
        acting_user=yangshe_clerk,
        person=elder,
        device_type="sos",
        serial=SERIAL,
        installed_on=dt.date(2026, 3, 1),
        provider=home_provider,
        on=dt.date(2026, 3, 1),
    )


def _minutes_ago(minutes: float) -> dt.datetime:
    return timezone.now().replace(microsecond=0) - dt.timedelta(minutes=minutes)


def _post_event(client, headers, serial=SERIAL, at=None, kind="sos"):
    body = {"serial": serial, "type": kind, "at": (at or _minutes_ago(3)).isoformat()}
    return client.post(
        "/api/eldercare/devices/events",
        json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def _counts() -> tuple[int, int, int, int]:
    return (
        Alarm.objects.count(),
        DeviceEvent.objects.count(),
        AuditEvent.objects.count(),
        TransitionRecord.objects.count(),
    )


def test_a_device_event_opens_an_alarm_with_the_arrival_target(client, device, provider_manager):
    at = _minutes_ago(3)

    response = _post_event(client, bearer(client, provider_manager), at=at)

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["opened"], body["duplicate"], body["alarm"]["state"]) == (True, False, "open")
    alarm = Alarm.objects.get()
    assert alarm.arrive_by - alarm.opened_at == dt.timedelta(minutes=15)
    assert (alarm.division_code, alarm.provider_id, alarm.kind) == (
        YANGSHE_VILLAGE,
        device.provider_id,
        "sos",
    )
    assert AuditEvent.objects.filter(action="eldercare.alarm.open").count() == 1


def test_an_unknown_device_is_refused_naming_the_serial_and_nothing_changes(
    client, device, provider_manager
):
    headers = bearer(client, provider_manager)
    before = _counts()

    response = _post_event(client, headers, serial="SOS-9999")

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "serial",
            "message_zh": "未登记的设备编号“SOS-9999”",
            "message_en": "unknown device serial 'SOS-9999'",
        }
    ]
    assert _counts() == before


def test_another_providers_device_reads_as_unknown(client, device, other_manager):
    headers = bearer(client, other_manager)
    before = _counts()

    response = _post_event(client, headers)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "serial"
    assert _counts() == before


def test_a_town_clerk_may_not_post_device_events(client, device, yangshe_clerk):
    headers = bearer(client, yangshe_clerk)
    before = _counts()

    response = _post_event(client, headers)

    assert response.status_code == 403
    assert response.json()["detail"] == "只有设备运维服务商或市局养老服务人员可以上报设备事件"
    assert _counts() == before


def test_repeated_events_within_the_window_join_the_open_alarm(client, device, provider_manager):
    headers = bearer(client, provider_manager)
    first = _post_event(client, headers, at=_minutes_ago(50))
    second = _post_event(client, headers, at=_minutes_ago(45))  # 5 minutes later: joins
    third = _post_event(client, headers, at=_minutes_ago(5))  # 40 minutes later: a new alarm

    assert [first.status_code, second.status_code, third.status_code] == [201, 200, 201]
    assert second.json()["alarm"]["number"] == first.json()["alarm"]["number"]
    assert list(Alarm.objects.order_by("pk").values_list("event_count", flat=True)) == [2, 1]
    steps = TransitionRecord.objects.filter(workflow="eldercare.alarm").values_list(
        "transition", flat=True
    )
    assert list(steps.order_by("pk")) == ["open", "repeat_open", "open"]


def test_a_platform_retry_of_the_same_event_changes_nothing(client, device, provider_manager):
    headers = bearer(client, provider_manager)
    at = _minutes_ago(3)
    _post_event(client, headers, at=at)
    before = _counts()

    again = _post_event(client, headers, at=at)

    assert again.status_code == 200
    assert (again.json()["opened"], again.json()["duplicate"]) == (False, True)
    assert _counts() == before


def test_an_inactive_device_or_a_future_time_is_refused(device, provider_manager):
    with pytest.raises(EldercareError) as caught:
        device_event_receive(
            acting_user=provider_manager,
            serial=SERIAL,
            event_type="sos",
            at=timezone.now() + dt.timedelta(hours=1),
        )
    assert caught.value.problems[0][0] == "at"
    assert Alarm.objects.count() == 0


@pytest.fixture
def caregiver_user(caregiver):
    return caregiver.user


@pytest.fixture
def alarm(device, provider_manager) -> Alarm:
    return device_event_receive(
        acting_user=provider_manager, serial=SERIAL, event_type="sos", at=_minutes_ago(20)
    ).alarm


def test_an_alarm_is_dispatched_reached_and_closed(alarm, provider_manager, caregiver_user):
    alarm_dispatch(
        acting_user=provider_manager, alarm=alarm, responder=caregiver_user, at=_minutes_ago(19)
    )
    alarm_arrive(acting_user=caregiver_user, alarm=alarm, at=_minutes_ago(8))
    alarm_close(
        acting_user=caregiver_user, alarm=alarm, at=_minutes_ago(2), notes="老人跌倒，已扶起送医"
    )

    alarm.refresh_from_db()
    assert (alarm.state, alarm.responder, alarm.arrived_in_time) == ("closed", caregiver_user, True)
    assert alarm.notes == "老人跌倒，已扶起送医"
    steps = TransitionRecord.objects.filter(workflow="eldercare.alarm", object_id=alarm.pk)
    assert list(steps.order_by("pk").values_list("transition", flat=True)) == [
        "open",
        "dispatch",
        "arrive",
        "close",
    ]


def test_steps_out_of_order_or_without_notes_are_refused(
    alarm, provider_manager, caregiver_user, tangqiao_clerk
):
    with pytest.raises(WorkflowError):
        alarm_arrive(acting_user=caregiver_user, alarm=alarm, at=_minutes_ago(5))
    with pytest.raises(EldercareError) as wrong:
        alarm_dispatch(
            acting_user=provider_manager, alarm=alarm, responder=tangqiao_clerk, at=_minutes_ago(5)
        )
    assert wrong.value.problems[0][0] == "responder"
    alarm_dispatch(
        acting_user=provider_manager, alarm=alarm, responder=caregiver_user, at=_minutes_ago(5)
    )
    alarm_arrive(acting_user=caregiver_user, alarm=alarm, at=_minutes_ago(4))
    with pytest.raises(EldercareError) as no_notes:
        alarm_close(acting_user=caregiver_user, alarm=alarm, at=_minutes_ago(1), notes="  ")

    assert no_notes.value.problems == [("notes", "请填写处置情况", "the notes are required")]
    alarm.refresh_from_db()
    assert alarm.state == "arrived"


def test_an_alarm_not_reached_in_time_alerts_the_town_then_the_city(alarm):
    before_target = alarm.opened_at + dt.timedelta(minutes=14)
    after_target = alarm.opened_at + dt.timedelta(minutes=16)

    assert alarms_overdue_alert(acting_user=None, at=before_target) == 0
    assert alarms_overdue_alert(acting_user=None, at=after_target) == 1
    assert alarms_overdue_alert(acting_user=None, at=after_target) == 0  # once

    alert = Alert.objects.get(kind="eldercare.alarm_overdue")
    assert (alert.division_code, alert.key) == (YANGSHE, f"eldercare.alarm_overdue:{alarm.pk}")
    raised = alert.raised_on
    assert alerts_escalate(acting_user=None, on=raised + dt.timedelta(days=1)) == 0
    assert alerts_escalate(acting_user=None, on=raised + dt.timedelta(days=2)) == 1


def test_the_town_and_the_provider_see_the_alarm_and_another_town_does_not(
    client, alarm, yangshe_clerk, tangqiao_clerk, other_manager, provider_manager
):
    seen = {}
    for user in (yangshe_clerk, tangqiao_clerk, other_manager, provider_manager):
        response = client.get(f"/api/eldercare/alarms/{alarm.pk}", headers=bearer(client, user))
        seen[user.username] = response.status_code

    assert seen == {
        "yangshe_clerk": 200,
        "tangqiao_clerk": 404,
        "ankang_manager": 404,
        "yikang_manager": 200,
    }


def test_the_alarm_board_shows_the_elapsed_minutes(client, alarm, yangshe_clerk):
    verified_login(client, yangshe_clerk)

    page = client.get("/eldercare/alarms/").content.decode()
    detail = client.get(f"/eldercare/alarms/{alarm.pk}/").content.decode()

    assert alarm.number in page
    assert "超时" in page  # opened 20 minutes ago, target 15
    assert "设备报警" in detail


def test_the_town_dispatches_from_the_alarm_page(client, alarm, yangshe_clerk, caregiver_user):
    verified_login(client, yangshe_clerk)

    response = client.post(
        f"/eldercare/alarms/{alarm.pk}/dispatch/", {"responder": caregiver_user.pk}
    )

    assert response.status_code == 302
    alarm.refresh_from_db()
    assert (alarm.state, alarm.responder) == ("dispatched", caregiver_user)


def test_a_village_worker_may_be_the_responder(alarm, yangshe_clerk, divisions):
    worker = _user("hecheng_worker", Role.VILLAGE_WORKER, YANGSHE_VILLAGE)

    alarm_dispatch(acting_user=yangshe_clerk, alarm=alarm, responder=worker, at=_minutes_ago(1))

    assert Alarm.objects.get().responder == worker


def test_a_death_deactivates_the_devices_and_closes_the_alarms(
    alarm, yangshe_clerk, elder, provider_manager
):
    lines = care_death_effects(acting_user=yangshe_clerk, person=elder, on=timezone.localdate())

    assert lines[:2] == [f"停用智能设备1台：{SERIAL}", f"关闭未处置的设备报警1条：{alarm.number}"]
    device = Device.objects.get()
    assert (device.active, device.deactivation_reason) == (False, "老人去世")
    assert Alarm.objects.get().state == "closed"
    with pytest.raises(EldercareError):
        device_event_receive(
            acting_user=provider_manager,
            serial=SERIAL,
            event_type="sos",
            at=_minutes_ago(1),
        )


def test_the_alarms_command_alerts_overdue_alarms_and_refuses_a_bad_time(alarm, capsys):
    call_command("care", "alarms")

    assert capsys.readouterr().out.strip().endswith("超时未到场报警 1 条 alerted 1 overdue alarms")
    with pytest.raises(CommandError) as caught:
        call_command("care", "alarms", "--at", "yesterday")
    assert caught.value.returncode == 2
    assert Alert.objects.filter(kind="eldercare.alarm_overdue").count() == 1


def test_the_overdue_check_costs_the_same_queries_for_one_alarm_or_many(
    alarm, device, provider_manager, django_assert_num_queries
):
    for minutes in (100, 200, 300):
        device_event_receive(
            acting_user=provider_manager, serial=SERIAL, event_type="sos", at=_minutes_ago(minutes)
        )

    with django_assert_num_queries(QUERIES_OVERDUE[connection.vendor]):
        assert alarms_overdue_alert(acting_user=None, at=timezone.now()) == 4
