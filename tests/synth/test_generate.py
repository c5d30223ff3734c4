"""The synthetic city: determinism, identifiers, household structure, calibration, parquet."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from minzheng.rules.id_number import parse_id_number
from minzheng.synth.generate import (
    AS_OF,
    DIBAO_STANDARD_2025,
    SyntheticCity,
    generate,
    write_parquet,
)

EDGE_LINE = 1.5 * DIBAO_STANDARD_2025
COUNTED = pl.sum_horizontal(
    "income_wages",
    "income_business",
    "income_property",
    "income_pension",
    "income_support_received",
    "income_other_transfers",
)

PERSON_SCHEMA = {
    "household_id": pl.String,
    "person_id": pl.String,
    "relation": pl.String,
    "name": pl.String,
    "id_number": pl.String,
    "sex": pl.String,
    "birth_date": pl.Date,
    "hukou_division": pl.String,
    "residence_division": pl.String,
    "hukou_local": pl.Boolean,
    "phone": pl.String,
    "marital_status": pl.String,
    "deceased": pl.Boolean,
    "disability_category": pl.String,
    "disability_grade": pl.Int8,
    "disability_valid_from": pl.Date,
    "disability_valid_to": pl.Date,
    "serious_illness": pl.Boolean,
    "ability_level": pl.Int8,
    "student": pl.String,
    "employment": pl.String,
    "income_wages": pl.Float64,
    "income_business": pl.Float64,
    "income_property": pl.Float64,
    "income_pension": pl.Float64,
    "income_support_received": pl.Float64,
    "income_other_transfers": pl.Float64,
    "income_excluded": pl.Float64,
    "capable_legal_supporter": pl.Boolean,
    "parents": pl.String,
    "lives_alone": pl.Boolean,
}
HOUSEHOLD_SCHEMA = {
    "household_id": pl.String,
    "number": pl.String,
    "division": pl.String,
    "address": pl.String,
    "head_person_id": pl.String,
    "size": pl.Int16,
    "assets_financial": pl.Float64,
    "vehicles": pl.List(pl.Struct({"kind": pl.String, "value": pl.Float64, "purpose": pl.String})),
    "homes": pl.List(pl.Struct({"use": pl.String, "area_m2": pl.Float64})),
    "registered_businesses": pl.Int16,
    "expense_medical": pl.Float64,
    "expense_education": pl.Float64,
    "expense_disability_rehabilitation": pl.Float64,
    "expense_other_rigid": pl.Float64,
    "emergency_kind": pl.String,
    "emergency_loss": pl.Float64,
}
DIVISION_SCHEMA = {
    "code": pl.String,
    "name": pl.String,
    "kind": pl.String,
    "parent_code": pl.String,
}
TOWN_CODES = {
    "320582001", "320582002", "320582003", "320582100", "320582101", "320582103", "320582104",
    "320582105", "320582106", "320582107", "320582400",
}  # fmt: skip
EMERGENCY_KINDS = {
    "fire_or_accident", "natural_disaster", "major_illness", "death_of_earner", "other",
}  # fmt: skip


@pytest.fixture(scope="module")
def city() -> SyntheticCity:
    return generate(scale=0.05, seed=1)


@pytest.fixture(scope="module")
def small_city() -> SyntheticCity:
    return generate(scale=0.01, seed=1)


def with_age(persons: pl.DataFrame, as_of: dt.date = AS_OF) -> pl.DataFrame:
    born = pl.col("birth_date")
    month_day = born.dt.month().cast(pl.Int32) * 100 + born.dt.day().cast(pl.Int32)
    before_birthday = month_day > as_of.month * 100 + as_of.day
    return persons.with_columns(age=as_of.year - born.dt.year() - before_birthday.cast(pl.Int32))


def household_income(city: SyntheticCity) -> pl.DataFrame:
    return city.persons.group_by("household_id").agg(
        per_capita=COUNTED.sum() / pl.len(), size=pl.len()
    )


def test_same_seed_and_scale_give_identical_frames(small_city: SyntheticCity) -> None:
    again = generate(scale=0.01, seed=1)

    assert again.divisions.equals(small_city.divisions)
    assert again.persons.equals(small_city.persons)
    assert again.households.equals(small_city.households)


def test_another_seed_gives_other_people(small_city: SyntheticCity) -> None:
    other = generate(scale=0.01, seed=2)

    first, second = small_city.persons.head(1000), other.persons.head(1000)

    assert not other.persons.equals(small_city.persons)
    assert (first["birth_date"] != second["birth_date"]).mean() > 0.9
    assert (first["name"] != second["name"]).mean() > 0.9


def test_frames_have_the_documented_columns_and_types(city: SyntheticCity) -> None:
    assert dict(city.persons.schema) == PERSON_SCHEMA
    assert dict(city.households.schema) == HOUSEHOLD_SCHEMA
    assert dict(city.divisions.schema) == DIVISION_SCHEMA


def test_every_id_number_parses_and_agrees_with_birth_date_and_sex(city: SyntheticCity) -> None:
    rows = city.persons.select("id_number", "birth_date", "sex").iter_rows()

    disagreeing = [
        (id_number, birth_date, sex)
        for id_number, birth_date, sex in rows
        if (info := parse_id_number(id_number, today=AS_OF)).birth_date != birth_date
        or info.sex != sex
        or info.address_code != "320582"
    ]

    assert disagreeing == []


def test_birth_dates_lie_before_the_reference_date(city: SyntheticCity) -> None:
    ages = with_age(city.persons)["age"]

    assert city.persons["birth_date"].max() < AS_OF
    assert ages.min() == 0
    assert 100 <= ages.max() <= 105


def test_identifiers_are_unique_and_well_formed(city: SyntheticCity) -> None:
    persons, households = city.persons, city.households

    assert persons["person_id"].n_unique() == persons.height
    assert persons["id_number"].n_unique() == persons.height
    assert persons["phone"].drop_nulls().n_unique() == persons["phone"].drop_nulls().len()
    assert households["household_id"].n_unique() == households.height
    assert households["number"].n_unique() == households.height
    assert persons["person_id"].str.contains(r"^P\d{9}$").all()
    assert persons["household_id"].str.contains(r"^H\d{8}$").all()
    assert households["number"].str.contains(r"^ZJG\d{9}$").all()
    assert persons["phone"].drop_nulls().str.contains(r"^1[35789]\d{9}$").all()


def test_each_household_has_exactly_one_head_who_is_its_head_person(city: SyntheticCity) -> None:
    heads = city.persons.filter(pl.col("relation") == "head")
    joined = city.households.join(
        heads.select("household_id", head="person_id"), on="household_id", how="left"
    )

    assert heads["household_id"].n_unique() == heads.height == city.households.height
    assert (joined["head"] == joined["head_person_id"]).all()


def test_household_size_counts_its_members_and_lives_alone_means_size_one(
    city: SyntheticCity,
) -> None:
    members = city.persons.group_by("household_id").agg(
        members=pl.len(), alone=pl.col("lives_alone")
    )
    joined = city.households.join(members, on="household_id")

    assert joined.height == city.households.height
    assert (joined["size"] == joined["members"]).all()
    assert (joined["alone"].list.all() == (joined["size"] == 1)).all()
    assert (joined["alone"].list.any() == (joined["size"] == 1)).all()


def test_person_divisions_are_villages_or_communities_of_the_output(city: SyntheticCity) -> None:
    villages = city.divisions.filter(pl.col("kind").is_in(["village", "community"]))["code"]
    persons = city.persons

    assert persons["hukou_division"].is_in(villages.implode()).all()
    assert persons["residence_division"].is_in(villages.implode()).all()
    assert city.households["division"].is_in(villages.implode()).all()


def test_household_division_is_where_its_head_lives(city: SyntheticCity) -> None:
    heads = city.persons.filter(pl.col("relation") == "head").select(
        "household_id", "residence_division"
    )
    joined = city.households.join(heads, on="household_id")

    assert (joined["division"] == joined["residence_division"]).all()


def test_a_few_percent_live_outside_their_hukou_village(city: SyntheticCity) -> None:
    moved = (city.persons["hukou_division"] != city.persons["residence_division"]).mean()

    assert 0.02 <= moved <= 0.06


def test_divisions_are_the_city_its_11_towns_and_297_synthetic_villages(
    small_city: SyntheticCity,
) -> None:
    divisions = small_city.divisions
    units = divisions.filter(pl.col("kind").is_in(["village", "community"]))
    number = units["code"].str.slice(9, 3).cast(pl.Int32)

    assert divisions.filter(pl.col("kind") == "city")["code"].to_list() == ["320582"]
    assert set(divisions.filter(pl.col("parent_code") == "320582")["code"]) == TOWN_CODES
    assert (units["kind"] == "village").sum() == 153
    assert (units["kind"] == "community").sum() == 144
    assert set(units["parent_code"]) == TOWN_CODES
    assert (units["code"].str.slice(0, 9) == units["parent_code"]).all()
    assert ((units["kind"] == "community") == (number < 200)).all()
    assert ((units["kind"] == "village") == ((number >= 200) & (number < 400))).all()
    assert units["name"].str.contains("合成").all()
    assert divisions["code"].n_unique() == divisions.height == 1 + 11 + 297
    assert generate(scale=0.01, seed=7).divisions["code"].equals(divisions["code"])


def test_yangshe_has_the_most_villages_and_people(city: SyntheticCity) -> None:
    units = city.divisions.filter(pl.col("kind").is_in(["village", "community"]))
    per_town = city.persons.group_by(town=pl.col("hukou_division").str.slice(0, 9)).len()

    assert units["parent_code"].mode().to_list() == ["320582100"]
    assert per_town.sort("len")["town"][-1] == "320582100"


def test_children_are_18_to_45_years_younger_than_the_head(city: SyntheticCity) -> None:
    persons = with_age(city.persons)
    heads = persons.filter(pl.col("relation") == "head").select("household_id", head_age="age")
    children = persons.filter(pl.col("relation") == "child").join(heads, on="household_id")
    gap = children["head_age"] - children["age"]

    assert children.height > 0
    assert gap.min() >= 18
    assert gap.max() <= 45


def test_parents_and_grandchildren_are_a_generation_apart_from_the_head(
    city: SyntheticCity,
) -> None:
    persons = with_age(city.persons)
    heads = persons.filter(pl.col("relation") == "head").select("household_id", head_age="age")
    joined = persons.join(heads, on="household_id")
    parents = joined.filter(pl.col("relation") == "parent")
    grandchildren = joined.filter(pl.col("relation") == "grandchild")

    assert (parents["age"] - parents["head_age"]).min() >= 18
    assert (grandchildren["head_age"] - grandchildren["age"]).min() >= 36


def test_spouses_are_married_adults_of_the_other_sex(city: SyntheticCity) -> None:
    persons = with_age(city.persons)
    heads = persons.filter(pl.col("relation") == "head").select(
        "household_id", head_sex="sex", head_marital="marital_status"
    )
    spouses = persons.filter(pl.col("relation") == "spouse").join(heads, on="household_id")

    assert (spouses["sex"] != spouses["head_sex"]).all()
    assert (spouses["marital_status"] == "married").all()
    assert (spouses["head_marital"] == "married").all()
    assert spouses["age"].min() >= 20


def test_married_people_are_adults_and_lone_elders_are_not_married(city: SyntheticCity) -> None:
    persons = with_age(city.persons)
    lone_elders = persons.filter(pl.col("lives_alone") & (pl.col("age") >= 60))

    assert persons.filter(pl.col("marital_status") != "unmarried")["age"].min() >= 20
    assert lone_elders.height > 0
    assert (lone_elders["marital_status"] != "married").all()


def test_only_minors_have_a_parents_situation(city: SyntheticCity) -> None:
    persons = with_age(city.persons)

    assert (persons["parents"].is_not_null() == (persons["age"] < 18)).all()


def test_orphans_live_with_grandparents_and_lack_a_capable_supporter(
    city: SyntheticCity,
) -> None:
    orphans = city.persons.filter(pl.col("parents") == "both_deceased_or_missing")

    assert 0 < orphans.height < 0.001 * city.persons.height
    assert (orphans["relation"] == "grandchild").all()
    assert not orphans["capable_legal_supporter"].any()


def test_disability_certificates_are_complete_and_valid_ten_years(city: SyntheticCity) -> None:
    persons = city.persons
    certified = persons.filter(pl.col("disability_category").is_not_null())
    columns = ["disability_grade", "disability_valid_from", "disability_valid_to"]

    assert (
        persons.select(pl.col(columns).is_null().sum()).row(0)
        == (persons.height - certified.height,) * 3
    )
    assert certified["disability_grade"].is_between(1, 4).all()
    assert (certified["disability_valid_from"] < AS_OF).all()
    assert (certified["disability_valid_from"] >= certified["birth_date"]).all()
    assert (
        certified["disability_valid_to"] == certified["disability_valid_from"].dt.offset_by("10y")
    ).all()
    expired = (certified["disability_valid_to"] < AS_OF).mean()
    assert 0.01 <= expired <= 0.10


def test_ability_level_is_set_exactly_from_age_60(city: SyntheticCity) -> None:
    persons = with_age(city.persons)
    elders = persons.filter(pl.col("age") >= 60)
    by_band = elders.group_by(band=pl.col("age") >= 80).agg(
        disabled=(pl.col("ability_level") >= 2).mean()
    )

    assert (persons["ability_level"].is_not_null() == (persons["age"] >= 60)).all()
    assert elders["ability_level"].is_between(0, 4).all()
    assert (
        by_band.filter(pl.col("band"))["disabled"][0]
        > by_band.filter(~pl.col("band"))["disabled"][0]
    )


def test_students_and_workers_follow_age(city: SyntheticCity) -> None:
    persons = with_age(city.persons)

    def kinds(condition: pl.Expr, column: str) -> set[str]:
        return set(persons.filter(condition)[column])

    assert kinds(pl.col("age").is_between(7, 14), "student") == {"compulsory"}
    assert kinds(pl.col("age") < 6, "student") == {"none"}
    assert kinds(pl.col("age") < 16, "employment") == {"not_working"}
    assert kinds(pl.col("age") >= 30, "student") <= {"none"}
    assert "retired" in kinds(pl.col("age") >= 60, "employment")


def test_phones_are_missing_for_children_under_12(city: SyntheticCity) -> None:
    persons = with_age(city.persons)

    assert (
        persons.filter(pl.col("age") < 12)["phone"].null_count()
        == persons.filter(pl.col("age") < 12).height
    )
    assert persons.filter(pl.col("age").is_between(18, 59))["phone"].null_count() == 0


def test_incomes_are_non_negative_and_in_fen(city: SyntheticCity) -> None:
    incomes = city.persons.select(pl.col("^income_.*$"))

    assert incomes.select(pl.all().min()).row(0) >= (0.0,) * incomes.width
    assert (
        incomes.select(((pl.all() * 100).round(0) - pl.all() * 100).abs().max()).row(0)
        < (1e-6,) * incomes.width
    )


def test_population_is_calibrated_on_zhangjiagang(city: SyntheticCity) -> None:
    persons = with_age(city.persons)
    households = city.households
    elderly_alone = persons.filter(pl.col("lives_alone") & (pl.col("age") >= 60)).height

    assert households.height == 18_000
    assert 0.05 * 900_000 <= persons.height <= 0.05 * 940_000
    assert 2.5 <= persons.height / households.height <= 2.62
    assert 0.28 <= (persons["age"] >= 60).mean() <= 0.32
    assert 0.04 <= (persons["age"] >= 80).mean() <= 0.06
    assert 0.04 <= persons["disability_category"].is_not_null().mean() <= 0.06
    assert 0.01 <= persons["serious_illness"].mean() <= 0.02
    assert 0.01 <= elderly_alone / households.height <= 0.02


def test_low_income_tail_has_the_intended_size(city: SyntheticCity) -> None:
    income = household_income(city)
    persons = city.persons.height
    poor = income.filter(pl.col("per_capita") < DIBAO_STANDARD_2025)["size"].sum()
    edge = income.filter(pl.col("per_capita").is_between(DIBAO_STANDARD_2025, EDGE_LINE, "left"))

    assert 0.0045 <= poor / persons <= 0.0055
    assert 0.0045 <= edge["size"].sum() / persons <= 0.0055


def test_poor_households_are_vulnerable_and_hold_little(city: SyntheticCity) -> None:
    income = household_income(city).join(city.households, on=["household_id"])
    vulnerable = city.persons.group_by("household_id").agg(
        disabled=pl.col("disability_category").is_not_null().any(),
        ill=pl.col("serious_illness").any(),
    )
    income = income.join(vulnerable, on="household_id")
    poor = income.filter(pl.col("per_capita") < DIBAO_STANDARD_2025)
    other = income.filter(pl.col("per_capita") >= EDGE_LINE)
    cars = pl.col("vehicles").list.eval(pl.element().struct.field("kind") == "car").list.any()

    assert (poor["assets_financial"] / poor["size"]).max() < 3000
    assert poor.select(cars.sum()).item() == 0
    assert poor["disabled"].mean() > 2 * other["disabled"].mean()
    assert poor["ill"].mean() > 2 * other["ill"].mean()


def test_vehicles_homes_and_emergencies_use_the_contract_enums(city: SyntheticCity) -> None:
    households = city.households
    vehicles = households.select(pl.col("vehicles").explode()).drop_nulls().unnest("vehicles")
    homes = households.select(pl.col("homes").explode()).drop_nulls().unnest("homes")
    emergencies = households.filter(pl.col("emergency_kind").is_not_null())

    assert set(vehicles["kind"]) <= {"car", "truck", "motorcycle", "engineering", "other"}
    assert set(vehicles["purpose"]) <= {"private", "disability_aid", "livelihood"}
    assert set(homes["use"]) <= {"residential", "commercial", "office", "other"}
    assert set(emergencies["emergency_kind"]) <= EMERGENCY_KINDS
    assert (households["emergency_loss"].is_null() == households["emergency_kind"].is_null()).all()
    assert 0 < emergencies.height < 0.01 * households.height


def test_parquet_round_trip_keeps_columns_and_types(
    small_city: SyntheticCity, tmp_path: Path
) -> None:
    write_parquet(small_city, tmp_path)

    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "divisions.parquet",
        "households.parquet",
        "persons.parquet",
    ]
    assert pl.read_parquet(tmp_path / "persons.parquet").equals(small_city.persons)
    assert pl.read_parquet(tmp_path / "households.parquet").equals(small_city.households)
    assert pl.read_parquet(tmp_path / "divisions.parquet").equals(small_city.divisions)
    assert dict(pl.read_parquet_schema(tmp_path / "persons.parquet")) == PERSON_SCHEMA
    assert dict(pl.read_parquet_schema(tmp_path / "households.parquet")) == HOUSEHOLD_SCHEMA


def test_scale_must_be_positive() -> None:
    with pytest.raises(ValueError, match="scale must be positive"):
        generate(scale=0)
