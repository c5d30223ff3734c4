"""Lock-out after repeated failures, through django-axes: count, ask, clear.

Axes counts failed passwords by itself (through Django's `user_login_failed` signal); a wrong
one-time code is counted here the same way, so that both add up for one username and address.
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone


def client_address(request: HttpRequest) -> str | None:
    """The peer address, as the audit log records it (the proxy must set REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR") or None


def _credentials(username: str) -> dict[str, str]:
    return {"username": username}


def login_failure_record(*, request: HttpRequest, username: str) -> None:
    """Count one failure (a wrong one-time code) for this username from this address."""
    user_login_failed.send(sender=__name__, credentials=_credentials(username), request=request)


def login_is_locked(*, request: HttpRequest, username: str) -> bool:
    """Whether this username is locked out from the request's address."""
    return AxesProxyHandler.is_locked(request, _credentials(username))


def login_failures_reset(*, request: HttpRequest, username: str) -> int:
    """Clear the failures of this username from this address after a complete login."""
    return AxesProxyHandler.reset_attempts(ip_address=client_address(request), username=username)


def lockout_clear(*, username: str) -> int:
    """Clear every failure of this username, from every address; return how many were cleared."""
    return AxesProxyHandler.reset_attempts(username=username)


def locked_addresses(usernames: list[str] | None = None) -> dict[str, list[str]]:
    """The addresses each username is locked out from now (usernames without a lock are absent)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(attempt_time__gte=since)
    if usernames is not None:
        attempts = attempts.filter(username__in=usernames)
    locked: dict[str, list[str]] = {}
    rows = (
        attempts.values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("username", "ip_address")
    )
    for row in rows:
        locked.setdefault(row["username"], []).append(row["ip_address"] or "—")
    return locked
