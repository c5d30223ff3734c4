"""GB/T 42195-2022 scoring: totals, levels by score, adjustments, and errors naming items."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minzheng.rules.ability import (
    ITEM_MAXIMA,
    ITEMS,
    MAX_TOTAL,
    ScoreError,
    ability_score,
    level_of_total,
)

FULL = {number: maximum for number, _, maximum in ITEMS}
items_strategy = st.fixed_dictionaries(
    {number: st.integers(0, maximum) for number, _, maximum in ITEMS}
)


def test_the_standard_has_26_items_in_4_domains_worth_90_points():
    assert len(ITEMS) == 26
    assert MAX_TOTAL == 90
    by_domain = {}
    for number, _, maximum in ITEMS:
        by_domain[number[:3]] = by_domain.get(number[:3], 0) + maximum
    assert by_domain == {"B.1": 32, "B.2": 15, "B.3": 28, "B.4": 15}


@pytest.mark.parametrize(
    ("total", "level"),
    [(90, 0), (89, 1), (66, 1), (65, 2), (46, 2), (45, 3), (30, 3), (29, 4), (0, 4)],
)
def test_the_level_bands_on_both_sides_of_each_boundary(total, level):
    assert level_of_total(total) == level


def test_full_marks_are_intact_and_no_adjustment_applies():
    score = ability_score(FULL)
    assert (score.total, score.score_level, score.level, score.adjustments) == (90, 0, 0, [])


def test_coma_is_completely_lost_whatever_the_score():
    score = ability_score(FULL, coma=True, dementia=True, risk_events_30d=5)
    assert (score.score_level, score.level) == (0, 4)
    assert score.adjustments == ["处于昏迷状态，直接评定为能力完全丧失"]


def test_dementia_and_two_risk_events_each_raise_one_level():
    items = {**FULL, "B.1.1": 0}  # 86: level 1
    assert ability_score(items, dementia=True).level == 2
    assert ability_score(items, risk_events_30d=2).level == 2
    assert ability_score(items, risk_events_30d=1).level == 1
    assert ability_score(items, dementia=True, risk_events_30d=2).level == 3


def test_every_problem_names_its_item():
    items = {**FULL, "B.2.4": 4, "B.9.9": 1}
    del items["B.3.7"]
    with pytest.raises(ScoreError) as raised:
        ability_score(items)
    assert sorted(item for item, _, _ in raised.value.problems) == ["B.2.4", "B.3.7", "B.9.9"]


@pytest.mark.parametrize("bad", [-1, 5, 2.5, "3", None, True])
def test_a_score_that_is_not_a_whole_number_in_range_is_refused(bad):
    with pytest.raises(ScoreError) as raised:
        ability_score({**FULL, "B.1.1": bad})
    assert [item for item, _, _ in raised.value.problems] == ["B.1.1"]


@given(items_strategy, st.booleans(), st.integers(0, 5))
def test_total_is_the_sum_and_level_never_below_the_score_level(items, dementia, events):
    score = ability_score(items, dementia=dementia, risk_events_30d=events)
    assert score.total == sum(items.values()) == sum(score.domain_totals.values())
    assert score.score_level == level_of_total(score.total)
    assert score.score_level <= score.level <= min(4, score.score_level + 2)
    assert len(score.adjustments) == score.level - score.score_level or score.level == 4


@given(items_strategy, st.sampled_from(sorted(ITEM_MAXIMA)))
def test_a_higher_score_on_one_item_never_gives_a_worse_level(items, number):
    if items[number] < ITEM_MAXIMA[number]:
        better = {**items, number: items[number] + 1}
        assert ability_score(better).score_level <= ability_score(items).score_level
