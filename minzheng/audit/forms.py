"""The audit log page's search form: it parses; the selector filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from minzheng.audit.models import ACTION_LABELS
from minzheng.audit.selectors import AuditFilters


def target_type_choices() -> list[tuple[str, str]]:
    """Every model of the platform's own apps, as `app.model` with its name."""
    return [
        (model._meta.label_lower, f"{model._meta.verbose_name}（{model._meta.label_lower}）")
        for config in apps.get_app_configs()
        if config.name.startswith("minzheng.")
        for model in config.get_models()
    ]


class AuditSearchForm(forms.Form):
    username = forms.CharField(label=_("操作人用户名"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("操作"), required=False)
    target_type = forms.ChoiceField(label=_("对象类型"), required=False)
    target_id = forms.CharField(label=_("对象编号"), required=False, max_length=64)
    division_code = forms.CharField(
        label=_("区划代码(前缀)"),
        required=False,
        max_length=12,
        validators=[RegexValidator(r"^[0-9]+$", _("区划代码只能是数字"))],
    )
    date_from = forms.DateField(label=_("起始日期"), required=False)
    date_to = forms.DateField(label=_("截止日期"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("全部"))]
        self.fields["action"].choices = everything + [  # type: ignore[attr-defined]
            (code, f"{label}（{code}）") for code, label in ACTION_LABELS.items()
        ]
        self.fields["target_type"].choices = everything + target_type_choices()  # type: ignore[attr-defined]
        for field in self.fields.values():
            widget = field.widget
            widget.attrs["class"] = (
                "form-select" if isinstance(widget, forms.Select) else "form-control"
            )
            if isinstance(field, forms.DateField):
                widget.input_type = "date"  # type: ignore[attr-defined]
                widget.format = "%Y-%m-%d"  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("截止日期不能早于起始日期"))
        return cleaned

    def filters(self) -> AuditFilters:
        """The filters of a valid form (call `is_valid` first)."""
        data = self.cleaned_data
        return AuditFilters(
            username=data.get("username", "").strip(),
            action=data.get("action", ""),
            target_type=data.get("target_type", ""),
            target_id=data.get("target_id", "").strip(),
            division_code=data.get("division_code", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
