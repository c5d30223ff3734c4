"""Home-service pages: the office (providers, catalogue, plans, orders, call-backs), the
provider's manager (own orders, assigning caregivers) and the caregiver's phone page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from minzheng.eldercare import homecare
from minzheng.eldercare import homecare_selectors as selectors
from minzheng.eldercare.access import city_check, field_check
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import SkillLevel, WorkOrder
from minzheng.eldercare.selectors import elder_get
from minzheng.eldercare.workflows import WORK_ORDER
from minzheng.registry.forms import StyledForm
from minzheng.registry.models import Division
from minzheng.rules.parameters import parse_month
from minzheng.workflow.services import WorkflowError

TOWN_KINDS = ("town", "street", "park")


# --- forms ---------------------------------------------------------------------------------


class ProviderForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)
    credit_code = forms.CharField(label=gettext_lazy("统一社会信用代码"), max_length=18)
    division_code = forms.CharField(
        label=gettext_lazy("服务区域代码（全市320582或镇代码）"), max_length=9, initial="320582"
    )
    contact = forms.CharField(label=gettext_lazy("联系人"), max_length=50, required=False)
    phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=30, required=False)
    active = forms.BooleanField(label=gettext_lazy("在约"), required=False, initial=True)


class StaffLinkForm(StyledForm):
    username = forms.CharField(label=gettext_lazy("服务商账号用户名"), max_length=150)
    is_manager = forms.BooleanField(label=gettext_lazy("管理人员"), required=False)


class CaregiverForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50)
    skill_level = forms.ChoiceField(label=gettext_lazy("技能等级"), choices=SkillLevel.choices)
    certificate_number = forms.CharField(
        label=gettext_lazy("职业技能证书编号"), max_length=40, required=False
    )
    certificate_valid_to = forms.DateField(label=gettext_lazy("证书有效期至"), required=False)
    training_hours = forms.IntegerField(
        label=gettext_lazy("培训学时"), min_value=0, max_value=10000, initial=0
    )
    username = forms.CharField(label=gettext_lazy("登录账号"), max_length=150, required=False)
    active = forms.BooleanField(label=gettext_lazy("在岗"), required=False, initial=True)


class ItemForm(StyledForm):
    code = forms.CharField(label=gettext_lazy("编码"), max_length=20)
    name = forms.CharField(label=gettext_lazy("服务项目"), max_length=60)
    category = forms.CharField(label=gettext_lazy("类别"), max_length=20)
    minutes = forms.IntegerField(label=gettext_lazy("标准时长(分钟)"), min_value=1, max_value=600)
    min_minutes = forms.IntegerField(
        label=gettext_lazy("最短有效时长(分钟)"), min_value=1, max_value=600
    )
    price = forms.DecimalField(
        label=gettext_lazy("单价(元)"), min_value=0, max_digits=8, decimal_places=2
    )
    active = forms.BooleanField(label=gettext_lazy("在用"), required=False, initial=True)


class PlanForm(StyledForm):
    provider = forms.TypedChoiceField(label=gettext_lazy("服务商"), coerce=int)
    monthly_budget = forms.DecimalField(
        label=gettext_lazy("每月补贴额度(元)"), min_value=0, max_digits=8, decimal_places=2
    )
    valid_from = forms.DateField(label=gettext_lazy("起始日期"))
    home_lat = forms.DecimalField(
        label=gettext_lazy("住址纬度"), required=False, min_value=-90, max_value=90
    )
    home_lng = forms.DecimalField(
        label=gettext_lazy("住址经度"), required=False, min_value=-180, max_value=180
    )

    def __init__(self, *args: Any, providers: list, items: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(p.pk, p.name) for p in providers]
        self.item_fields = []
        for item in items:
            name = f"times_{item.code}"
            self.fields[name] = forms.IntegerField(
                label=f"{item.name}（{item.price}元/次）每月次数",
                min_value=0,
                max_value=31,
                required=False,
                widget=forms.NumberInput(attrs={"class": "form-control"}),
            )
            self.item_fields.append((item.code, name))

    def items(self) -> dict[str, int]:
        return {
            code: self.cleaned_data[name]
            for code, name in self.item_fields
            if self.cleaned_data.get(name)
        }


class OrderForm(StyledForm):
    item_code = forms.ChoiceField(label=gettext_lazy("服务项目"))
    scheduled_on = forms.DateField(label=gettext_lazy("预约日期"))

    def __init__(self, *args: Any, plan: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item_code"].choices = [
            (plan_item.item.code, str(plan_item.item)) for plan_item in plan.items.all()
        ]


class OrderFilterForm(forms.Form):
    state = forms.ChoiceField(required=False, choices=[("", ""), *WORK_ORDER.states.items()])
    provider = forms.IntegerField(required=False, min_value=1)
    town = forms.RegexField(required=False, regex=r"^[0-9]{9}$")
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)


class CallBackForm(StyledForm):
    reached = forms.BooleanField(label=gettext_lazy("已联系上"), required=False)
    service_confirmed = forms.NullBooleanField(
        label=gettext_lazy("老人确认接受了服务"),
        required=False,
        widget=forms.Select(
            choices=[("unknown", "—"), ("true", gettext_lazy("是")), ("false", gettext_lazy("否"))]
        ),
    )
    satisfaction = forms.TypedChoiceField(
        label=gettext_lazy("满意度"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=[("", "—"), *((n, str(n)) for n in range(5, 0, -1))],
    )
    note = forms.CharField(label=gettext_lazy("说明"), max_length=2000, required=False)


class CheckForm(forms.Form):
    location = forms.CharField(max_length=60, required=False)
    photo = forms.FileField(required=False)


# --- helpers ---------------------------------------------------------------------------------


def _problems(request: HttpRequest, error: EldercareError | WorkflowError) -> None:
    for message in getattr(error, "messages_zh", None) or [error.message_zh]:
        messages.error(request, message)


def _form_errors(request: HttpRequest, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else error)


def _form_page(request: HttpRequest, title: str, form: forms.Form, back: str) -> HttpResponse:
    return render(
        request, "eldercare/homecare_form.html", {"title": title, "form": form, "back": back}
    )


def _towns() -> list[Division]:
    return list(Division.objects.filter(kind__in=TOWN_KINDS).order_by("code"))


# --- providers -------------------------------------------------------------------------------


@login_required
def provider_list(request: HttpRequest) -> HttpResponse:
    providers = selectors.provider_list(user=request.user)
    return render(request, "eldercare/homecare_provider_list.html", {"providers": providers})


@login_required
def provider_create(request: HttpRequest) -> HttpResponse:
    city_check(user=request.user)
    form = ProviderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            provider = homecare.provider_save(
                acting_user=request.user, data=homecare.ProviderIn(**form.cleaned_data)
            )
        except EldercareError as error:
            _problems(request, error)
        else:
            messages.success(request, _("已登记服务商"))
            return redirect(provider)
    return _form_page(request, _("登记服务商"), form, reverse("eldercare:provider_list"))


@login_required
def provider_detail(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = selectors.provider_get(user=request.user, provider_id=provider_id)
    scope = selectors.homecare_scope(request.user)
    today = timezone.localdate()
    caregivers = (
        [
            (caregiver, homecare.caregiver_warnings(caregiver, on=today))
            for caregiver in selectors.caregiver_list(user=request.user, provider=provider)
        ]
        if scope.is_office or scope.is_manager
        else []
    )
    return render(
        request,
        "eldercare/homecare_provider_detail.html",
        {
            "provider": provider,
            "counts": selectors.provider_counts(user=request.user, provider=provider, on=today),
            "states": WORK_ORDER.states,
            "caregivers": caregivers,
            "staff": provider.staff.select_related("user").order_by("user__username"),
            "is_city": _is_city(request),
            "is_manager": scope.is_manager,
            "link_form": StaffLinkForm(),
        },
    )


def _is_city(request: HttpRequest) -> bool:
    try:
        city_check(user=request.user)
    except PermissionDenied:
        return False
    return True


@login_required
def provider_edit(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = selectors.provider_get(user=request.user, provider_id=provider_id)
    city_check(user=request.user)
    initial = {
        field: getattr(provider, field)
        for field in ("name", "credit_code", "division_code", "contact", "phone", "active")
    }
    form = ProviderForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            homecare.provider_save(
                acting_user=request.user,
                data=homecare.ProviderIn(**form.cleaned_data),
                provider=provider,
            )
        except EldercareError as error:
            _problems(request, error)
        else:
            messages.success(request, _("已保存"))
            return redirect(provider)
    return _form_page(request, _("修改服务商"), form, provider.get_absolute_url())


@login_required
@require_POST
def provider_staff_link(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = selectors.provider_get(user=request.user, provider_id=provider_id)
    city_check(user=request.user)
    form = StaffLinkForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(provider)
    try:
        homecare.provider_staff_link(
            acting_user=request.user, provider=provider, **form.cleaned_data
        )
    except EldercareError as error:
        _problems(request, error)
    else:
        messages.success(request, _("已关联服务商账号"))
    return redirect(provider)


@login_required
def caregiver_create(request: HttpRequest, provider_id: int) -> HttpResponse:
    provider = selectors.provider_get(user=request.user, provider_id=provider_id)
    homecare.caregiver_manage_check(user=request.user, provider=provider)
    form = CaregiverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            homecare.caregiver_save(
                acting_user=request.user,
                provider=provider,
                data=homecare.CaregiverIn(**form.cleaned_data),
            )
        except EldercareError as error:
            _problems(request, error)
        else:
            messages.success(request, _("已登记护理员"))
            return redirect(provider)
    return _form_page(request, _("登记护理员"), form, provider.get_absolute_url())


@login_required
def caregiver_edit(request: HttpRequest, caregiver_id: int) -> HttpResponse:
    caregiver = selectors.caregiver_get(user=request.user, caregiver_id=caregiver_id)
    homecare.caregiver_manage_check(user=request.user, provider=caregiver.provider)
    initial = {
        "name": caregiver.name,
        "skill_level": caregiver.skill_level,
        "certificate_number": caregiver.certificate_number,
        "certificate_valid_to": caregiver.certificate_valid_to,
        "training_hours": caregiver.training_hours,
        "username": caregiver.user.get_username() if caregiver.user else "",
        "active": caregiver.active,
    }
    form = CaregiverForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            homecare.caregiver_save(
                acting_user=request.user,
                provider=caregiver.provider,
                data=homecare.CaregiverIn(**form.cleaned_data),
                caregiver=caregiver,
            )
        except EldercareError as error:
            _problems(request, error)
        else:
            messages.success(request, _("已保存"))
            return redirect(caregiver.provider)
    for warning in homecare.caregiver_warnings(caregiver, on=timezone.localdate()):
        messages.warning(request, warning)
    return _form_page(
        request, _("修改护理员：") + caregiver.name, form, caregiver.provider.get_absolute_url()
    )


# --- catalogue -------------------------------------------------------------------------------


@login_required
def item_list(request: HttpRequest) -> HttpResponse:
    items = selectors.item_list(user=request.user)
    return render(
        request,
        "eldercare/homecare_item_list.html",
        {"items": items, "is_city": _is_city(request)},
    )


@login_required
def item_create(request: HttpRequest) -> HttpResponse:
    city_check(user=request.user)
    form = ItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            homecare.service_item_save(
                acting_user=request.user, data=homecare.ServiceItemIn(**form.cleaned_data)
            )
        except EldercareError as error:
            _problems(request, error)
        else:
            messages.success(request, _("已新增服务项目"))
            return redirect("eldercare:item_list")
    return _form_page(request, _("新增服务项目"), form, reverse("eldercare:item_list"))


@login_required
def item_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    item = selectors.item_get(user=request.user, item_id=item_id)
    city_check(user=request.user)
    initial = {
        field: getattr(item, field)
        for field in ("code", "name", "category", "minutes", "min_minutes", "price", "active")
    }
    form = ItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            homecare.service_item_save(
                acting_user=request.user,
                data=homecare.ServiceItemIn(**form.cleaned_data),
                item=item,
            )
        except EldercareError as error:
            _problems(request, error)
        else:
            messages.success(request, _("已保存"))
            return redirect("eldercare:item_list")
    return _form_page(request, _("修改服务项目"), form, reverse("eldercare:item_list"))


# --- plans -----------------------------------------------------------------------------------


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    town = request.GET.get("town", "")[:9]
    provider = request.GET.get("provider", "")
    plans = selectors.plan_list(
        user=request.user,
        filters=selectors.PlanFilters(
            town=town if town.isdigit() else "",
            provider_id=int(provider) if provider.isdigit() else None,
        ),
    )
    page = Paginator(plans, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "eldercare/homecare_plan_list.html",
        {"page": page, "towns": _towns(), "town": town, "today": timezone.localdate()},
    )


@login_required
def plan_create(request: HttpRequest, person_id: int) -> HttpResponse:
    person = elder_get(user=request.user, person_id=person_id)
    field_check(user=request.user, division_code=person.residence_division_id)
    providers = list(selectors.provider_list(user=request.user).filter(active=True))
    items = list(selectors.item_list(user=request.user, active_only=True))
    profile = getattr(person, "elder_profile", None)
    initial = {
        "valid_from": timezone.localdate(),
        "home_lat": profile.home_lat if profile else None,
        "home_lng": profile.home_lng if profile else None,
    }
    form = PlanForm(request.POST or None, providers=providers, items=items, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = homecare.service_plan_create(
                acting_user=request.user,
                person_id=person.pk,
                data=homecare.PlanIn(
                    provider_id=data["provider"],
                    items=form.items(),
                    monthly_budget=data["monthly_budget"],
                    valid_from=data["valid_from"],
                    home_lat=data["home_lat"],
                    home_lng=data["home_lng"],
                ),
                on=timezone.localdate(),
            )
        except EldercareError as error:
            _problems(request, error)
        else:
            messages.success(request, _("已制定服务计划"))
            return redirect(plan)
    return render(request, "eldercare/homecare_plan_form.html", {"form": form, "person": person})


@login_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    orders = selectors.order_list(
        user=request.user, filters=selectors.OrderFilters(plan_id=plan.pk)
    )
    scope = selectors.homecare_scope(request.user)
    address = selectors.elder_addresses([plan.person_id]).get(plan.person_id, "")
    return render(
        request,
        "eldercare/homecare_plan_detail.html",
        {
            "plan": plan,
            "orders": orders[:100],
            "address": address,
            "is_office": scope.is_office,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def plan_end(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    field_check(user=request.user, division_code=plan.division_code)
    try:
        valid_to = dt.date.fromisoformat(request.POST.get("valid_to", ""))
    except ValueError:
        messages.error(request, _("终止日期格式应为 YYYY-MM-DD"))
        return redirect(plan)
    try:
        homecare.service_plan_end(
            acting_user=request.user,
            plan=plan,
            valid_to=valid_to,
            on=timezone.localdate(),
            note=request.POST.get("note", "")[:500],
        )
    except EldercareError as error:
        _problems(request, error)
    else:
        messages.success(request, _("已终止服务计划"))
    return redirect(plan)


# --- orders ----------------------------------------------------------------------------------


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    orders = selectors.order_list(
        user=request.user,
        filters=selectors.OrderFilters(
            state=data.get("state") or "",
            provider_id=data.get("provider"),
            town=data.get("town") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        ),
    )
    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "eldercare/homecare_order_list.html",
        {
            "page": page,
            "filters": data,
            "states": WORK_ORDER.states.items(),
            "providers": selectors.provider_list(user=request.user),
            "towns": _towns(),
            "query": query.urlencode(),
            "scope": selectors.homecare_scope(request.user),
        },
    )


@login_required
def order_create(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    form = OrderForm(
        request.POST or None, plan=plan, initial={"scheduled_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            order = homecare.work_order_create(
                acting_user=request.user,
                person_id=plan.person_id,
                provider_id=plan.provider_id,
                item_code=form.cleaned_data["item_code"],
                scheduled_on=form.cleaned_data["scheduled_on"],
                on=timezone.localdate(),
            )
        except (EldercareError, WorkflowError) as error:
            _problems(request, error)
        else:
            messages.success(request, _("已派单：") + order.number)
            return redirect(order)
    return _form_page(request, _("派单：") + str(plan), form, plan.get_absolute_url())


@login_required
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.order_get(user=request.user, order_id=order_id)
    scope = selectors.homecare_scope(request.user)
    caregivers = (
        list(order.provider.caregivers.filter(active=True).order_by("name"))
        if scope.is_manager and order.state == "planned"
        else []
    )
    return render(
        request,
        "eldercare/homecare_order_detail.html",
        {
            "order": order,
            "address": selectors.elder_addresses([order.person_id]).get(order.person_id, ""),
            "timeline": selectors.order_timeline(order),
            "call_backs": order.call_backs.order_by("called_on", "pk"),
            "scope": scope,
            "caregivers": caregivers,
            "callback_form": CallBackForm() if scope.is_office and order.state == "done" else None,
        },
    )


@login_required
@require_POST
def order_assign(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.order_get(user=request.user, order_id=order_id)
    caregiver = request.POST.get("caregiver", "")
    try:
        homecare.work_order_assign(
            acting_user=request.user,
            order=order,
            caregiver_id=int(caregiver) if caregiver.isdigit() else 0,
            on=timezone.localdate(),
        )
    except EldercareError as error:
        _problems(request, error)
    else:
        messages.success(request, _("已指派护理员"))
    return redirect(order)


@login_required
@require_POST
def order_cancel(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.order_get(user=request.user, order_id=order_id)
    try:
        homecare.work_order_cancel(
            acting_user=request.user,
            order=order,
            on=timezone.localdate(),
            note=request.POST.get("note", "")[:500],
        )
    except (EldercareError, WorkflowError) as error:
        _problems(request, error)
    else:
        messages.success(request, _("已取消工单"))
    return redirect(order)


@login_required
@require_POST
def callback_create(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.order_get(user=request.user, order_id=order_id)
    form = CallBackForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(order)
    data = form.cleaned_data
    try:
        homecare.callback_record(
            acting_user=request.user,
            order=order,
            data=homecare.CallBackIn(
                reached=data["reached"],
                service_confirmed=data["service_confirmed"],
                satisfaction=data["satisfaction"],
                note=data["note"],
            ),
            on=timezone.localdate(),
        )
    except EldercareError as error:
        _problems(request, error)
    else:
        messages.success(request, _("已登记回访"))
    return redirect(order)


@login_required
def callback_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    month = parse_month(request.GET.get("month", "")[:7]) or today.replace(day=1)
    seed_text = request.GET.get("seed", "")
    seed = int(seed_text) if seed_text.isdigit() and len(seed_text) < 10 else int(f"{month:%Y%m}")
    pending = list(selectors.callback_pending(user=request.user, month=month)[:5000])
    try:
        rate = homecare.callback_sample_rate(month)
    except EldercareError as error:
        _problems(request, error)
        rate = Decimal(0)
    sample = homecare.callback_sample(pending, rate=rate, seed=seed)
    return render(
        request,
        "eldercare/homecare_callback_list.html",
        {
            "month": month,
            "seed": seed,
            "rate": rate,
            "percent": (rate * Decimal(100)).normalize(),
            "pending": pending,
            "sample": sample,
        },
    )


# --- the caregiver's phone page -------------------------------------------------------------


@login_required
def phone(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    orders = selectors.phone_orders(user=request.user, today=today)
    addresses = selectors.elder_addresses([order.person_id for order in orders])
    return render(
        request,
        "eldercare/phone_list.html",
        {
            "today": today,
            "rows": [(order, addresses.get(order.person_id, "")) for order in orders],
        },
    )


@login_required
def phone_order(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.phone_order_get(user=request.user, order_id=order_id)
    return render(
        request,
        "eldercare/phone_order.html",
        {
            "order": order,
            "address": selectors.elder_addresses([order.person_id]).get(order.person_id, ""),
        },
    )


def _check(request: HttpRequest, order_id: int, step: str) -> HttpResponse:
    order: WorkOrder = selectors.phone_order_get(user=request.user, order_id=order_id)
    form = CheckForm(request.POST, request.FILES)
    form.is_valid()
    photo = form.cleaned_data.get("photo")
    service = homecare.work_order_check_in if step == "in" else homecare.work_order_check_out
    try:
        service(
            acting_user=request.user,
            order=order,
            at=timezone.now(),
            location=form.cleaned_data.get("location") or "",
            photo=photo.read() if photo else None,
            on=timezone.localdate(),
        )
    except EldercareError as error:
        _problems(request, error)
        return redirect("eldercare:phone_order", order_id=order.pk)
    messages.success(request, _("签到成功") if step == "in" else _("签退成功，服务已完成"))
    return redirect("eldercare:phone_order", order_id=order.pk)


@login_required
@require_POST
def phone_check_in(request: HttpRequest, order_id: int) -> HttpResponse:
    return _check(request, order_id, "in")


@login_required
@require_POST
def phone_check_out(request: HttpRequest, order_id: int) -> HttpResponse:
    return _check(request, order_id, "out")
