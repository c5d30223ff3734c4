"""Sign-in steps (password, one-time code, enrolment), the lock-out page and the user pages."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from minzheng.accounts import forms, lockout, selectors, services, two_factor
from minzheng.accounts.errors import LoginRefusedError
from minzheng.accounts.jurisdiction import two_factor_required, users_manage_check
from minzheng.registry.errors import Issue, RegistryError
from minzheng.registry.selectors import divisions_visible

ENROL_KEY_SESSION = "two_factor_enrol_key"
PAGE_SIZE = 50


def _next_url(request: HttpRequest) -> str:
    """The page to go on to after a sign-in step: `next` if it stays on this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def locked_out(
    request: HttpRequest,
    original_response: HttpResponseBase | None = None,
    credentials: dict[str, object] | None = None,
) -> HttpResponse:
    """What a locked-out username and address see: a Chinese page, or problem JSON for the API."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {
                "type": "about:blank",
                "title": "Too Many Requests",
                "status": 429,
                "detail": f"登录失败次数过多，账号已锁定{minutes}分钟 "
                f"too many failed sign-ins: locked for {minutes} minutes",
            },
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
        response["Content-Type"] = "application/problem+json"
        return response
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes, "limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


class LoginView(auth_views.LoginView):
    """The password step; a user with two-factor goes on to the code (or enrolment) step."""

    def form_valid(self, form: auth_views.AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        if two_factor.user_has_two_factor(user):
            return redirect(_with_next("accounts:two_factor_verify", self.get_success_url()))
        if two_factor_required(user):
            return redirect(_with_next("accounts:two_factor_setup", self.get_success_url()))
        lockout.login_failures_reset(request=self.request, username=user.get_username())
        return response


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The code step after the password, for a user with a confirmed authenticator."""
    next_url = _next_url(request)
    step = two_factor.two_factor_step(request.user)
    if step is two_factor.Step.ENROL:
        return redirect(_with_next("accounts:two_factor_setup", next_url))
    if step is two_factor.Step.NONE:
        return redirect(next_url)
    username = request.user.get_username()
    form = forms.OtpForm(request.POST or None)
    if request.method == "POST":
        if lockout.login_is_locked(request=request, username=username):
            logout(request)
            return locked_out(request)
        if form.is_valid():
            try:
                device = services.two_factor_verify(
                    request=request, user=request.user, token=form.cleaned_data["otp_token"]
                )
            except LoginRefusedError as refusal:
                form.add_error("otp_token", refusal.message)
            else:
                if device is not None:
                    request.session.cycle_key()
                    otp_login(request, device)
                    lockout.login_failures_reset(request=request, username=username)
                    return redirect(next_url)
                if lockout.login_is_locked(request=request, username=username):
                    logout(request)
                    return locked_out(request)
                form.add_error("otp_token", _("验证码错误，请重新输入"))
    return render(request, "accounts/two_factor_verify.html", {"form": form, "next": next_url})


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator: show the secret, confirm with a first code, show backup codes."""
    next_url = _next_url(request)
    user = request.user
    if two_factor.user_has_two_factor(user):
        if not user.is_verified():
            return redirect(_with_next("accounts:two_factor_verify", next_url))
        return render(request, "accounts/two_factor_status.html", {"next": next_url})
    key_hex = request.session.get(ENROL_KEY_SESSION) or two_factor.new_secret()
    request.session[ENROL_KEY_SESSION] = key_hex
    form = forms.OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.two_factor_enrol(
                user=user, key_hex=key_hex, token=form.cleaned_data["otp_token"]
            )
        except RegistryError as error:
            for issue in error.issues:
                form.add_error("otp_token", issue.message)
        else:
            del request.session[ENROL_KEY_SESSION]
            request.session.cycle_key()
            otp_login(request, TOTPDevice.objects.get(user=user, confirmed=True))
            lockout.login_failures_reset(request=request, username=user.get_username())
            return render(
                request, "accounts/two_factor_done.html", {"codes": codes, "next": next_url}
            )
    uri = two_factor.provisioning_uri(user=user, key_hex=key_hex)
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "next": next_url,
            "required": two_factor_required(user),
            "secret": two_factor.secret_base32(key_hex),
            "uri": uri,
            "qr": two_factor.qr_code_data_uri(uri),
        },
    )


# ---------------------------------------------------------------------------------------------
# the city administrator's user pages


def _divisions(request: HttpRequest) -> list[tuple[str, str]]:
    return [
        (division.code, f"{division.code} {division.name}")
        for division in divisions_visible(user=request.user)
    ]


def _add_issues(form: forms.StyledForm, error: RegistryError) -> list[Issue]:
    """Attach each issue to its field; return those that belong to no field."""
    rest = []
    for issue in error.issues:
        field = "full_name" if issue.field == "first_name" else issue.field
        if field in form.fields:
            form.add_error(field, issue.message)
        else:
            rest.append(issue)
    return rest


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    users_manage_check(user=request.user)
    divisions = _divisions(request)
    form = forms.UserFilterForm(request.GET or None, divisions=divisions)
    is_valid = not form.is_bound or form.is_valid()
    filters = form.cleaned_data if form.is_bound and is_valid else {}
    active = filters.get("active", "")
    users = selectors.user_list(
        acting_user=request.user,
        role=filters.get("role", ""),
        division_code=filters.get("division_code", ""),
        is_active=None if active == "" else active == "1",
        q=filters.get("q", ""),
    )
    if not is_valid:
        users = users.none()  # bad filters find no one
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/user_list.html",
        {
            "form": form,
            "page": page,
            "rows": selectors.user_rows(users=list(page.object_list)),
            "query": query.urlencode(),
        },
    )


@login_required
def user_new(request: HttpRequest) -> HttpResponse:
    users_manage_check(user=request.user)
    form = forms.UserCreateForm(request.POST or None, divisions=_divisions(request))
    issues: list[Issue] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                acting_user=request.user,
                username=data["username"],
                password=data["password"],
                role=data["role"],
                division_code=data["division_code"],
                business_line=data["business_line"],
                full_name=data["full_name"],
            )
        except RegistryError as error:
            issues = _add_issues(form, error)
        else:
            messages.success(request, _("已创建用户 %(name)s") % {"name": user.username})
            return redirect("accounts:user_detail", user_id=user.pk)
    return render(request, "accounts/user_new.html", {"form": form, "issues": issues})


def _detail(
    request: HttpRequest,
    user_id: int,
    *,
    edit_form: forms.UserFieldsForm | None = None,
    password_form: forms.PasswordResetForm | None = None,
    issues: list[Issue] | None = None,
) -> HttpResponse:
    row = selectors.user_get(acting_user=request.user, user_id=user_id)
    user = row.user
    if edit_form is None:
        edit_form = forms.UserFieldsForm(
            initial={
                "full_name": user.first_name,
                "role": user.role,
                "division_code": user.division_code,
                "business_line": user.business_line,
            },
            divisions=_divisions(request),
        )
    return render(
        request,
        "accounts/user_detail.html",
        {
            "row": row,
            "shown": user,
            "is_self": user.pk == request.user.pk,
            "edit_form": edit_form,
            "password_form": password_form or forms.PasswordResetForm(),
            "issues": issues or [],
        },
    )


@login_required
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    """The user's page; a POST saves role, scope, business line and name."""
    if request.method != "POST":
        return _detail(request, user_id)
    row = selectors.user_get(acting_user=request.user, user_id=user_id)
    form = forms.UserFieldsForm(request.POST, divisions=_divisions(request))
    issues: list[Issue] = []
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(
                acting_user=request.user,
                user=row.user,
                role=data["role"],
                division_code=data["division_code"],
                business_line=data["business_line"],
                full_name=data["full_name"],
            )
        except RegistryError as error:
            issues = _add_issues(form, error)
        else:
            messages.success(request, _("已保存"))
            return redirect("accounts:user_detail", user_id=user_id)
    return _detail(request, user_id, edit_form=form, issues=issues)


@login_required
@require_POST
def user_password(request: HttpRequest, user_id: int) -> HttpResponse:
    row = selectors.user_get(acting_user=request.user, user_id=user_id)
    form = forms.PasswordResetForm(request.POST)
    if form.is_valid():
        try:
            services.user_password_reset(
                acting_user=request.user, user=row.user, password=form.cleaned_data["password"]
            )
        except RegistryError as error:
            _add_issues(form, error)
        else:
            if row.user.pk == request.user.pk:  # their own: stay signed in here, nowhere else
                update_session_auth_hash(request, row.user)
            messages.success(request, _("已重置密码，请将新密码当面告知本人"))
            return redirect("accounts:user_detail", user_id=user_id)
    return _detail(request, user_id, password_form=form)


# What each button on the user page does, and what it then says.
ACTIONS: dict[str, tuple[Callable[..., object], str]] = {
    "deactivate": (services.user_deactivate, gettext_lazy("已停用该账号")),
    "reactivate": (services.user_reactivate, gettext_lazy("已恢复该账号")),
    "two_factor_reset": (
        services.user_two_factor_reset,
        gettext_lazy("已重置两步验证，该用户下次登录时重新设置"),
    ),
    "unlock": (services.user_unlock, gettext_lazy("已解除登录锁定")),
}


def _action(request: HttpRequest, user_id: int, action: str) -> HttpResponse:
    row = selectors.user_get(acting_user=request.user, user_id=user_id)
    service, done = ACTIONS[action]
    try:
        service(acting_user=request.user, user=row.user)
    except RegistryError as error:
        return _detail(request, user_id, issues=error.issues)
    messages.success(request, str(done))
    return redirect("accounts:user_detail", user_id=user_id)


@login_required
@require_POST
def user_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    return _action(request, user_id, "deactivate")


@login_required
@require_POST
def user_reactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    return _action(request, user_id, "reactivate")


@login_required
@require_POST
def user_two_factor_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    return _action(request, user_id, "two_factor_reset")


@login_required
@require_POST
def user_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    return _action(request, user_id, "unlock")
