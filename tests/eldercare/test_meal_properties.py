"""Properties of the meal subsidy and the meal import, whatever the order or content."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minzheng.eldercare import meals as services
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.meal_models import MealImport, MealRecord, SubsidyStatus
from tests.eldercare.conftest import ELDER_ID
from tests.eldercare.test_meals import OCT, TODAY, csv_file, point_make

CATEGORIES = services.meal_categories(on=OCT)
EVENTS = st.lists(
    st.tuples(st.sampled_from(["lunch", "dinner"]), st.integers(min_value=0, max_value=2)),
    min_size=1,
    max_size=8,
)


def test_the_categories_are_tried_in_order():
    assert [category.code for category in CATEGORIES] == [
        "extreme_poverty",
        "dibao",
        "dibao_edge",
        "age_80",
        "age_60",
    ]
    assert services.category_for(age=85, programs={"dibao"}, categories=CATEGORIES).code == "dibao"
    assert services.category_for(age=85, programs=set(), categories=CATEGORIES).code == "age_80"
    assert services.category_for(age=59, programs={"dibao"}, categories=CATEGORIES) is None


@given(
    category=st.sampled_from(CATEGORIES),
    events=EVENTS,
    prices=st.lists(st.decimals(min_value="0.01", max_value="50", places=2), min_size=8),
)
def test_the_subsidy_of_a_day_never_exceeds_the_daily_limit_in_any_order(category, events, prices):
    """Meals of one elder on one day, at up to three points, decided one after another."""
    day: list[tuple[str, int | None, bool]] = []
    total = Decimal("0.00")
    for index, (meal, _point) in enumerate(events):
        decided = services.subsidy_decide(
            category=category, meal=meal, price=prices[index], day_meals=day
        )
        assert Decimal("0") <= decided.subsidy <= min(category.subsidy, prices[index])
        day.append((meal, index, decided.status == SubsidyStatus.SUBSIDISED))
        total += decided.subsidy
    subsidised = [meal for meal, _, is_subsidised in day if is_subsidised]
    assert len(subsidised) <= category.daily_limit
    assert len(subsidised) == len(set(subsidised))  # never the same meal twice
    assert total <= category.subsidy * category.daily_limit
    # the first meal is always subsidised
    assert day[0][2]


@pytest.fixture
def two_points(yangshe_clerk, home_provider, other_provider, elder):
    points = [
        point_make(yangshe_clerk, "杨舍镇合成社区老年食堂", home_provider),
        point_make(yangshe_clerk, "杨舍镇合成村助餐点", other_provider),
    ]
    for point in points:
        services.meal_registration_create(
            acting_user=yangshe_clerk, point=point, person=elder, on=OCT
        )
    return points, elder


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(order=st.permutations([(0, "lunch"), (1, "lunch"), (0, "dinner"), (1, "dinner")]))
def test_recorded_meals_never_exceed_the_daily_limit_whatever_the_order(
    two_points, yangshe_clerk, order
):
    points, elder = two_points
    with transaction.atomic():
        for point_index, meal in order:
            services.meal_record_create(
                acting_user=yangshe_clerk,
                point=points[point_index],
                person=elder,
                served_on=OCT,
                meal=meal,
                price=Decimal("15.00"),
                today=TODAY,
            )
        records = list(MealRecord.objects.filter(person=elder, served_on=OCT))
        assert len(records) == 4
        assert sum(record.subsidy for record in records) == Decimal("5.00")  # 80+: 1 a day
        assert [record.subsidy_status for record in records].count("duplicate") == 1
        transaction.set_rollback(True)


ROW = st.fixed_dictionaries(
    {
        "day": st.integers(min_value=1, max_value=31),
        "meal": st.sampled_from(["午餐", "晚餐", "早餐"]),
        "price": st.sampled_from(["15", "12.5", "0", "abc", "-1"]),
        "id": st.sampled_from([ELDER_ID, "320582194001019999"]),
    }
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(ROW, min_size=1, max_size=6))
def test_an_import_records_all_its_rows_or_none(two_points, provider_manager, rows):
    points, _elder = two_points
    lines = [f"{row['id']},,2026-10-{row['day']:02d},{row['meal']},{row['price']}" for row in rows]
    keys = [(row["day"], row["meal"]) for row in rows]
    is_good = all(
        row["id"] == ELDER_ID and row["meal"] != "早餐" and row["price"] in {"15", "12.5"}
        for row in rows
    ) and len(set(keys)) == len(keys)
    with transaction.atomic():
        refused = None
        try:
            batch = services.meal_records_import(
                acting_user=provider_manager,
                point=points[0],
                content=csv_file(lines),
                filename="meals.csv",
                today=TODAY,
            )
        except EldercareError as error:
            refused = error
        if is_good:
            assert refused is None
            assert batch.records.count() == len(rows)
        else:
            assert refused is not None
            assert (MealRecord.objects.count(), MealImport.objects.count()) == (0, 0)
        transaction.set_rollback(True)
