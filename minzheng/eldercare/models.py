"""Eldercare's tables. The parts live in their own modules, imported at the bottom:
entitlements (`entitlement_models`), meals (`meal_models`), care visits and alarms
(`care_models`) and institutions (`institution_models`). This module holds what they share: the
elder's profile, the ability assessment, and home services (providers, caregivers, the
catalogue, service plans, work orders, call-backs, settlements).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from minzheng.eldercare.workflows import WORK_ORDER
from minzheng.registry.models import Person
from minzheng.rules.ability import LEVELS


class RiskTier(models.TextChoices):
    """关爱巡访 tiers (reference §2.4): 高风险 weekly, 重点 monthly, 一般 quarterly."""

    HIGH = "high", _("高风险")
    KEY = "key", _("重点")
    GENERAL = "general", _("一般")


class ElderProfile(models.Model):
    """What eldercare knows of an older person beyond the registry: home location, living
    situation, care-visit tier. One per person; created when eldercare first serves them."""

    person = models.OneToOneField(
        Person, on_delete=models.PROTECT, related_name="elder_profile", verbose_name=_("老人")
    )
    division_code = models.CharField(_("所在村(社区)"), max_length=12, db_index=True)
    home_lat = models.DecimalField(_("住址纬度"), max_digits=9, decimal_places=6, null=True)
    home_lng = models.DecimalField(_("住址经度"), max_digits=9, decimal_places=6, null=True)
    lives_alone = models.BooleanField(_("独居"), default=False)
    empty_nest = models.BooleanField(_("空巢"), default=False)
    risk_tier = models.CharField(
        _("巡访风险等级"), max_length=10, choices=RiskTier.choices, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("老人档案")
        verbose_name_plural = _("老人档案")

    def __str__(self) -> str:
        return self.person.name


class AssessmentReason(models.TextChoices):
    INITIAL = "initial", _("首次评估")
    REGULAR = "regular", _("常规复评")
    CHANGE = "change", _("状况变化后的即时评估")
    OBJECTION = "objection", _("因评估结果有疑问进行的复评")


class Assessment(models.Model):
    """One 老年人能力评估 (GB/T 42195-2022). Never edited: a new assessment supersedes it.

    `items` holds the 26 scores by the standard's item numbers; the totals, levels and
    adjustments are what `minzheng.rules.ability.ability_score` made of them.
    """

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="ability_assessments", verbose_name=_("老人")
    )
    division_code = models.CharField(_("所在村(社区)"), max_length=12, db_index=True)
    assessed_on = models.DateField(_("评估日期"))
    reason = models.CharField(_("评估原因"), max_length=10, choices=AssessmentReason.choices)
    assessors = models.CharField(_("评估员"), max_length=100)  # the standard asks for two
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("录入人"),
    )
    items = models.JSONField(_("各项得分"))
    coma = models.BooleanField(_("昏迷"), default=False)
    dementia = models.BooleanField(_("确诊痴呆或精神和行为障碍"), default=False)
    risk_events_30d = models.PositiveSmallIntegerField(_("近30天照护风险事件"), default=0)
    total = models.PositiveSmallIntegerField(_("总分"))
    domain_totals = models.JSONField(_("一级指标得分"))
    score_level = models.PositiveSmallIntegerField(_("按总分的等级"), choices=LEVELS.items())
    level = models.PositiveSmallIntegerField(_("能力等级"), choices=LEVELS.items())
    adjustments = models.JSONField(_("等级变更依据"), default=list, blank=True)
    next_due_on = models.DateField(_("下次评估日期"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("老年人能力评估")
        verbose_name_plural = _("老年人能力评估")
        ordering = ["-assessed_on", "-pk"]
        indexes = [models.Index(fields=["person", "-assessed_on"], name="assessment_person_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(total__lte=90), name="assessment_total_max"),
            models.CheckConstraint(condition=models.Q(level__lte=4), name="assessment_level_max"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.assessed_on} {LEVELS[self.level]}"

    def get_absolute_url(self) -> str:
        return reverse("eldercare:assessment_detail", args=[self.pk])


# --- home services (居家上门服务) -----------------------------------------------------------


class Provider(models.Model):
    """A service provider (服务商) under contract with the city or a town."""

    name = models.CharField(_("名称"), max_length=100)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    division_code = models.CharField(_("服务区域"), max_length=12)  # city or town: a prefix
    contact = models.CharField(_("联系人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)  # an office's number
    active = models.BooleanField(_("在约"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("服务商")
        verbose_name_plural = _("服务商")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("eldercare:provider_detail", args=[self.pk])


class ProviderStaff(models.Model):
    """A provider's account: a manager sees all the provider's orders, a caregiver their own."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="provider_staff"
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="staff")
    is_manager = models.BooleanField(_("服务商管理人员"), default=False)

    class Meta:
        verbose_name = _("服务商账号")
        verbose_name_plural = _("服务商账号")

    def __str__(self) -> str:
        return f"{self.provider} {self.user}"


class SkillLevel(models.TextChoices):
    """养老护理员国家职业技能标准 levels."""

    JUNIOR = "5", _("五级/初级工")
    MIDDLE = "4", _("四级/中级工")
    SENIOR = "3", _("三级/高级工")
    TECHNICIAN = "2", _("二级/技师")
    SENIOR_TECHNICIAN = "1", _("一级/高级技师")


class Caregiver(models.Model):
    """A provider's care worker (养老护理员)."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="caregivers")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="caregiver",
        verbose_name=_("登录账号"),
    )
    name = models.CharField(_("姓名"), max_length=50)
    skill_level = models.CharField(_("技能等级"), max_length=2, choices=SkillLevel.choices)
    certificate_number = models.CharField(_("职业技能证书编号"), max_length=40, blank=True)
    certificate_valid_to = models.DateField(_("证书有效期至"), null=True, blank=True)
    training_hours = models.PositiveIntegerField(_("岗前及继续培训学时"), default=0)
    active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("护理员")
        verbose_name_plural = _("护理员")
        ordering = ["provider", "name"]

    def __str__(self) -> str:
        return self.name


class ServiceItem(models.Model):
    """One item of the service catalogue, with its price and the shortest acceptable visit."""

    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("服务项目"), max_length=60)
    category = models.CharField(_("类别"), max_length=20)  # 助洁 助浴 助医 生活照料 ...
    minutes = models.PositiveSmallIntegerField(_("标准时长(分钟)"))
    min_minutes = models.PositiveSmallIntegerField(_("最短有效时长(分钟)"))
    price = models.DecimalField(_("单价(元)"), max_digits=8, decimal_places=2)
    active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("服务项目")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_minutes__lte=models.F("minutes")), name="item_min_minutes"
            ),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="item_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.price}元）"


class ServicePlan(models.Model):
    """An elder's home-service plan with one provider: the items, how often, the monthly budget
    paid by the subsidy. Ended, never deleted."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="service_plans", verbose_name=_("老人")
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="plans", verbose_name=_("服务商")
    )
    division_code = models.CharField(_("所在村(社区)"), max_length=12, db_index=True)
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("终止日期"), null=True, blank=True)
    monthly_budget = models.DecimalField(_("每月补贴额度(元)"), max_digits=8, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("服务计划")
        verbose_name_plural = _("服务计划")
        ordering = ["-valid_from", "-pk"]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.provider}"

    def get_absolute_url(self) -> str:
        return reverse("eldercare:plan_detail", args=[self.pk])


class PlanItem(models.Model):
    plan = models.ForeignKey(ServicePlan, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="+")
    times_per_month = models.PositiveSmallIntegerField(_("每月次数"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "item"], name="plan_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.item.name} × {self.times_per_month}"


class WorkOrder(models.Model):
    """One home-service visit: planned, checked in and out by a caregiver, settled or refused.

    Changed only through `transition_perform` (`workflows.WORK_ORDER`). `flags` holds what
    supervision found, as [{"code": one of `supervision.FLAGS`, "detail": words}]; a flagged
    order is held out of settlement until the town clears or refuses it.
    """

    number = models.CharField(_("工单号"), max_length=24, unique=True)
    plan = models.ForeignKey(ServicePlan, on_delete=models.PROTECT, related_name="orders")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("老人")
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="orders")
    caregiver = models.ForeignKey(
        Caregiver, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    division_code = models.CharField(_("所在村(社区)"), max_length=12, db_index=True)
    scheduled_on = models.DateField(_("预约日期"))
    state = models.CharField(
        _("状态"), max_length=20, choices=list(WORK_ORDER.states.items()), blank=True
    )
    due_on = models.DateField(_("办理期限"), null=True, blank=True)
    check_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    check_in_lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    check_in_lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    check_in_photo = models.CharField(_("签到照片SHA-256"), max_length=64, blank=True)
    check_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    check_out_lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    check_out_lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    check_out_photo = models.CharField(_("签退照片SHA-256"), max_length=64, blank=True)
    amount = models.DecimalField(_("结算金额(元)"), max_digits=8, decimal_places=2)
    flags = models.JSONField(_("监管发现"), default=list, blank=True)
    flags_cleared = models.BooleanField(_("已核实准予结算"), default=False)
    supervised_at = models.DateTimeField(_("监管检查时间"), null=True, blank=True)
    settlement = models.ForeignKey(
        "Settlement", on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("服务工单")
        verbose_name_plural = _("服务工单")
        ordering = ["-scheduled_on", "-pk"]
        indexes = [
            models.Index(fields=["provider", "scheduled_on"], name="order_provider_day_idx"),
            models.Index(fields=["caregiver", "check_in_at"], name="order_caregiver_idx"),
            models.Index(fields=["person", "scheduled_on"], name="order_person_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(check_out_at__isnull=True)
                | models.Q(check_in_at__isnull=False, check_out_at__gte=models.F("check_in_at")),
                name="order_check_out_after_in",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("eldercare:order_detail", args=[self.pk])

    def inbox_subject(self) -> str:
        return f"{self.item.name} · {self.person.name}"

    @property
    def state_label(self) -> str:
        return WORK_ORDER.states.get(self.state, self.state)

    @property
    def held(self) -> bool:
        """Flagged by supervision and not yet cleared: kept out of settlement."""
        return bool(self.flags) and not self.flags_cleared


class CallBack(models.Model):
    """A satisfaction call-back (回访) on a visit."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="call_backs")
    called_on = models.DateField(_("回访日期"))
    reached = models.BooleanField(_("已联系上"), default=True)
    service_confirmed = models.BooleanField(_("老人确认接受了服务"), null=True)
    satisfaction = models.PositiveSmallIntegerField(_("满意度(1-5)"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("服务回访")
        verbose_name_plural = _("服务回访")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True)
                | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="callback_satisfaction_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order} {self.called_on}"


class Settlement(models.Model):
    """A provider's monthly settlement: the visits paid, per elder the subsidy used and the
    balance of the month's budget. Closing a month twice changes nothing."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="settlements")
    month = models.DateField(_("月份"))  # the first day
    orders_paid = models.PositiveIntegerField(_("结算工单数"))
    orders_held = models.PositiveIntegerField(_("暂缓结算工单数"))
    amount = models.DecimalField(_("结算金额(元)"), max_digits=12, decimal_places=2)
    lines = models.JSONField(_("按老人明细"))  # [{person_id, name, budget, used, balance, visits}]
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("服务商月度结算")
        verbose_name_plural = _("服务商月度结算")
        ordering = ["-month", "provider"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "month"], name="settlement_once_a_month"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.month:%Y-%m}"


from minzheng.eldercare.care_models import *  # noqa: E402,F403
from minzheng.eldercare.entitlement_models import *  # noqa: E402,F403
from minzheng.eldercare.institution_models import *  # noqa: E402,F403
from minzheng.eldercare.meal_models import *  # noqa: E402,F403
