"""Eldercare pages: the dashboard, an elder's page, ability assessments."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from minzheng.eldercare import selectors
from minzheng.eldercare.access import caregiver_of, field_check, provider_of
from minzheng.eldercare.assessments import AssessmentIn, assessment_record
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import AssessmentReason
from minzheng.registry.forms import StyledForm
from minzheng.registry.models import Division, DivisionKind
from minzheng.rules.ability import DOMAINS, ITEMS, LEVELS

TOWN_KINDS = (DivisionKind.TOWN, DivisionKind.STREET, DivisionKind.PARK)
# What a score means, by the item's maximum (the standard's wording varies by item; these are
# its common steps: 4 independent ... 0 fully dependent).
SCALE_WORDS = {
    4: {
        4: "独立完成",
        3: "需他人指导或提示",
        2: "需他人协助，但以自身完成为主",
        1: "主要依靠他人",
        0: "完全依赖他人",
    },
    3: {3: "独立完成", 2: "需他人协助", 1: "主要依靠他人", 0: "完全依赖他人或不能完成"},
    2: {2: "正常或轻度受损", 1: "中度受损", 0: "重度受损或不能判断"},
    1: {1: "近一个月未出现", 0: "近一个月出现过"},
}
CONSCIOUSNESS_WORDS = {2: "神志清醒", 1: "嗜睡或意识模糊", 0: "昏睡或昏迷"}


class AssessmentForm(StyledForm):
    assessed_on = forms.DateField(label=gettext_lazy("评估日期"))
    reason = forms.ChoiceField(label=gettext_lazy("评估原因"), choices=AssessmentReason.choices)
    assessors = forms.CharField(label=gettext_lazy("评估员（两人，以顿号分隔）"), max_length=100)
    coma = forms.BooleanField(label=gettext_lazy("处于昏迷状态"), required=False)
    dementia = forms.BooleanField(
        label=gettext_lazy("确诊痴呆（F00-F03）或其他精神和行为障碍疾病（F04-F99）"),
        required=False,
    )
    risk_events_30d = forms.IntegerField(
        label=gettext_lazy("近30天照护风险事件次数（跌倒、噎食、自杀、自伤、走失等）"),
        min_value=0,
        max_value=99,
        initial=0,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for number, name, maximum in ITEMS:
            words = CONSCIOUSNESS_WORDS if number == "B.3.9" else SCALE_WORDS[maximum]
            self.fields[number] = forms.TypedChoiceField(
                label=f"{number} {name}",
                choices=[("", "—")] + [(score, f"{score} {words[score]}") for score in words],
                coerce=int,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )

    def domains(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        return [
            (code, label, [self[number] for number, _, _ in ITEMS if number.startswith(code)])
            for code, label in DOMAINS.items()
        ]


# The dashboard's sections: (title, [(url name, label), ...]) for the office and field roles.
SECTIONS = (
    ("能力评估", (("eldercare:assessment_list", "评估记录"),)),
    (
        "待遇保障",
        (
            ("eldercare:longevity_lists", "尊老金月度名单"),
            ("eldercare:subsidy_list", "居家养老服务补贴"),
            ("eldercare:bed_list", "家庭养老床位"),
        ),
    ),
    (
        "居家上门服务",
        (
            ("eldercare:provider_list", "服务商与护理员"),
            ("eldercare:item_list", "服务项目目录"),
            ("eldercare:plan_list", "服务计划"),
            ("eldercare:order_list", "服务工单"),
            ("eldercare:callback_list", "服务回访"),
            ("eldercare:supervision_results", "服务监管"),
            ("eldercare:settlement_list", "月度结算"),
        ),
    ),
    ("老年助餐", (("eldercare:meal_point_list", "助餐点"),)),
    (
        "关爱巡访与紧急呼叫",
        (
            ("eldercare:care_list", "巡访对象"),
            ("eldercare:alarm_board", "紧急呼叫"),
            ("eldercare:device_list", "智能设备"),
        ),
    ),
    (
        "养老机构",
        (
            ("eldercare:institution_list", "机构与床位"),
            ("eldercare:institution_prepaid", "预收费监管"),
            ("eldercare:inspection_list", "安全检查"),
        ),
    ),
    ("统计", (("eldercare:report", "老龄工作公报"),)),
)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The eldercare home page: figures of the user's scope and the way to every part.

    A caregiver lands on the phone page, a provider's manager on the provider's orders.
    """
    if caregiver_of(request.user) is not None:
        return redirect("eldercare:phone")
    if provider_of(request.user) is not None:
        return redirect("eldercare:order_list")
    return render(
        request,
        "eldercare/dashboard.html",
        {
            "overview": selectors.overview(user=request.user, on=timezone.localdate()),
            "sections": SECTIONS,
            "levels": LEVELS,
        },
    )


@login_required
def elder_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.elder_get(user=request.user, person_id=person_id)
    today = timezone.localdate()
    return render(
        request,
        "eldercare/elder_detail.html",
        {
            "person": person,
            "age": selectors.age_on(person, today),
            "profile": selectors.elder_profile(person=person),
            "assessments": selectors.person_assessments(person=person)[:20],
            "levels": LEVELS,
            "today": today,
        },
    )


@login_required
def assessment_create(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.elder_get(user=request.user, person_id=person_id)
    field_check(user=request.user, division_code=person.residence_division_id)
    form = AssessmentForm(request.POST or None, initial={"assessed_on": timezone.localdate()})
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment = assessment_record(
                acting_user=request.user,
                person=person,
                data=AssessmentIn(
                    assessed_on=data["assessed_on"],
                    reason=data["reason"],
                    assessors=data["assessors"],
                    items={number: data[number] for number, _, _ in ITEMS},
                    coma=data["coma"],
                    dementia=data["dementia"],
                    risk_events_30d=data["risk_events_30d"],
                ),
            )
        except EldercareError as error:
            problems = error.messages_zh
        else:
            messages.success(
                request,
                f"已录入能力评估：总分 {assessment.total}，{LEVELS[assessment.level]}",
            )
            return redirect("eldercare:assessment_detail", assessment_id=assessment.pk)
    return render(
        request,
        "eldercare/assessment_form.html",
        {"person": person, "form": form, "problems": problems},
    )


def _towns() -> list[Division]:
    return list(Division.objects.filter(kind__in=TOWN_KINDS).order_by("code"))


@login_required
def assessment_list(request: HttpRequest) -> HttpResponse:
    level = request.GET.get("level", "")
    due = request.GET.get("due") == "1"
    filters = selectors.AssessmentFilters(
        level=int(level) if level in {"0", "1", "2", "3", "4"} else None,
        town=request.GET.get("town", "")[:9],
        name=request.GET.get("name", "")[:50],
        due_before=timezone.localdate() if due else None,
    )
    page = Paginator(selectors.assessment_list(user=request.user, filters=filters), 50).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "eldercare/assessment_list.html",
        {
            "page": page,
            "filters": filters,
            "levels": LEVELS,
            "towns": _towns(),
            "due": due,
            "query": query.urlencode(),
        },
    )


@login_required
def assessment_detail(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = selectors.assessment_get(user=request.user, assessment_id=assessment_id)
    rows = [
        (number, name, maximum, assessment.items.get(number)) for number, name, maximum in ITEMS
    ]
    return render(
        request,
        "eldercare/assessment_detail.html",
        {
            "assessment": assessment,
            "rows": rows,
            "domains": DOMAINS,
            "levels": LEVELS,
            "today": timezone.localdate(),
        },
    )
