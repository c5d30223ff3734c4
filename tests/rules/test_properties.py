"""Properties of the rules over random households (hypothesis)."""

from __future__ import annotations

import copy
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minzheng.rules import PROGRAM_CODES, assess, screen
from tests.rules.households import frames, household_requests

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(
    st.lists(household_requests(), min_size=1, max_size=4), st.sampled_from(["2025-07", "2026-11"])
)
def test_assess_and_screen_agree_on_every_programme(requests: list[dict[str, Any]], as_of: str):
    for request in requests:
        request["as_of"] = as_of
    persons, households = frames(requests)
    screened = screen(persons, households, as_of).frame
    assert screened.height == len(requests) * len(PROGRAM_CODES)
    for number, request in enumerate(requests):
        result = assess(request)
        rows = screened.filter(pl.col("household_id") == f"H{number:08d}")
        for row in rows.iter_rows(named=True):
            program = result["programs"][row["program"]]
            assert row["eligible"] == program["eligible"], row["program"]
            assert row["monthly_amount"] == program["monthly_amount"], row["program"]
            if "one_off_amount" in program:
                assert row["one_off_amount"] == program["one_off_amount"]


@SETTINGS
@given(household_requests())
def test_no_amount_is_negative_and_ineligible_means_zero(request: dict[str, Any]):
    result = assess(request)
    for code, program in result["programs"].items():
        assert program["monthly_amount"] >= 0, code
        assert program.get("one_off_amount", 0) >= 0, code
        if not program["eligible"]:
            assert program["monthly_amount"] == 0, code
        for member in program.get("members", []):
            assert member["monthly_amount"] > 0, code


def _with_more_income(request: dict[str, Any], member: int, extra: float) -> dict[str, Any]:
    richer = copy.deepcopy(request)
    income = richer["members"][member].setdefault("income", {})
    income["property"] = round(income.get("property", 0.0) + extra, 2)
    return richer


@SETTINGS
@given(
    household_requests(),
    st.integers(min_value=0, max_value=5),
    st.integers(min_value=1, max_value=300_000),
)
def test_dibao_and_extreme_poverty_together_never_rise_when_counted_income_rises(
    request: dict[str, Any], member: int, extra_fen: int
):
    """The household's subsistence cash: dibao plus extreme-poverty support.

    Each alone may rise: a child supported as 特困 whose own income reaches the standard leaves
    特困 and joins the household's dibao (特困人员认定办法: income below the standard), so dibao
    grows while the two together fall.
    """
    member = member % len(request["members"])
    before = assess(request)["programs"]
    after = assess(_with_more_income(request, member, extra_fen / 100))["programs"]

    def subsistence(programs: dict[str, Any]) -> float:
        return programs["dibao"]["monthly_amount"] + programs["extreme_poverty"]["monthly_amount"]

    assert subsistence(after) <= subsistence(before) + 1e-9
    if not before["extreme_poverty"]["eligible"]:
        assert after["dibao"]["monthly_amount"] <= before["dibao"]["monthly_amount"] + 1e-9


@SETTINGS
@given(household_requests())
def test_a_household_at_or_above_the_standard_gets_no_household_dibao(request: dict[str, Any]):
    result = assess(request)
    trace = {item["name"]: item["value"] for item in result["trace"]}
    standard = next(
        reference["value"]
        for reference in result["programs"]["dibao"]["references"]
        if reference["name"] == "dibao.standard"
    )
    if trace["dibao_income_per_capita"] >= standard:
        assert trace["dibao_household_eligible"] is False
        single = trace["dibao_single_person_eligible"]
        if not any(single.values()):
            assert result["programs"]["dibao"]["monthly_amount"] == 0
