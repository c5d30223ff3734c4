"""The city administrator's user pages: who may open them, and what each form does."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from minzheng.accounts.models import ApiToken, User
from minzheng.audit.models import AuditEvent
from tests.conftest import PASSWORD, verified_login

NEW_PASSWORD = "a-new-long-passphrase"


def _state() -> list[tuple]:
    return [
        (user.username, user.role, user.division_code, user.business_line, user.is_active)
        for user in User.objects.order_by("username")
    ] + [(TOTPDevice.objects.count(), AuditEvent.objects.count())]


@pytest.fixture
def as_who(client, city_admin, auditor, yangshe_clerk):
    def log_in(who: str) -> Client:
        if who != "anonymous":
            verified_login(
                client,
                {"town_clerk": yangshe_clerk, "auditor": auditor, "city_admin": city_admin}[who],
            )
        return client

    return log_in


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("town_clerk", 403), ("auditor", 403), ("city_admin", 200)],
)
@pytest.mark.parametrize("page", ["/accounts/users/", "/accounts/users/new/", "detail"])
def test_who_may_open_the_user_pages(as_who, yangshe_clerk, who, status, page):
    path = f"/accounts/users/{yangshe_clerk.pk}/" if page == "detail" else page
    response = as_who(who).get(path)
    assert response.status_code == status
    if who == "anonymous":
        assert response["Location"] == f"/login/?next={path}"


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("town_clerk", 403), ("auditor", 403), ("city_admin", 302)],
)
@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("", {"role": "town_approver", "division_code": "320582100", "business_line": ""}),
        ("deactivate/", {}),
        ("password/", {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}),
        ("two-factor-reset/", {}),
        ("unlock/", {}),
    ],
)
def test_who_may_change_a_user(as_who, tangqiao_clerk, who, status, action, data):
    TOTPDevice.objects.create(user=tangqiao_clerk, name="phone", confirmed=True)
    before = _state()

    response = as_who(who).post(f"/accounts/users/{tangqiao_clerk.pk}/{action}", data)

    assert response.status_code == status
    if who != "city_admin":
        assert _state() == before
        tangqiao_clerk.refresh_from_db()
        assert tangqiao_clerk.check_password(PASSWORD)
    else:
        assert AuditEvent.objects.count() == before[-1][1] + 1


def test_who_may_create_a_user(as_who, divisions):
    data = {
        "username": "lixiaohong",
        "role": "town_clerk",
        "division_code": "320582101",
        "password": NEW_PASSWORD,
    }
    for who in ("anonymous", "town_clerk", "auditor"):
        client = as_who(who)
        assert client.post("/accounts/users/new/", data).status_code in (302, 403)
        assert not User.objects.filter(username="lixiaohong").exists()
        client.logout()
    response = as_who("city_admin").post("/accounts/users/new/", data)
    user = User.objects.get(username="lixiaohong")
    assert response["Location"] == f"/accounts/users/{user.pk}/"


def test_the_list_filters_by_role_division_and_status(
    admin_client, yangshe_clerk, tangqiao_clerk, auditor
):
    tangqiao_clerk.is_active = False
    tangqiao_clerk.save()

    def names(query: str) -> list[str]:
        response = admin_client.get(f"/accounts/users/?{query}")
        return [row.user.username for row in response.context["rows"]]

    assert names("") == ["admin", "auditor", "yangshe_clerk", "tangqiao_clerk"]
    assert names("role=town_clerk") == ["yangshe_clerk", "tangqiao_clerk"]
    assert names("division_code=320582101") == ["tangqiao_clerk"]
    assert names("active=0") == ["tangqiao_clerk"]
    assert names("active=1&role=town_clerk") == ["yangshe_clerk"]
    assert names("q=yangshe") == ["yangshe_clerk"]


def test_the_list_shows_two_factor_and_lock_state(admin_client, auditor, yangshe_clerk):
    text = admin_client.get("/accounts/users/").content.decode()
    assert text.count("已启用") == 2  # admin and auditor
    assert "未启用" in text


def test_create_a_city_staff_user_through_the_page(admin_client, city_admin):
    response = admin_client.post(
        "/accounts/users/new/",
        {
            "username": "zhou_assistance",
            "full_name": "周敏",
            "role": "city_staff",
            "division_code": "320582",
            "business_line": "assistance",
            "password": NEW_PASSWORD,
        },
    )
    user = User.objects.get(username="zhou_assistance")
    assert response.status_code == 302
    assert (user.role, user.division_code, user.business_line, user.first_name) == (
        "city_staff",
        "320582",
        "assistance",
        "周敏",
    )
    assert user.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="accounts.user.create")
    assert event.actor == city_admin
    assert NEW_PASSWORD not in str(event.data)


def test_create_shows_every_problem_at_its_field_and_writes_nothing(admin_client):
    before = _state()
    response = admin_client.post(
        "/accounts/users/new/",
        {
            "username": "admin",
            "role": "city_staff",
            "division_code": "320582100",
            "business_line": "",
            "password": "short",
        },
    )
    errors = response.context["form"].errors
    assert response.status_code == 200
    assert errors["username"] == ["用户名admin已存在"]
    assert errors["business_line"] == ["市局业务科室须选择业务条线"]
    assert errors["division_code"] == ["该角色的管辖范围应为市级区划"]
    assert errors["password"] == ["密码太短，至少需要 12 个字符。"]
    assert _state() == before


def test_edit_role_and_scope_through_the_page(admin_client, yangshe_clerk):
    ApiToken.objects.create(user=yangshe_clerk, key_hash="0" * 64, expires_at="2099-01-01T00:00Z")
    response = admin_client.post(
        f"/accounts/users/{yangshe_clerk.pk}/",
        {"role": "village_worker", "division_code": "320582100001", "business_line": ""},
    )
    yangshe_clerk.refresh_from_db()
    assert response.status_code == 302
    assert (yangshe_clerk.role, yangshe_clerk.division_code) == ("village_worker", "320582100001")
    assert ApiToken.objects.count() == 0
    event = AuditEvent.objects.get(action="accounts.user.update")
    assert event.data == {
        "changes": {
            "role": ["town_clerk", "village_worker"],
            "division_code": ["320582100", "320582100001"],
        },
        "tokens_revoked": 1,
    }


def test_deactivate_signs_the_user_out_and_reactivate_lets_them_in(admin_client, yangshe_clerk):
    clerk = verified_login(Client(), yangshe_clerk)
    assert clerk.get("/").status_code == 200

    admin_client.post(f"/accounts/users/{yangshe_clerk.pk}/deactivate/")

    assert clerk.get("/").status_code == 302
    assert (
        clerk.post("/login/", {"username": "yangshe_clerk", "password": PASSWORD}).status_code
        == 200
    )
    admin_client.post(f"/accounts/users/{yangshe_clerk.pk}/reactivate/")
    assert (
        clerk.post("/login/", {"username": "yangshe_clerk", "password": PASSWORD}).status_code
        == 302
    )
    assert list(
        AuditEvent.objects.filter(action__startswith="accounts.user.")
        .values_list("action", flat=True)
        .order_by("pk")
    ) == ["accounts.user.deactivate", "accounts.user.reactivate"]


def test_the_admin_cannot_deactivate_or_demote_themselves(admin_client, city_admin):
    before = _state()
    deactivate = admin_client.post(f"/accounts/users/{city_admin.pk}/deactivate/")
    demote = admin_client.post(
        f"/accounts/users/{city_admin.pk}/",
        {"role": "town_clerk", "division_code": "320582100", "business_line": ""},
    )
    assert deactivate.status_code == 200
    assert "不能停用自己的账号" in deactivate.content.decode()
    assert demote.context["edit_form"].errors["role"] == ["不能修改自己的角色"]
    assert _state() == before


def test_password_reset_through_the_page(admin_client, yangshe_clerk):
    mismatch = admin_client.post(
        f"/accounts/users/{yangshe_clerk.pk}/password/",
        {"password": NEW_PASSWORD, "password_again": "something-else-entirely"},
    )
    weak = admin_client.post(
        f"/accounts/users/{yangshe_clerk.pk}/password/",
        {"password": "123456789012345", "password_again": "123456789012345"},
    )
    assert mismatch.context["password_form"].errors["password_again"] == ["两次输入的密码不一致"]
    assert weak.context["password_form"].errors["password"] == ["密码只包含数字。"]
    yangshe_clerk.refresh_from_db()
    assert yangshe_clerk.check_password(PASSWORD)

    done = admin_client.post(
        f"/accounts/users/{yangshe_clerk.pk}/password/",
        {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    yangshe_clerk.refresh_from_db()
    assert done.status_code == 302
    assert yangshe_clerk.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="accounts.user.password_reset")
    assert NEW_PASSWORD not in str(event.data)
    assert yangshe_clerk.password not in str(event.data)


def test_two_factor_reset_sends_the_user_back_to_enrolment(admin_client, auditor):
    auditor_client = verified_login(Client(), auditor)
    assert auditor_client.get("/").status_code == 200

    admin_client.post(f"/accounts/users/{auditor.pk}/two-factor-reset/")

    assert not TOTPDevice.objects.filter(user=auditor).exists()
    assert auditor_client.get("/")["Location"] == "/accounts/two-factor/setup/?next=%2F"
    event = AuditEvent.objects.get(action="accounts.user.two_factor_reset")
    assert event.data == {"devices_removed": 1, "tokens_revoked": 0}


def test_an_unknown_user_id_is_404(admin_client):
    assert admin_client.get("/accounts/users/999999/").status_code == 404


def test_the_admin_resetting_their_own_password_stays_signed_in(admin_client, city_admin):
    admin_client.post(
        f"/accounts/users/{city_admin.pk}/password/",
        {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert admin_client.get("/accounts/users/").status_code == 200
