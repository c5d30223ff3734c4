"""SQL-injection strings in every search field of the pages and the API.

Each answer is 200 with exactly what a plain-Python model of the filter finds in the caller's
scope: none for an injection string, a filtered few for a real prefix, never everyone. Afterwards
every table is there and no row has changed.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from minzheng.accounts.models import User
from minzheng.audit.models import AuditEvent
from minzheng.registry.models import Division, Household, Membership, Person
from tests.security.conftest import bearer, sign_in, snapshot

INJECTIONS = [
    "' OR '1'='1",
    "' OR 1=1 --",
    '"; DROP TABLE registry_person; --',
    "'; DELETE FROM audit_auditevent; --",
    "1) OR (1=1",
    "' UNION SELECT id_number_encrypted FROM registry_person --",
    "%",
    "%%",
    "_",
    "\\",
    "\\%",
    "王%",
    "%建国",
    "_建国",
    "𠀀𝕏😀",
    "ＯＲ １＝１",
    "\u202e' OR '1'='1",
    "é",
    "A" * 10_000,
]
# Not injections: a real prefix must still find its few.
PREFIXES = ["王", "王建", "李秀英", "ZJG000000001", "杨舍镇", "第1幢"]
# Text a form refuses (too long, or a NUL character): the page must then find no one.
REFUSED_TEXT = ["A" * 10_000, "王\x00' OR '1'='1"]
TABLES = (
    "registry_person",
    "registry_household",
    "registry_membership",
    "registry_division",
    "accounts_user",
    "audit_auditevent",
)
ID_NUMBER_LIKE = re.compile(r"^[0-9]{17}[0-9Xx]$")


# ---------------------------------------------------------------------------------------------
# the model: what each filter should find, computed in Python from every row


def _persons_in(prefix: str) -> list[Person]:
    return [p for p in Person.objects.all() if p.residence_division_id.startswith(prefix)]


def _member_ids(number: str) -> set[int]:
    return set(
        Membership.objects.filter(household__number=number, valid_to__isnull=True).values_list(
            "person_id", flat=True
        )
    )


def person_q(value: str, prefix: str = "320582100") -> int:
    """The one search box: an id number exactly, else a name prefix or a household number."""
    q = value.strip()
    persons = _persons_in(prefix)
    if not q:
        return len(persons)
    if ID_NUMBER_LIKE.match(q):
        return sum(p.id_number == q.upper() for p in persons)
    members = _member_ids(q)
    return sum(p.name.startswith(q) or p.pk in members for p in persons)


def person_name(value: str) -> int:
    name = value.strip()
    return sum(p.name.startswith(name) for p in _persons_in("320582100"))


def person_id_number(value: str) -> int:
    wanted = value.strip().upper()
    return sum(p.id_number == wanted for p in _persons_in("320582100"))


def person_household_number(value: str) -> int:
    number = value.strip()
    persons = _persons_in("320582100")
    return sum(p.pk in _member_ids(number) for p in persons) if number else len(persons)


def person_division(value: str) -> int:
    code = value.strip()
    return sum(p.residence_division_id.startswith(code) for p in _persons_in("320582100"))


def _households(prefix: str = "320582100") -> list[Household]:
    return [h for h in Household.objects.all() if h.division_id.startswith(prefix)]


def household_number(value: str) -> int:
    number = value.strip()
    return sum(not number or h.number == number for h in _households())


def household_address(value: str) -> int:
    text = value.strip()
    return sum(text in h.address for h in _households())


def household_division(value: str) -> int:
    code = value.strip()
    return sum(h.division_id.startswith(code) for h in _households())


def _divisions() -> list[Division]:
    return [d for d in Division.objects.all() if d.code.startswith("320582100")]


def division_kind(value: str) -> int:
    return sum(not value or d.kind == value for d in _divisions())


def division_parent(value: str) -> int:
    return sum(not value or d.parent_id == value for d in _divisions())


def audit_username(value: str) -> int:
    username = value.strip()
    return sum(not username or e.actor_username == username for e in AuditEvent.objects.all())


def audit_target_id(value: str) -> int:
    target = value.strip()
    return sum(not target or e.target_id == target for e in AuditEvent.objects.all())


def user_q(value: str) -> int:
    q = value.strip().lower()
    return sum(q in u.username.lower() or q in u.first_name.lower() for u in User.objects.all())


# ---------------------------------------------------------------------------------------------
# requests and results


def _result_count(response) -> int:
    assert response.status_code == 200, response.content[:300]
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        return sheet.max_row - 1 if sheet.max_row else 0
    if response["Content-Type"].startswith("application/json"):
        body = response.json()
        return len(body) if isinstance(body, list) else body["count"]
    return response.context["page"].paginator.count


def assert_tables_intact(before: dict[str, object]) -> None:
    """Every table exists, no row changed; the audit log only grew (exports are audited)."""
    assert set(TABLES) <= set(connection.introspection.table_names())
    after = snapshot()
    events_before, events_after = before.pop("audit_events"), after.pop("audit_events")
    before["counts"].pop("audit_events")  # type: ignore[union-attr]
    after["counts"].pop("audit_events")
    assert after == before
    assert events_after[: len(events_before)] == events_before  # type: ignore[index]


# (path, field, who, max length the page's form accepts, model)
PAGE_TEXT_FIELDS = [
    ("/registry/persons/", "q", "own_town", 50, person_q),
    ("/registry/persons/export.xlsx", "q", "own_town", 50, person_q),
    ("/registry/households/", "number", "own_town", 30, household_number),
    ("/registry/households/", "address", "own_town", 100, household_address),
    ("/registry/households/export.xlsx", "address", "own_town", 100, household_address),
    ("/audit/", "username", "auditor", 150, audit_username),
    ("/audit/", "target_id", "auditor", 64, audit_target_id),
    ("/audit/export.xlsx", "username", "auditor", 150, audit_username),
    ("/accounts/users/", "q", "city", 150, user_q),
]
PAGE_CHOICE_FIELDS = [
    ("/registry/persons/", "division_code", "own_town"),
    ("/registry/persons/export.xlsx", "division_code", "own_town"),
    ("/registry/households/", "division_code", "own_town"),
    ("/registry/households/export.xlsx", "division_code", "own_town"),
    ("/audit/", "action", "auditor"),
    ("/audit/", "target_type", "auditor"),
    ("/audit/", "division_code", "auditor"),
    ("/audit/", "date_from", "auditor"),
    ("/audit/", "date_to", "auditor"),
    ("/audit/export.xlsx", "division_code", "auditor"),
    ("/accounts/users/", "role", "city"),
    ("/accounts/users/", "division_code", "city"),
    ("/accounts/users/", "active", "city"),
]
API_FIELDS = [
    ("/api/registry/persons", "q", person_q),
    ("/api/registry/persons", "name", person_name),
    ("/api/registry/persons", "id_number", person_id_number),
    ("/api/registry/persons", "household_number", person_household_number),
    ("/api/registry/persons", "division_code", person_division),
    ("/api/registry/households", "number", household_number),
    ("/api/registry/households", "division_code", household_division),
    ("/api/registry/households", "address", household_address),
    ("/api/registry/divisions", "kind", division_kind),
    ("/api/registry/divisions", "parent_code", division_parent),
]


def _page_param(path: str, field: str, *rest: object) -> object:
    return pytest.param(path, field, *rest, id=f"{path}-{field}")


@pytest.mark.parametrize(
    ("path", "field", "who", "max_length", "model"),
    [pytest.param(*row, id=f"{row[0]}-{row[1]}") for row in PAGE_TEXT_FIELDS],
)
def test_injection_strings_in_page_search_fields_find_exactly_what_the_filter_means(
    client, world, path, field, who, max_length, model
):
    sign_in(client, world, who)
    before = snapshot()

    for value in INJECTIONS + PREFIXES:
        if len(value.strip()) > max_length:
            continue  # refused by the form: see the test below
        expected = model(value)
        if value in INJECTIONS and path.startswith("/registry/"):
            assert expected == 0, value  # an injection string names no one
        assert _result_count(client.get(path, {field: value})) == expected, value

    assert_tables_intact(before)


@pytest.mark.parametrize(
    ("path", "field", "who"), [_page_param(*row[:3]) for row in PAGE_TEXT_FIELDS]
)
def test_text_a_page_search_form_refuses_finds_no_one(client, world, path, field, who):
    sign_in(client, world, who)
    before = snapshot()

    counts = [_result_count(client.get(path, {field: value})) for value in REFUSED_TEXT]

    assert counts == [0, 0]
    assert_tables_intact(before)


@pytest.mark.parametrize(
    ("path", "field", "who"), [_page_param(*row) for row in PAGE_CHOICE_FIELDS]
)
def test_injection_strings_in_page_choice_fields_find_no_one(client, world, path, field, who):
    sign_in(client, world, who)
    before = snapshot()

    counts = {value: _result_count(client.get(path, {field: value})) for value in INJECTIONS}

    assert counts == dict.fromkeys(INJECTIONS, 0)
    assert_tables_intact(before)


def test_a_checkbox_filled_with_an_injection_string_is_simply_ticked(client, world):
    sign_in(client, world, "own_town")

    ticked = client.get("/registry/persons/", {"include_deceased": "on"})
    injected = client.get("/registry/persons/", {"include_deceased": "' OR '1'='1"})

    assert _result_count(injected) == _result_count(ticked) == 4


# The API's length limits (minzheng/registry/api.py), as the page forms have them.
API_LIMITS = {
    "q": 50,
    "name": 50,
    "id_number": 18,
    "household_number": 30,
    "division_code": 12,
    "number": 30,
    "address": 100,
    "kind": 10,
    "parent_code": 12,
}


@pytest.mark.parametrize(
    ("path", "field", "model"), [pytest.param(*row, id=f"{row[0]}-{row[1]}") for row in API_FIELDS]
)
def test_injection_strings_in_api_filters_find_exactly_what_the_filter_means(
    client, world, path, field, model
):
    headers = bearer(client, world.users["own_town"])
    before = snapshot()

    for value in INJECTIONS + PREFIXES:
        response = client.get(path, {field: value}, headers=headers)
        if len(value) > API_LIMITS[field]:
            assert response.status_code == 422, value  # longer than the field allows
            continue
        expected = model(value)
        if value in INJECTIONS:
            assert expected == 0, value  # an injection string names no one
        assert _result_count(response) == expected, value

    assert_tables_intact(before)


# NUL: PostgreSQL refuses it in text and SQLite cuts a LIKE pattern at it; the API's input
# schemas refuse it first (minzheng/schemas.py), the same on both databases.


@pytest.mark.parametrize(
    ("path", "field"),
    [
        pytest.param(
            path,
            field,
            id=f"{path}-{field}",
        )
        for path, field, _ in API_FIELDS
    ],
)
def test_a_nul_character_in_an_api_filter_is_refused_or_finds_no_one(client, world, path, field):
    headers = bearer(client, world.users["own_town"])

    response = client.get(path, {field: "\x00"}, headers=headers)

    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"


# Every API filter has a length limit (SQLite would refuse a LIKE pattern over 50,000 bytes).


@pytest.mark.parametrize(
    ("path", "field"),
    [
        pytest.param(
            path,
            field,
            id=f"{path}-{field}",
        )
        for path, field, _ in API_FIELDS
    ],
)
def test_a_huge_api_filter_is_refused_or_finds_no_one(client, world, path, field):
    headers = bearer(client, world.users["own_town"])

    response = client.get(path, {field: "A" * 60_000}, headers=headers)

    assert response.status_code == 422, response.content[:300]


@pytest.mark.parametrize("path", ["/api/registry/persons", "/api/registry/households"])
def test_a_page_number_beyond_any_offset_answers_an_empty_page_or_422(client, world, path):
    headers = bearer(client, world.users["own_town"])

    response = client.get(path, {"page": str(10**20)}, headers=headers)

    assert response.status_code == 422, response.content[:300]


# ---------------------------------------------------------------------------------------------
# properties: any text at all finds exactly what the model finds

TEXT = st.text(
    alphabet=st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=40
)
NEAR_REAL = st.builds(
    lambda value, cut, tail: value[:cut] + tail,
    st.sampled_from(["王建国", "李秀英", "王磊", "周芳", "ZJG000000001", "杨舍镇合成社区01 第1幢"]),
    st.integers(min_value=1, max_value=6),
    st.sampled_from(["", "%", "_", "'", "\\", " ", "'--"]),
)
SEARCHES = st.one_of(TEXT, NEAR_REAL, st.sampled_from(INJECTIONS))
# The search box takes at most 50 characters (longer text: see the refused-text test above).
BOX_SEARCHES = st.one_of(TEXT, NEAR_REAL, st.sampled_from([i for i in INJECTIONS if len(i) <= 50]))
PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _property(
    request: Callable[[str], object],
    model: Callable[[str], int],
    searches: st.SearchStrategy[str] = SEARCHES,
) -> None:
    before = snapshot()

    @PROPERTY
    @given(value=searches)
    def finds_what_the_model_finds(value: str) -> None:
        assert _result_count(request(value)) == model(value)

    finds_what_the_model_finds()
    assert_tables_intact(before)


def test_any_text_in_the_api_person_search_finds_exactly_the_matching_persons(client, world):
    headers = bearer(client, world.users["own_town"])
    _property(
        lambda value: client.get("/api/registry/persons", {"q": value}, headers=headers),
        person_q,
        BOX_SEARCHES,  # the API takes 50 characters at most, as the search box does
    )


def test_any_text_in_the_api_address_filter_finds_exactly_the_matching_households(client, world):
    headers = bearer(client, world.users["own_town"])
    _property(
        lambda value: client.get("/api/registry/households", {"address": value}, headers=headers),
        household_address,
        BOX_SEARCHES,
    )


def test_any_text_in_the_person_search_box_finds_exactly_the_matching_persons(client, world):
    sign_in(client, world, "own_town")
    _property(lambda value: client.get("/registry/persons/", {"q": value}), person_q, BOX_SEARCHES)
