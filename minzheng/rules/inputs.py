"""Inputs: enumerations coded as small integers, and the two ways data comes in.

`arrays_from_request` turns one validated household request into arrays of length one per
household; `arrays_from_frames` turns the synthetic city's (or the registry's) Polars frames into
arrays for the whole population. Both give the same columns with the same codes, so the formulas
cannot tell them apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from minzheng.rules.engine import HOUSEHOLD, PERSON, input_variable

RELATIONS = (
    "head",
    "spouse",
    "child",
    "parent",
    "parent_in_law",
    "grandparent",
    "grandchild",
    "sibling",
    "child_in_law",
    "other",
)
DISABILITY_CATEGORIES = (
    "visual",
    "hearing",
    "speech",
    "physical",
    "intellectual",
    "mental",
    "multiple",
)
STUDENT_KINDS = (
    "none",
    "compulsory",
    "high_school",
    "vocational",
    "undergraduate",
    "postgraduate",
)
EMPLOYMENTS = (
    "employed",
    "self_employed",
    "farmer",
    "unemployed_registered",
    "unemployed",
    "retired",
    "not_working",
)
PARENTS = ("both_present", "one_deceased_or_missing", "both_deceased_or_missing", "unable_to_raise")
EMERGENCY_KINDS = (
    "fire_or_accident",
    "natural_disaster",
    "major_illness",
    "death_of_earner",
    "other",
)
COUNTED_VEHICLE_KINDS = ("car", "truck", "engineering")
NON_RESIDENTIAL_USES = ("commercial", "office")
INCOME_KINDS = (
    "wages",
    "business",
    "property",
    "pension",
    "support_received",
    "other_transfers",
    "excluded",
)
EXPENSE_KINDS = ("medical", "education", "disability_rehabilitation", "other_rigid")
NONE = -1  # the code of an absent enumerated value (no certificate, not a minor, no emergency)


def code(values: tuple[str, ...], value: str | None) -> int:
    return NONE if value is None else values.index(value)


PERSON_INPUTS = {
    "relation": "与户主关系",
    "birth_year": "出生年",
    "birth_month": "出生月",
    "hukou_local": "本地户籍",
    "deceased": "已死亡",
    "disability_category": "残疾类别",
    "disability_grade": "残疾等级",
    "serious_illness": "患重特大疾病",
    "ability_level": "老年人能力等级",
    "student": "在校情况",
    "employment": "就业状况",
    "capable_legal_supporter": "有能力的法定义务人",
    "parents": "父母情况",
    "lives_alone": "独居",
    **{f"income_{kind}": f"月收入：{kind}" for kind in INCOME_KINDS},
}
HOUSEHOLD_INPUTS = {
    "assets_financial": "金融资产",
    "private_car_count": "计入的机动车数",
    "residential_home_count": "住房套数",
    "non_residential_home_count": "商铺、办公用房数",
    "registered_businesses": "登记的经营主体数",
    **{f"expense_{kind}": f"前12个月支出：{kind}" for kind in EXPENSE_KINDS},
    "emergency_kind": "突发事件类别",
    "emergency_loss": "突发事件损失",
}
for _name, _label in PERSON_INPUTS.items():
    input_variable(_name, entity=PERSON, label=_label)
for _name, _label in HOUSEHOLD_INPUTS.items():
    input_variable(_name, entity=HOUSEHOLD, label=_label)


@dataclass(frozen=True)
class PopulationArrays:
    persons: dict[str, np.ndarray]
    households: dict[str, np.ndarray]
    household_index: np.ndarray  # for each person, the row of its household
    household_ids: list[str] | pl.Series
    member_ids: list[str] | None = None


def arrays_from_request(request: dict[str, Any], birth_dates: list[dt.date]) -> PopulationArrays:
    """Build the arrays of one household from a validated request (birth dates resolved)."""
    members = request["members"]
    persons: dict[str, list[Any]] = {name: [] for name in PERSON_INPUTS}
    for member, birth_date in zip(members, birth_dates, strict=True):
        disability = member.get("disability") or {}
        income = member.get("income") or {}
        persons["relation"].append(code(RELATIONS, member["relation"]))
        persons["birth_year"].append(birth_date.year)
        persons["birth_month"].append(birth_date.month)
        persons["hukou_local"].append(member.get("hukou_local", True))
        persons["deceased"].append(member.get("deceased", False))
        persons["disability_category"].append(
            code(DISABILITY_CATEGORIES, disability.get("category"))
        )
        persons["disability_grade"].append(disability.get("grade", 0))
        persons["serious_illness"].append(member.get("serious_illness", False))
        level = member.get("ability_level")
        persons["ability_level"].append(NONE if level is None else level)
        persons["student"].append(code(STUDENT_KINDS, member.get("student", "none")))
        persons["employment"].append(code(EMPLOYMENTS, member.get("employment", "not_working")))
        persons["capable_legal_supporter"].append(member.get("capable_legal_supporter", True))
        persons["parents"].append(code(PARENTS, member.get("parents")))
        persons["lives_alone"].append(member.get("lives_alone", False))
        for kind in INCOME_KINDS:
            persons[f"income_{kind}"].append(float(income.get(kind, 0.0)))
    assets = request.get("assets") or {}
    expenses = request.get("expenses_12m") or {}
    emergency = request.get("emergency") or {}
    vehicles = assets.get("vehicles") or []
    homes = assets.get("homes") or []
    households: dict[str, list[Any]] = {
        "assets_financial": [float(assets.get("financial", 0.0))],
        "private_car_count": [
            sum(
                1
                for vehicle in vehicles
                if vehicle["kind"] in COUNTED_VEHICLE_KINDS
                and vehicle.get("purpose", "private") == "private"
            )
        ],
        "residential_home_count": [sum(1 for home in homes if home["use"] == "residential")],
        "non_residential_home_count": [
            sum(1 for home in homes if home["use"] in NON_RESIDENTIAL_USES)
        ],
        "registered_businesses": [assets.get("registered_businesses", 0)],
        **{f"expense_{kind}": [float(expenses.get(kind, 0.0))] for kind in EXPENSE_KINDS},
        "emergency_kind": [code(EMERGENCY_KINDS, emergency.get("kind"))],
        "emergency_loss": [float(emergency.get("loss", 0.0) or 0.0)],
    }
    return PopulationArrays(
        persons={name: _array(name, values) for name, values in persons.items()},
        households={name: _array(name, values) for name, values in households.items()},
        household_index=np.zeros(len(members), dtype=np.int64),
        household_ids=["request"],
        member_ids=[member["id"] for member in members],
    )


FLOAT_COLUMNS = (
    {f"income_{kind}" for kind in INCOME_KINDS}
    | {f"expense_{kind}" for kind in EXPENSE_KINDS}
    | {"assets_financial", "emergency_loss"}
)
BOOL_COLUMNS = {
    "hukou_local",
    "deceased",
    "serious_illness",
    "capable_legal_supporter",
    "lives_alone",
}


INT32_COLUMNS = {"birth_year", "birth_month"}
INT64_COLUMNS = {
    "private_car_count",
    "residential_home_count",
    "non_residential_home_count",
    "registered_businesses",
}


def _array(name: str, values: list[Any]) -> np.ndarray:
    """The same dtype as the Polars adapter gives: floats, booleans, int32/int64, else int8."""
    if name in FLOAT_COLUMNS:
        return np.asarray(values, dtype=np.float64)
    if name in BOOL_COLUMNS:
        return np.asarray(values, dtype=bool)
    if name in INT32_COLUMNS:
        return np.asarray(values, dtype=np.int32)
    if name in INT64_COLUMNS:
        return np.asarray(values, dtype=np.int64)
    return np.asarray(values, dtype=np.int8)


def _enum(column: str, values: tuple[str, ...]) -> pl.Expr:
    return pl.col(column).cast(pl.Enum(list(values))).to_physical().cast(pl.Int8).fill_null(NONE)


class LazyColumns(dict[str, np.ndarray]):
    """Input columns converted from a Polars frame on first use, so unused ones cost nothing."""

    def __init__(self, frame: pl.DataFrame, expressions: dict[str, pl.Expr]) -> None:
        super().__init__()
        self.frame = frame
        self.expressions = expressions

    def __missing__(self, name: str) -> np.ndarray:
        expression = self.expressions[name]  # KeyError: the frames lack this input
        values = self.frame.select(expression.alias(name)).to_series().to_numpy()
        self[name] = values
        return values

    def __contains__(self, name: object) -> bool:
        return name in self.expressions


def _person_expressions(columns: set[str], as_of: dt.date) -> dict[str, pl.Expr]:
    expressions: dict[str, pl.Expr] = {
        "relation": _enum("relation", RELATIONS),
        "birth_year": pl.col("birth_date").dt.year().cast(pl.Int32),
        "birth_month": pl.col("birth_date").dt.month().cast(pl.Int32),
    }
    for name in ("hukou_local", "deceased", "serious_illness", "lives_alone"):
        if name in columns:
            expressions[name] = pl.col(name).fill_null(False)
    if "capable_legal_supporter" in columns:
        expressions["capable_legal_supporter"] = pl.col("capable_legal_supporter").fill_null(True)
    if "disability_category" in columns:
        valid = pl.col("disability_valid_to").is_null() | (pl.col("disability_valid_to") >= as_of)
        expressions["disability_category"] = (
            pl.when(valid).then(_enum("disability_category", DISABILITY_CATEGORIES)).otherwise(NONE)
        )
        expressions["disability_grade"] = (
            pl.when(valid).then(pl.col("disability_grade").cast(pl.Int8).fill_null(0)).otherwise(0)
        )
    if "ability_level" in columns:
        expressions["ability_level"] = pl.col("ability_level").cast(pl.Int8).fill_null(NONE)
    for name, values in (
        ("student", STUDENT_KINDS),
        ("employment", EMPLOYMENTS),
        ("parents", PARENTS),
    ):
        if name in columns:
            expressions[name] = _enum(name, values)
    for kind in INCOME_KINDS:
        if f"income_{kind}" in columns:
            expressions[f"income_{kind}"] = pl.col(f"income_{kind}").cast(pl.Float64).fill_null(0.0)
    return expressions


def _household_expressions(columns: set[str]) -> dict[str, pl.Expr]:
    expressions: dict[str, pl.Expr] = {}
    if "assets_financial" in columns:
        expressions["assets_financial"] = pl.col("assets_financial").cast(pl.Float64).fill_null(0.0)
    if "vehicles" in columns:
        vehicle = pl.element().struct
        counted = vehicle.field("kind").is_in(COUNTED_VEHICLE_KINDS) & (
            vehicle.field("purpose").fill_null("private") == "private"
        )
        expressions["private_car_count"] = (
            pl.col("vehicles").list.eval(counted.cast(pl.Int64)).list.sum().fill_null(0)
        )
    if "homes" in columns:
        use = pl.element().struct.field("use")
        expressions["residential_home_count"] = (
            pl.col("homes").list.eval((use == "residential").cast(pl.Int64)).list.sum().fill_null(0)
        )
        expressions["non_residential_home_count"] = (
            pl.col("homes")
            .list.eval(use.is_in(NON_RESIDENTIAL_USES).cast(pl.Int64))
            .list.sum()
            .fill_null(0)
        )
    if "registered_businesses" in columns:
        expressions["registered_businesses"] = (
            pl.col("registered_businesses").cast(pl.Int64).fill_null(0)
        )
    for kind in EXPENSE_KINDS:
        if f"expense_{kind}" in columns:
            expressions[f"expense_{kind}"] = (
                pl.col(f"expense_{kind}").cast(pl.Float64).fill_null(0.0)
            )
    if "emergency_kind" in columns:
        expressions["emergency_kind"] = _enum("emergency_kind", EMERGENCY_KINDS)
        expressions["emergency_loss"] = pl.col("emergency_loss").cast(pl.Float64).fill_null(0.0)
    return expressions


def arrays_from_frames(
    persons: pl.DataFrame, households: pl.DataFrame, *, as_of: dt.date
) -> PopulationArrays:
    """Arrays over the columns of persons.parquet and households.parquet (those present).

    Columns are converted when a formula first reads them. A disability certificate that
    expired before the assessed month counts as no certificate. A formula needing a column the
    frames lack raises MissingInputError, so a caller knows what could not be computed.
    """
    return PopulationArrays(
        persons=LazyColumns(persons, _person_expressions(set(persons.columns), as_of)),
        households=LazyColumns(households, _household_expressions(set(households.columns))),
        household_index=_household_index(persons["household_id"], households["household_id"]),
        household_ids=households["household_id"],
    )


def _household_index(person_households: pl.Series, household_ids: pl.Series) -> np.ndarray:
    """For each person, the row of its household; persons grouped in household order is fast."""
    runs = person_households.rle_id()
    firsts = person_households.filter(runs.diff().fill_null(1) != 0)
    if firsts.len() == household_ids.len() and (firsts == household_ids).all():
        return runs.cast(pl.Int64).to_numpy()
    index = household_ids.to_frame("household_id").with_row_index("household_row")
    rows = person_households.to_frame("household_id").join(
        index, on="household_id", how="left", maintain_order="left"
    )["household_row"]
    if rows.null_count():
        raise ValueError("some persons belong to no household of the households frame")
    return rows.cast(pl.Int64).to_numpy()


def requests_from_frames(
    persons: pl.DataFrame, households: pl.DataFrame, *, as_of: str
) -> dict[str, dict[str, Any]]:
    """Each household of the frames (synthetic city columns) as an assessment request.

    The opposite of what a caller of `screen` does: the same household, one request each, so
    that one household can be assessed (or applied for) with exactly the data screened. A
    certificate that expired before the month is left out, as `arrays_from_frames` does.
    """
    month = dt.date(int(as_of[:4]), int(as_of[5:7]), 1)
    members: dict[str, list[dict[str, Any]]] = {}
    for person in persons.iter_rows(named=True):
        member: dict[str, Any] = {
            "id": person["person_id"],
            "relation": person["relation"],
            "id_number": person["id_number"],
            "hukou_local": person["hukou_local"],
            "deceased": person["deceased"],
            "serious_illness": person["serious_illness"],
            "student": person["student"],
            "employment": person["employment"],
            "capable_legal_supporter": person["capable_legal_supporter"],
            "lives_alone": person["lives_alone"],
            "income": {kind: person[f"income_{kind}"] for kind in INCOME_KINDS},
        }
        valid_to = person["disability_valid_to"]
        if person["disability_grade"] is not None and (valid_to is None or valid_to >= month):
            member["disability"] = {
                "category": person["disability_category"],
                "grade": person["disability_grade"],
            }
        if person["ability_level"] is not None:
            member["ability_level"] = person["ability_level"]
        if person["parents"] is not None:
            member["parents"] = person["parents"]
        members.setdefault(person["household_id"], []).append(member)
    requests = {}
    for household in households.iter_rows(named=True):
        request: dict[str, Any] = {
            "as_of": as_of,
            "division": household["division"],
            "members": members[household["household_id"]],
            "assets": {
                "financial": household["assets_financial"],
                "vehicles": household["vehicles"],
                "homes": household["homes"],
                "registered_businesses": household["registered_businesses"],
            },
            "expenses_12m": {kind: household[f"expense_{kind}"] for kind in EXPENSE_KINDS},
        }
        if household["emergency_kind"] is not None:
            request["emergency"] = {
                "kind": household["emergency_kind"],
                "loss": household["emergency_loss"],
            }
        requests[household["household_id"]] = request
    return requests
