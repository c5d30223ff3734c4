"""Eldercare tables of the institutions part (养老机构): the registry of institutions, their
residents (stays), staff, the escrow ledger of prepaid fees (预收费存管), and safety inspections
with their hazards (安全隐患), which move through the `HAZARD` workflow.

Beds are counted per institution by type (total and nursing beds, as filed); a stay names its
bed number, and occupancy is the number of current stays. Refer to the shared tables by string.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from minzheng.accounts.models import BusinessLine, Role
from minzheng.workflow.definitions import Transition, Workflow

__all__ = [
    "HAZARD",
    "DischargeReason",
    "Fund",
    "Hazard",
    "HazardCategory",
    "HazardLevel",
    "Inspection",
    "Institution",
    "InstitutionKind",
    "InstitutionStaff",
    "LedgerEntry",
    "LedgerKind",
    "PaymentChannel",
    "Resident",
    "StaffRole",
    "WithdrawalPurpose",
]

# The town's eldercare office or the city's eldercare staff: they inspect, and they record what
# an institution reports (the institutions have no accounts of their own; see docs).
_OFFICE = frozenset({Role.TOWN_CLERK, Role.TOWN_APPROVER, Role.CITY_STAFF, Role.CITY_ADMIN})

HAZARD = Workflow(
    name="eldercare.hazard",
    business_line=BusinessLine.ELDERCARE,
    states={
        "open": "待整改",
        "rectified": "已整改待复查",
        "closed": "复查通过",
    },
    final=frozenset({"closed"}),
    transitions=(
        Transition("create", "登记隐患", ("",), "open", _OFFICE),
        # The institution's rectification report, recorded by the office; re-check within 7 days
        # (our own working target for the inbox: no local rule on re-check deadlines was found).
        Transition("rectify", "登记整改报告", ("open",), "rectified", _OFFICE, due_days=7),
        Transition("pass", "复查通过", ("rectified",), "closed", _OFFICE),
        Transition("fail", "复查未通过，重新整改", ("rectified",), "open", _OFFICE),
    ),
)


class InstitutionKind(models.TextChoices):
    PUBLIC_HOME = "public_home", _("敬老院（特困供养）")
    PUBLIC = "public", _("公办")
    PRIVATE = "private", _("民办")
    PUBLIC_PRIVATE = "public_private", _("公建民营")


class Institution(models.Model):
    """A nursing home (养老机构) filed (备案) with the civil affairs bureau."""

    name = models.CharField(_("机构名称"), max_length=100)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    division_code = models.CharField(_("所在镇(街道)/村(社区)"), max_length=12, db_index=True)
    kind = models.CharField(_("机构性质"), max_length=16, choices=InstitutionKind.choices)
    filing_number = models.CharField(_("备案编号"), max_length=40, blank=True)
    filing_date = models.DateField(_("备案日期"), null=True, blank=True)
    beds_total = models.PositiveIntegerField(_("床位总数"))
    nursing_beds = models.PositiveIntegerField(_("护理型床位数"), default=0)
    contact = models.CharField(_("联系人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)  # the office's number
    escrow_bank = models.CharField(_("存管银行"), max_length=60, blank=True)
    active = models.BooleanField(_("在营"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("养老机构")
        verbose_name_plural = _("养老机构")
        ordering = ["division_code", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(nursing_beds__lte=models.F("beds_total")),
                name="institution_nursing_beds_within_total",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("eldercare:institution_detail", args=[self.pk])


class DischargeReason(models.TextChoices):
    HOME = "home", _("返回家庭")
    TRANSFER = "transfer", _("转入其他机构")
    HOSPITAL = "hospital", _("转入医疗机构")
    DEATH = "death", _("死亡")
    OTHER = "other", _("其他")


class Resident(models.Model):
    """One stay of a person in an institution: admitted, in a bed, discharged (never deleted).

    `monthly_fee` is the resident's monthly charge (床位费+照料护理费+餐费), the measure of
    the deposit and membership-fee limits. After discharge the fees still held are refunded by
    `refund_due_on`.
    """

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="residents", verbose_name=_("机构")
    )
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("老人")
    )
    division_code = models.CharField(_("机构所在区划"), max_length=12, db_index=True)
    admitted_on = models.DateField(_("入住日期"))
    bed_number = models.CharField(_("床位号"), max_length=20)
    is_nursing_bed = models.BooleanField(_("护理型床位"), default=False)
    assessment = models.ForeignKey(
        "eldercare.Assessment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("入住评估"),
    )
    care_level = models.PositiveSmallIntegerField(_("能力等级"), null=True, blank=True)
    monthly_fee = models.DecimalField(_("月收费标准(元)"), max_digits=10, decimal_places=2)
    discharged_on = models.DateField(_("退住日期"), null=True, blank=True)
    discharge_reason = models.CharField(
        _("退住原因"), max_length=10, choices=DischargeReason.choices, blank=True
    )
    refund_due_on = models.DateField(_("退费期限"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("入住老人")
        verbose_name_plural = _("入住老人")
        ordering = ["institution", "bed_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(discharged_on__isnull=True),
                name="resident_one_current_stay",
            ),
            models.UniqueConstraint(
                fields=["institution", "bed_number"],
                condition=models.Q(discharged_on__isnull=True),
                name="resident_one_per_bed",
            ),
            models.CheckConstraint(
                condition=models.Q(discharged_on__isnull=True)
                | models.Q(discharged_on__gte=models.F("admitted_on")),
                name="resident_discharged_after_admission",
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_fee__gte=0), name="resident_monthly_fee_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.institution}"

    def get_absolute_url(self) -> str:
        return reverse("eldercare:institution_detail", args=[self.institution_id])

    @property
    def is_current(self) -> bool:
        return self.discharged_on is None


class StaffRole(models.TextChoices):
    CAREGIVER = "caregiver", _("护理员")
    DOCTOR = "doctor", _("医生")
    NURSE = "nurse", _("护士")
    MANAGER = "manager", _("管理人员")
    OTHER = "other", _("其他")


class InstitutionStaff(models.Model):
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="staff", verbose_name=_("机构")
    )
    name = models.CharField(_("姓名"), max_length=50)
    role = models.CharField(_("岗位"), max_length=10, choices=StaffRole.choices)
    certificate_number = models.CharField(_("资格/技能证书编号"), max_length=40, blank=True)
    certificate_valid_to = models.DateField(_("证书有效期至"), null=True, blank=True)
    active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("机构工作人员")
        verbose_name_plural = _("机构工作人员")
        ordering = ["institution", "role", "name"]

    def __str__(self) -> str:
        return self.name


class Fund(models.TextChoices):
    DEPOSIT = "deposit", _("押金")
    MEMBERSHIP = "membership", _("会员费")


class LedgerKind(models.TextChoices):
    RECEIPT = "receipt", _("收取")
    WITHDRAWAL = "withdrawal", _("支取")
    REFUND = "refund", _("退费")
    CORRECTION = "correction", _("冲正")


class PaymentChannel(models.TextChoices):
    BANK = "bank", _("银行转账")
    CARD = "card", _("银行卡刷卡")
    WECHAT = "wechat", _("微信支付")
    ALIPAY = "alipay", _("支付宝")


class WithdrawalPurpose(models.TextChoices):
    MEDICAL = "medical", _("就医应急")
    ARREARS = "arrears", _("抵扣拖欠费用")
    DAMAGES = "damages", _("赔偿财物损失")
    MEMBERSHIP_SERVICE = "membership_service", _("会员服务费用结转")


class LedgerEntry(models.Model):
    """One movement of the escrow account (专用存款账户) for one resident and one fund.

    Append-only: a wrong row is never edited; a correction is a new row (kind `correction`)
    naming the row it reverses, in the opposite direction. The account balance is
    Σ inflows − Σ outflows and never negative.
    """

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="ledger", verbose_name=_("机构")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="ledger", verbose_name=_("入住老人")
    )
    division_code = models.CharField(_("机构所在区划"), max_length=12, db_index=True)
    fund = models.CharField(_("款项"), max_length=10, choices=Fund.choices)
    kind = models.CharField(_("类型"), max_length=10, choices=LedgerKind.choices)
    is_inflow = models.BooleanField(_("存入"))
    amount = models.DecimalField(_("金额(元)"), max_digits=12, decimal_places=2)
    on = models.DateField(_("日期"))
    channel = models.CharField(
        _("支付渠道"), max_length=10, choices=PaymentChannel.choices, blank=True
    )
    purpose = models.CharField(
        _("支取用途"), max_length=20, choices=WithdrawalPurpose.choices, blank=True
    )
    evidence = models.CharField(_("凭证"), max_length=200, blank=True)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("冲正的记录"),
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("预收费存管流水")
        verbose_name_plural = _("预收费存管流水")
        ordering = ["institution", "on", "pk"]
        indexes = [models.Index(fields=["institution", "on"], name="ledger_institution_day_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="ledger_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(kind="receipt", is_inflow=True)
                | models.Q(kind__in=["withdrawal", "refund"], is_inflow=False)
                | models.Q(kind="correction", corrects__isnull=False),
                name="ledger_direction_by_kind",
            ),
        ]

    def __str__(self) -> str:
        sign = "+" if self.is_inflow else "−"
        return f"{self.get_kind_display()} {self.get_fund_display()} {sign}{self.amount}"

    @property
    def signed_amount(self):  # -> Decimal
        return self.amount if self.is_inflow else -self.amount


class HazardCategory(models.TextChoices):
    FIRE = "fire", _("消防")
    ELECTRICAL = "electrical", _("用电")
    GAS = "gas", _("燃气")
    FOOD = "food", _("食品")
    MEDICINES = "medicines", _("药品")
    BUILDING = "building", _("建筑")
    OTHER = "other", _("其他")


class HazardLevel(models.TextChoices):
    GENERAL = "general", _("一般隐患")
    MAJOR = "major", _("重大隐患")


class Inspection(models.Model):
    """A safety inspection (安全检查) of an institution: the checklist and what was found."""

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("机构")
    )
    division_code = models.CharField(_("机构所在区划"), max_length=12, db_index=True)
    inspected_on = models.DateField(_("检查日期"))
    inspectors = models.CharField(_("检查人员"), max_length=100)
    checklist = models.JSONField(_("检查项目"))  # {category: "ok" | "hazard" | "na"}
    note = models.TextField(_("说明"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("安全检查")
        verbose_name_plural = _("安全检查")
        ordering = ["-inspected_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.institution} {self.inspected_on}"

    def get_absolute_url(self) -> str:
        return reverse("eldercare:inspection_detail", args=[self.pk])


class Hazard(models.Model):
    """A hazard found in an inspection: rectified by the institution, re-checked by the office.

    Changed only through `transition_perform` (`HAZARD`). `due_on` is the rectification
    deadline while open and the re-check date once rectified.
    """

    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="hazards", verbose_name=_("检查")
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="hazards", verbose_name=_("机构")
    )
    division_code = models.CharField(_("机构所在区划"), max_length=12, db_index=True)
    category = models.CharField(_("类别"), max_length=12, choices=HazardCategory.choices)
    description = models.TextField(_("隐患描述"))
    level = models.CharField(_("隐患等级"), max_length=10, choices=HazardLevel.choices)
    state = models.CharField(
        _("状态"), max_length=12, choices=list(HAZARD.states.items()), blank=True
    )
    due_on = models.DateField(_("期限"), null=True, blank=True)
    rectification = models.TextField(_("整改报告"), blank=True)
    rectified_on = models.DateField(_("整改日期"), null=True, blank=True)
    rechecked_on = models.DateField(_("复查日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("安全隐患")
        verbose_name_plural = _("安全隐患")
        ordering = ["inspection", "pk"]

    def __str__(self) -> str:
        return f"{self.get_category_display()}：{self.description[:20]}"

    def get_absolute_url(self) -> str:
        return reverse("eldercare:inspection_detail", args=[self.inspection_id])

    def inbox_subject(self) -> str:
        return f"{self.institution.name} · {self.get_category_display()}隐患"

    @property
    def state_label(self) -> str:
        return HAZARD.states.get(self.state, self.state)
