from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TransitionRecord(models.Model):
    """One step of a case, in any workflow: the timeline of a case page. Never updated."""

    workflow = models.CharField(_("流程"), max_length=60)
    object_id = models.PositiveBigIntegerField(_("办件"))
    transition = models.CharField(_("环节"), max_length=40)
    from_state = models.CharField(_("原状态"), max_length=30, blank=True)
    to_state = models.CharField(_("新状态"), max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("经办人"),
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    on = models.DateField(_("业务日期"))
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["workflow", "object_id", "pk"]
        indexes = [models.Index(fields=["workflow", "object_id"], name="transition_object_idx")]

    def __str__(self) -> str:
        return f"{self.workflow} {self.object_id} {self.transition}"
