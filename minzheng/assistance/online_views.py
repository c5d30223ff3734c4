"""Online application pages: the citizen's form (public), and the town's list and detail.

The calculator's result carries its request here signed (`policies.forms.calculator_token`),
never in a session: the citizen has no account, and nothing is kept until they submit.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from minzheng.accounts.jurisdiction import (
    ONLINE_APPLICATION_ROLES,
    REVEAL_ROLES,
    division_in_scope,
)
from minzheng.assistance import online, online_selectors
from minzheng.assistance.models import OnlineApplication, OnlineApplicationState, Program
from minzheng.policies.forms import calculator_token_request
from minzheng.registry.forms import StyledForm
from minzheng.registry.models import Relation
from minzheng.rules.id_number import IdNumberError, parse_id_number
from minzheng.rules.inputs import EXPENSE_KINDS, INCOME_KINDS
from minzheng.workflow.services import WorkflowError

TOKEN_MAX_LENGTH = 50_000  # a signed, compressed request of ten members is a few kilobytes
# Where the service's issues go on the form.
FORM_FIELDS = {
    "$.name": "name",
    "$.id_number": "id_number",
    "$.phone": "phone",
    "$.division_code": "division_code",
    "$.request.division": "division_code",
}


class OnlineApplyForm(StyledForm):
    token = forms.CharField(widget=forms.HiddenInput, max_length=TOKEN_MAX_LENGTH)
    program = forms.ChoiceField(widget=forms.HiddenInput, choices=Program.choices)
    name = forms.CharField(label=gettext_lazy("申请人姓名"), max_length=50)
    id_number = forms.CharField(
        label=gettext_lazy("申请人公民身份号码"),
        min_length=18,
        max_length=18,
        help_text=gettext_lazy("查询办理进度时需要用到"),
    )
    phone = forms.CharField(
        label=gettext_lazy("联系电话"),
        max_length=20,
        help_text=gettext_lazy("镇（街道）工作人员通过此电话与您联系"),
    )
    town = forms.ChoiceField(
        label=gettext_lazy("户籍所在镇（街道）"),
        widget=forms.Select(attrs={"data-submit-on-change": True}),
    )
    division_code = forms.ChoiceField(label=gettext_lazy("户籍所在村（社区）"))
    consent = forms.BooleanField(
        label=gettext_lazy(
            "我已阅读上面的个人信息告知，同意为办理本次申请使用这些信息，并确认填写的情况属实"
        ),
        error_messages={"required": gettext_lazy("请阅读个人信息告知并勾选同意")},
    )

    def __init__(
        self,
        *args: Any,
        towns: list[tuple[str, str]],
        villages: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["town"].choices = [("", _("请选择镇（街道）")), *towns]
        self.fields["division_code"].choices = [
            ("", _("请选择村（社区）") if villages else _("请先选择镇（街道）")),
            *villages,
        ]


def _town_of(code: str) -> str:
    return code[:9] if len(code) >= 9 else ""


def _yuan(amount: float) -> str:
    return f"{amount:,.2f}"


def _declared_summary(declared: dict[str, Any]) -> dict[str, Any]:
    """What the calculator's request says, in the words of the calculator, for the citizen."""
    relations = dict(Relation.choices)
    members = []
    for member in declared.get("members", []):
        birth_date = member.get("birth_date", "")
        if member.get("id_number") and not birth_date:
            try:
                birth_date = parse_id_number(member["id_number"]).birth_date.isoformat()
            except IdNumberError:
                birth_date = ""
        income = member.get("income", {})
        members.append(
            {
                "id": member.get("id", ""),
                "relation": relations.get(member.get("relation", ""), member.get("relation", "")),
                "birth_date": birth_date,
                "income": _yuan(sum(float(income.get(kind, 0) or 0) for kind in INCOME_KINDS)),
            }
        )
    assets = declared.get("assets", {})
    expenses = declared.get("expenses_12m", {})
    return {
        "members": members,
        "financial": _yuan(float(assets.get("financial", 0) or 0)),
        "vehicles": len(assets.get("vehicles", [])),
        "homes": len(assets.get("homes", [])),
        "expenses": _yuan(sum(float(expenses.get(kind, 0) or 0) for kind in EXPENSE_KINDS)),
        "emergency_loss": _yuan(float(declared.get("emergency", {}).get("loss", 0) or 0)),
    }


def _head_id_number(declared: dict[str, Any]) -> str:
    for member in declared.get("members", []):
        if member.get("relation") == "head":
            return str(member.get("id_number", ""))
    return ""


def _place_issues(form: forms.Form, error: online.OnlineApplicationError) -> None:
    for issue in error.issues:
        field = FORM_FIELDS.get(issue.path)
        if field is not None:
            form.add_error(field, issue.message_zh)
        elif issue.path.startswith("$.request"):
            form.add_error(
                None,
                _("家庭情况（%(path)s）：%(message)s")
                % {"path": issue.path, "message": issue.message_zh},
            )
        else:
            form.add_error(None, issue.message_zh)


def online_apply(request: HttpRequest) -> HttpResponse:
    """Public: apply for one programme with what was entered into the calculator."""
    if request.method != "POST":
        return render(request, "assistance/online_apply.html", {"start": True})
    token = request.POST.get("token", "")[:TOKEN_MAX_LENGTH]
    declared = calculator_token_request(token)
    program = request.POST.get("program", "")
    if declared is None or program not in Program.values:
        return render(request, "assistance/online_apply.html", {"expired": True})
    towns = online_selectors.online_towns()
    division = str(declared.get("division", ""))
    town = request.POST.get("town", "") if "town" in request.POST else _town_of(division)
    villages = online_selectors.online_villages(town_code=town) if town in dict(towns) else []
    if "send" in request.POST:  # not "submit": that name would hide form.submit() from scripts
        form = OnlineApplyForm(request.POST, towns=towns, villages=villages)
        if form.is_valid():
            try:
                application = online.online_application_submit(
                    program=program,
                    name=form.cleaned_data["name"],
                    id_number=form.cleaned_data["id_number"],
                    phone=form.cleaned_data["phone"],
                    division_code=form.cleaned_data["division_code"],
                    request=declared,
                    on=timezone.localdate(),
                )
            except online.OnlineApplicationError as error:
                _place_issues(form, error)
            else:
                return render(
                    request, "assistance/online_submitted.html", {"application": application}
                )
    else:
        # From the calculator, or the town changed: keep what was typed, no errors yet.
        initial = {
            "token": token,
            "program": program,
            "town": town,
            "division_code": division if len(division) == 12 else "",
            "id_number": _head_id_number(declared),
        }
        for name in ("name", "id_number", "phone", "division_code", "consent"):
            if request.POST.get(name):
                initial[name] = request.POST[name]
        form = OnlineApplyForm(initial=initial, towns=towns, villages=villages)
    return render(
        request,
        "assistance/online_apply.html",
        {
            "form": form,
            "program_label": dict(Program.choices)[program],
            "declared": _declared_summary(declared),
        },
    )


# ---------------------------------------------------------------------------------------------
# the town's office


class DeclineForm(StyledForm):
    reason = forms.CharField(
        label=gettext_lazy("未予受理的理由（申请人查询进度时可以看到）"),
        max_length=online.DECLINE_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OnlineRevealForm(StyledForm):
    field = forms.ChoiceField(
        label=gettext_lazy("查看"),
        choices=[("id_number", gettext_lazy("公民身份号码")), ("phone", gettext_lazy("联系电话"))],
    )
    reason = forms.CharField(label=gettext_lazy("查看原因"), max_length=500)


STATE_FILTERS = {"": gettext_lazy("全部"), **dict(OnlineApplicationState.choices)}


@login_required
def online_list(request: HttpRequest) -> HttpResponse:
    """The online applications of the user's scope; pending ones unless another state is asked."""
    state = request.GET.get("state", OnlineApplicationState.SUBMITTED)
    if state not in STATE_FILTERS:
        state = OnlineApplicationState.SUBMITTED
    applications = online_selectors.online_application_list(user=request.user, state=state)
    shown = list(applications[:200])
    villages = online_selectors.online_village_names(
        codes=[application.division_code for application in shown]
    )
    return render(
        request,
        "assistance/online_list.html",
        {
            "rows": [
                (application, villages.get(application.division_code, "")) for application in shown
            ],
            "state": state,
            "states": STATE_FILTERS,
        },
    )


def _detail(
    request: HttpRequest,
    application: OnlineApplication,
    *,
    errors: list[str] | None = None,
    register_first: bool = False,
    decline_form: DeclineForm | None = None,
    revealed: tuple[str, str] | None = None,
) -> HttpResponse:
    user = request.user
    person = online_selectors.online_applicant_person(application=application)
    household = online_selectors.online_applicant_household(person=person) if person else None
    household_in_scope = household is not None and division_in_scope(
        user=user, division_code=household.division_id
    )
    return render(
        request,
        "assistance/online_detail.html",
        {
            "application": application,
            "village": online_selectors.online_village_names(codes=[application.division_code]).get(
                application.division_code, ""
            ),
            "declared": _declared_summary(application.request),
            "members": application.request.get("members", []),
            "is_registered": person is not None,
            "household": household if household_in_scope else None,
            "has_household": household is not None,
            "can_handle": application.state == OnlineApplicationState.SUBMITTED
            and (user.is_superuser or user.role in ONLINE_APPLICATION_ROLES),
            "can_reveal": user.is_superuser or user.role in REVEAL_ROLES,
            "errors": errors or [],
            "register_first": register_first,
            "decline_form": decline_form or DeclineForm(),
            "reveal_form": OnlineRevealForm(),
            "revealed": revealed,
        },
    )


@login_required
def online_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    application = online_selectors.online_application_get(
        user=request.user, application_id=application_id
    )
    return _detail(request, application)


@login_required
@require_POST
def online_convert(request: HttpRequest, application_id: int) -> HttpResponse:
    """Turn the application into a case of the applicant's registered household."""
    application = online_selectors.online_application_get(
        user=request.user, application_id=application_id
    )
    try:
        online.online_application_convert(
            acting_user=request.user, application=application, on=timezone.localdate()
        )
    except online.OnlineApplicationError as error:
        return _detail(
            request,
            application,
            errors=[issue.message_zh for issue in error.issues],
            register_first=error.register_first,
        )
    except WorkflowError as error:
        return _detail(request, application, errors=[error.message_zh])
    case = application.case
    assert case is not None  # converted: the service linked the case
    messages.success(
        request,
        _("网上申请 %(number)s 已转为救助申请 %(case)s")
        % {"number": application.number, "case": case.number},
    )
    return redirect("assistance:case_detail", case_id=case.pk)


@login_required
@require_POST
def online_decline(request: HttpRequest, application_id: int) -> HttpResponse:
    application = online_selectors.online_application_get(
        user=request.user, application_id=application_id
    )
    form = DeclineForm(request.POST)
    if not form.is_valid():
        return _detail(request, application, decline_form=form)
    try:
        online.online_application_decline(
            acting_user=request.user,
            application=application,
            reason=form.cleaned_data["reason"],
            on=timezone.localdate(),
        )
    except online.OnlineApplicationError as error:
        return _detail(request, application, errors=[issue.message_zh for issue in error.issues])
    messages.success(request, _("网上申请 %(number)s 未予受理") % {"number": application.number})
    return redirect("assistance:online_detail", application_id=application.pk)


@login_required
@require_POST
def online_reveal(request: HttpRequest, application_id: int) -> HttpResponse:
    """Show the applicant's id number or phone in full, once, after a reason is given."""
    application = online_selectors.online_application_get(
        user=request.user, application_id=application_id
    )
    form = OnlineRevealForm(request.POST)
    if not form.is_valid():
        return _detail(request, application, errors=[_("请选择要查看的信息并填写原因")])
    field = form.cleaned_data["field"]
    try:
        value = online.online_application_reveal(
            acting_user=request.user,
            application=application,
            field=field,
            reason=form.cleaned_data["reason"],
        )
    except online.OnlineApplicationError as error:
        return _detail(request, application, errors=[issue.message_zh for issue in error.issues])
    return _detail(request, application, revealed=(online.REVEALABLE[field], value))
