from __future__ import annotations

import json

import pytest

from minzheng.accounts.models import ApiToken
from minzheng.registry.models import Household, Person
from tests.conftest import HEAD_ID, PASSWORD, TANGQIAO_VILLAGE, YANGSHE_VILLAGE, make_id_number


def token_for(client, username: str) -> str:
    response = client.post(
        "/api/auth/token",
        {"username": username, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    return response.json()["token"]


@pytest.fixture
def clerk_headers(client, yangshe_clerk) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(client, 'yangshe_clerk')}"}


def test_token_is_stored_hashed(client, yangshe_clerk) -> None:
    token = token_for(client, "yangshe_clerk")
    assert ApiToken.objects.get().key_hash != token
    assert len(ApiToken.objects.get().key_hash) == 64


def test_wrong_password_gets_401_problem(client, yangshe_clerk) -> None:
    response = client.post(
        "/api/auth/token",
        {"username": "yangshe_clerk", "password": "nope"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401


def test_anonymous_gets_401(client, family) -> None:
    response = client.get("/api/registry/persons")
    assert response.status_code == 401
    assert response.json()["title"] == "Unauthorized"


def test_search_by_name_returns_masked_items_with_id_and_division(
    client, family, clerk_headers
) -> None:
    response = client.get("/api/registry/persons", {"q": "王建国"}, headers=clerk_headers)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["id"] == family.head_id
    assert item["division_code"] == YANGSHE_VILLAGE
    assert item["id_number"] == HEAD_ID[:6] + "********" + HEAD_ID[14:]
    assert item["phone"] == "138****5678"
    assert HEAD_ID not in response.content.decode()


def test_search_by_id_number_and_household_number(client, family, clerk_headers) -> None:
    by_id = client.get("/api/registry/persons", {"id_number": HEAD_ID}, headers=clerk_headers)
    by_household = client.get(
        "/api/registry/persons", {"household_number": family.number}, headers=clerk_headers
    )
    assert [p["name"] for p in by_id.json()["items"]] == ["王建国"]
    assert by_household.json()["count"] == 3


def test_other_towns_person_answers_404_like_a_missing_one(
    client, tangqiao_family, clerk_headers
) -> None:
    other = client.get(f"/api/registry/persons/{tangqiao_family.head_id}", headers=clerk_headers)
    missing = client.get("/api/registry/persons/999999", headers=clerk_headers)
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    other_household = client.get(
        f"/api/registry/households/{tangqiao_family.pk}", headers=clerk_headers
    )
    assert other_household.status_code == 404
    listing = client.get("/api/registry/persons", {"q": "赵敏"}, headers=clerk_headers)
    assert listing.json()["count"] == 0


def test_person_detail_lists_memberships(client, family, clerk_headers) -> None:
    body = client.get(f"/api/registry/persons/{family.head_id}", headers=clerk_headers).json()
    assert [(m["household_number"], m["relation"], m["valid_to"]) for m in body["memberships"]] == [
        (family.number, "head", None)
    ]


def test_household_list_and_detail(client, family, clerk_headers) -> None:
    listing = client.get("/api/registry/households", headers=clerk_headers).json()
    assert [h["number"] for h in listing["items"]] == [family.number]
    detail = client.get(f"/api/registry/households/{family.pk}", headers=clerk_headers).json()
    assert sorted(m["relation"] for m in detail["members"]) == ["child", "head", "spouse"]


NEW_HOUSEHOLD = {
    "number": "ZJG900",
    "address": "杨舍镇合成社区01 第5幢5室",
    "division_code": YANGSHE_VILLAGE,
    "members": [
        {"relation": "head", "name": "冯一", "id_number": make_id_number("19700707", 17)},
        {"relation": "child", "name": "冯二", "id_number": make_id_number("20000808", 28)},
    ],
}


def test_post_household_registers_it(client, clerk_headers) -> None:
    response = client.post(
        "/api/registry/households",
        json.dumps(NEW_HOUSEHOLD),
        content_type="application/json",
        headers=clerk_headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "ZJG900"
    assert body["head_name"] == "冯一"
    assert Person.objects.get(name="冯二").sex == "female"


def test_post_household_with_bad_id_number_is_422_naming_the_field(client, clerk_headers) -> None:
    bad = json.loads(json.dumps(NEW_HOUSEHOLD))
    bad["members"][1]["id_number"] = "320582200008080281"
    bad["members"][1]["id_number"] = bad["members"][1]["id_number"][:-1] + (
        "2" if make_id_number("20000808", 28)[-1] != "2" else "3"
    )
    response = client.post(
        "/api/registry/households",
        json.dumps(bad),
        content_type="application/json",
        headers=clerk_headers,
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["id_number"]
    assert Household.objects.count() == 0


def test_post_household_with_unknown_relation_is_422(client, clerk_headers) -> None:
    bad = json.loads(json.dumps(NEW_HOUSEHOLD))
    bad["members"][0]["relation"] = "boss"
    response = client.post(
        "/api/registry/households",
        json.dumps(bad),
        content_type="application/json",
        headers=clerk_headers,
    )
    assert response.status_code == 422
    assert "relation" in response.json()["errors"][0]["field"]
    assert Household.objects.count() == 0


def test_post_household_in_another_town_is_403(client, clerk_headers) -> None:
    other = dict(NEW_HOUSEHOLD, division_code=TANGQIAO_VILLAGE)
    response = client.post(
        "/api/registry/households",
        json.dumps(other),
        content_type="application/json",
        headers=clerk_headers,
    )
    assert response.status_code == 403
    assert Household.objects.count() == 0


def test_openapi_schema_lists_the_registry_operations(client) -> None:
    schema = client.get("/api/openapi.json").json()
    operations = {
        operation["operationId"]
        for path in schema["paths"].values()
        for operation in path.values()
        if operation["operationId"].startswith(("registry_", "auth_"))
    }
    assert operations == {
        "auth_token_issue",
        "registry_person_search",
        "registry_person_get",
        "registry_household_search",
        "registry_household_get",
        "registry_household_register",
        "registry_division_list",
        "registry_person_reveal",
    }


def test_division_list_is_scoped(client, family, clerk_headers) -> None:
    towns = client.get("/api/registry/divisions", {"kind": "town"}, headers=clerk_headers).json()
    villages = client.get(
        "/api/registry/divisions", {"parent_code": "320582100"}, headers=clerk_headers
    ).json()
    assert [town["code"] for town in towns] == ["320582100"]
    assert [village["code"] for village in villages] == ["320582100001", "320582100200"]


def test_unexpected_errors_become_a_500_problem_without_details(rf) -> None:
    from minzheng.api import on_unexpected_error

    request = rf.get("/api/registry/persons")
    response = on_unexpected_error(request, RuntimeError("secret detail 320582"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["status"] == 500
    assert "secret detail" not in response.content.decode()
