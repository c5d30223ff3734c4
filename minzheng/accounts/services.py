"""Writes to accounts: users and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import CITY_CODE, ApiToken, BusinessLine, Role, User
from minzheng.audit.services import audit_record
from minzheng.registry.errors import Issue, RegistryError, fail
from minzheng.registry.models import Division


def _token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def user_create(
    *,
    acting_user: User | None,
    username: str,
    password: str,
    role: str,
    division_code: str = CITY_CODE,
    business_line: str = "",
    full_name: str = "",
) -> User:
    """Create a staff user with one role and one scope; the password must be strong."""
    issues = []
    if role not in Role.values:
        issues.append(Issue("role", f"角色{role}不存在", f"unknown role {role!r}"))
    if business_line and business_line not in BusinessLine.values:
        issues.append(
            Issue("business_line", f"业务条线{business_line}不存在", "unknown business line")
        )
    if not Division.objects.filter(code=division_code).exists():
        issues.append(
            Issue("division_code", f"区划代码{division_code}不存在", "unknown division code")
        )
    if User.objects.filter(username=username).exists():
        issues.append(Issue("username", f"用户名{username}已存在", "the username exists"))
    try:
        validate_password(password, User(username=username))
    except ValidationError as error:
        issues.append(Issue("password", "；".join(error.messages), "the password is too weak"))
    if issues:
        raise RegistryError(issues)
    user = User(
        username=username,
        role=role,
        division_code=division_code,
        business_line=business_line,
        first_name=full_name,
        is_superuser=role == Role.CITY_ADMIN,
    )
    user.set_password(password)
    user.save()
    audit_record(
        actor=acting_user,
        action="accounts.user.create",
        target=user,
        division_code=division_code,
        data={"username": username, "role": role, "division_code": division_code},
    )
    return user


@transaction.atomic
def api_token_issue(*, username: str, password: str) -> str:
    """Check the credentials and return a new bearer token (shown once, stored hashed)."""
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        raise fail("password", "用户名或密码错误", "wrong username or password")
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, key_hash=_token_hash(key))
    audit_record(actor=user, action="accounts.token.issue", target=token)
    return key


def api_token_user(*, key: str) -> User | None:
    """Return the active user a bearer token belongs to, or None."""
    token = ApiToken.objects.select_related("user").filter(key_hash=_token_hash(key)).first()
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
