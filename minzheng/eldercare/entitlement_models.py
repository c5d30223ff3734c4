"""Entitlements (待遇): the longevity allowance enrolled without application (尊老金, 免申即享)
with each town's monthly list, the home-service subsidy (居家养老服务补贴), and family eldercare
beds (家庭养老床位).

Amounts are effective-dated rows: a change closes the row in force (its last month) and opens a
new one; rows are never overwritten. Months are stored as their first day.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from minzheng.eldercare.entitlement_workflows import FAMILY_BED

__all__ = [
    "EnrolmentEndReason",
    "FamilyBed",
    "LongevityEnrolment",
    "LongevityLine",
    "LongevityLineKind",
    "LongevityList",
    "LongevityListState",
    "ServiceSubsidy",
    "SubsidyEndReason",
]


class EnrolmentEndReason(models.TextChoices):
    BAND = "band", _("调档")
    DEATH = "death", _("死亡")
    LEFT_CITY = "left_city", _("户籍迁出本市")
    NOT_ELIGIBLE = "not_eligible", _("不再符合条件")


class LongevityEnrolment(models.Model):
    """A person's longevity allowance in one band from one month to another (open while
    `valid_to` is null). Made by the monthly run; a band change closes it and opens the next."""

    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="longevity_enrolments",
        verbose_name=_("老人"),
    )
    division_code = models.CharField(_("户籍地"), max_length=12, db_index=True)
    min_age = models.PositiveSmallIntegerField(_("年龄段(周岁起)"))
    amount = models.DecimalField(_("月标准(元)"), max_digits=8, decimal_places=2)
    valid_from = models.DateField(_("起始月份"))
    valid_to = models.DateField(_("终止月份"), null=True, blank=True)  # the last month paid
    end_reason = models.CharField(
        _("终止原因"), max_length=12, choices=EnrolmentEndReason.choices, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("尊老金享受记录")
        verbose_name_plural = _("尊老金享受记录")
        ordering = ["person", "valid_from"]
        indexes = [models.Index(fields=["person", "valid_from"], name="longevity_person_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(valid_to__isnull=True),
                name="longevity_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="longevity_valid_to_not_before_from",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="longevity_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.min_age}+ {self.valid_from:%Y-%m}"


class LongevityListState(models.TextChoices):
    PREPARED = "prepared", _("待确认")
    CONFIRMED = "confirmed", _("已确认")


class LongevityList(models.Model):
    """One town's list of one month (新增 / 调档 / 停发 / 继续), confirmed by the town office.
    A confirmed list is frozen: later runs of the month leave the town alone."""

    month = models.DateField(_("月份"))
    division_code = models.CharField(_("镇(街道)"), max_length=9, db_index=True)
    state = models.CharField(
        _("状态"),
        max_length=10,
        choices=LongevityListState.choices,
        default=LongevityListState.PREPARED,
    )
    new_count = models.PositiveIntegerField(_("新增"), default=0)
    changed_count = models.PositiveIntegerField(_("调档"), default=0)
    stopped_count = models.PositiveIntegerField(_("停发"), default=0)
    continued_count = models.PositiveIntegerField(_("继续"), default=0)
    total = models.DecimalField(_("当月合计(元)"), max_digits=12, decimal_places=2, default=0)
    prepared_at = models.DateTimeField(_("生成时间"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("尊老金月度名单")
        verbose_name_plural = _("尊老金月度名单")
        ordering = ["-month", "division_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "division_code"], name="longevity_list_once_a_month"
            ),
            models.CheckConstraint(
                condition=models.Q(state="prepared", confirmed_at__isnull=True)
                | models.Q(state="confirmed", confirmed_at__isnull=False),
                name="longevity_list_confirmed_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.division_code} {self.month:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse(
            "eldercare:longevity_list_detail", args=[self.division_code, f"{self.month:%Y-%m}"]
        )

    @property
    def is_confirmed(self) -> bool:
        return self.state == LongevityListState.CONFIRMED

    @property
    def paid_count(self) -> int:
        return self.new_count + self.changed_count + self.continued_count


class LongevityLineKind(models.TextChoices):
    NEW = "new", _("新增")
    CHANGED = "changed", _("调档")
    STOPPED = "stopped", _("停发")
    CONTINUED = "continued", _("继续")


class LongevityLine(models.Model):
    """One person on a town's monthly list."""

    list = models.ForeignKey(LongevityList, on_delete=models.CASCADE, related_name="lines")
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("老人")
    )
    division_code = models.CharField(_("户籍地"), max_length=12)
    kind = models.CharField(_("变动"), max_length=10, choices=LongevityLineKind.choices)
    min_age = models.PositiveSmallIntegerField(_("年龄段(周岁起)"), null=True, blank=True)
    amount = models.DecimalField(_("当月金额(元)"), max_digits=8, decimal_places=2)
    previous_amount = models.DecimalField(
        _("上月金额(元)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    reason = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("尊老金名单明细")
        verbose_name_plural = _("尊老金名单明细")
        ordering = ["list", "kind", "division_code", "person"]
        constraints = [
            models.UniqueConstraint(fields=["list", "person"], name="longevity_line_once"),
        ]

    def __str__(self) -> str:
        return f"{self.list} {self.person_id} {self.kind}"


# --- home-service subsidy (居家养老服务补贴) -------------------------------------------------


class SubsidyEndReason(models.TextChoices):
    DEATH = "death", _("死亡")
    LEFT_CITY = "left_city", _("户籍迁出本市")
    NOT_ELIGIBLE = "not_eligible", _("不再符合条件")
    CHANGED = "changed", _("重新核定金额")


class ServiceSubsidy(models.Model):
    """A grant of the home-service subsidy from one month to another: the office's decision,
    with the assessment and the assistance case it rested on. It is the monthly budget of the
    elder's home-service plan."""

    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="service_subsidies",
        verbose_name=_("老人"),
    )
    division_code = models.CharField(_("所在村(社区)"), max_length=12, db_index=True)
    assessment = models.ForeignKey(
        "eldercare.Assessment",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("能力评估"),
    )
    level = models.PositiveSmallIntegerField(_("能力等级"))
    case = models.ForeignKey(
        "assistance.AssistanceCase",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("困难类别依据"),
    )
    program = models.CharField(_("困难类别"), max_length=30)
    amount = models.DecimalField(_("每月补贴(元)"), max_digits=8, decimal_places=2)
    valid_from = models.DateField(_("起始月份"))
    valid_to = models.DateField(_("终止月份"), null=True, blank=True)
    end_reason = models.CharField(
        _("终止原因"), max_length=12, choices=SubsidyEndReason.choices, blank=True
    )
    note = models.CharField(_("审核意见"), max_length=500, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_on = models.DateField(_("核定日期"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("居家养老服务补贴")
        verbose_name_plural = _("居家养老服务补贴")
        ordering = ["-valid_from", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(valid_to__isnull=True),
                name="service_subsidy_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="service_subsidy_valid_to_not_before_from",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="service_subsidy_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.amount}元/月"

    def get_absolute_url(self) -> str:
        return reverse("eldercare:subsidy_detail", args=[self.pk])


# --- family eldercare beds (家庭养老床位) ---------------------------------------------------


class FamilyBed(models.Model):
    """A family eldercare bed, from the application to the end of service.

    Changed only through `transition_perform` (`entitlement_workflows.FAMILY_BED`). Adaptation
    items are `[{"item", "cost"}]`; devices `[{"kind", "serial", "cost"}]` (the care part's
    device register, when there is one, takes the serials over).
    """

    number = models.CharField(_("床位编号"), max_length=20, unique=True)
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        related_name="family_beds",
        verbose_name=_("老人"),
    )
    division_code = models.CharField(_("所在村(社区)"), max_length=12, db_index=True)
    address = models.CharField(_("床位地址"), max_length=200)
    state = models.CharField(
        _("状态"), max_length=20, choices=list(FAMILY_BED.states.items()), blank=True
    )
    due_on = models.DateField(_("办理期限"), null=True, blank=True)
    applied_on = models.DateField(_("申请日期"))
    assessment = models.ForeignKey(
        "eldercare.Assessment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("能力评估"),
    )
    adaptations = models.JSONField(_("适老化改造项目"), default=list, blank=True)
    devices = models.JSONField(_("智能设备"), default=list, blank=True)
    build_cost = models.DecimalField(_("建设费用(元)"), max_digits=10, decimal_places=2, default=0)
    provider = models.ForeignKey(
        "eldercare.Provider",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="family_beds",
        verbose_name=_("签约服务商"),
    )
    contract_number = models.CharField(_("服务协议编号"), max_length=40, blank=True)
    contract_from = models.DateField(_("协议起始日期"), null=True, blank=True)
    contract_to = models.DateField(_("协议终止日期"), null=True, blank=True)
    plan = models.ForeignKey(
        "eldercare.ServicePlan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("服务计划"),
    )
    ended_on = models.DateField(_("撤床日期"), null=True, blank=True)
    end_reason = models.CharField(_("撤床原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("家庭养老床位")
        verbose_name_plural = _("家庭养老床位")
        ordering = ["-applied_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=~models.Q(state="ended"),
                name="family_bed_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(contract_to__isnull=True)
                | models.Q(contract_from__isnull=False, contract_to__gte=models.F("contract_from")),
                name="family_bed_contract_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(build_cost__gte=0), name="family_bed_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("eldercare:bed_detail", args=[self.pk])

    def inbox_subject(self) -> str:
        return f"家庭养老床位 · {self.person.name}"

    @property
    def state_label(self) -> str:
        return FAMILY_BED.states.get(self.state, self.state)
