"""Forms parse what a page sends; the services validate the rules and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.registry.models import DisabilityCategory, MaritalStatus, Relation
from minzheng.registry.services import PersonIn

BLANK = [("", "—")]


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, and a date picker for dates."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")
            if isinstance(field, forms.DateField):
                widget.input_type = "date"  # type: ignore[attr-defined]
                widget.format = "%Y-%m-%d"  # type: ignore[attr-defined]


class PersonSearchForm(StyledForm):
    q = forms.CharField(label=_("姓名、身份证号或户号"), required=False, max_length=50)
    division_code = forms.ChoiceField(label=_("镇(街道)"), required=False)
    include_deceased = forms.BooleanField(label=_("含已死亡"), required=False)

    def __init__(self, *args: object, towns: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["division_code"].choices = [("", _("全部")), *towns]  # type: ignore[attr-defined]


class HouseholdSearchForm(StyledForm):
    number = forms.CharField(label=_("户号"), required=False, max_length=30)
    address = forms.CharField(label=_("住址包含"), required=False, max_length=100)
    division_code = forms.ChoiceField(label=_("镇(街道)"), required=False)

    def __init__(self, *args: object, towns: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["division_code"].choices = [("", _("全部")), *towns]  # type: ignore[attr-defined]


class PersonForm(StyledForm):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("公民身份号码"), max_length=18, min_length=18)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    hukou_division_code = forms.CharField(label=_("户籍地区划代码"), max_length=12, required=False)
    residence_division_code = forms.CharField(
        label=_("居住地区划代码"), max_length=12, required=False
    )
    marital_status = forms.ChoiceField(
        label=_("婚姻状况"), choices=BLANK + list(MaritalStatus.choices), required=False
    )
    disability_category = forms.ChoiceField(
        label=_("残疾类别"), choices=BLANK + list(DisabilityCategory.choices), required=False
    )
    disability_grade = forms.TypedChoiceField(
        label=_("残疾等级"),
        choices=BLANK + [(str(g), f"{g}级") for g in range(1, 5)],
        coerce=int,
        empty_value=None,
        required=False,
    )
    disability_valid_from = forms.DateField(label=_("残疾证有效期起"), required=False)
    disability_valid_to = forms.DateField(label=_("残疾证有效期止"), required=False)
    serious_illness = forms.BooleanField(label=_("患重特大疾病"), required=False)

    def person_in(self) -> PersonIn:
        return PersonIn(**self.cleaned_data)


class PersonEditForm(PersonForm):
    """Identifiers are shown masked, so they are typed only to correct or change them."""

    id_number = forms.CharField(
        label=_("公民身份号码(更正时填写)"), max_length=18, min_length=18, required=False
    )
    phone = forms.CharField(label=_("联系电话(变更时填写)"), max_length=20, required=False)


class MemberForm(PersonForm):
    relation = forms.ChoiceField(label=_("与户主关系"), choices=BLANK + list(Relation.choices))

    def person_in(self) -> PersonIn:
        data = dict(self.cleaned_data)
        data.pop("relation")
        return PersonIn(**data)


MemberFormSet = forms.formset_factory(MemberForm, extra=4, max_num=30, min_num=1, validate_min=True)


class HouseholdForm(StyledForm):
    number = forms.CharField(label=_("户号"), max_length=30)
    address = forms.CharField(label=_("住址"), max_length=200)
    division_code = forms.ChoiceField(label=_("所属村(社区)"))

    def __init__(self, *args: object, villages: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["division_code"].choices = BLANK + villages  # type: ignore[attr-defined]


class DeathForm(StyledForm):
    death_date = forms.DateField(label=_("死亡日期"))


class MoveForm(StyledForm):
    household_number = forms.CharField(label=_("迁入户号"), max_length=30)
    relation = forms.ChoiceField(
        label=_("与新户主关系"),
        choices=BLANK + [c for c in Relation.choices if c[0] != Relation.HEAD],
    )
    on = forms.DateField(label=_("迁移日期"))


class LeaveCityForm(StyledForm):
    destination = forms.CharField(label=_("迁往地"), max_length=100)
    on = forms.DateField(label=_("迁出日期"))


class SetHeadForm(StyledForm):
    person_id = forms.IntegerField(label=_("新户主"))


class ImportForm(StyledForm):
    file = forms.FileField(label=_("导入文件(.xlsx 或 .csv)"))


class RevealForm(StyledForm):
    field = forms.ChoiceField(
        label=_("查看"), choices=[("id_number", _("公民身份号码")), ("phone", _("联系电话"))]
    )
    reason = forms.CharField(label=_("查看原因"), max_length=500)
