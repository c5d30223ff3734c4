from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from minzheng import crypto
from minzheng.rules.id_number import mask_id_number

ID_NUMBER_FIELD = "registry.person.id_number"
PHONE_FIELD = "registry.person.phone"
BANK_ACCOUNT_FIELD = "registry.person.bank_account"


def id_number_index(value: str) -> str:
    """The blind index of an id number (normalised: trimmed, upper-case X)."""
    return crypto.blind_index(value.strip().upper(), field=ID_NUMBER_FIELD)


class DivisionKind(models.TextChoices):
    CITY = "city", _("市")
    TOWN = "town", _("镇")
    STREET = "street", _("街道")
    PARK = "park", _("园区")
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")


class Division(models.Model):
    """An administrative division; its code is its key, so a scope is a code prefix."""

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类别"), max_length=10, choices=DivisionKind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="city", code__regex=r"^[0-9]{6}$")
                    | Q(kind__in=["town", "street", "park"], code__regex=r"^[0-9]{9}$")
                    | Q(kind__in=["village", "community"], code__regex=r"^[0-9]{12}$")
                ),
                name="division_code_length_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Sex(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class MaritalStatus(models.TextChoices):
    UNMARRIED = "unmarried", _("未婚")
    MARRIED = "married", _("已婚")
    DIVORCED = "divorced", _("离婚")
    WIDOWED = "widowed", _("丧偶")


class DisabilityCategory(models.TextChoices):
    VISUAL = "visual", _("视力残疾")
    HEARING = "hearing", _("听力残疾")
    SPEECH = "speech", _("言语残疾")
    PHYSICAL = "physical", _("肢体残疾")
    INTELLECTUAL = "intellectual", _("智力残疾")
    MENTAL = "mental", _("精神残疾")
    MULTIPLE = "multiple", _("多重残疾")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    PARENT_IN_LAW = "parent_in_law", _("岳父母/公婆")
    GRANDPARENT = "grandparent", _("祖父母/外祖父母")
    GRANDCHILD = "grandchild", _("孙子女/外孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
    OTHER = "other", _("其他")


class PersonQuerySet(models.QuerySet["Person"]):
    def with_id_number(self, value: str) -> PersonQuerySet:
        """Exact lookup by id number, through the blind index."""
        return self.filter(id_number_index=id_number_index(value))

    def with_id_numbers(self, values: list[str]) -> PersonQuerySet:
        return self.filter(id_number_index__in=[id_number_index(value) for value in values])


class Person(models.Model):
    """A registered person. Sex and birth date are derived from the id number by the service.

    The id number and the phone are stored encrypted (AES-GCM, `minzheng.crypto`); the id
    number has a blind index for exact lookup. Read and set them as `id_number` and `phone`.
    """

    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    id_number_encrypted = models.TextField(_("公民身份号码(密文)"))
    id_number_index = models.CharField(_("公民身份号码索引"), max_length=32, unique=True)
    sex = models.CharField(_("性别"), max_length=6, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    phone_encrypted = models.TextField(_("联系电话(密文)"), blank=True, default="")
    # Where assistance is paid; db_default so that bulk loads may leave it out.
    bank_account_encrypted = models.TextField(
        _("银行账号(密文)"), blank=True, default="", db_default=""
    )
    hukou_division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="+", verbose_name=_("户籍地")
    )
    residence_division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="+", verbose_name=_("居住地")
    )
    marital_status = models.CharField(
        _("婚姻状况"), max_length=10, choices=MaritalStatus.choices, blank=True
    )
    disability_category = models.CharField(
        _("残疾类别"), max_length=12, choices=DisabilityCategory.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField(_("残疾等级"), null=True, blank=True)
    disability_valid_from = models.DateField(_("残疾证有效期起"), null=True, blank=True)
    disability_valid_to = models.DateField(_("残疾证有效期止"), null=True, blank=True)
    serious_illness = models.BooleanField(_("患重特大疾病"), default=False)
    # The level of the latest ability assessment (GB/T 42195-2022, 0 intact .. 4 completely
    # lost), kept here by eldercare's assessment service so that the rules read it.
    ability_level = models.PositiveSmallIntegerField(_("老年人能力等级"), null=True, blank=True)
    death_date = models.DateField(_("死亡日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    # What `minzheng keys` re-encrypts when the data key rotates: (column, crypto field).
    ENCRYPTED_COLUMNS = (
        ("id_number_encrypted", ID_NUMBER_FIELD),
        ("phone_encrypted", PHONE_FIELD),
        ("bank_account_encrypted", BANK_ACCOUNT_FIELD),
    )

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        indexes = [
            models.Index(fields=["residence_division", "name"], name="person_residence_name_idx"),
            models.Index(fields=["hukou_division"], name="person_hukou_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(disability_grade__isnull=True)
                | Q(disability_grade__gte=1, disability_grade__lte=4),
                name="person_disability_grade_1_to_4",
            ),
            models.CheckConstraint(
                condition=Q(ability_level__isnull=True) | Q(ability_level__lte=4),
                name="person_ability_level_0_to_4",
            ),
            models.CheckConstraint(
                condition=Q(disability_category="", disability_grade__isnull=True)
                | (~Q(disability_category="") & Q(disability_grade__isnull=False)),
                name="person_disability_category_and_grade_together",
            ),
            models.CheckConstraint(
                condition=Q(death_date__isnull=True) | Q(death_date__gte=models.F("birth_date")),
                name="person_death_not_before_birth",
            ),
            models.CheckConstraint(
                condition=Q(disability_valid_to__isnull=True)
                | Q(disability_valid_from__isnull=True)
                | Q(disability_valid_to__gte=models.F("disability_valid_from")),
                name="person_disability_validity_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_encrypted, field=ID_NUMBER_FIELD)

    @id_number.setter
    def id_number(self, value: str) -> None:
        value = value.strip().upper()
        self.id_number_encrypted = crypto.encrypt(value, field=ID_NUMBER_FIELD)
        self.id_number_index = id_number_index(value)

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_encrypted, field=PHONE_FIELD)

    @phone.setter
    def phone(self, value: str) -> None:
        self.phone_encrypted = crypto.encrypt(value.strip(), field=PHONE_FIELD)

    @property
    def bank_account(self) -> str:
        return crypto.decrypt(self.bank_account_encrypted, field=BANK_ACCOUNT_FIELD)

    @bank_account.setter
    def bank_account(self, value: str) -> None:
        self.bank_account_encrypted = crypto.encrypt(
            value.replace(" ", ""), field=BANK_ACCOUNT_FIELD
        )

    @property
    def bank_account_masked(self) -> str:
        account = self.bank_account
        return "*" * max(len(account) - 4, 0) + account[-4:]

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        phone = self.phone
        if len(phone) < 7:
            return "*" * len(phone)
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


class Household(models.Model):
    """A household (共同生活的家庭). Its members are Membership rows over time."""

    number = models.CharField(_("户号"), max_length=30, unique=True)
    address = models.CharField(_("住址"), max_length=200)
    division = models.ForeignKey(
        Division,
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("所属村(社区)"),
    )
    head = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("户主"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("家庭户")
        verbose_name_plural = _("家庭户")

    def __str__(self) -> str:
        return self.number


class MembershipEndReason(models.TextChoices):
    MOVED = "moved", _("迁出")
    DEATH = "death", _("死亡")
    CORRECTION = "correction", _("更正")


class Membership(models.Model):
    """A person's membership of a household from valid_from to valid_to (open while null)."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    relation = models.CharField(_("与户主关系"), max_length=20, choices=Relation.choices)
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("终止日期"), null=True, blank=True)
    end_reason = models.CharField(
        _("终止原因"), max_length=12, choices=MembershipEndReason.choices, blank=True
    )

    class Meta:
        verbose_name = _("家庭成员关系")
        verbose_name_plural = _("家庭成员关系")
        constraints = [
            # A person belongs to at most one household at a time: one open membership.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(valid_to__isnull=True),
                name="membership_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="membership_valid_to_not_before_from",
            ),
        ]
        indexes = [models.Index(fields=["household", "valid_to"], name="membership_household_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.household_id}"
