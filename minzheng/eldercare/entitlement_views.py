"""Entitlement pages: the 尊老金 lists per town with their confirm button and the city's
overview, the home-service subsidy list and grant form, family beds with their steps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minzheng.accounts.models import CITY_CODE
from minzheng.eldercare import entitlement_selectors as selectors
from minzheng.eldercare import entitlements as services
from minzheng.eldercare.access import read_prefix
from minzheng.eldercare.entitlement_models import LongevityLineKind, SubsidyEndReason
from minzheng.eldercare.entitlement_workflows import FAMILY_BED
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import Assessment, Provider, ServicePlan
from minzheng.eldercare.selectors import elder_get
from minzheng.registry.forms import StyledForm
from minzheng.rules.parameters import parse_month
from minzheng.workflow.services import WorkflowError


class MonthField(forms.CharField):
    """A month typed as YYYY-MM, cleaned to its first day."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_length=7, **kwargs)  # type: ignore[arg-type]
        self.widget.input_type = "month"

    def clean(self, value: object) -> dt.date:  # type: ignore[override]
        month = parse_month(super().clean(value))
        if month is None:
            raise forms.ValidationError(_("月份格式应为 YYYY-MM"))
        return month


class GrantForm(StyledForm):
    start_month = MonthField(label=gettext_lazy("起始月份"))
    note = forms.CharField(label=gettext_lazy("审核意见"), max_length=500, required=False)


class StopForm(StyledForm):
    last_month = MonthField(label=gettext_lazy("最后发放月份"))
    reason = forms.ChoiceField(label=gettext_lazy("停发原因"), choices=SubsidyEndReason.choices)


class ApplyForm(StyledForm):
    address = forms.CharField(label=gettext_lazy("床位地址"), max_length=200)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=500, required=False)


def _errors(request: HttpRequest, error: EldercareError | WorkflowError) -> None:
    for message in getattr(error, "messages_zh", None) or [error.message_zh]:
        messages.error(request, message)


# --- 尊老金 ------------------------------------------------------------------------------


@login_required
def longevity_lists(request: HttpRequest) -> HttpResponse:
    """The month's lists in scope; for the city, every town with its confirmation status."""
    month = parse_month(request.GET.get("month", "")) or selectors.longevity_latest_month(
        user=request.user
    )
    month = month or timezone.localdate().replace(day=1)
    context = {
        "month": month,
        "is_city": read_prefix(request.user) == CITY_CODE,
        "towns": selectors.longevity_overview(user=request.user, month=month),
    }
    return render(request, "eldercare/longevity_lists.html", context)


@login_required
def longevity_list_detail(request: HttpRequest, town: str, month: str) -> HttpResponse:
    """One town's list of a month; POST: the town office confirms it."""
    first_day = parse_month(month)
    if first_day is None:
        raise Http404("no such month")
    longevity_list = selectors.longevity_list_get(user=request.user, town=town, month=first_day)
    if request.method == "POST":
        try:
            services.longevity_list_confirm(acting_user=request.user, longevity_list=longevity_list)
        except EldercareError as error:
            _errors(request, error)
        else:
            messages.success(request, _("名单已确认"))
        return redirect(longevity_list.get_absolute_url())
    kind = request.GET.get("kind", "")
    kind = kind if kind in LongevityLineKind.values else ""
    lines = selectors.longevity_lines(user=request.user, longevity_list=longevity_list, kind=kind)
    page = Paginator(lines, 100).get_page(request.GET.get("page"))
    context = {
        "list": longevity_list,
        "page": page,
        "kind": kind,
        "kinds": LongevityLineKind.choices,
        "may_confirm": not longevity_list.is_confirmed
        and (request.user.is_superuser or request.user.role in services.TOWN_ROLES),
    }
    return render(request, "eldercare/longevity_list_detail.html", context)


# --- 居家养老服务补贴 ------------------------------------------------------------------------


@login_required
def subsidy_list(request: HttpRequest) -> HttpResponse:
    current = request.GET.get("current") == "1"
    subsidies = selectors.subsidy_list(user=request.user, current_only=current)
    page = Paginator(subsidies, 50).get_page(request.GET.get("page"))
    return render(
        request, "eldercare/entitlement_subsidy_list.html", {"page": page, "current": current}
    )


@login_required
def subsidy_grant(request: HttpRequest, person_id: int) -> HttpResponse:
    """The conditions applied to the elder, and the office's grant form."""
    person = elder_get(user=request.user, person_id=person_id)
    today = timezone.localdate()
    form = GrantForm(request.POST or None, initial={"start_month": f"{today:%Y-%m}"})
    if request.method == "POST" and form.is_valid():
        try:
            subsidy = services.service_subsidy_grant(
                acting_user=request.user,
                person=person,
                start_month=form.cleaned_data["start_month"],
                on=today,
                note=form.cleaned_data["note"],
            )
        except EldercareError as error:
            for _field, zh, _en in error.problems:
                form.add_error(None, zh)
        else:
            messages.success(request, _("已核定居家养老服务补贴"))
            return redirect(subsidy.get_absolute_url())
    check = services.service_subsidy_check(person=person, month=today.replace(day=1))
    context = {
        "person": person,
        "form": form,
        "check": check,
        "subsidies": selectors.person_subsidies(person=person),
    }
    return render(request, "eldercare/entitlement_subsidy_grant.html", context)


@login_required
def subsidy_detail(request: HttpRequest, subsidy_id: int) -> HttpResponse:
    """A subsidy; POST: the office stops it."""
    subsidy = selectors.subsidy_get(user=request.user, subsidy_id=subsidy_id)
    form = StopForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.service_subsidy_stop(
                acting_user=request.user,
                subsidy=subsidy,
                last_month=form.cleaned_data["last_month"],
                reason=form.cleaned_data["reason"],
            )
        except EldercareError as error:
            for _field, zh, _en in error.problems:
                form.add_error(None, zh)
        else:
            messages.success(request, _("已停发"))
            return redirect(subsidy.get_absolute_url())
    return render(
        request, "eldercare/entitlement_subsidy_detail.html", {"subsidy": subsidy, "form": form}
    )


# --- 家庭养老床位 ------------------------------------------------------------------------


@login_required
def bed_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in FAMILY_BED.states else ""
    page = Paginator(selectors.bed_list(user=request.user, state=state), 50).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "state": state, "states": FAMILY_BED.states.items()}
    return render(request, "eldercare/bed_list.html", context)


@login_required
def bed_apply(request: HttpRequest, person_id: int) -> HttpResponse:
    person = elder_get(user=request.user, person_id=person_id)
    today = timezone.localdate()
    form = ApplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            bed = services.family_bed_apply(
                acting_user=request.user,
                person=person,
                address=form.cleaned_data["address"],
                on=today,
                note=form.cleaned_data["note"],
            )
        except EldercareError as error:
            for _field, zh, _en in error.problems:
                form.add_error(None, zh)
        else:
            messages.success(request, _("已受理家庭养老床位申请"))
            return redirect(bed.get_absolute_url())
    conditions = services.family_bed_check(person=person, on=today)
    return render(
        request,
        "eldercare/bed_apply.html",
        {"person": person, "form": form, "conditions": conditions},
    )


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text.strip() or "0")
    except InvalidOperation:
        return Decimal("-1")  # refused by the service as a negative cost


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def _bed_step(request: HttpRequest, bed: object, step: str, today: dt.date) -> None:
    """Perform the step posted from the bed page; raise the service's error."""
    data = request.POST
    user = request.user
    if step == "assess":
        assessment = Assessment.objects.filter(
            pk=data.get("assessment") or 0, person=bed.person
        ).first()
        if assessment is None:
            raise EldercareError.one("assessment", "请选择能力评估", "choose an assessment")
        services.family_bed_assess(acting_user=user, bed=bed, assessment=assessment, on=today)
    elif step == "adapt":
        items = [
            (item, _decimal(cost))
            for item, cost in zip(data.getlist("item"), data.getlist("cost"), strict=False)
            if item.strip() or cost.strip()
        ]
        services.family_bed_adapt(acting_user=user, bed=bed, items=items, on=today)
    elif step == "install":
        devices = [
            (kind, serial, _decimal(cost))
            for kind, serial, cost in zip(
                data.getlist("kind"), data.getlist("serial"), data.getlist("cost"), strict=False
            )
            if serial.strip() or cost.strip()
        ]
        services.family_bed_install(acting_user=user, bed=bed, devices=devices, on=today)
    elif step == "contract":
        provider = Provider.objects.filter(pk=data.get("provider") or 0).first()
        starts, ends = _date(data.get("contract_from", "")), _date(data.get("contract_to", ""))
        if provider is None or starts is None or ends is None:
            raise EldercareError.one(
                "contract", "请选择服务商并填写协议起止日期", "provider and dates are required"
            )
        services.family_bed_contract(
            acting_user=user,
            bed=bed,
            provider=provider,
            number=data.get("contract_number", ""),
            valid_from=starts,
            valid_to=ends,
            on=today,
        )
    elif step == "start":
        plan = ServicePlan.objects.filter(pk=data.get("plan") or 0, person=bed.person).first()
        if plan is None:
            raise EldercareError.one("plan", "请选择服务计划", "choose a plan")
        services.family_bed_start(acting_user=user, bed=bed, plan=plan, on=today)
    elif step == "end":
        services.family_bed_end(acting_user=user, bed=bed, reason=data.get("reason", ""), on=today)
    else:
        raise EldercareError.one("step", "没有这一环节", "no such step")


@login_required
def bed_detail(request: HttpRequest, bed_id: int) -> HttpResponse:
    """A bed with its steps and timeline; POST `step`: the office records the next step."""
    bed = selectors.bed_get(user=request.user, bed_id=bed_id)
    if request.method == "POST":
        try:
            _bed_step(request, bed, request.POST.get("step", ""), timezone.localdate())
        except (EldercareError, WorkflowError) as error:
            _errors(request, error)
        else:
            messages.success(request, _("已办理"))
        return redirect(bed.get_absolute_url())
    available = FAMILY_BED.available(
        state=bed.state, role=request.user.role, is_superuser=request.user.is_superuser
    )
    context = {
        "bed": bed,
        "steps": [transition.name for transition in available],
        "timeline": selectors.bed_timeline(bed=bed),
        "assessments": Assessment.objects.filter(person=bed.person).order_by("-assessed_on"),
        "providers": Provider.objects.filter(active=True).order_by("name"),
        "plans": ServicePlan.objects.filter(person=bed.person).select_related("provider"),
        "device_kinds": services.DEVICE_KINDS.items(),
        "adaptation_items": services.ADAPTATION_ITEMS,
        **services.bed_step_data(bed),
    }
    return render(request, "eldercare/bed_detail.html", context)
