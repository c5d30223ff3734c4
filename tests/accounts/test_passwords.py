"""Passwords: Argon2 first, the validators enforced."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password

from minzheng import settings as project_settings
from minzheng.accounts.services import user_create
from minzheng.registry.errors import RegistryError


def test_argon2_is_the_first_hasher_in_settings() -> None:
    assert project_settings.PASSWORD_HASHERS[0] == (
        "django.contrib.auth.hashers.Argon2PasswordHasher"
    )


def test_a_password_is_stored_as_argon2id_under_the_project_hashers(settings) -> None:
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    encoded = make_password("a-long-enough-passphrase")
    assert encoded.startswith("argon2$argon2id$")
    assert identify_hasher(encoded).algorithm == "argon2"
    assert check_password("a-long-enough-passphrase", encoded)


def test_an_old_pbkdf2_hash_still_verifies(settings) -> None:
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    encoded = make_password("a-long-enough-passphrase", hasher="pbkdf2_sha256")
    assert check_password("a-long-enough-passphrase", encoded)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-pass1", "密码太短，至少需要 12 个字符"),
        ("123456789012345", "密码只包含数字"),
        ("password12345", "这个密码太常见了"),
        ("wangxiaoming2024", "太相似"),
    ],
)
def test_weak_staff_passwords_are_refused(divisions, password: str, message: str) -> None:
    with pytest.raises(RegistryError) as error:
        user_create(
            acting_user=None,
            username="wangxiaoming2024",
            password=password,
            role="town_clerk",
            division_code="320582100",
        )
    assert error.value.issues[0].field == "password"
    assert message in error.value.issues[0].message_zh
