from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from minzheng import crypto
from minzheng.assistance.workflows import ASSISTANCE_CASE
from minzheng.registry.models import Household, Person, id_number_index
from minzheng.rules.id_number import mask_id_number


class Program(models.TextChoices):
    DIBAO = "dibao", _("最低生活保障")
    DIBAO_EDGE = "dibao_edge", _("低保边缘家庭")
    RIGID_EXPENDITURE = "rigid_expenditure", _("刚性支出困难家庭")
    EXTREME_POVERTY = "extreme_poverty", _("特困人员救助供养")
    TEMPORARY_ASSISTANCE = "temporary_assistance", _("临时救助")


class Channel(models.TextChoices):
    SELF = "self", _("本人申请")
    WORKER = "worker", _("代为申请")
    ALERT = "alert", _("预警转办")


class AssistanceCase(models.Model):
    """One application for one programme by one household, from application to termination.

    Changed only through `minzheng.workflow.services.transition_perform`, called by the
    services of this app; a decided case is never edited in place.
    """

    number = models.CharField(_("申请编号"), max_length=20, unique=True)
    program = models.CharField(_("救助项目"), max_length=30, choices=Program.choices)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("家庭")
    )
    applicant = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    division_code = models.CharField(_("所在村(社区)"), max_length=12, db_index=True)
    state = models.CharField(
        _("状态"), max_length=30, choices=list(ASSISTANCE_CASE.states.items()), blank=True
    )
    channel = models.CharField(_("申请方式"), max_length=10, choices=Channel.choices)
    request = models.JSONField(_("申报的家庭情况"))
    authorisation_signed = models.BooleanField(_("已签核对授权书"), default=False)
    checklist = models.JSONField(_("已收材料"), default=list, blank=True)
    assessment = models.JSONField(_("审批时的规则评估"), null=True, blank=True)
    monthly_amount = models.DecimalField(
        _("月保障金额"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    start_month = models.DateField(_("起始月份"), null=True, blank=True)
    end_month = models.DateField(_("终止月份"), null=True, blank=True)
    due_on = models.DateField(_("办理期限"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("救助申请")
        verbose_name_plural = _("救助申请")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(monthly_amount__isnull=True) | models.Q(monthly_amount__gte=0),
                name="assistance_case_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(end_month__isnull=True)
                | models.Q(start_month__isnull=False, end_month__gte=models.F("start_month")),
                name="assistance_case_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("assistance:case_detail", args=[self.pk])

    @property
    def state_label(self) -> str:
        return ASSISTANCE_CASE.states.get(self.state, self.state)

    @property
    def inbox_subject(self) -> str:
        return str(self.get_program_display())


class PayrollMonth(models.Model):
    """A closed month of payments: closing twice changes nothing (the first close stands)."""

    month = models.DateField(_("发放月份"), unique=True)  # the first day of the month
    closed_at = models.DateTimeField(_("关账时间"), auto_now_add=True)
    closed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("关账人")
    )

    class Meta:
        verbose_name = _("月度发放")
        verbose_name_plural = _("月度发放")
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class PaymentKind(models.TextChoices):
    REGULAR = "regular", _("当月发放")
    ADJUSTMENT = "adjustment", _("补发或扣回")


class PaymentStatus(models.TextChoices):
    PAID = "paid", _("已发放")
    FAILED = "failed", _("发放失败")


class Payment(models.Model):
    """One line of a month's ledger: a case's payment, or a correction of earlier months."""

    payroll = models.ForeignKey(
        PayrollMonth, on_delete=models.PROTECT, related_name="payments", verbose_name=_("月份")
    )
    case = models.ForeignKey(
        AssistanceCase, on_delete=models.PROTECT, related_name="payments", verbose_name=_("案件")
    )
    kind = models.CharField(_("类型"), max_length=12, choices=PaymentKind.choices)
    amount = models.DecimalField(_("金额"), max_digits=12, decimal_places=2)
    status = models.CharField(
        _("状态"), max_length=8, choices=PaymentStatus.choices, default=PaymentStatus.PAID
    )
    failure_reason = models.CharField(_("失败原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("发放明细")
        verbose_name_plural = _("发放明细")
        ordering = ["payroll", "case__number", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["payroll", "case", "kind"], name="payment_one_per_case_kind_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.payroll} {self.case} {self.amount}"


class CaseAmount(models.Model):
    """The monthly amount of a case from a month on: amounts change by new rows, never edits."""

    case = models.ForeignKey(
        AssistanceCase, on_delete=models.PROTECT, related_name="amounts", verbose_name=_("案件")
    )
    valid_from = models.DateField(_("起始月份"))
    amount = models.DecimalField(_("月保障金额"), max_digits=10, decimal_places=2)
    reason = models.CharField(_("原因"), max_length=200)

    class Meta:
        verbose_name = _("保障金额")
        verbose_name_plural = _("保障金额")
        ordering = ["case", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "valid_from"], name="case_amount_one_per_month"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="case_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.valid_from:%Y-%m} {self.amount}"


# ---------------------------------------------------------------------------------------------
# online applications: a citizen applies from the calculator's result, without an account

ONLINE_ID_NUMBER_FIELD = "assistance.online_application.id_number"
ONLINE_PHONE_FIELD = "assistance.online_application.phone"


class OnlineApplicationState(models.TextChoices):
    SUBMITTED = "submitted", _("已提交，等待受理")
    CONVERTED = "converted", _("已转为救助申请")
    DECLINED = "declined", _("未予受理")


class OnlineApplication(models.Model):
    """A citizen's application sent from the calculator, until the town turns it into a case.

    The id number and the phone are encrypted (`minzheng.crypto`, as for registry persons).
    The blind index is the registry's own (`registry.models.id_number_index`), so the town
    finds the applicant among registered persons by one indexed equality.
    """

    number = models.CharField(_("网上申请编号"), max_length=20, unique=True)
    program = models.CharField(_("救助项目"), max_length=30, choices=Program.choices)
    applicant_name = models.CharField(_("申请人姓名"), max_length=50)
    id_number_encrypted = models.TextField(_("申请人公民身份号码(密文)"))
    id_number_index = models.CharField(_("公民身份号码索引"), max_length=32, db_index=True)
    phone_encrypted = models.TextField(_("联系电话(密文)"))
    division_code = models.CharField(_("所在村(社区)"), max_length=12, db_index=True)
    request = models.JSONField(_("申报的家庭情况"))
    state = models.CharField(
        _("状态"),
        max_length=12,
        choices=OnlineApplicationState.choices,
        default=OnlineApplicationState.SUBMITTED,
    )
    case = models.ForeignKey(
        AssistanceCase,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("转成的救助申请"),
    )
    decline_reason = models.CharField(_("未予受理的理由"), max_length=500, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"))
    handled_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("办理人"),
    )
    handled_at = models.DateTimeField(_("办理时间"), null=True, blank=True)

    # What `minzheng keys` re-encrypts when the data key rotates: (column, crypto field).
    ENCRYPTED_COLUMNS = (
        ("id_number_encrypted", ONLINE_ID_NUMBER_FIELD),
        ("phone_encrypted", ONLINE_PHONE_FIELD),
    )

    class Meta:
        verbose_name = _("网上申请")
        verbose_name_plural = _("网上申请")
        ordering = ["-pk"]
        constraints = [
            # One pending application per person and programme: a second one is refused.
            models.UniqueConstraint(
                fields=["id_number_index", "program"],
                condition=models.Q(state="submitted"),
                name="online_application_one_pending_per_person_program",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(state="submitted", case__isnull=True, handled_at__isnull=True)
                    | models.Q(state="converted", case__isnull=False, handled_at__isnull=False)
                    | (
                        models.Q(state="declined", case__isnull=True, handled_at__isnull=False)
                        & ~models.Q(decline_reason="")
                    )
                ),
                name="online_application_state_consistent",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("assistance:online_detail", args=[self.pk])

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_encrypted, field=ONLINE_ID_NUMBER_FIELD)

    @id_number.setter
    def id_number(self, value: str) -> None:
        value = value.strip().upper()
        self.id_number_encrypted = crypto.encrypt(value, field=ONLINE_ID_NUMBER_FIELD)
        self.id_number_index = id_number_index(value)

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_encrypted, field=ONLINE_PHONE_FIELD)

    @phone.setter
    def phone(self, value: str) -> None:
        self.phone_encrypted = crypto.encrypt(value.strip(), field=ONLINE_PHONE_FIELD)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        phone = self.phone
        if len(phone) < 7:
            return "*" * len(phone)
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
