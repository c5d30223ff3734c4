"""Lock-out: five failures for one username from one address lock that pair for 30 minutes."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from minzheng.accounts.models import ApiToken
from minzheng.audit.models import AuditEvent
from tests.accounts.conftest import code_step, password_step, wrong_code
from tests.conftest import PASSWORD, totp_code

LOCKED_TEXT = "账号已暂时锁定"


def _fail_five_times(client, username: str = "yangshe_clerk", **extra: str) -> list:
    return [password_step(client, username, "wrong-password", **extra) for _ in range(5)]


def _token(client, username: str, password: str, **extra: str):
    return client.post(
        "/api/auth/token",
        {"username": username, "password": password, **extra},
        content_type="application/json",
    )


def test_the_fifth_wrong_password_locks_and_the_right_one_is_then_refused(client, yangshe_clerk):
    responses = _fail_five_times(client)

    assert [response.status_code for response in responses] == [200, 200, 200, 200, 429]
    assert LOCKED_TEXT in responses[-1].content.decode()
    assert "30 分钟" in responses[-1].content.decode()
    refused = password_step(client, "yangshe_clerk", PASSWORD)
    assert refused.status_code == 429
    assert LOCKED_TEXT in refused.content.decode()
    assert not refused.wsgi_request.user.is_authenticated
    assert client.get("/").status_code == 302


def test_four_failures_do_not_lock(client, yangshe_clerk):
    for _ in range(4):
        password_step(client, "yangshe_clerk", "wrong-password")
    assert password_step(client, "yangshe_clerk").status_code == 302
    assert AccessAttempt.objects.count() == 0  # a complete sign-in clears the count


def test_the_lock_is_for_the_username_and_address_together(client, yangshe_clerk, tangqiao_clerk):
    _fail_five_times(client)

    assert password_step(client, "tangqiao_clerk").status_code == 302  # other user, same address
    client.logout()
    other_address = password_step(client, "yangshe_clerk", REMOTE_ADDR="192.0.2.7")
    assert other_address.status_code == 302


def test_the_lock_ends_after_30_minutes(client, yangshe_clerk, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    _fail_five_times(client)

    time_machine.shift(dt.timedelta(minutes=29))
    assert password_step(client, "yangshe_clerk").status_code == 429
    # A try during the lock starts the 30 minutes again.
    time_machine.shift(dt.timedelta(minutes=30, seconds=1))
    assert password_step(client, "yangshe_clerk").status_code == 302


def test_the_city_admin_unlocks_on_the_user_page(client, yangshe_clerk, admin_client):
    clerk_client = Client()
    _fail_five_times(clerk_client)
    page = admin_client.get(f"/accounts/users/{yangshe_clerk.pk}/")
    assert "已锁定(来源地址 127.0.0.1)" in page.content.decode()

    response = admin_client.post(f"/accounts/users/{yangshe_clerk.pk}/unlock/")

    assert response.status_code == 302
    assert AccessAttempt.objects.filter(username="yangshe_clerk").count() == 0
    assert password_step(clerk_client, "yangshe_clerk").status_code == 302
    event = AuditEvent.objects.get(action="accounts.user.unlock")
    assert (event.actor_username, event.target_id, event.data) == (
        "admin",
        str(yangshe_clerk.pk),
        {"cleared": 1},
    )


def test_the_token_endpoint_counts_failures_and_locks(client, yangshe_clerk):
    statuses = [_token(client, "yangshe_clerk", "wrong-password").status_code for _ in range(5)]
    locked = _token(client, "yangshe_clerk", PASSWORD)

    assert statuses == [401, 401, 401, 401, 429]
    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/problem+json"
    assert locked.json()["status"] == 429
    assert "锁定30分钟" in locked.json()["detail"]
    assert ApiToken.objects.count() == 0


def test_failures_on_the_page_and_the_api_add_up(client, yangshe_clerk):
    for _ in range(3):
        password_step(client, "yangshe_clerk", "wrong-password")
    assert _token(client, "yangshe_clerk", "wrong-password").status_code == 401
    assert _token(client, "yangshe_clerk", "wrong-password").status_code == 429


def test_wrong_one_time_codes_count_and_lock(client, city_admin, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    assert password_step(client, "admin").status_code == 302
    statuses = []
    for _ in range(5):
        time_machine.shift(dt.timedelta(minutes=1))  # past django-otp's own short wait
        statuses.append(code_step(client, wrong_code(city_admin)).status_code)

    assert statuses == [200, 200, 200, 200, 429]
    # The session was signed out: the right code no longer helps, nor does the password.
    assert code_step(client, totp_code(city_admin)).status_code == 302
    assert client.get("/").status_code == 302
    assert client.get("/")["Location"].startswith("/login/")
    assert password_step(client, "admin").status_code == 429


@pytest.mark.parametrize("field", ["password", "otp_token"])
def test_the_failure_log_holds_no_password_or_code(client, city_admin, field):
    password_step(client, "admin", "wrong-password-123")
    password_step(client, "admin")
    code_step(client, "000000")
    stored = " ".join(AccessAttempt.objects.values_list("post_data", flat=True))
    assert "wrong-password-123" not in stored
    assert "000000" not in stored
    assert field in stored
