"""Pages of care visits and alarms: the visit list, an elder's care page, the phone-friendly
visit form, the alarm board with elapsed minutes, an alarm with its timeline, devices."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from minzheng.accounts.jurisdiction import division_in_scope
from minzheng.accounts.models import Role, User
from minzheng.eldercare import care, care_selectors
from minzheng.eldercare.access import FIELD_ROLES, OFFICE_ROLES, provider_of, read_prefix
from minzheng.eldercare.care_models import (
    ALARM,
    CHANNELS,
    CHECK_RESULTS,
    CHECKLIST,
    DEVICE_TYPES,
    NEEDS,
    TIER_LABELS,
    Alarm,
)
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import Provider
from minzheng.registry.forms import StyledForm
from minzheng.registry.models import Division, DivisionKind
from minzheng.workflow.models import TransitionRecord
from minzheng.workflow.services import WorkflowError

TOWN_KINDS = (DivisionKind.TOWN, DivisionKind.STREET, DivisionKind.PARK)


class VisitForm(StyledForm):
    visited_on = forms.DateField(label=gettext_lazy("探访日期"))
    channel = forms.ChoiceField(label=gettext_lazy("探访方式"), choices=list(CHANNELS.items()))
    visitor = forms.CharField(label=gettext_lazy("探访人"), max_length=50)
    health = forms.ChoiceField(
        label=CHECKLIST["health"], choices=list(CHECK_RESULTS.items()), widget=forms.RadioSelect
    )
    economy = forms.ChoiceField(
        label=CHECKLIST["economy"], choices=list(CHECK_RESULTS.items()), widget=forms.RadioSelect
    )
    family_support = forms.ChoiceField(
        label=CHECKLIST["family_support"],
        choices=list(CHECK_RESULTS.items()),
        widget=forms.RadioSelect,
    )
    safety = forms.ChoiceField(
        label=CHECKLIST["safety"], choices=list(CHECK_RESULTS.items()), widget=forms.RadioSelect
    )
    needs = forms.MultipleChoiceField(
        label=gettext_lazy("服务需求"),
        choices=list(NEEDS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    findings = forms.CharField(
        label=gettext_lazy("探访情况"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    follow_up = forms.BooleanField(label=gettext_lazy("需要跟进"), required=False)
    follow_up_note = forms.CharField(
        label=gettext_lazy("跟进事项"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TierForm(StyledForm):
    tier = forms.ChoiceField(label=gettext_lazy("巡访风险等级"), choices=list(TIER_LABELS.items()))
    reason = forms.CharField(label=gettext_lazy("调整理由"), max_length=500)


class DeviceForm(StyledForm):
    person_id = forms.IntegerField(label=gettext_lazy("老人（人员编号）"), min_value=1)
    device_type = forms.ChoiceField(
        label=gettext_lazy("设备类型"), choices=list(DEVICE_TYPES.items())
    )
    serial = forms.CharField(label=gettext_lazy("设备编号"), max_length=40)
    installed_on = forms.DateField(label=gettext_lazy("安装日期"))
    provider = forms.ModelChoiceField(
        label=gettext_lazy("运维服务商"), queryset=Provider.objects.filter(active=True)
    )


class DeactivateForm(StyledForm):
    reason = forms.CharField(label=gettext_lazy("停用原因"), max_length=200)


class DispatchForm(StyledForm):
    responder = forms.TypedChoiceField(label=gettext_lazy("处置人"), coerce=int)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=500, required=False)

    def __init__(self, *args: object, choices: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responder"].choices = choices


class NoteForm(StyledForm):
    note = forms.CharField(label=gettext_lazy("说明"), max_length=500, required=False)


class NotesForm(StyledForm):
    notes = forms.CharField(
        label=gettext_lazy("处置情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


def _towns() -> list[Division]:
    return list(Division.objects.filter(kind__in=TOWN_KINDS).order_by("code"))


def _errors(request: HttpRequest, error: EldercareError | WorkflowError) -> None:
    if isinstance(error, EldercareError):
        for message in error.messages_zh:
            messages.error(request, message)
    else:
        messages.error(request, error.message_zh)


def _form_errors(request: HttpRequest, form: forms.Form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


def _may_record(user: User, division_code: str) -> bool:
    allowed = user.is_superuser or user.role in FIELD_ROLES
    if user.role == Role.CITY_STAFF and user.business_line != "eldercare":
        allowed = False
    return allowed and division_in_scope(user=user, division_code=division_code)


def _may_decide(user: User, division_code: str) -> bool:
    return _may_record(user, division_code) and (user.is_superuser or user.role in OFFICE_ROLES)


@login_required
def care_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    filters = care_selectors.CareFilters(
        tier=request.GET.get("tier", "")[:10] if request.GET.get("tier") in TIER_LABELS else "",
        town=request.GET.get("town", "")[:9],
        overdue=request.GET.get("overdue") == "1",
        name=request.GET.get("name", "")[:50],
    )
    rows = care_selectors.care_elders(user=request.user, on=today, filters=filters)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    counts = {tier: 0 for tier in TIER_LABELS}
    overdue = 0
    for row in rows:
        counts[row.tier.tier] += 1
        overdue += bool(row.overdue_days)
    return render(
        request,
        "eldercare/care_list.html",
        {
            "page": page,
            "filters": filters,
            "tiers": TIER_LABELS.items(),
            "counts": [(TIER_LABELS[tier], count) for tier, count in counts.items()],
            "overdue": overdue,
            "towns": _towns(),
            "today": today,
            "query": query.urlencode(),
            "intervals": care.visit_intervals(today),
        },
    )


@login_required
def care_elder(request: HttpRequest, person_id: int) -> HttpResponse:
    person = care_selectors.care_elder_get(user=request.user, person_id=person_id)
    today = timezone.localdate()
    tier = care_selectors.current_tier(person=person)
    division = care.elder_division(person)
    due = None
    if tier is not None:
        last = care_selectors.visits_of(person=person).first()
        start = last.visited_on if last else tier.valid_from
        due = start + dt.timedelta(days=care.visit_intervals(today)[tier.tier])
    return render(
        request,
        "eldercare/care_elder.html",
        {
            "person": person,
            "tier": tier,
            "due": due,
            "tiers": care_selectors.care_tiers_of(person=person)[:20],
            "visits": care_selectors.visits_of(person=person)[:50],
            "devices": care_selectors.devices_of(person=person),
            "alarms": care_selectors.alarms_of(person=person)[:20],
            "may_record": _may_record(request.user, division),
            "tier_form": TierForm() if _may_decide(request.user, division) else None,
            "today": today,
        },
    )


@login_required
def care_visit_create(request: HttpRequest, person_id: int) -> HttpResponse:
    person = care_selectors.care_elder_get(user=request.user, person_id=person_id)
    if not _may_record(request.user, care.elder_division(person)):
        raise PermissionDenied(_("您无权在该区划办理养老服务事项"))
    today = timezone.localdate()
    if request.method == "POST":
        form = VisitForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                care.care_visit_record(
                    acting_user=request.user,
                    person=person,
                    data=care.VisitIn(
                        visited_on=data["visited_on"],
                        channel=data["channel"],
                        visitor=data["visitor"],
                        health=data["health"],
                        economy=data["economy"],
                        family_support=data["family_support"],
                        safety=data["safety"],
                        needs=tuple(data["needs"]),
                        findings=data["findings"],
                        follow_up=data["follow_up"],
                        follow_up_note=data["follow_up_note"],
                    ),
                    on=today,
                )
            except EldercareError as error:
                for field, message, _english in error.problems:
                    form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, _("巡访记录已保存"))
                return redirect("eldercare:care_elder", person_id=person.pk)
    else:
        form = VisitForm(
            initial={
                "visited_on": today,
                "channel": "home",
                "visitor": request.user.get_full_name() or request.user.get_username(),
                **dict.fromkeys(CHECKLIST, "ok"),
            }
        )
    return render(request, "eldercare/care_visit_form.html", {"person": person, "form": form})


@login_required
@require_POST
def care_tier_override(request: HttpRequest, person_id: int) -> HttpResponse:
    person = care_selectors.care_elder_get(user=request.user, person_id=person_id)
    form = TierForm(request.POST)
    if not form.is_valid():
        if not _may_decide(request.user, care.elder_division(person)):
            raise PermissionDenied(_("只有所在镇（街道）或市局的养老服务经办人员可以办理"))
        _form_errors(request, form)
        return redirect("eldercare:care_elder", person_id=person.pk)
    try:
        care.risk_tier_override(
            acting_user=request.user,
            person=person,
            tier=form.cleaned_data["tier"],
            reason=form.cleaned_data["reason"],
            on=timezone.localdate(),
        )
    except EldercareError as error:
        _errors(request, error)
    else:
        messages.success(request, _("巡访风险等级已调整"))
    return redirect("eldercare:care_elder", person_id=person.pk)


@login_required
def care_visit_detail(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = care_selectors.visit_get(user=request.user, visit_id=visit_id)
    checklist = [(label, getattr(visit, code)) for code, label in CHECKLIST.items()]
    return render(
        request,
        "eldercare/care_visit_detail.html",
        {"visit": visit, "checklist": checklist, "results": CHECK_RESULTS},
    )


@login_required
def alarm_board(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    state = request.GET.get("state", "active")
    if state not in {"active", "", *ALARM.states}:
        state = "active"
    filters = care_selectors.AlarmFilters(
        state=state, town=request.GET.get("town", "")[:9], overdue=request.GET.get("overdue") == "1"
    )
    alarms = care_selectors.alarm_list(user=request.user, filters=filters, now=now)
    page = Paginator(alarms, 50).get_page(request.GET.get("page"))
    rows = [
        (
            alarm,
            care_selectors.elapsed_minutes(alarm, now),
            alarm.is_open and alarm.arrived_at is None and alarm.arrive_by < now,
        )
        for alarm in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "eldercare/alarm_board.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "states": ALARM.states.items(),
            "towns": _towns(),
            "query": query.urlencode(),
            "now": now,
        },
    )


def _steps(user: User, alarm: Alarm) -> set[str]:
    if not alarm.is_open:
        return set()
    provider = provider_of(user)
    if provider is not None:
        if provider.pk != alarm.provider_id:
            return set()
    elif not _may_record(user, alarm.division_code):
        return set()
    return {
        transition.name
        for transition in ALARM.available(
            state=alarm.state, role=user.role, is_superuser=user.is_superuser
        )
    }


def _when(record: TransitionRecord) -> dt.datetime:
    """When the step happened: the time it names (a device's, a responder's), else when it
    was recorded."""
    try:
        return dt.datetime.fromisoformat(record.data["at"])
    except (KeyError, TypeError, ValueError):
        return record.at


@login_required
def alarm_detail(request: HttpRequest, alarm_id: int) -> HttpResponse:
    alarm = care_selectors.alarm_get(user=request.user, alarm_id=alarm_id)
    now = timezone.now()
    steps = _steps(request.user, alarm)
    labels = {transition.name: transition.label for transition in ALARM.transitions}
    choices = [
        (user.pk, f"{user.get_full_name() or user.get_username()}（{user.get_role_display()}）")
        for user in care_selectors.responders_for(alarm)
    ]
    return render(
        request,
        "eldercare/alarm_detail.html",
        {
            "alarm": alarm,
            "elapsed": care_selectors.elapsed_minutes(alarm, now),
            "late": alarm.is_open and alarm.arrived_at is None and alarm.arrive_by < now,
            "timeline": [
                (record, labels.get(record.transition, record.transition), _when(record))
                for record in care_selectors.alarm_timeline(alarm)
            ],
            "events": alarm.events.order_by("at", "pk")[:50],
            "dispatch_form": DispatchForm(choices=choices) if "dispatch" in steps else None,
            "arrive_form": NoteForm() if "arrive" in steps else None,
            "close_form": NotesForm() if "close" in steps else None,
            "false_form": NotesForm(prefix="false") if "false_alarm" in steps else None,
        },
    )


@login_required
@require_POST
def alarm_step(request: HttpRequest, alarm_id: int, step: str) -> HttpResponse:
    alarm = care_selectors.alarm_get(user=request.user, alarm_id=alarm_id)
    now = timezone.now()
    if step not in {"dispatch", "arrive", "close", "false_alarm"}:
        return redirect(alarm)
    try:
        care.transition_check(workflow=ALARM, case=alarm, name=step, acting_user=request.user)
        if step == "dispatch":
            responders = {user.pk: user for user in care_selectors.responders_for(alarm)}
            form = DispatchForm(request.POST, choices=[(pk, str(pk)) for pk in responders])
            if form.is_valid():
                care.alarm_dispatch(
                    acting_user=request.user,
                    alarm=alarm,
                    responder=responders[form.cleaned_data["responder"]],
                    at=now,
                    note=form.cleaned_data["note"],
                )
        elif step == "arrive":
            form = NoteForm(request.POST)
            if form.is_valid():
                care.alarm_arrive(
                    acting_user=request.user, alarm=alarm, at=now, note=form.cleaned_data["note"]
                )
        else:
            form = NotesForm(request.POST, prefix="false" if step == "false_alarm" else None)
            if form.is_valid():
                finish = care.alarm_close if step == "close" else care.alarm_false
                finish(
                    acting_user=request.user,
                    alarm=alarm,
                    at=now,
                    notes=form.cleaned_data["notes"],
                )
    except (EldercareError, WorkflowError) as error:
        _errors(request, error)
        return redirect(alarm)
    if form.is_valid():
        messages.success(request, _("已办理"))
    else:
        _form_errors(request, form)
    return redirect(alarm)


def _device_reader(user: User) -> None:
    if provider_of(user) is None and read_prefix(user) is None:
        raise PermissionDenied(_("您无权查看智能设备"))


@login_required
def device_list(request: HttpRequest) -> HttpResponse:
    _device_reader(request.user)
    active_text = request.GET.get("active", "1")
    active = {"1": True, "0": False}.get(active_text)
    devices = care_selectors.device_list(
        user=request.user, active=active, town=request.GET.get("town", "")[:9]
    )
    page = Paginator(devices, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    user = request.user
    may_register = user.is_superuser or (
        user.role in OFFICE_ROLES
        and (user.role != Role.CITY_STAFF or user.business_line == "eldercare")
    )
    return render(
        request,
        "eldercare/device_list.html",
        {
            "page": page,
            "active": active_text,
            "town": request.GET.get("town", "")[:9],
            "towns": _towns(),
            "query": query.urlencode(),
            "may_register": may_register,
        },
    )


@login_required
def device_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    allowed = user.is_superuser or (
        user.role in OFFICE_ROLES
        and (user.role != Role.CITY_STAFF or user.business_line == "eldercare")
    )
    if not allowed:
        raise PermissionDenied(_("只有所在镇（街道）或市局的养老服务经办人员可以办理"))
    today = timezone.localdate()
    if request.method == "POST":
        form = DeviceForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                person = care_selectors.care_elder_get(user=user, person_id=data["person_id"])
            except Http404:  # outside the scope reads as unknown
                form.add_error("person_id", _("辖区内没有该人员"))
            else:
                try:
                    device = care.device_register(
                        acting_user=user,
                        person=person,
                        device_type=data["device_type"],
                        serial=data["serial"],
                        installed_on=data["installed_on"],
                        provider=data["provider"],
                        on=today,
                    )
                except EldercareError as error:
                    for field, message, _english in error.problems:
                        form.add_error(field if field in form.fields else None, message)
                else:
                    messages.success(request, _("设备已登记"))
                    return redirect(device)
    else:
        form = DeviceForm(initial={"installed_on": today, "person_id": request.GET.get("person")})
    return render(request, "eldercare/device_form.html", {"form": form})


@login_required
def device_detail(request: HttpRequest, device_id: int) -> HttpResponse:
    device = care_selectors.device_get(user=request.user, device_id=device_id)
    may = device.active and _may_decide(request.user, device.division_code)
    return render(
        request,
        "eldercare/device_detail.html",
        {
            "device": device,
            "alarms": device.alarms.order_by("-opened_at")[:20],
            "events": device.events.order_by("-at")[:20],
            "deactivate_form": DeactivateForm() if may else None,
        },
    )


@login_required
@require_POST
def device_deactivate(request: HttpRequest, device_id: int) -> HttpResponse:
    device = care_selectors.device_get(user=request.user, device_id=device_id)
    form = DeactivateForm(request.POST)
    if not form.is_valid():
        if not _may_decide(request.user, device.division_code):
            raise PermissionDenied(_("只有所在镇（街道）或市局的养老服务经办人员可以办理"))
        _form_errors(request, form)
        return redirect(device)
    try:
        care.device_deactivate(
            acting_user=request.user,
            device=device,
            on=timezone.localdate(),
            reason=form.cleaned_data["reason"],
        )
    except EldercareError as error:
        _errors(request, error)
    else:
        messages.success(request, _("设备已停用"))
    return redirect(device)
