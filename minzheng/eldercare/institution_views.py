"""Pages of institutions (养老机构): the list with occupancy, one institution (residents, beds,
staff, the escrow ledger, inspections), the prepaid-fee dashboard, inspections and hazard steps."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from minzheng.eldercare import institution_selectors as selectors
from minzheng.eldercare import institutions as services
from minzheng.eldercare.access import office_check
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import (
    HAZARD,
    DischargeReason,
    Fund,
    HazardCategory,
    HazardLevel,
    InstitutionKind,
    LedgerKind,
    PaymentChannel,
    StaffRole,
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


class InstitutionForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("机构名称"), max_length=100)
    credit_code = forms.CharField(label=gettext_lazy("统一社会信用代码"), max_length=18)
    division_code = forms.CharField(label=gettext_lazy("所在镇(街道)或村(社区)代码"), max_length=12)
    kind = forms.ChoiceField(label=gettext_lazy("机构性质"), choices=InstitutionKind.choices)
    beds_total = forms.IntegerField(label=gettext_lazy("床位总数"), min_value=0, max_value=100_000)
    nursing_beds = forms.IntegerField(
        label=gettext_lazy("护理型床位数"), min_value=0, max_value=100_000, initial=0
    )
    filing_number = forms.CharField(label=gettext_lazy("备案编号"), max_length=40, required=False)
    filing_date = forms.DateField(label=gettext_lazy("备案日期"), required=False)
    contact = forms.CharField(label=gettext_lazy("联系人"), max_length=50, required=False)
    phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=30, required=False)
    escrow_bank = forms.CharField(label=gettext_lazy("存管银行"), max_length=60, required=False)


class AdmitForm(StyledForm):
    id_number = forms.CharField(label=gettext_lazy("公民身份号码"), max_length=18)
    admitted_on = forms.DateField(label=gettext_lazy("入住日期"))
    bed_number = forms.CharField(label=gettext_lazy("床位号"), max_length=20)
    monthly_fee = forms.DecimalField(
        label=gettext_lazy("月收费标准(元)"), min_value=0, max_digits=10, decimal_places=2
    )
    is_nursing_bed = forms.BooleanField(label=gettext_lazy("护理型床位"), required=False)


class DischargeForm(StyledForm):
    resident = forms.TypedChoiceField(label=gettext_lazy("入住老人"), coerce=int)
    on = forms.DateField(label=gettext_lazy("退住日期"))
    reason = forms.ChoiceField(label=gettext_lazy("退住原因"), choices=DischargeReason.choices)

    def __init__(self, *args: object, residents: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resident"].choices = residents


class StaffForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50)
    role = forms.ChoiceField(label=gettext_lazy("岗位"), choices=StaffRole.choices)
    certificate_number = forms.CharField(
        label=gettext_lazy("证书编号"), max_length=50, required=False
    )
    certificate_valid_to = forms.DateField(label=gettext_lazy("证书有效期至"), required=False)


CHECK_RESULTS = [
    ("", gettext_lazy("未检查")),
    ("ok", gettext_lazy("合格")),
    ("hazard", gettext_lazy("有隐患")),
    ("na", gettext_lazy("不适用")),
]
HAZARD_ROWS = 3


class InspectionForm(StyledForm):
    """An inspection: the checklist (one result per category) and up to three hazards found."""

    inspected_on = forms.DateField(label=gettext_lazy("检查日期"))
    inspectors = forms.CharField(label=gettext_lazy("检查人员"), max_length=100)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=2000, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for code, label in HazardCategory.choices:
            self.fields[f"check_{code}"] = forms.ChoiceField(
                label=label, choices=CHECK_RESULTS, required=False
            )
        for row in range(1, HAZARD_ROWS + 1):
            self.fields[f"hazard{row}_category"] = forms.ChoiceField(
                label=_("隐患%(row)s类别") % {"row": row},
                choices=[("", "—"), *HazardCategory.choices],
                required=False,
            )
            self.fields[f"hazard{row}_level"] = forms.ChoiceField(
                label=_("隐患%(row)s等级") % {"row": row},
                choices=HazardLevel.choices,
                required=False,
            )
            self.fields[f"hazard{row}_description"] = forms.CharField(
                label=_("隐患%(row)s描述") % {"row": row}, max_length=2000, required=False
            )
            self.fields[f"hazard{row}_deadline"] = forms.DateField(
                label=_("隐患%(row)s整改期限") % {"row": row}, required=False
            )
        for field in self.fields.values():  # StyledForm styled the fields known at first
            widget = field.widget
            widget.attrs.setdefault(
                "class", "form-select" if isinstance(widget, forms.Select) else "form-control"
            )
            if isinstance(field, forms.DateField):
                widget.input_type = "date"
                widget.format = "%Y-%m-%d"

    def checklist_fields(self) -> list[forms.BoundField]:
        return [self[f"check_{code}"] for code in HazardCategory.values]

    def hazard_rows(self) -> list[list[forms.BoundField]]:
        return [
            [
                self[f"hazard{row}_{name}"]
                for name in ("category", "level", "description", "deadline")
            ]
            for row in range(1, HAZARD_ROWS + 1)
        ]

    def clean(self) -> dict[str, object]:
        data = super().clean()
        hazards = []
        for row in range(1, HAZARD_ROWS + 1):
            category = data.get(f"hazard{row}_category", "")
            description = data.get(f"hazard{row}_description", "")
            deadline = data.get(f"hazard{row}_deadline")
            if not (category or description.strip() or deadline):
                continue
            if deadline is None:
                self.add_error(None, _("隐患%(row)s：请填写整改期限") % {"row": row})
                continue
            hazards.append(
                services.HazardIn(
                    category=category,
                    description=description,
                    level=data.get(f"hazard{row}_level") or HazardLevel.GENERAL,
                    deadline=deadline,
                )
            )
        data["hazards"] = tuple(hazards)
        data["checklist"] = {
            code: data[f"check_{code}"]
            for code in HazardCategory.values
            if data.get(f"check_{code}")
        }
        return data


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


def _is_office(user: object, division_code: str) -> bool:
    """Whether the user is the eldercare office for this division (the forms are shown)."""
    try:
        office_check(user=user, division_code=division_code)
    except PermissionDenied:
        return False
    return True


@login_required
def institution_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    own = user.division_code or ""
    register_form = (
        InstitutionForm(initial={"division_code": own if len(own) in (9, 12) else ""})
        if own and _is_office(user, own)
        else None
    )
    return render(
        request,
        "eldercare/institution_list.html",
        {
            "institutions": selectors.institution_list(user=user),
            "towns": selectors.occupancy_by_town(user=user),
            "register_form": register_form,
        },
    )


@login_required
@require_POST
def institution_register(request: HttpRequest) -> HttpResponse:
    form = InstitutionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("eldercare:institution_list")
    data = form.cleaned_data
    try:
        institution = services.institution_register(
            acting_user=request.user,
            data=services.InstitutionIn(
                name=data["name"],
                credit_code=data["credit_code"].strip().upper(),
                division_code=data["division_code"].strip(),
                kind=data["kind"],
                beds_total=data["beds_total"],
                nursing_beds=data["nursing_beds"] or 0,
                filing_number=data["filing_number"].strip(),
                filing_date=data["filing_date"],
                contact=data["contact"].strip(),
                phone=data["phone"].strip(),
                escrow_bank=data["escrow_bank"].strip(),
            ),
        )
    except EldercareError as error:
        _error(request, error)
        return redirect("eldercare:institution_list")
    messages.success(request, _("已登记养老机构：%(name)s") % {"name": institution.name})
    return redirect(institution)


@login_required
def institution_detail(request: HttpRequest, institution_id: int) -> HttpResponse:
    institution = selectors.institution_get(user=request.user, institution_id=institution_id)
    today = timezone.localdate()
    holdings = selectors.holdings_of(institution=institution, on=today)
    residents = selectors.residents_of(institution=institution)
    current = [resident for resident in residents if resident.discharged_on is None]
    may_write = _is_office(request.user, institution.division_code)
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
            **(_write_forms(institution, current, today) if may_write else {}),
        },
    )


def _write_forms(institution: object, current: list, today: object) -> dict[str, object]:
    """The office's forms of an institution: admit, discharge, staff, inspection."""
    return {
        "admit_form": AdmitForm(initial={"admitted_on": today}),
        "discharge_form": DischargeForm(
            residents=[
                (resident.pk, f"{resident.bed_number} {resident.person.name}")
                for resident in current
            ],
            initial={"on": today},
        )
        if current
        else None,
        "staff_form": StaffForm(),
        "inspection_form": InspectionForm(initial={"inspected_on": today}),
    }


def _institution_for_write(request: HttpRequest, institution_id: int) -> object:
    """The institution in the caller's scope (else 404), if the caller is its office (else
    403): checked before the form so that a refused write says so whatever it sends."""
    institution = selectors.institution_get(user=request.user, institution_id=institution_id)
    office_check(user=request.user, division_code=institution.division_code)
    return institution


@login_required
@require_POST
def institution_resident_admit(request: HttpRequest, institution_id: int) -> HttpResponse:
    institution = _institution_for_write(request, institution_id)
    form = AdmitForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(institution)
    data = form.cleaned_data
    person = selectors.person_for_admission_by_id_number(
        user=request.user, id_number=data["id_number"]
    )
    if person is None:
        messages.error(request, _("查无此公民身份号码的人员"))
        return redirect(institution)
    try:
        services.resident_admit(
            acting_user=request.user,
            institution=institution,
            person=person,
            admitted_on=data["admitted_on"],
            bed_number=data["bed_number"],
            monthly_fee=data["monthly_fee"],
            is_nursing_bed=data["is_nursing_bed"],
        )
    except EldercareError as error:
        _error(request, error)
    else:
        messages.success(
            request,
            _("已办理入住：%(name)s（床位%(bed)s）")
            % {"name": person.name, "bed": data["bed_number"].strip()},
        )
    return redirect(institution)


@login_required
@require_POST
def institution_resident_discharge(request: HttpRequest, institution_id: int) -> HttpResponse:
    institution = _institution_for_write(request, institution_id)
    residents = {
        resident.pk: resident for resident in selectors.residents_of(institution=institution)
    }
    form = DischargeForm(request.POST, residents=[(pk, str(pk)) for pk in residents])
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(institution)
    data = form.cleaned_data
    try:
        resident = services.resident_discharge(
            acting_user=request.user,
            resident=residents[data["resident"]],
            on=data["on"],
            reason=data["reason"],
        )
    except EldercareError as error:
        _error(request, error)
    else:
        messages.success(
            request,
            _("已办理退住，押金和会员费余额须于%(due)s前原路退还")
            % {"due": f"{resident.refund_due_on:%Y-%m-%d}"},
        )
    return redirect(institution)


@login_required
@require_POST
def institution_staff_add(request: HttpRequest, institution_id: int) -> HttpResponse:
    institution = _institution_for_write(request, institution_id)
    form = StaffForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(institution)
    data = form.cleaned_data
    try:
        staff = services.staff_add(
            acting_user=request.user,
            institution=institution,
            name=data["name"],
            role=data["role"],
            certificate_number=data["certificate_number"],
            certificate_valid_to=data["certificate_valid_to"],
        )
    except EldercareError as error:
        _error(request, error)
    else:
        messages.success(request, _("已登记工作人员：%(name)s") % {"name": staff.name})
    return redirect(institution)


@login_required
@require_POST
def institution_inspection_record(request: HttpRequest, institution_id: int) -> HttpResponse:
    institution = _institution_for_write(request, institution_id)
    form = InspectionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(institution)
    data = form.cleaned_data
    try:
        inspection = services.inspection_record(
            acting_user=request.user,
            institution=institution,
            data=services.InspectionIn(
                inspected_on=data["inspected_on"],
                inspectors=data["inspectors"],
                checklist=data["checklist"],
                hazards=data["hazards"],
                note=data["note"],
            ),
        )
    except EldercareError as error:
        _error(request, error)
        return redirect(institution)
    messages.success(
        request, _("已登记安全检查，发现隐患%(count)s处") % {"count": len(data["hazards"])}
    )
    return redirect(inspection)


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
