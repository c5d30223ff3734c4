"""Mass assignment: fields a caller may not set are ignored or refused, never obeyed.

Whatever a request adds (ids, owners, timestamps, roles, another town's division), the answer is
either 422/403 with nothing written, or the write happens exactly as if the field were absent;
nothing lands outside the caller's jurisdiction.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from minzheng.accounts.models import ApiToken, User
from minzheng.audit.models import AuditEvent
from minzheng.registry.models import Household, Person
from tests.conftest import (
    HEAD_ID,
    PASSWORD,
    TANGQIAO_VILLAGE,
    YANGSHE,
    YANGSHE_VILLAGE,
    make_id_number,
)
from tests.security.conftest import bearer, sign_in, snapshot

NEW_ID = make_id_number("19770707", 77)  # male, born 1977-07-07
NOW = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)


def _register(client, headers: dict[str, str], body: dict[str, object]):
    return client.post(
        "/api/registry/households",
        json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def _household(**extra: object) -> dict[str, object]:
    member = {"relation": "head", "name": "蒋七", "id_number": NEW_ID}
    member.update(extra.pop("member", {}))  # type: ignore[arg-type]
    return {
        "number": "ZJG000000777",
        "address": "杨舍镇合成社区01 第7幢7室",
        "division_code": YANGSHE_VILLAGE,
        "members": [member],
        **extra,
    }


def test_extra_fields_on_a_household_registration_have_no_effect(client, world, time_machine):
    time_machine.move_to(NOW, tick=False)
    clerk = world.users["own_town"]
    headers = bearer(client, clerk)
    taken_id = world.tangqiao.pk
    body = _household(
        id=taken_id,
        head_id=world.tangqiao.head_id,
        head_name="赵敏",
        created_at="2000-01-01T00:00:00Z",
        updated_at="2000-01-01T00:00:00Z",
        role="city_admin",
        is_superuser=True,
        division=TANGQIAO_VILLAGE,
        member={
            "id": world.tangqiao.head_id,
            "person_id": world.tangqiao.head_id,
            "sex": "female",
            "birth_date": "1900-01-01",
            "death_date": "2020-01-01",
            "division_code": TANGQIAO_VILLAGE,
            "created_at": "2000-01-01T00:00:00Z",
        },
    )

    response = _register(client, headers, body)

    assert response.status_code == 201, response.content
    household = Household.objects.get(number="ZJG000000777")
    person = Person.objects.get(pk=household.head_id)
    assert response.json()["id"] == household.pk != taken_id
    assert (household.division_id, household.created_at) == (YANGSHE_VILLAGE, NOW)
    assert (person.name, person.sex, person.birth_date, person.death_date) == (
        "蒋七",
        "male",
        dt.date(1977, 7, 7),
        None,
    )
    assert (person.residence_division_id, person.hukou_division_id) == (YANGSHE_VILLAGE,) * 2
    assert person.pk != world.tangqiao.head_id
    assert Person.objects.get(pk=world.tangqiao.head_id).name == "赵敏"
    assert Household.objects.get(pk=taken_id).number == "ZJG000000002"
    clerk.refresh_from_db()
    assert (clerk.role, clerk.is_superuser, clerk.division_code) == ("town_clerk", False, YANGSHE)


@pytest.mark.parametrize(
    ("residence", "status"),
    [
        (TANGQIAO_VILLAGE, 403),
        ("320582101", 422),  # 塘桥镇 itself: not even a village
    ],
)
def test_a_member_living_in_another_town_is_refused_and_nothing_is_written(
    client, world, residence, status
):
    headers = bearer(client, world.users["own_town"])
    before = snapshot()

    response = _register(client, headers, _household(member={"residence_division_code": residence}))

    assert response.status_code == status
    assert snapshot() == before


def test_a_household_in_another_towns_village_is_refused_and_nothing_is_written(client, world):
    headers = bearer(client, world.users["own_town"])
    before = snapshot()

    response = _register(client, headers, _household(division_code=TANGQIAO_VILLAGE))

    assert response.status_code == 403
    assert response.json()["detail"] == "您无权在该区划内修改人口与家庭信息"
    assert snapshot() == before


def test_a_hukou_in_another_town_does_not_put_the_person_in_that_towns_scope(client, world):
    """The household register (户籍) may be elsewhere; the scope follows where one lives."""
    headers = bearer(client, world.users["own_town"])

    response = _register(
        client, headers, _household(member={"hukou_division_code": TANGQIAO_VILLAGE})
    )

    assert response.status_code == 201, response.content
    person = Person.objects.get(pk=response.json()["head_id"])
    assert (person.residence_division_id, person.hukou_division_id) == (
        YANGSHE_VILLAGE,
        TANGQIAO_VILLAGE,
    )
    other = bearer(client, world.users["other_town"])
    assert client.get(f"/api/registry/persons/{person.pk}", headers=other).status_code == 404


def test_registering_another_towns_person_by_id_number_is_refused_and_changes_nothing(
    client, world
):
    headers = bearer(client, world.users["other_town"])
    before = snapshot()

    response = _register(
        client,
        headers,
        {
            "number": "ZJG000000888",
            "address": "塘桥镇合成社区01 第8幢8室",
            "division_code": TANGQIAO_VILLAGE,
            "members": [{"relation": "head", "name": "冒名", "id_number": HEAD_ID}],
        },
    )

    assert response.status_code == 422
    assert "王建国" not in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        {"field": "id_number_encrypted", "reason": "核对身份信息"},
        {"field": "password", "reason": "核对身份信息"},
        {"field": "id_number", "reason": ""},
    ],
)
def test_a_reveal_of_anything_but_the_id_number_or_phone_is_refused(client, world, body):
    headers = bearer(client, world.users["own_town"])
    before = snapshot()

    response = client.post(
        f"/api/registry/persons/{world.ids['head']}/reveal",
        json.dumps(body),
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code == 422
    assert snapshot() == before


def test_extra_fields_on_a_reveal_do_not_choose_another_person_or_value(client, world):
    headers = bearer(client, world.users["own_town"])

    response = client.post(
        f"/api/registry/persons/{world.ids['head']}/reveal",
        json.dumps(
            {
                "field": "phone",
                "reason": "电话回访核实",
                "person_id": world.tangqiao.head_id,
                "value": "13800000000",
                "actor": "admin",
            }
        ),
        content_type="application/json",
        headers=headers,
    )

    assert response.json() == {"field": "phone", "value": "13812345678"}
    event = AuditEvent.objects.order_by("-sequence").first()
    assert (event.actor_username, event.target_id) == ("yangshe_clerk", str(world.ids["head"]))


def test_a_token_request_cannot_choose_its_lifetime_owner_or_two_factor_flag(
    client, world, time_machine
):
    time_machine.move_to(NOW, tick=False)

    response = client.post(
        "/api/auth/token",
        {
            "username": "yangshe_clerk",
            "password": PASSWORD,
            "expires_at": "2099-01-01T00:00:00Z",
            "two_factor_verified": True,
            "user_id": world.users["city"].pk,
            "role": "city_admin",
            "division_code": "320582",
        },
        content_type="application/json",
    )

    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert (token.user.username, token.expires_at, token.two_factor_verified) == (
        "yangshe_clerk",
        NOW + dt.timedelta(hours=12),
        False,
    )
    headers = {"Authorization": f"Bearer {response.json()['token']}"}
    assert client.get("/api/registry/persons", headers=headers).json()["count"] == 4


def test_claiming_two_factor_in_a_token_request_does_not_replace_the_code(client, world):
    before = snapshot()

    response = client.post(
        "/api/auth/token",
        {"username": "admin", "password": PASSWORD, "two_factor_verified": True, "otp": ""},
        content_type="application/json",
    )

    assert response.status_code == 401
    assert snapshot() == before


def test_the_user_form_ignores_superuser_and_staff_flags(client, world):
    sign_in(client, world, "city")

    response = client.post(
        "/accounts/users/new/",
        {
            "username": "flags",
            "full_name": "标志",
            "role": "town_clerk",
            "division_code": YANGSHE,
            "business_line": "",
            "password": "a-long-and-unusual-passphrase",
            "is_superuser": "on",
            "is_staff": "on",
            "is_active": "",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(username="flags")
    assert (user.role, user.is_superuser, user.is_staff, user.is_active) == (
        "town_clerk",
        False,
        False,
        True,
    )


def test_the_household_form_cannot_choose_another_towns_village(client, world):
    sign_in(client, world, "own_town")
    before = snapshot()

    response = client.post(
        "/registry/households/new/",
        {
            "number": "ZJG000000999",
            "address": "塘桥镇合成社区01 第9幢9室",
            "division_code": TANGQIAO_VILLAGE,
            "members-TOTAL_FORMS": "1",
            "members-INITIAL_FORMS": "0",
            "members-MIN_NUM_FORMS": "1",
            "members-MAX_NUM_FORMS": "30",
            "members-0-name": "越界",
            "members-0-id_number": NEW_ID,
            "members-0-relation": "head",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["division_code"]
    assert snapshot() == before


def test_the_household_form_cannot_house_a_member_in_another_town(client, world):
    sign_in(client, world, "own_town")
    before = snapshot()

    response = client.post(
        "/registry/households/new/",
        {
            "number": "ZJG000000999",
            "address": "杨舍镇合成社区01 第9幢9室",
            "division_code": YANGSHE_VILLAGE,
            "members-TOTAL_FORMS": "1",
            "members-INITIAL_FORMS": "0",
            "members-MIN_NUM_FORMS": "1",
            "members-MAX_NUM_FORMS": "30",
            "members-0-name": "越界",
            "members-0-id_number": NEW_ID,
            "members-0-relation": "head",
            "members-0-residence_division_code": TANGQIAO_VILLAGE,
        },
    )

    assert response.status_code == 403
    assert snapshot() == before


def test_editing_a_person_cannot_move_them_into_another_town(client, world):
    sign_in(client, world, "own_town")
    before = snapshot()

    response = client.post(
        f"/registry/persons/{world.ids['head']}/edit/",
        {
            "name": "王建国",
            "hukou_division_code": YANGSHE_VILLAGE,
            "residence_division_code": TANGQIAO_VILLAGE,
        },
    )

    assert response.status_code == 403
    assert snapshot() == before


# A NUL character is no part of any name, number, reason or username. PostgreSQL refuses it in
# text (and `\u0000` in jsonb); every API input schema refuses it (minzheng/schemas.py).


def test_a_nul_character_in_a_registered_name_is_refused_and_nothing_is_written(client, world):
    headers = bearer(client, world.users["own_town"])
    before = snapshot()

    response = _register(client, headers, _household(member={"name": "蒋\x00七"}))

    assert response.status_code == 422, response.content
    assert snapshot() == before


def test_a_nul_character_in_a_reveal_reason_is_refused_and_nothing_is_written(client, world):
    headers = bearer(client, world.users["own_town"])
    before = snapshot()

    response = client.post(
        f"/api/registry/persons/{world.ids['head']}/reveal",
        json.dumps({"field": "phone", "reason": "核对\x00身份"}),
        content_type="application/json",
        headers=headers,
    )

    assert response.status_code == 422, response.content
    assert snapshot() == before


def test_a_nul_character_in_a_token_username_is_refused(client, world):
    before = snapshot()

    response = client.post(
        "/api/auth/token",
        json.dumps({"username": "yangshe_clerk\x00", "password": PASSWORD}),
        content_type="application/json",
    )

    assert response.status_code in {401, 422}, response.content
    assert snapshot() == before
