"""The ageing statistics and bulletin: exact figures of a small hand-made population, the Word
document, parts with no data, who may read it."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from docx import Document
from hypothesis import given
from hypothesis import strategies as st

from minzheng.accounts.models import BusinessLine, Role, User
from minzheng.audit.models import AuditEvent
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import (
    Assessment,
    Caregiver,
    Provider,
    ServiceItem,
    ServicePlan,
    Settlement,
    WorkOrder,
)
from minzheng.eldercare.report import (
    NO_DATA,
    NO_FONT_NOTE,
    ageing_bulletin,
    bulletin_docx,
    bulletin_export,
    percent,
    report_year,
)
from minzheng.registry.models import Person
from minzheng.registry.services import HouseholdIn, MemberIn, PersonIn, household_register
from tests.conftest import TANGQIAO_VILLAGE, YANGSHE_VILLAGE, _user, make_id_number, verified_login

TODAY = dt.date(2026, 11, 28)
YEAR = 2025

# (name, birth date, sequence: odd = male, village, death date)
POPULATION = (
    ("甲", "19651231", 11, YANGSHE_VILLAGE, None),  # 60 on 31 Dec 2025: the first band
    ("乙", "19660101", 12, YANGSHE_VILLAGE, None),  # 59
    ("丙", "19450601", 14, YANGSHE_VILLAGE, None),  # 80
    ("丁", "19250303", 13, YANGSHE_VILLAGE, None),  # 100
    ("戊", "19600505", 15, YANGSHE_VILLAGE, dt.date(2025, 6, 1)),  # died in the year
    ("己", "19600505", 16, YANGSHE_VILLAGE, dt.date(2026, 2, 1)),  # alive at the end: 65
    ("庚", "19500101", 17, TANGQIAO_VILLAGE, None),  # 75
    ("辛", "19900101", 18, TANGQIAO_VILLAGE, None),  # 35
)


@pytest.fixture
def population(yangshe_clerk: User, tangqiao_clerk: User) -> dict[str, Person]:
    persons = {}
    for index, (name, birth, sequence, village, died) in enumerate(POPULATION):
        clerk = yangshe_clerk if village == YANGSHE_VILLAGE else tangqiao_clerk
        household = household_register(
            acting_user=clerk,
            data=HouseholdIn(
                number=f"ZJG0000009{index:02d}",
                address="合成社区 第9幢",
                division_code=village,
                members=(
                    MemberIn(
                        PersonIn(name=name, id_number=make_id_number(birth, sequence)), "head"
                    ),
                ),
            ),
            on=dt.date(2024, 1, 1),
        )
        person = household.head
        if died:
            Person.objects.filter(pk=person.pk).update(death_date=died)
        persons[name] = person
    return persons


@pytest.fixture
def reader(divisions: None) -> User:
    user = _user("city_eldercare", Role.CITY_STAFF, "320582")
    user.business_line = BusinessLine.ELDERCARE
    user.save()
    return user


def _assess(person: Person, on: dt.date, level: int, recorder: User) -> Assessment:
    return Assessment.objects.create(
        person=person,
        division_code=person.residence_division_id,
        assessed_on=on,
        reason="regular",
        assessors="张评估、王评估",
        recorded_by=recorder,
        items={},
        total=(90, 70, 50, 35, 10)[level],
        domain_totals={},
        score_level=level,
        level=level,
        next_due_on=on + dt.timedelta(days=365),
    )


@pytest.fixture
def services(population: dict[str, Person], reader: User) -> list[WorkOrder]:
    provider = Provider.objects.create(
        name="颐康居家养老", credit_code="52320582MJ0000009X", division_code="320582"
    )
    caregiver = Caregiver.objects.create(provider=provider, name="护理员甲", skill_level="4")
    cleaning = ServiceItem.objects.create(
        code="R1",
        name="居室保洁",
        category="助洁",
        minutes=60,
        min_minutes=40,
        price=Decimal("45.00"),
    )
    bathing = ServiceItem.objects.create(
        code="R2", name="助浴", category="助浴", minutes=60, min_minutes=40, price=Decimal("80.50")
    )
    orders = []
    for index, (name, item, day, state) in enumerate(
        (
            ("丙", cleaning, dt.date(2025, 3, 1), "done"),
            ("丙", bathing, dt.date(2025, 4, 1), "done"),
            ("丁", cleaning, dt.date(2025, 5, 1), "done"),
            ("丁", cleaning, dt.date(2025, 6, 1), "refused"),
            ("丁", cleaning, dt.date(2025, 7, 1), "planned"),
            ("丙", bathing, dt.date(2026, 1, 5), "done"),  # another year
        )
    ):
        person = population[name]
        plan, _created = ServicePlan.objects.get_or_create(
            person=person,
            provider=provider,
            defaults={
                "division_code": person.residence_division_id,
                "valid_from": dt.date(2025, 1, 1),
                "monthly_budget": Decimal("500.00"),
                "created_by": reader,
            },
        )
        orders.append(
            WorkOrder.objects.create(
                number=f"WO-R-{index}",
                plan=plan,
                item=item,
                person=person,
                provider=provider,
                caregiver=caregiver,
                division_code=plan.division_code,
                scheduled_on=day,
                state=state,
                amount=item.price,
            )
        )
    Settlement.objects.create(
        provider=provider,
        month=dt.date(2025, 3, 1),
        orders_paid=1,
        orders_held=0,
        amount=Decimal("45.00"),
        lines=[],
        closed_by=reader,
    )
    return orders


def _section(bulletin, key):
    return next(section for section in bulletin.sections if section.key == key)


def _table(bulletin, key):
    return next(
        table for section in bulletin.sections for table in section.tables if table.key == key
    )


def test_population_is_counted_by_band_town_and_sex_at_the_end_of_the_year(population, reader):
    bulletin = ageing_bulletin(user=reader, year=YEAR, today=TODAY)

    assert bulletin.as_of == dt.date(2025, 12, 31)
    assert {
        name: bulletin.figures[name]
        for name in (
            "population",
            "elderly",
            "elderly_share",
            "aged",
            "aged_share",
            "oldest_old",
            "oldest_old_share",
            "centenarians",
            "elderly_male",
            "elderly_female",
        )
    } == {
        "population": 7,  # 戊 died in the year
        "elderly": 5,
        "elderly_share": Decimal("71.43"),
        "aged": 4,
        "aged_share": Decimal("57.14"),
        "oldest_old": 2,
        "oldest_old_share": Decimal("28.57"),
        "centenarians": 1,
        "elderly_male": 3,
        "elderly_female": 2,
    }
    assert _table(bulletin, "population_bands").rows == (
        ("60—64岁", 1, 0, 1, Decimal("20.00")),
        ("65—69岁", 0, 1, 1, Decimal("20.00")),
        ("70—74岁", 0, 0, 0, Decimal("0.00")),
        ("75—79岁", 1, 0, 1, Decimal("20.00")),
        ("80—84岁", 0, 1, 1, Decimal("20.00")),
        ("85—89岁", 0, 0, 0, Decimal("0.00")),
        ("90—94岁", 0, 0, 0, Decimal("0.00")),
        ("95—99岁", 0, 0, 0, Decimal("0.00")),
        ("100岁及以上", 1, 0, 1, Decimal("20.00")),
        ("合计", 3, 2, 5, Decimal("100.00")),
    )
    assert _table(bulletin, "population_towns").rows == (
        ("杨舍镇", 5, 4, Decimal("80.00"), 2, 2, 3, 2, Decimal("40.00")),
        ("塘桥镇", 2, 1, Decimal("50.00"), 1, 0, 1, 0, Decimal("0.00")),
        ("合计", 7, 5, Decimal("71.43"), 3, 2, 4, 2, Decimal("28.57")),
    )
    assert (
        _section(bulletin, "population")
        .paragraphs[0]
        .startswith("截至2025年底，全市登记人口7人，其中60周岁及以上老年人口5人，占总人口的71.43%")
    )


def test_a_person_becomes_60_in_the_year_of_the_sixtieth_birthday(population, reader):
    """甲 (born 31 Dec 1965) is 59 at the end of 2024 and 60 at the end of 2025; 戊 and 己 (born
    1960) are 64 at the end of 2024 and 65 at the end of 2025 (戊 dead by then)."""
    before = ageing_bulletin(user=reader, year=2024, today=TODAY)
    after = ageing_bulletin(user=reader, year=2025, today=TODAY)

    assert _table(before, "population_bands").rows[0] == ("60—64岁", 1, 1, 2, Decimal("40.00"))
    assert _table(after, "population_bands").rows[0] == ("60—64岁", 1, 0, 1, Decimal("20.00"))


def test_ability_levels_count_each_living_persons_latest_assessment(population, reader):
    _assess(population["丙"], dt.date(2024, 5, 1), 1, reader)
    _assess(population["丙"], dt.date(2025, 5, 1), 3, reader)  # the latest in 2025
    _assess(population["丙"], dt.date(2026, 2, 1), 4, reader)  # after the year: not counted
    _assess(population["庚"], dt.date(2025, 8, 1), 0, reader)
    _assess(population["戊"], dt.date(2025, 1, 1), 4, reader)  # died in 2025: not counted

    bulletin = ageing_bulletin(user=reader, year=YEAR, today=TODAY)

    assert _table(bulletin, "ability_levels").rows == (
        ("能力完好", 1, Decimal("50.00")),
        ("能力轻度受损（轻度失能）", 0, Decimal("0.00")),
        ("能力中度受损（中度失能）", 0, Decimal("0.00")),
        ("能力重度受损（重度失能）", 1, Decimal("50.00")),
        ("能力完全丧失（完全失能）", 0, Decimal("0.00")),
        ("合计", 2, Decimal("100.00")),
    )
    assert _table(bulletin, "ability_towns").rows == (
        ("杨舍镇", 0, 0, 0, 1, 0, 1),
        ("塘桥镇", 1, 0, 0, 0, 0, 1),
        ("合计", 1, 0, 0, 1, 0, 2),
    )
    assert bulletin.figures["assessments_in_year"] == 2  # 丙 and 庚 in 2025 (戊 is dead)
    assert bulletin.figures["moderately_disabled_or_worse"] == 1


def test_home_services_count_the_years_done_visits_by_category(services, reader):
    bulletin = ageing_bulletin(user=reader, year=YEAR, today=TODAY)

    assert _table(bulletin, "home_service_categories").rows == (
        ("助洁", 2, 2, Decimal("90.00")),
        ("助浴", 1, 1, Decimal("80.50")),
        ("合计", 3, 2, Decimal("170.50")),
    )
    assert bulletin.figures["home_settled_amount"] == Decimal("45.00")
    assert "经监管核实不予结算1次" in _section(bulletin, "home_service").paragraphs[0]


def test_a_part_with_no_data_says_so_instead_of_failing(reader):
    bulletin = ageing_bulletin(user=reader, year=YEAR, today=TODAY)

    assert [(section.key, section.has_data) for section in bulletin.sections] == [
        ("population", False),
        ("ability", False),
        ("entitlement", False),
        ("home_service", False),
        ("meal", False),
        ("care", False),
        ("institution", False),
    ]
    assert all(section.paragraphs == (NO_DATA,) for section in bulletin.sections)
    text = "\n".join(
        paragraph.text for paragraph in Document(io.BytesIO(bulletin_docx(bulletin))).paragraphs
    )
    assert text.count(NO_DATA) == 7
    assert NO_FONT_NOTE not in text  # no charts, nothing to say about fonts


def test_the_bulletin_opens_in_word_with_its_tables_and_charts(services, reader):
    _assess(services[0].person, dt.date(2025, 5, 1), 2, reader)
    bulletin = ageing_bulletin(user=reader, year=YEAR, today=TODAY)

    document = Document(io.BytesIO(bulletin_docx(bulletin)))

    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "张家港市2025年老龄工作公报" in text
    assert "截至2025年底，全市登记人口7人，其中60周岁及以上老年人口5人" in text
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[:4] == [
        "一、老年人口",
        "二、老年人能力评估",
        "三、老年福利补贴",
        "四、居家上门服务",
    ]
    assert len(document.tables) == 5  # bands, towns, levels, levels by town, home services
    bands = document.tables[0]
    assert [cell.text for cell in bands.rows[0].cells] == [
        "年龄段",
        "男",
        "女",
        "合计",
        "占老年人口(%)",
    ]
    assert [cell.text for cell in bands.rows[-1].cells] == ["合计", "3", "2", "5", "100.00"]
    assert [cell.text for cell in document.tables[4].rows[-1].cells] == ["合计", "3", "2", "170.50"]
    assert len(document.inline_shapes) == len(bulletin.charts) == 4
    assert "表1  2025年底老年人口年龄构成" in text
    assert NO_FONT_NOTE not in text


def test_without_a_chinese_font_the_bulletin_says_so_once_and_keeps_the_tables(population, reader):
    bulletin = ageing_bulletin(user=reader, year=YEAR, today=TODAY)

    document = Document(io.BytesIO(bulletin_docx(bulletin, font=None)))

    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert text.count(NO_FONT_NOTE) == 1
    assert len(document.inline_shapes) == 0
    assert len(document.tables) == 2


def test_the_current_year_says_how_far_its_data_goes(population, reader):
    bulletin = ageing_bulletin(user=reader, year=2026, today=TODAY)

    assert bulletin.data_until == TODAY
    text = "\n".join(
        p.text for p in Document(io.BytesIO(bulletin_docx(bulletin, font=None))).paragraphs
    )
    assert "数据截至2026年11月28日" in text


@pytest.mark.parametrize("role", [Role.CITY_ADMIN, Role.AUDITOR])
def test_the_city_administrator_and_the_auditor_read_the_bulletin(divisions, role):
    user = _user(f"reader_{role}", role, "320582")

    assert ageing_bulletin(user=user, year=YEAR, today=TODAY).year == YEAR


@pytest.mark.parametrize(
    ("role", "division", "line"),
    [
        (Role.TOWN_CLERK, "320582100", ""),
        (Role.TOWN_APPROVER, "320582100", ""),
        (Role.VILLAGE_WORKER, YANGSHE_VILLAGE, ""),
        (Role.PROVIDER, "320582", ""),
        (Role.CITY_STAFF, "320582", BusinessLine.ASSISTANCE),
    ],
)
def test_towns_villages_providers_and_other_lines_may_not_read_the_city_bulletin(
    divisions, role, division, line
):
    user = _user(f"denied_{role}", role, division)
    user.business_line = line
    user.save()

    with pytest.raises(PermissionDenied):
        ageing_bulletin(user=user, year=YEAR, today=TODAY)
    with pytest.raises(PermissionDenied):
        bulletin_export(user=user, year=YEAR, today=TODAY)
    assert not AuditEvent.objects.filter(action="eldercare.report.export").exists()


def test_an_export_is_audited(population, reader):
    exported = bulletin_export(user=reader, year=YEAR, today=TODAY)

    event = AuditEvent.objects.filter(action="eldercare.report.export").get()
    assert event.actor == reader
    assert event.data["year"] == YEAR
    assert exported.name == "ageing-bulletin-2025.docx"


@given(st.integers(min_value=2000, max_value=TODAY.year))
def test_every_year_from_2000_to_this_year_is_accepted(year):
    assert report_year(str(year), today=TODAY) == year
    assert report_year(year, today=TODAY) == year


@given(
    st.one_of(
        st.integers(max_value=1999),
        st.integers(min_value=TODAY.year + 1),
        st.text().filter(lambda text: not (text.strip().isascii() and text.strip().isdigit())),
    )
)
def test_any_other_year_is_refused_in_chinese_and_english(value):
    with pytest.raises(EldercareError) as raised:
        report_year(value, today=TODAY)
    ((field, zh, en),) = raised.value.problems
    assert field == "year"
    assert "统计年度应为2000年至2026年之间的四位年份" in zh
    assert "four-digit year" in en


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=10**6))
def test_a_share_is_between_0_and_100_with_two_places(part, extra):
    whole = part + extra
    share = percent(part, whole)
    assert Decimal(0) <= share <= Decimal(100)
    assert share.as_tuple().exponent == -2
    assert abs(share - Decimal(part) * 100 / Decimal(whole)) <= Decimal("0.005")


# --- the page and the API ---------------------------------------------------------------------


def test_the_page_shows_the_figures_and_a_download(population, reader):
    client = verified_login(Client(), reader)

    response = client.get("/eldercare/report/", {"year": "2025"})

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="table-population_towns"' in page
    assert "截至2025年底，全市登记人口7人" in page
    assert 'href="/eldercare/report/2025.docx"' in page
    assert 'id="chart-population_bands"' in page
    assert "eldercare/report.js" in page


def test_the_page_shows_a_bad_year_in_chinese_and_no_figures(population, reader):
    client = verified_login(Client(), reader)

    response = client.get("/eldercare/report/", {"year": "20x5"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "统计年度应为2000年至2026年之间的四位年份" in page
    assert 'id="table-population_towns"' not in page


def test_the_download_is_a_word_document_and_audited(population, reader):
    client = verified_login(Client(), reader)

    response = client.get("/eldercare/report/2025.docx")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="ageing-bulletin-2025.docx"'
    assert len(Document(io.BytesIO(response.content)).tables) == 2
    assert AuditEvent.objects.filter(action="eldercare.report.export", actor=reader).count() == 1


def test_a_town_clerk_gets_403_on_the_page_and_the_download(population, yangshe_clerk):
    client = verified_login(Client(), yangshe_clerk)

    assert client.get("/eldercare/report/").status_code == 403
    assert client.get("/eldercare/report/2025.docx").status_code == 403
    assert not AuditEvent.objects.filter(action="eldercare.report.export").exists()


def test_the_api_returns_the_figures_as_json(population, reader):
    client = verified_login(Client(), reader)

    response = client.get("/api/eldercare/report/ageing", {"year": "2025"})

    assert response.status_code == 200
    body = response.json()
    assert body["figures"]["elderly"] == 5
    assert body["figures"]["elderly_share"] == "71.43"
    towns = next(t for s in body["sections"] for t in s["tables"] if t["key"] == "population_towns")
    assert towns["rows"][-1] == ["合计", 7, 5, "71.43", 3, 2, 4, 2, "28.57"]


def test_the_api_refuses_a_bad_year_with_422(population, reader):
    client = verified_login(Client(), reader)

    response = client.get("/api/eldercare/report/ageing/docx", {"year": "1999"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "year"
    assert not AuditEvent.objects.filter(action="eldercare.report.export").exists()


def test_the_api_returns_the_word_document(population, reader):
    client = verified_login(Client(), reader)

    response = client.get("/api/eldercare/report/ageing/docx", {"year": "2025"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert len(Document(io.BytesIO(response.content)).tables) == 2
