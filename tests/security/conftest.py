"""The security suite's world: two towns' families, one user per column, and a state snapshot.

Columns of every access table, in this order: anonymous; another town's clerk on 杨舍镇's
objects; a user of the city without the permission (the service provider, and the auditor for
writes); 杨舍镇's own clerk; the city administrator; the auditor.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from minzheng.accounts.models import ApiToken, Role, User
from minzheng.alerts.models import Alert
from minzheng.alerts.services import AlertIn, alerts_raise
from minzheng.assistance.models import AssistanceCase, OnlineApplication
from minzheng.assistance.services import case_apply
from minzheng.audit.models import AuditEvent
from minzheng.exchange.models import ExchangeBatch, Signal
from minzheng.registry.models import Division, Household, Membership, Person
from minzheng.registry.services import HouseholdIn, MemberIn, PersonIn, household_register
from minzheng.workflow.models import TransitionRecord
from tests.assistance.conftest import family_request
from tests.conftest import (
    PASSWORD,
    YANGSHE_VILLAGE,
    YANGSHE_VILLAGE_2,
    make_id_number,
    totp_code,
    verified_login,
)
from tests.security import eldercare_parts

WHO = ("anonymous", "other_town", "no_permission", "own_town", "city", "auditor")
IS_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
SECOND_HEAD_ID = make_id_number("19700101", 61)
MISSING = 10_000_000  # far above any id a test creates


@dataclass(frozen=True)
class World:
    """杨舍镇: the family (3 persons) and a second household (1); 塘桥镇: one household (1)."""

    family: Household
    second: Household
    tangqiao: Household
    users: dict[str, User | None]
    managed: User  # a village worker the city administrator manages on the user pages
    case: AssistanceCase  # 杨舍镇's dibao application for the family, as applied
    alert: Alert  # an open monitoring alert on the family, for 杨舍镇's office

    @property
    def ids(self) -> dict[str, object]:
        """What paths and forms refer to, by name."""
        members = {
            membership.relation: membership.person_id
            for membership in self.family.memberships.filter(valid_to__isnull=True)
        }
        return {
            "head": members["head"],
            "spouse": members["spouse"],
            "child": members["child"],
            "household": self.family.pk,
            "second": self.second.pk,
            "second_number": self.second.number,
            "tangqiao_household": self.tangqiao.pk,
            "tangqiao_head": self.tangqiao.head_id,
            "user": self.managed.pk,
            "case": self.case.pk,
            "case_number": self.case.number,
            "alert": self.alert.pk,
            "missing": MISSING,
            # the newest imported department file, when a row has imported one
            "batch": ExchangeBatch.objects.order_by("-pk").values_list("pk", flat=True).first()
            or MISSING,
            # the newest online application, when a row has submitted one
            "online": OnlineApplication.objects.order_by("-pk").values_list("pk", flat=True).first()
            or MISSING,
            **eldercare_parts.ids(),
        }


@pytest.fixture
def world(
    family: Household,
    tangqiao_family: Household,
    yangshe_clerk: User,
    tangqiao_clerk: User,
    provider_user: User,
    city_admin: User,
    auditor: User,
) -> World:
    second = household_register(
        acting_user=yangshe_clerk,
        data=HouseholdIn(
            number="ZJG000000003",
            address="杨舍镇合成村01 第3幢303室",
            division_code=YANGSHE_VILLAGE_2,
            members=(MemberIn(PersonIn(name="周芳", id_number=SECOND_HEAD_ID), "head"),),
        ),
        on=dt.date(2024, 1, 1),
    )
    managed = User(username="yangshe_worker", role=Role.VILLAGE_WORKER)
    managed.division_code = YANGSHE_VILLAGE
    managed.set_password(PASSWORD)
    managed.save()
    case = case_apply(
        acting_user=yangshe_clerk,
        household=family,
        applicant=family.head,
        program="dibao",
        request=family_request(),
        on=dt.date(2026, 1, 5),
    )
    alerts_raise(
        acting_user=None,
        alerts=[
            AlertIn(
                kind="assistance.asset_review",
                key="world:vehicle",
                division_code=family.division_id,
                reason="救助家庭成员登记机动车",
                household_id=family.pk,
            )
        ],
        on=dt.date(2026, 1, 6),
    )
    return World(
        family=family,
        second=second,
        tangqiao=tangqiao_family,
        users={
            "anonymous": None,
            "other_town": tangqiao_clerk,
            "no_permission": provider_user,
            "own_town": yangshe_clerk,
            "city": city_admin,
            "auditor": auditor,
        },
        managed=managed,
        case=case,
        alert=Alert.objects.get(key="world:vehicle"),
    )


def sign_in(client: Client, world: World, who: str) -> Client:
    """A session for the column's user, past the one-time code where the role needs one."""
    user = world.users[who]
    if user is not None:
        verified_login(client, user)
    return client


def bearer(client: Client, user: User) -> dict[str, str]:
    """A token from `POST /api/auth/token`, with the one-time code where the role needs one."""
    credentials = {"username": user.username, "password": PASSWORD}
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        credentials["otp"] = totp_code(user)
    response = client.post("/api/auth/token", credentials, content_type="application/json")
    assert response.status_code == 200, response.content
    return {"Authorization": f"Bearer {response.json()['token']}"}


def snapshot() -> dict[str, Any]:
    """Counts and every row that a request could change, to compare before and after."""
    return {
        "counts": {
            "persons": Person.objects.count(),
            "households": Household.objects.count(),
            "memberships": Membership.objects.count(),
            "divisions": Division.objects.count(),
            "users": User.objects.count(),
            "audit_events": AuditEvent.objects.count(),
            "cases": AssistanceCase.objects.count(),
            "case_steps": TransitionRecord.objects.count(),
            "exchange_batches": ExchangeBatch.objects.count(),
            "signals": Signal.objects.count(),
            "alerts": Alert.objects.count(),
            "online_applications": OnlineApplication.objects.count(),
        },
        "online_applications": list(
            OnlineApplication.objects.order_by("pk").values_list(
                "pk", "state", "case_id", "decline_reason", "handled_by_id", "handled_at"
            )
        ),
        "alerts": list(
            Alert.objects.order_by("pk").values_list("pk", "state", "assignee_id", "outcome")
        ),
        "cases": list(
            AssistanceCase.objects.order_by("pk").values_list("pk", "state", "updated_at")
        ),
        "persons": list(
            Person.objects.order_by("pk").values_list(
                "pk",
                "name",
                "id_number_index",
                "id_number_encrypted",
                "phone_encrypted",
                "residence_division_id",
                "hukou_division_id",
                "marital_status",
                "death_date",
                "updated_at",
            )
        ),
        "households": list(
            Household.objects.order_by("pk").values_list(
                "pk", "number", "address", "division_id", "head_id", "updated_at"
            )
        ),
        "memberships": list(
            Membership.objects.order_by("pk").values_list(
                "pk", "household_id", "person_id", "relation", "valid_from", "valid_to"
            )
        ),
        "divisions": list(
            Division.objects.order_by("code").values_list("code", "name", "kind", "parent_id")
        ),
        "users": list(
            User.objects.order_by("pk").values_list(
                "pk",
                "username",
                "password",
                "role",
                "division_code",
                "business_line",
                "first_name",
                "is_active",
                "is_superuser",
                "is_staff",
            )
        ),
        "devices": list(TOTPDevice.objects.order_by("pk").values_list("pk", "user_id", "key")),
        "backup_devices": StaticDevice.objects.count(),
        "tokens": ApiToken.objects.count(),
        "audit_events": list(AuditEvent.objects.order_by("sequence").values_list("entry_hash")),
    }


def newest_event() -> AuditEvent:
    event = AuditEvent.objects.order_by("-sequence").first()
    assert event is not None
    return event
