"""Error pages in Chinese; never a traceback."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/error.html", {"title": "页面不存在", "status": 404}, status=404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/error.html", {"title": "无权访问", "status": 403}, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(
        request, "web/error.html", {"title": "系统出错，请稍后再试", "status": 500}, status=500
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(
        request,
        "web/error.html",
        {"title": "页面已过期或来源不明，请刷新页面后重试", "status": 403},
        status=403,
    )
