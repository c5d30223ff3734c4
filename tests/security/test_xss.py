"""Stored and reflected XSS: markup in names, addresses, numbers and division names stays text.

Every page that shows such a value must carry its HTML-escaped form and never the raw markup;
the .xlsx exports must hold it as a plain text cell (no formula either).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from django.utils.html import escape
from openpyxl import load_workbook

from minzheng.accounts.models import Role, User
from minzheng.accounts.services import user_create
from minzheng.registry.models import Household
from minzheng.registry.services import (
    DivisionIn,
    HouseholdIn,
    MemberIn,
    PersonIn,
    divisions_load,
    household_register,
)
from tests.conftest import YANGSHE, make_id_number
from tests.security.conftest import sign_in

NAME = "<script>alert(1)</script>"
ADDRESS = '"><img src=x onerror=alert(1)>'
NUMBER = "<svg/onload=alert(1)>"
FORMULA = '=HYPERLINK("http://evil.example/","点击")'
TOWN = '<script>alert("town")</script>镇'
VILLAGE = '<img src=x onerror=alert("village")>村'
FULL_NAME = '<script>alert("user")</script>'
STORED = (NAME, ADDRESS, NUMBER, FORMULA, TOWN, VILLAGE, FULL_NAME)
# What must never reach a page raw, whatever the value it came in.
MARKUP = ("<script>alert", "<img src=x", "<svg/onload", 'onerror=alert("')
XSS_TOWN, XSS_VILLAGE = "320582199", "320582199001"


@pytest.fixture
def marked_up(world) -> Household:
    """A town and village with markup in their names, a household and persons with markup."""
    admin = world.users["city"]
    divisions_load(
        acting_user=admin,
        rows=[
            DivisionIn(XSS_TOWN, TOWN, "town", "320582"),
            DivisionIn(XSS_VILLAGE, VILLAGE, "village", XSS_TOWN),
        ],
    )
    household = household_register(
        acting_user=admin,
        data=HouseholdIn(
            number=NUMBER,
            address=ADDRESS,
            division_code=XSS_VILLAGE,
            members=(
                MemberIn(PersonIn(name=NAME, id_number=make_id_number("19550505", 55)), "head"),
                MemberIn(
                    PersonIn(name=FORMULA, id_number=make_id_number("19560606", 66)), "spouse"
                ),
            ),
        ),
        on=dt.date(2024, 1, 1),
    )
    user_create(
        acting_user=admin,
        username="marked_up_user",
        password="a-long-and-unusual-passphrase",
        role=Role.TOWN_CLERK,
        division_code=YANGSHE,
        full_name=FULL_NAME,
    )
    return household


def _json_script_form(value: str) -> str:
    """How `json_script` writes a string inside the page: JSON with <, > and & escaped."""
    return (
        json.dumps(value)[1:-1]
        .replace("<", "\\u003C")
        .replace(">", "\\u003E")
        .replace("&", "\\u0026")
    )


def assert_escaped(body: str, shown: tuple[str, ...]) -> None:
    for value in STORED:
        assert value not in body, value
    for markup in MARKUP:
        assert markup not in body, markup
    for value in shown:
        assert escape(value) in body, value


PAGES = [
    ("/registry/persons/", (NAME, FORMULA, VILLAGE)),
    ("/registry/persons/{head}/", (NAME, NUMBER, ADDRESS, VILLAGE)),
    ("/registry/persons/{head}/edit/", (NAME,)),
    ("/registry/households/", (NUMBER, NAME, ADDRESS, VILLAGE)),
    ("/registry/households/{household}/", (NUMBER, NAME, FORMULA, ADDRESS, TOWN, VILLAGE)),
    ("/registry/divisions/", (TOWN, VILLAGE)),
    ("/", (TOWN,)),
    ("/audit/", (NAME, FORMULA, NUMBER, ADDRESS)),
    ("/accounts/users/", (FULL_NAME,)),
    ("/accounts/users/{user}/", (FULL_NAME,)),
]


@pytest.mark.parametrize(("template", "shown"), PAGES)
def test_markup_stored_in_names_and_addresses_renders_escaped(
    client, world, marked_up, template, shown
):
    sign_in(client, world, "city")
    user = User.objects.get(username="marked_up_user")
    path = template.format(head=marked_up.head_id, household=marked_up.pk, user=user.pk)

    response = client.get(path)

    assert response.status_code == 200
    assert_escaped(response.content.decode(), shown)


def test_the_dashboard_chart_data_carries_a_town_name_as_escaped_json(client, world, marked_up):
    sign_in(client, world, "city")

    body = client.get("/").content.decode()

    assert _json_script_form(TOWN) in body
    assert '<script id="chart-data" type="application/json">' in body


def test_the_revealed_person_page_renders_the_name_escaped(client, world, marked_up):
    sign_in(client, world, "city")

    response = client.post(
        f"/registry/persons/{marked_up.head_id}/reveal/",
        {"field": "id_number", "reason": "核对身份信息"},
    )

    assert response.status_code == 200
    assert_escaped(response.content.decode(), (NAME,))


def test_a_message_naming_a_marked_up_person_renders_escaped(client, world, marked_up):
    """Adding someone who is already in a household names them in the message."""
    sign_in(client, world, "city")

    response = client.post(
        f"/registry/households/{world.family.pk}/members/",
        {
            "member-name": "whatever",
            "member-id_number": make_id_number("19550505", 55),
            "member-relation": "other",
        },
        follow=True,
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert escape(NAME) + "已是另一户的在册成员" in body
    assert_escaped(body, ())


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/registry/persons/", "q"),
        ("/registry/households/", "number"),
        ("/registry/households/", "address"),
        ("/audit/", "username"),
        ("/audit/", "target_id"),
        ("/accounts/users/", "q"),
    ],
)
def test_markup_in_a_search_field_is_echoed_escaped(client, world, path, field):
    sign_in(client, world, "city")
    reflected = '"><script>alert(1)</script>'

    response = client.get(path, {field: reflected})

    assert response.status_code == 200
    body = response.content.decode()
    assert reflected not in body
    assert "<script>alert" not in body
    assert escape(reflected) in body


def test_the_api_returns_markup_as_json_data_never_sniffed_as_html(client, world, marked_up):
    sign_in(client, world, "city")

    response = client.get(f"/api/registry/households/{marked_up.pk}")

    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (response.json()["number"], response.json()["address"]) == (NUMBER, ADDRESS)
    assert response.json()["head_name"] == NAME


def _sheet_cells(content: bytes) -> list[tuple[object, str]]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [(cell.value, cell.data_type) for row in sheet.iter_rows() for cell in row]


def _has_formula(content: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        return any(b"<f>" in archive.read(name) or b"<f " in archive.read(name) for name in sheets)


@pytest.mark.parametrize(
    ("path", "values"),
    [
        ("/registry/persons/export.xlsx", (NAME, FORMULA, VILLAGE)),
        ("/registry/households/export.xlsx", (NUMBER, ADDRESS, NAME, VILLAGE)),
    ],
)
def test_exports_hold_markup_and_formulas_as_plain_text_cells(
    client, world, marked_up, path, values
):
    sign_in(client, world, "city")

    response = client.get(path)

    assert response.status_code == 200
    cells = _sheet_cells(response.content)
    for value in values:
        assert (value, "s") in cells, value
    assert not _has_formula(response.content)


def test_the_audit_export_holds_markup_as_plain_text(client, world, marked_up):
    sign_in(client, world, "auditor")

    response = client.get("/audit/export.xlsx")

    assert response.status_code == 200
    texts = [value for value, kind in _sheet_cells(response.content) if kind == "s"]
    for value in (NAME, FORMULA, NUMBER, ADDRESS):
        assert any(value in text for text in texts), value
    assert not _has_formula(response.content)
