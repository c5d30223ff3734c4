"""`POST /api/rules/assess`: the household request in, the assessment out (no login needed)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from minzheng.rules import RequestError, assess
from minzheng.rules.request import RequestIssue, contract

router = Router(tags=["rules"])

PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "path": {"type": "string"},
                    "message_zh": {"type": "string"},
                    "message_en": {"type": "string"},
                },
            },
        },
    },
}


def _schema(name: str) -> dict[str, Any]:
    schema = dict(contract(name))
    for key in ("$schema", "$id"):
        schema.pop(key, None)
    return schema


@router.post(
    "/assess",
    auth=None,
    operation_id="rules_assess",
    summary="评估一户家庭可享受的救助与福利 Assess a household against every programme",
    description="The request and result are the JSON contracts household.schema.json and "
    "assessment.schema.json. The calculator page gives the same answers. Invalid input: 422 "
    "with every error and its JSON path. Nothing is stored.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _schema("household.schema.json")}},
        },
        "responses": {
            200: {
                "description": "The assessment",
                "content": {"application/json": {"schema": _schema("assessment.schema.json")}},
            },
            422: {
                "description": "Invalid request",
                "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}},
            },
        },
    },
)
def rules_assess(request: HttpRequest) -> HttpResponse:
    from minzheng.api import problem

    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        issues = [RequestIssue("$", "请求体不是有效的JSON", "the body is not valid JSON")]
    else:
        try:
            return HttpResponse(
                json.dumps(assess(data), ensure_ascii=False),
                content_type="application/json",
            )
        except RequestError as error:
            issues = error.issues
    return problem(
        request,
        422,
        "Unprocessable Entity",
        "输入有误 Invalid input",
        errors=[issue.as_dict() for issue in issues],
    )
