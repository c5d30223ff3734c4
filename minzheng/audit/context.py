"""Where the current request came from, for the audit log, without passing it through services."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

client_address: ContextVar[str | None] = ContextVar("client_address", default=None)


class AuditContextMiddleware:
    """Remember the client's address while a request is served.

    REMOTE_ADDR is the peer; behind a reverse proxy the proxy must be the one to set it (for
    gunicorn, `--forwarded-allow-ips`), so a client cannot forge the address it is logged under.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = client_address.set(request.META.get("REMOTE_ADDR") or None)
        try:
            return self.get_response(request)
        finally:
            client_address.reset(token)
