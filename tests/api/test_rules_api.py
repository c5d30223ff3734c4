"""`POST /api/rules/assess`: the same JSON in and out as `minzheng assess`; 422 with paths."""

from __future__ import annotations

import json

import pytest

from minzheng.rules import assess
from tests.rules.test_assess import POOR_COUPLE


def _post(client, body: str):
    return client.post("/api/rules/assess", body, content_type="application/json")


def test_assess_answers_the_same_as_the_rules_without_a_login(client, db):
    response = _post(client, json.dumps(POOR_COUPLE))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == json.loads(json.dumps(assess(POOR_COUPLE)))


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            json.dumps({**POOR_COUPLE, "as_of": "2009-01"}),
            [
                {
                    "path": "$.as_of",
                    "message_zh": "评估月份早于最早的参数（2011-01），无法评估",
                    "message_en": "as_of is before the earliest parameter (2011-01)",
                }
            ],
        ),
        (
            json.dumps({**POOR_COUPLE, "assets": {"financial": -1}}),
            [
                {
                    "path": "$.assets.financial",
                    "message_zh": "不能为负数",
                    "message_en": "must not be negative",
                }
            ],
        ),
        (
            "{broken",
            [
                {
                    "path": "$",
                    "message_zh": "请求体不是有效的JSON",
                    "message_en": "the body is not valid JSON",
                }
            ],
        ),
        (
            "[]",
            [
                {
                    "path": "$",
                    "message_zh": "请求应为JSON对象",
                    "message_en": "the request must be an object",
                }
            ],
        ),
    ],
)
def test_bad_input_is_a_422_problem_with_every_error_and_its_path(client, db, body, errors):
    response = _post(client, body)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Unprocessable Entity",
        "status": 422,
        "detail": "输入有误 Invalid input",
        "errors": errors,
    }


def test_the_openapi_document_carries_the_contracts(client, db):
    operation = client.get("/api/openapi.json").json()["paths"]["/api/rules/assess"]["post"]
    request_schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert request_schema["required"] == ["as_of", "members"]
    result_schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert "programs" in result_schema["properties"]
    assert "security" not in operation  # no login needed
