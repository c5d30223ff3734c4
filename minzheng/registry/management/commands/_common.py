"""What the registry's commands share: finding the acting user."""

from __future__ import annotations

from django.core.management.base import CommandError

from minzheng.accounts.models import User


def acting_user(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"用户{username}不存在或已停用 no active user {username!r}")
    return user
