"""Writes to accounts: users, two-factor devices, lock-outs and API tokens.

Every change to a user is made by the city administrator (or the command line) and audited; no
password, secret or one-time code ever goes into the audit data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from minzheng.accounts import lockout, two_factor
from minzheng.accounts.errors import LoginRefusedError
from minzheng.accounts.jurisdiction import (
    BUSINESS_LINE_ROLES,
    ROLE_SCOPE_LENGTHS,
    scope_fits_role,
    two_factor_required,
    users_manage_check,
)
from minzheng.accounts.models import CITY_CODE, ApiToken, BusinessLine, Role, User
from minzheng.audit.services import audit_record
from minzheng.registry.errors import Issue, RegistryError, fail
from minzheng.registry.models import Division

logger = logging.getLogger(__name__)

SCOPE_LEVEL_NAMES = {
    6: ("市", "the city"),
    9: ("镇(街道)", "a town"),
    12: ("村(社区)", "a village"),
}


def _token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _role_scope_issues(*, role: str, division_code: str, business_line: str) -> list[Issue]:
    """Check a role, its scope and its business line against each other and the divisions."""
    issues = []
    if role not in Role.values:
        issues.append(Issue("role", f"角色{role}不存在", f"unknown role {role!r}"))
    if business_line and business_line not in BusinessLine.values:
        issues.append(
            Issue("business_line", f"业务条线{business_line}不存在", "unknown business line")
        )
    elif role in BUSINESS_LINE_ROLES and not business_line:
        issues.append(
            Issue("business_line", "市局业务科室须选择业务条线", "city staff need a business line")
        )
    elif business_line and role in Role.values and role not in BUSINESS_LINE_ROLES:
        issues.append(
            Issue(
                "business_line",
                "只有市局业务科室设置业务条线",
                "only city staff have a business line",
            )
        )
    if not Division.objects.filter(code=division_code).exists():
        issues.append(
            Issue("division_code", f"区划代码{division_code}不存在", "unknown division code")
        )
    elif not scope_fits_role(role=role, division_code=division_code):
        level_zh, level_en = SCOPE_LEVEL_NAMES[ROLE_SCOPE_LENGTHS[role]]
        issues.append(
            Issue(
                "division_code",
                f"该角色的管辖范围应为{level_zh}级区划",
                f"this role's scope must be {level_en}",
            )
        )
    return issues


def _password_issues(password: str, user: User) -> list[Issue]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return [Issue("password", "；".join(error.messages), "the password is too weak")]
    return []


def _tokens_revoke(user: User) -> int:
    count, _ = ApiToken.objects.filter(user=user).delete()
    return count


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
    users_manage_check(user=acting_user)
    issues = []
    try:
        User.username_validator(username)
    except ValidationError:
        issues.append(
            Issue(
                "username",
                "用户名只能包含字母、数字和 @ . + - _",
                "letters, digits and @ . + - _ only",
            )
        )
    if not username or len(username) > 150:
        issues.append(Issue("username", "用户名应为1至150个字符", "1 to 150 characters"))
    issues += _role_scope_issues(
        role=role, division_code=division_code, business_line=business_line
    )
    if User.objects.filter(username=username).exists():
        issues.append(Issue("username", f"用户名{username}已存在", "the username exists"))
    issues += _password_issues(password, User(username=username, first_name=full_name))
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
        data={
            "username": username,
            "role": role,
            "division_code": division_code,
            "business_line": business_line,
        },
    )
    return user


@transaction.atomic
def user_update(
    *,
    acting_user: User,
    user: User,
    role: str,
    division_code: str,
    business_line: str = "",
    full_name: str = "",
) -> User:
    """Change a user's role, scope, business line or name; a new role or scope revokes tokens."""
    users_manage_check(user=acting_user)
    issues = _role_scope_issues(role=role, division_code=division_code, business_line=business_line)
    if user.pk == acting_user.pk and role != user.role:
        issues.append(Issue("role", "不能修改自己的角色", "you cannot change your own role"))
    if issues:
        raise RegistryError(issues)
    new_values = {
        "role": role,
        "division_code": division_code,
        "business_line": business_line,
        "first_name": full_name,
    }
    changes = {
        field: [getattr(user, field), value]
        for field, value in new_values.items()
        if getattr(user, field) != value
    }
    if not changes:
        return user
    for field, value in new_values.items():
        setattr(user, field, value)
    user.is_superuser = role == Role.CITY_ADMIN
    user.save(update_fields=[*new_values, "is_superuser"])
    data: dict[str, object] = {"changes": changes}
    if changes.keys() & {"role", "division_code", "business_line"}:
        data["tokens_revoked"] = _tokens_revoke(user)
    audit_record(
        actor=acting_user,
        action="accounts.user.update",
        target=user,
        division_code=division_code,
        data=data,
    )
    return user


@transaction.atomic
def user_deactivate(*, acting_user: User, user: User) -> User:
    """Stop a user from signing in; their sessions end at their next request, tokens at once."""
    users_manage_check(user=acting_user)
    if user.pk == acting_user.pk:
        raise fail("is_active", "不能停用自己的账号", "you cannot deactivate yourself")
    if not user.is_active:
        return user
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(
        actor=acting_user,
        action="accounts.user.deactivate",
        target=user,
        division_code=user.division_code,
        data={"tokens_revoked": _tokens_revoke(user)},
    )
    return user


@transaction.atomic
def user_reactivate(*, acting_user: User, user: User) -> User:
    """Let a deactivated user sign in again."""
    users_manage_check(user=acting_user)
    if user.is_active:
        return user
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(
        actor=acting_user,
        action="accounts.user.reactivate",
        target=user,
        division_code=user.division_code,
    )
    return user


@transaction.atomic
def user_password_reset(*, acting_user: User, user: User, password: str) -> User:
    """Set a new password (the user's sessions and tokens end); it must pass the validators."""
    users_manage_check(user=acting_user)
    issues = _password_issues(password, user)
    if issues:
        raise RegistryError(issues)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(
        actor=acting_user,
        action="accounts.user.password_reset",
        target=user,
        division_code=user.division_code,
        data={"tokens_revoked": _tokens_revoke(user)},
    )
    return user


@transaction.atomic
def user_two_factor_reset(*, acting_user: User, user: User) -> User:
    """Remove the user's authenticator and backup codes; they enrol again at the next sign-in."""
    users_manage_check(user=acting_user)
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        devices = model.objects.filter(user=user)
        removed += devices.count()
        devices.delete()  # backup codes go with their device
    audit_record(
        actor=acting_user,
        action="accounts.user.two_factor_reset",
        target=user,
        division_code=user.division_code,
        data={"devices_removed": removed, "tokens_revoked": _tokens_revoke(user)},
    )
    return user


@transaction.atomic
def user_unlock(*, acting_user: User, user: User) -> int:
    """Clear the user's failed sign-ins from every address; return how many records were cleared."""
    users_manage_check(user=acting_user)
    cleared = lockout.lockout_clear(username=user.get_username())
    audit_record(
        actor=acting_user,
        action="accounts.user.unlock",
        target=user,
        division_code=user.division_code,
        data={"cleared": cleared},
    )
    return cleared


# ---------------------------------------------------------------------------------------------
# two-factor: the user's own enrolment and sign-in


@transaction.atomic
def two_factor_enrol(*, user: User, key_hex: str, token: str) -> list[str]:
    """Store the authenticator the user has set up, after a first correct code.

    Returns the backup codes, shown to the user once.
    """
    if two_factor.user_has_two_factor(user):
        raise fail("otp_token", "已设置两步验证", "two-factor is already set up")
    if not two_factor.code_is_valid(key_hex=key_hex, token=token):
        raise fail("otp_token", "验证码不正确，请核对手机时间后重试", "the code is not correct")
    device = TOTPDevice(user=user, name=two_factor.TOTP_DEVICE_NAME, key=key_hex, confirmed=True)
    # The first code is spent: the same code cannot sign in again.
    device.last_t = int(timezone.now().timestamp()) // device.step
    device.save()
    backup = StaticDevice.objects.create(user=user, name=two_factor.BACKUP_DEVICE_NAME)
    codes = [StaticToken.random_token() for _ in range(two_factor.BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=backup, token=code) for code in codes)
    audit_record(
        actor=user,
        action="accounts.two_factor.enrol",
        target=user,
        division_code=user.division_code,
        data={"backup_codes": len(codes)},
    )
    return codes


@transaction.atomic
def two_factor_demo_enrol(*, user: User) -> TOTPDevice:
    """Give a demo account an authenticator with the published demo secret (`minzheng demo`)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        return device
    device = TOTPDevice.objects.create(
        user=user, name="demo", key=two_factor.DEMO_TOTP_KEY, confirmed=True
    )
    audit_record(
        actor=None,
        action="accounts.two_factor.enrol",
        target=user,
        division_code=user.division_code,
        data={"demo": True},
    )
    return device


def two_factor_verify(*, request: HttpRequest, user: User, token: str) -> Device | None:
    """Check a one-time code (or a backup code) of the user; a wrong one counts as a failure.

    Right after a wrong code django-otp makes the device wait (1, 2, 4 ... seconds); a code sent
    while it waits is refused without being checked or counted.
    """
    token = token.strip().replace(" ", "")
    if token.isdigit():
        devices: list[Device] = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    else:
        devices = list(StaticDevice.objects.filter(user=user, confirmed=True))
        token = token.lower()
    if devices and not any(device.verify_is_allowed()[0] for device in devices):
        raise LoginRefusedError(
            "验证码输入过快，请稍等几秒后再试", "too fast: wait a few seconds", status=429
        )
    for device in devices:
        verified = verify_token(user, device.persistent_id, token)
        if verified is not None:
            if isinstance(verified, StaticDevice):
                audit_record(
                    actor=user,
                    action="accounts.two_factor.backup_code_used",
                    target=user,
                    division_code=user.division_code,
                    data={"remaining": verified.token_set.count()},
                )
            return verified
    lockout.login_failure_record(request=request, username=user.get_username())
    return None


# ---------------------------------------------------------------------------------------------
# API tokens


@dataclass(frozen=True)
class IssuedToken:
    key: str  # shown once; only its SHA-256 is stored
    expires_at: dt.datetime


def api_token_issue(
    *, request: HttpRequest, username: str, password: str, otp: str = ""
) -> IssuedToken:
    """Check the credentials (and the one-time code where needed) and issue a bearer token.

    Failures count towards the lock-out exactly as on the sign-in page.
    """
    user = authenticate(request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        raise LoginRefusedError(
            "登录失败次数过多，账号已暂时锁定", "too many failed attempts: locked", status=429
        )
    if user is None or not user.is_active:
        raise LoginRefusedError("用户名或密码错误", "wrong username or password")
    verified = False
    if two_factor.user_has_two_factor(user):
        if not otp.strip():
            raise LoginRefusedError(
                "该账号需要动态验证码(otp)", "this account needs a one-time code (otp)"
            )
        if two_factor_verify(request=request, user=user, token=otp) is None:
            if lockout.login_is_locked(request=request, username=user.get_username()):
                raise LoginRefusedError(
                    "登录失败次数过多，账号已暂时锁定",
                    "too many failed attempts: locked",
                    status=429,
                )
            raise LoginRefusedError("动态验证码错误", "wrong one-time code")
        verified = True
    elif two_factor_required(user):
        raise LoginRefusedError(
            "该账号须先在网页上设置两步验证",
            "set up two-factor authentication on the website first",
            status=403,
        )
    return _api_token_create(request=request, user=user, two_factor_verified=verified)


@transaction.atomic
def _api_token_create(
    *, request: HttpRequest, user: User, two_factor_verified: bool
) -> IssuedToken:
    lockout.login_failures_reset(request=request, username=user.get_username())
    now = timezone.now()
    ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=_token_hash(key),
        expires_at=now + settings.API_TOKEN_LIFETIME,
        two_factor_verified=two_factor_verified,
    )
    audit_record(
        actor=user,
        action="accounts.token.issue",
        target=token,
        division_code=user.division_code,
        data={"two_factor": two_factor_verified},
    )
    return IssuedToken(key=key, expires_at=token.expires_at)


def api_token_user(*, key: str) -> User | None:
    """Return the active user a bearer token belongs to, or None (unknown, expired, refused)."""
    token = ApiToken.objects.select_related("user").filter(key_hash=_token_hash(key)).first()
    if token is None:
        logger.warning("API token refused: unknown")
        return None
    now = timezone.now()
    if token.expires_at <= now:
        logger.warning("API token %s refused: expired", token.pk)
        return None
    if not token.user.is_active:
        logger.warning("API token %s refused: user inactive", token.pk)
        return None
    if two_factor_required(token.user) and not token.two_factor_verified:
        logger.warning("API token %s refused: issued without two-factor", token.pk)
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
