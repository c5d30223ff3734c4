"""Monthly statistics by town and programme: figures, scope, the .xlsx file, page, API, command.

The month's cases: 杨舍镇's dibao for the 王建国 family (3 persons), applied on 5 January and
approved on 19 January from February, terminated on 20 March after March; in February the same
family applies for temporary assistance (rejected) and for dibao-edge status (still open); 塘桥镇's
赵敏 applies on 2 February (her late husband declared deceased) and is approved on 16 February
from March.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from minzheng.accounts.models import Role
from minzheng.assistance import services
from minzheng.assistance.payroll import payroll_month_close
from minzheng.assistance.selectors import StatisticsRow, monthly_statistics
from minzheng.assistance.services import case_apply
from minzheng.assistance.statistics import HEADERS, statistics_export
from minzheng.audit.models import AuditEvent
from minzheng.registry.services import person_set_bank_account
from tests.assistance.conftest import approve, family_request
from tests.conftest import TANGQIAO, TANGQIAO_VILLAGE, YANGSHE, _user, verified_login

JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)
YANGSHE_AMOUNT = Decimal("3007.19")  # the family's dibao from February (as test_payroll)
ACCOUNT = "6222020000123456789"
FIGURES = (
    "active_cases",
    "households",
    "persons",
    "amount",
    "approved",
    "terminated",
    "applied",
    "rejected",
    "open_at_month_end",
)


def _tangqiao_request() -> dict[str, object]:
    return {
        "division": TANGQIAO_VILLAGE,
        "members": [
            {
                "id": "赵敏",
                "relation": "head",
                "birth_date": "1945-01-01",
                "employment": "retired",
                "income": {"pension": 300},
            },
            {"id": "赵敏之夫", "relation": "spouse", "birth_date": "1943-05-01", "deceased": True},
        ],
    }


@pytest.fixture
def cases(
    dibao_case,
    family,
    tangqiao_family,
    yangshe_clerk,
    yangshe_approver,
    tangqiao_clerk,
    tangqiao_approver,
):
    """The month's cases of both towns, as the module docstring tells."""
    yangshe = approve(dibao_case, yangshe_clerk, yangshe_approver, FEB)
    temporary = case_apply(
        acting_user=yangshe_clerk,
        household=family,
        applicant=family.head,
        program="temporary_assistance",
        request=family_request(),
        on=dt.date(2026, 2, 10),
    )
    services.case_reject(
        case=temporary, acting_user=yangshe_approver, on=dt.date(2026, 2, 20), reasons=["重复申请"]
    )
    case_apply(
        acting_user=yangshe_clerk,
        household=family,
        applicant=family.head,
        program="dibao_edge",
        request=family_request(),
        on=dt.date(2026, 2, 25),
    )
    tangqiao = case_apply(
        acting_user=tangqiao_clerk,
        household=tangqiao_family,
        applicant=tangqiao_family.head,
        program="dibao",
        request=_tangqiao_request(),
        on=dt.date(2026, 2, 2),
    )
    tangqiao = approve(tangqiao, tangqiao_clerk, tangqiao_approver, MAR)
    services.case_terminate(
        case=yangshe,
        acting_user=yangshe_approver,
        on=dt.date(2026, 3, 20),
        reason="家庭收入增加",
        last_month=MAR,
    )
    return yangshe, tangqiao


def _figures(row: StatisticsRow) -> tuple[object, ...]:
    return tuple(getattr(row, name) for name in FIGURES)


def _table(statistics) -> dict[tuple[str, str], tuple[object, ...]]:
    return {(row.town_code, row.program): _figures(row) for row in statistics.rows}


def _zero(**figures: object) -> tuple[object, ...]:
    values = dict.fromkeys(FIGURES, 0) | {"amount": Decimal("0.00")} | figures
    return tuple(values[name] for name in FIGURES)


def test_february_by_town_and_programme_in_the_city(cases, payroll_staff):
    statistics = monthly_statistics(user=payroll_staff, month=FEB)

    assert (statistics.scope_code, statistics.scope_name) == ("320582", "张家港市")
    assert statistics.payroll_closed is False
    assert [(row.town_name, row.program_label) for row in statistics.rows] == [
        ("杨舍镇", "最低生活保障"),
        ("杨舍镇", "低保边缘家庭"),
        ("杨舍镇", "临时救助"),
        ("塘桥镇", "最低生活保障"),
    ]
    assert _table(statistics) == {
        (YANGSHE, "dibao"): _zero(active_cases=1, households=1, persons=3, amount=YANGSHE_AMOUNT),
        (YANGSHE, "dibao_edge"): _zero(applied=1, open_at_month_end=1),
        (YANGSHE, "temporary_assistance"): _zero(applied=1, rejected=1),
        # Approved on 16 February, paid from March: not yet active in February.
        (TANGQIAO, "dibao"): _zero(applied=1, approved=1),
    }
    assert [(row.program, _figures(row)) for row in statistics.program_totals] == [
        (
            "dibao",
            _zero(
                active_cases=1,
                households=1,
                persons=3,
                amount=YANGSHE_AMOUNT,
                applied=1,
                approved=1,
            ),
        ),
        ("dibao_edge", _zero(applied=1, open_at_month_end=1)),
        ("temporary_assistance", _zero(applied=1, rejected=1)),
    ]
    assert _figures(statistics.total) == _zero(
        active_cases=1,
        households=1,
        persons=3,
        amount=YANGSHE_AMOUNT,
        approved=1,
        applied=3,
        rejected=1,
        open_at_month_end=1,
    )


def test_january_counts_the_application_and_the_approval_but_nothing_active(cases, payroll_staff):
    statistics = monthly_statistics(user=payroll_staff, month=JAN)

    assert _table(statistics) == {(YANGSHE, "dibao"): _zero(applied=1, approved=1)}


def test_march_counts_the_last_month_paid_and_the_deceased_member_not(cases, payroll_staff):
    _, tangqiao = cases

    statistics = monthly_statistics(user=payroll_staff, month=MAR)

    # 杨舍镇's case ends after March: it is paid for March and terminated in March.
    assert _table(statistics) == {
        (YANGSHE, "dibao"): _zero(
            active_cases=1, households=1, persons=3, amount=YANGSHE_AMOUNT, terminated=1
        ),
        (YANGSHE, "dibao_edge"): _zero(open_at_month_end=1),
        (TANGQIAO, "dibao"): _zero(
            active_cases=1, households=1, persons=1, amount=tangqiao.monthly_amount
        ),
    }
    assert tangqiao.monthly_amount > 0
    assert statistics.total.amount == YANGSHE_AMOUNT + tangqiao.monthly_amount
    assert monthly_statistics(user=payroll_staff, month=dt.date(2026, 4, 1)).total.active_cases == 1


def test_a_closed_month_counts_what_was_paid_and_not_the_failed_payments(
    cases, family, yangshe_clerk, payroll_staff
):
    person_set_bank_account(acting_user=yangshe_clerk, person=family.head, account=ACCOUNT)
    today = dt.date(2026, 4, 2)
    payroll_month_close(acting_user=payroll_staff, month=FEB, today=today)
    payroll_month_close(acting_user=payroll_staff, month=MAR, today=today)

    statistics = monthly_statistics(user=payroll_staff, month=MAR)

    assert statistics.payroll_closed is True
    amounts = {(row.town_code, row.program): row.amount for row in statistics.rows}
    # 赵敏 has no bank account: her payment failed and is not counted as paid.
    assert amounts == {
        (YANGSHE, "dibao"): YANGSHE_AMOUNT,
        (YANGSHE, "dibao_edge"): Decimal("0.00"),
        (TANGQIAO, "dibao"): Decimal("0.00"),
    }
    assert statistics.total.active_cases == 2


def test_a_town_sees_only_its_own_town(cases, yangshe_clerk, tangqiao_clerk):
    yangshe = monthly_statistics(user=yangshe_clerk, month=FEB)
    tangqiao = monthly_statistics(user=tangqiao_clerk, month=FEB)

    assert (yangshe.scope_code, yangshe.scope_name) == (YANGSHE, "杨舍镇")
    assert {row.town_code for row in yangshe.rows} == {YANGSHE}
    assert yangshe.total.applied == 2
    assert (tangqiao.scope_code, tangqiao.scope_name) == (TANGQIAO, "塘桥镇")
    assert _table(tangqiao) == {(TANGQIAO, "dibao"): _zero(applied=1, approved=1)}
    assert _figures(tangqiao.total) == _zero(applied=1, approved=1)


def test_a_village_worker_sees_only_the_village(cases, divisions):
    other_village = _user("village_2", Role.VILLAGE_WORKER, "320582100200")

    statistics = monthly_statistics(user=other_village, month=FEB)

    assert (statistics.rows, statistics.total.applied) == ([], 0)


@pytest.mark.parametrize("who", ["eldercare_staff", "provider_user"])
def test_roles_that_do_not_read_cases_are_refused(cases, who, request):
    with pytest.raises(PermissionDenied, match="救助统计"):
        monthly_statistics(user=request.getfixturevalue(who), month=FEB)


def test_the_statistics_take_six_queries_however_many_cases(
    cases, payroll_staff, django_assert_num_queries
):
    with django_assert_num_queries(6):
        monthly_statistics(user=payroll_staff, month=FEB)


def _sheet_rows(content: bytes) -> list[tuple[object, ...]]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    try:
        return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def test_the_xlsx_holds_the_same_figures_under_a_title_naming_month_and_scope(cases, yangshe_clerk):
    exported = statistics_export(user=yangshe_clerk, month=FEB)

    assert exported.name == "statistics-320582100-2026-02.xlsx"
    rows = _sheet_rows(exported.content)
    assert rows[0][0] == "社会救助月度统计　2026年02月　统计范围：杨舍镇（320582100）"
    assert rows[1][0] == "资金发放尚未关账：金额为当月在保案件的月保障金额（应发）"
    assert rows[2] == HEADERS
    assert rows[3:] == [
        ("杨舍镇", YANGSHE, "最低生活保障", 1, 1, 3, float(YANGSHE_AMOUNT), 0, 0, 0, 0, 0),
        ("杨舍镇", YANGSHE, "低保边缘家庭", 0, 0, 0, 0, 0, 0, 1, 0, 1),
        ("杨舍镇", YANGSHE, "临时救助", 0, 0, 0, 0, 0, 0, 1, 1, 0),
        ("小计", None, "最低生活保障", 1, 1, 3, float(YANGSHE_AMOUNT), 0, 0, 0, 0, 0),
        ("小计", None, "低保边缘家庭", 0, 0, 0, 0, 0, 0, 1, 0, 1),
        ("小计", None, "临时救助", 0, 0, 0, 0, 0, 0, 1, 1, 0),
        ("合计", None, None, 1, 1, 3, float(YANGSHE_AMOUNT), 0, 0, 2, 1, 1),
    ]


def test_the_xlsx_bytes_are_the_same_whenever_written(cases, payroll_staff):
    with time_machine.travel("2026-04-01 10:00:00 +0800", tick=False):
        first = statistics_export(user=payroll_staff, month=FEB).content
    with time_machine.travel("2026-05-17 23:59:59 +0800", tick=False):
        second = statistics_export(user=payroll_staff, month=FEB).content

    assert first == second


def test_the_page_shows_the_previous_month_by_default_and_links_the_download(
    client, cases, yangshe_clerk
):
    verified_login(client, yangshe_clerk)
    with time_machine.travel("2026-03-10 10:00 +0800", tick=False):
        response = client.get("/assistance/statistics/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "2026年02月 · 统计范围：杨舍镇（320582100）" in page
    assert 'href="/assistance/statistics/2026-02.xlsx"' in page
    assert page.count('class="statistics-row"') == 3
    assert f'data-figure="amount">{YANGSHE_AMOUNT}</td>' in page


def test_a_bad_month_on_the_page_says_so_and_shows_no_table(client, cases, yangshe_clerk):
    verified_login(client, yangshe_clerk)

    response = client.get("/assistance/statistics/?month=2026-13")

    page = response.content.decode()
    assert response.status_code == 200
    assert "月份格式应为 YYYY-MM" in page
    assert 'id="statistics"' not in page
    assert client.get("/assistance/statistics/2026-13.xlsx").status_code == 404


def test_each_download_is_audited(client, cases, yangshe_clerk):
    verified_login(client, yangshe_clerk)
    before = AuditEvent.objects.count()

    response = client.get("/assistance/statistics/2026-02.xlsx")

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="statistics-320582100-2026-02.xlsx"'
    )
    assert _sheet_rows(response.content)[3][:3] == ("杨舍镇", YANGSHE, "最低生活保障")
    event = AuditEvent.objects.order_by("-sequence").first()
    assert AuditEvent.objects.count() == before + 1
    assert (event.action, event.actor_username, event.division_code) == (
        "assistance.statistics.export",
        "yangshe_clerk",
        YANGSHE,
    )
    assert event.data == {"month": "2026-02", "scope": YANGSHE, "rows": 3}


def test_the_api_returns_the_rows_and_refuses_a_bad_month(client, cases, tangqiao_clerk):
    verified_login(client, tangqiao_clerk)

    body = client.get("/api/assistance/statistics?month=2026-02").json()
    bad = client.get("/api/assistance/statistics?month=2026-13")

    assert (body["month"], body["scope_code"], body["payroll_closed"]) == (
        "2026-02",
        TANGQIAO,
        False,
    )
    assert body["rows"] == [
        {
            "town_code": TANGQIAO,
            "town_name": "塘桥镇",
            "program": "dibao",
            "program_label": "最低生活保障",
            "active_cases": 0,
            "households": 0,
            "persons": 0,
            "amount": "0.00",
            "approved": 1,
            "terminated": 0,
            "applied": 1,
            "rejected": 0,
            "open_at_month_end": 0,
        }
    ]
    assert body["total"]["applied"] == 1
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.month"


def test_the_command_writes_the_xlsx_and_refuses_bad_input(cases, yangshe_clerk, tmp_path):
    out = io.StringIO()
    target = tmp_path / "stats" / "2026-02.xlsx"

    call_command(
        "assistance_stats",
        "--month",
        "2026-02",
        "--user",
        "yangshe_clerk",
        "--out",
        str(target),
        stdout=out,
    )

    lines = out.getvalue().splitlines()
    assert lines[0] == "2026-02 杨舍镇(320582100); 金额 amounts: 未关账，应发 due"
    assert lines[-1] == f"已写入 written: {target}"
    assert target.read_bytes() == statistics_export(user=yangshe_clerk, month=FEB).content
    for arguments, message in (
        (["--month", "2026-2", "--user", "yangshe_clerk"], "YYYY-MM"),
        (["--month", "2026-02", "--user", "nobody"], "nobody"),
        (["--month", "2026-02", "--user", "yangshe_clerk", "--out", "x.csv"], ".xlsx"),
    ):
        with pytest.raises(CommandError, match=message) as caught:
            call_command("assistance_stats", *arguments, stdout=io.StringIO())
        assert caught.value.returncode == 2


def test_the_command_refuses_a_role_without_cases(cases, provider_user):
    with pytest.raises(CommandError, match="救助统计") as caught:
        call_command(
            "assistance_stats", "--month", "2026-02", "--user", "provider", stdout=io.StringIO()
        )
    assert caught.value.returncode == 2


def test_the_case_list_links_the_statistics_for_those_who_may_read_them(
    client, cases, yangshe_clerk, provider_user
):
    verified_login(client, yangshe_clerk)
    assert (
        'id="statistics-link" href="/assistance/statistics/"'
        in client.get("/assistance/cases/").content.decode()
    )

    verified_login(client, provider_user)
    assert "statistics-link" not in client.get("/assistance/cases/").content.decode()
    assert client.get("/assistance/statistics/").status_code == 403
