"""老年助餐: meal points, registrations, meals with their subsidy, duplicates, imports,
settlements, death, scope."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import Workbook, load_workbook

from minzheng.accounts.models import User
from minzheng.alerts.models import Alert
from minzheng.assistance.demo import case_advance
from minzheng.assistance.services import case_apply
from minzheng.audit.models import AuditEvent
from minzheng.eldercare import meal_selectors as selectors
from minzheng.eldercare import meals as services
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.meal_models import (
    MealImport,
    MealPoint,
    MealRecord,
    MealRegistration,
    MealSettlement,
    SubsidyStatus,
)
from minzheng.eldercare.models import Provider
from minzheng.registry.models import Person
from minzheng.registry.services import HouseholdIn, MemberIn, PersonIn, household_register
from tests.assistance.conftest import family_request
from tests.conftest import YANGSHE, YANGSHE_VILLAGE, YANGSHE_VILLAGE_2, make_id_number
from tests.eldercare.conftest import ELDER_ID

TODAY = dt.date(2026, 11, 28)
OCT = dt.date(2026, 10, 1)
ORDINARY_ID = make_id_number("19560704", 15)  # 70 in 2026
YOUNG_ID = make_id_number("19700101", 61)


def point_make(clerk: User, name: str, operator: Provider | None, division: str = YANGSHE):
    return services.meal_point_create(
        acting_user=clerk,
        data=services.MealPointIn(
            name=name,
            division_code=division,
            address="杨舍镇人民路1号",
            capacity=80,
            operator_id=None if operator is None else operator.pk,
        ),
    )


@pytest.fixture
def point(yangshe_clerk: User, home_provider: Provider) -> MealPoint:
    return point_make(yangshe_clerk, "杨舍镇合成社区老年食堂", home_provider)


@pytest.fixture
def second_point(yangshe_clerk: User, other_provider: Provider) -> MealPoint:
    return point_make(yangshe_clerk, "杨舍镇合成村助餐点", other_provider, YANGSHE_VILLAGE_2)


@pytest.fixture
def ordinary(yangshe_clerk: User) -> Person:
    """孙大妈, 70, no assistance: the ordinary 60+ category."""
    household = household_register(
        acting_user=yangshe_clerk,
        data=HouseholdIn(
            number="ZJG000000070",
            address="杨舍镇合成社区01 第7幢701室",
            division_code=YANGSHE_VILLAGE,
            members=(MemberIn(PersonIn(name="孙大妈", id_number=ORDINARY_ID), "head"),),
        ),
        on=dt.date(2024, 1, 1),
    )
    return household.head


@pytest.fixture
def registered(point: MealPoint, elder: Person, yangshe_clerk: User) -> MealRegistration:
    return services.meal_registration_create(
        acting_user=yangshe_clerk, point=point, person=elder, on=dt.date(2026, 9, 1)
    )


def record(user, point, person, day, meal="lunch", price="15.00"):
    return services.meal_record_create(
        acting_user=user,
        point=point,
        person=person,
        served_on=day,
        meal=meal,
        price=Decimal(price),
        today=TODAY,
    )


def csv_file(rows: list[str]) -> bytes:
    return ("公民身份号码,姓名,就餐日期,餐次,餐费\n" + "\n".join(rows) + "\n").encode()


def state() -> tuple[int, int, int, int, int, int]:
    return (
        MealPoint.objects.count(),
        MealRegistration.objects.count(),
        MealRecord.objects.count(),
        MealImport.objects.count(),
        MealSettlement.objects.count(),
        AuditEvent.objects.count(),
    )


# --- meal points ------------------------------------------------------------------------------


def test_town_clerk_creates_a_meal_point_with_an_audit_event(yangshe_clerk, home_provider):
    point = point_make(yangshe_clerk, "杨舍镇合成社区老年食堂", home_provider)

    assert (point.division_code, point.operator, point.capacity, point.active) == (
        YANGSHE,
        home_provider,
        80,
        True,
    )
    event = AuditEvent.objects.order_by("-sequence").first()
    assert (event.action, event.actor_username) == ("eldercare.meal_point.create", "yangshe_clerk")


def test_a_meal_point_with_bad_input_names_every_problem_and_is_not_created(yangshe_clerk):
    before = state()
    with pytest.raises(EldercareError) as caught:
        services.meal_point_create(
            acting_user=yangshe_clerk,
            data=services.MealPointIn(
                name=" ", division_code="320582100999", address="", capacity=0, operator_id=999
            ),
        )
    assert [field for field, _, _ in caught.value.problems] == [
        "name",
        "address",
        "division_code",
        "capacity",
        "operator_id",
    ]
    assert state() == before


def test_another_towns_clerk_cannot_create_a_point_in_yangshe(tangqiao_clerk, divisions):
    before = state()
    with pytest.raises(PermissionDenied):
        point_make(tangqiao_clerk, "越权助餐点", None)
    assert state() == before


def test_a_village_worker_cannot_create_a_point(divisions):
    from minzheng.accounts.models import Role
    from tests.conftest import _user

    worker = _user("village_meal", Role.VILLAGE_WORKER, YANGSHE_VILLAGE)
    with pytest.raises(PermissionDenied):
        point_make(worker, "村助餐点", None, YANGSHE_VILLAGE)


# --- registrations ----------------------------------------------------------------------------


def test_an_elder_may_be_registered_with_two_points(point, second_point, elder, yangshe_clerk):
    services.meal_registration_create(acting_user=yangshe_clerk, point=point, person=elder, on=OCT)
    services.meal_registration_create(
        acting_user=yangshe_clerk, point=second_point, person=elder, on=OCT
    )

    assert MealRegistration.objects.filter(person=elder, valid_to__isnull=True).count() == 2


def test_a_second_open_registration_with_the_same_point_is_refused(registered, yangshe_clerk):
    before = state()
    with pytest.raises(EldercareError, match="已在本助餐点登记"):
        services.meal_registration_create(
            acting_user=yangshe_clerk, point=registered.point, person=registered.person, on=OCT
        )
    assert state() == before


def test_a_person_under_60_cannot_be_registered(point, family, yangshe_clerk):
    child = family.memberships.get(relation="child").person  # 36
    with pytest.raises(EldercareError, match="应年满60周岁"):
        services.meal_registration_create(
            acting_user=yangshe_clerk, point=point, person=child, on=OCT
        )
    assert not MealRegistration.objects.exists()


def test_a_dead_person_cannot_be_registered(point, elder, yangshe_clerk):
    Person.objects.filter(pk=elder.pk).update(death_date=dt.date(2026, 9, 30))
    elder.refresh_from_db()
    with pytest.raises(EldercareError, match="已死亡"):
        services.meal_registration_create(
            acting_user=yangshe_clerk, point=point, person=elder, on=OCT
        )


def test_a_provider_cannot_register_elders(point, elder, provider_manager):
    with pytest.raises(PermissionDenied):
        services.meal_registration_create(
            acting_user=provider_manager, point=point, person=elder, on=OCT
        )


def test_ending_a_registration_stops_later_meals(registered, yangshe_clerk, provider_manager):
    services.meal_registration_end(
        acting_user=yangshe_clerk, registration=registered, on=dt.date(2026, 10, 15), reason="搬家"
    )
    record(provider_manager, registered.point, registered.person, dt.date(2026, 10, 15))

    with pytest.raises(EldercareError, match="未在本助餐点登记"):
        record(provider_manager, registered.point, registered.person, dt.date(2026, 10, 16))


# --- meals and their subsidy --------------------------------------------------------------------


def test_an_80_year_old_gets_the_80_plus_subsidy(registered, provider_manager):
    meal = record(provider_manager, registered.point, registered.person, dt.date(2026, 10, 5))

    assert (meal.category, meal.subsidy, meal.own_payment, meal.subsidy_status) == (
        "age_80",
        Decimal("5.00"),
        Decimal("10.00"),
        SubsidyStatus.SUBSIDISED,
    )
    event = AuditEvent.objects.order_by("-sequence").first()
    assert (event.action, event.actor_username) == (
        "eldercare.meal_record.create",
        "yikang_manager",
    )


def test_an_ordinary_60_plus_elder_gets_the_ordinary_subsidy(point, ordinary, yangshe_clerk):
    services.meal_registration_create(
        acting_user=yangshe_clerk, point=point, person=ordinary, on=OCT
    )
    meal = record(yangshe_clerk, point, ordinary, dt.date(2026, 10, 5), price="12.50")

    assert (meal.category, meal.subsidy, meal.own_payment) == (
        "age_60",
        Decimal("3.00"),
        Decimal("9.50"),
    )


def test_a_dibao_elder_gets_the_dibao_subsidy_while_the_case_is_active(
    point, family, yangshe_clerk, yangshe_approver
):
    case = case_apply(
        acting_user=yangshe_clerk,
        household=family,
        applicant=family.head,
        program="dibao",
        request=family_request(),
        on=dt.date(2026, 8, 3),
    )
    case_advance(case, "active", yangshe_clerk, yangshe_approver, dt.date(2026, 8, 3), OCT)
    head = family.head  # 66
    services.meal_registration_create(
        acting_user=yangshe_clerk, point=point, person=head, on=dt.date(2026, 9, 1)
    )

    september = record(yangshe_clerk, point, head, dt.date(2026, 9, 20))
    october = record(yangshe_clerk, point, head, dt.date(2026, 10, 20))

    assert (september.category, september.subsidy) == ("age_60", Decimal("3.00"))
    assert (october.category, october.subsidy) == ("dibao", Decimal("8.00"))


def test_the_subsidy_is_never_more_than_the_price(registered, provider_manager):
    meal = record(provider_manager, registered.point, registered.person, OCT, price="4.00")

    assert (meal.subsidy, meal.own_payment) == (Decimal("4.00"), Decimal("0.00"))


def test_a_meal_at_a_point_the_elder_is_not_registered_with_is_refused(
    point, second_point, registered, yangshe_clerk
):
    before = state()
    with pytest.raises(EldercareError) as caught:
        record(yangshe_clerk, second_point, registered.person, OCT)
    assert caught.value.problems == [
        (
            "person",
            "该老人2026-10-01未在本助餐点登记，不能记录就餐",
            "the person is not registered with this meal point on that day",
        )
    ]
    assert state() == before


def test_a_meal_before_the_registration_is_refused(registered, provider_manager):
    with pytest.raises(EldercareError, match="未在本助餐点登记"):
        record(provider_manager, registered.point, registered.person, dt.date(2026, 8, 31))


def test_a_person_never_registered_gets_a_clear_error(point, provider_manager):
    with pytest.raises(EldercareError, match="未在本助餐点登记"):
        record(provider_manager, point, None, OCT)


def test_meals_after_the_death_date_are_refused_and_the_day_of_death_accepted(
    registered, provider_manager
):
    Person.objects.filter(pk=registered.person_id).update(death_date=dt.date(2026, 10, 10))
    elder = Person.objects.get(pk=registered.person_id)

    record(provider_manager, registered.point, elder, dt.date(2026, 10, 10))
    before = state()
    with pytest.raises(EldercareError, match="已于2026-10-10死亡"):
        record(provider_manager, registered.point, elder, dt.date(2026, 10, 11))
    assert state() == before


@pytest.mark.parametrize(
    ("day", "meal", "price", "field"),
    [
        (dt.date(2026, 11, 29), "lunch", "15.00", "served_on"),
        (OCT, "breakfast", "15.00", "meal"),
        (OCT, "lunch", "0.00", "price"),
        (OCT, "lunch", "-3.00", "price"),
        (OCT, "lunch", "1000.00", "price"),
        (OCT, "lunch", "15.005", "price"),
    ],
)
def test_each_bad_meal_is_refused_naming_its_field(
    registered, provider_manager, day, meal, price, field
):
    before = state()
    with pytest.raises(EldercareError) as caught:
        record(provider_manager, registered.point, registered.person, day, meal, price)
    assert [problem[0] for problem in caught.value.problems] == [field]
    assert state() == before


def test_the_same_meal_at_the_same_point_twice_is_refused(registered, provider_manager):
    record(provider_manager, registered.point, registered.person, OCT)
    before = state()
    with pytest.raises(EldercareError, match="已在本助餐点记录过"):
        record(provider_manager, registered.point, registered.person, OCT)
    assert state() == before


def test_the_same_meal_at_another_point_is_recorded_without_subsidy_and_alerted(
    point, second_point, elder, yangshe_clerk, provider_manager, other_manager
):
    for where in (point, second_point):
        services.meal_registration_create(
            acting_user=yangshe_clerk, point=where, person=elder, on=OCT
        )
    first = record(provider_manager, point, elder, OCT)
    second = record(other_manager, second_point, elder, OCT)

    assert (second.subsidy, second.own_payment, second.subsidy_status, second.duplicate_of) == (
        Decimal("0.00"),
        Decimal("15.00"),
        SubsidyStatus.DUPLICATE,
        first,
    )
    alert = Alert.objects.get(kind="eldercare.meal_duplicate")
    assert (alert.key, alert.division_code, alert.person_id) == (
        f"meal_duplicate:{elder.pk}:2026-10-01:lunch",
        YANGSHE_VILLAGE,
        elder.pk,
    )
    assert "杨舍镇合成社区老年食堂" in alert.reason


def test_a_second_meal_of_the_day_past_the_limit_is_not_subsidised_nor_alerted(
    point, second_point, elder, yangshe_clerk
):
    for where in (point, second_point):
        services.meal_registration_create(
            acting_user=yangshe_clerk, point=where, person=elder, on=OCT
        )
    record(yangshe_clerk, point, elder, OCT, "lunch")
    dinner = record(yangshe_clerk, second_point, elder, OCT, "dinner")

    assert (dinner.subsidy, dinner.subsidy_status) == (Decimal("0.00"), SubsidyStatus.OVER_LIMIT)
    assert not Alert.objects.exists()


def test_an_operator_records_only_at_its_own_point(registered, other_manager, provider_user):
    for user in (other_manager, provider_user):
        with pytest.raises(PermissionDenied):
            record(user, registered.point, registered.person, OCT)
    assert not MealRecord.objects.exists()


def test_another_towns_clerk_cannot_record_a_meal(registered, tangqiao_clerk):
    with pytest.raises(PermissionDenied):
        record(tangqiao_clerk, registered.point, registered.person, OCT)


# --- imports ----------------------------------------------------------------------------------


def test_an_import_records_every_row(registered, ordinary, yangshe_clerk, provider_manager):
    services.meal_registration_create(
        acting_user=yangshe_clerk, point=registered.point, person=ordinary, on=OCT
    )
    content = csv_file(
        [
            f"{ELDER_ID},陈老伯,2026-10-01,午餐,15",
            f"{ELDER_ID},陈老伯,2026/10/01,晚餐,15",
            f"{ORDINARY_ID},,20261002,午餐,12.5",
        ]
    )
    batch = services.meal_records_import(
        acting_user=provider_manager,
        point=registered.point,
        content=content,
        filename="10月.csv",
        today=TODAY,
    )

    assert (batch.rows, batch.duplicates) == (3, 0)
    assert list(
        MealRecord.objects.order_by("pk").values_list("meal", "subsidy", "subsidy_status")
    ) == [
        ("lunch", Decimal("5.00"), "subsidised"),
        ("dinner", Decimal("0.00"), "over_limit"),
        ("lunch", Decimal("3.00"), "subsidised"),
    ]
    event = AuditEvent.objects.order_by("-sequence").first()
    assert (event.action, event.data["rows"], event.data["subsidy"]) == (
        "eldercare.meal_record.import",
        3,
        "8.00",
    )


def test_an_xlsx_import_reads_dates_and_numbers(registered, provider_manager):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["公民身份号码", "姓名", "就餐日期", "餐次", "餐费"])
    sheet.append([ELDER_ID, "陈老伯", dt.date(2026, 10, 3), "午餐", 15])
    buffer = io.BytesIO()
    workbook.save(buffer)

    batch = services.meal_records_import(
        acting_user=provider_manager,
        point=registered.point,
        content=buffer.getvalue(),
        filename="meals.xlsx",
        today=TODAY,
    )

    assert batch.rows == 1
    assert MealRecord.objects.get().served_on == dt.date(2026, 10, 3)


def test_an_import_with_bad_rows_records_nothing_and_names_each_row_and_column(
    registered, provider_manager
):
    content = csv_file(
        [
            f"{ELDER_ID},陈老伯,2026-10-01,午餐,15",
            f"{ELDER_ID},陈小伯,2026-10-02,午餐,15",
            f"{make_id_number('19400101', 99)},,2026-10-02,午餐,15",
            f"{ELDER_ID},,2026-13-02,早餐,abc",
            f"{ELDER_ID},,2026-08-02,午餐,15",
        ]
    )
    before = state()
    with pytest.raises(EldercareError) as caught:
        services.meal_records_import(
            acting_user=provider_manager,
            point=registered.point,
            content=content,
            filename="meals.csv",
            today=TODAY,
        )

    assert [field for field, _, _ in caught.value.problems] == [
        "row 3 姓名",
        "row 4 公民身份号码",
        "row 5 就餐日期",
        "row 5 餐次",
        "row 5 餐费",
        "第6行person",
    ]
    assert caught.value.problems[0][1] == "第3行“姓名”：姓名与公民身份号码不符"
    assert state() == before


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"name,date\nx,y\n", "meals.csv", "缺少列"),
        (b"", "meals.csv", "文件是空的"),
        ("公民身份号码,就餐日期,餐次,餐费\n".encode(), "meals.csv", "没有数据行"),
        (b"PK\x03\x04 broken", "meals.xlsx", "无法读取该Excel文件"),
        (b"a,b\n", "meals.txt", "只能导入"),
        ("公民身份号码,就餐日期,餐次,餐费\n".encode("utf-16"), "meals.csv", "编码"),
    ],
)
def test_a_file_that_is_not_a_meal_file_is_refused(
    registered, provider_manager, content, filename, message
):
    before = state()
    with pytest.raises(EldercareError, match=message):
        services.meal_records_import(
            acting_user=provider_manager,
            point=registered.point,
            content=content,
            filename=filename,
            today=TODAY,
        )
    assert state() == before


def test_reimporting_the_same_file_is_refused_as_double_entries(registered, provider_manager):
    content = csv_file([f"{ELDER_ID},陈老伯,2026-10-01,午餐,15"])
    services.meal_records_import(
        acting_user=provider_manager,
        point=registered.point,
        content=content,
        filename="a.csv",
        today=TODAY,
    )
    with pytest.raises(EldercareError, match="已在本助餐点记录过"):
        services.meal_records_import(
            acting_user=provider_manager,
            point=registered.point,
            content=content,
            filename="a.csv",
            today=TODAY,
        )
    assert MealRecord.objects.count() == 1


def test_duplicates_across_imports_of_two_points_raise_one_alert_each(
    point, second_point, elder, yangshe_clerk, provider_manager, other_manager
):
    for where in (point, second_point):
        services.meal_registration_create(
            acting_user=yangshe_clerk, point=where, person=elder, on=OCT
        )
    rows = [f"{ELDER_ID},陈老伯,2026-10-0{day},午餐,15" for day in (1, 2, 3)]
    services.meal_records_import(
        acting_user=provider_manager,
        point=point,
        content=csv_file(rows),
        filename="a.csv",
        today=TODAY,
    )
    batch = services.meal_records_import(
        acting_user=other_manager,
        point=second_point,
        content=csv_file(rows[1:]),
        filename="b.csv",
        today=TODAY,
    )

    assert batch.duplicates == 2
    assert sorted(Alert.objects.values_list("key", flat=True)) == [
        f"meal_duplicate:{elder.pk}:2026-10-02:lunch",
        f"meal_duplicate:{elder.pk}:2026-10-03:lunch",
    ]
    assert MealRecord.objects.filter(subsidy__gt=0).count() == 3


def test_an_operator_cannot_import_for_another_point(registered, other_manager):
    with pytest.raises(PermissionDenied):
        services.meal_records_import(
            acting_user=other_manager,
            point=registered.point,
            content=csv_file([f"{ELDER_ID},陈老伯,2026-10-01,午餐,15"]),
            filename="a.csv",
            today=TODAY,
        )


# --- settlement --------------------------------------------------------------------------------


@pytest.fixture
def october(registered, ordinary, yangshe_clerk, provider_manager) -> MealPoint:
    services.meal_registration_create(
        acting_user=yangshe_clerk, point=registered.point, person=ordinary, on=OCT
    )
    for day in (1, 2, 3):
        record(provider_manager, registered.point, registered.person, dt.date(2026, 10, day))
    record(provider_manager, registered.point, registered.person, OCT, "dinner")
    record(provider_manager, registered.point, ordinary, OCT, price="12.00")
    record(provider_manager, registered.point, ordinary, dt.date(2026, 11, 2), price="12.00")
    return registered.point


def test_a_months_settlement_totals_the_meals_by_category(october, yangshe_clerk):
    settlement, closed_now = services.meal_settlement_close(
        acting_user=yangshe_clerk, point=october, month=OCT, today=TODAY
    )

    assert closed_now
    assert (
        settlement.meals,
        settlement.subsidised_meals,
        settlement.subsidy_total,
        settlement.own_total,
    ) == (5, 4, Decimal("18.00"), Decimal("54.00"))
    assert settlement.lines == [
        {
            "category": "age_80",
            "label": "80周岁以上老人",
            "meals": 4,
            "subsidised": 3,
            "subsidy": "15.00",
            "own": "45.00",
        },
        {
            "category": "age_60",
            "label": "60周岁以上老人",
            "meals": 1,
            "subsidised": 1,
            "subsidy": "3.00",
            "own": "9.00",
        },
    ]
    assert october.records.filter(settlement=settlement).count() == 5


def test_closing_a_month_twice_changes_nothing(october, yangshe_clerk):
    first, _ = services.meal_settlement_close(
        acting_user=yangshe_clerk, point=october, month=OCT, today=TODAY
    )
    before = state()
    again, closed_now = services.meal_settlement_close(
        acting_user=yangshe_clerk, point=october, month=dt.date(2026, 10, 15), today=TODAY
    )

    assert (again, closed_now) == (first, False)
    assert state() == before


def test_a_closed_month_takes_no_more_meals(october, yangshe_clerk, provider_manager, elder):
    services.meal_settlement_close(acting_user=yangshe_clerk, point=october, month=OCT, today=TODAY)
    with pytest.raises(EldercareError, match="2026-10已结算"):
        record(provider_manager, october, elder, dt.date(2026, 10, 20))


def test_a_month_not_yet_ended_cannot_be_closed(october, yangshe_clerk):
    with pytest.raises(EldercareError, match="尚未结束"):
        services.meal_settlement_close(
            acting_user=yangshe_clerk, point=october, month=dt.date(2026, 11, 1), today=TODAY
        )
    assert not MealSettlement.objects.exists()


def test_an_operator_cannot_close_a_month(october, provider_manager):
    with pytest.raises(PermissionDenied):
        services.meal_settlement_close(
            acting_user=provider_manager, point=october, month=OCT, today=TODAY
        )


def test_the_settlement_exports_to_xlsx_with_an_audit_event(october, yangshe_clerk):
    settlement, _ = services.meal_settlement_close(
        acting_user=yangshe_clerk, point=october, month=OCT, today=TODAY
    )
    content = services.meal_settlement_export(acting_user=yangshe_clerk, settlement=settlement)

    workbook = load_workbook(io.BytesIO(content))
    summary = [row for row in workbook["结算汇总"].iter_rows(values_only=True)]
    assert summary[4] == ("补贴合计(元)", 18, None, None, None)
    detail = list(workbook["就餐明细"].iter_rows(values_only=True))
    assert len(detail) == 6
    assert detail[1][:4] == ("2026-10-01", "晚餐", "陈老伯", "80周岁以上老人")
    event = AuditEvent.objects.order_by("-sequence").first()
    assert event.action == "eldercare.meal_settlement.export"
    assert content == services.meal_settlement_export(
        acting_user=yangshe_clerk, settlement=settlement
    )


# --- death -----------------------------------------------------------------------------------


def test_death_ends_the_registrations_and_reports_later_meals(
    point, second_point, elder, yangshe_clerk, provider_manager
):
    for where in (point, second_point):
        services.meal_registration_create(
            acting_user=yangshe_clerk, point=where, person=elder, on=OCT
        )
    record(provider_manager, point, elder, dt.date(2026, 10, 12))

    lines = services.meal_death_effects(
        acting_user=yangshe_clerk, person=elder, on=dt.date(2026, 10, 10)
    )

    assert lines == [
        "终止在“杨舍镇合成社区老年食堂”的助餐登记（2026-10-10）",
        "终止在“杨舍镇合成村助餐点”的助餐登记（2026-10-10）",
        "死亡日期后有1条就餐记录，补贴5.00元，请核实追回",
    ]
    assert set(MealRegistration.objects.values_list("valid_to", "end_reason")) == {
        (dt.date(2026, 10, 10), "死亡")
    }
    assert AuditEvent.objects.filter(action="eldercare.meal_registration.stop").count() == 2
    assert services.meal_death_effects(acting_user=yangshe_clerk, person=elder, on=OCT) == [
        "终止在“杨舍镇合成社区老年食堂”的助餐登记（2026-10-01）",
        "终止在“杨舍镇合成村助餐点”的助餐登记（2026-10-01）",
        "死亡日期后有1条就餐记录，补贴5.00元，请核实追回",
    ]


# --- scope ---------------------------------------------------------------------------------------


def test_a_town_sees_its_points_and_a_provider_only_its_own(
    point,
    second_point,
    yangshe_clerk,
    tangqiao_clerk,
    provider_manager,
    other_manager,
    provider_user,
    eldercare_staff,
):
    def seen(user):
        return set(selectors.meal_points_visible(user=user).values_list("name", flat=True))

    assert seen(yangshe_clerk) == {point.name, second_point.name}
    assert seen(eldercare_staff) == {point.name, second_point.name}
    assert seen(tangqiao_clerk) == set()
    assert seen(provider_manager) == {point.name}
    assert seen(other_manager) == {second_point.name}
    assert seen(provider_user) == set()


def test_a_provider_sees_only_the_records_of_its_own_point(
    point, second_point, elder, yangshe_clerk, provider_manager
):
    services.meal_registration_create(
        acting_user=yangshe_clerk, point=second_point, person=elder, on=OCT
    )
    record(yangshe_clerk, second_point, elder, OCT)

    assert selectors.meal_records(user=provider_manager, point=second_point).count() == 0
    assert selectors.meal_records(user=yangshe_clerk, point=second_point).count() == 1
    with pytest.raises(Exception, match="no such meal point"):
        selectors.meal_point_get(user=provider_manager, point_id=second_point.pk)


def test_a_person_outside_the_users_town_cannot_be_found_for_registration(
    yangshe_clerk, tangqiao_elder
):
    assert (
        selectors.meal_person_for_registration(user=yangshe_clerk, person_id=tangqiao_elder.pk)
        is None
    )


def test_one_file_across_the_start_of_a_dibao_case_gives_each_day_its_category(
    point, family, yangshe_clerk, yangshe_approver
):
    case = case_apply(
        acting_user=yangshe_clerk,
        household=family,
        applicant=family.head,
        program="dibao",
        request=family_request(),
        on=dt.date(2026, 8, 3),
    )
    case_advance(case, "active", yangshe_clerk, yangshe_approver, dt.date(2026, 8, 3), OCT)
    services.meal_registration_create(
        acting_user=yangshe_clerk, point=point, person=family.head, on=dt.date(2026, 9, 1)
    )
    head_id = family.head.id_number
    services.meal_records_import(
        acting_user=yangshe_clerk,
        point=point,
        content=csv_file([f"{head_id},,2026-09-30,午餐,15", f"{head_id},,2026-10-01,午餐,15"]),
        filename="a.csv",
        today=TODAY,
    )

    assert list(MealRecord.objects.order_by("served_on").values_list("category", "subsidy")) == [
        ("age_60", Decimal("3.00")),
        ("dibao", Decimal("8.00")),
    ]


def test_an_import_takes_the_same_number_of_queries_for_2_or_20_rows(registered, provider_manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(days: int, meal: str) -> int:
        rows = [f"{ELDER_ID},陈老伯,2026-10-{day:02d},{meal},15" for day in range(1, days + 1)]
        with CaptureQueriesContext(connection) as captured:
            services.meal_records_import(
                acting_user=provider_manager,
                point=registered.point,
                content=csv_file(rows),
                filename="a.csv",
                today=TODAY,
            )
        return len(captured)

    assert queries(2, "午餐") == queries(20, "晚餐")
