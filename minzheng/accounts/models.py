from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

CITY_CODE = "320582"


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("市局管理员")
    CITY_STAFF = "city_staff", _("市局业务科室")
    TOWN_APPROVER = "town_approver", _("镇(街道)审批人")
    TOWN_CLERK = "town_clerk", _("镇(街道)经办人")
    VILLAGE_WORKER = "village_worker", _("村(社区)社工")
    PROVIDER = "provider", _("服务商")
    AUDITOR = "auditor", _("审计")


class BusinessLine(models.TextChoices):
    ASSISTANCE = "assistance", _("社会救助")
    ELDERCARE = "eldercare", _("养老服务")
    CHILDREN = "children", _("儿童福利")
    DISABILITY = "disability", _("残疾人福利")
    FUNERAL = "funeral", _("殡葬管理")
    MARRIAGE = "marriage", _("婚姻登记")
    PLACENAMES = "placenames", _("区划地名")
    ORGANIZATIONS = "organizations", _("社会组织")
    CHARITY = "charity", _("慈善事业")
    SAFETY = "safety", _("安全生产")


class User(AbstractUser):
    """A staff account; its scope is one division code, the prefix of everything it may see."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    division_code = models.CharField(_("管辖区划代码"), max_length=12, default=CITY_CODE)
    business_line = models.CharField(
        _("业务条线"), max_length=20, choices=BusinessLine.choices, blank=True
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(division_code__regex=r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$"),
                name="user_division_code_format",
            ),
        ]


class ApiToken(models.Model):
    """A bearer token for the API; only its SHA-256 is stored. It works until `expires_at`."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("失效时间"))
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Issued after a correct one-time code: the only kind a two-factor role may use.
    two_factor_verified = models.BooleanField(_("经两步验证签发"), default=False)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"token {self.pk} of {self.user_id}"
