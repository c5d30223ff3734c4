"""Forms parse what the account pages send; the services check the rules and write."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from minzheng.accounts.models import BusinessLine, Role
from minzheng.registry.forms import StyledForm

ACTIVE_CHOICES = [("", _("全部")), ("1", _("在用")), ("0", _("已停用"))]


class UserFilterForm(StyledForm):
    q = forms.CharField(label=_("用户名或姓名"), required=False, max_length=150)
    role = forms.ChoiceField(label=_("角色"), required=False)
    division_code = forms.ChoiceField(label=_("管辖区划"), required=False)
    active = forms.ChoiceField(label=_("状态"), required=False, choices=ACTIVE_CHOICES)

    def __init__(self, *args: object, divisions: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["role"].choices = [("", _("全部")), *Role.choices]  # type: ignore[attr-defined]
        self.fields["division_code"].choices = [("", _("全部")), *divisions]  # type: ignore[attr-defined]


class UserFieldsForm(StyledForm):
    """Role, scope and business line: what the administrator sets on create and on edit."""

    full_name = forms.CharField(label=_("姓名"), required=False, max_length=150)
    role = forms.ChoiceField(label=_("角色"), choices=[("", _("请选择")), *Role.choices])
    division_code = forms.ChoiceField(label=_("管辖区划"))
    business_line = forms.ChoiceField(
        label=_("业务条线"),
        required=False,
        choices=[("", _("无(仅市局业务科室须选择)")), *BusinessLine.choices],
    )

    def __init__(self, *args: object, divisions: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["division_code"].choices = divisions  # type: ignore[attr-defined]


class UserCreateForm(UserFieldsForm):
    username = forms.CharField(label=_("用户名"), max_length=150)
    password = forms.CharField(
        label=_("初始密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少12个字符，不能是常见密码，不能全是数字，不能与用户名相近"),
    )
    field_order = ["username", "full_name", "role", "division_code", "business_line", "password"]


class PasswordResetForm(StyledForm):
    password = forms.CharField(
        label=_("新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("再次输入新密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("两次输入的密码不一致"))
        return data


class CodeInput(forms.TextInput):
    """A code field that starts empty again after a wrong code."""

    def format_value(self, value: object) -> None:
        return None


class OtpForm(StyledForm):
    otp_token = forms.CharField(
        label=_("动态验证码"),
        max_length=20,
        widget=CodeInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "spellcheck": "false",
            }
        ),
    )
