"""Visit tiers: the rule (properties), the bulk assignment, the office's override."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import given, settings
from hypothesis import strategies as st

from minzheng.assistance.models import AssistanceCase
from minzheng.audit.models import AuditEvent
from minzheng.eldercare.care import (
    TierInputs,
    risk_tier_override,
    risk_tier_rule,
    risk_tiers_assign,
)
from minzheng.eldercare.care_models import CareTier
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import Assessment, ElderProfile
from tests.conftest import YANGSHE_VILLAGE

NOVEMBER = dt.date(2026, 11, 1)
RANK = {"": 0, "general": 1, "key": 2, "high": 3}

elders = st.fixed_dictionaries(
    {
        "age": st.integers(0, 110),
        "alone_or_empty_nest": st.booleans(),
        "dementia": st.booleans(),
        "serious_illness": st.booleans(),
        "ability_level": st.integers(-1, 4),
        "severe_disability": st.booleans(),
        "extreme_poverty": st.booleans(),
        "dibao": st.booleans(),
    }
)


def _inputs(rows: list[dict]) -> TierInputs:
    return TierInputs(
        **{
            name: np.array([row[name] for row in rows], dtype=type(rows[0][name]))
            for name in rows[0]
        }
    )


def _tier(row: dict) -> str:
    return str(risk_tier_rule(_inputs([row]), high_risk_age=80, key_ability_level=2)[0])


@given(st.lists(elders, min_size=1, max_size=40))
def test_the_tier_of_a_city_is_the_tier_of_each_elder_alone(rows):
    batch = risk_tier_rule(_inputs(rows), high_risk_age=80, key_ability_level=2)

    assert [str(tier) for tier in batch] == [_tier(row) for row in rows]


@given(elders)
def test_only_elders_alone_in_an_empty_nest_or_on_assistance_are_covered(row):
    covered = row["age"] >= 60 and (
        row["alone_or_empty_nest"] or row["extreme_poverty"] or row["dibao"]
    )

    assert (_tier(row) != "") == covered


@given(elders, st.sampled_from(["dementia", "serious_illness", "severe_disability"]))
def test_a_further_risk_never_lowers_the_tier(row, risk):
    worse = {**row, risk: True, "ability_level": max(row["ability_level"], 0)}
    before = {**row, "ability_level": max(row["ability_level"], 0)}

    assert RANK[_tier(worse)] >= RANK[_tier(before)]


@given(elders, st.integers(0, 30))
def test_growing_older_never_lowers_the_tier(row, years):
    assert RANK[_tier({**row, "age": row["age"] + years})] >= RANK[_tier(row)]


@settings(max_examples=50)
@given(st.integers(80, 110), st.booleans(), st.booleans())
def test_an_elder_of_80_alone_or_in_an_empty_nest_is_high_risk(age, dibao, disabled):
    row = {
        "age": age,
        "alone_or_empty_nest": True,
        "dementia": False,
        "serious_illness": False,
        "ability_level": 3 if disabled else 0,
        "severe_disability": False,
        "extreme_poverty": False,
        "dibao": dibao,
    }

    assert _tier(row) == "high"


def test_the_tiers_by_example():
    base = {
        "age": 70,
        "alone_or_empty_nest": False,
        "dementia": False,
        "serious_illness": False,
        "ability_level": -1,
        "severe_disability": False,
        "extreme_poverty": False,
        "dibao": True,
    }
    assert _tier(base) == "general"  # a dibao elder with no further risk
    assert _tier({**base, "ability_level": 1}) == "general"  # mildly impaired: not disabled
    assert _tier({**base, "ability_level": 2}) == "key"  # moderately disabled
    assert _tier({**base, "dibao": False, "extreme_poverty": True}) == "key"  # 分散特困
    assert _tier({**base, "dementia": True}) == "high"
    assert _tier({**base, "age": 79, "alone_or_empty_nest": True}) == "general"
    assert _tier({**base, "age": 80, "alone_or_empty_nest": True}) == "high"
    assert _tier({**base, "age": 59}) == ""


@pytest.fixture
def family_profiles(family):
    """王建国 (66) in an empty nest; 李秀英 (64, disability grade 2) in the same household."""
    members = {m.relation: m.person for m in family.memberships.select_related("person")}
    ElderProfile.objects.create(
        person=members["head"], division_code=YANGSHE_VILLAGE, empty_nest=True
    )
    return members


def test_the_bulk_assignment_gives_each_elder_of_the_group_a_tier(elder, family_profiles):
    result = risk_tiers_assign(acting_user=None, month=NOVEMBER)

    tiers = dict(CareTier.objects.values_list("person__name", "tier"))
    assert tiers == {"陈老伯": "high", "王建国": "general"}
    assert (result.covered, result.new, result.changed, result.ended) == (2, 2, 0, 0)
    assert ElderProfile.objects.get(person=elder).risk_tier == "high"
    assert CareTier.objects.get(person=elder).reasons == ["80周岁以上独居或空巢"]
    assert AuditEvent.objects.filter(action="eldercare.care.tiers_assign").count() == 1


def test_a_dibao_household_brings_its_elders_into_the_group(family, family_profiles, yangshe_clerk):
    AssistanceCase.objects.create(
        number="DB2026000001",
        program="dibao",
        household=family,
        applicant=family.head,
        division_code=YANGSHE_VILLAGE,
        state="active",
        channel="self",
        request={},
        start_month=dt.date(2026, 1, 1),
    )

    risk_tiers_assign(acting_user=None, month=NOVEMBER)

    tiers = dict(CareTier.objects.values_list("person__name", "tier"))
    # 李秀英: 64, dibao, severely disabled (grade 2): key; her profile is made for her.
    assert tiers == {"王建国": "general", "李秀英": "key"}
    assert ElderProfile.objects.get(person=family_profiles["spouse"]).risk_tier == "key"


def test_a_changed_tier_ends_the_old_row_and_an_unchanged_one_stays(
    elder, yangshe_clerk, family_profiles
):
    risk_tiers_assign(acting_user=None, month=dt.date(2026, 10, 1))
    Assessment.objects.create(
        person=family_profiles["head"],
        division_code=YANGSHE_VILLAGE,
        assessed_on=dt.date(2026, 10, 20),
        reason="initial",
        assessors="甲、乙",
        recorded_by=yangshe_clerk,
        items={},
        dementia=True,
        total=60,
        domain_totals={},
        score_level=2,
        level=3,
        next_due_on=dt.date(2027, 10, 20),
    )

    result = risk_tiers_assign(acting_user=None, month=NOVEMBER)

    rows = list(
        CareTier.objects.filter(person=family_profiles["head"])
        .order_by("valid_from")
        .values_list("tier", "valid_from", "valid_to")
    )
    assert rows == [
        ("general", dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
        ("high", NOVEMBER, None),
    ]
    assert (result.new, result.changed, result.ended) == (0, 1, 0)
    assert CareTier.objects.filter(person=elder).count() == 1


def test_the_office_overrides_a_tier_with_a_reason_and_the_rules_keep_it(elder, yangshe_clerk):
    risk_tiers_assign(acting_user=None, month=NOVEMBER)

    risk_tier_override(
        acting_user=yangshe_clerk,
        person=elder,
        tier="key",
        reason="子女已搬回同住，每日照看",
        on=dt.date(2026, 11, 10),
    )
    result = risk_tiers_assign(acting_user=None, month=dt.date(2026, 12, 1))

    current = CareTier.objects.get(person=elder, valid_to__isnull=True)
    assert (current.tier, current.is_override, current.valid_from) == (
        "key",
        True,
        dt.date(2026, 11, 10),
    )
    assert result.overrides_kept == 1
    event = AuditEvent.objects.filter(action="eldercare.care.tier_override").get()
    assert event.data["reason"] == "子女已搬回同住，每日照看"


def test_an_override_needs_a_reason_and_changes_nothing_without_one(elder, yangshe_clerk):
    risk_tiers_assign(acting_user=None, month=NOVEMBER)
    before = list(CareTier.objects.values_list("pk", "tier", "valid_to"))

    with pytest.raises(EldercareError) as caught:
        risk_tier_override(
            acting_user=yangshe_clerk, person=elder, tier="key", reason=" ", on=NOVEMBER
        )

    assert caught.value.problems[0][0] == "reason"
    assert list(CareTier.objects.values_list("pk", "tier", "valid_to")) == before


def test_another_town_may_not_override(elder, tangqiao_clerk):
    with pytest.raises(PermissionDenied):
        risk_tier_override(
            acting_user=tangqiao_clerk, person=elder, tier="general", reason="核实", on=NOVEMBER
        )

    assert CareTier.objects.count() == 0


def test_only_the_city_runs_the_bulk_assignment(yangshe_clerk, elder):
    with pytest.raises(PermissionDenied):
        risk_tiers_assign(acting_user=yangshe_clerk, month=NOVEMBER)

    assert CareTier.objects.count() == 0
