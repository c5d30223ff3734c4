"""The engine: memoised on-demand formulas, declared parameters, missing inputs, screening."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from minzheng.rules import MissingInputError, ParameterMissingError, screen
from minzheng.rules.engine import PERSON, VARIABLES, Simulation, formula, is_in, round_money
from minzheng.rules.parameters import parameters_at
from minzheng.synth.generate import generate


def _simulation() -> Simulation:
    return Simulation(
        persons={"deceased": np.array([False, True, False])},
        households={},
        household_index=np.array([0, 0, 1]),
        household_count=2,
        parameters=parameters_at("2026-01"),
        as_of_year=2026,
        as_of_month=1,
    )


def test_round_money_rounds_half_up_to_the_fen():
    assert round_money(np.array([0.35 * 1208, 1.005, 2.675, 0.0])).tolist() == [
        422.8,
        1.01,
        2.68,
        0.0,
    ]


def test_is_in_matches_a_few_codes():
    assert is_in(np.array([-1, 0, 2, 5], dtype=np.int8), (0, 5)).tolist() == [
        False,
        True,
        False,
        True,
    ]


def test_aggregations_follow_the_household_index():
    sim = _simulation()
    assert sim.household_count_of(sim("alive")).tolist() == [1, 1]
    assert sim.household_sum(np.array([1.0, 2.0, 4.0])).tolist() == [3.0, 4.0]
    assert sim.household_any(np.array([False, True, False])).tolist() == [True, False]
    assert sim.household_all(np.array([True, True, False])).tolist() == [True, False]
    assert sim.to_persons(np.array([10, 20])).tolist() == [10, 10, 20]


def test_a_formula_reading_an_undeclared_parameter_is_an_error():
    @formula(entity=PERSON, label="测试", text="测试")
    def reads_undeclared(sim: Simulation) -> np.ndarray:
        return np.full(3, sim.parameter("dibao.standard"))

    try:
        with pytest.raises(RuntimeError, match=r"undeclared parameter dibao\.standard"):
            _simulation()("reads_undeclared")
    finally:
        del VARIABLES["reads_undeclared"]


def test_a_missing_input_is_named():
    with pytest.raises(MissingInputError) as caught:
        _simulation()("counted_income")
    assert caught.value.name == "income_wages"


def test_screen_gives_one_row_per_household_and_programme_on_the_synthetic_city():
    city = generate(scale=0.002, seed=3)
    result = screen(city.persons, city.households, "2026-01")
    assert result.skipped == {}
    assert result.frame.height == city.households.height * 9
    assert result.frame.columns == [
        "household_id",
        "program",
        "eligible",
        "monthly_amount",
        "one_off_amount",
    ]
    dibao = result.frame.filter(pl.col("program") == "dibao")
    assert dibao.filter(~pl.col("eligible"))["monthly_amount"].max() == 0.0
    assert dibao["eligible"].sum() == 7  # scale 0.002, seed 3, 2026-01


def test_screen_skips_programmes_whose_inputs_the_frames_lack():
    city = generate(scale=0.002, seed=3)
    persons = city.persons.select(
        "household_id",
        "relation",
        "birth_date",
        "hukou_local",
        "deceased",
        "disability_category",
        "disability_grade",
        "disability_valid_to",
        "serious_illness",
    )
    households = city.households.select("household_id")
    result = screen(persons, households, "2026-01", skip_missing_inputs=True)
    assert set(result.frame["program"].unique()) == {"longevity_allowance"}
    assert set(result.skipped) == {
        "dibao",
        "dibao_edge",
        "rigid_expenditure",
        "extreme_poverty",
        "temporary_assistance",
        "disability_living_subsidy",
        "disability_care_subsidy",
        "orphan_allowance",
    }
    with pytest.raises(MissingInputError):
        screen(persons, households, "2026-01")


def test_screen_refuses_a_month_without_parameters():
    city = generate(scale=0.002, seed=3)
    with pytest.raises(ParameterMissingError):
        screen(city.persons, city.households, "2022-03")


def test_an_expired_disability_certificate_counts_as_none():
    city = generate(scale=0.002, seed=3)
    expired = city.persons.with_columns(
        pl.lit(None, dtype=pl.String).alias("disability_category"),
        pl.lit(None, dtype=pl.Int8).alias("disability_grade"),
    )
    as_none = screen(expired, city.households, "2026-01").frame
    lapsed = city.persons.with_columns(
        pl.when(pl.col("disability_grade").is_not_null())
        .then(pl.date(2025, 12, 31))
        .otherwise(pl.col("disability_valid_to"))
        .alias("disability_valid_to")
    )
    as_lapsed = screen(lapsed, city.households, "2026-01").frame
    assert as_none.equals(as_lapsed)


def test_assess_of_each_synthetic_household_agrees_with_screening_it():
    from minzheng.rules import assess
    from minzheng.rules.inputs import requests_from_frames

    city = generate(scale=0.001, seed=4)
    screened = screen(city.persons, city.households, "2026-01").frame
    requests = requests_from_frames(city.persons, city.households, as_of="2026-01")
    assert len(requests) == city.households.height
    for row in screened.iter_rows(named=True):
        program = assess(requests[row["household_id"]])["programs"][row["program"]]
        assert (program["eligible"], program["monthly_amount"]) == (
            row["eligible"],
            row["monthly_amount"],
        ), (row["household_id"], row["program"])
