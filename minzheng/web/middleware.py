"""Chinese first: the language is the one chosen with the switcher, else Simplified Chinese.

Django's LocaleMiddleware would follow the browser's Accept-Language, which shows English to
staff whose browsers happen to be set that way; the bureau works in Chinese.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from minzheng.crypto import DataKeyError

logger = logging.getLogger(__name__)


class ChineseFirstLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.languages = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class DataKeyErrorMiddleware:
    """A missing or wrong data key: a clear page (503) for the staff, a log line for operators."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DataKeyError):
            return None
        logger.error(
            "data key error on %s %s: %s", request.method, request.path, exception.message_en
        )
        return render(
            request,
            "web/error.html",
            {"title": "数据密钥不可用，暂时无法显示个人信息，请联系系统管理员", "status": 503},
            status=503,
        )
