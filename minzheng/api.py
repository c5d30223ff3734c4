"""The HTTP API: one NinjaAPI, one router per app, errors as RFC 7807 problem JSON."""

from __future__ import annotations

import logging
from http import HTTPStatus

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, django_auth

from minzheng.accounts.api import router as accounts_router
from minzheng.accounts.services import api_token_user
from minzheng.alerts.api import router as alerts_router
from minzheng.assistance.api import router as assistance_router
from minzheng.assistance.payroll import PayrollError
from minzheng.crypto import DataKeyError
from minzheng.eldercare.api import router as eldercare_router
from minzheng.eldercare.errors import EldercareError
from minzheng.exchange.api import router as exchange_router
from minzheng.exchange.services import ExchangeError
from minzheng.policies.api import router as rules_router
from minzheng.registry.api import router as registry_router
from minzheng.registry.errors import RegistryError
from minzheng.rules.ability import ScoreError
from minzheng.workflow.api import router as workflow_router
from minzheng.workflow.services import WorkflowError

logger = logging.getLogger(__name__)


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> object | None:
        user = api_token_user(key=token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Minzheng API",
    version="0.1.0",
    description="民政平台接口 Minzheng civil-affairs platform API. "
    "Authenticate with a session or `Authorization: Bearer <token>` from `POST /api/auth/token`.",
    auth=[BearerToken(), django_auth],
    urls_namespace="api",
)


def problem(
    request: HttpRequest, status: int, title: str, detail: str, **extra: object
) -> HttpResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = "application/problem+json"
    return response


@api.exception_handler(RegistryError)
def on_registry_error(request: HttpRequest, exc: RegistryError) -> HttpResponse:
    return problem(
        request,
        422,
        "Unprocessable Entity",
        "输入有误 Invalid input",
        errors=[issue.as_dict() for issue in exc.issues],
    )


@api.exception_handler(WorkflowError)
def on_workflow_error(request: HttpRequest, exc: WorkflowError) -> HttpResponse:
    problems = getattr(exc, "problems", [(exc.message_zh, exc.message_en)])
    return problem(
        request,
        422,
        "Unprocessable Entity",
        "不能办理 Not allowed in this state",
        errors=[{"message_zh": zh, "message_en": en} for zh, en in problems],
    )


@api.exception_handler(PayrollError)
def on_payroll_error(request: HttpRequest, exc: PayrollError) -> HttpResponse:
    return problem(
        request,
        422,
        "Unprocessable Entity",
        "不能关账 Cannot close the month",
        errors=[{"message_zh": zh, "message_en": en} for zh, en in exc.problems],
    )


@api.exception_handler(ExchangeError)
def on_exchange_error(request: HttpRequest, exc: ExchangeError) -> HttpResponse:
    """Every problem of the file (the first 1,000) and how many there are; nothing was written."""
    return problem(
        request,
        422,
        "Unprocessable Entity",
        "文件未导入 The file was not imported",
        error_count=exc.total,
        errors=[item.as_dict() for item in exc.problems[:1000]],
    )


@api.exception_handler(ScoreError)
@api.exception_handler(EldercareError)
def on_eldercare_error(request: HttpRequest, exc: ScoreError | EldercareError) -> HttpResponse:
    """Every problem, each naming its field or assessment item; nothing was changed."""
    return problem(
        request,
        422,
        "Unprocessable Entity",
        "输入有误 Invalid input",
        errors=[
            {"field": field, "message_zh": zh, "message_en": en} for field, zh, en in exc.problems
        ],
    )


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "field": ".".join(str(part) for part in error.get("loc", ())),
            "message": error.get("msg", ""),
        }
        for error in exc.errors
    ]
    return problem(request, 422, "Unprocessable Entity", "输入有误 Invalid input", errors=errors)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(request, 404, "Not Found", "未找到 Not found")


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem(request, 403, "Forbidden", str(exc) or "无权操作 Forbidden")


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem(request, 401, "Unauthorized", "请先登录或提供令牌 Authentication required")


@api.exception_handler(DataKeyError)
def on_data_key_error(request: HttpRequest, exc: DataKeyError) -> HttpResponse:
    logger.error("data key error on %s %s: %s", request.method, request.path, exc.message_en)
    return problem(
        request, 503, "Service Unavailable", "数据密钥不可用，请联系系统管理员 Data key unavailable"
    )


@api.exception_handler(MultiPartParserError)
def on_malformed_body(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return problem(request, 400, "Bad Request", "请求体格式不正确 malformed request body")


@api.exception_handler(Exception)
def on_unexpected_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """Anything unforeseen: logged for the operators, a plain problem for the caller."""
    logger.error("API error on %s %s", request.method, request.path, exc_info=exc)
    return problem(request, 500, "Internal Server Error", "系统出错，请稍后再试 Internal error")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem(request, exc.status_code, HTTPStatus(exc.status_code).phrase, str(exc))


api.add_router("/auth", accounts_router)
api.add_router("/registry", registry_router)
api.add_router("/rules", rules_router)
api.add_router("/assistance", assistance_router)
api.add_router("/workflow", workflow_router)
api.add_router("/exchange", exchange_router)
api.add_router("/alerts", alerts_router)
api.add_router("/eldercare", eldercare_router)
