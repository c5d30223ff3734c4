"""Reads of accounts, for the city administrator's user pages."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django_otp.plugins.otp_totp.models import TOTPDevice

from minzheng.accounts import lockout
from minzheng.accounts.jurisdiction import two_factor_required, users_manage_check
from minzheng.accounts.models import User


@dataclass(frozen=True)
class UserRow:
    user: User
    has_two_factor: bool
    two_factor_required: bool
    locked_from: tuple[str, ...]  # addresses the username is locked out from now

    @property
    def is_locked(self) -> bool:
        return bool(self.locked_from)


def _with_two_factor(users: QuerySet[User]) -> QuerySet[User]:
    return users.annotate(
        has_two_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
    )


def _rows(users: list[User]) -> list[UserRow]:
    locked = lockout.locked_addresses([user.username for user in users])
    return [
        UserRow(
            user=user,
            has_two_factor=bool(user.has_two_factor),  # type: ignore[attr-defined]
            two_factor_required=two_factor_required(user),
            locked_from=tuple(locked.get(user.username, ())),
        )
        for user in users
    ]


def user_list(
    *,
    acting_user: User,
    role: str = "",
    division_code: str = "",
    is_active: bool | None = None,
    q: str = "",
) -> QuerySet[User]:
    """Users filtered by role, division (a code prefix: a town finds its villages), status, name."""
    users_manage_check(user=acting_user)
    users = _with_two_factor(User.objects.all())
    if role:
        users = users.filter(role=role)
    if division_code:
        users = users.filter(division_code__startswith=division_code)
    if is_active is not None:
        users = users.filter(is_active=is_active)
    if q:
        users = users.filter(username__icontains=q) | users.filter(first_name__icontains=q)
    return users.order_by("division_code", "username")


def user_rows(*, users: list[User]) -> list[UserRow]:
    """One page of `user_list` with each user's two-factor and lock-out state."""
    return _rows(users)


def user_get(*, acting_user: User, user_id: int) -> UserRow:
    users_manage_check(user=acting_user)
    user = _with_two_factor(User.objects.filter(pk=user_id)).first()
    if user is None:
        raise Http404
    return _rows([user])[0]
