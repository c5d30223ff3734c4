"""The access table of every page: each URL of the URLconf, as each column's user.

A cell is the exact answer: a redirect to the login page for anonymous visitors, 404 for another
town's objects (as for a missing id), 403 for a write the role may not make, otherwise 200 or the
redirect the page makes after a write. Where the table says a user changes something, the audit
log's newest entry is that change by that user; in every other cell nothing changed at all.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from minzheng.accounts.models import Role, User
from minzheng.accounts.services import user_deactivate
from minzheng.assistance import documents
from minzheng.assistance.demo import case_advance
from minzheng.assistance.models import AssistanceCase
from minzheng.assistance.online import online_application_submit
from minzheng.assistance.payroll import payroll_month_close
from minzheng.assistance.services import case_reject
from minzheng.exchange.models import ExchangeBatch
from minzheng.exchange.services import exchange_import
from minzheng.policies.forms import calculator_token
from minzheng.registry.models import Household
from tests.assistance.conftest import family_request
from tests.assistance.test_pages import apply_form
from tests.conftest import HEAD_ID, YANGSHE, YANGSHE_VILLAGE, _user, make_id_number
from tests.security import eldercare_parts
from tests.security.conftest import WHO, World, newest_event, sign_in, snapshot
from tests.security.tables import LOGIN, Page

NEW_HOUSEHOLD_NUMBER = "ZJG000000009"
NEW_USERNAME = "new_clerk"
NEW_PASSWORD = "another-long-passphrase-2024"
ALL_SIGNED_IN = frozenset(WHO) - {"anonymous"}


def _household_form(ids: dict[str, object]) -> dict[str, object]:
    return {
        "number": NEW_HOUSEHOLD_NUMBER,
        "address": "杨舍镇合成社区01 第9幢909室",
        "division_code": YANGSHE_VILLAGE,
        "members-TOTAL_FORMS": "1",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "30",
        "members-0-name": "钱九",
        "members-0-id_number": make_id_number("19800808", 71),
        "members-0-relation": "head",
    }


def _import_file(ids: dict[str, object]) -> dict[str, object]:
    rows = [
        "户号,住址,所属村(社区)代码,与户主关系,姓名,公民身份号码",
        f"{NEW_HOUSEHOLD_NUMBER},杨舍镇合成社区01 第9幢909室,{YANGSHE_VILLAGE},户主,钱九,"
        + make_id_number("19800808", 71),
    ]
    content = ("\n".join(rows) + "\n").encode()
    return {"file": SimpleUploadedFile("import.csv", content, content_type="text/csv")}


def _division_file(ids: dict[str, object]) -> dict[str, object]:
    content = f"code,name,kind,parent_code\n320582100300,杨舍镇合成村99,village,{YANGSHE}\n"
    return {"file": SimpleUploadedFile("villages.csv", content.encode(), content_type="text/csv")}


def _calculator_form(ids: dict[str, object]) -> dict[str, object]:
    return {
        "size": "1",
        "members-TOTAL_FORMS": "1",
        "members-INITIAL_FORMS": "1",
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "10",
        "members-0-id": "本人",
        "members-0-relation": "head",
        "members-0-birth_date": "1950-02-01",
        "members-0-hukou_local": "on",
        "members-0-student": "none",
        "members-0-employment": "retired",
        "members-0-income_pension": "300",
        "members-0-capable_legal_supporter": "yes",
        "division": "320582",
        "calculate": "1",
    }


def _apply_form(ids: dict[str, object]) -> dict[str, object]:
    return apply_form(Household.objects.get(pk=ids["household"]))


def _january_closed(world: World) -> None:
    payroll_month_close(
        acting_user=world.users["city"], month=dt.date(2026, 1, 1), today=dt.date(2026, 2, 1)
    )


def exchange_file(ids: dict[str, object]) -> dict[str, object]:
    """A month's wages file naming the family's head, as a department sends it."""
    content = (
        f"公民身份号码,工资月份,发放单位,应发工资\n{HEAD_ID},2026-01,张家港某某有限公司,2600\n"
    )
    return {
        "source": "wages",
        "period": "2026-01",
        "file": SimpleUploadedFile("wages-2026-01.csv", content.encode(), content_type="text/csv"),
    }


def exchange_imported(world: World) -> None:
    """The city administrator has imported a wages file: the world has a batch."""
    upload = exchange_file({})
    exchange_import(
        acting_user=world.users["city"],
        source="wages",
        period=dt.date(2026, 1, 1),
        file_name=upload["file"].name,
        content=upload["file"].read(),
    )


def _managed_user_is_deactivated(world: World) -> None:
    user_deactivate(acting_user=world.users["city"], user=world.managed)


def case_rejected(world: World) -> None:
    """杨舍镇's approver refuses the world's case: it has a decision letter now."""
    approver = _user("yangshe_approver", Role.TOWN_APPROVER, YANGSHE)
    case_reject(
        case=world.case, acting_user=approver, on=dt.date(2026, 1, 20), reasons=["收入超过标准"]
    )


def online_submitted(world: World) -> None:
    """A citizen has applied online for the family's dibao: 杨舍镇's pending application."""
    online_application_submit(
        program="dibao",
        name="王建国",
        id_number=HEAD_ID,
        phone="13955556666",
        division_code=YANGSHE_VILLAGE,
        request=family_request(),
        on=dt.date(2026, 1, 5),
    )


def _online_form(ids: dict[str, object]) -> dict[str, object]:
    return {
        "token": calculator_token({**family_request(), "as_of": "2026-01"}),
        "program": "dibao",
        "name": "王建国",
        "id_number": HEAD_ID,
        "phone": "13955556666",
        "town": YANGSHE,
        "division_code": YANGSHE_VILLAGE,
        "consent": "on",
        "send": "1",
    }


def _case_in_notice(world: World) -> None:
    clerk = world.users["own_town"]
    case_advance(world.case, "notice", clerk, clerk, dt.date(2026, 1, 5), dt.date(2026, 2, 1))


L = LOGIN
PERSON = "/registry/persons/{head}/"
HOUSEHOLD = "/registry/households/{household}/"
MANAGED = "/accounts/users/{user}/"
WRITERS = frozenset({"own_town", "city"})
CASE = "/assistance/cases/{case}/"
APPLY = "/assistance/households/{household}/apply/"
NOTICE = f"/assistance/notices/{YANGSHE_VILLAGE}/"
CASE_READERS = frozenset({"own_town", "city", "auditor"})
ALERT = "/alerts/{alert}/"
ONLINE = "/assistance/online/{online}/"
# PDFs need WeasyPrint and a CJK font; without them the page says so and sends the user back.
PDF_OK = documents.pdf_unavailable_reason() is None

PAGES = [
    Page("dashboard", "GET", "/", (L, 200, 200, 200, 200, 200)),
    Page("login", "GET", "/login/", (200, 200, 200, 200, 200, 200)),
    Page(
        "login",
        "POST",
        "/login/",
        (200, 200, 200, 200, 200, 200),
        data={"username": "yangshe_clerk", "password": "not-the-password"},
    ),
    Page("logout", "GET", "/logout/", (405, 405, 405, 405, 405, 405)),
    Page("logout", "POST", "/logout/", ("/login/",) * 6),
    Page(
        "set_language",
        "POST",
        "/i18n/setlang/",
        ("/",) * 6,
        data={"language": "en", "next": "/"},
    ),
    Page(
        "accounts:two_factor_verify", "GET", "/accounts/two-factor/", (L, "/", "/", "/", "/", "/")
    ),
    Page(
        "accounts:two_factor_verify",
        "POST",
        "/accounts/two-factor/",
        (L, "/", "/", "/", "/", "/"),
        data={"otp_token": "000000"},
    ),
    Page(
        "accounts:two_factor_setup",
        "GET",
        "/accounts/two-factor/setup/",
        (L, 200, 200, 200, 200, 200),
    ),
    Page(
        "accounts:two_factor_setup",
        "POST",
        "/accounts/two-factor/setup/",
        (L, 200, 200, 200, 200, 200),
        data={"otp_token": "abcdef"},  # never a valid code: nothing is enrolled
    ),
    Page("accounts:user_list", "GET", "/accounts/users/", (L, 403, 403, 403, 200, 403)),
    Page("accounts:user_new", "GET", "/accounts/users/new/", (L, 403, 403, 403, 200, 403)),
    Page(
        "accounts:user_new",
        "POST",
        "/accounts/users/new/",
        (L, 403, 403, 403, "/accounts/users/{new_user}/", 403),
        data={
            "username": NEW_USERNAME,
            "full_name": "新经办人",
            "role": "town_clerk",
            "division_code": YANGSHE,
            "business_line": "",
            "password": NEW_PASSWORD,
        },
        action="accounts.user.create",
        changes=frozenset({"city"}),
    ),
    Page("accounts:user_detail", "GET", MANAGED, (L, 403, 403, 403, 200, 403)),
    Page(
        "accounts:user_detail",
        "POST",
        MANAGED,
        (L, 403, 403, 403, MANAGED, 403),
        data={
            "full_name": "杨舍社工",
            "role": "village_worker",
            "division_code": YANGSHE_VILLAGE,
            "business_line": "",
        },
        action="accounts.user.update",
        changes=frozenset({"city"}),
    ),
    Page(
        "accounts:user_password",
        "POST",
        MANAGED + "password/",
        (L, 403, 403, 403, MANAGED, 403),
        data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        action="accounts.user.password_reset",
        changes=frozenset({"city"}),
    ),
    Page(
        "accounts:user_deactivate",
        "POST",
        MANAGED + "deactivate/",
        (L, 403, 403, 403, MANAGED, 403),
        action="accounts.user.deactivate",
        changes=frozenset({"city"}),
    ),
    Page(
        "accounts:user_reactivate",
        "POST",
        MANAGED + "reactivate/",
        (L, 403, 403, 403, MANAGED, 403),
        action="accounts.user.reactivate",
        changes=frozenset({"city"}),
        prepare=_managed_user_is_deactivated,
    ),
    Page(
        "accounts:user_two_factor_reset",
        "POST",
        MANAGED + "two-factor-reset/",
        (L, 403, 403, 403, MANAGED, 403),
        action="accounts.user.two_factor_reset",
        changes=frozenset({"city"}),
    ),
    Page(
        "accounts:user_unlock",
        "POST",
        MANAGED + "unlock/",
        (L, 403, 403, 403, MANAGED, 403),
        action="accounts.user.unlock",
        changes=frozenset({"city"}),
    ),
    Page("registry:person_list", "GET", "/registry/persons/", (L, 200, 200, 200, 200, 200)),
    Page(
        "registry:person_export",
        "GET",
        "/registry/persons/export.xlsx",
        (L, 200, 200, 200, 200, 200),
        action="registry.person.export",
        changes=ALL_SIGNED_IN,
    ),
    Page("registry:person_detail", "GET", PERSON, (L, 404, 404, 200, 200, 200)),
    Page("registry:person_edit", "GET", PERSON + "edit/", (L, 404, 404, 200, 200, 403)),
    Page(
        "registry:person_edit",
        "POST",
        PERSON + "edit/",
        (L, 404, 404, PERSON, PERSON, 403),
        data={
            "name": "王建华",
            "hukou_division_code": YANGSHE_VILLAGE,
            "residence_division_code": YANGSHE_VILLAGE,
            "marital_status": "married",
        },
        action="registry.person.update",
        changes=WRITERS,
    ),
    Page(
        "funeral:person_death",
        "POST",
        "/funeral/deaths/{head}/",
        (L, 404, 404, PERSON, PERSON, 403),
        data={"death_date": "2024-06-01"},
        action="registry.person.record_death",
        changes=WRITERS,
    ),
    Page(
        "moves:person_move",
        "POST",
        "/moves/persons/{child}/move/",
        (L, 404, 404, "/registry/persons/{child}/", "/registry/persons/{child}/", 403),
        data={"household_number": "{second_number}", "relation": "other", "on": "2024-06-01"},
        action="registry.person.move",
        changes=WRITERS,
    ),
    Page(
        "moves:person_leave_city",
        "POST",
        "/moves/persons/{child}/leave/",
        (L, 404, 404, "/registry/persons/{child}/", "/registry/persons/{child}/", 403),
        data={"leave-destination": "上海市浦东新区", "leave-on": "2024-06-01"},
        action="registry.person.leave_city",
        changes=WRITERS,
    ),
    Page(
        "registry:person_reveal",
        "POST",
        PERSON + "reveal/",
        (L, 404, 404, 200, 200, 200),
        data={"field": "id_number", "reason": "核对身份信息"},
        action="registry.person.reveal",
        changes=frozenset({"own_town", "city", "auditor"}),
    ),
    Page("registry:household_list", "GET", "/registry/households/", (L, 200, 200, 200, 200, 200)),
    Page(
        "registry:household_new",
        "GET",
        "/registry/households/new/",
        (L, 200, 403, 200, 200, 403),
    ),
    Page(
        "registry:household_new",
        "POST",
        "/registry/households/new/",
        # Another town's clerk may not choose 杨舍镇's village: the form says so (200).
        (
            L,
            200,
            403,
            "/registry/households/{new_household}/",
            "/registry/households/{new_household}/",
            403,
        ),
        data=_household_form,
        action="registry.household.register",
        changes=WRITERS,
    ),
    Page(
        "registry:household_export",
        "GET",
        "/registry/households/export.xlsx",
        (L, 200, 200, 200, 200, 200),
        action="registry.household.export",
        changes=ALL_SIGNED_IN,
    ),
    Page("registry:household_detail", "GET", HOUSEHOLD, (L, 404, 404, 200, 200, 200)),
    Page(
        "registry:household_add_member",
        "POST",
        HOUSEHOLD + "members/",
        (L, 404, 404, HOUSEHOLD, HOUSEHOLD, 403),
        data={
            "member-name": "王小明",
            "member-id_number": make_id_number("20100101", 51),
            "member-relation": "grandchild",
        },
        action="registry.household.add_member",
        changes=WRITERS,
    ),
    Page(
        "registry:household_head",
        "POST",
        HOUSEHOLD + "head/",
        (L, 404, 404, HOUSEHOLD, HOUSEHOLD, 403),
        data={"person_id": "{spouse}"},
        action="registry.household.set_head",
        changes=WRITERS,
    ),
    Page("registry:division_list", "GET", "/registry/divisions/", (L, 200, 200, 200, 200, 200)),
    Page(
        "registry:division_list",
        "POST",
        "/registry/divisions/",
        (L, 403, 403, 403, "/registry/divisions/", 403),
        data=_division_file,
        action="registry.divisions.load",
        changes=frozenset({"city"}),
    ),
    Page("registry:import", "GET", "/registry/import/", (L, 200, 403, 200, 200, 403)),
    Page(
        "registry:import",
        "POST",
        "/registry/import/",
        # Another town's clerk gets the page back with "您无权导入区划…" (200), nothing written.
        (L, 200, 403, 200, 200, 403),
        data=_import_file,
        action="registry.household.register",
        changes=WRITERS,
    ),
    Page(
        "registry:import_template",
        "GET",
        "/registry/import/template.xlsx",
        (L, 200, 200, 200, 200, 200),
    ),
    Page("audit:event_list", "GET", "/audit/", (L, 403, 403, 403, 200, 200)),
    Page(
        "audit:event_export",
        "GET",
        "/audit/export.xlsx",
        (L, 403, 403, 403, 200, 200),
        action="audit.export",
        changes=frozenset({"city", "auditor"}),
    ),
    Page("policies:calculator", "GET", "/policies/calculator/", (200,) * 6),
    # The public calculator computes and shows; it writes nothing for anyone.
    Page(
        "policies:calculator",
        "POST",
        "/policies/calculator/",
        (200,) * 6,
        data=_calculator_form,
    ),
    Page("policies:parameters", "GET", "/policies/parameters/", (L, 403, 403, 403, 200, 200)),
    Page("workflow:inbox", "GET", "/inbox/", (L, 200, 200, 200, 200, 200)),
    Page("assistance:case_list", "GET", "/assistance/cases/", (L, 200, 200, 200, 200, 200)),
    Page("assistance:case_track", "GET", "/assistance/track/", (200, 200, 200, 200, 200, 200)),
    Page(
        "assistance:case_track",
        "POST",
        "/assistance/track/",
        (200, 200, 200, 200, 200, 200),  # public: the number and the id number are the key
        data={"number": "SA20260105000000", "id_number": make_id_number("19600315", 11)},
    ),
    Page("assistance:case_detail", "GET", CASE, (L, 404, 404, 200, 200, 200)),
    Page(
        "assistance:case_step",
        "POST",
        CASE + "accept/",
        # Only the town accepts; the provider and 塘桥镇 cannot see the case at all.
        (L, 404, 404, CASE, 403, 403),
        data={
            "documents": ["身份证、户口簿", "家庭经济状况核对授权书"],
            "authorisation_signed": "on",
        },
        action="assistance.case.accept",
        changes=frozenset({"own_town"}),
    ),
    Page(
        "assistance:case_step",
        "POST",
        CASE + "approve/",
        (L, 404, 404, 403, 403, 403),  # only the town's approver decides
        data={"start_month": "2026-02"},
    ),
    Page("assistance:case_apply", "GET", APPLY, (L, 404, 404, 200, 200, 200)),
    Page(
        "assistance:case_letter_docx",
        "GET",
        CASE + "letter.docx",
        (L, 404, 404, 200, 200, 200),  # whoever may read the case; every download recorded
        action="assistance.case.letter",
        changes=CASE_READERS,
        prepare=case_rejected,
    ),
    Page(
        "assistance:case_letter_pdf",
        "GET",
        CASE + "letter.pdf",
        (L, 404, 404, 200, 200, 200) if PDF_OK else (L, 404, 404, CASE, CASE, CASE),
        action="assistance.case.letter",
        changes=CASE_READERS if PDF_OK else frozenset(),
        prepare=case_rejected,
    ),
    # A village's notice sheet: names masked; another town and the provider are refused.
    Page(
        "assistance:notice_sheet",
        "GET",
        NOTICE,
        (L, 403, 403, 200, 200, 200),
        prepare=_case_in_notice,
    ),
    Page(
        "assistance:notice_sheet_pdf",
        "GET",
        f"/assistance/notices/{YANGSHE_VILLAGE}.pdf",
        (L, 403, 403, 200, 200, 200) if PDF_OK else (L, 403, 403, NOTICE, NOTICE, NOTICE),
        prepare=_case_in_notice,
    ),
    Page("assistance:payroll_list", "GET", "/assistance/payroll/", (L, 403, 403, 403, 200, 403)),
    Page(
        "assistance:payroll_list",
        "POST",
        "/assistance/payroll/",
        (L, 403, 403, 403, "/assistance/payroll/2026-01/", 403),
        data={"month": "2026-01"},
        action="assistance.payroll.close",
        changes=frozenset({"city"}),
    ),
    Page(
        "assistance:payroll_detail",
        "GET",
        "/assistance/payroll/2026-01/",
        (L, 403, 403, 403, 200, 403),
        prepare=_january_closed,
    ),
    Page(
        "assistance:payroll_file",
        "GET",
        "/assistance/payroll/2026-01/bank-2026-01.csv",
        (L, 403, 403, 403, 200, 403),
        prepare=_january_closed,
        action="assistance.payroll.export",  # accounts in clear: every download is recorded
        changes=frozenset({"city"}),
    ),
    # Monthly statistics: whoever reads cases, each in their own scope (塘桥镇 its own town);
    # every download of the .xlsx is recorded.
    Page("assistance:statistics", "GET", "/assistance/statistics/", (L, 200, 403, 200, 200, 200)),
    Page(
        "assistance:statistics_file",
        "GET",
        "/assistance/statistics/2026-01.xlsx",
        (L, 200, 403, 200, 200, 200),
        action="assistance.statistics.export",
        changes=frozenset({"other_town", "own_town", "city", "auditor"}),
    ),
    Page(
        "assistance:case_apply",
        "POST",
        APPLY,
        # The auditor sees the household but may not apply for it.
        (L, 404, 404, "/assistance/cases/{new_case}/", "/assistance/cases/{new_case}/", 403),
        data=_apply_form,
        action="assistance.case.apply",
        changes=WRITERS,
    ),
    # Online applications: anyone applies (audited as "system"); the town's clerk and approver
    # convert and decline; whoever may read cases reads them; reveals are audited.
    Page("assistance:online_apply", "GET", "/assistance/online/apply/", (200,) * 6),
    Page(
        "assistance:online_apply",
        "POST",
        "/assistance/online/apply/",
        (200,) * 6,
        data=_online_form,
        action="assistance.online.submit",
        changes=frozenset(WHO),
        actor="system",
    ),
    Page(
        "assistance:online_list",
        "GET",
        "/assistance/online/",
        (L, 200, 200, 200, 200, 200),
        prepare=online_submitted,
    ),
    Page(
        "assistance:online_detail",
        "GET",
        ONLINE,
        (L, 404, 404, 200, 200, 200),
        prepare=online_submitted,
    ),
    Page(
        "assistance:online_convert",
        "POST",
        ONLINE + "convert/",
        (L, 404, 404, "/assistance/cases/{new_case}/", 403, 403),
        action="assistance.online.convert",
        changes=frozenset({"own_town"}),
        prepare=online_submitted,
    ),
    Page(
        "assistance:online_decline",
        "POST",
        ONLINE + "decline/",
        (L, 404, 404, ONLINE, 403, 403),
        data={"reason": "户籍不在本镇"},
        action="assistance.online.decline",
        changes=frozenset({"own_town"}),
        prepare=online_submitted,
    ),
    Page(
        "assistance:online_reveal",
        "POST",
        ONLINE + "reveal/",
        (L, 404, 404, 200, 200, 200),
        data={"field": "phone", "reason": "联系申请人"},
        action="assistance.online.reveal",
        changes=CASE_READERS,
        prepare=online_submitted,
    ),
    # Alerts: a town's own, the city's; the auditor reads and may not act.
    Page("alerts:alert_list", "GET", "/alerts/", (L, 200, 200, 200, 200, 200)),
    Page("alerts:dashboard", "GET", "/alerts/dashboard/", (L, 200, 200, 200, 200, 200)),
    Page("alerts:alert_detail", "GET", ALERT, (L, 404, 404, 200, 200, 200)),
    Page(
        "alerts:alert_assign",
        "POST",
        ALERT + "assign/",
        (L, 404, 404, ALERT, ALERT, 403),
        data={"assignee": "{user}", "note": "请入户核实"},
        action="alerts.assistance.assign",
        changes=WRITERS,
    ),
    Page(
        "alerts:alert_close",
        "POST",
        ALERT + "close/",
        (L, 404, 404, ALERT, ALERT, 403),
        data={"outcome": "no_action", "note": "车辆为残疾人代步车"},
        action="alerts.assistance.close",
        changes=WRITERS,
    ),
    # Data exchange: the city's assistance staff (here the administrator) import; the auditor
    # reads; the towns and the provider see nothing. The sources' columns are for everyone.
    Page("exchange:batch_list", "GET", "/exchange/", (L, 403, 403, 403, 200, 200)),
    Page(
        "exchange:batch_list",
        "POST",
        "/exchange/",
        (L, 403, 403, 403, "/exchange/{new_batch}/", 403),
        data=exchange_file,
        action="exchange.import",
        changes=frozenset({"city"}),
    ),
    Page(
        "exchange:batch_detail",
        "GET",
        "/exchange/{batch}/",
        (L, 403, 403, 403, 200, 200),
        prepare=exchange_imported,
    ),
    Page("exchange:source_list", "GET", "/exchange/sources/", (L, 200, 200, 200, 200, 200)),
    Page("api:openapi-json", "GET", "/api/openapi.json", (200, 200, 200, 200, 200, 200)),
    Page("api:openapi-view", "GET", "/api/docs", (200, 200, 200, 200, 200, 200)),
    Page("api:api-root", "GET", "/api/", (404, 404, 404, 404, 404, 404)),
]
PAGES += eldercare_parts.pages()


def _fill(value: object, ids: dict[str, object]) -> object:
    return value.format(**ids) if isinstance(value, str) else value


def _data(page: Page, ids: dict[str, object]) -> dict[str, object]:
    data = page.data(ids) if callable(page.data) else dict(page.data or {})
    return {key: _fill(value, ids) for key, value in data.items()}


def _made_ids() -> dict[str, object]:
    """Ids of what a write in the table creates, for the redirect that follows it."""
    household = Household.objects.filter(number=NEW_HOUSEHOLD_NUMBER).first()
    user = User.objects.filter(username=NEW_USERNAME).first()
    case = AssistanceCase.objects.order_by("-pk").first()
    batch = ExchangeBatch.objects.order_by("-pk").first()
    return {
        "new_batch": batch.pk if batch else None,
        "new_household": household.pk if household else None,
        "new_user": user.pk if user else None,
        "new_case": case.pk if case else None,
        # eldercare's ids as they stand after the request: "{new_<name>}" in a redirect
        **{f"new_{name}": value for name, value in eldercare_parts.ids().items()},
    }


def request_page(client: Client, page: Page, ids: dict[str, object]) -> Any:
    path = page.path.format(**ids)
    if page.method == "GET":
        return client.get(path)
    return client.post(path, _data(page, ids))


def assert_answer(response: Any, expected: int | str, path: str, ids: dict[str, object]) -> None:
    if expected == LOGIN:
        assert (response.status_code, response["Location"]) == (302, f"/login/?next={path}")
    elif isinstance(expected, str):
        location = expected.format(**ids, **_made_ids())
        assert (response.status_code, response["Location"]) == (302, location)
    else:
        assert response.status_code == expected, response.content[:500]
        if expected == 403:
            assert "无权访问" in response.content.decode()
        if expected == 404:
            assert "页面不存在" in response.content.decode()


CELLS = [pytest.param(page, who, id=f"{page}-{who}") for page in PAGES for who in WHO]


@pytest.mark.parametrize(("page", "who"), CELLS)
def test_every_page_answers_every_column_exactly_and_denials_change_nothing(
    client, world, page, who
):
    if page.prepare is not None:
        page.prepare(world)
    sign_in(client, world, who)
    ids = world.ids
    before = snapshot()

    response = request_page(client, page, ids)

    assert_answer(response, page.expect[WHO.index(who)], page.path.format(**ids), ids)
    if who in page.changes:
        event = newest_event()
        actor = page.actor or world.users[who].username
        assert (event.action, event.actor_username) == (page.action, actor)
        assert snapshot()["counts"]["audit_events"] > before["counts"]["audit_events"]
    else:
        assert snapshot() == before


def _url_patterns(
    patterns: list[URLPattern | URLResolver], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str]]:
    """(view name, route) of every URL in the URLconf, with includes expanded."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _url_patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            yield f"{namespace}{pattern.name}", "/" + prefix + str(pattern.pattern)


def _openapi_path(route: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def test_the_page_table_has_a_row_for_every_url_of_the_urlconf(client, db):
    api_paths = set(client.get("/api/openapi.json").json()["paths"])
    pages = {
        name
        for name, route in _url_patterns(get_resolver().url_patterns)
        if _openapi_path(route) not in api_paths  # API operations: test_access_api.py
    }

    assert {page.name for page in PAGES} == pages


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_each_row_of_the_page_table_names_the_view_its_path_reaches(page):
    ids = defaultdict(lambda: 1, child=3)

    assert resolve(page.path.format_map(ids)).view_name == page.name
