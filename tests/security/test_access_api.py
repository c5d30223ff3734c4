"""The access table of every API operation in `/api/openapi.json`, as each column's user.

Callers authenticate with a bearer token from `POST /api/auth/token` (with the one-time code for
the city administrator and the auditor). A cell is the exact status and, for searches, how many
records come back; refusals are RFC 7807 problem JSON. Where the table says a user changes
something, the audit log's newest entry is that change; in every other cell nothing changed.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.assistance.conftest import family_request
from tests.conftest import HEAD_ID, PASSWORD, YANGSHE_VILLAGE, make_id_number, totp_code
from tests.security import eldercare_parts
from tests.security.conftest import WHO, bearer, newest_event, sign_in, snapshot
from tests.security.tables import (
    FORBIDDEN_WRITE,
    PROBLEMS,
    WRONG_PASSWORD,
    Operation,
)
from tests.security.test_access_pages import (
    case_rejected,
    exchange_file,
    exchange_imported,
    online_submitted,
)

FORBIDDEN_STEP = {403: {**FORBIDDEN_WRITE, "detail": "您无权办理该环节"}}
PAYROLL_ONLY = {403: {**FORBIDDEN_WRITE, "detail": "只有市局社会救助人员可以办理资金发放"}}
STATISTICS_READERS_ONLY = {
    403: {**FORBIDDEN_WRITE, "detail": "只有可以查看社会救助案件的人员可以查看救助统计"}
}
ONLINE_TOWN_ONLY = {
    403: {**FORBIDDEN_WRITE, "detail": "只有申请所在镇（街道）的经办人和审批人可以办理网上申请"}
}
EXCHANGE_READERS_ONLY = {
    403: {
        **FORBIDDEN_WRITE,
        "detail": "只有市局管理员、市局社会救助人员和审计人员可以查看部门交换数据",
    }
}
EXCHANGE_IMPORTERS_ONLY = {
    403: {**FORBIDDEN_WRITE, "detail": "只有市局管理员和市局社会救助人员可以导入部门交换数据"}
}


def _out_of_order(step: str) -> dict[int, dict[str, object]]:
    """The 422 of a step the applied case is not ready for, and the 403 of a step."""
    return {
        **FORBIDDEN_STEP,
        422: {
            "type": "about:blank",
            "title": "Unprocessable Entity",
            "status": 422,
            "detail": "不能办理 Not allowed in this state",
            "errors": [
                {
                    "message_zh": f"办件当前为“已申请”，不能{step}",
                    "message_en": f"the case is applied; {STEP_NAMES[step]} is not allowed",
                }
            ],
        },
    }


STEP_NAMES = {
    "家庭经济状况核对": "verify",
    "入户调查": "visit",
    "公示": "notice",
    "登记公示异议": "object",
    "异议核实处理": "resolve_objection",
    "定期核查": "review",
    "迁移转办（镇间）": "transfer",
    "市局审批（批准）": "city_approve",
    "市局不予批准": "city_reject",
}


def _household_body() -> dict[str, object]:
    return {
        "number": "ZJG000000777",
        "address": "杨舍镇合成社区01 第7幢7室",
        "division_code": YANGSHE_VILLAGE,
        "members": [
            {"relation": "head", "name": "蒋七", "id_number": make_id_number("19770707", 77)}
        ],
    }


OPERATIONS = [
    Operation(
        "auth_token_issue",
        "post",
        "/api/auth/token",
        # Anonymous: a wrong password; every other column: its own credentials.
        (401, 200, 200, 200, 200, 200),
        action="accounts.token.issue",
        changes=frozenset(WHO) - {"anonymous"},
    ),
    Operation(
        "registry_division_list",
        "get",
        "/api/registry/divisions",
        (401, 200, 200, 200, 200, 200),
        # 塘桥镇 and its village; none; 杨舍镇 and its two; the city, its 11 towns and 3 villages.
        counts=(None, 2, 0, 3, 15, 15),
    ),
    Operation(
        "registry_person_search",
        "get",
        "/api/registry/persons",
        (401, 200, 200, 200, 200, 200),
        counts=(None, 1, 0, 4, 5, 5),
    ),
    Operation(
        "registry_person_get",
        "get",
        "/api/registry/persons/{person_id}",
        (401, 404, 404, 200, 200, 200),
        ids={"person_id": "head"},
    ),
    Operation(
        "registry_person_reveal",
        "post",
        "/api/registry/persons/{person_id}/reveal",
        (401, 404, 404, 200, 200, 200),
        body={"field": "id_number", "reason": "核对身份信息"},
        action="registry.person.reveal",
        changes=frozenset({"own_town", "city", "auditor"}),
        ids={"person_id": "head"},
    ),
    Operation(
        "registry_household_search",
        "get",
        "/api/registry/households",
        (401, 200, 200, 200, 200, 200),
        counts=(None, 1, 0, 2, 3, 3),
    ),
    Operation(
        "registry_household_get",
        "get",
        "/api/registry/households/{household_id}",
        (401, 404, 404, 200, 200, 200),
        ids={"household_id": "household"},
    ),
    Operation(
        "registry_household_register",
        "post",
        "/api/registry/households",
        # The provider and the auditor may not write; 塘桥镇's clerk may not write in 杨舍镇.
        (401, 403, 403, 201, 201, 403),
        body=_household_body(),
        action="registry.household.register",
        changes=frozenset({"own_town", "city"}),
    ),
    Operation(
        "assistance_case_list",
        "get",
        "/api/assistance/cases",
        (401, 200, 200, 200, 200, 200),
        counts=(None, 0, 0, 1, 1, 1),
    ),
    Operation(
        "assistance_case_get",
        "get",
        "/api/assistance/cases/{case_id}",
        (401, 404, 404, 200, 200, 200),
        ids={"case_id": "case"},
    ),
    Operation(
        "assistance_case_apply",
        "post",
        "/api/assistance/cases",
        # 塘桥镇 and the provider cannot see the household; the auditor may not apply.
        (401, 404, 404, 201, 201, 403),
        body={
            "household_id": "{household}",
            "applicant_id": "{head}",
            "program": "dibao",
            "request": family_request(),
        },
        action="assistance.case.apply",
        changes=frozenset({"own_town", "city"}),
        problems=FORBIDDEN_STEP,
    ),
    Operation(
        "assistance_case_accept",
        "post",
        "/api/assistance/cases/{case_id}/accept",
        # Only the town accepts.
        (401, 404, 404, 200, 403, 403),
        body={
            "documents": ["身份证、户口簿", "家庭经济状况核对授权书"],
            "authorisation_signed": True,
        },
        action="assistance.case.accept",
        changes=frozenset({"own_town"}),
        ids={"case_id": "case"},
        problems=FORBIDDEN_STEP,
    ),
    *[
        Operation(
            f"assistance_case_{step}",
            "post",
            f"/api/assistance/cases/{{case_id}}/{step}",
            # The town's clerk may, but not before acceptance: 422, nothing changed.
            (401, 404, 404, 422, 403, 403),
            body=body,
            ids={"case_id": "case"},
            problems=_out_of_order(label),
        )
        for step, label, body in (
            ("verify", "家庭经济状况核对", None),
            ("visit", "入户调查", {"workers": ["张三", "李四"], "findings": "情况属实"}),
            ("notice", "公示", None),
        )
    ],
    *[
        Operation(
            f"assistance_case_{step}",
            "post",
            f"/api/assistance/cases/{{case_id}}/{step}",
            # Only the town's approver decides: the clerk, the city and the auditor may not.
            (401, 404, 404, 403, 403, 403),
            body=body,
            ids={"case_id": "case"},
            problems=FORBIDDEN_STEP,
        )
        for step, body in (
            ("approve", {"start_month": "2026-02-01"}),
            ("reject", {"reasons": ["收入超过标准"]}),
            ("terminate", {"reason": "死亡", "last_month": "2026-02-01"}),
        )
    ],
    # The later steps of a case, against the world's case as applied: out of order (422)
    # where the role may make the step at all, otherwise refused (403); nothing changes.
    *[
        Operation(
            f"assistance_case_{step}",
            "post",
            f"/api/assistance/cases/{{case_id}}/{step}",
            expect,
            body=body,
            ids={"case_id": "case"},
            problems=_out_of_order(label),
        )
        for step, label, expect, body in (
            ("object", "登记公示异议", (401, 404, 404, 422, 403, 403), {"objection": "x"}),
            (
                "resolve_objection",
                "异议核实处理",
                (401, 404, 404, 422, 403, 403),
                {"finding": "x", "upheld": False},
            ),
            ("review", "定期核查", (401, 404, 404, 422, 403, 403), {"findings": "x"}),
            (
                "transfer",
                "迁移转办（镇间）",
                (401, 404, 404, 422, 422, 403),
                {"to_division": "320582101001", "reason": "搬家"},
            ),
            (
                "city_approve",
                "市局审批（批准）",
                (401, 404, 404, 403, 422, 403),
                {"amount": "100.00"},
            ),
            ("city_reject", "市局不予批准", (401, 404, 404, 403, 422, 403), {"reasons": ["x"]}),
        )
    ],
    *[
        Operation(
            f"assistance_case_{step}",
            "post",
            f"/api/assistance/cases/{{case_id}}/{step}",
            # The town's approver decides; the clerk, the city and the auditor may not.
            (401, 404, 404, 403, 403, 403),
            body=body,
            ids={"case_id": "case"},
            problems=FORBIDDEN_STEP,
        )
        for step, body in (
            (
                "deliberate",
                {
                    "start_month": "2026-02-01",
                    "monthly_amount": "500.00",
                    "members": ["甲", "乙"],
                    "reasons": "x",
                },
            ),
            ("refer_city", {"opinion": "x"}),
            (
                "complete",
                {"documents": [], "authorisation_signed": True, "findings": "x"},
            ),
            (
                "change_amount",
                {"amount": "500.00", "from_month": "2026-03-01", "reason": "x"},
            ),
            ("gradual_exit", {"from_month": "2026-03-01", "months": 3, "reason": "x"}),
        )
    ],
    Operation(
        "assistance_case_emergency",
        "post",
        "/api/assistance/cases/{case_id}/emergency",
        # The town's clerk may start the emergency path, but only for temporary assistance.
        (401, 404, 404, 422, 403, 403),
        body={"amount": "1000.00", "situation": "火灾"},
        ids={"case_id": "case"},
        problems={
            **FORBIDDEN_STEP,
            422: {
                "type": "about:blank",
                "title": "Unprocessable Entity",
                "status": 422,
                "detail": "不能办理 Not allowed in this state",
                "errors": [
                    {
                        "message_zh": "紧急程序只适用于临时救助",
                        "message_en": "the emergency path is for temporary help",
                    }
                ],
            },
        },
    ),
    Operation(
        "assistance_case_letter",
        "get",
        "/api/assistance/cases/{case_id}/letter",
        # Whoever may read the (decided) case; every download is recorded.
        (401, 404, 404, 200, 200, 200),
        action="assistance.case.letter",
        changes=frozenset({"own_town", "city", "auditor"}),
        ids={"case_id": "case"},
        query="?format=docx",
        prepare=case_rejected,
    ),
    Operation(
        "assistance_case_track",
        "post",
        "/api/assistance/track",
        (200, 200, 200, 200, 200, 200),  # public: the number and the id number are the key
        body={"number": "{case_number}", "id_number": HEAD_ID},
    ),
    # Online applications: anyone applies (audited as "system"); the town converts, declines.
    Operation(
        "assistance_online_apply",
        "post",
        "/api/assistance/online",
        (201, 201, 201, 201, 201, 201),
        body={
            "program": "dibao",
            "name": "王建国",
            "id_number": HEAD_ID,
            "phone": "13955556666",
            "division_code": YANGSHE_VILLAGE,
            "request": family_request(),
        },
        action="assistance.online.submit",
        changes=frozenset(WHO),
        actor="system",
    ),
    Operation(
        "assistance_online_list",
        "get",
        "/api/assistance/online",
        (401, 200, 200, 200, 200, 200),
        counts=(None, 0, 0, 1, 1, 1),
        prepare=online_submitted,
    ),
    *[
        Operation(
            f"assistance_online_{step}",
            "post",
            f"/api/assistance/online/{{application_id}}/{step}",
            # Only the town's clerk and approver; another town sees nothing.
            (401, 404, 404, 200, 403, 403),
            body=body,
            action=f"assistance.online.{step}",
            changes=frozenset({"own_town"}),
            ids={"application_id": "online"},
            problems=ONLINE_TOWN_ONLY,
            prepare=online_submitted,
        )
        for step, body in (("convert", None), ("decline", {"reason": "户籍不在本镇"}))
    ],
    Operation(
        "assistance_payroll_list",
        "get",
        "/api/assistance/payroll",
        (401, 403, 403, 403, 200, 403),
        problems=PAYROLL_ONLY,
    ),
    Operation(
        "assistance_payroll_close",
        "post",
        "/api/assistance/payroll",
        (401, 403, 403, 403, 201, 403),
        body={"month": "2026-01"},
        action="assistance.payroll.close",
        changes=frozenset({"city"}),
        problems=PAYROLL_ONLY,
    ),
    Operation(
        "assistance_statistics",
        "get",
        "/api/assistance/statistics",
        # Whoever reads cases, each in their own scope; the provider reads no cases.
        (401, 200, 403, 200, 200, 200),
        query="?month=2026-01",
        problems=STATISTICS_READERS_ONLY,
    ),
    Operation(
        "workflow_inbox",
        "get",
        "/api/workflow/inbox",
        (401, 200, 200, 200, 200, 200),
        counts=(None, 0, 0, 2, 1, 1),  # the town's: the case and the alert; the city's: the case
    ),
    Operation(
        "alerts_list",
        "get",
        "/api/alerts",
        (401, 200, 200, 200, 200, 200),
        counts=(None, 0, 0, 1, 1, 1),
    ),
    Operation("alerts_stats", "get", "/api/alerts/stats", (401, 200, 200, 200, 200, 200)),
    Operation(
        "alerts_get",
        "get",
        "/api/alerts/{alert_id}",
        (401, 404, 404, 200, 200, 200),
        ids={"alert_id": "alert"},
    ),
    Operation(
        "alerts_assign",
        "post",
        "/api/alerts/{alert_id}/assign",
        (401, 404, 404, 200, 200, 403),
        body={"assignee": "yangshe_worker"},
        action="alerts.assistance.assign",
        changes=frozenset({"own_town", "city"}),
        ids={"alert_id": "alert"},
        problems=FORBIDDEN_STEP,
    ),
    Operation(
        "alerts_close",
        "post",
        "/api/alerts/{alert_id}/close",
        (401, 404, 404, 200, 200, 403),
        body={"outcome": "no_action", "note": "车辆为残疾人代步车"},
        action="alerts.assistance.close",
        changes=frozenset({"own_town", "city"}),
        ids={"alert_id": "alert"},
        problems=FORBIDDEN_STEP,
    ),
    Operation(
        "exchange_source_list",
        "get",
        "/api/exchange/sources",
        (401, 200, 200, 200, 200, 200),
        counts=(None, 9, 9, 9, 9, 9),
    ),
    Operation(
        "exchange_batch_list",
        "get",
        "/api/exchange/batches",
        (401, 403, 403, 403, 200, 200),
        counts=(None, None, None, None, 1, 1),
        problems=EXCHANGE_READERS_ONLY,
        prepare=exchange_imported,
    ),
    Operation(
        "exchange_batch_get",
        "get",
        "/api/exchange/batches/{batch_id}",
        (401, 403, 403, 403, 200, 200),
        ids={"batch_id": "batch"},
        problems=EXCHANGE_READERS_ONLY,
        prepare=exchange_imported,
    ),
    Operation(
        "exchange_batch_import",
        "post",
        "/api/exchange/batches",
        (401, 403, 403, 403, 201, 403),
        form=exchange_file,
        action="exchange.import",
        changes=frozenset({"city"}),
        problems=EXCHANGE_IMPORTERS_ONLY,
    ),
    Operation(
        "rules_assess",
        "post",
        "/api/rules/assess",
        # Public, like the calculator: computes from what is sent, reads and stores nothing.
        (200, 200, 200, 200, 200, 200),
        body={
            "as_of": "2026-01",
            "members": [{"id": "A", "relation": "head", "birth_date": "1950-01-01"}],
        },
    ),
]
OPERATIONS += eldercare_parts.operations()


def _request(client, world, operation: Operation, who: str):
    """Authenticate as the column's user, snapshot, then call; return (snapshot, response)."""
    ids = world.ids
    path = operation.path.format(**{name: ids[key] for name, key in operation.ids.items()})
    path += operation.query
    user = world.users[who]
    if operation.operation_id == "auth_token_issue":
        credentials = {"username": "yangshe_clerk", "password": "not-the-password"}
        if user is not None:
            credentials = {"username": user.username, "password": PASSWORD}
            if who in {"city", "auditor"}:
                credentials["otp"] = totp_code(user)
        before = snapshot()
        return before, client.post(path, credentials, content_type="application/json")
    headers = {} if user is None else bearer(client, user)
    before = snapshot()
    if operation.method == "get":
        return before, client.get(path, headers=headers)
    if operation.form is not None:
        return before, client.post(path, operation.form(ids), headers=headers)
    body = json.dumps(_fill(operation.body, ids))
    return before, client.post(path, body, content_type="application/json", headers=headers)


def _fill(body: object, ids: dict[str, object]) -> object:
    """Put the world's ids where a body names them in braces ("{household}")."""
    if isinstance(body, dict):
        return {key: _fill(value, ids) for key, value in body.items()}
    if isinstance(body, str) and body.startswith("{") and body.endswith("}"):
        return ids[body[1:-1]]
    return body


def _problem(operation: Operation, status: int) -> dict[str, object]:
    if operation.operation_id == "auth_token_issue":
        return WRONG_PASSWORD
    return operation.problems.get(status) or PROBLEMS[status]


CELLS = [
    pytest.param(operation, who, id=f"{operation}-{who}") for operation in OPERATIONS for who in WHO
]


@pytest.mark.parametrize(("operation", "who"), CELLS)
def test_every_api_operation_answers_every_column_exactly_and_denials_change_nothing(
    client, world, operation, who
):
    if operation.prepare is not None:
        operation.prepare(world)
    before, response = _request(client, world, operation, who)

    expected = operation.expect[WHO.index(who)]
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert response.json() == _problem(operation, expected)
    count = operation.counts[WHO.index(who)]
    if count is not None:
        body = response.json()
        assert (len(body) if isinstance(body, list) else body["count"]) == count
    if who in operation.changes:
        event = newest_event()
        actor = operation.actor or world.users[who].username
        assert (event.action, event.actor_username) == (operation.action, actor)
    else:
        assert snapshot() == before


def test_the_api_table_has_a_row_for_every_operation_of_the_openapi_document(client, db):
    paths = client.get("/api/openapi.json").json()["paths"]
    documented = {
        (method, path, spec["operationId"])
        for path, methods in paths.items()
        for method, spec in methods.items()
    }

    assert {(op.method, op.path, op.operation_id) for op in OPERATIONS} == documented


def test_an_api_session_of_each_column_sees_what_its_token_sees(client, world):
    """The browser session is the API's other authentication; it is scoped the same way."""
    counts = {}
    for who in WHO:
        session = client.__class__()
        sign_in(session, world, who)
        response = session.get("/api/registry/persons")
        counts[who] = response.json()["count"] if response.status_code == 200 else 401

    assert counts == {
        "anonymous": 401,
        "other_town": 1,
        "no_permission": 0,
        "own_town": 4,
        "city": 5,
        "auditor": 5,
    }


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
def test_a_session_write_to_the_api_without_the_csrf_token_is_refused_and_changes_nothing(
    world, content_type
):
    """A cross-site form can post JSON as text/plain; the session alone must not be enough."""
    browser = Client(enforce_csrf_checks=True)
    sign_in(browser, world, "own_town")
    before = snapshot()

    response = browser.post(
        f"/api/registry/persons/{world.ids['head']}/reveal",
        json.dumps({"field": "phone", "reason": "核对身份信息"}),
        content_type=content_type,
    )

    assert (response.status_code, response.json()["detail"]) == (403, "CSRF check Failed")
    assert snapshot() == before
