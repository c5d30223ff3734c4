from __future__ import annotations

import datetime as dt

from minzheng.registry.selectors import population_stats, years_before
from minzheng.registry.services import PersonIn, household_add_member
from tests.conftest import make_id_number

AS_OF = dt.date(2026, 11, 28)


def test_population_stats_by_town_band_and_sex(family, tangqiao_family, city_admin) -> None:
    stats = population_stats(user=city_admin, as_of=AS_OF)
    assert [(t.code, t.population, t.aged_60_plus, t.aged_80_plus) for t in stats.towns] == [
        ("320582100", 3, 2, 0),
        ("320582101", 1, 1, 1),
    ]
    nonzero = {band: counts for band, counts in enumerate(stats.pyramid) if counts != (0, 0)}
    # head 66 male (65-69), spouse 64 female (60-64), child 36 male (35-39), 赵敏 81 female
    assert nonzero == {13: (1, 0), 12: (0, 1), 7: (1, 0), 16: (0, 1)}


def test_population_stats_are_scoped_and_leave_out_the_dead(
    family, tangqiao_family, yangshe_clerk
) -> None:
    from minzheng.registry.services import person_record_death

    person_record_death(
        acting_user=yangshe_clerk, person=family.head, death_date=dt.date(2025, 1, 1)
    )
    stats = population_stats(user=yangshe_clerk, as_of=AS_OF)
    assert [(t.code, t.population, t.aged_60_plus) for t in stats.towns] == [("320582100", 2, 1)]


def test_a_sixtieth_birthday_on_the_day_counts_as_sixty(family, yangshe_clerk) -> None:
    born = years_before(AS_OF, 60)
    household_add_member(
        acting_user=yangshe_clerk,
        household=family,
        person=PersonIn(name="生日", id_number=make_id_number(f"{born:%Y%m%d}", 91)),
        relation="other",
    )
    day_before = population_stats(user=yangshe_clerk, as_of=AS_OF - dt.timedelta(days=1))
    on_the_day = population_stats(user=yangshe_clerk, as_of=AS_OF)
    assert on_the_day.aged_60_plus == day_before.aged_60_plus + 1


def test_years_before_turns_29_february_into_28() -> None:
    assert years_before(dt.date(2024, 2, 29), 1) == dt.date(2023, 2, 28)
