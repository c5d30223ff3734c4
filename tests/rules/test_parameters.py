"""The parameter files: every value dated and sourced, provisional ones explained, all read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from minzheng.rules.engine import VARIABLES
from minzheng.rules.parameters import (
    ParameterMissingError,
    all_parameters,
    parameters_at,
    sources,
)


def test_every_value_has_a_date_a_known_source_and_provisional_ones_a_reasoning():
    known = sources()
    for parameter in all_parameters().values():
        assert parameter.description, parameter.name
        for value in parameter.values:
            assert isinstance(value.valid_from, dt.date)
            assert value.source_ids
            assert all(source in known for source in value.source_ids)
            if value.provisional:
                assert len(value.reasoning) > 20, parameter.name


def test_every_declared_parameter_exists_and_every_parameter_is_read_by_a_formula():
    declared = {name for variable in VARIABLES.values() for name in variable.parameters}
    parameters = set(all_parameters())
    assert declared - parameters == set()
    # The others are for casework (reviews, monitoring, eldercare), read by the apps.
    apps = Path(__file__).resolve().parents[2] / "minzheng"
    casework = "".join(
        path.read_text(encoding="utf-8")
        for app in ("assistance", "eldercare")
        for path in (apps / app).glob("*.py")
    )
    unread = {name for name in parameters - declared if f'"{name}"' not in casework}
    assert unread == set()


def test_the_value_in_force_is_the_latest_on_or_before_the_first_of_the_month():
    assert parameters_at("2025-06").get("dibao.standard").value == 1155
    assert parameters_at("2025-07").get("dibao.standard").value == 1208
    assert parameters_at("2019-07").get("dibao.standard").value == 995


def test_a_period_whose_value_was_not_found_has_no_value():
    with pytest.raises(ParameterMissingError) as caught:
        parameters_at("2022-03").get("dibao.standard")
    assert caught.value.earliest == dt.date(2023, 7, 1)


def test_the_shared_policy_figures_are_the_parameters():
    """The standards of shared/policy/parameters.yaml (2025-07) are the ones in force."""
    values = {value.name: value.value for value in parameters_at("2025-07").values()}
    assert values["dibao.standard"] == 1208
    assert values["extreme_poverty.basic_living_standard"] == 1692
    assert values["extreme_poverty.care_standard.full_care"] == 1494
    assert values["extreme_poverty.care_standard.partial_care"] == 747
    assert values["extreme_poverty.care_standard.self_care"] == 249
    assert values["orphan_allowance.scattered_orphan_standard"] == 3120
    assert values["orphan_allowance.seriously_ill_or_disabled_standard"] == 1570
    assert values["disability_care_subsidy.monthly_amount"] == 160


def test_the_user_docs_list_every_provisional_parameter():
    text = (Path(__file__).resolve().parents[2] / "docs" / "calculator.zh.md").read_text()
    provisional = {
        parameter.name
        for parameter in all_parameters().values()
        if any(value.provisional for value in parameter.values)
    }
    assert {name for name in provisional if f"`{name}`" not in text} == set()
