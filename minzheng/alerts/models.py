from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from minzheng.alerts.definitions import ALERT_KINDS, STATES
from minzheng.registry.models import Household, Person


class Outcome(models.TextChoices):
    ENROLLED = "enrolled", _("已纳入保障")
    NOT_ELIGIBLE = "not_eligible", _("经核实不符合条件")
    REFERRED = "referred", _("已转介")
    NO_ACTION = "no_action", _("无需处理")
    DONE = "done", _("已按提示办理")


class Alert(models.Model):
    """A fact someone must look at, raised by a rule, handled by the responsible office.

    Raised in bulk by `alerts_raise` (a `key` is raised once), then moved only by the shared
    workflow service: assigned, closed with an outcome; escalated to the city when overdue.
    """

    kind = models.CharField(_("预警类型"), max_length=60)
    business_line = models.CharField(_("业务条线"), max_length=20)
    division_code = models.CharField(_("所在村(社区)"), max_length=12, db_index=True)
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("人员"),
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("家庭"),
    )
    key = models.CharField(_("去重键"), max_length=160, unique=True)
    reason = models.TextField(_("预警原因"))
    data = models.JSONField(_("依据数据"), default=dict, blank=True)
    raised_on = models.DateField(_("预警日期"))
    due_on = models.DateField(_("处理期限"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=list(STATES.items()))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承办人"),
    )
    outcome = models.CharField(_("处理结果"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("处理说明"), blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    escalated_on = models.DateField(_("上报市局日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["-pk"]
        indexes = [
            models.Index(fields=["business_line", "state", "due_on"], name="alert_line_state_idx"),
            models.Index(fields=["kind", "raised_on"], name="alert_kind_raised_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state="closed", closed_on__isnull=False)
                | (~models.Q(state="closed") & models.Q(closed_on__isnull=True)),
                name="alert_closed_on_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"YJ{self.pk:07d}" if self.pk else "YJ"

    def get_absolute_url(self) -> str:
        return reverse("alerts:alert_detail", args=[self.pk])

    @property
    def number(self) -> str:
        return str(self)

    @property
    def kind_label(self) -> str:
        kind = ALERT_KINDS.get(self.kind)
        return kind.label if kind else self.kind

    @property
    def action(self) -> str:
        kind = ALERT_KINDS.get(self.kind)
        return kind.action if kind else ""

    @property
    def state_label(self) -> str:
        return STATES.get(self.state, self.state)

    @property
    def inbox_subject(self) -> str:
        return f"预警：{self.kind_label}"
