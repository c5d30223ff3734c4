"""Importing a department's file: every source, every kind of bad input, who may import."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction

from minzheng.accounts.models import Role, User
from minzheng.audit.models import AuditEvent
from minzheng.exchange.models import ExchangeBatch, Signal
from minzheng.exchange.services import ExchangeError, Problem, exchange_import
from minzheng.rules.id_number import mask_id_number
from tests.conftest import CHILD_ID, HEAD_ID, SPOUSE_ID, _user, make_id_number
from tests.exchange.conftest import JANUARY, csv_bytes, stored, xlsx_bytes

UNREGISTERED_ID = make_id_number("19700101", 99)
WRONG_CHECK_ID = HEAD_ID[:-1] + ("0" if HEAD_ID[-1] != "0" else "1")

GOOD_FILES = {
    "civil_registration": (
        "id_number,event,event_date,division_code",
        f"{HEAD_ID},死亡,2026-01-10,",
        f"{CHILD_ID},move_out,2026-01-20,320583100",
        f"{SPOUSE_ID},迁入,2026-01-05,320582100001",
    ),
    "unemployment": (
        "公民身份号码,失业登记日期,登记终止日期",
        f"{CHILD_ID},2025-06-01,",
        f"{HEAD_ID},2025-03-01,2026-01-15",
    ),
    "medical": (
        "id_number,month,total_cost,out_of_pocket,serious_illness",
        f"{SPOUSE_ID},2026-01,52000,15600.5,是",
    ),
    "disability": (
        "id_number,event,category,grade,valid_from,valid_to",
        f"{CHILD_ID},issued,智力残疾,二级,2026-01-08,2036-01-08",
        f"{SPOUSE_ID},revoked,physical,2,2020-01-01,2026-01-31",
    ),
    "vehicle": (
        "id_number,registered_on,vehicle_type,plate,value",
        f"{HEAD_ID},2026-01-12,汽车,苏E12345,35000",
        f"{CHILD_ID},2026-01-13,motorcycle,苏E54321,",
    ),
    "real_estate": (
        "公民身份号码,登记日期,用途,建筑面积（平方米）,登记类型",
        f"{HEAD_ID},2026-01-20,住宅,89.5,取得",
    ),
    "wages": (
        "id_number,month,employer,amount",
        f"{CHILD_ID},2026-01,张家港某某有限公司,6500",
        f"{CHILD_ID},2026-01,另一家公司,1200.5",
    ),
    "pensions": (
        "id_number,month,kind,amount",
        f"{HEAD_ID},2026-01,城镇职工基本养老金,3800.00",
        f"{SPOUSE_ID},2026-01,resident,650",
    ),
    "hospital_stay": (
        "公民身份号码,入院日期,出院日期",
        f"{HEAD_ID},2026-01-05,2026-01-12",
        f"{SPOUSE_ID},2026-01-28,",
    ),
}

EXPECTED_SIGNALS = {
    "civil_registration": [
        ("civil_registration.death", HEAD_ID, "2026-01-10", None, {}),
        (
            "civil_registration.move_out",
            CHILD_ID,
            "2026-01-20",
            None,
            {"division_code": "320583100"},
        ),
        (
            "civil_registration.move_in",
            SPOUSE_ID,
            "2026-01-05",
            None,
            {"division_code": "320582100001"},
        ),
    ],
    "unemployment": [
        ("unemployment", CHILD_ID, "2025-06-01", None, {}),
        ("unemployment", HEAD_ID, "2025-03-01", None, {"ended_on": "2026-01-15"}),
    ],
    "medical": [
        (
            "medical",
            SPOUSE_ID,
            "2026-01-01",
            Decimal("15600.50"),
            {"total_cost": "52000.00", "serious_illness": "yes"},
        ),
    ],
    "disability": [
        (
            "disability.issued",
            CHILD_ID,
            "2026-01-08",
            None,
            {"category": "intellectual", "grade": "2", "valid_to": "2036-01-08"},
        ),
        (
            "disability.revoked",
            SPOUSE_ID,
            "2026-01-31",
            None,
            {"category": "physical", "grade": "2", "valid_from": "2020-01-01"},
        ),
    ],
    "vehicle": [
        (
            "vehicle",
            HEAD_ID,
            "2026-01-12",
            Decimal("35000.00"),
            {"vehicle_type": "car", "plate": "苏E12345"},
        ),
        (
            "vehicle",
            CHILD_ID,
            "2026-01-13",
            None,
            {"vehicle_type": "motorcycle", "plate": "苏E54321"},
        ),
    ],
    "real_estate": [
        (
            "real_estate.acquired",
            HEAD_ID,
            "2026-01-20",
            None,
            {"use": "residential", "area_m2": "89.5"},
        ),
    ],
    "wages": [
        ("wages", CHILD_ID, "2026-01-01", Decimal("6500.00"), {"employer": "张家港某某有限公司"}),
        ("wages", CHILD_ID, "2026-01-01", Decimal("1200.50"), {"employer": "另一家公司"}),
    ],
    "pensions": [
        ("pensions", HEAD_ID, "2026-01-01", Decimal("3800.00"), {"kind": "employee"}),
        ("pensions", SPOUSE_ID, "2026-01-01", Decimal("650.00"), {"kind": "resident"}),
    ],
    "hospital_stay": [
        ("hospital_stay", HEAD_ID, "2026-01-05", None, {"discharged_on": "2026-01-12"}),
        ("hospital_stay", SPOUSE_ID, "2026-01-28", None, {}),
    ],
}


def naive(year: int, month: int, day: int) -> dt.datetime:
    """A spreadsheet's date-time cell: no time zone."""
    return dt.datetime(year, month, day)  # noqa: DTZ001


def _import(user: User, source: str, content: bytes, name: str = "file.csv", **extra: object):
    return exchange_import(
        acting_user=user,
        source=source,
        period=extra.get("period", JANUARY),  # type: ignore[arg-type]
        file_name=name,
        content=content,
    )


def _signals(batch: ExchangeBatch) -> list[tuple[object, ...]]:
    return [
        (signal.kind, signal.person.id_number, signal.on.isoformat(), signal.amount, signal.data)
        for signal in batch.signals.select_related("person").order_by("pk")
    ]


@pytest.mark.parametrize("source", sorted(GOOD_FILES))
def test_each_source_imports_one_signal_per_row(family, assistance_staff, source):
    batch = _import(assistance_staff, source, csv_bytes(*GOOD_FILES[source]), f"{source}.csv")

    assert _signals(batch) == EXPECTED_SIGNALS[source]
    assert (batch.source, batch.period, batch.file_name, batch.row_count) == (
        source,
        JANUARY,
        f"{source}.csv",
        len(EXPECTED_SIGNALS[source]),
    )
    assert set(batch.signals.values_list("source", flat=True)) == {source}
    event = AuditEvent.objects.order_by("-sequence").first()
    assert (event.action, event.actor_username, event.target_id) == (
        "exchange.import",
        "assistance_staff",
        str(batch.pk),
    )
    assert event.data == {
        "source": source,
        "period": "2026-01",
        "file_name": f"{source}.csv",
        "sha256": batch.sha256,
        "rows": len(EXPECTED_SIGNALS[source]),
    }


def test_an_xlsx_file_with_typed_cells_imports_like_its_csv(family, assistance_staff):
    content = xlsx_bytes(
        [
            ["公民身份号码", "登记日期", "车辆类型", "号牌号码", "车辆价值"],
            [HEAD_ID, naive(2026, 1, 12), "汽车", "苏E12345", 35000],
            [CHILD_ID, dt.date(2026, 1, 13), "motorcycle", "苏E54321", None],
        ]
    )
    batch = _import(assistance_staff, "vehicle", content, "vehicle-2026-01.xlsx")

    assert _signals(batch) == EXPECTED_SIGNALS["vehicle"]


def test_an_xlsx_month_cell_held_as_a_date_is_that_month(family, assistance_staff):
    content = xlsx_bytes(
        [
            ["id_number", "month", "employer", "amount"],
            [CHILD_ID, naive(2026, 1, 1), "甲", 5000.5],
        ]
    )
    batch = _import(assistance_staff, "wages", content, "wages.xlsx")

    assert _signals(batch) == [
        ("wages", CHILD_ID, "2026-01-01", Decimal("5000.50"), {"employer": "甲"})
    ]


@pytest.mark.parametrize(
    ("bom", "encoding"), [(True, "utf-8"), (False, "utf-8"), (False, "gb18030")]
)
def test_csv_in_utf8_with_or_without_bom_and_in_gb18030_reads_the_same(
    family, assistance_staff, bom, encoding
):
    content = csv_bytes(*GOOD_FILES["wages"], bom=bom, encoding=encoding)
    batch = _import(assistance_staff, "wages", content)

    assert _signals(batch) == EXPECTED_SIGNALS["wages"]


def test_headers_may_be_labels_or_codes_in_any_case_and_in_any_order(family, assistance_staff):
    content = csv_bytes("AMOUNT,发放单位,Month,公民身份号码*", f"6500,甲公司,2026-01,{CHILD_ID}")
    batch = _import(assistance_staff, "wages", content)

    assert _signals(batch) == [
        ("wages", CHILD_ID, "2026-01-01", Decimal("6500.00"), {"employer": "甲公司"})
    ]


def test_a_file_with_a_header_and_no_rows_is_an_empty_batch(family, assistance_staff):
    batch = _import(assistance_staff, "wages", csv_bytes("id_number,month,employer,amount"))

    assert (batch.row_count, batch.signals.count()) == (0, 0)


WAGES_HEADER = "id_number,month,employer,amount"

BAD_FILES = [
    pytest.param(
        "wages",
        ("id_number,month,employer", f"{CHILD_ID},2026-01,甲"),
        [(1, "amount")],
        id="missing required column",
    ),
    pytest.param(
        "wages",
        (WAGES_HEADER + ",姓名", f"{CHILD_ID},2026-01,甲,100,王磊"),
        [(1, "姓名")],
        id="unknown column",
    ),
    pytest.param(
        "wages",
        ("id_number,month,employer,amount,工资月份", f"{CHILD_ID},2026-01,甲,100,2026-01"),
        [(1, "month")],
        id="repeated column",
    ),
    pytest.param(
        "wages",
        (WAGES_HEADER, f"{CHILD_ID},2026-01,甲,100", f"{WRONG_CHECK_ID},2026-01,甲,100"),
        [(3, "id_number")],
        id="bad id checksum",
    ),
    pytest.param(
        "wages",
        (WAGES_HEADER, f"{UNREGISTERED_ID},2026-01,甲,100"),
        [(2, "id_number")],
        id="unknown person",
    ),
    pytest.param(
        "unemployment",
        ("id_number,registered_on", f"{CHILD_ID},2026-02-30"),
        [(2, "registered_on")],
        id="date that does not exist",
    ),
    pytest.param(
        "unemployment",
        ("id_number,registered_on", f"{CHILD_ID},2026/01/05"),
        [(2, "registered_on")],
        id="date not written YYYY-MM-DD",
    ),
    pytest.param(
        "vehicle",
        ("id_number,registered_on,vehicle_type,plate", f"{HEAD_ID},2026-02-01,car,苏E1"),
        [(2, "registered_on")],
        id="event date after the period",
    ),
    pytest.param(
        "unemployment",
        ("id_number,registered_on", f"{CHILD_ID},1980-01-01"),
        [(2, "registered_on")],
        id="event date before the person's birth",
    ),
    pytest.param(
        "wages",
        (WAGES_HEADER, f"{CHILD_ID},2026-02,甲,100"),
        [(2, "month")],
        id="month not the period",
    ),
    pytest.param(
        "wages",
        (WAGES_HEADER, f"{CHILD_ID},2026-1,甲,100"),
        [(2, "month")],
        id="month not written YYYY-MM",
    ),
    pytest.param(
        "wages",
        (WAGES_HEADER, f"{CHILD_ID},2026-01,甲,-5"),
        [(2, "amount")],
        id="negative money",
    ),
    pytest.param(
        "wages",
        (WAGES_HEADER, f"{CHILD_ID},2026-01,甲,1.005"),
        [(2, "amount")],
        id="money with three decimals",
    ),
    pytest.param(
        "real_estate",
        ("id_number,registered_on,use,area_m2,event", f"{HEAD_ID},2026-01-02,住宅,-80,取得"),
        [(2, "area_m2")],
        id="negative number",
    ),
    pytest.param(
        "pensions",
        ("id_number,month,kind,amount", f"{HEAD_ID},2026-01,公务员退休金,100"),
        [(2, "kind")],
        id="unknown choice",
    ),
    pytest.param(
        "wages",
        (WAGES_HEADER, f"{CHILD_ID},2026-01,,100"),
        [(2, "employer")],
        id="empty required cell",
    ),
    pytest.param(
        "civil_registration",
        ("id_number,event,event_date,division_code", f"{CHILD_ID},迁出,2026-01-03,"),
        [(2, "division_code")],
        id="move without its division code",
    ),
    pytest.param(
        "civil_registration",
        ("id_number,event,event_date,division_code", f"{CHILD_ID},迁出,2026-01-03,3205831"),
        [(2, "division_code")],
        id="division code of the wrong length",
    ),
    pytest.param(
        "disability",
        ("id_number,event,category,grade,valid_from", f"{SPOUSE_ID},revoked,physical,2,2020-01-01"),
        [(2, "valid_to")],
        id="revocation without its date",
    ),
    pytest.param(
        "disability",
        (
            "id_number,event,category,grade,valid_from,valid_to",
            f"{CHILD_ID},issued,physical,5,2026-01-08,2025-01-08",
        ),
        [(2, "grade"), (2, "valid_to")],
        id="grade 5 and validity out of order",
    ),
    pytest.param(
        "hospital_stay",
        (
            "id_number,admitted_on,discharged_on",
            f"{HEAD_ID},2026-01-05,2026-01-12",
            f"{SPOUSE_ID},2026-01-20,2026-01-18",
        ),
        [(3, "discharged_on")],
        id="discharge before admission",
    ),
    pytest.param(
        "hospital_stay",
        ("id_number,admitted_on,discharged_on", f"{HEAD_ID},2026-01-25,2026-02-03"),
        [(2, "discharged_on")],
        id="discharge after the period",
    ),
    pytest.param(
        "wages",
        (
            WAGES_HEADER,
            f"{CHILD_ID},2026-01,甲,100",
            ",,,",
            "",
            f"{CHILD_ID},2026-01,甲,abc",
        ),
        [(5, "amount")],
        id="blank rows keep the row numbers",
    ),
]


@pytest.mark.parametrize(("source", "lines", "where"), BAD_FILES)
def test_a_bad_file_names_each_problem_and_writes_nothing(
    family, assistance_staff, source, lines, where
):
    before = stored()

    with pytest.raises(ExchangeError) as caught:
        _import(assistance_staff, source, csv_bytes(*lines))

    assert [(problem.row, problem.column) for problem in caught.value.problems] == where
    assert all(problem.message_zh and problem.message_en for problem in caught.value.problems)
    assert stored() == before


def test_an_unknown_person_is_named_by_a_masked_id_number(family, assistance_staff):
    with pytest.raises(ExchangeError) as caught:
        _import(
            assistance_staff, "wages", csv_bytes(WAGES_HEADER, f"{UNREGISTERED_ID},2026-01,甲,1")
        )

    assert caught.value.problems == [
        Problem(
            2,
            "id_number",
            f"公民身份号码{mask_id_number(UNREGISTERED_ID)}不在人口登记中",
            "the id number is not in the registry",
        )
    ]
    assert UNREGISTERED_ID not in str(caught.value)


def test_the_same_file_twice_is_refused_the_second_time(family, assistance_staff):
    content = csv_bytes(*GOOD_FILES["wages"])
    _import(assistance_staff, "wages", content)
    before = stored()

    with pytest.raises(ExchangeError) as caught:
        _import(assistance_staff, "wages", content, "renamed.csv")

    assert caught.value.problems == [
        Problem(
            None,
            "file",
            "该文件此前已导入过（内容完全相同），不再重复导入",
            "this file was imported before (the same content)",
        )
    ]
    assert stored() == before


def test_the_database_itself_refuses_a_second_batch_of_the_same_file(family, assistance_staff):
    batch = _import(assistance_staff, "wages", csv_bytes(*GOOD_FILES["wages"]))

    with pytest.raises(IntegrityError), transaction.atomic():
        ExchangeBatch.objects.create(
            source="wages",
            period=JANUARY,
            file_name="again.csv",
            sha256=batch.sha256,
            row_count=0,
            imported_by=assistance_staff,
        )


@pytest.mark.parametrize(
    ("source", "period", "name", "content", "column"),
    [
        ("fishing", JANUARY, "a.csv", b"id_number\n", "source"),
        ("wages", dt.date(2026, 1, 15), "a.csv", b"id_number\n", "period"),
        ("wages", JANUARY, "a.txt", b"id_number\n", "file"),
        ("wages", JANUARY, "a.xlsx", b"not a workbook", "file"),
        ("wages", JANUARY, "a.csv", b"", "file"),
        ("wages", JANUARY, "a.csv", "公民身份号码".encode("utf-16"), "file"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_as_a_whole(
    family, assistance_staff, source, period, name, content, column
):
    before = stored()

    with pytest.raises(ExchangeError) as caught:
        _import(assistance_staff, source, content, name, period=period)

    assert [(problem.row, problem.column) for problem in caught.value.problems] == [(None, column)]
    assert stored() == before


def test_the_message_shows_the_first_20_problems_and_counts_them_all(family, assistance_staff):
    lines = [WAGES_HEADER] + [f"{CHILD_ID},2026-01,甲,-{number}" for number in range(1, 26)]

    with pytest.raises(ExchangeError) as caught:
        _import(assistance_staff, "wages", csv_bytes(*lines))

    message = str(caught.value)
    assert caught.value.total == 25
    assert len(caught.value.problems) == 25
    assert message.count("金额不能为负数") == 20
    assert "第21行" in message
    assert "第22行" not in message
    assert message.endswith("（共25处问题 25 problem(s) in total）")


def test_every_row_is_checked_before_the_first_is_reported(family, assistance_staff):
    lines = (
        WAGES_HEADER,
        f"{WRONG_CHECK_ID},2026-02,,x",
        f"{UNREGISTERED_ID},2026-01,甲,1",
    )
    with pytest.raises(ExchangeError) as caught:
        _import(assistance_staff, "wages", csv_bytes(*lines))

    assert [(problem.row, problem.column) for problem in caught.value.problems] == [
        (2, "id_number"),
        (2, "month"),
        (2, "employer"),
        (2, "amount"),
        (3, "id_number"),
    ]


@pytest.mark.parametrize(
    "who", ["city_admin", "assistance_staff", "superuser"], ids=lambda who: f"allowed-{who}"
)
def test_the_city_administrator_and_the_city_assistance_staff_may_import(family, request, who):
    if who == "superuser":
        user = User.objects.create_superuser("root", password="x" * 20)
    else:
        user = request.getfixturevalue(who)
    batch = _import(user, "wages", csv_bytes(*GOOD_FILES["wages"]))

    assert batch.imported_by == user


@pytest.mark.parametrize(
    "who", ["yangshe_clerk", "eldercare_staff", "auditor", "provider_user", "yangshe_approver"]
)
def test_other_roles_may_not_import_and_nothing_is_written(family, request, who):
    user = request.getfixturevalue(who)
    before = stored()

    with pytest.raises(PermissionDenied):
        _import(user, "wages", csv_bytes(*GOOD_FILES["wages"]))

    assert stored() == before


def test_an_inactive_assistance_staff_member_may_not_import(family, assistance_staff):
    assistance_staff.is_active = False
    assistance_staff.save()

    with pytest.raises(PermissionDenied):
        _import(assistance_staff, "wages", csv_bytes(*GOOD_FILES["wages"]))
    assert Signal.objects.count() == 0


def test_an_import_takes_a_fixed_number_of_queries(
    family, assistance_staff, django_assert_num_queries
):
    content = csv_bytes(*GOOD_FILES["pensions"])
    # duplicate check, person lookup; in the transaction: savepoint, duplicate check again,
    # savepoint, batch, release, signals, audit (last entry, insert; on PostgreSQL first the
    # chain's advisory lock), release
    with django_assert_num_queries(12 if connection.vendor == "postgresql" else 11):
        _import(assistance_staff, "pensions", content)


def test_a_role_that_reads_is_a_role_that_imports_or_the_auditor(divisions):
    from minzheng.accounts.jurisdiction import exchange_read_check

    allowed, refused = [], []
    for role in Role.values:
        user = _user(
            f"reader_{role}", role, "320582" if role != "village_worker" else "320582100001"
        )
        try:
            exchange_read_check(user=user)
        except PermissionDenied:
            refused.append(role)
        else:
            allowed.append(role)

    assert sorted(allowed) == ["auditor", "city_admin"]
    assert "city_staff" in refused  # without the assistance business line
