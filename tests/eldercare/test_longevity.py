"""尊老金 without application: the monthly run, the town lists, confirmation, death and moves."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minzheng.audit.models import AuditEvent
from minzheng.eldercare.entitlement_models import (
    LongevityEnrolment,
    LongevityLine,
    LongevityList,
)
from minzheng.eldercare.entitlements import (
    entitlement_death_effects,
    entitlement_leave_city_effects,
    longevity_due,
    longevity_list_confirm,
    longevity_month_prepare,
)
from minzheng.eldercare.errors import EldercareError
from minzheng.registry.models import Division, Household, Membership, Person
from tests.conftest import (
    TANGQIAO_VILLAGE,
    YANGSHE,
    YANGSHE_VILLAGE,
    make_id_number,
    verified_login,
)

NOV = dt.date(2026, 11, 1)
DEC = dt.date(2026, 12, 1)
TODAY = dt.date(2026, 11, 28)
_sequence = itertools.count(101)


def elder_person(
    name: str,
    birth: dt.date,
    *,
    village: str = YANGSHE_VILLAGE,
    hukou: str | None = None,
    died: dt.date | None = None,
) -> Person:
    """A person in a one-person household of the village (registry rows as a load leaves them)."""
    number = next(_sequence)
    person = Person(
        name=name,
        sex="male",
        birth_date=birth,
        hukou_division_id=hukou or village,
        residence_division_id=village,
        death_date=died,
    )
    person.id_number = make_id_number(f"{birth:%Y%m%d}", number % 1000)
    person.save()
    household = Household.objects.create(
        number=f"ZJGL{number:08d}", address="测试地址", division_id=village, head=person
    )
    Membership.objects.create(
        household=household,
        person=person,
        relation="head",
        valid_from=dt.date(2000, 1, 1),
        valid_to=died,
        end_reason="death" if died else "",
    )
    return person


def _lines(month: dt.date, town: str = YANGSHE) -> dict[str, tuple[str, Decimal]]:
    return {
        line.person.name: (line.kind, line.amount)
        for line in LongevityLine.objects.filter(
            list__month=month, list__division_code=town
        ).select_related("person")
    }


@pytest.fixture
def elders(divisions: None) -> dict[str, Person]:
    Division.objects.create(code="320581001", name="常熟市虞山街道", kind="street")
    return {
        "turns80": elder_person("满八十", dt.date(1946, 11, 30)),
        "next_month": elder_person("下月满八十", dt.date(1946, 12, 1)),
        "ninety": elder_person("九十岁", dt.date(1936, 3, 5)),
        "turns90": elder_person("满九十", dt.date(1936, 12, 20)),
        "hundred": elder_person("百岁", dt.date(1925, 1, 1)),
        "dead": elder_person("已故", dt.date(1930, 1, 1), died=dt.date(2026, 10, 3)),
        "outsider": elder_person("外地户籍", dt.date(1930, 1, 1), hukou="320581001"),
        "young": elder_person("七十九", dt.date(1947, 6, 1)),
        "tangqiao": elder_person("塘桥老人", dt.date(1940, 2, 2), village=TANGQIAO_VILLAGE),
    }


def test_the_run_enrols_the_living_local_80_plus_from_their_birthday_month(elders, eldercare_staff):
    result = longevity_month_prepare(acting_user=eldercare_staff, month=NOV, today=TODAY)

    assert _lines(NOV) == {
        "满八十": ("new", Decimal("50.00")),
        "九十岁": ("new", Decimal("100.00")),
        "满九十": ("new", Decimal("50.00")),
        "百岁": ("new", Decimal("300.00")),
    }
    assert _lines(NOV, "320582101") == {"塘桥老人": ("new", Decimal("50.00"))}
    assert (result.lists, result.counts["new"], result.total) == (2, 5, Decimal("550.00"))
    enrolment = LongevityEnrolment.objects.get(person=elders["turns80"])
    assert (enrolment.min_age, enrolment.amount, enrolment.valid_from, enrolment.valid_to) == (
        80,
        Decimal("50.00"),
        NOV,
        None,
    )
    event = AuditEvent.objects.filter(action="eldercare.longevity.prepare").get()
    assert event.data["new"] == 5


def test_the_next_month_continues_adds_re_bands_and_stops_on_death(elders, eldercare_staff):
    longevity_month_prepare(acting_user=eldercare_staff, month=NOV, today=TODAY)
    Person.objects.filter(pk=elders["ninety"].pk).update(death_date=NOV)  # as the bundle does
    lines = entitlement_death_effects(acting_user=eldercare_staff, person=elders["ninety"], on=NOV)

    longevity_month_prepare(acting_user=eldercare_staff, month=DEC, today=TODAY)

    assert _lines(DEC) == {
        "满八十": ("continued", Decimal("50.00")),
        "下月满八十": ("new", Decimal("50.00")),
        "九十岁": ("stopped", Decimal("0.00")),
        "满九十": ("changed", Decimal("100.00")),
        "百岁": ("continued", Decimal("300.00")),
    }
    rows = LongevityEnrolment.objects.filter(person=elders["turns90"]).order_by("valid_from")
    assert [(row.min_age, row.valid_from, row.valid_to, row.end_reason) for row in rows] == [
        (80, NOV, NOV, "band"),
        (90, DEC, None, ""),
    ]
    assert lines == ["尊老金：2026-11后停发（2026-11-01死亡）"]
    stopped = LongevityLine.objects.get(list__month=DEC, person=elders["ninety"])
    assert stopped.reason == "死亡（2026-11-01）"


def test_a_death_recorded_only_in_the_registry_stops_the_allowance_the_month_after(
    elders, eldercare_staff
):
    longevity_month_prepare(acting_user=eldercare_staff, month=NOV, today=TODAY)
    Person.objects.filter(pk=elders["hundred"].pk).update(death_date=dt.date(2026, 11, 15))

    longevity_month_prepare(acting_user=eldercare_staff, month=DEC, today=TODAY)

    row = LongevityEnrolment.objects.get(person=elders["hundred"])
    assert (row.valid_to, row.end_reason) == (NOV, "death")
    assert _lines(DEC)["百岁"] == ("stopped", Decimal("0.00"))


def test_leaving_the_city_stops_the_allowance_after_the_month_left(elders, eldercare_staff):
    longevity_month_prepare(acting_user=eldercare_staff, month=NOV, today=TODAY)
    person = elders["turns80"]
    Membership.objects.filter(person=person).update(
        valid_to=dt.date(2026, 11, 10), end_reason="moved"
    )

    lines = entitlement_leave_city_effects(
        acting_user=eldercare_staff, person=person, on=dt.date(2026, 11, 10)
    )
    longevity_month_prepare(acting_user=eldercare_staff, month=DEC, today=TODAY)

    assert lines == ["尊老金：2026-11后停发（2026-11-10户籍迁出本市）"]
    assert _lines(DEC)["满八十"] == ("stopped", Decimal("0.00"))
    assert LongevityLine.objects.get(list__month=DEC, person=person).reason == "户籍迁出本市"


def test_running_a_month_again_changes_nothing(elders, eldercare_staff):
    longevity_month_prepare(acting_user=eldercare_staff, month=NOV, today=TODAY)
    before = list(LongevityEnrolment.objects.order_by("pk").values_list())

    result = longevity_month_prepare(acting_user=None, month=NOV, today=TODAY)

    assert list(LongevityEnrolment.objects.order_by("pk").values_list()) == before
    assert (result.counts["new"], LongevityLine.objects.count()) == (5, 5)


def test_the_town_confirms_its_own_list_and_it_is_frozen(
    elders, eldercare_staff, yangshe_clerk, tangqiao_clerk, city_admin
):
    longevity_month_prepare(acting_user=eldercare_staff, month=NOV, today=TODAY)
    yangshe = LongevityList.objects.get(month=NOV, division_code=YANGSHE)

    for outsider in (tangqiao_clerk, city_admin):
        with pytest.raises(PermissionDenied):
            longevity_list_confirm(acting_user=outsider, longevity_list=yangshe)
    longevity_list_confirm(acting_user=yangshe_clerk, longevity_list=yangshe)
    with pytest.raises(EldercareError, match="已于"):
        longevity_list_confirm(acting_user=yangshe_clerk, longevity_list=yangshe)
    # A death recorded late: the confirmed list and its people stay as they were this month.
    Person.objects.filter(pk=elders["hundred"].pk).update(death_date=dt.date(2026, 10, 2))
    result = longevity_month_prepare(acting_user=None, month=NOV, today=TODAY)

    yangshe.refresh_from_db()
    assert (yangshe.state, yangshe.confirmed_by, result.frozen) == (
        "confirmed",
        yangshe_clerk,
        [YANGSHE],
    )
    assert _lines(NOV)["百岁"] == ("new", Decimal("300.00"))
    event = AuditEvent.objects.filter(action="eldercare.longevity.confirm").get()
    assert (event.actor_username, event.division_code) == ("yangshe_clerk", YANGSHE)


def test_bad_months_and_other_users_are_refused_and_nothing_changes(
    elders, eldercare_staff, yangshe_clerk
):
    with pytest.raises(PermissionDenied):
        longevity_month_prepare(acting_user=yangshe_clerk, month=NOV, today=TODAY)
    with pytest.raises(EldercareError, match="本月或下月"):
        longevity_month_prepare(acting_user=None, month=dt.date(2027, 1, 1), today=TODAY)
    longevity_month_prepare(acting_user=None, month=DEC, today=TODAY)
    with pytest.raises(EldercareError, match="更晚月份"):
        longevity_month_prepare(acting_user=None, month=NOV, today=TODAY)

    assert LongevityList.objects.filter(month=NOV).count() == 0


def test_the_command_prepares_a_month_and_refuses_a_bad_one(elders, eldercare_staff, capsys):
    call_command(
        "longevity",
        "prepare",
        "--month",
        "2026-11",
        "--on",
        "2026-11-28",
        "--user",
        "eldercare_staff",
    )
    out = capsys.readouterr().out
    assert "新增 new 5" in out

    with pytest.raises(SystemExit) as exit_info:
        call_command("longevity", "prepare", "--month", "2026-13")
    assert exit_info.value.code == 2
    assert "YYYY-MM" in capsys.readouterr().err


def test_the_run_takes_a_fixed_number_of_queries(elders, django_assert_num_queries):
    # Below 5,000 rows per table whatever the number of persons. PostgreSQL: one more for the
    # audit chain's lock, and its COPY streams are not counted as queries.
    expected = {"sqlite": 13, "postgresql": 12}[connection.vendor]
    with django_assert_num_queries(expected):
        longevity_month_prepare(acting_user=None, month=NOV, today=TODAY)


# --- properties -----------------------------------------------------------------------------

# The bands have values from 2011-01: the month before an 80th birthday is then in force.
BIRTHS = st.dates(min_value=dt.date(1931, 2, 1), max_value=dt.date(1960, 12, 31))


def _month_of(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


def _band(birth: dt.date, month: dt.date, **kwargs: object) -> tuple[int, float]:
    min_ages, amounts = longevity_due(
        birth_dates=[birth],
        is_local=[kwargs.get("local", True)],
        is_deceased=[kwargs.get("dead", False)],
        month=month,
    )
    return int(min_ages[0]), float(amounts[0])


@given(birth=BIRTHS)
def test_the_band_starts_in_the_birthday_month_of_the_80th_90th_and_100th_birthday(birth):
    for age, amount in ((80, 50.0), (90, 100.0), (100, 300.0)):
        month = _month_of(birth.year + age, birth.month)
        before = dt.date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)
        assert _band(birth, month) == (age, amount)
        assert _band(birth, before)[0] < age


@given(birth=BIRTHS, dead=st.booleans(), local=st.booleans())
def test_nobody_dead_or_non_local_is_due(birth, dead, local):
    min_age, amount = _band(birth, NOV, dead=dead, local=local)
    if dead or not local:
        assert (min_age, amount) == (0, 0.0)
    assert amount >= 0


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    people=st.lists(
        st.tuples(
            st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(1950, 12, 31)),
            st.sampled_from(["alive", "dead", "outsider", "left"]),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_the_run_enrols_exactly_the_living_local_persons_of_age(divisions, people):
    LongevityLine.objects.all().delete()
    LongevityList.objects.all().delete()
    LongevityEnrolment.objects.all().delete()
    Membership.objects.all().delete()
    Household.objects.all().delete()
    Person.objects.all().delete()
    Division.objects.get_or_create(
        code="320581001", defaults={"name": "常熟市虞山街道", "kind": "street"}
    )
    expected = set()
    for number, (birth, status) in enumerate(people):
        person = elder_person(
            f"老人{number}",
            birth,
            hukou="320581001" if status == "outsider" else None,
            died=dt.date(2026, 10, 31) if status == "dead" else None,
        )
        if status == "left":
            Membership.objects.filter(person=person).update(
                valid_to=dt.date(2026, 10, 15), end_reason="moved"
            )
        months = (2026 * 12 + 11) - (birth.year * 12 + birth.month)
        if status == "alive" and months >= 80 * 12:
            expected.add(person.pk)

    longevity_month_prepare(acting_user=None, month=NOV, today=TODAY)

    enrolled = set(LongevityEnrolment.objects.values_list("person_id", flat=True))
    assert enrolled == expected
    for row in LongevityEnrolment.objects.select_related("person"):
        birth = row.person.birth_date
        assert row.valid_from == NOV
        age = ((2026 * 12 + 11) - (birth.year * 12 + birth.month)) // 12
        assert row.min_age == (100 if age >= 100 else 90 if age >= 90 else 80)


def test_the_city_overview_shows_each_towns_confirmation(
    client, elders, eldercare_staff, yangshe_clerk
):
    longevity_month_prepare(acting_user=None, month=NOV, today=TODAY)
    verified_login(client, yangshe_clerk)
    confirmed = client.post(f"/eldercare/longevity/{YANGSHE}/2026-11/")
    city = verified_login(Client(), eldercare_staff)

    page = city.get("/eldercare/longevity/?month=2026-11").content.decode()

    assert confirmed["Location"] == f"/eldercare/longevity/{YANGSHE}/2026-11/"
    assert page.count("待确认") == 1  # 塘桥镇
    assert page.count("已确认") == 1  # 杨舍镇
    assert page.count("无名单") == 9  # the other towns have no one enrolled
