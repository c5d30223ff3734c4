"""老年助餐 pages: meal points, a point's elders, meals and settlements."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minzheng.eldercare import meal_selectors as selectors
from minzheng.eldercare import meals as services
from minzheng.eldercare.access import OFFICE_ROLES, field_check, office_check, provider_of
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.meal_models import Meal, MealPoint, SubsidyStatus
from minzheng.registry.selectors import divisions_visible
from minzheng.rules.parameters import MONTH_PATTERN, month_start

DATE_INPUT = forms.DateInput(attrs={"type": "date", "class": "form-control"})
TEXT = {"class": "form-control"}


class MealPointForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100, widget=forms.TextInput(TEXT))
    division_code = forms.ChoiceField(
        label="所在镇(街道)或村(社区)", widget=forms.Select(attrs={"class": "form-select"})
    )
    address = forms.CharField(label="地址", max_length=200, widget=forms.TextInput(TEXT))
    capacity = forms.IntegerField(
        label="每餐可供餐人数", min_value=1, max_value=10_000, widget=forms.NumberInput(TEXT)
    )
    operator = forms.ModelChoiceField(
        label="运营方（服务商）",
        queryset=None,
        required=False,
        empty_label="村(社区)自办",
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        from minzheng.eldercare.models import Provider

        super().__init__(*args, **kwargs)
        self.fields["division_code"].choices = [
            (division.code, division.name)
            for division in divisions_visible(
                user=user, kinds=("town", "street", "park", "village", "community")
            )
        ]
        self.fields["operator"].queryset = Provider.objects.filter(active=True)


class RegistrationForm(forms.Form):
    id_number = forms.CharField(label="公民身份号码", max_length=18, widget=forms.TextInput(TEXT))
    valid_from = forms.DateField(label="登记日期", widget=DATE_INPUT)


class RegistrationEndForm(forms.Form):
    valid_to = forms.DateField(label="终止日期", widget=DATE_INPUT)
    reason = forms.CharField(label="终止原因", max_length=100, widget=forms.TextInput(TEXT))


class MealRecordForm(forms.Form):
    person = forms.TypedChoiceField(
        label="老人", coerce=int, widget=forms.Select(attrs={"class": "form-select"})
    )
    served_on = forms.DateField(label="就餐日期", widget=DATE_INPUT)
    meal = forms.ChoiceField(
        label="餐次", choices=Meal.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    price = forms.DecimalField(
        label="餐费(元)", max_digits=6, decimal_places=2, widget=forms.NumberInput(TEXT)
    )

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = people


class ImportForm(forms.Form):
    file = forms.FileField(
        label="就餐记录文件（.xlsx 或 .csv）",
        help_text="列：公民身份号码、姓名、就餐日期、餐次（午餐/晚餐）、餐费；有一行出错则整个文件不导入",
        widget=forms.ClearableFileInput(attrs={"class": "form-control"}),
    )


class SettleForm(forms.Form):
    month = forms.RegexField(
        label="结算月份",
        regex=MONTH_PATTERN,
        error_messages={"invalid": "月份格式应为 YYYY-MM"},
        widget=forms.TextInput({**TEXT, "placeholder": "YYYY-MM"}),
    )


def _is_office(request: HttpRequest) -> bool:
    try:
        office_check(user=request.user, division_code=request.user.division_code or "320582")
    except PermissionDenied:
        return False
    return request.user.role in OFFICE_ROLES or bool(request.user.is_superuser)


def _people(request: HttpRequest, point: MealPoint) -> list[tuple[int, str]]:
    return [
        (registration.person_id, registration.person.name)
        for registration in selectors.meal_registrations(user=request.user, point=point).filter(
            valid_to__isnull=True
        )
    ]


@login_required
@require_http_methods(["GET", "POST"])
def meal_point_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and not _is_office(request):
        raise PermissionDenied("只有所在镇（街道）或市局的养老服务经办人员可以办理")
    form = MealPointForm(request.POST or None, user=request.user)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            point = services.meal_point_create(
                acting_user=request.user,
                data=services.MealPointIn(
                    name=data["name"],
                    division_code=data["division_code"],
                    address=data["address"],
                    capacity=data["capacity"],
                    operator_id=data["operator"].pk if data["operator"] else None,
                ),
            )
        except EldercareError as error:
            errors = error.messages_zh
        else:
            messages.success(request, f"已新建助餐点：{point.name}")
            return redirect(point)
    points = selectors.meal_points_visible(user=request.user).annotate(
        registered=Count("registrations", filter=Q(registrations__valid_to__isnull=True))
    )
    return render(
        request,
        "eldercare/meal_point_list.html",
        {
            "points": points,
            "form": form if _is_office(request) else None,
            "errors": errors,
        },
    )


def _detail(request: HttpRequest, point: MealPoint, **overrides: Any) -> HttpResponse:
    text = request.GET.get("month", "")
    month = month_start(text) if re.match(MONTH_PATTERN, text) else None
    records = selectors.meal_records(user=request.user, point=point, month=month)
    totals = records.aggregate(
        meals=Count("pk"),
        subsidy=Sum("subsidy"),
        own=Sum("own_payment"),
        duplicates=Count("pk", filter=Q(subsidy_status=SubsidyStatus.DUPLICATE)),
    )
    today = timezone.localdate()
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    may_record = _may(services.meal_record_check, request, point)
    context = {
        "point": point,
        "registrations": selectors.meal_registrations(user=request.user, point=point),
        "records": _labelled(list(records[:200]), today),
        "totals": totals,
        "month": month,
        "settlements": selectors.meal_settlements(user=request.user, point=point),
        "may_register": _may_field(request, point),
        "may_record": may_record,
        "may_settle": _may_office(request, point),
        "registration_form": RegistrationForm(initial={"valid_from": today}),
        "record_form": MealRecordForm(
            people=_people(request, point), initial={"served_on": today, "meal": Meal.LUNCH}
        ),
        "import_form": ImportForm(),
        "settle_form": SettleForm(initial={"month": f"{last_month:%Y-%m}"}),
        "errors": [],
        **overrides,
    }
    return render(request, "eldercare/meal_point_detail.html", context)


def _may(check: Any, request: HttpRequest, point: MealPoint) -> bool:
    try:
        check(user=request.user, point=point)
    except PermissionDenied:
        return False
    return True


def _may_field(request: HttpRequest, point: MealPoint) -> bool:
    try:
        field_check(user=request.user, division_code=point.division_code)
    except PermissionDenied:
        return False
    return provider_of(request.user) is None


def _may_office(request: HttpRequest, point: MealPoint) -> bool:
    try:
        office_check(user=request.user, division_code=point.division_code)
    except PermissionDenied:
        return False
    return True


def _labelled(records: list[Any], today: dt.date) -> list[Any]:
    labels = {category.code: category.label for category in services.meal_categories(on=today)}
    for record in records:
        record.category_label = labels.get(record.category, record.category)
    return records


@login_required
@require_GET
def meal_point_detail(request: HttpRequest, point_id: int) -> HttpResponse:
    point = selectors.meal_point_get(user=request.user, point_id=point_id)
    return _detail(request, point)


@login_required
@require_POST
def meal_registration_create(request: HttpRequest, point_id: int) -> HttpResponse:
    point = selectors.meal_point_get(user=request.user, point_id=point_id)
    field_check(user=request.user, division_code=point.division_code)
    form = RegistrationForm(request.POST)
    errors: list[str] = []
    if form.is_valid():
        person = selectors.meal_person_by_id_number(
            user=request.user, id_number=form.cleaned_data["id_number"]
        )
        if person is None:
            errors = ["本辖区查无此公民身份号码的人员"]
        else:
            try:
                services.meal_registration_create(
                    acting_user=request.user,
                    point=point,
                    person=person,
                    on=form.cleaned_data["valid_from"],
                )
            except EldercareError as error:
                errors = error.messages_zh
            else:
                messages.success(request, f"已登记：{person.name}")
                return redirect(point)
    return _detail(request, point, registration_form=form, errors=errors)


@login_required
@require_POST
def meal_registration_end(request: HttpRequest, registration_id: int) -> HttpResponse:
    registration = selectors.meal_registration_get(
        user=request.user, registration_id=registration_id
    )
    field_check(user=request.user, division_code=registration.division_code)
    form = RegistrationEndForm(request.POST)
    errors: list[str] = ["请填写终止日期和原因"]
    if form.is_valid():
        try:
            services.meal_registration_end(
                acting_user=request.user,
                registration=registration,
                on=form.cleaned_data["valid_to"],
                reason=form.cleaned_data["reason"],
            )
        except EldercareError as error:
            errors = error.messages_zh
        else:
            messages.success(request, f"已终止{registration.person.name}的助餐登记")
            return redirect(registration.point)
    return _detail(request, registration.point, errors=errors)


@login_required
@require_POST
def meal_record_create(request: HttpRequest, point_id: int) -> HttpResponse:
    point = selectors.meal_point_get(user=request.user, point_id=point_id)
    services.meal_record_check(user=request.user, point=point)
    form = MealRecordForm(request.POST, people=_people(request, point))
    errors: list[str] = []
    if form.is_valid():
        data = form.cleaned_data
        try:
            record = services.meal_record_create(
                acting_user=request.user,
                point=point,
                person=selectors.meal_person_for_record(point=point, person_id=data["person"]),
                served_on=data["served_on"],
                meal=data["meal"],
                price=data["price"],
                today=timezone.localdate(),
            )
        except EldercareError as error:
            errors = error.messages_zh
        else:
            messages.success(
                request,
                f"已录入：{record.person.name} {record.served_on} {record.get_meal_display()}，"
                f"补贴{record.subsidy}元，个人支付{record.own_payment}元"
                f"（{record.get_subsidy_status_display()}）",
            )
            return redirect(point)
    return _detail(request, point, record_form=form, errors=errors)


@login_required
@require_POST
def meal_record_import(request: HttpRequest, point_id: int) -> HttpResponse:
    point = selectors.meal_point_get(user=request.user, point_id=point_id)
    services.meal_record_check(user=request.user, point=point)
    form = ImportForm(request.POST, request.FILES)
    errors: list[str] = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.meal_records_import(
                acting_user=request.user,
                point=point,
                content=upload.read(),
                filename=upload.name,
                today=timezone.localdate(),
            )
        except EldercareError as error:
            errors = ["文件未导入，请改正以下问题后重新导入：", *error.messages_zh]
        else:
            messages.success(
                request, f"已导入{batch.rows}条就餐记录，其中重复补贴{batch.duplicates}条"
            )
            return redirect(point)
    return _detail(request, point, import_form=form, errors=errors)


@login_required
@require_POST
def meal_settlement_close(request: HttpRequest, point_id: int) -> HttpResponse:
    point = selectors.meal_point_get(user=request.user, point_id=point_id)
    office_check(user=request.user, division_code=point.division_code)
    form = SettleForm(request.POST)
    errors: list[str] = []
    if form.is_valid():
        try:
            settlement, closed_now = services.meal_settlement_close(
                acting_user=request.user,
                point=point,
                month=month_start(form.cleaned_data["month"]),
                today=timezone.localdate(),
            )
        except EldercareError as error:
            errors = error.messages_zh
        else:
            if not closed_now:
                messages.info(request, "该月已结算，未作改动")
            return redirect(settlement)
    return _detail(request, point, settle_form=form, errors=errors)


@login_required
@require_GET
def meal_settlement_detail(request: HttpRequest, settlement_id: int) -> HttpResponse:
    settlement = selectors.meal_settlement_get(user=request.user, settlement_id=settlement_id)
    return render(request, "eldercare/meal_settlement_detail.html", {"settlement": settlement})


@login_required
@require_GET
def meal_settlement_export(request: HttpRequest, settlement_id: int) -> HttpResponse:
    settlement = selectors.meal_settlement_get(user=request.user, settlement_id=settlement_id)
    content = services.meal_settlement_export(acting_user=request.user, settlement=settlement)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"meal-settlement-{settlement.point_id}-{settlement.month:%Y-%m}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
