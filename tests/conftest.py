"""Shared fixtures: the real divisions, a few synthetic villages, users per role, one family."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from minzheng.accounts.jurisdiction import TWO_FACTOR_ROLES, two_factor_required
from minzheng.accounts.models import BusinessLine, Role, User
from minzheng.accounts.two_factor import current_code
from minzheng.registry.services import (
    DivisionIn,
    HouseholdIn,
    MemberIn,
    PersonIn,
    divisions_load,
    household_register,
)
from minzheng.rules.id_number import check_character

YANGSHE = "320582100"
TANGQIAO = "320582101"
YANGSHE_VILLAGE = "320582100001"
YANGSHE_VILLAGE_2 = "320582100200"
TANGQIAO_VILLAGE = "320582101001"
PASSWORD = "correct-horse-battery-staple"


def person_values(persons, *fields: str) -> list[tuple[object, ...]]:
    """Like values_list, for persons whose id number and phone are encrypted properties."""
    return [tuple(getattr(person, name) for name in fields) for person in persons]


def make_id_number(birth: str, sequence: int, address: str = "320582") -> str:
    """A valid id number for a birth date YYYYMMDD and a 3-digit sequence (odd = male)."""
    first17 = f"{address}{birth}{sequence:03d}"
    return first17 + check_character(first17)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """Tests create many users; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def divisions(db: None) -> None:
    from django.core.management import call_command

    call_command("loaddivisions", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    divisions_load(
        acting_user=None,
        rows=[
            DivisionIn(YANGSHE_VILLAGE, "杨舍镇合成社区01", "community", YANGSHE),
            DivisionIn(YANGSHE_VILLAGE_2, "杨舍镇合成村01", "village", YANGSHE),
            DivisionIn(TANGQIAO_VILLAGE, "塘桥镇合成社区01", "community", TANGQIAO),
        ],
    )


def _user(username: str, role: str, division: str) -> User:
    user = User(username=username, role=role, division_code=division)
    user.set_password(PASSWORD)
    user.save()
    if role in TWO_FACTOR_ROLES:  # these roles must have an authenticator to sign in
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return user


def totp_code(user: User) -> str:
    """The current one-time code of the user's authenticator, computed as django-otp checks it."""
    return current_code(TOTPDevice.objects.get(user=user, confirmed=True))


def verified_login(client: Client, user: User) -> Client:
    """Sign the client in as the user, past the one-time code step where the user has one.

    A user whose role requires two-factor is given an authenticator first if they have none
    (e.g. a superuser made in a test), so that the session is a complete sign-in.
    """
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None and two_factor_required(user):
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def city_admin(divisions: None) -> User:
    return _user("admin", Role.CITY_ADMIN, "320582")


@pytest.fixture
def yangshe_clerk(divisions: None) -> User:
    return _user("yangshe_clerk", Role.TOWN_CLERK, YANGSHE)


@pytest.fixture
def tangqiao_clerk(divisions: None) -> User:
    return _user("tangqiao_clerk", Role.TOWN_CLERK, TANGQIAO)


@pytest.fixture
def yangshe_approver(divisions: None) -> User:
    return _user("yangshe_approver", Role.TOWN_APPROVER, YANGSHE)


@pytest.fixture
def tangqiao_approver(divisions: None) -> User:
    return _user("tangqiao_approver", Role.TOWN_APPROVER, TANGQIAO)


@pytest.fixture
def eldercare_staff(divisions: None) -> User:
    user = _user("eldercare_staff", Role.CITY_STAFF, "320582")
    user.business_line = BusinessLine.ELDERCARE
    user.save()
    return user


@pytest.fixture
def payroll_staff(divisions: None) -> User:
    """City assistance staff: they run payroll, monitoring and 政策找人."""
    user = _user("payroll_staff", Role.CITY_STAFF, "320582")
    user.business_line = BusinessLine.ASSISTANCE
    user.save()
    return user


@pytest.fixture
def auditor(divisions: None) -> User:
    return _user("auditor", Role.AUDITOR, "320582")


@pytest.fixture
def provider_user(divisions: None) -> User:
    return _user("provider", Role.PROVIDER, "320582")


HEAD_ID = make_id_number("19600315", 11)  # male, born 1960-03-15
SPOUSE_ID = make_id_number("19621102", 22)  # female
CHILD_ID = make_id_number("19900520", 33)  # male


def family_data(number: str = "ZJG000000001", division: str = YANGSHE_VILLAGE) -> HouseholdIn:
    return HouseholdIn(
        number=number,
        address="杨舍镇合成社区01 第1幢101室",
        division_code=division,
        members=(
            MemberIn(
                PersonIn(
                    name="王建国", id_number=HEAD_ID, phone="13812345678", marital_status="married"
                ),
                "head",
            ),
            MemberIn(
                PersonIn(
                    name="李秀英",
                    id_number=SPOUSE_ID,
                    marital_status="married",
                    disability_category="physical",
                    disability_grade=2,
                    disability_valid_from=dt.date(2020, 1, 1),
                    disability_valid_to=dt.date(2030, 1, 1),
                ),
                "spouse",
            ),
            MemberIn(
                PersonIn(name="王磊", id_number=CHILD_ID, marital_status="unmarried"), "child"
            ),
        ),
    )


@pytest.fixture
def family(yangshe_clerk: User):
    return household_register(acting_user=yangshe_clerk, data=family_data(), on=dt.date(2024, 1, 1))


@pytest.fixture
def tangqiao_family(tangqiao_clerk: User):
    return household_register(
        acting_user=tangqiao_clerk,
        data=HouseholdIn(
            number="ZJG000000002",
            address="塘桥镇合成社区01 第2幢202室",
            division_code=TANGQIAO_VILLAGE,
            members=(
                MemberIn(PersonIn(name="赵敏", id_number=make_id_number("19450101", 42)), "head"),
            ),
        ),
        on=dt.date(2024, 1, 1),
    )
