"""Assistance pages: the case list, a case with its timeline and its next steps, applying."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from minzheng.assistance import documents, payroll, selectors, services
from minzheng.assistance.models import Channel, Program
from minzheng.assistance.statistics import amount_note, month_label, statistics_export
from minzheng.assistance.workflows import ASSISTANCE_CASE
from minzheng.policies.forms import HouseholdForm, MemberFormSet, calculator_request
from minzheng.registry.forms import StyledForm
from minzheng.registry.selectors import household_get
from minzheng.rules.parameters import parse_month
from minzheng.workflow.services import WorkflowError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class MonthField(forms.CharField):
    """A month typed as YYYY-MM, cleaned to its first day."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=7, **kwargs)
        self.widget.input_type = "month"

    def clean(self, value: Any) -> dt.date:
        month = parse_month(super().clean(value))
        if month is None:
            raise forms.ValidationError(_("月份格式应为 YYYY-MM"))
        return month


class AcceptForm(StyledForm):
    documents = forms.MultipleChoiceField(
        label=gettext_lazy("已收材料"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(name, name) for name in (*services.REQUIRED_DOCUMENTS, "收入证明", "残疾人证")],
    )
    authorisation_signed = forms.BooleanField(
        label=gettext_lazy("家庭成员已签署经济状况核对授权书"), required=False
    )


class VisitForm(StyledForm):
    worker_1 = forms.CharField(label=gettext_lazy("调查人员一"), max_length=20)
    worker_2 = forms.CharField(label=gettext_lazy("调查人员二"), max_length=20)
    findings = forms.CharField(
        label=gettext_lazy("调查情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ApproveForm(StyledForm):
    start_month = MonthField(label=gettext_lazy("起始月份"))


class RejectForm(StyledForm):
    reasons = forms.CharField(
        label=gettext_lazy("不予批准的理由（每行一条）"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TerminateForm(StyledForm):
    reason = forms.CharField(label=gettext_lazy("终止理由"), max_length=500)
    last_month = MonthField(label=gettext_lazy("最后发放月份"))


class ObjectForm(StyledForm):
    objection = forms.CharField(
        label=gettext_lazy("异议内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResolveObjectionForm(StyledForm):
    finding = forms.CharField(
        label=gettext_lazy("核实情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    upheld = forms.BooleanField(label=gettext_lazy("异议属实"), required=False)


class DeliberateForm(StyledForm):
    start_month = MonthField(label=gettext_lazy("起始月份"))
    monthly_amount = forms.DecimalField(
        label=gettext_lazy("救助金额（元）"), max_digits=10, decimal_places=2, min_value=0
    )
    members = forms.CharField(
        label=gettext_lazy("参加集体研究的人员（每行一人）"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reasons = forms.CharField(
        label=gettext_lazy("研究意见和理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReferCityForm(StyledForm):
    opinion = forms.CharField(
        label=gettext_lazy("镇（街道）审核意见"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CityApproveForm(StyledForm):
    amount = forms.DecimalField(
        label=gettext_lazy("救助金额（元）"), max_digits=10, decimal_places=2, min_value=0
    )
    note = forms.CharField(label=gettext_lazy("审批意见"), max_length=500, required=False)


class EmergencyForm(StyledForm):
    amount = forms.DecimalField(
        label=gettext_lazy("先行救助金额（元）"), max_digits=10, decimal_places=2, min_value=0
    )
    situation = forms.CharField(
        label=gettext_lazy("紧急情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CompleteForm(AcceptForm):
    findings = forms.CharField(
        label=gettext_lazy("核实情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReviewForm(StyledForm):
    findings = forms.CharField(
        label=gettext_lazy("核查情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ChangeAmountForm(StyledForm):
    amount = forms.DecimalField(
        label=gettext_lazy("新的月保障金额（元）"), max_digits=10, decimal_places=2, min_value=0
    )
    from_month = MonthField(label=gettext_lazy("自何月起"))
    reason = forms.CharField(label=gettext_lazy("调整理由"), max_length=500)


class GradualExitForm(StyledForm):
    from_month = MonthField(label=gettext_lazy("渐退起始月份"))
    months = forms.IntegerField(label=gettext_lazy("渐退月数"), min_value=1, max_value=24)
    reason = forms.CharField(label=gettext_lazy("渐退理由"), max_length=500)


class TransferForm(StyledForm):
    to_division = forms.CharField(
        label=gettext_lazy("迁入地村（社区）区划代码"), max_length=12, min_length=12
    )
    reason = forms.CharField(label=gettext_lazy("转办理由"), max_length=500)


STEP_FORMS: dict[str, type[forms.Form] | None] = {
    "accept": AcceptForm,
    "verify": None,
    "visit": VisitForm,
    "notice": None,
    "object": ObjectForm,
    "resolve_objection": ResolveObjectionForm,
    "approve": ApproveForm,
    "deliberate": DeliberateForm,
    "refer_city": ReferCityForm,
    "city_approve": CityApproveForm,
    "city_reject": RejectForm,
    "emergency": EmergencyForm,
    "complete": CompleteForm,
    "reject": RejectForm,
    "review": ReviewForm,
    "change_amount": ChangeAmountForm,
    "gradual_exit": GradualExitForm,
    "transfer": TransferForm,
    "terminate": TerminateForm,
}
# Steps whose form fields are the service's arguments as they are.
PLAIN_STEPS = {
    "object",
    "resolve_objection",
    "refer_city",
    "city_approve",
    "emergency",
    "review",
    "change_amount",
    "gradual_exit",
    "transfer",
}


def _arguments(step: str, data: dict[str, Any]) -> dict[str, Any]:
    """What each service takes, from its form's cleaned data."""
    if step in PLAIN_STEPS:
        return data
    if step == "accept":
        return {
            "documents": data["documents"],
            "authorisation_signed": data["authorisation_signed"],
        }
    if step == "complete":
        return {
            "documents": data["documents"],
            "authorisation_signed": data["authorisation_signed"],
            "findings": data["findings"],
        }
    if step == "visit":
        return {"workers": [data["worker_1"], data["worker_2"]], "findings": data["findings"]}
    if step == "approve":
        return {"start_month": data["start_month"]}
    if step == "deliberate":
        return {**data, "members": data["members"].splitlines()}
    if step in ("reject", "city_reject"):
        return {"reasons": data["reasons"].splitlines()}
    if step == "terminate":
        return {"reason": data["reason"], "last_month": data["last_month"]}
    return {}


def _labelled(records: Any) -> list[Any]:
    """The timeline's records, each with its step's label for the page."""
    labelled = []
    for record in records:
        try:
            record.label = ASSISTANCE_CASE.transition(record.transition).label
        except KeyError:
            record.label = record.transition
        labelled.append(record)
    return labelled


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")[:30]
    program = request.GET.get("program", "")[:30]
    cases = selectors.case_list(user=request.user, state=state, program=program)[:200]
    return render(
        request,
        "assistance/case_list.html",
        {
            "cases": cases,
            "states": ASSISTANCE_CASE.states,
            "programs": Program.choices,
            "state": state,
            "program": program,
            "can_see_statistics": selectors.statistics_allowed(request.user),
        },
    )


@login_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, case_id=case_id)
    user = request.user
    steps = [
        {"transition": transition, "form": (STEP_FORMS[transition.name] or StyledForm)()}
        for transition in ASSISTANCE_CASE.available(
            state=case.state, role=user.role, is_superuser=user.is_superuser
        )
    ]
    assessment = case.assessment["programs"][case.program] if case.assessment else None
    return render(
        request,
        "assistance/case_detail.html",
        {
            "case": case,
            "timeline": _labelled(selectors.case_timeline(case=case)),
            "open_objections": services.open_objections(case),
            "steps": steps,
            "assessment": assessment,
            "members": case.request.get("members", []),
        },
    )


@login_required
@require_POST
def case_step(request: HttpRequest, case_id: int, step: str) -> HttpResponse:
    case = selectors.case_get(user=request.user, case_id=case_id)
    if step not in STEP_FORMS:
        raise Http404
    form_class = STEP_FORMS[step]
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}：{error}" if label else error)
        return redirect("assistance:case_detail", case_id=case.pk)
    step_service = getattr(services, f"case_{step}")
    try:
        step_service(
            case=case,
            acting_user=request.user,
            on=timezone.localdate(),
            **_arguments(step, form.cleaned_data if form else {}),
        )
    except services.CaseError as error:
        for message_zh, _message_en in error.problems:
            messages.error(request, message_zh)
    except WorkflowError as error:
        messages.error(request, error.message_zh)
    else:
        messages.success(
            request, _("已办理：%(step)s") % {"step": ASSISTANCE_CASE.transition(step).label}
        )
    return redirect("assistance:case_detail", case_id=case.pk)


class ApplyForm(StyledForm):
    program = forms.ChoiceField(label=gettext_lazy("救助项目"), choices=Program.choices)
    applicant = forms.TypedChoiceField(label=gettext_lazy("申请人"), coerce=int)
    channel = forms.ChoiceField(
        label=gettext_lazy("申请方式"), choices=Channel.choices, initial=Channel.WORKER
    )

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["applicant"].choices = members


def _registry_member(membership: Any, number: int) -> dict[str, Any]:
    """What the registry already knows of a member, to start the declaration from."""
    person = membership.person
    return {
        "id": person.name or f"成员{number}",
        "relation": membership.relation,
        "birth_date": person.birth_date,
        "hukou_local": True,
        "disability_category": person.disability_category or "",
        "disability_grade": person.disability_grade or "",
        "serious_illness": person.serious_illness,
        "ability_level": "" if person.ability_level is None else person.ability_level,
        "student": "none",
        "employment": "not_working",
        "capable_legal_supporter": "yes",
    }


@login_required
def case_apply(request: HttpRequest, household_id: int) -> HttpResponse:
    household = household_get(user=request.user, household_id=household_id)
    current = [
        membership
        for membership in household.memberships.all()
        if membership.valid_to is None and membership.person.death_date is None
    ]
    choices = [(membership.person_id, membership.person.name) for membership in current]
    if request.method == "POST":
        form = ApplyForm(request.POST, members=choices)
        household_form = HouseholdForm(request.POST)
        members = MemberFormSet(request.POST, prefix="members")
        if form.is_valid() and household_form.is_valid() and members.is_valid():
            today = timezone.localdate()
            declared = calculator_request(
                household=household_form.cleaned_data,
                members=[member.cleaned_data for member in members.forms],
                as_of=today,
            )
            declared["division"] = household.division_id
            applicant = next(
                m.person for m in current if m.person_id == form.cleaned_data["applicant"]
            )
            try:
                case = services.case_apply(
                    acting_user=request.user,
                    household=household,
                    applicant=applicant,
                    program=form.cleaned_data["program"],
                    request=declared,
                    channel=form.cleaned_data["channel"],
                    on=today,
                )
            except services.CaseError as error:
                for message_zh, _message_en in error.problems:
                    form.add_error(None, message_zh)
            else:
                messages.success(request, _("已提交申请 %(number)s") % {"number": case.number})
                return redirect("assistance:case_detail", case_id=case.pk)
    else:
        # From an alert (政策找人, monitoring): the programme it names, channel 预警转办.
        initial = {"applicant": household.head_id}
        if request.GET.get("program") in Program.values:
            initial["program"] = request.GET["program"]
        if request.GET.get("channel") in Channel.values:
            initial["channel"] = request.GET["channel"]
        form = ApplyForm(members=choices, initial=initial)
        household_form = HouseholdForm(initial={"division": household.division_id})
        members = MemberFormSet(
            prefix="members",
            initial=[_registry_member(m, number) for number, m in enumerate(current, 1)],
        )
    return render(
        request,
        "assistance/case_apply.html",
        {
            "household": household,
            "form": form,
            "household_form": household_form,
            "members": members,
        },
    )


class PayrollCloseForm(StyledForm):
    month = MonthField(label=gettext_lazy("发放月份"))


FILE_TYPES = {".csv": "text/csv; charset=utf-8", ".xlsx": XLSX}


@login_required
def payroll_list(request: HttpRequest) -> HttpResponse:
    months = selectors.payroll_months(user=request.user)
    form = PayrollCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            month_payroll, closed = payroll.payroll_month_close(
                acting_user=request.user,
                month=form.cleaned_data["month"],
                today=timezone.localdate(),
            )
        except payroll.PayrollError as error:
            for message_zh, _message_en in error.problems:
                form.add_error(None, message_zh)
        else:
            label = f"{month_payroll.month:%Y-%m}"
            if closed:
                messages.success(request, _("%(month)s 已关账") % {"month": label})
            else:
                messages.info(request, _("%(month)s 此前已关账，未作改动") % {"month": label})
            return redirect("assistance:payroll_detail", month=label)
    return render(request, "assistance/payroll_list.html", {"months": months, "form": form})


def _month(text: str) -> dt.date:
    month = parse_month(text)
    if month is None:
        raise Http404
    return month


@login_required
def payroll_detail(request: HttpRequest, month: str) -> HttpResponse:
    month_payroll = selectors.payroll_get(user=request.user, month=_month(month))
    lines = payroll.ledger(payroll=month_payroll, reveal_accounts=False)
    return render(
        request,
        "assistance/payroll_detail.html",
        {
            "payroll": month_payroll,
            "label": month,
            "summary": payroll.summary(lines),
            "lines": lines,
            "failed": sum(1 for line in lines if line.status == "failed"),
            "files": [
                f"ledger-{month}.csv",
                f"bank-{month}.xlsx",
                f"bank-{month}.csv",
                f"summary-{month}.csv",
            ],
        },
    )


@login_required
def payroll_file(request: HttpRequest, month: str, name: str) -> HttpResponse:
    month_payroll = selectors.payroll_get(user=request.user, month=_month(month))
    files = payroll.payroll_files(
        acting_user=request.user, payroll=month_payroll, reveal_accounts=True
    )
    if name not in files:
        raise Http404
    response = HttpResponse(files[name], content_type=FILE_TYPES[name[name.rindex(".") :]])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class TrackForm(StyledForm):
    number = forms.CharField(label=gettext_lazy("申请编号"), max_length=20)
    id_number = forms.CharField(
        label=gettext_lazy("申请人公民身份号码"), min_length=18, max_length=18
    )


def case_track(request: HttpRequest) -> HttpResponse:
    """Public: an applicant follows their case with its number and their id number."""
    form = TrackForm(request.POST or None)
    tracked = None
    not_found = False
    if request.method == "POST" and form.is_valid():
        tracked = selectors.case_track(
            number=form.cleaned_data["number"], id_number=form.cleaned_data["id_number"]
        )
        not_found = tracked is None
    return render(
        request,
        "assistance/case_track.html",
        {"form": form, "tracked": tracked, "not_found": not_found},
    )


# The documents of a case: the decision letter (Word, PDF) and the village's notice sheet.


def _letter(request: HttpRequest, case_id: int, file_format: str) -> HttpResponse:
    case = selectors.case_get(user=request.user, case_id=case_id)
    try:
        letter = documents.case_letter_file(
            case=case, acting_user=request.user, file_format=file_format
        )
    except documents.DocumentUnavailable as error:
        messages.error(request, error.message_zh)
        return redirect("assistance:case_detail", case_id=case.pk)
    response = HttpResponse(letter.content, content_type=letter.content_type)
    response["Content-Disposition"] = f'attachment; filename="{letter.filename}"'
    return response


@login_required
def case_letter_pdf(request: HttpRequest, case_id: int) -> HttpResponse:
    """The decision letter as PDF (404 unless decided); each download is audited."""
    return _letter(request, case_id, "pdf")


@login_required
def case_letter_docx(request: HttpRequest, case_id: int) -> HttpResponse:
    """The decision letter as Word (404 unless decided); each download is audited."""
    return _letter(request, case_id, "docx")


@login_required
def notice_sheet(request: HttpRequest, village_code: str) -> HttpResponse:
    """The printable public notice of a village's cases in the notice state, names masked."""
    cases = documents.notice_cases(user=request.user, village_code=village_code)
    context = documents.notice_sheet(cases, village_code=village_code, on=timezone.localdate())
    css = documents.notice_css()
    response = render(
        request, "assistance/notice_sheet.html", {**context, "print_css": css, "for_pdf": False}
    )
    # The stylesheet is inline (a printable page of its own): allow exactly it by its hash.
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    response._csp_update = {"style-src": [f"'sha256-{digest}'"]}  # type: ignore[attr-defined]
    return response


@login_required
def notice_sheet_pdf(request: HttpRequest, village_code: str) -> HttpResponse:
    cases = documents.notice_cases(user=request.user, village_code=village_code)
    context = documents.notice_sheet(cases, village_code=village_code, on=timezone.localdate())
    try:
        content = documents.notice_sheet_pdf(context)
    except documents.DocumentUnavailable as error:
        messages.error(request, error.message_zh)
        return redirect("assistance:notice_sheet", village_code=village_code)
    response = HttpResponse(content, content_type=documents.PDF)
    response["Content-Disposition"] = f'inline; filename="notice-{village_code}.pdf"'
    return response


# Monthly statistics by town and programme, on the page and as .xlsx.


class StatisticsForm(StyledForm):
    month = MonthField(label=gettext_lazy("统计月份"))


@login_required
def statistics_page(request: HttpRequest) -> HttpResponse:
    """The month's figures by town and programme (default: the previous month)."""
    selectors.statistics_scope(user=request.user)  # refuse before reading anything else
    default = f"{selectors.previous_month(timezone.localdate()):%Y-%m}"
    form = StatisticsForm(request.GET if "month" in request.GET else {"month": default})
    figures = None
    if form.is_valid():
        figures = selectors.monthly_statistics(user=request.user, month=form.cleaned_data["month"])
    return render(
        request,
        "assistance/statistics.html",
        {
            "form": form,
            "statistics": figures,
            "label": f"{figures.month:%Y-%m}" if figures else "",
            "month_label": month_label(figures.month) if figures else "",
            "amount_note": amount_note(figures) if figures else "",
        },
    )


@login_required
def statistics_file(request: HttpRequest, month: str) -> HttpResponse:
    """The month's statistics as .xlsx; every download is audited."""
    exported = statistics_export(user=request.user, month=_month(month))
    response = HttpResponse(exported.content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{exported.name}"'
    return response
