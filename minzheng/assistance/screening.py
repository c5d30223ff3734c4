"""政策找人 and the review schedule: the nightly rules over the whole registry.

`find_people_run` screens every household of the registry with the rules engine, using what
the registry and the data exchange hold (wages and pensions of the latest month with data,
registered vehicles and property, twelve months of medical spending, registered
unemployment). What neither holds is assumed in the household's favour for finding people
(no financial assets, no other income) and named in each alert, so a worker checks it on the
visit: an alert is a lead, never a decision. Households that seem to qualify for a programme
they neither receive nor have applied for, and recipients who seem no longer to qualify, each
become an alert. `reviews_due_run` raises an alert for each active case whose periodic review
(定期核查) falls due, by the review intervals of its category (parameters with sources).
The number of queries does not grow with the population.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import transaction
from django.db.models import Max, Q, Sum

from minzheng.accounts.jurisdiction import monitoring_check
from minzheng.accounts.models import CITY_CODE, User
from minzheng.alerts.services import AlertIn, alerts_raise
from minzheng.assistance.models import AssistanceCase, Program
from minzheng.assistance.workflows import (
    ASSISTANCE_CASE,
    ELIGIBLE_NOT_RECEIVING,
    NO_LONGER_ELIGIBLE,
    OPEN_STATES,
    REVIEW_DUE,
)
from minzheng.exchange.models import Signal
from minzheng.registry.selectors import household_frames
from minzheng.rules import parameters_at, screen
from minzheng.rules.id_number import parse_id_number
from minzheng.rules.inputs import requests_from_frames
from minzheng.rules.parameters import add_months, month_start
from minzheng.workflow.models import TransitionRecord

# Programmes found from the registry. 特困 is left out: whether a capable legal supporter
# exists is held nowhere, so the rules cannot tell; temporary assistance follows an emergency.
FOUND = (Program.DIBAO, Program.DIBAO_EDGE, Program.RIGID_EXPENDITURE)
# Recipients checked again: the programmes whose unknowns (assets) only err towards eligibility.
RECHECKED = (Program.DIBAO, Program.DIBAO_EDGE)
ASSUMED = "金融资产、经营收入和其他收入未掌握，按无计；请入户核实"


@dataclass
class FindPeopleResult:
    as_of: str
    households: int
    eligible_not_receiving: int
    no_longer_eligible: int
    raised: int
    by_program: dict[str, int] = field(default_factory=dict)


def _exchange_frames(month: dt.date) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Per person: wages and pensions of the latest month with data before `month`, and
    registered unemployment; per person: vehicles and homes; per person: medical spending."""
    latest = Signal.objects.filter(kind__in=("wages", "pensions"), on__lt=month).aggregate(
        latest=Max("on")
    )["latest"]
    incomes = []
    if latest is not None:
        incomes = list(
            Signal.objects.filter(kind__in=("wages", "pensions"), on=latest.replace(day=1))
            .values("person_id", "kind")
            .annotate(total=Sum("amount"))
            .values_list("person_id", "kind", "total")
        )
    unemployed = {
        person_id
        for person_id, data in Signal.objects.filter(kind="unemployment", on__lt=month)
        .values_list("person_id", "data")
        .iterator(chunk_size=5000)
        if not data.get("ended_on")
    }
    income = pl.DataFrame(
        [(person, kind, float(total or 0)) for person, kind, total in incomes],
        schema={"person_id": pl.Int64, "kind": pl.String, "total": pl.Float64},
        orient="row",
    )
    wages = income.filter(pl.col("kind") == "wages").select(
        "person_id", pl.col("total").alias("income_wages")
    )
    pensions = income.filter(pl.col("kind") == "pensions").select(
        "person_id", pl.col("total").alias("income_pension")
    )
    people = wages.join(pensions, on="person_id", how="full", coalesce=True).with_columns(
        pl.lit(False).alias("registered_unemployed")
    )
    if unemployed:
        people = (
            pl.concat(
                [
                    people,
                    pl.DataFrame(
                        {"person_id": sorted(unemployed)}, schema={"person_id": pl.Int64}
                    ).with_columns(
                        pl.lit(None, pl.Float64).alias("income_wages"),
                        pl.lit(None, pl.Float64).alias("income_pension"),
                        pl.lit(True).alias("registered_unemployed"),
                    ),
                ]
            )
            .group_by("person_id")
            .agg(
                pl.col("income_wages").max(),
                pl.col("income_pension").max(),
                pl.col("registered_unemployed").any(),
            )
        )
    assets = list(
        Signal.objects.filter(
            Q(kind="vehicle") | Q(kind__startswith="real_estate."), on__lt=month
        ).values_list("person_id", "kind", "data")
    )
    asset_rows = []
    for person_id, kind, data in assets:
        if kind == "vehicle":
            asset_rows.append((person_id, "vehicle", data.get("vehicle_type", "other"), 1))
        else:
            sign = -1 if kind == "real_estate.sold" else 1
            asset_rows.append((person_id, "home", data.get("use", "other"), sign))
    asset_frame = pl.DataFrame(
        asset_rows,
        schema={"person_id": pl.Int64, "what": pl.String, "kind": pl.String, "count": pl.Int64},
        orient="row",
    )
    year_ago = dt.date(month.year - 1, month.month, 1)
    medical = list(
        Signal.objects.filter(
            kind__startswith="medical", on__gte=year_ago, on__lt=month
        ).values_list("person_id", "data")
    )
    medical_frame = pl.DataFrame(
        [(person, float(data.get("out_of_pocket") or 0)) for person, data in medical],
        schema={"person_id": pl.Int64, "out_of_pocket": pl.Float64},
        orient="row",
    )
    return people, asset_frame, medical_frame


def _rules_frames(month: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The city's households whose adults' incomes the exchange covers, with their assets."""
    persons, households = household_frames(prefix=CITY_CODE, on=month)
    people, assets, medical = _exchange_frames(month)
    age = (
        pl.lit(month.year)
        - pl.col("birth_date").dt.year()
        - (pl.col("birth_date").dt.month() > month.month).cast(pl.Int32)
    )
    persons = persons.join(people, on="person_id", how="left")
    # Under the age at which one can work (无劳动能力：未满16周岁), no income is expected.
    working_age = (
        parameters_at(f"{month:%Y-%m}").get("extreme_poverty.labour_capacity_under_age").value
    )
    # A household is screened only when the exchange says something of every adult's income
    # (wages, a pension or a registered unemployment): silence is not an income of nought.
    known = (
        (age < working_age)
        | pl.col("deceased")
        | pl.col("income_wages").is_not_null()
        | pl.col("income_pension").is_not_null()
        | pl.col("registered_unemployed").fill_null(False)
    )
    persons = persons.filter(known.all().over("household_id"))
    households = households.join(
        persons.select("household_id").unique(), on="household_id", maintain_order="left"
    )
    persons = persons.with_columns(
        pl.col("income_wages").fill_null(0.0),
        pl.col("income_pension").fill_null(0.0),
        *[
            pl.lit(0.0).alias(f"income_{kind}")
            for kind in ("business", "property", "support_received", "other_transfers", "excluded")
        ],
        pl.when(pl.col("registered_unemployed").fill_null(False))
        .then(pl.lit("unemployed_registered"))
        .when(pl.col("income_wages").fill_null(0.0) > 0)
        .then(pl.lit("employed"))
        .when(pl.col("income_pension").fill_null(0.0) > 0)
        .then(pl.lit("retired"))
        .otherwise(pl.lit("not_working"))
        .alias("employment"),
        pl.when(age.is_between(6, 15))
        .then(pl.lit("compulsory"))
        .otherwise(pl.lit("none"))
        .alias("student"),
        pl.lit(True).alias("capable_legal_supporter"),
        pl.lit(None, pl.String).alias("parents"),
        pl.lit(None, pl.Int8).alias("ability_level"),
        (pl.len().over("household_id") == 1).alias("lives_alone"),
    )
    member_household = persons.select("person_id", "household_id")
    homes = (
        assets.filter(pl.col("what") == "home")
        .join(member_household, on="person_id")
        .group_by("household_id", "kind")
        .agg(pl.col("count").sum())
        .filter(pl.col("count") > 0)
        .with_columns(pl.int_ranges(0, pl.col("count")).alias("n"))
        .explode("n")
        .group_by("household_id")
        .agg(pl.struct(pl.col("kind").alias("use"), pl.lit(0.0).alias("area_m2")).alias("homes"))
    )
    vehicles = (
        assets.filter(pl.col("what") == "vehicle")
        .join(member_household, on="person_id")
        .group_by("household_id")
        .agg(
            pl.struct(
                pl.col("kind"), pl.lit(0.0).alias("value"), pl.lit("private").alias("purpose")
            ).alias("vehicles")
        )
    )
    spending = (
        medical.join(member_household, on="person_id")
        .group_by("household_id")
        .agg(pl.col("out_of_pocket").sum().alias("expense_medical"))
    )
    households = (
        households.join(homes, on="household_id", how="left")
        .join(vehicles, on="household_id", how="left")
        .join(spending, on="household_id", how="left")
        .with_columns(
            pl.lit(0.0).alias("assets_financial"),
            pl.lit(0, pl.Int16).alias("registered_businesses"),
            pl.col("expense_medical").fill_null(0.0),
            *[
                pl.lit(0.0).alias(f"expense_{kind}")
                for kind in ("education", "disability_rehabilitation", "other_rigid")
            ],
            pl.lit(None, pl.String).alias("emergency_kind"),
            pl.lit(0.0).alias("emergency_loss"),
        )
    )
    return persons, households


@transaction.atomic
def find_people_run(*, acting_user: User | None, as_of: str, on: dt.date) -> FindPeopleResult:
    """Screen the city in the month `as_of` ('YYYY-MM') and raise the alerts found."""
    if acting_user is not None:
        monitoring_check(user=acting_user)
    month = month_start(as_of)
    persons, households = _rules_frames(month)
    if households.height == 0:
        return FindPeopleResult(as_of, 0, 0, 0, 0)
    result = screen(persons, households, as_of, programs=tuple(FOUND), skip_missing_inputs=True)
    eligible = result.frame.filter(pl.col("eligible"))
    cases: dict[tuple[str, str], list[AssistanceCase]] = defaultdict(list)
    for case in AssistanceCase.objects.filter(
        state__in=(*OPEN_STATES, "active"), program__in=FOUND
    ).only("pk", "number", "program", "household_id", "division_code", "state", "end_month"):
        if case.state == "active" and case.end_month is not None and case.end_month < month:
            continue
        cases[(str(case.household_id), case.program)].append(case)
    division = dict(households.select("household_id", "division").iter_rows())
    alerts = []
    by_program: dict[str, int] = defaultdict(int)
    found = 0
    for household_id, program, amount in eligible.select(
        "household_id", pl.col("program").cast(pl.String), "monthly_amount"
    ).iter_rows():
        if cases.get((household_id, program)):
            continue
        found += 1
        by_program[program] += 1
        alerts.append(
            AlertIn(
                kind=ELIGIBLE_NOT_RECEIVING.code,
                key=f"{ELIGIBLE_NOT_RECEIVING.code}:{program}:{household_id}:{as_of}",
                division_code=division[household_id],
                reason=(
                    f"按登记和交换数据，该户可能符合{Program(program).label}条件"
                    f"（估算月额 {amount:.2f} 元），尚未享受或申请"
                ),
                data={
                    "program": program,
                    "as_of": as_of,
                    "estimated_amount": round(amount, 2),
                    "assumed": ASSUMED,
                },
                household_id=int(household_id),
            )
        )
    eligible_keys = set(
        eligible.select("household_id", pl.col("program").cast(pl.String)).iter_rows()
    )
    screened = set(households["household_id"].to_list())
    lapsed = 0
    for (household_id, program), open_cases in cases.items():
        if program not in RECHECKED or household_id not in screened:
            continue
        if (household_id, program) in eligible_keys:
            continue
        for case in open_cases:
            if case.state != "active":
                continue
            lapsed += 1
            alerts.append(
                AlertIn(
                    kind=NO_LONGER_ELIGIBLE.code,
                    key=f"{NO_LONGER_ELIGIBLE.code}:{case.number}:{as_of}",
                    division_code=case.division_code,
                    reason=(
                        f"按登记和交换数据（工资、养老金、车辆、房产），该户可能不再符合"
                        f"{Program(program).label}条件，请复核"
                    ),
                    data={"program": program, "as_of": as_of, "cases": [case.number]},
                    household_id=case.household_id,
                )
            )
    declared = _requests(persons, households, {alert.household_id for alert in alerts}, as_of)
    for alert in alerts:
        alert.data["request"] = declared[str(alert.household_id)]
    raised = alerts_raise(acting_user=acting_user, alerts=alerts, on=on)
    return FindPeopleResult(as_of, households.height, found, lapsed, raised, dict(by_program))


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


def _requests(
    persons: pl.DataFrame, households: pl.DataFrame, ids: set[int | None], as_of: str
) -> dict[str, dict[str, Any]]:
    """The screened data of some households as assessment requests, kept on their alerts so
    that the alert page can show the rules' reasons and trace (no id numbers: birth dates)."""
    wanted = pl.Series([str(household) for household in ids if household is not None])
    chosen = persons.filter(pl.col("household_id").is_in(wanted.implode()))
    births = dict(zip(chosen["person_id"], chosen["birth_date"], strict=True))
    requests = requests_from_frames(
        chosen.with_columns(pl.lit(None, pl.String).alias("id_number")),
        households.filter(pl.col("household_id").is_in(wanted.implode())),
        as_of=as_of,
    )
    for request in requests.values():
        for member in request["members"]:
            member["birth_date"] = births[member["id"]].isoformat()
            member["id"] = f"成员{member['id']}"
    return {key: _without_nulls(request) for key, request in requests.items()}


REVIEW_PARAMETERS = {
    "dibao_stable": "review.interval_months.dibao_stable",
    "dibao_variable": "review.interval_months.dibao_variable",
    Program.DIBAO_EDGE: "review.interval_months.dibao_edge",
    Program.EXTREME_POVERTY: "review.interval_months.extreme_poverty",
    Program.RIGID_EXPENDITURE: "review.interval_months.rigid_expenditure",
}


REVIEWED = (Program.DIBAO, Program.DIBAO_EDGE, Program.EXTREME_POVERTY, Program.RIGID_EXPENDITURE)


def review_category(case: AssistanceCase, on: dt.date) -> str:
    """The case's review category: dibao households with a member able to work are reviewed
    every half year (民发〔2021〕57号); others by their programme's interval."""
    if case.program != Program.DIBAO:
        return case.program
    parameters = parameters_at(f"{on:%Y-%m}")
    lowest = parameters.get("extreme_poverty.labour_capacity_under_age").value
    highest = parameters.get("extreme_poverty.labour_capacity_min_age").value
    for member in case.request.get("members", []):
        if member.get("deceased"):
            continue
        birth = (
            dt.date.fromisoformat(member["birth_date"])
            if member.get("birth_date")
            else parse_id_number(member["id_number"]).birth_date
        )
        age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
        severe = (member.get("disability") or {}).get("grade") in (1, 2)
        if lowest <= age < highest and not severe:
            return "dibao_variable"
    return "dibao_stable"


@transaction.atomic
def reviews_due_run(*, acting_user: User | None, on: dt.date) -> int:
    """Raise a review alert for each active case whose periodic review is due by `on`."""
    if acting_user is not None:
        monitoring_check(user=acting_user)
    parameters = parameters_at(f"{on:%Y-%m}")
    active = AssistanceCase.objects.filter(
        state="active", program__in=REVIEWED, start_month__isnull=False
    )
    active = active.filter(Q(end_month__isnull=True) | Q(end_month__gte=on.replace(day=1)))
    last_reviews = dict(
        TransitionRecord.objects.filter(
            workflow=ASSISTANCE_CASE.name,
            transition="review",
            object_id__in=active.values("pk"),
        )
        .values("object_id")
        .annotate(last=Max("on"))
        .values_list("object_id", "last")
    )
    alerts = []
    for case in active.only(
        "pk", "number", "program", "household_id", "division_code", "request", "start_month"
    ):
        category = review_category(case, on)
        months = int(parameters.get(REVIEW_PARAMETERS[category]).value)
        # Reviews fall due every `months` from the last review (or the start month); once
        # overdue, the alert for that due month stands until a review is recorded.
        since = last_reviews.get(case.pk, case.start_month).replace(day=1)
        elapsed = (on.year - since.year) * 12 + on.month - since.month
        if elapsed < months:
            continue
        due = add_months(since, elapsed - elapsed % months)
        alerts.append(
            AlertIn(
                kind=REVIEW_DUE.code,
                key=f"{REVIEW_DUE.code}:{case.number}:{due:%Y-%m}",
                division_code=case.division_code,
                reason=(
                    f"{Program(case.program).label}定期核查到期（每 {months} 个月，"
                    f"上次 {since:%Y-%m}，本期 {due:%Y-%m}）"
                ),
                data={
                    "cases": [case.number],
                    "category": category,
                    "due": f"{due:%Y-%m}",
                    "parameter": REVIEW_PARAMETERS[category],
                },
                household_id=case.household_id,
            )
        )
    return alerts_raise(acting_user=acting_user, alerts=alerts, on=on)
