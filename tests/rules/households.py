"""Random household requests (hypothesis) and the same households as screening frames."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from hypothesis import strategies as st

from minzheng.rules.inputs import (
    DISABILITY_CATEGORIES,
    EMERGENCY_KINDS,
    EMPLOYMENTS,
    EXPENSE_KINDS,
    INCOME_KINDS,
    PARENTS,
    RELATIONS,
    STUDENT_KINDS,
)

MONTHS = ("2025-07", "2025-12", "2026-01", "2026-07", "2026-11")
money = st.one_of(
    st.just(0.0),
    st.integers(min_value=0, max_value=600_000).map(lambda fen: fen / 100),
)
small_money = st.one_of(
    st.just(0.0), st.integers(min_value=0, max_value=300_000).map(lambda f: f / 100)
)


@st.composite
def members(draw: st.DrawFn, relation: str, index: int) -> dict[str, Any]:
    birth = draw(st.dates(min_value=dt.date(1918, 1, 1), max_value=dt.date(2025, 6, 30)))
    member: dict[str, Any] = {
        "id": f"M{index}",
        "relation": relation,
        "birth_date": birth.isoformat(),
        "hukou_local": draw(st.booleans().map(lambda flag: flag or draw(st.booleans()))),
        "deceased": draw(st.sampled_from([False] * 9 + [True])),
        "serious_illness": draw(st.booleans()),
        "student": draw(st.sampled_from(STUDENT_KINDS)),
        "employment": draw(st.sampled_from(EMPLOYMENTS)),
        "capable_legal_supporter": draw(st.booleans()),
        "income": {kind: draw(small_money) for kind in INCOME_KINDS},
    }
    if draw(st.booleans()):
        member["disability"] = {
            "category": draw(st.sampled_from(DISABILITY_CATEGORIES)),
            "grade": draw(st.integers(min_value=1, max_value=4)),
        }
    if draw(st.booleans()):
        member["ability_level"] = draw(st.integers(min_value=0, max_value=4))
    if draw(st.booleans()):
        member["parents"] = draw(st.sampled_from(PARENTS))
    return member


@st.composite
def household_requests(draw: st.DrawFn) -> dict[str, Any]:
    size = draw(st.integers(min_value=1, max_value=6))
    relations = ["head"] + [draw(st.sampled_from(RELATIONS[1:])) for _ in range(size - 1)]
    people = [draw(members(relation, index)) for index, relation in enumerate(relations)]
    if all(member["deceased"] for member in people):
        people[0]["deceased"] = False
    for member in people:
        member["lives_alone"] = size == 1
    request: dict[str, Any] = {
        "as_of": draw(st.sampled_from(MONTHS)),
        "members": people,
        "assets": {
            "financial": draw(money),
            "vehicles": draw(
                st.lists(
                    st.fixed_dictionaries(
                        {
                            "kind": st.sampled_from(
                                ["car", "truck", "motorcycle", "engineering", "other"]
                            ),
                            "value": small_money,
                            "purpose": st.sampled_from(["private", "disability_aid", "livelihood"]),
                        }
                    ),
                    max_size=2,
                )
            ),
            "homes": draw(
                st.lists(
                    st.fixed_dictionaries(
                        {
                            "use": st.sampled_from(
                                ["residential", "commercial", "office", "other"]
                            ),
                            "area_m2": st.integers(min_value=10, max_value=300).map(float),
                        }
                    ),
                    max_size=3,
                )
            ),
            "registered_businesses": draw(st.sampled_from([0, 0, 0, 1])),
        },
        "expenses_12m": {kind: draw(money) for kind in EXPENSE_KINDS},
    }
    if draw(st.booleans()):
        request["emergency"] = {
            "kind": draw(st.sampled_from(EMERGENCY_KINDS)),
            "loss": draw(money),
        }
    return request


def frames(requests: list[dict[str, Any]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The requests as persons and households frames with the synthetic city's columns."""
    person_rows = []
    household_rows = []
    for number, request in enumerate(requests):
        household_id = f"H{number:08d}"
        for member in request["members"]:
            disability = member.get("disability") or {}
            income = member.get("income") or {}
            person_rows.append(
                {
                    "household_id": household_id,
                    "person_id": f"{household_id}-{member['id']}",
                    "relation": member["relation"],
                    "birth_date": dt.date.fromisoformat(member["birth_date"]),
                    "hukou_local": member.get("hukou_local", True),
                    "deceased": member.get("deceased", False),
                    "disability_category": disability.get("category"),
                    "disability_grade": disability.get("grade"),
                    "disability_valid_to": None,
                    "serious_illness": member.get("serious_illness", False),
                    "ability_level": member.get("ability_level"),
                    "student": member.get("student", "none"),
                    "employment": member.get("employment", "not_working"),
                    "capable_legal_supporter": member.get("capable_legal_supporter", True),
                    "parents": member.get("parents"),
                    "lives_alone": member.get("lives_alone", False),
                    **{f"income_{kind}": float(income.get(kind, 0.0)) for kind in INCOME_KINDS},
                }
            )
        assets = request.get("assets") or {}
        expenses = request.get("expenses_12m") or {}
        emergency = request.get("emergency") or {}
        household_rows.append(
            {
                "household_id": household_id,
                "assets_financial": float(assets.get("financial", 0.0)),
                "vehicles": [
                    {
                        "kind": vehicle["kind"],
                        "value": vehicle.get("value"),
                        "purpose": vehicle.get("purpose", "private"),
                    }
                    for vehicle in assets.get("vehicles", [])
                ],
                "homes": [
                    {"use": home["use"], "area_m2": home.get("area_m2")}
                    for home in assets.get("homes", [])
                ],
                "registered_businesses": assets.get("registered_businesses", 0),
                **{f"expense_{kind}": float(expenses.get(kind, 0.0)) for kind in EXPENSE_KINDS},
                "emergency_kind": emergency.get("kind"),
                "emergency_loss": emergency.get("loss"),
            }
        )
    persons = pl.DataFrame(
        person_rows,
        schema_overrides={
            "disability_category": pl.String,
            "disability_grade": pl.Int8,
            "disability_valid_to": pl.Date,
            "ability_level": pl.Int8,
            "parents": pl.String,
        },
    )
    households = pl.DataFrame(
        household_rows,
        schema_overrides={
            "vehicles": pl.List(
                pl.Struct({"kind": pl.String, "value": pl.Float64, "purpose": pl.String})
            ),
            "homes": pl.List(pl.Struct({"use": pl.String, "area_m2": pl.Float64})),
            "emergency_kind": pl.String,
            "emergency_loss": pl.Float64,
        },
    )
    return persons, households
