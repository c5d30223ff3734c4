"""Pages of supervision and settlements: results by town/provider/flag, the review of a flagged
visit (准予结算 / 不予结算), running the rules, settlements (list, close, detail, export)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from minzheng.eldercare import settlement as settlement_services
from minzheng.eldercare import supervision as services
from minzheng.eldercare import supervision_selectors as selectors
from minzheng.eldercare.access import OFFICE_ROLES, city_check
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import Provider
from minzheng.registry.models import Division
from minzheng.rules.parameters import add_months, parse_month
from minzheng.workflow.services import WorkflowError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _last_month() -> dt.date:
    return add_months(timezone.localdate().replace(day=1), -1)


def _filters(request: HttpRequest) -> selectors.SupervisionFilters:
    month = parse_month(request.GET.get("month", "")) or _last_month()
    town = request.GET.get("town", "")
    provider = request.GET.get("provider", "")
    code = request.GET.get("code", "")
    status = request.GET.get("status", "")
    return selectors.SupervisionFilters(
        month=month,
        town=town if town.isdigit() and len(town) == 9 else "",
        provider=int(provider) if provider.isdigit() else None,
        code=code if code in services.FLAGS else "",
        status=status if status in ("held", "cleared", "refused") else "",
    )


def _may_run(user) -> bool:
    try:
        city_check(user=user)
    except PermissionDenied:
        return False
    return True


@login_required
def supervision_results(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)  # a user without scope sees an empty page
    return render(
        request,
        "eldercare/supervision_results.html",
        {
            "filters": filters,
            "month": f"{filters.month:%Y-%m}",
            "summary": selectors.supervision_summary(user=request.user, filters=filters),
            "orders": selectors.flagged_orders(user=request.user, filters=filters)[:500],
            "flags": services.FLAGS,
            "towns": Division.objects.filter(code__regex=r"^[0-9]{9}$").order_by("code"),
            "providers": selectors.providers_for_filter(request.user),
            "may_run": _may_run(request.user),
        },
    )


@login_required
@require_POST
def supervision_run(request: HttpRequest) -> HttpResponse:
    month = parse_month(request.POST.get("month", ""))
    if month is None:
        messages.error(request, "月份格式应为 YYYY-MM")
        return redirect("eldercare:supervision_results")
    result = services.supervise(acting_user=request.user, month=month, on=timezone.localdate())
    messages.success(
        request,
        f"已检查{result.visits}次上门服务，疑点{result.flagged}次，新增预警{result.alerts}条",
    )
    return redirect(f"{reverse('eldercare:supervision_results')}?month={month:%Y-%m}")


@login_required
@require_http_methods(["GET", "POST"])
def supervision_order(request: HttpRequest, order_id: int) -> HttpResponse:
    order = selectors.flagged_order_get(user=request.user, order_id=order_id)
    if request.method == "POST":
        action = request.POST.get("action")
        service = {"clear": services.order_clear, "refuse": services.order_refuse}.get(action)
        if service is None:
            messages.error(request, "请选择准予结算或不予结算")
        else:
            try:
                service(
                    acting_user=request.user,
                    order=order,
                    reason=request.POST.get("reason", ""),
                    on=timezone.localdate(),
                )
            except EldercareError as error:
                for message in error.messages_zh:
                    messages.error(request, message)
            except WorkflowError as error:
                messages.error(request, error.message_zh)
            else:
                messages.success(request, "已准予结算" if action == "clear" else "已不予结算")
                return redirect("eldercare:supervision_order", order_id=order.pk)
        order = selectors.flagged_order_get(user=request.user, order_id=order_id)
    may_decide = (
        request.user.role in OFFICE_ROLES
        and order.state == "done"
        and order.held
        and order.settlement_id is None
    )
    return render(
        request,
        "eldercare/supervision_order.html",
        {
            "order": order,
            "flags": [
                {**flag, "label": services.FLAGS.get(flag["code"], flag["code"])}
                for flag in order.flags
            ],
            "may_decide": may_decide,
        },
    )


@login_required
def settlement_list(request: HttpRequest) -> HttpResponse:
    month = parse_month(request.GET.get("month", ""))
    items = selectors.settlements(user=request.user, month=month)
    if not selectors.settlements_readable(request.user):
        raise PermissionDenied
    may_close = _may_run(request.user)
    return render(
        request,
        "eldercare/settlement_list.html",
        {
            "settlements": items[:200],
            "month": f"{month:%Y-%m}" if month else "",
            "may_close": may_close,
            "providers": Provider.objects.order_by("name") if may_close else [],
            "last_month": f"{_last_month():%Y-%m}",
        },
    )


@login_required
@require_POST
def settlement_close(request: HttpRequest) -> HttpResponse:
    city_check(user=request.user)
    month = parse_month(request.POST.get("month", ""))
    provider_id = request.POST.get("provider", "")
    if month is None or not provider_id.isdigit():
        messages.error(request, "请选择服务商并填写结算月份（YYYY-MM）")
        return redirect("eldercare:settlement_list")
    provider = get_object_or_404(Provider, pk=int(provider_id))
    try:
        settlement, closed = settlement_services.settlement_close(
            acting_user=request.user, provider=provider, month=month, today=timezone.localdate()
        )
    except EldercareError as error:
        for message in error.messages_zh:
            messages.error(request, message)
        return redirect("eldercare:settlement_list")
    messages.success(request, "已结算" if closed else "该月此前已结算，未作改动")
    return redirect("eldercare:settlement_detail", settlement_id=settlement.pk)


@login_required
def settlement_detail(request: HttpRequest, settlement_id: int) -> HttpResponse:
    settlement = selectors.settlement_get(user=request.user, settlement_id=settlement_id)
    return render(
        request,
        "eldercare/settlement_detail.html",
        {"settlement": settlement, "held": selectors.held_orders(settlement)},
    )


@login_required
def settlement_export(request: HttpRequest, settlement_id: int) -> HttpResponse:
    settlement = selectors.settlement_get(user=request.user, settlement_id=settlement_id)
    content = settlement_services.settlement_export(acting_user=request.user, settlement=settlement)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="settlement-{settlement.provider_id}-{settlement.month:%Y-%m}.xlsx"'
    )
    return response
