"""Ids cannot be probed: another town's person or household answers exactly as a missing id.

For each endpoint that takes an id, 塘桥镇's clerk (another town) and the service provider (no
registry scope) ask for 杨舍镇's object and for an id that does not exist; status, content type
and body must be the same, up to the id in the path and the per-request CSRF token.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from openpyxl import load_workbook

from minzheng.registry.models import Household, Person
from tests.conftest import HEAD_ID, TANGQIAO_VILLAGE, make_id_number
from tests.security.conftest import MISSING, bearer, sign_in, snapshot

PROBERS = ["other_town", "no_permission"]
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')

PAGE_ENDPOINTS = [
    ("GET", "/registry/persons/{person}/", None),
    ("GET", "/registry/persons/{person}/edit/", None),
    (
        "POST",
        "/registry/persons/{person}/edit/",
        {
            "name": "改名",
            "hukou_division_code": TANGQIAO_VILLAGE,
            "residence_division_code": TANGQIAO_VILLAGE,
        },
    ),
    ("POST", "/registry/persons/{person}/death/", {"death_date": "2024-06-01"}),
    (
        "POST",
        "/moves/persons/{person}/move/",
        {"household_number": "ZJG000000002", "relation": "other", "on": "2024-06-01"},
    ),
    (
        "POST",
        "/moves/persons/{person}/leave/",
        {"leave-destination": "上海市", "leave-on": "2024-06-01"},
    ),
    ("POST", "/registry/persons/{person}/reveal/", {"field": "id_number", "reason": "核对身份"}),
    ("GET", "/registry/households/{household}/", None),
    (
        "POST",
        "/registry/households/{household}/members/",
        {
            "member-name": "探测",
            "member-id_number": make_id_number("20000101", 91),
            "member-relation": "other",
        },
    ),
    ("POST", "/registry/households/{household}/head/", {"person_id": "1"}),
]
API_ENDPOINTS = [
    ("GET", "/api/registry/persons/{person}", None),
    ("POST", "/api/registry/persons/{person}/reveal", {"field": "phone", "reason": "核对身份"}),
    ("GET", "/api/registry/households/{household}", None),
]


def _normalized(response, path: str) -> tuple[int, str, str]:
    """Status, content type and body with the path and the CSRF token blanked out."""
    body = response.content.decode()
    body = CSRF_TOKEN.sub('name="csrfmiddlewaretoken" value=""', body).replace(path, "PATH")
    return response.status_code, response["Content-Type"], body


def _send(client, method: str, path: str, data, **extra):
    if method == "GET":
        return client.get(path, **extra)
    if path.startswith("/api/"):
        return client.post(path, json.dumps(data), content_type="application/json", **extra)
    return client.post(path, data, **extra)


def _paths(template: str, world) -> tuple[str, str]:
    ids = world.ids
    other = template.format(person=ids["head"], household=ids["household"])
    missing = template.format(person=MISSING, household=MISSING)
    return other, missing


@pytest.mark.parametrize("who", PROBERS)
@pytest.mark.parametrize(("method", "template", "data"), PAGE_ENDPOINTS)
def test_a_page_answers_another_towns_id_exactly_like_a_missing_one(
    client, world, who, method, template, data
):
    sign_in(client, world, who)
    other_path, missing_path = _paths(template, world)
    before = snapshot()

    other = _send(client, method, other_path, data)
    missing = _send(client, method, missing_path, data)

    assert other.status_code == 404
    assert _normalized(other, other_path) == _normalized(missing, missing_path)
    assert "王建国" not in other.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("who", PROBERS)
@pytest.mark.parametrize(("method", "template", "data"), API_ENDPOINTS)
def test_an_api_operation_answers_another_towns_id_exactly_like_a_missing_one(
    client, world, who, method, template, data
):
    headers = bearer(client, world.users[who])
    other_path, missing_path = _paths(template, world)
    before = snapshot()

    other = _send(client, method, other_path, data, headers=headers)
    missing = _send(client, method, missing_path, data, headers=headers)

    assert other.status_code == 404
    assert _normalized(other, other_path) == _normalized(missing, missing_path)
    assert snapshot() == before


@pytest.mark.parametrize("who", PROBERS)
def test_an_id_beyond_64_bits_answers_like_any_missing_id(client, world, who):
    """Id converters take any digits; an id no database integer can hold is still only missing."""
    sign_in(client, world, who)
    headers = bearer(client, world.users[who])
    huge = 10**20

    page = client.get(f"/registry/persons/{huge}/")
    api = client.get(f"/api/registry/households/{huge}", headers=headers)
    missing_api = client.get(f"/api/registry/households/{MISSING}", headers=headers)

    assert page.status_code == 404
    assert (api.status_code, api.json()) == (missing_api.status_code, missing_api.json())


def _export_rows(response) -> list[tuple[object, ...]]:
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return [tuple(cell.value for cell in row) for row in sheet.iter_rows()]


@pytest.mark.parametrize(
    ("path", "field", "other_value", "missing_value"),
    [
        ("/registry/persons/export.xlsx", "q", HEAD_ID, make_id_number("19010101", 1)),
        ("/registry/persons/export.xlsx", "q", "ZJG000000001", "ZJG999999999"),
        ("/registry/households/export.xlsx", "number", "ZJG000000001", "ZJG999999999"),
        ("/registry/persons/", "q", HEAD_ID, make_id_number("19010101", 1)),
        ("/registry/households/", "number", "ZJG000000001", "ZJG999999999"),
    ],
)
def test_searching_and_exporting_another_towns_identifiers_finds_what_a_missing_one_finds(
    client, world, path, field, other_value, missing_value
):
    sign_in(client, world, "other_town")

    other = client.get(path, {field: other_value})
    missing = client.get(path, {field: missing_value})

    if path.endswith(".xlsx"):
        assert _export_rows(other) == _export_rows(missing)
        assert len(_export_rows(other)) == 1  # the header row only
    else:
        assert other.context["page"].paginator.count == 0
        assert missing.context["page"].paginator.count == 0
        assert "王建国" not in other.content.decode()


@pytest.mark.parametrize(
    ("path", "field", "other_value", "missing_value"),
    [
        ("/api/registry/persons", "q", HEAD_ID, make_id_number("19010101", 1)),
        ("/api/registry/persons", "id_number", HEAD_ID, make_id_number("19010101", 1)),
        ("/api/registry/persons", "household_number", "ZJG000000001", "ZJG999999999"),
        ("/api/registry/persons", "division_code", "320582100", "320582199"),
        ("/api/registry/households", "number", "ZJG000000001", "ZJG999999999"),
        ("/api/registry/households", "division_code", "320582100", "320582199"),
        ("/api/registry/divisions", "parent_code", "320582100", "320582199"),
    ],
)
def test_api_filters_on_another_towns_identifiers_find_what_a_missing_one_finds(
    client, world, path, field, other_value, missing_value
):
    headers = bearer(client, world.users["other_town"])

    other = client.get(path, {field: other_value}, headers=headers)
    missing = client.get(path, {field: missing_value}, headers=headers)

    assert (other.status_code, other.json()) == (missing.status_code, missing.json())
    assert other.json() in ([], {"count": 0, "page": 1, "page_size": 20, "items": []})


def test_moving_into_another_towns_household_answers_like_a_missing_household_number(client, world):
    sign_in(client, world, "other_town")
    own_person = world.tangqiao.head_id
    path = f"/moves/persons/{own_person}/move/"
    form = {"relation": "other", "on": "2024-06-01"}
    before = snapshot()

    other = client.post(path, {**form, "household_number": "ZJG000000001"}, follow=True)
    missing = client.post(path, {**form, "household_number": "ZJG999999999"}, follow=True)

    assert (
        other.redirect_chain
        == missing.redirect_chain
        == [(f"/registry/persons/{own_person}/", 302)]
    )
    assert _normalized(other, path) == _normalized(missing, path)
    assert "您的管辖范围内没有该户号" in other.content.decode()
    assert snapshot() == before


def test_naming_another_towns_person_as_head_answers_like_a_missing_person(client, world):
    sign_in(client, world, "other_town")
    path = f"/registry/households/{world.tangqiao.pk}/head/"
    before = snapshot()

    other = client.post(path, {"person_id": world.ids["head"]}, follow=True)
    missing = client.post(path, {"person_id": MISSING}, follow=True)

    assert _normalized(other, path) == _normalized(missing, path)
    assert "新户主须为本户在册成员" in other.content.decode()
    assert "王建国" not in other.content.decode()
    assert snapshot() == before


def _around(model: type[Person] | type[Household]) -> range:
    """Every id from one below the smallest to one above the largest (sequences run on)."""
    ids = list(model.objects.values_list("pk", flat=True))
    return range(min(ids) - 1, max(ids) + 2)


def test_sweeping_every_id_around_the_records_reaches_only_the_callers_own(client, world):
    headers = bearer(client, world.users["other_town"])

    persons = {
        pk
        for pk in _around(Person)
        if client.get(f"/api/registry/persons/{pk}", headers=headers).status_code == 200
    }
    households = {
        pk
        for pk in _around(Household)
        if client.get(f"/api/registry/households/{pk}", headers=headers).status_code == 200
    }

    assert persons == {world.tangqiao.head_id}
    assert households == {world.tangqiao.pk}
