"""The bulletin's sections of the other parts (entitlements, meals, care visits and alarms,
institutions): exact figures from a few rows of each part's tables."""

# The population, the reader and the home services are test_report's fixtures, imported.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from docx import Document

from minzheng.eldercare.models import (
    Alarm,
    CareTier,
    Device,
    Institution,
    LedgerEntry,
    LongevityEnrolment,
    LongevityList,
    MealPoint,
    MealRecord,
    MealRegistration,
    Provider,
    Resident,
)
from minzheng.eldercare.report import NO_DATA, _guarded, ageing_bulletin, bulletin_docx
from tests.eldercare.test_report import (  # noqa: F401 - fixtures
    TODAY,
    YEAR,
    _assess,
    population,
    reader,
    services,
)

D = Decimal


@pytest.fixture
def parts(population, reader):
    old, oldest, tangqiao = population["丙"], population["丁"], population["庚"]
    # Longevity allowance: 丙 from June (80), 丁 (100) since 2020; 丁's old band ended in 2024.
    for person, min_age, amount, valid_from, valid_to in (
        (old, 80, "50.00", dt.date(2025, 6, 1), None),
        (oldest, 100, "300.00", dt.date(2020, 1, 1), None),
        (oldest, 90, "100.00", dt.date(2015, 1, 1), dt.date(2019, 12, 1)),
    ):
        LongevityEnrolment.objects.create(
            person=person,
            division_code=person.residence_division_id,
            min_age=min_age,
            amount=D(amount),
            valid_from=valid_from,
            valid_to=valid_to,
        )
    for state, total in (("confirmed", "350.00"), ("prepared", "999.00")):
        LongevityList.objects.create(
            month=dt.date(2025, 6 if state == "confirmed" else 7, 1),
            division_code="320582100",
            state=state,
            total=D(total),
            prepared_at=timezone.now(),
            confirmed_at=timezone.now() if state == "confirmed" else None,
            confirmed_by=reader if state == "confirmed" else None,
        )
    # Meals: 丙 twice on one day (the second over the day's limit), 庚 once; one in 2026.
    point = MealPoint.objects.create(
        name="合成社区老年食堂",
        division_code="320582100",
        address="合成社区",
        capacity=50,
        created_by=reader,
    )
    MealRegistration.objects.create(
        person=old,
        point=point,
        division_code=old.residence_division_id,
        valid_from=dt.date(2025, 1, 1),
        registered_by=reader,
    )
    for person, day, meal, category, subsidy, own, status in (
        (old, dt.date(2025, 3, 2), "lunch", "age_80", "5.00", "10.00", "subsidised"),
        (old, dt.date(2025, 3, 2), "dinner", "age_80", "0.00", "15.00", "over_limit"),
        (tangqiao, dt.date(2025, 4, 1), "lunch", "age_60", "3.00", "12.00", "subsidised"),
        (tangqiao, dt.date(2026, 1, 2), "lunch", "age_60", "3.00", "12.00", "subsidised"),
    ):
        MealRecord.objects.create(
            person=person,
            point=point,
            division_code=person.residence_division_id,
            served_on=day,
            meal=meal,
            price=D(subsidy) + D(own),
            category=category,
            subsidy=D(subsidy),
            own_payment=D(own),
            subsidy_status=status,
            recorded_by=reader,
        )
    # Care: 丙 high risk all year; 庚's tier ended in June. One SOS alarm, arrived in time.
    CareTier.objects.create(
        person=old,
        division_code=old.residence_division_id,
        tier="high",
        valid_from=dt.date(2025, 1, 1),
    )
    CareTier.objects.create(
        person=tangqiao,
        division_code=tangqiao.residence_division_id,
        tier="general",
        valid_from=dt.date(2025, 1, 1),
        valid_to=dt.date(2025, 6, 30),
    )
    provider = Provider.objects.create(
        name="安康呼叫中心", credit_code="52320582MJ0000019X", division_code="320582"
    )
    device = Device.objects.create(
        person=old,
        division_code=old.residence_division_id,
        device_type="sos",
        serial="SOS-0001",
        installed_on=dt.date(2025, 1, 1),
        provider=provider,
    )
    opened = dt.datetime(2025, 5, 1, 10, tzinfo=timezone.get_current_timezone())
    Alarm.objects.create(
        number="BJ0001",
        device=device,
        person=old,
        provider=provider,
        division_code=old.residence_division_id,
        kind="sos",
        state="closed",
        opened_at=opened,
        arrive_by=opened + dt.timedelta(minutes=15),
        last_event_at=opened,
        arrived_at=opened + dt.timedelta(minutes=12),
        closed_at=opened + dt.timedelta(hours=1),
    )
    # Institutions: 丁 lives in a public home; 庚 left in June. Deposits 3,000 in, 1,000 out.
    home = Institution.objects.create(
        name="杨舍镇敬老院",
        credit_code="12320582MB0000001X",
        division_code="320582100",
        kind="public",
        beds_total=100,
        nursing_beds=60,
    )
    stays = []
    for person, admitted, discharged in (
        (oldest, dt.date(2024, 1, 1), None),
        (tangqiao, dt.date(2024, 1, 1), dt.date(2025, 6, 1)),
    ):
        stays.append(
            Resident.objects.create(
                institution=home,
                person=person,
                division_code="320582100",
                admitted_on=admitted,
                bed_number=f"{len(stays) + 1:03d}",
                monthly_fee=D("3000.00"),
                discharged_on=discharged,
            )
        )
    for is_inflow, kind, amount in ((True, "receipt", "3000.00"), (False, "refund", "1000.00")):
        LedgerEntry.objects.create(
            institution=home,
            resident=stays[1],
            division_code="320582100",
            fund="deposit",
            kind=kind,
            is_inflow=is_inflow,
            amount=D(amount),
            on=dt.date(2025, 3, 1),
            recorded_by=reader,
        )


def _table(bulletin, key):
    return next(
        table for section in bulletin.sections for table in section.tables if table.key == key
    )


def test_entitlements_count_december_and_the_confirmed_lists(parts, reader):
    bulletin = ageing_bulletin(user=reader, year=YEAR, today=TODAY)

    assert _table(bulletin, "longevity_bands").rows == (
        ("80—89岁", 1, D("50.00")),
        ("90—99岁", 0, D("0.00")),
        ("100岁及以上", 1, D("300.00")),
        ("合计", 2, D("350.00")),
    )
    assert bulletin.figures["longevity_paid"] == D("350.00")  # the confirmed list only


def test_meals_count_the_years_meals_by_category(parts, reader):
    bulletin = ageing_bulletin(user=reader, year=YEAR, today=TODAY)

    assert _table(bulletin, "meal_categories").rows == (
        ("80周岁以上老人", 2, 1, D("5.00"), D("25.00")),
        ("60周岁以上老人", 1, 1, D("3.00"), D("12.00")),
        ("合计", 3, 2, D("8.00"), D("37.00")),
    )
    section = next(s for s in bulletin.sections if s.key == "meal")
    assert "不予补贴1餐次" in section.paragraphs[0]


def test_care_counts_tiers_at_the_end_of_the_year_and_the_years_alarms(parts, reader):
    bulletin = ageing_bulletin(user=reader, year=YEAR, today=TODAY)

    assert _table(bulletin, "care_tiers").rows == (
        ("高风险", 1),
        ("重点", 0),
        ("一般", 0),
        ("合计", 1),
    )
    assert _table(bulletin, "care_alarms").rows[0] == ("紧急呼叫（一键呼）", 1, 1, 1, 0, 1)
    assert _table(bulletin, "care_alarms").rows[-1] == ("合计", 1, 1, 1, 0, 1)


def test_institutions_count_beds_residents_and_fees_held(parts, reader):
    bulletin = ageing_bulletin(user=reader, year=YEAR, today=TODAY)

    assert _table(bulletin, "institution_kinds").rows == (
        ("公办", 1, 100, 60, 1, D("1.00")),
        ("合计", 1, 100, 60, 1, D("1.00")),
    )
    section = next(s for s in bulletin.sections if s.key == "institution")
    assert "年末机构预收押金余额2,000.00元、会员费余额0.00元" in section.paragraphs[1]


def test_every_section_has_data_and_the_document_shows_them(parts, reader):
    bulletin = ageing_bulletin(user=reader, year=YEAR, today=TODAY)

    assert [section.key for section in bulletin.sections if not section.has_data] == [
        "ability",
        "home_service",
    ]
    document = Document(io.BytesIO(bulletin_docx(bulletin)))
    assert (
        len(document.tables) == 2 + 3 + 1 + 3 + 1
    )  # population, entitlements, meals, care, institutions
    assert len(document.inline_shapes) == len(bulletin.charts) == 2 + 1 + 1 + 1 + 1


def test_the_figures_take_a_fixed_number_of_queries(
    parts,
    services,
    reader,
    django_assert_num_queries,
):
    """Every section with data: the count does not grow with the population."""
    _assess(services[0].person, dt.date(2025, 5, 1), 2, reader)
    with django_assert_num_queries(32):
        bulletin = ageing_bulletin(user=reader, year=YEAR, today=TODAY)

    assert all(section.has_data for section in bulletin.sections)


def test_a_part_whose_tables_changed_leaves_the_bulletin_whole(reader, caplog):
    """A section of another part that names a field its model no longer has says 本年度暂无数据."""

    def meal_section(context):
        return MealRecord.objects.filter(no_such_field=1).count()

    section, figures = _guarded(meal_section, None)

    assert (section.key, section.title, section.has_data) == ("meal", "五、老年助餐", False)
    assert section.paragraphs == (NO_DATA,)
    assert figures == {}
    assert "section meal left empty" in caplog.text
