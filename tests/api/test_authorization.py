"""One authorization table per endpoint: anonymous, other town, no permission, permission."""

from __future__ import annotations

import json

import pytest

from minzheng.registry.models import Household
from tests.conftest import PASSWORD, YANGSHE_VILLAGE, make_id_number, totp_code

USERS = {
    "anonymous": None,
    "other_town": "tangqiao_clerk",
    "no_permission": "provider",  # a service provider sees no persons in the registry
    "auditor": "auditor",  # reads everything, changes nothing
    "own_town": "yangshe_clerk",
}


@pytest.fixture
def as_user(client, family, tangqiao_clerk, provider_user, auditor, yangshe_clerk):
    def headers(who: str) -> dict[str, str]:
        username = USERS[who]
        if username is None:
            return {}
        credentials = {"username": username, "password": PASSWORD}
        if who == "auditor":  # the auditor's role requires two-factor
            credentials["otp"] = totp_code(auditor)
        response = client.post("/api/auth/token", credentials, content_type="application/json")
        return {"Authorization": f"Bearer {response.json()['token']}"}

    return headers


@pytest.mark.parametrize(
    ("who", "status", "count"),
    [
        ("anonymous", 401, None),
        ("other_town", 200, 0),
        ("no_permission", 200, 0),
        ("auditor", 200, 3),
        ("own_town", 200, 3),
    ],
)
def test_person_search(client, family, as_user, who, status, count) -> None:
    response = client.get("/api/registry/persons", headers=as_user(who))
    assert response.status_code == status
    if count is not None:
        assert response.json()["count"] == count


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 401),
        ("other_town", 404),
        ("no_permission", 404),
        ("auditor", 200),
        ("own_town", 200),
    ],
)
def test_person_detail(client, family, as_user, who, status) -> None:
    response = client.get(f"/api/registry/persons/{family.head_id}", headers=as_user(who))
    assert response.status_code == status


@pytest.mark.parametrize(
    ("who", "status", "count"),
    [
        ("anonymous", 401, None),
        ("other_town", 200, 0),
        ("no_permission", 200, 0),
        ("auditor", 200, 1),
        ("own_town", 200, 1),
    ],
)
def test_household_search(client, family, as_user, who, status, count) -> None:
    response = client.get("/api/registry/households", headers=as_user(who))
    assert response.status_code == status
    if count is not None:
        assert response.json()["count"] == count


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 401),
        ("other_town", 404),
        ("no_permission", 404),
        ("auditor", 200),
        ("own_town", 200),
    ],
)
def test_household_detail(client, family, as_user, who, status) -> None:
    response = client.get(f"/api/registry/households/{family.pk}", headers=as_user(who))
    assert response.status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 401),
        ("other_town", 403),
        ("no_permission", 403),
        ("auditor", 403),
        ("own_town", 201),
    ],
)
def test_household_register(client, family, as_user, who, status) -> None:
    body = {
        "number": "ZJG777",
        "address": "杨舍镇合成社区01 第7幢7室",
        "division_code": YANGSHE_VILLAGE,
        "members": [
            {"relation": "head", "name": "蒋七", "id_number": make_id_number("19770707", 77)}
        ],
    }
    response = client.post(
        "/api/registry/households",
        json.dumps(body),
        content_type="application/json",
        headers=as_user(who),
    )
    assert response.status_code == status
    assert Household.objects.filter(number="ZJG777").count() == (1 if status == 201 else 0)
