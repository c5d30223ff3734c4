"""Every YAML case under minzheng/rules/cases, one test each, named by its rule and source."""

from __future__ import annotations

import pytest

from minzheng.rules.cases import Case, load_cases, run_case

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[f"{case.file}: {case.name}" for case in CASES])
def test_case(case: Case):
    assert run_case(case) == []


def test_every_dated_parameter_change_of_a_standard_has_cases_on_both_sides():
    months = {(case.file, case.as_of) for case in CASES}
    for file, before, after in [
        ("dibao.yaml", "2024-06", "2024-07"),
        ("dibao.yaml", "2025-06", "2025-07"),
        ("dibao.yaml", "2026-06", "2026-07"),
        ("dibao_edge.yaml", "2025-06", "2025-07"),
        ("orphan_allowance.yaml", "2025-06", "2025-07"),
        ("disability.yaml", "2025-06", "2025-07"),
        ("longevity_allowance.yaml", "2025-06", "2025-07"),
        ("rigid_expenditure.yaml", "2024-12", "2025-01"),
        ("rigid_expenditure.yaml", "2024-10", "2024-11"),
        ("extreme_poverty.yaml", "2025-06", "2025-07"),
    ]:
        assert (file, before) in months, (file, before)
        assert (file, after) in months, (file, after)


def test_a_wrong_expectation_is_reported():
    case = CASES[0]
    wrong = Case(case.file, case.name, case.as_of, case.household, {"dibao_amount": 1}, None)
    assert run_case(wrong) != []
