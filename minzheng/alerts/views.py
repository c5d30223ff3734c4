"""Alert pages: the list with filters, one alert with its data and timeline, the dashboard."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from minzheng.alerts import selectors, services
from minzheng.alerts.definitions import ALERT_KINDS, STATES, alert_workflow
from minzheng.alerts.models import Alert, Outcome
from minzheng.registry.forms import StyledForm
from minzheng.registry.models import Division
from minzheng.rules import ParameterMissingError, RequestError, assess
from minzheng.workflow.services import WorkflowError


class AssignForm(StyledForm):
    assignee = forms.TypedChoiceField(label=gettext_lazy("承办人"), coerce=int)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=500, required=False)

    def __init__(self, *args: object, choices: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = choices


class CloseForm(StyledForm):
    outcome = forms.ChoiceField(label=gettext_lazy("处理结果"), choices=Outcome.choices)
    note = forms.CharField(
        label=gettext_lazy("处理说明"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _filters(request: HttpRequest) -> selectors.AlertFilters:
    return selectors.AlertFilters(
        kind=request.GET.get("kind", "")[:60],
        state=request.GET.get("state", "")[:12],
        town=request.GET.get("town", "")[:9],
        overdue=request.GET.get("overdue") == "1",
        escalated=request.GET.get("escalated") == "1",
    )


def _towns() -> list[Division]:
    return list(Division.objects.filter(kind__in=selectors.TOWN_KINDS).order_by("code"))


@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    filters = _filters(request)
    alerts = selectors.alert_list(user=request.user, filters=filters, on=today)
    page = Paginator(alerts, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "alerts/alert_list.html",
        {
            "page": page,
            "filters": filters,
            "kinds": sorted((kind.code, kind.label) for kind in ALERT_KINDS.values()),
            "states": STATES.items(),
            "towns": _towns(),
            "today": today,
            "query": query.urlencode(),
        },
    )


@login_required
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = selectors.alert_get(user=request.user, alert_id=alert_id)
    user = request.user
    steps = {
        transition.name
        for transition in alert_workflow(alert.business_line).available(
            state=alert.state, role=user.role, is_superuser=user.is_superuser
        )
    }
    choices = [
        (candidate.pk, f"{candidate.get_username()}（{candidate.get_role_display()}）")
        for candidate in selectors.assignable_users(alert)
    ]
    return render(
        request,
        "alerts/alert_detail.html",
        {
            **_assessment(alert),
            "alert": alert,
            "timeline": selectors.alert_timeline(alert),
            "assign_form": AssignForm(choices=choices) if "assign" in steps else None,
            "close_form": CloseForm() if "close" in steps else None,
            "today": timezone.localdate(),
        },
    )


def _assessment(alert: Alert) -> dict[str, object]:
    """The rules' reasons and trace for an alert that keeps the household it screened."""
    request, program = alert.data.get("request"), alert.data.get("program")
    if not request or not program:
        return {}
    try:
        result = assess(request)
    except (RequestError, ParameterMissingError):
        return {"assessment_error": _("当时的数据已不能按现行规则重新评估")}
    return {"assessment": result["programs"].get(program), "trace": result["trace"]}


def _form_errors(request: HttpRequest, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


@login_required
@require_POST
def alert_assign(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = selectors.alert_get(user=request.user, alert_id=alert_id)
    candidates = {candidate.pk: candidate for candidate in selectors.assignable_users(alert)}
    form = AssignForm(request.POST, choices=[(pk, str(pk)) for pk in candidates])
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(alert)
    try:
        services.alert_assign(
            acting_user=request.user,
            alert=alert,
            assignee=candidates[form.cleaned_data["assignee"]],
            on=timezone.localdate(),
            note=form.cleaned_data["note"],
        )
    except WorkflowError as error:
        messages.error(request, error.message_zh)
    else:
        messages.success(request, _("已分派"))
    return redirect(alert)


@login_required
@require_POST
def alert_close(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = selectors.alert_get(user=request.user, alert_id=alert_id)
    form = CloseForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(alert)
    try:
        services.alert_close(
            acting_user=request.user,
            alert=alert,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            on=timezone.localdate(),
        )
    except WorkflowError as error:
        messages.error(request, error.message_zh)
    else:
        messages.success(request, _("已办结"))
    return redirect(alert)


@login_required
def alert_dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    days = request.GET.get("days", "")
    since = today - dt.timedelta(days=min(int(days), 3650) if days.isdigit() else 90)
    rows = selectors.alert_stats(user=request.user, on=today, since=since)
    totals = selectors.stats_totals(rows)
    by_kind: dict[str, dict[str, int]] = {}
    for row in rows:
        entry = by_kind.setdefault(row.kind, {"open": 0, "closed": 0, "overdue": 0})
        entry["open"] += row.open
        entry["closed"] += row.closed
        entry["overdue"] += row.overdue
    chart = {
        "kinds": [ALERT_KINDS[kind].label if kind in ALERT_KINDS else kind for kind in by_kind],
        "open": [entry["open"] for entry in by_kind.values()],
        "closed": [entry["closed"] for entry in by_kind.values()],
        "overdue": [entry["overdue"] for entry in by_kind.values()],
    }
    return render(
        request,
        "alerts/dashboard.html",
        {
            "rows": rows,
            "totals": totals,
            "labels": {code: kind.label for code, kind in ALERT_KINDS.items()},
            "since": since,
            "today": today,
            "chart_data": chart,
        },
    )
