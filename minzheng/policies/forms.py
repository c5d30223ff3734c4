"""The calculator's forms and their conversion to an assessment request (household.schema.json).

The forms only parse what the page sends; every rule, including which inputs are valid, stays in
`minzheng.rules`, whose RequestError issues the page shows next to the fields they name.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from minzheng.registry.forms import StyledForm
from minzheng.registry.models import DisabilityCategory, Relation
from minzheng.rules.inputs import EXPENSE_KINDS, INCOME_KINDS

BLANK = [("", "—")]
DEFAULT_DIVISION = "320582"
MAX_MEMBERS = 10
SIZE_CHOICES = [(str(size), str(size)) for size in range(1, MAX_MEMBERS + 1)]

STUDENT_CHOICES = [
    ("none", _("不在校")),
    ("compulsory", _("义务教育（小学、初中）")),
    ("high_school", _("普通高中")),
    ("vocational", _("中职、高职")),
    ("undergraduate", _("大学本科、专科")),
    ("postgraduate", _("研究生")),
]
EMPLOYMENT_CHOICES = [
    ("employed", _("在职（受雇）")),
    ("self_employed", _("个体经营、灵活就业")),
    ("farmer", _("务农")),
    ("unemployed_registered", _("失业（已登记）")),
    ("unemployed", _("失业（未登记）")),
    ("retired", _("退休")),
    ("not_working", _("无业、未工作（含在校、料理家务）")),
]
# GB/T 42195-2022《老年人能力评估规范》: 0 能力完好 .. 4 能力完全丧失.
ABILITY_LEVEL_CHOICES = [
    ("0", _("0级 能力完好")),
    ("1", _("1级 能力轻度受损（轻度失能）")),
    ("2", _("2级 能力中度受损（中度失能）")),
    ("3", _("3级 能力重度受损（重度失能）")),
    ("4", _("4级 能力完全丧失（完全失能）")),
]
PARENTS_CHOICES = [
    ("both_present", _("父母都在，能够抚养")),
    ("one_deceased_or_missing", _("父母一方死亡或失踪")),
    ("both_deceased_or_missing", _("父母双方均死亡或失踪")),
    (
        "unable_to_raise",
        _("父母无力抚养（重残、重病、服刑、强制隔离戒毒、失联等）"),
    ),
]
EMERGENCY_CHOICES = [
    ("fire_or_accident", _("火灾、交通事故等意外")),
    ("natural_disaster", _("自然灾害")),
    ("major_illness", _("突发重大疾病")),
    ("death_of_earner", _("家庭主要收入人员死亡")),
    ("other", _("其他突发事件")),
]
SUPPORTER_CHOICES = [
    ("yes", _("有")),
    ("no", _("没有（没有这样的亲属，或他们自己也无力供养）")),
]


def _money(label: str, help_text: str = "") -> forms.DecimalField:
    """A yuan amount; negatives are left to the rules, which say so in the field's words."""
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        required=False,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"min": "0", "step": "0.01", "inputmode": "decimal"}),
    )


def _count(label: str, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        required=False,
        min_value=0,
        max_value=99,
        widget=forms.NumberInput(attrs={"min": "0", "max": "99", "inputmode": "numeric"}),
    )


class HouseholdSizeForm(StyledForm):
    size = forms.TypedChoiceField(
        label=_("家庭人数（共同生活的家庭成员）"),
        choices=SIZE_CHOICES,
        coerce=int,
        initial=1,
        widget=forms.Select(attrs={"data-submit-on-change": True}),
    )


class MemberForm(StyledForm):
    """One member of the household; field names follow the request's member object."""

    id = forms.CharField(
        label=_("称呼或编号"),
        max_length=40,
        help_text=_("如“本人”“老伴”“成员1”，只用于区分结果中的每个人"),
    )
    relation = forms.ChoiceField(label=_("与户主关系"), choices=BLANK + list(Relation.choices))
    birth_date = forms.DateField(
        label=_("出生日期"),
        required=False,
        help_text=_("填写出生日期或身份证号之一即可"),
    )
    id_number = forms.CharField(
        label=_("公民身份号码（可不填）"),
        required=False,
        min_length=18,
        max_length=18,
        help_text=_("只用于计算年龄，不会保存"),
    )
    hukou_local = forms.BooleanField(label=_("户籍在张家港市"), required=False, initial=True)
    disability_category = forms.ChoiceField(
        label=_("残疾类别（持残疾人证的填写）"),
        choices=BLANK + list(DisabilityCategory.choices),
        required=False,
    )
    disability_grade = forms.TypedChoiceField(
        label=_("残疾等级"),
        choices=[*BLANK, ("1", _("一级")), ("2", _("二级")), ("3", _("三级")), ("4", _("四级"))],
        coerce=int,
        empty_value=None,
        required=False,
    )
    serious_illness = forms.BooleanField(
        label=_("患有重特大疾病（按本地医疗救助规定认定）"), required=False
    )
    ability_level = forms.TypedChoiceField(
        label=_("老年人能力等级（已评估的填写）"),
        choices=BLANK + ABILITY_LEVEL_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    student = forms.ChoiceField(label=_("在校情况"), choices=STUDENT_CHOICES, initial="none")
    employment = forms.ChoiceField(
        label=_("就业状况"), choices=EMPLOYMENT_CHOICES, initial="not_working"
    )
    income_wages = _money(_("工资收入"))
    income_business = _money(_("经营收入（个体经营、务农等纯收入）"))
    income_property = _money(_("财产收入（房租、利息、分红）"))
    income_pension = _money(_("养老金、退休金"))
    income_support_received = _money(_("赡养费、抚养费（不同住的亲属给的）"))
    income_other_transfers = _money(_("其他转移性收入"))
    income_excluded = _money(
        _("不计入的收入"),
        _("优抚金、奖学金、残疾人两项补贴、尊老金等：只作记录，不算作家庭收入"),
    )
    capable_legal_supporter = forms.TypedChoiceField(
        label=_("有没有能够供养他（她）的子女、父母或配偶等亲属？"),
        choices=SUPPORTER_CHOICES,
        coerce=lambda value: value == "yes",
        initial="yes",
    )
    parents = forms.ChoiceField(
        label=_("父母情况（仅未满18周岁的填写）"),
        choices=BLANK + PARENTS_CHOICES,
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        category = cleaned.get("disability_category")
        grade = cleaned.get("disability_grade")
        if category and grade is None:
            self.add_error("disability_grade", _("请同时选择残疾等级"))
        elif grade is not None and not category:
            self.add_error("disability_category", _("请同时选择残疾类别"))
        return cleaned


class BaseMemberFormSet(forms.BaseFormSet):
    """Every member block shown is a member: none may be left out as an empty extra form."""

    def _construct_form(self, i: int, **kwargs: Any) -> forms.Form:
        form = super()._construct_form(i, **kwargs)
        form.empty_permitted = False
        return form


MemberFormSet = forms.formset_factory(
    MemberForm,
    formset=BaseMemberFormSet,
    extra=0,
    min_num=1,
    max_num=MAX_MEMBERS,
    validate_min=True,
    validate_max=True,
)


class HouseholdForm(StyledForm):
    """What the household owns and spent; field names say where they go in the request."""

    division = forms.CharField(
        label=_("户籍所在地行政区划代码"),
        max_length=12,
        initial=DEFAULT_DIVISION,
        help_text=_("张家港市为 320582，一般不用改"),
    )
    assets_financial = _money(
        _("家庭金融资产合计（元）"),
        _("全家的存款、理财、股票、基金、保险现金价值和现金"),
    )
    private_cars = _count(
        _("家庭拥有的机动车（辆）"),
        _("残疾人功能性补偿代步车、用于谋生的车辆（如营运三轮车）不计入"),
    )
    residential_homes = _count(_("家庭拥有的住房（套）"), _("包括自己居住的住房"))
    non_residential_homes = _count(_("商铺、办公用房（套）"))
    registered_businesses = _count(
        _("家庭成员名下的企业、个体工商户等（个）"),
        _("在市场监管部门登记的经营主体"),
    )
    expense_medical = _money(_("自付医疗费用"))
    expense_education = _money(_("教育费用"))
    expense_disability_rehabilitation = _money(_("残疾康复费用"))
    expense_other_rigid = _money(_("其他必需的刚性支出"))
    emergency_kind = forms.ChoiceField(
        label=_("近期遭遇的突发事件（如有）"),
        choices=BLANK + EMERGENCY_CHOICES,
        required=False,
    )
    emergency_loss = _money(_("突发事件造成的损失或支出（元）"))


def _number(value: Decimal) -> int | float:
    """A yuan amount as a JSON number: whole yuan as an integer, else a float with fen."""
    return int(value) if value == value.to_integral_value() else float(value)


def _member_request(cleaned: dict[str, Any], *, lives_alone: bool) -> dict[str, Any]:
    member: dict[str, Any] = {"id": cleaned["id"], "relation": cleaned["relation"]}
    if cleaned.get("id_number"):
        member["id_number"] = cleaned["id_number"].strip().upper()
    birth_date: dt.date | None = cleaned.get("birth_date")
    if birth_date is not None:
        member["birth_date"] = birth_date.isoformat()
    member["hukou_local"] = bool(cleaned.get("hukou_local"))
    if cleaned.get("disability_category") and cleaned.get("disability_grade") is not None:
        member["disability"] = {
            "category": cleaned["disability_category"],
            "grade": cleaned["disability_grade"],
        }
    member["serious_illness"] = bool(cleaned.get("serious_illness"))
    if cleaned.get("ability_level") is not None:
        member["ability_level"] = cleaned["ability_level"]
    member["student"] = cleaned.get("student") or "none"
    member["employment"] = cleaned.get("employment") or "not_working"
    income = {
        kind: _number(cleaned[f"income_{kind}"])
        for kind in INCOME_KINDS
        if cleaned.get(f"income_{kind}") is not None
    }
    if income:
        member["income"] = income
    member["capable_legal_supporter"] = bool(cleaned.get("capable_legal_supporter", True))
    if cleaned.get("parents"):
        member["parents"] = cleaned["parents"]
    if lives_alone:
        member["lives_alone"] = True
    return member


def calculator_request(
    *, household: dict[str, Any], members: list[dict[str, Any]], as_of: dt.date
) -> dict[str, Any]:
    """Build the assessment request from the cleaned household form and member forms."""
    request: dict[str, Any] = {
        "as_of": f"{as_of:%Y-%m}",
        "division": (household.get("division") or DEFAULT_DIVISION).strip(),
        "members": [_member_request(member, lives_alone=len(members) == 1) for member in members],
    }
    assets: dict[str, Any] = {}
    if household.get("assets_financial") is not None:
        assets["financial"] = _number(household["assets_financial"])
    if household.get("private_cars"):
        assets["vehicles"] = [
            {"kind": "car", "purpose": "private"} for _car in range(household["private_cars"])
        ]
    homes = [{"use": "residential"} for _home in range(household.get("residential_homes") or 0)]
    homes += [{"use": "commercial"} for _home in range(household.get("non_residential_homes") or 0)]
    if homes:
        assets["homes"] = homes
    if household.get("registered_businesses"):
        assets["registered_businesses"] = household["registered_businesses"]
    if assets:
        request["assets"] = assets
    expenses = {
        kind: _number(household[f"expense_{kind}"])
        for kind in EXPENSE_KINDS
        if household.get(f"expense_{kind}") is not None
    }
    if expenses:
        request["expenses_12m"] = expenses
    emergency: dict[str, Any] = {}
    if household.get("emergency_kind"):
        emergency["kind"] = household["emergency_kind"]
    if household.get("emergency_loss") is not None:
        emergency["loss"] = _number(household["emergency_loss"])
    if emergency:
        request["emergency"] = emergency
    return request


# The calculator's request travels to the online application form signed, not in a session:
# the citizen has no account, and nothing is stored until they submit the application.
CALCULATOR_REQUEST_SALT = "minzheng.policies.calculator_request"
CALCULATOR_TOKEN_MAX_AGE = 24 * 60 * 60  # a day to fill in the application form


def calculator_token(request: dict[str, Any]) -> str:
    """The calculator's request (without as_of), signed, for the application form to carry."""
    declared = {key: value for key, value in request.items() if key != "as_of"}
    return signing.dumps(declared, salt=CALCULATOR_REQUEST_SALT, compress=True)


def calculator_token_request(token: str) -> dict[str, Any] | None:
    """The request a token carries, or None when it is forged, altered or more than a day old."""
    try:
        data = signing.loads(token, salt=CALCULATOR_REQUEST_SALT, max_age=CALCULATOR_TOKEN_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is one too
        return None
    return data if isinstance(data, dict) else None


# Where a request path points in the forms: member fields by the request's member keys.
MEMBER_FIELDS = {
    "id": "id",
    "relation": "relation",
    "id_number": "id_number",
    "birth_date": "birth_date",
    "sex": "id_number",
    "hukou_local": "hukou_local",
    "disability": "disability_category",
    "disability.category": "disability_category",
    "disability.grade": "disability_grade",
    "serious_illness": "serious_illness",
    "ability_level": "ability_level",
    "student": "student",
    "employment": "employment",
    "capable_legal_supporter": "capable_legal_supporter",
    "parents": "parents",
    **{f"income.{kind}": f"income_{kind}" for kind in INCOME_KINDS},
}
HOUSEHOLD_FIELDS = {
    "division": "division",
    "assets.financial": "assets_financial",
    "assets.vehicles": "private_cars",
    "assets.registered_businesses": "registered_businesses",
    "emergency": "emergency_kind",
    "emergency.kind": "emergency_kind",
    "emergency.loss": "emergency_loss",
    **{f"expenses_12m.{kind}": f"expense_{kind}" for kind in EXPENSE_KINDS},
}


class ParameterDateForm(forms.Form):
    on = forms.DateField(
        label=_("查看日期"),
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("日期格式应为 年-月-日（如 2026-01-01），已改为显示今天")},
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
