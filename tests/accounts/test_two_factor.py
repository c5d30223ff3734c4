"""Two-factor: required for the city administrator and the auditor, optional for others."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from axes.models import AccessAttempt
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from minzheng.accounts.models import ApiToken
from minzheng.accounts.services import two_factor_demo_enrol
from minzheng.accounts.two_factor import DEMO_TOTP_KEY
from minzheng.audit.models import AuditEvent
from tests.accounts.conftest import code_step, full_login, password_step, wrong_code
from tests.conftest import PASSWORD, totp_code

PAGES = [
    "/",
    "/registry/persons/",
    "/registry/households/",
    "/registry/divisions/",
    "/accounts/users/",
    "/accounts/users/new/",
]


def _code_for(key_hex: str, at: float | None = None) -> str:
    totp = TOTP(bytes.fromhex(key_hex))
    if at is not None:
        totp.time = at
    return f"{totp.token():06d}"


def _token(client: Client, username: str, **extra: str):
    return client.post(
        "/api/auth/token",
        {"username": username, "password": PASSWORD, **extra},
        content_type="application/json",
    )


@pytest.mark.parametrize("fixture", ["city_admin", "auditor"])
def test_after_the_password_every_page_waits_for_the_code(client, fixture, request):
    user = request.getfixturevalue(fixture)
    response = password_step(client, user.username)

    assert (response.status_code, response["Location"]) == (302, "/accounts/two-factor/?next=%2F")
    for path in PAGES:
        page = client.get(path)
        assert page.status_code == 302, path
        assert page["Location"].startswith("/accounts/two-factor/?next="), path
    assert client.get("/api/registry/persons").status_code == 401
    step = client.get("/accounts/two-factor/")
    assert step.status_code == 200
    assert "6位动态验证码" in step.content.decode()
    assert "人员查询" not in step.content.decode()  # no menu before the second step


def test_a_force_logged_in_admin_without_the_code_is_held_too(client, city_admin):
    client.force_login(city_admin)
    assert client.get("/registry/persons/")["Location"] == (
        "/accounts/two-factor/?next=%2Fregistry%2Fpersons%2F"
    )


@pytest.mark.parametrize("fixture", ["city_admin", "auditor"])
def test_with_the_code_the_pages_and_the_session_api_work(client, fixture, request):
    user = request.getfixturevalue(fixture)
    full_login(client, user)

    assert client.get("/").status_code == 200
    assert client.get("/registry/persons/").status_code == 200
    assert client.get("/api/registry/persons").status_code == 200


def test_the_code_step_returns_to_the_page_asked_for(client, city_admin):
    client.get("/registry/households/")
    response = client.post(
        "/login/",
        {"username": "admin", "password": PASSWORD, "next": "/registry/households/"},
    )
    assert response["Location"] == "/accounts/two-factor/?next=%2Fregistry%2Fhouseholds%2F"
    done = client.post(
        "/accounts/two-factor/",
        {"otp_token": totp_code(city_admin), "next": "/registry/households/"},
    )
    assert done["Location"] == "/registry/households/"


def test_the_code_step_does_not_follow_a_next_to_another_site(client, city_admin):
    password_step(client, "admin")
    done = client.post(
        "/accounts/two-factor/",
        {"otp_token": totp_code(city_admin), "next": "https://evil.example/"},
    )
    assert done["Location"] == "/"


def test_a_wrong_code_is_refused_and_counted(client, city_admin):
    password_step(client, "admin")

    response = code_step(client, wrong_code(city_admin))

    assert response.status_code == 200
    assert "验证码错误，请重新输入" in response.content.decode()
    assert client.get("/")["Location"].startswith("/accounts/two-factor/")
    assert AccessAttempt.objects.get(username="admin").failures_since_start == 1
    assert TOTPDevice.objects.get(user=city_admin).throttling_failure_count == 1


def test_a_code_right_after_a_wrong_one_must_wait(client, city_admin, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    password_step(client, "admin")
    code_step(client, wrong_code(city_admin))

    too_fast = code_step(client, totp_code(city_admin))
    assert "请稍等几秒后再试" in too_fast.content.decode()
    time_machine.shift(dt.timedelta(seconds=2))
    assert code_step(client, totp_code(city_admin))["Location"] == "/"


def test_a_code_cannot_be_used_twice(client, city_admin, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    code = totp_code(city_admin)
    password_step(client, "admin")
    assert code_step(client, code)["Location"] == "/"
    other = Client()
    password_step(other, "admin")
    assert code_step(other, code).status_code == 200


def test_an_optional_user_without_a_device_signs_in_with_the_password(client, yangshe_clerk):
    response = password_step(client, "yangshe_clerk")
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_the_demo_secret_prints_codes_and_nothing_else_does(city_admin, yangshe_clerk) -> None:
    demo = two_factor_demo_enrol(user=yangshe_clerk)
    assert demo.key == DEMO_TOTP_KEY
    out = io.StringIO()
    call_command("totp_code", username="yangshe_clerk", stdout=out)
    assert out.getvalue().strip() == _code_for(DEMO_TOTP_KEY)
    with pytest.raises(CommandError) as error:
        call_command("totp_code", username="admin")
    assert "only accounts with the demo secret" in str(error.value)


# ---------------------------------------------------------------------------------------------
# enrolment


@pytest.fixture
def admin_without_device(city_admin):
    TOTPDevice.objects.filter(user=city_admin).delete()
    return city_admin


def test_a_required_role_without_a_device_is_sent_to_enrol(client, admin_without_device):
    response = password_step(client, "admin")
    assert response["Location"] == "/accounts/two-factor/setup/?next=%2F"
    assert client.get("/registry/persons/")["Location"].startswith("/accounts/two-factor/setup/")
    assert client.get("/accounts/two-factor/")["Location"].startswith("/accounts/two-factor/setup/")


def test_enrolment_shows_the_secret_and_confirms_with_a_first_code(
    client, admin_without_device, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    password_step(client, "admin")
    page = client.get("/accounts/two-factor/setup/?next=/registry/persons/")
    text = page.content.decode()
    key_hex = client.session["two_factor_enrol_key"]

    assert page.status_code == 200
    assert page.context["secret"].replace(" ", "") in page.context["uri"]
    assert page.context["uri"].startswith("otpauth://totp/")
    assert "issuer=" in page.context["uri"]
    assert 'src="data:image/svg+xml' in text
    assert page.context["secret"] in text
    # The same secret until the code is confirmed, however often the page is opened.
    client.get("/accounts/two-factor/setup/")
    assert client.session["two_factor_enrol_key"] == key_hex

    wrong = client.post(
        "/accounts/two-factor/setup/",
        {"otp_token": "123456" if _code_for(key_hex) != "123456" else "654321"},
    )
    assert wrong.status_code == 200
    assert "验证码不正确" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=admin_without_device).exists()

    done = client.post(
        "/accounts/two-factor/setup/",
        {"otp_token": _code_for(key_hex), "next": "/registry/persons/"},
    )

    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10
    assert all(code in done.content.decode() for code in codes)
    device = TOTPDevice.objects.get(user=admin_without_device)
    assert (device.key, device.confirmed) == (key_hex, True)
    assert StaticToken.objects.filter(device__user=admin_without_device).count() == 10
    assert client.get("/registry/persons/").status_code == 200
    assert "two_factor_enrol_key" not in client.session
    event = AuditEvent.objects.get(action="accounts.two_factor.enrol")
    assert (event.actor_username, event.data) == ("admin", {"backup_codes": 10})
    assert key_hex not in str(event.data)


def test_a_backup_code_signs_in_once(client, city_admin):
    backup = StaticDevice.objects.create(user=city_admin, name="backup")
    backup.token_set.create(token="abcd2345")

    password_step(client, "admin")
    assert code_step(client, "ABCD 2345")["Location"] == "/"
    client.logout()
    password_step(client, "admin")
    assert code_step(client, "abcd2345").status_code == 200
    event = AuditEvent.objects.get(action="accounts.two_factor.backup_code_used")
    assert event.data == {"remaining": 0}


def test_an_optional_user_may_enrol_and_then_needs_the_code(client, yangshe_clerk, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    password_step(client, "yangshe_clerk")
    client.get("/accounts/two-factor/setup/")
    key_hex = client.session["two_factor_enrol_key"]
    client.post("/accounts/two-factor/setup/", {"otp_token": _code_for(key_hex)})
    client.logout()

    time_machine.shift(dt.timedelta(seconds=30))
    assert password_step(client, "yangshe_clerk")["Location"].startswith("/accounts/two-factor/")
    assert code_step(client, _code_for(key_hex))["Location"] == "/"


# ---------------------------------------------------------------------------------------------
# API tokens for two-factor roles


@pytest.mark.parametrize("fixture", ["city_admin", "auditor"])
def test_the_token_endpoint_needs_the_code_for_two_factor_roles(
    client, fixture, request, time_machine
):
    user = request.getfixturevalue(fixture)
    time_machine.move_to(timezone.now(), tick=False)

    missing = _token(client, user.username)
    wrong = _token(client, user.username, otp=wrong_code(user))
    too_fast = _token(client, user.username, otp=totp_code(user))
    time_machine.shift(dt.timedelta(seconds=2))
    right = _token(client, user.username, otp=totp_code(user))

    assert [response.status_code for response in (missing, wrong, too_fast, right)] == [
        401,
        401,
        429,
        200,
    ]
    assert "otp" in missing.json()["detail"]
    assert missing["Content-Type"] == "application/problem+json"
    assert ApiToken.objects.get().two_factor_verified is True
    headers = {"Authorization": f"Bearer {right.json()['token']}"}
    assert client.get("/api/registry/persons", headers=headers).status_code == 200


def test_a_required_role_without_a_device_gets_no_token(client, admin_without_device):
    response = _token(client, "admin")
    assert response.status_code == 403
    assert "设置两步验证" in response.json()["detail"]
    assert ApiToken.objects.count() == 0


def test_a_token_issued_without_the_code_is_refused_for_a_two_factor_role(client, yangshe_clerk):
    token = _token(client, "yangshe_clerk").json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/registry/persons", headers=headers).status_code == 200
    # Promoted to auditor outside the user pages (which would revoke the token): still refused.
    yangshe_clerk.role = "auditor"
    yangshe_clerk.division_code = "320582"
    yangshe_clerk.save()
    assert client.get("/api/registry/persons", headers=headers).status_code == 401


def test_the_demo_gives_admin_and_auditor_the_demo_authenticator(db) -> None:
    out = io.StringIO()
    call_command("demo", scale=0.0005, stdout=out)
    devices = TOTPDevice.objects.filter(confirmed=True).select_related("user")
    assert sorted(device.user.username for device in devices) == ["admin", "auditor"]
    assert {device.key for device in devices} == {DEMO_TOTP_KEY}
    assert "DEMO MINZ HENG DEMO MINZ HENG DEMO MINZ" in out.getvalue()
    assert "minzheng totp_code --username admin" in out.getvalue()
    call_command("demo", scale=0.0005, stdout=io.StringIO())  # again: no second device
    assert TOTPDevice.objects.count() == 2
    code = io.StringIO()
    call_command("totp_code", username="auditor", stdout=code)
    assert code.getvalue().strip() == _code_for(DEMO_TOTP_KEY)
