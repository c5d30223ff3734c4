"""The audit log page and its export: who may open them, what the filters find, what is exported."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import pytest
from django.test import Client
from openpyxl import load_workbook

from minzheng.accounts.models import Role, User
from minzheng.audit.models import AuditEvent
from minzheng.audit.services import audit_record
from minzheng.audit.spreadsheets import EXPORT_HEADERS
from minzheng.registry.models import Division
from tests.audit.helpers import signed_in
from tests.conftest import PASSWORD, TANGQIAO, YANGSHE, YANGSHE_VILLAGE

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def superuser(divisions: None) -> User:
    return User.objects.create_superuser(
        username="root", password=PASSWORD, role=Role.CITY_ADMIN, division_code="320582"
    )


@pytest.fixture
def users(yangshe_clerk, tangqiao_clerk, provider_user, auditor, city_admin, superuser):
    return {
        "anonymous": None,
        "town_clerk": yangshe_clerk,
        "provider": provider_user,
        "auditor": auditor,
        "city_admin": city_admin,
        "superuser": superuser,
    }


@pytest.fixture
def log(divisions, yangshe_clerk, tangqiao_clerk, monkeypatch) -> dict[str, AuditEvent]:
    """Four entries at known local times, around the midnight that starts 1 May 2025."""

    def at(*moment: int) -> None:
        when = dt.datetime(*moment, tzinfo=SHANGHAI)
        monkeypatch.setattr("minzheng.audit.services.timezone.now", lambda: when)

    village = Division.objects.get(code=YANGSHE_VILLAGE)
    at(2025, 4, 30, 23, 30)
    late = audit_record(
        actor=yangshe_clerk,
        action="registry.household.update",
        target=village,
        division_code=YANGSHE_VILLAGE,
        ip_address="10.0.0.1",
        data={"changes": {"address": ["旧址 1号", "新址 2号"]}},
    )
    at(2025, 5, 1, 0, 30)  # the same UTC day as `late`, the next local day
    early = audit_record(
        actor=tangqiao_clerk,
        action="registry.person.export",
        target=None,
        division_code=TANGQIAO,
        ip_address="10.0.0.2",
        data={"rows": 3},
    )
    at(2025, 5, 2, 10, 0)
    export = audit_record(
        actor=yangshe_clerk,
        action="registry.person.export",
        target=None,
        division_code=YANGSHE,
        data={"rows": 7, "filters": {"q": "<script>alert(1)</script>"}},
    )
    at(2025, 5, 3, 8, 0)
    load = audit_record(actor=None, action="registry.city.load", target=None, data={})
    monkeypatch.undo()
    return {"late": late, "early": early, "export": export, "load": load}


def _local(*moment: int) -> dt.datetime:
    """A local wall-clock time as a spreadsheet holds it (no time zone)."""
    return dt.datetime(*moment, tzinfo=SHANGHAI).replace(tzinfo=None)


def _listed(response) -> list[int]:
    return [event.sequence for event in response.context["page"]]


# ---------------------------------------------------------------------------------------------
# authorization


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("town_clerk", 403),
        ("provider", 403),
        ("auditor", 200),
        ("city_admin", 200),
        ("superuser", 200),
    ],
)
@pytest.mark.parametrize("path", ["/audit/", "/audit/export.xlsx"])
def test_only_auditors_and_the_city_administrator_open_the_log(
    client: Client, users, log, who: str, status: int, path: str
) -> None:
    user = users[who]
    if user is not None:
        signed_in(client, user)
    before = AuditEvent.objects.count()
    response = client.get(path)
    assert response.status_code == status
    if who == "anonymous":
        assert response["Location"] == f"/login/?next={path}"
    exported = AuditEvent.objects.filter(action="audit.export")
    if status == 200 and path.endswith(".xlsx"):
        assert response["Content-Type"] == XLSX
        assert (exported.count(), AuditEvent.objects.count()) == (1, before + 1)
    else:
        assert (exported.count(), AuditEvent.objects.count()) == (0, before)


def test_the_menu_shows_the_log_to_auditors_only(client: Client, yangshe_clerk, auditor) -> None:
    link = 'href="/audit/"'
    assert link in signed_in(client, auditor).get("/audit/").content.decode()
    other = signed_in(Client(), yangshe_clerk)
    assert link not in other.get("/registry/persons/").content.decode()


# ---------------------------------------------------------------------------------------------
# the list and its filters


def test_the_log_lists_newest_first_with_labels_and_the_head(client: Client, auditor, log) -> None:
    response = signed_in(client, auditor).get("/audit/")
    everything = list(AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True))
    assert _listed(response) == everything
    text = response.content.decode()
    assert "2025-04-30 23:30:00" in text  # local time, not UTC
    assert "修改家庭信息" in text
    assert "住址：旧址 1号 → 新址 2号" in text
    assert "10.0.0.1" in text
    assert log["load"].entry_hash in text  # the head, for operators to record
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script>alert(1)" not in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"username": "yangshe_clerk"}, ["export", "late"]),
        ({"username": "yangshe"}, []),  # the whole user name, not a part of it
        ({"action": "registry.person.export"}, ["export", "early"]),
        ({"target_type": "registry.division", "target_id": YANGSHE_VILLAGE}, ["late"]),
        ({"target_type": "registry.division", "target_id": "320582100002"}, []),
        ({"division_code": "320582100"}, ["export", "late"]),
        ({"division_code": TANGQIAO}, ["early"]),
        ({"date_from": "2025-05-01", "date_to": "2025-05-01"}, ["early"]),
        ({"date_from": "2025-04-30", "date_to": "2025-04-30"}, ["late"]),
        ({"date_from": "2025-05-02", "date_to": "2025-05-03"}, ["load", "export"]),
        ({"username": "yangshe_clerk", "date_to": "2025-05-01"}, ["late"]),
        ({"action": "registry.person.export", "division_code": "320582100"}, ["export"]),
    ],
)
def test_filters_find_exactly_the_matching_entries(
    client: Client, auditor, log, query: dict[str, str], expected: list[str]
) -> None:
    response = signed_in(client, auditor).get("/audit/", query)
    assert response.status_code == 200
    assert _listed(response) == [log[name].sequence for name in expected]


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"date_from": "2025-13-01"}, "输入一个有效的日期"),
        ({"date_from": "2025-05-02", "date_to": "2025-05-01"}, "截止日期不能早于起始日期"),
        ({"action": "registry.person.delete"}, "选择一个有效的选项"),
        ({"division_code": "3205a"}, "区划代码只能是数字"),
    ],
)
def test_bad_filters_are_explained_and_list_nothing(
    client: Client, auditor, log, query: dict[str, str], error: str
) -> None:
    response = signed_in(client, auditor).get("/audit/", query)
    assert response.status_code == 200
    assert _listed(response) == []
    assert error in response.content.decode()


def test_the_list_pages_by_fifty(client: Client, auditor, divisions) -> None:
    for number in range(60):
        audit_record(actor=None, action="registry.city.load", target=None, data={"n": number})
    total = AuditEvent.objects.count()
    signed_in(client, auditor)
    first = client.get("/audit/", {"action": "registry.city.load"})
    second = client.get("/audit/", {"action": "registry.city.load", "page": 2})
    assert _listed(first) == list(range(total, total - 50, -1))
    assert _listed(second) == list(range(total - 50, total - 60, -1))
    assert "?action=registry.city.load&page=2" in first.content.decode()


# ---------------------------------------------------------------------------------------------
# export


def test_export_holds_the_filtered_entries_and_is_itself_audited(
    client: Client, auditor, log
) -> None:
    response = signed_in(client, auditor).get(
        "/audit/export.xlsx", {"action": "registry.person.export"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == EXPORT_HEADERS
    export, early = log["export"], log["early"]
    assert rows[1:] == [
        (
            export.sequence,
            _local(2025, 5, 2, 10, 0),
            "yangshe_clerk",
            None,
            "导出人员",
            "registry.person.export",
            None,
            None,
            YANGSHE,
            "行数：7\n条件：q <script>alert(1)</script>",
            export.entry_hash,
        ),
        (
            early.sequence,
            _local(2025, 5, 1, 0, 30),
            "tangqiao_clerk",
            "10.0.0.2",
            "导出人员",
            "registry.person.export",
            None,
            None,
            TANGQIAO,
            "行数：3",
            early.entry_hash,
        ),
    ]
    audited = AuditEvent.objects.order_by("-sequence").first()
    assert (audited.action, audited.actor_username, audited.data) == (
        "audit.export",
        "auditor",
        {"filters": {"action": "registry.person.export"}, "rows": 2},
    )
    assert audited.action_label == "导出审计日志"


def test_export_keeps_text_that_looks_like_a_formula_as_text(client: Client, auditor, divisions):
    audit_record(
        actor=None, action="registry.city.load", target=None, data={"note": '=HYPERLINK("x")'}
    )
    response = signed_in(client, auditor).get(
        "/audit/export.xlsx", {"action": "registry.city.load"}
    )
    cell = load_workbook(io.BytesIO(response.content)).active.cell(row=2, column=10)
    assert (cell.value, cell.data_type) == ('note：=HYPERLINK("x")', "s")


def test_export_with_bad_filters_exports_nothing(client: Client, auditor, log) -> None:
    response = signed_in(client, auditor).get("/audit/export.xlsx", {"date_from": "yesterday"})
    assert response["Content-Type"].startswith("text/html")
    assert not AuditEvent.objects.filter(action="audit.export").exists()


def test_the_page_is_in_english_once_english_is_chosen(client: Client, auditor, log) -> None:
    signed_in(client, auditor)
    client.post("/i18n/setlang/", {"language": "en", "next": "/audit/"})
    text = client.get("/audit/").content.decode()
    assert "Operator user name" in text
    assert "Audit log" in text
