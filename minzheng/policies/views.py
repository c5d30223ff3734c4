"""The public policy calculator and the parameters page: parse, call the rules, render.

Nothing here decides eligibility or amounts: the calculator builds the request that
`minzheng assess` reads and renders what `assess` returns, reasons included, word for word.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minzheng.accounts.jurisdiction import policy_parameters_read_check
from minzheng.assistance.models import Program
from minzheng.policies.forms import (
    HOUSEHOLD_FIELDS,
    MAX_MEMBERS,
    MEMBER_FIELDS,
    HouseholdForm,
    HouseholdSizeForm,
    MemberFormSet,
    ParameterDateForm,
    calculator_request,
    calculator_token,
)
from minzheng.rules import PROGRAMS, RequestError, RequestIssue, all_parameters, assess
from minzheng.rules.parameters import PROVISIONAL_LABEL, Parameter, ParameterValue

# The member form's fields in the blocks the page shows them in.
MEMBER_GROUPS = (
    (
        gettext_lazy("基本情况"),
        ("id", "relation", "birth_date", "id_number", "hukou_local"),
    ),
    (
        gettext_lazy("健康与照护"),
        ("disability_category", "disability_grade", "ability_level", "serious_illness"),
    ),
    (gettext_lazy("上学与就业"), ("student", "employment")),
    (
        gettext_lazy("每月收入（元，近12个月的月平均）"),
        (
            "income_wages",
            "income_business",
            "income_property",
            "income_pension",
            "income_support_received",
            "income_other_transfers",
            "income_excluded",
        ),
    ),
    (gettext_lazy("赡养与抚养"), ("capable_legal_supporter", "parents")),
)
HOUSEHOLD_GROUPS = (
    (
        gettext_lazy("家庭财产"),
        (
            "assets_financial",
            "private_cars",
            "residential_homes",
            "non_residential_homes",
            "registered_businesses",
        ),
    ),
    (
        gettext_lazy("前12个月的刚性支出（元，自付部分）"),
        (
            "expense_medical",
            "expense_education",
            "expense_disability_rehabilitation",
            "expense_other_rigid",
        ),
    ),
    (gettext_lazy("突发困难"), ("emergency_kind", "emergency_loss")),
    (gettext_lazy("户籍地"), ("division",)),
)
MEMBER_PATH = re.compile(r"^\$\.members\[(\d+)\](?:\.(.+))?$")
CONFIDENCE_LABELS = {
    "high": gettext_lazy("高"),
    "medium": gettext_lazy("中"),
    "low": gettext_lazy("低"),
}
# The parameters page groups parameters by programme, the two disability subsidies together.
DISABILITY_GROUP = "disability"


@dataclass(frozen=True)
class PlacedIssue:
    """A RequestError issue as the page lists it: where, in words, and what is wrong."""

    where: str
    message: str


# ---------------------------------------------------------------------------------------------
# the calculator


def _size_from_query(value: str | None) -> int:
    try:
        size = int(value or 1)
    except ValueError:
        return 1
    return min(max(size, 1), MAX_MEMBERS)


def _new_member(number: int) -> dict[str, Any]:
    return {
        "id": _("成员%(number)d") % {"number": number},
        "relation": "head" if number == 1 else "",
    }


def _posted_values(form: forms.Form) -> dict[str, Any]:
    """What was typed into a bound form, as initial values for an unbound one."""
    return {
        name: field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        for name, field in form.fields.items()
    }


def _resized(
    household_form: HouseholdForm, members: forms.BaseFormSet, size: int
) -> tuple[HouseholdForm, forms.BaseFormSet]:
    """Unbound forms with `size` member blocks, keeping what was typed into the first ones."""
    kept = members.forms[:size] if members.management_form.is_valid() else []
    initial = [_posted_values(form) for form in kept]
    initial += [_new_member(number) for number in range(len(initial) + 1, size + 1)]
    return (
        HouseholdForm(initial=_posted_values(household_form)),
        MemberFormSet(prefix="members", initial=initial),
    )


def _field_for(path: str, fields: dict[str, str]) -> str | None:
    """The form field a request path names: the longest mapped prefix, array indices ignored."""
    key = re.sub(r"\[\d+\]", "", path)
    while key:
        if key in fields:
            return fields[key]
        key = key.rpartition(".")[0]
    return None


def _place_issues(
    issues: list[RequestIssue], household_form: forms.Form, member_forms: list[forms.Form]
) -> list[PlacedIssue]:
    """Attach each issue to the field it names; return all of them, each with its place."""
    placed = []
    for issue in issues:
        form: forms.Form | None = None
        field: str | None = None
        where = _("填写内容")
        match = MEMBER_PATH.match(issue.path)
        if match and int(match.group(1)) < len(member_forms):
            index = int(match.group(1))
            form = member_forms[index]
            member_id = form.cleaned_data.get("id", "") if hasattr(form, "cleaned_data") else ""
            where = _("成员%(number)d（%(id)s）") % {"number": index + 1, "id": member_id}
            field = _field_for(match.group(2) or "", MEMBER_FIELDS)
        elif issue.path.startswith("$."):
            form = household_form
            field = _field_for(issue.path[2:], HOUSEHOLD_FIELDS)
            if issue.path == "$.members":
                where = _("家庭成员")
            elif issue.path == "$.as_of":
                where = _("评估月份")
        if form is not None and field is not None:
            form.add_error(field, issue.message_zh)
            label = str(form.fields[field].label)
            where = label if form is household_form else f"{where} · {label}"
        placed.append(PlacedIssue(where=where, message=issue.message_zh))
    return placed


def _yuan(value: float) -> str:
    return f"{value:,.2f}"


def _reason_kind(reason: str) -> str:
    if reason.startswith("✓"):
        return "pass"
    if reason.startswith("✗"):
        return "fail"
    return "note"


def _programs_shown(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The nine programmes in the contract's order, amounts formatted, everything else as is."""
    shown = []
    for program in PROGRAMS:
        item = result["programs"][program.code]
        one_off = item.get("one_off_amount")
        shown.append(
            {
                "code": program.code,
                "label": item["label"],
                "eligible": item["eligible"],
                "monthly_amount": _yuan(item["monthly_amount"]),
                "has_monthly_amount": item["eligible"] and item["monthly_amount"] > 0,
                "one_off_amount": _yuan(one_off) if one_off else None,
                "members": [
                    {"id": member["id"], "monthly_amount": _yuan(member["monthly_amount"])}
                    for member in item.get("members", [])
                ],
                "reasons": [
                    {"text": reason, "kind": _reason_kind(reason)} for reason in item["reasons"]
                ],
                "documents": item["documents"],
                "office": item["office"],
            }
        )
    return shown


def _provisional_shown(names: list[str]) -> list[dict[str, str]]:
    parameters = all_parameters()
    return [
        {"name": name, "description": parameters[name].description if name in parameters else ""}
        for name in names
    ]


def _groups(form: forms.Form, groups: tuple[tuple[Any, tuple[str, ...]], ...]) -> list[Any]:
    return [(title, [form[name] for name in names]) for title, names in groups]


def calculator(request: HttpRequest) -> HttpResponse:
    """Public: a household's likely programmes, amounts, reasons, documents and office."""
    today = timezone.localdate()
    result: dict[str, Any] | None = None
    request_data: dict[str, Any] | None = None
    issues: list[PlacedIssue] = []
    resized = False
    if request.method == "POST":
        size_form = HouseholdSizeForm(request.POST)
        household_form = HouseholdForm(request.POST)
        members = MemberFormSet(request.POST, prefix="members")
        shown = members.total_form_count() if members.management_form.is_valid() else 0
        size = size_form.cleaned_data["size"] if size_form.is_valid() else max(shown, 1)
        if "resize" in request.POST or size != shown:
            household_form, members = _resized(household_form, members, size)
            size_form = HouseholdSizeForm(initial={"size": size})
            resized = True
        else:
            household_valid = household_form.is_valid()
            if members.is_valid() and household_valid:
                request_data = calculator_request(
                    household=household_form.cleaned_data,
                    members=[form.cleaned_data for form in members.forms],
                    as_of=today,
                )
                try:
                    result = assess(request_data)
                except RequestError as error:
                    issues = _place_issues(error.issues, household_form, members.forms)
    else:
        size = _size_from_query(request.GET.get("size"))
        size_form = HouseholdSizeForm(initial={"size": size})
        household_form = HouseholdForm()
        members = MemberFormSet(
            prefix="members", initial=[_new_member(number) for number in range(1, size + 1)]
        )
    has_form_errors = request.method == "POST" and not resized and result is None
    programs = _programs_shown(result) if result else []
    return render(
        request,
        "policies/calculator.html",
        {
            "as_of": f"{today:%Y-%m}",
            "size": size,
            "size_form": size_form,
            "household_form": household_form,
            "household_groups": _groups(household_form, HOUSEHOLD_GROUPS),
            "members": members,
            "member_blocks": [(form, _groups(form, MEMBER_GROUPS)) for form in members.forms],
            "issues": issues,
            "has_form_errors": has_form_errors,
            "resized": resized,
            "result": result,
            "programs": programs,
            "eligible_programs": [program for program in programs if program["eligible"]],
            "any_eligible": any(program["eligible"] for program in programs),
            "provisional": _provisional_shown(result["provisional"]) if result else [],
            "provisional_label": PROVISIONAL_LABEL,
            "request_json": (
                json.dumps(request_data, ensure_ascii=False, indent=2) if result else ""
            ),
            # "用此结果申请": the assistance programmes a citizen may apply for online.
            "applicable_programs": Program.values,
            "apply_token": calculator_token(request_data) if result and request_data else "",
        },
    )


# ---------------------------------------------------------------------------------------------
# the parameters in force


def _display(value: Any) -> str:
    """A parameter value in words: yes/no, plain numbers, mappings as 'key → value'."""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return "；".join(f"{key} → {_display(item)}" for key, item in value.items())
    if isinstance(value, list):
        return "；".join(
            "，".join(f"{key} {_display(part)}" for key, part in item.items())
            if isinstance(item, dict)
            else _display(item)
            for item in value
        )
    return str(value)


def _value_shown(value: ParameterValue) -> dict[str, Any]:
    return {
        "value": _display(value.value) if value.value is not None else None,
        "valid_from": value.valid_from,
        "source": value.source,
        "confidence": CONFIDENCE_LABELS.get(value.confidence, value.confidence),
        "provisional": value.provisional,
        "reasoning": value.reasoning,
        "note": value.note,
    }


# Eldercare's casework parameters (assessment, entitlements, home services and their supervision,
# meals, care visits and alarms, institutions) are shown together.
ELDERCARE_GROUP = "eldercare"
ELDERCARE_PREFIXES = {
    "ability_assessment",
    "care",
    "eldercare",
    "eldercare_report",
    "homecare",
    "institution",
    "meal",
}


def _group_of(name: str) -> str:
    prefix = name.split(".", 1)[0]
    if prefix in ELDERCARE_PREFIXES:
        return ELDERCARE_GROUP
    return DISABILITY_GROUP if prefix.startswith("disability_") else prefix


def _group_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for program in PROGRAMS:
        key = _group_of(program.code)
        if key == DISABILITY_GROUP:
            labels.setdefault(key, _("残疾人两项补贴（困难残疾人生活补贴、重度残疾人护理补贴）"))
        else:
            labels[key] = program.label
    labels["review"] = _("定期核查周期")
    labels["monitoring"] = _("低收入人口动态监测预警")
    labels[ELDERCARE_GROUP] = _("养老服务（能力评估、补贴、上门服务、助餐、巡访、机构）")
    return labels


def _parameter_shown(parameter: Parameter, on: dt.date) -> dict[str, Any]:
    current = parameter.at(on)
    return {
        "name": parameter.name,
        "description": parameter.description,
        "unit": parameter.unit,
        "current": _value_shown(current) if current is not None else None,
        "earliest": parameter.values[0].valid_from if parameter.values else None,
        "history": [_value_shown(value) for value in parameter.values],
    }


def parameter_groups(*, on: dt.date) -> list[dict[str, Any]]:
    """Every parameter with its value in force on the date, grouped by programme."""
    labels = _group_labels()
    groups: dict[str, list[dict[str, Any]]] = {key: [] for key in labels}
    for name, parameter in all_parameters().items():
        groups.setdefault(_group_of(name), []).append(_parameter_shown(parameter, on))
    return [
        {"key": key, "label": labels.get(key, key), "parameters": rows}
        for key, rows in groups.items()
        if rows
    ]


@login_required
def parameter_list(request: HttpRequest) -> HttpResponse:
    """Every dated parameter, the value in force on a chosen day, and its history."""
    policy_parameters_read_check(user=request.user)  # type: ignore[arg-type]
    today = timezone.localdate()
    on = today
    date_errors: list[str] = []
    form = ParameterDateForm(request.GET or None)
    if form.is_bound:
        if form.is_valid():
            on = form.cleaned_data["on"] or today
        else:
            date_errors = [str(error) for error in form.errors.get("on", [])] or [
                _("日期无效，已改为显示今天")
            ]
        form = ParameterDateForm(initial={"on": on})
    else:
        form = ParameterDateForm(initial={"on": today})
    groups = parameter_groups(on=on)
    rows = [row for group in groups for row in group["parameters"]]
    return render(
        request,
        "policies/parameter_list.html",
        {
            "form": form,
            "on": on,
            "date_errors": date_errors,
            "groups": groups,
            "parameter_count": len(rows),
            "provisional_count": sum(
                1 for row in rows if row["current"] is not None and row["current"]["provisional"]
            ),
            "provisional_label": PROVISIONAL_LABEL,
        },
    )
