"""Eldercare fixtures: an elder in 杨舍镇 who lives alone, providers with a manager and a
caregiver each, a small service catalogue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from minzheng.accounts.models import Role, User
from minzheng.eldercare.models import (
    Caregiver,
    ElderProfile,
    Provider,
    ProviderStaff,
    ServiceItem,
    SkillLevel,
)
from minzheng.registry.models import Household, Person
from minzheng.registry.services import HouseholdIn, MemberIn, PersonIn, household_register
from tests.conftest import YANGSHE_VILLAGE, _user, make_id_number

ELDER_ID = make_id_number("19380610", 51)  # male, 88 in 2026
HOME = (Decimal("31.875400"), Decimal("120.555900"))  # 杨舍镇, the elder's home


@pytest.fixture
def elder_household(yangshe_clerk: User) -> Household:
    return household_register(
        acting_user=yangshe_clerk,
        data=HouseholdIn(
            number="ZJG000000060",
            address="杨舍镇合成社区01 第6幢601室",
            division_code=YANGSHE_VILLAGE,
            members=(MemberIn(PersonIn(name="陈老伯", id_number=ELDER_ID), "head"),),
        ),
        on=dt.date(2024, 1, 1),
    )


@pytest.fixture
def elder(elder_household: Household) -> Person:
    person = elder_household.head
    ElderProfile.objects.create(
        person=person,
        division_code=YANGSHE_VILLAGE,
        home_lat=HOME[0],
        home_lng=HOME[1],
        lives_alone=True,
    )
    return person


@pytest.fixture
def tangqiao_elder(tangqiao_family: Household) -> Person:
    """赵敏, born 1945, 塘桥镇: another town's elder."""
    return tangqiao_family.head


def _provider(name: str, credit_code: str) -> Provider:
    return Provider.objects.create(
        name=name, credit_code=credit_code, division_code="320582", contact="周经理"
    )


@pytest.fixture
def home_provider(divisions: None) -> Provider:
    return _provider("张家港颐康居家养老服务中心", "52320582MJ0000001X")


@pytest.fixture
def other_provider(divisions: None) -> Provider:
    return _provider("张家港安康护理服务社", "52320582MJ0000002X")


@pytest.fixture
def provider_manager(home_provider: Provider) -> User:
    user = _user("yikang_manager", Role.PROVIDER, "320582")
    ProviderStaff.objects.create(user=user, provider=home_provider, is_manager=True)
    return user


@pytest.fixture
def other_manager(other_provider: Provider) -> User:
    user = _user("ankang_manager", Role.PROVIDER, "320582")
    ProviderStaff.objects.create(user=user, provider=other_provider, is_manager=True)
    return user


@pytest.fixture
def caregiver(home_provider: Provider) -> Caregiver:
    user = _user("caregiver_li", Role.PROVIDER, "320582")
    ProviderStaff.objects.create(user=user, provider=home_provider, is_manager=False)
    return Caregiver.objects.create(
        provider=home_provider,
        user=user,
        name="李护理",
        skill_level=SkillLevel.MIDDLE,
        certificate_number="ZJG-HL-0001",
        certificate_valid_to=dt.date(2028, 12, 31),
        training_hours=120,
    )


@pytest.fixture
def catalogue(db: None) -> dict[str, ServiceItem]:
    items = [
        ("ZX01", "助洁：居室清洁", "助洁", 60, 45, "40.00"),
        ("ZY01", "助浴：协助洗浴", "助浴", 60, 45, "60.00"),
        ("SH01", "生活照料：协助进食与修饰", "生活照料", 30, 20, "25.00"),
    ]
    return {
        code: ServiceItem.objects.create(
            code=code,
            name=name,
            category=category,
            minutes=minutes,
            min_minutes=min_minutes,
            price=Decimal(price),
        )
        for code, name, category, minutes, min_minutes, price in items
    }
