"""The assistance API walks a case from application to termination, and refuses bad steps."""

from __future__ import annotations

import time_machine

from minzheng.assistance.models import AssistanceCase
from minzheng.rules import assess
from tests.assistance.conftest import family_request
from tests.security.conftest import bearer


def _post(client, path, headers, body=None):
    import json

    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


def test_a_case_walks_through_the_api(client, family, yangshe_clerk, yangshe_approver):
    clerk = bearer(client, yangshe_clerk)
    approver = bearer(client, yangshe_approver)
    with time_machine.travel("2026-01-05 10:00 +0800", tick=False):
        response = _post(
            client,
            "/api/assistance/cases",
            clerk,
            {
                "household_id": family.pk,
                "applicant_id": family.head_id,
                "program": "dibao",
                "request": family_request(),
            },
        )
        assert response.status_code == 201, response.content
        case_id = response.json()["id"]
        base = f"/api/assistance/cases/{case_id}"
        steps = [
            (
                "accept",
                {
                    "documents": ["身份证、户口簿", "家庭经济状况核对授权书"],
                    "authorisation_signed": True,
                },
            ),
            ("verify", None),
            ("visit", {"workers": ["张三", "李四"], "findings": "属实"}),
            ("notice", None),
        ]
        for step, body in steps:
            response = _post(client, f"{base}/{step}", clerk, body)
            assert response.status_code == 200, (step, response.content)
        assert response.json()["due_on"] == "2026-01-12"
        early = _post(client, f"{base}/approve", approver, {"start_month": "2026-02-01"})
        assert early.status_code == 422
        assert early.json()["errors"] == [
            {
                "message_zh": "公示期至 2026-01-12 结束，之前不能审批",
                "message_en": "the public notice is not over",
            }
        ]
    with time_machine.travel("2026-01-12 10:00 +0800", tick=False):
        approver = bearer(client, yangshe_approver)
        response = _post(client, f"{base}/approve", approver, {"start_month": "2026-02-01"})
        assert response.status_code == 200, response.content
        expected = assess({**family_request(), "as_of": "2026-02"})["programs"]["dibao"]
        assert response.json()["monthly_amount"] == expected["monthly_amount"]
        response = _post(
            client,
            f"{base}/terminate",
            approver,
            {"reason": "收入增加", "last_month": "2026-03-01"},
        )
        assert response.status_code == 200
        detail = client.get(base, headers=clerk).json()
    assert detail["state"] == "terminated"
    assert [step["transition"] for step in detail["timeline"]] == [
        "apply",
        "accept",
        "verify",
        "visit",
        "notice",
        "approve",
        "terminate",
    ]
    assert AssistanceCase.objects.get().end_month.isoformat() == "2026-03-01"


def test_tracking_needs_the_right_id_number(client, dibao_case):
    from tests.conftest import HEAD_ID, SPOUSE_ID

    found = _post(
        client, "/api/assistance/track", {}, {"number": dibao_case.number, "id_number": HEAD_ID}
    )
    assert found.status_code == 200
    assert (found.json()["state"], found.json()["steps"][0][1]) == ("已申请", "提交申请")
    wrong = _post(
        client, "/api/assistance/track", {}, {"number": dibao_case.number, "id_number": SPOUSE_ID}
    )
    assert wrong.status_code == 404


def test_closing_a_month_twice_through_the_api_changes_nothing(client, city_admin):
    headers = bearer(client, city_admin)
    first = _post(client, "/api/assistance/payroll", headers, {"month": "2026-01"})
    second = _post(client, "/api/assistance/payroll", headers, {"month": "2026-01"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    future = _post(client, "/api/assistance/payroll", headers, {"month": "2099-01"})
    assert future.status_code == 422
    assert future.json()["errors"] == [
        {"message_zh": "2099-01 尚未开始，不能关账", "message_en": "the month has not begun"}
    ]
