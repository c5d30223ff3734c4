"""老年助餐 (meals): meal points, the elders registered with them, the meals they record and
each point's monthly settlement.

An elder may be registered with more than one point (a canteen near home and one near a child's
home); the daily limit of subsidised meals counts every point, so a second subsidy for the same
meal of the same day, wherever it is recorded, is refused by the services (the meal is recorded
at full price and the town is alerted).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

__all__ = [
    "Meal",
    "MealImport",
    "MealPoint",
    "MealRecord",
    "MealRegistration",
    "MealSettlement",
    "SubsidyStatus",
]


class MealPoint(models.Model):
    """A 助餐点 or 老年食堂, in a town or village, run by a provider or by the village."""

    name = models.CharField(_("名称"), max_length=100)
    division_code = models.CharField(_("所在镇(街道)或村(社区)"), max_length=12, db_index=True)
    operator = models.ForeignKey(
        "eldercare.Provider",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meal_points",
        verbose_name=_("运营方"),
    )
    address = models.CharField(_("地址"), max_length=200)
    capacity = models.PositiveIntegerField(_("每餐可供餐人数"))
    active = models.BooleanField(_("在运营"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("助餐点")
        verbose_name_plural = _("助餐点")
        ordering = ["division_code", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1), name="meal_point_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("eldercare:meal_point_detail", args=[self.pk])


class MealRegistration(models.Model):
    """An elder registered to eat at a point (首次登记), from a date; ended, never deleted."""

    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="meal_registrations",
        verbose_name=_("老人"),
    )
    point = models.ForeignKey(
        MealPoint, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("助餐点")
    )
    division_code = models.CharField(_("老人所在村(社区)"), max_length=12, db_index=True)
    valid_from = models.DateField(_("登记日期"))
    valid_to = models.DateField(_("终止日期"), null=True, blank=True)
    end_reason = models.CharField(_("终止原因"), max_length=100, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("助餐登记")
        verbose_name_plural = _("助餐登记")
        ordering = ["-valid_from", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "point"],
                condition=models.Q(valid_to__isnull=True),
                name="meal_registration_open_once",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="meal_registration_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.point}"


class Meal(models.TextChoices):
    LUNCH = "lunch", _("午餐")
    DINNER = "dinner", _("晚餐")


class SubsidyStatus(models.TextChoices):
    SUBSIDISED = "subsidised", _("已补贴")
    OVER_LIMIT = "over_limit", _("当日补贴餐次已满，不予补贴")
    DUPLICATE = "duplicate", _("同一餐次已在别处补贴，不予补贴")


class MealImport(models.Model):
    """One file of meals imported for a point (all its rows, or none)."""

    point = models.ForeignKey(MealPoint, on_delete=models.PROTECT, related_name="imports")
    filename = models.CharField(_("文件名"), max_length=200)
    sha256 = models.CharField(_("文件SHA-256"), max_length=64)
    rows = models.PositiveIntegerField(_("行数"))
    duplicates = models.PositiveIntegerField(_("重复补贴餐次"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("就餐记录导入")
        verbose_name_plural = _("就餐记录导入")
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.point} {self.filename}"


class MealRecord(models.Model):
    """One meal eaten at a point: the price, the subsidy of the elder's category (zero when the
    day's subsidised meals are used up or this meal was already subsidised), the own payment."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("老人")
    )
    point = models.ForeignKey(MealPoint, on_delete=models.PROTECT, related_name="records")
    division_code = models.CharField(_("老人所在村(社区)"), max_length=12, db_index=True)
    served_on = models.DateField(_("就餐日期"))
    meal = models.CharField(_("餐次"), max_length=10, choices=Meal.choices)
    price = models.DecimalField(_("餐费(元)"), max_digits=8, decimal_places=2)
    category = models.CharField(_("补贴类别"), max_length=20)
    subsidy = models.DecimalField(_("补贴(元)"), max_digits=8, decimal_places=2)
    own_payment = models.DecimalField(_("个人支付(元)"), max_digits=8, decimal_places=2)
    subsidy_status = models.CharField(_("补贴情况"), max_length=12, choices=SubsidyStatus.choices)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    batch = models.ForeignKey(
        MealImport, on_delete=models.PROTECT, null=True, blank=True, related_name="records"
    )
    settlement = models.ForeignKey(
        "MealSettlement", on_delete=models.PROTECT, null=True, blank=True, related_name="records"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("就餐记录")
        verbose_name_plural = _("就餐记录")
        ordering = ["-served_on", "-pk"]
        indexes = [
            models.Index(fields=["person", "served_on"], name="meal_record_person_day_idx"),
            models.Index(fields=["point", "served_on"], name="meal_record_point_day_idx"),
        ]
        constraints = [
            # The same meal at the same point twice is a double entry: refused.
            models.UniqueConstraint(
                fields=["person", "point", "served_on", "meal"], name="meal_record_once"
            ),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="meal_price_positive"),
            models.CheckConstraint(
                condition=models.Q(subsidy__gte=0, subsidy__lte=models.F("price")),
                name="meal_subsidy_within_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.served_on} {self.get_meal_display()}"


class MealSettlement(models.Model):
    """A point's monthly settlement: meals, subsidy by category, own payments. Closing a month
    twice changes nothing; a closed month takes no more meals."""

    point = models.ForeignKey(MealPoint, on_delete=models.PROTECT, related_name="settlements")
    month = models.DateField(_("月份"))  # the first day
    meals = models.PositiveIntegerField(_("就餐人次"))
    subsidised_meals = models.PositiveIntegerField(_("补贴餐次"))
    subsidy_total = models.DecimalField(_("补贴合计(元)"), max_digits=12, decimal_places=2)
    own_total = models.DecimalField(_("个人支付合计(元)"), max_digits=12, decimal_places=2)
    lines = models.JSONField(
        _("按补贴类别明细")
    )  # [{category, label, meals, subsidised, subsidy, own}]
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("助餐点月度结算")
        verbose_name_plural = _("助餐点月度结算")
        ordering = ["-month", "point"]
        constraints = [
            models.UniqueConstraint(fields=["point", "month"], name="meal_settlement_once"),
        ]

    def __str__(self) -> str:
        return f"{self.point} {self.month:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("eldercare:meal_settlement_detail", args=[self.pk])
