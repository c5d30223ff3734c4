from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One write, reveal or export: who, when, from where, what, on which object. Append-only."""

    occurred_at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_username = models.CharField(_("操作人"), max_length=150)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=80, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=80)
    target_id = models.CharField(_("对象编号"), max_length=64)
    division_code = models.CharField(_("区划代码"), max_length=12, blank=True)
    data = models.JSONField(_("变更摘要"), default=dict)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"
