"""Data exchange: the departments' files as imported, and the facts (signals) each row gave.

Both tables are append-only: a batch is never updated or deleted, a signal never updated. A
correction from a department comes as a new file.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExchangeBatch(models.Model):
    """One imported file of one department for one month."""

    source = models.CharField(_("数据来源"), max_length=30)  # sources.Source.code
    period = models.DateField(_("所属月份"))  # the first day of the month the file covers
    file_name = models.CharField(_("文件名"), max_length=200)
    sha256 = models.CharField(_("文件SHA-256"), max_length=64)
    row_count = models.PositiveIntegerField(_("行数"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("导入人"),
    )
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("数据交换批次")
        verbose_name_plural = _("数据交换批次")
        constraints = [
            # The same file twice for a source is refused (the service says so first).
            models.UniqueConstraint(fields=["source", "sha256"], name="exchange_batch_file_once"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.period:%Y-%m}"


class Signal(models.Model):
    """One row of a file: a dated fact about a registered person (never the id number)."""

    batch = models.ForeignKey(
        ExchangeBatch, on_delete=models.PROTECT, related_name="signals", verbose_name=_("批次")
    )
    source = models.CharField(_("数据来源"), max_length=30, db_index=True)
    kind = models.CharField(_("类型"), max_length=40)  # "civil_registration.death", "wages"
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("人员"),
        db_index=False,  # the index is declared below, once
    )
    on = models.DateField(_("日期"))  # the event date, or the first day of the row's month
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2, null=True)
    data = models.JSONField(_("其他字段"), default=dict)

    class Meta:
        verbose_name = _("交换信号")
        verbose_name_plural = _("交换信号")
        indexes = [
            models.Index(fields=["kind", "on"], name="signal_kind_on_idx"),
            models.Index(fields=["person"], name="signal_person_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.on}"
