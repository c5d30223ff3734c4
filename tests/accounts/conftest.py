"""Helpers for the sign-in tests: the real login steps through the test client."""

from __future__ import annotations

import pytest
from django.test import Client

from minzheng.accounts.models import User
from tests.conftest import PASSWORD, totp_code, verified_login


def password_step(client: Client, username: str, password: str = PASSWORD, **extra: str):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def code_step(client: Client, code: str, **extra: str):
    return client.post("/accounts/two-factor/", {"otp_token": code, "next": "/"}, **extra)


def full_login(client: Client, user: User) -> Client:
    """Password, then the current one-time code: what a person does."""
    assert password_step(client, user.username).status_code == 302
    response = code_step(client, totp_code(user))
    assert (response.status_code, response["Location"]) == (302, "/")
    return client


@pytest.fixture
def admin_client(client: Client, city_admin: User) -> Client:
    return verified_login(client, city_admin)


def wrong_code(user: User) -> str:
    """A six-digit code that is not the current one."""
    return f"{(int(totp_code(user)) + 1) % 1_000_000:06d}"
