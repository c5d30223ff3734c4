"""Two-factor on every page and on the session-authenticated API."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from minzheng.accounts.two_factor import Step, two_factor_step

# Views a signed-in user may reach before the second step: the steps themselves, signing out,
# and the language switch.
OPEN_VIEWS = {
    "login",
    "logout",
    "set_language",
    "accounts:two_factor_verify",
    "accounts:two_factor_setup",
}
STEP_VIEWS = {Step.VERIFY: "accounts:two_factor_verify", Step.ENROL: "accounts:two_factor_setup"}


class TwoFactorMiddleware:
    """Hold a signed-in user who still owes a one-time code (or an enrolment) at that step.

    Pages redirect to the step and come back afterwards; for the API such a session does not
    count as signed in (401), while a bearer token is judged on its own. Goes after django-otp's
    OTPMiddleware, which tells whether the session is verified.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        step = two_factor_step(request.user)
        request.two_factor_step = step  # type: ignore[attr-defined]
        # Read by the base template, which shows no menu before the second step.
        request.two_factor_pending = step is not Step.NONE  # type: ignore[attr-defined]
        if request.two_factor_pending and request.path_info.startswith("/api/"):
            request.user = AnonymousUser()
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[object, ...],
        view_kwargs: dict[str, object],
    ) -> HttpResponse | None:
        step = getattr(request, "two_factor_step", Step.NONE)
        if step is Step.NONE or request.path_info.startswith("/api/"):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_VIEWS:
            return None
        query = urlencode({"next": request.get_full_path()})
        return redirect(f"{reverse(STEP_VIEWS[step])}?{query}")
