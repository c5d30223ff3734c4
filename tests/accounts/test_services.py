"""Account services: only the city administrator, every change audited, no secret in the log."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from minzheng.accounts import services
from minzheng.accounts.models import ApiToken, User
from minzheng.audit.models import AuditEvent
from minzheng.registry.errors import RegistryError
from tests.conftest import PASSWORD

NEW_PASSWORD = "a-new-long-passphrase"


def _state() -> tuple:
    return (
        list(
            User.objects.order_by("pk").values_list(
                "username", "role", "division_code", "business_line", "is_active", "password"
            )
        ),
        TOTPDevice.objects.count(),
        AuditEvent.objects.count(),
    )


CALLS = {
    "user_create": lambda actor, user: services.user_create(
        acting_user=actor,
        username="new_user",
        password=NEW_PASSWORD,
        role="town_clerk",
        division_code="320582100",
    ),
    "user_update": lambda actor, user: services.user_update(
        acting_user=actor, user=user, role="town_approver", division_code="320582100"
    ),
    "user_deactivate": lambda actor, user: services.user_deactivate(acting_user=actor, user=user),
    "user_password_reset": lambda actor, user: services.user_password_reset(
        acting_user=actor, user=user, password=NEW_PASSWORD
    ),
    "user_two_factor_reset": lambda actor, user: services.user_two_factor_reset(
        acting_user=actor, user=user
    ),
    "user_unlock": lambda actor, user: services.user_unlock(acting_user=actor, user=user),
}


@pytest.mark.parametrize("service", list(CALLS))
@pytest.mark.parametrize("actor", ["tangqiao_clerk", "auditor", "provider_user"])
def test_only_the_city_admin_changes_users(service, actor, request, yangshe_clerk):
    acting_user = request.getfixturevalue(actor)
    before = _state()
    with pytest.raises(PermissionDenied):
        CALLS[service](acting_user, yangshe_clerk)
    assert _state() == before


@pytest.mark.parametrize(
    ("service", "action", "data"),
    [
        (
            "user_create",
            "accounts.user.create",
            {
                "username": "new_user",
                "role": "town_clerk",
                "division_code": "320582100",
                "business_line": "",
            },
        ),
        (
            "user_update",
            "accounts.user.update",
            {"changes": {"role": ["town_clerk", "town_approver"]}, "tokens_revoked": 1},
        ),
        ("user_deactivate", "accounts.user.deactivate", {"tokens_revoked": 1}),
        ("user_password_reset", "accounts.user.password_reset", {"tokens_revoked": 1}),
        (
            "user_two_factor_reset",
            "accounts.user.two_factor_reset",
            {"devices_removed": 0, "tokens_revoked": 1},
        ),
        ("user_unlock", "accounts.user.unlock", {"cleared": 0}),
    ],
)
def test_each_service_writes_one_audit_row(service, action, data, city_admin, yangshe_clerk):
    ApiToken.objects.create(user=yangshe_clerk, key_hash="1" * 64, expires_at="2099-01-01T00:00Z")
    before = AuditEvent.objects.count()

    CALLS[service](city_admin, yangshe_clerk)

    event = AuditEvent.objects.latest("pk")
    assert AuditEvent.objects.count() == before + 1
    assert (event.action, event.actor, event.data) == (action, city_admin, data)
    assert event.target_type == "accounts.user"
    assert NEW_PASSWORD not in json.dumps(event.data)


def test_the_command_line_may_create_users(divisions):
    user = CALLS["user_create"](None, None)
    event = AuditEvent.objects.get(action="accounts.user.create")
    assert (event.actor, event.actor_username, event.target_id) == (None, "system", str(user.pk))


@pytest.mark.parametrize(
    ("role", "division", "line", "field", "message"),
    [
        ("town_clerk", "320582", "", "division_code", "该角色的管辖范围应为镇(街道)级区划"),
        ("village_worker", "320582100", "", "division_code", "该角色的管辖范围应为村(社区)级区划"),
        ("auditor", "320582100", "", "division_code", "该角色的管辖范围应为市级区划"),
        ("city_staff", "320582", "", "business_line", "市局业务科室须选择业务条线"),
        ("town_clerk", "320582100", "assistance", "business_line", "只有市局业务科室设置业务条线"),
        ("town_clerk", "320582199", "", "division_code", "区划代码320582199不存在"),
        ("mayor", "320582", "", "role", "角色mayor不存在"),
    ],
)
def test_role_scope_and_line_must_fit(city_admin, role, division, line, field, message):
    before = _state()
    with pytest.raises(RegistryError) as error:
        services.user_create(
            acting_user=city_admin,
            username="new_user",
            password=NEW_PASSWORD,
            role=role,
            division_code=division,
            business_line=line,
        )
    assert [(issue.field, issue.message_zh) for issue in error.value.issues] == [(field, message)]
    assert _state() == before


def test_an_update_without_changes_writes_nothing(city_admin, yangshe_clerk):
    before = _state()
    services.user_update(
        acting_user=city_admin, user=yangshe_clerk, role="town_clerk", division_code="320582100"
    )
    assert _state() == before


def test_promoting_to_city_admin_makes_a_superuser_and_back(city_admin, yangshe_clerk):
    services.user_update(
        acting_user=city_admin, user=yangshe_clerk, role="city_admin", division_code="320582"
    )
    assert User.objects.get(pk=yangshe_clerk.pk).is_superuser is True
    services.user_update(
        acting_user=city_admin, user=yangshe_clerk, role="auditor", division_code="320582"
    )
    assert User.objects.get(pk=yangshe_clerk.pk).is_superuser is False


def test_two_factor_reset_removes_the_authenticator_and_the_backup_codes(city_admin, auditor):
    StaticDevice.objects.create(user=auditor, name="backup")
    services.user_two_factor_reset(acting_user=city_admin, user=auditor)
    assert TOTPDevice.objects.filter(user=auditor).count() == 0
    assert StaticDevice.objects.filter(user=auditor).count() == 0


def test_password_reset_keeps_the_old_password_when_refused(city_admin, yangshe_clerk):
    with pytest.raises(RegistryError):
        services.user_password_reset(acting_user=city_admin, user=yangshe_clerk, password="short")
    yangshe_clerk.refresh_from_db()
    assert yangshe_clerk.check_password(PASSWORD)
