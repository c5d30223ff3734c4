"""Pages of institutions (养老机构): the list with occupancy, one institution (residents, beds,
staff, the escrow ledger, inspections), the prepaid-fee dashboard, inspections and hazard steps."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from minzheng.eldercare import institution_selectors as selectors
from minzheng.eldercare import institutions as services
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import (
    HAZARD,
    Fund,
    HazardCategory,
    LedgerKind,
    PaymentChannel,
    WithdrawalPurpose,
)
from minzheng.registry.forms import StyledForm
from minzheng.workflow.selectors import timeline
from minzheng.workflow.services import WorkflowError


class LedgerForm(StyledForm):
    resident = forms.TypedChoiceField(label=gettext_lazy("入住老人"), coerce=int)
    fund = forms.ChoiceField(label=gettext_lazy("款项"), choices=Fund.choices)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=LedgerKind.choices)
    amount = forms.DecimalField(
        label=gettext_lazy("金额(元)"), min_value=0.01, max_digits=12, decimal_places=2
    )
    on = forms.DateField(label=gettext_lazy("日期"))
    channel = forms.ChoiceField(
        label=gettext_lazy("支付渠道"), choices=[("", "—"), *PaymentChannel.choices], required=False
    )
    purpose = forms.ChoiceField(
        label=gettext_lazy("支取用途"),
        choices=[("", "—"), *WithdrawalPurpose.choices],
        required=False,
    )
    evidence = forms.CharField(label=gettext_lazy("凭证"), max_length=200, required=False)
    corrects = forms.IntegerField(label=gettext_lazy("冲正的流水号"), required=False, min_value=1)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)

    def __init__(self, *args: object, residents: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resident"].choices = residents


class RectifyForm(StyledForm):
    report = forms.CharField(
        label=gettext_lazy("整改情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    on = forms.DateField(label=gettext_lazy("整改日期"))


class RecheckForm(StyledForm):
    passed = forms.TypedChoiceField(
        label=gettext_lazy("复查结论"),
        choices=[("1", gettext_lazy("通过")), ("0", gettext_lazy("未通过"))],
        coerce=lambda value: value == "1",
    )
    on = forms.DateField(label=gettext_lazy("复查日期"))
    note = forms.CharField(label=gettext_lazy("说明"), max_length=2000, required=False)
    deadline = forms.DateField(label=gettext_lazy("新的整改期限"), required=False)


def _form_errors(request: HttpRequest, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else str(error))


@login_required
def institution_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "eldercare/institution_list.html",
        {
            "institutions": selectors.institution_list(user=request.user),
            "towns": selectors.occupancy_by_town(user=request.user),
        },
    )


@login_required
def institution_detail(request: HttpRequest, institution_id: int) -> HttpResponse:
    institution = selectors.institution_get(user=request.user, institution_id=institution_id)
    today = timezone.localdate()
    holdings = selectors.holdings_of(institution=institution, on=today)
    residents = selectors.residents_of(institution=institution)
    current = [resident for resident in residents if resident.discharged_on is None]
    choices = [
        (resident.pk, f"{resident.bed_number} {resident.person.name}")
        for resident in residents
        if resident.discharged_on is None or resident.refund_due_on is not None
    ]
    return render(
        request,
        "eldercare/institution_detail.html",
        {
            "institution": institution,
            "residents": residents,
            "occupied": len(current),
            "holdings": holdings,
            "staff": institution.staff.all(),
            "ledger": selectors.ledger_of(institution=institution),
            "balance": services.ledger_balance(institution_id=institution.pk),
            "reserve": services.risk_reserve(institution_id=institution.pk, on=today),
            "inspections": institution.inspections.order_by("-inspected_on", "-pk")[:20],
            "ledger_form": LedgerForm(residents=choices, initial={"on": today}),
            "today": today,
        },
    )


@login_required
@require_POST
def institution_ledger_record(request: HttpRequest, institution_id: int) -> HttpResponse:
    institution = selectors.institution_get(user=request.user, institution_id=institution_id)
    residents = {
        resident.pk: resident for resident in selectors.residents_of(institution=institution)
    }
    form = LedgerForm(request.POST, residents=[(pk, str(pk)) for pk in residents])
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(institution)
    data = form.cleaned_data
    try:
        _entry, raised = services.ledger_record(
            acting_user=request.user,
            resident=residents[data["resident"]],
            data=services.LedgerIn(
                fund=data["fund"],
                kind=data["kind"],
                amount=data["amount"],
                on=data["on"],
                channel=data["channel"],
                purpose=data["purpose"],
                evidence=data["evidence"],
                note=data["note"],
                corrects_id=data["corrects"],
            ),
        )
    except EldercareError as error:
        for message in error.messages_zh:
            messages.error(request, message)
    else:
        messages.success(request, _("已登记存管流水"))
        if raised:
            messages.warning(request, _("预收费超过上限，已生成预警"))
    return redirect(institution)


@login_required
def institution_prepaid(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = selectors.prepaid_summary(user=request.user, on=today)
    return render(
        request,
        "eldercare/institution_prepaid.html",
        {
            "rows": rows,
            "today": today,
            "totals": {
                "balance": sum(row.balance for row in rows),
                "deposit": sum(row.deposit for row in rows),
                "membership": sum(row.membership for row in rows),
                "over_limit": sum(row.over_limit for row in rows),
                "late_refunds": sum(row.late_refunds for row in rows),
            },
            "limits": {
                "deposit": services.deposit_max_months(today),
                "membership": services.membership_fee_max_months(today),
                "reserve": services.risk_reserve_ratio(today) * 100,
                "refund_days": services.refund_deadline_days(today),
            },
        },
    )


@login_required
def inspection_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in HAZARD.states else ""
    return render(
        request,
        "eldercare/inspection_list.html",
        {
            "inspections": selectors.inspection_list(user=request.user, state=state)[:500],
            "state": state,
            "states": HAZARD.states.items(),
        },
    )


@login_required
def inspection_detail(request: HttpRequest, inspection_id: int) -> HttpResponse:
    inspection = selectors.inspection_get(user=request.user, inspection_id=inspection_id)
    user = request.user
    today = timezone.localdate()
    hazards = []
    for hazard in selectors.hazards_of(inspection=inspection):
        steps = {
            transition.name
            for transition in HAZARD.available(
                state=hazard.state, role=user.role, is_superuser=user.is_superuser
            )
        }
        hazards.append(
            {
                "hazard": hazard,
                "timeline": [
                    (step, HAZARD.transition(step.transition).label)
                    for step in timeline(workflow=HAZARD, case=hazard)
                ],
                "is_overdue": hazard.state == "open" and hazard.due_on and hazard.due_on < today,
                "rectify_form": RectifyForm(initial={"on": today}) if "rectify" in steps else None,
                "recheck_form": RecheckForm(initial={"on": today})
                if steps & {"pass", "fail"}
                else None,
            }
        )
    checklist = [
        (HazardCategory(code).label if code in HazardCategory.values else code, result)
        for code, result in inspection.checklist.items()
    ]
    return render(
        request,
        "eldercare/inspection_detail.html",
        {"inspection": inspection, "hazards": hazards, "checklist": checklist},
    )


@login_required
@require_POST
def inspection_hazard_rectify(request: HttpRequest, hazard_id: int) -> HttpResponse:
    hazard = selectors.hazard_get(user=request.user, hazard_id=hazard_id)
    form = RectifyForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(hazard)
    try:
        services.hazard_rectify(
            acting_user=request.user,
            hazard=hazard,
            report=form.cleaned_data["report"],
            on=form.cleaned_data["on"],
        )
    except (EldercareError, WorkflowError) as error:
        _error(request, error)
    else:
        messages.success(request, _("已登记整改报告"))
    return redirect(hazard)


@login_required
@require_POST
def inspection_hazard_recheck(request: HttpRequest, hazard_id: int) -> HttpResponse:
    hazard = selectors.hazard_get(user=request.user, hazard_id=hazard_id)
    form = RecheckForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(hazard)
    data = form.cleaned_data
    try:
        services.hazard_recheck(
            acting_user=request.user,
            hazard=hazard,
            passed=data["passed"],
            on=data["on"],
            note=data["note"],
            deadline=data["deadline"],
        )
    except (EldercareError, WorkflowError) as error:
        _error(request, error)
    else:
        messages.success(request, _("已登记复查结果"))
    return redirect(hazard)


def _error(request: HttpRequest, error: EldercareError | WorkflowError) -> None:
    if isinstance(error, EldercareError):
        for message in error.messages_zh:
            messages.error(request, message)
    else:
        messages.error(request, error.message_zh)
