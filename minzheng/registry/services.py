"""Every write to the registry: households, members, persons, deaths, bulk loads.

Each service checks the acting user's role and jurisdiction, validates everything before it writes,
writes in one transaction and records the audit event inside it. Bad input raises RegistryError
naming every bad field; nothing is written then.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace

import polars as pl
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Count, Max
from django.db.models.functions import Substr
from django.utils import timezone

from minzheng import crypto
from minzheng.accounts.jurisdiction import (
    division_in_scope,
    divisions_write_check,
    registry_write_check,
    reveal_check,
)
from minzheng.accounts.models import CITY_CODE, User
from minzheng.audit.services import audit_record
from minzheng.registry.errors import Issue, RegistryError, fail
from minzheng.registry.models import (
    ID_NUMBER_FIELD,
    PHONE_FIELD,
    DisabilityCategory,
    Division,
    DivisionKind,
    Household,
    MaritalStatus,
    Membership,
    MembershipEndReason,
    Person,
    Relation,
    id_number_index,
)
from minzheng.rules.id_number import IdNumberError, mask_id_number, parse_id_number

logger = logging.getLogger(__name__)

PHONE_PATTERN = re.compile(r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$")
VILLAGE_KINDS = {DivisionKind.VILLAGE, DivisionKind.COMMUNITY}
# Fields of a person that may be shown in an audit summary as they are (not personal identifiers).
AUDITABLE_PERSON_FIELDS = (
    "name",
    "hukou_division_code",
    "residence_division_code",
    "marital_status",
    "disability_category",
    "disability_grade",
    "disability_valid_from",
    "disability_valid_to",
    "serious_illness",
)


@dataclass(frozen=True)
class PersonIn:
    """A person as entered on a form, an API call or an import row."""

    name: str
    id_number: str
    hukou_division_code: str = ""
    residence_division_code: str = ""
    phone: str = ""
    marital_status: str = ""
    disability_category: str = ""
    disability_grade: int | None = None
    disability_valid_from: dt.date | None = None
    disability_valid_to: dt.date | None = None
    serious_illness: bool = False


@dataclass(frozen=True)
class MemberIn:
    person: PersonIn
    relation: str


@dataclass(frozen=True)
class HouseholdIn:
    number: str
    address: str
    division_code: str
    members: Sequence[MemberIn] = field(default_factory=tuple)


# ---------------------------------------------------------------------------------------------
# validation


def person_in_validate(
    data: PersonIn, *, divisions: dict[str, Division], today: dt.date, row: int | None = None
) -> tuple[PersonIn, list[Issue]]:
    """Return the cleaned person and every problem found; `divisions` maps code to division."""
    issues: list[Issue] = []

    def add(field_name: str, zh: str, en: str) -> None:
        issues.append(Issue(field=field_name, message_zh=zh, message_en=en, row=row))

    name = (data.name or "").strip()
    if not name:
        add("name", "姓名不能为空", "the name is required")
    elif len(name) > 50:
        add("name", "姓名不能超过50个字", "the name has more than 50 characters")
    id_number = (data.id_number or "").strip().upper()
    try:
        parse_id_number(id_number, today=today)
    except IdNumberError as error:
        add("id_number", error.message_zh, error.message_en)
    for field_name in ("hukou_division_code", "residence_division_code"):
        code = getattr(data, field_name)
        division = divisions.get(code)
        if division is None:
            add(field_name, f"区划代码{code or '(空)'}不存在", f"unknown division code {code!r}")
        elif division.kind not in VILLAGE_KINDS:
            add(
                field_name,
                f"区划代码{code}不是村(社区)级区划",
                f"division {code} is not a village or community",
            )
    phone = (data.phone or "").strip().replace(" ", "")
    if phone and not PHONE_PATTERN.match(phone):
        add("phone", "联系电话格式不正确", "the phone number is malformed")
    if data.marital_status and data.marital_status not in MaritalStatus.values:
        add("marital_status", "婚姻状况取值不正确", "unknown marital status")
    category, grade = data.disability_category or "", data.disability_grade
    if category and category not in DisabilityCategory.values:
        add("disability_category", "残疾类别取值不正确", "unknown disability category")
    if grade is not None and not 1 <= grade <= 4:
        add("disability_grade", "残疾等级应为1至4级", "the disability grade is 1 to 4")
    if bool(category) != (grade is not None):
        add(
            "disability_grade",
            "残疾类别和残疾等级须同时填写",
            "disability category and grade go together",
        )
    if not category and (data.disability_valid_from or data.disability_valid_to):
        add(
            "disability_valid_from",
            "无残疾类别时不能填写残疾证有效期",
            "a certificate validity needs a disability category",
        )
    if (
        data.disability_valid_from
        and data.disability_valid_to
        and data.disability_valid_to < data.disability_valid_from
    ):
        add(
            "disability_valid_to",
            "残疾证有效期止不能早于有效期起",
            "the certificate ends before it starts",
        )
    cleaned = replace(data, name=name, id_number=id_number, phone=phone)
    return cleaned, issues


def divisions_by_code(codes: Iterable[str]) -> dict[str, Division]:
    wanted = {code for code in codes if code}
    return {division.code: division for division in Division.objects.filter(code__in=wanted)}


def _person_values(data: PersonIn) -> dict[str, object]:
    info = parse_id_number(data.id_number)
    return {
        "name": data.name,
        "id_number": info.id_number,
        "sex": info.sex,
        "birth_date": info.birth_date,
        "phone": data.phone,
        "hukou_division_id": data.hukou_division_code,
        "residence_division_id": data.residence_division_code,
        "marital_status": data.marital_status,
        "disability_category": data.disability_category,
        "disability_grade": data.disability_grade,
        "disability_valid_from": data.disability_valid_from,
        "disability_valid_to": data.disability_valid_to,
        "serious_illness": data.serious_illness,
    }


def _person_summary(person: Person) -> dict[str, object]:
    """An audit-safe view of a person: identifiers masked, dates as text."""
    summary: dict[str, object] = {"id_number": mask_id_number(person.id_number)}
    for name in AUDITABLE_PERSON_FIELDS:
        attribute = name.replace("_code", "_id") if name.endswith("_division_code") else name
        value = getattr(person, attribute)
        summary[name] = value.isoformat() if isinstance(value, dt.date) else value
    return summary


def _person_create(*, acting_user: User, data: PersonIn) -> Person:
    """Create a validated person and audit it (callers hold the transaction)."""
    person = Person.objects.create(**_person_values(data))
    audit_record(
        actor=acting_user,
        action="registry.person.create",
        target=person,
        division_code=person.residence_division_id,
        data=_person_summary(person),
    )
    return person


def _who(user: User, person: Person) -> str:
    """The person's name if the user may see them; otherwise nothing that identifies them."""
    if division_in_scope(user=user, division_code=person.residence_division_id):
        return person.name
    return "该公民身份号码对应的人员(不在您的管辖范围内)"


def _open_membership(person: Person) -> Membership | None:
    return (
        Membership.objects.select_for_update()
        .filter(person=person, valid_to__isnull=True)
        .select_related("household")
        .first()
    )


# ---------------------------------------------------------------------------------------------
# households


def household_in_validate(
    data: HouseholdIn,
    *,
    today: dt.date,
    row_of_member: Sequence[int | None] | None = None,
    is_new: bool = True,
) -> tuple[HouseholdIn, list[Issue]]:
    """Validate a household with its members; members default to the household's division.

    A new household needs exactly one head; rows for an existing one may list some members only.
    """
    issues: list[Issue] = []
    first_row = row_of_member[0] if row_of_member else None
    number = (data.number or "").strip()
    address = (data.address or "").strip()
    if not number:
        issues.append(
            Issue("number", "户号不能为空", "the household number is required", first_row)
        )
    if not address:
        issues.append(Issue("address", "住址不能为空", "the address is required", first_row))
    if not data.members:
        issues.append(
            Issue("members", "家庭至少要有一名成员", "a household needs a member", first_row)
        )
    member_codes = [
        code
        for member in data.members
        for code in (member.person.hukou_division_code, member.person.residence_division_code)
    ]
    divisions = divisions_by_code([data.division_code, *member_codes])
    household_division = divisions.get(data.division_code)
    if household_division is None:
        issues.append(
            Issue(
                "division_code",
                f"区划代码{data.division_code or '(空)'}不存在",
                f"unknown division code {data.division_code!r}",
                first_row,
            )
        )
    elif household_division.kind not in VILLAGE_KINDS:
        issues.append(
            Issue(
                "division_code",
                f"区划代码{data.division_code}不是村(社区)级区划",
                f"division {data.division_code} is not a village or community",
                first_row,
            )
        )
    members: list[MemberIn] = []
    seen: dict[str, int] = {}
    heads = 0
    for index, member in enumerate(data.members):
        row = row_of_member[index] if row_of_member else None
        person = replace(
            member.person,
            hukou_division_code=member.person.hukou_division_code or data.division_code,
            residence_division_code=member.person.residence_division_code or data.division_code,
        )
        person, person_issues = person_in_validate(
            person, divisions=divisions, today=today, row=row
        )
        issues.extend(person_issues)
        if member.relation not in Relation.values:
            issues.append(
                Issue("relation", "与户主关系取值不正确", "unknown relation to the head", row)
            )
        heads += member.relation == Relation.HEAD
        if person.id_number in seen:
            issues.append(
                Issue(
                    "id_number",
                    f"公民身份号码{mask_id_number(person.id_number)}在本次提交中重复出现",
                    "the same id number appears twice in this submission",
                    row,
                )
            )
        seen.setdefault(person.id_number, index)
        members.append(MemberIn(person=person, relation=member.relation))
    if is_new and data.members and heads != 1:
        issues.append(
            Issue(
                "relation",
                f"一户应有且只有一名户主，现有{heads}名",
                f"a household has exactly one head, this one has {heads}",
                first_row,
            )
        )
    return HouseholdIn(
        number=number, address=address, division_code=data.division_code, members=tuple(members)
    ), issues


@transaction.atomic
def household_register(
    *, acting_user: User, data: HouseholdIn, on: dt.date | None = None
) -> Household:
    """Register a new household with its members; existing persons join it by id number."""
    on = on or timezone.localdate()
    registry_write_check(user=acting_user, division_code=data.division_code)
    data, issues = household_in_validate(
        data,
        today=timezone.localdate(),
        row_of_member=list(range(1, len(data.members) + 1)),  # the member's position
    )
    if issues:
        raise RegistryError(issues)
    if Household.objects.filter(number=data.number).exists():
        raise fail("number", f"户号{data.number}已存在", f"household number {data.number} exists")
    for member in data.members:
        registry_write_check(user=acting_user, division_code=member.person.residence_division_code)
    existing = {
        person.id_number: person
        for person in Person.objects.select_for_update().with_id_numbers(
            [member.person.id_number for member in data.members]
        )
    }
    problems = []
    for position, member in enumerate(data.members, start=1):
        person = existing.get(member.person.id_number)
        if person is None:
            continue
        if person.death_date is not None:
            problems.append(
                Issue(
                    "id_number",
                    f"{_who(acting_user, person)}已死亡，不能加入家庭",
                    "the person has died",
                    position,
                )
            )
        elif Membership.objects.filter(person=person, valid_to__isnull=True).exists():
            problems.append(
                Issue(
                    "id_number",
                    f"{_who(acting_user, person)}已是另一户的在册成员，请先办理迁出",
                    "the person already belongs to a household; move them instead",
                    position,
                )
            )
    if problems:
        raise RegistryError(problems)
    household = Household.objects.create(
        number=data.number, address=data.address, division_id=data.division_code
    )
    for member in data.members:
        person = existing.get(member.person.id_number)
        if person is None:
            person = _person_create(acting_user=acting_user, data=member.person)
        Membership.objects.create(
            household=household, person=person, relation=member.relation, valid_from=on
        )
        if member.relation == Relation.HEAD:
            household.head = person
    household.save(update_fields=["head", "updated_at"])
    audit_record(
        actor=acting_user,
        action="registry.household.register",
        target=household,
        division_code=household.division_id,
        data={
            "number": household.number,
            "address": household.address,
            "division_code": household.division_id,
            "members": [
                {"id_number": mask_id_number(m.person.id_number), "relation": m.relation}
                for m in data.members
            ],
        },
    )
    return household


@transaction.atomic
def household_add_member(
    *,
    acting_user: User,
    household: Household,
    person: PersonIn | Person,
    relation: str,
    on: dt.date | None = None,
) -> Membership:
    """Add a new or existing person to a household; an existing one must be in no household."""
    on = on or timezone.localdate()
    registry_write_check(user=acting_user, division_code=household.division_id)
    if relation not in Relation.values:
        raise fail("relation", "与户主关系取值不正确", "unknown relation to the head")
    if relation == Relation.HEAD:
        raise fail("relation", "户主已存在，请用变更户主办理", "use the change-of-head service")
    if isinstance(person, PersonIn):
        data = replace(
            person,
            hukou_division_code=person.hukou_division_code or household.division_id,
            residence_division_code=person.residence_division_code or household.division_id,
        )
        data, issues = person_in_validate(
            data,
            divisions=divisions_by_code([data.hukou_division_code, data.residence_division_code]),
            today=timezone.localdate(),
        )
        if issues:
            raise RegistryError(issues)
        existing = Person.objects.select_for_update().with_id_number(data.id_number).first()
        if existing is None:
            person = _person_create(acting_user=acting_user, data=data)
        else:
            person = existing
    if person.death_date is not None:
        raise fail(
            "person", f"{_who(acting_user, person)}已死亡，不能加入家庭", "the person has died"
        )
    if _open_membership(person) is not None:
        raise fail(
            "person",
            f"{_who(acting_user, person)}已是另一户的在册成员，请办理迁移",
            "the person already belongs to a household; move them instead",
        )
    membership = Membership.objects.create(
        household=household, person=person, relation=relation, valid_from=on
    )
    audit_record(
        actor=acting_user,
        action="registry.household.add_member",
        target=household,
        division_code=household.division_id,
        data={"person_id": person.pk, "relation": relation, "valid_from": on.isoformat()},
    )
    return membership


def _leave_household(current: Membership, person: Person, on: dt.date) -> None:
    """End a membership because the person moved away (a head only once the rest have one)."""
    if on < current.valid_from:
        raise fail(
            "on",
            "迁移日期不能早于加入原户的日期",
            "the move predates joining the old household",
        )
    if current.household.head_id == person.pk and (
        Membership.objects.filter(household=current.household, valid_to__isnull=True)
        .exclude(person=person)
        .exists()
    ):
        raise fail(
            "person",
            "该人员是原户户主，请先为原户变更户主",
            "the person heads the old household; change its head first",
        )
    current.valid_to = on
    current.end_reason = MembershipEndReason.MOVED
    current.save(update_fields=["valid_to", "end_reason"])


@transaction.atomic
def person_move(
    *,
    acting_user: User,
    person: Person,
    to_household: Household,
    relation: str,
    on: dt.date | None = None,
) -> Membership:
    """Close the person's current membership (moved) and open one in another household."""
    on = on or timezone.localdate()
    registry_write_check(user=acting_user, division_code=to_household.division_id)
    if relation not in Relation.values or relation == Relation.HEAD:
        raise fail(
            "relation", "请选择与新户主的关系(不能为户主)", "choose a relation other than head"
        )
    if person.death_date is not None:
        raise fail("person", f"{person.name}已死亡，不能迁移", "the person has died")
    current = _open_membership(person)
    if current is not None:
        registry_write_check(user=acting_user, division_code=current.household.division_id)
        if current.household_id == to_household.pk:
            raise fail("household", "该人员已在此户中", "the person is already in this household")
        _leave_household(current, person, on)
    membership = Membership.objects.create(
        household=to_household, person=person, relation=relation, valid_from=on
    )
    if person.residence_division_id != to_household.division_id:
        person.residence_division_id = to_household.division_id
        person.save(update_fields=["residence_division", "updated_at"])
    audit_record(
        actor=acting_user,
        action="registry.person.move",
        target=person,
        division_code=to_household.division_id,
        data={
            "from_household_id": current.household_id if current else None,
            "to_household_id": to_household.pk,
            "relation": relation,
            "on": on.isoformat(),
        },
    )
    return membership


@transaction.atomic
def person_leave_city(
    *, acting_user: User, person: Person, on: dt.date, destination: str
) -> Membership:
    """Record that a person moved out of the city (迁出本市): their household membership ends.

    `destination` says where they went (a place name or a division code outside the city).
    """
    current = _open_membership(person)
    if current is None:
        raise fail("person", f"{person.name}不在任何家庭户中", "the person is in no household")
    registry_write_check(user=acting_user, division_code=current.household.division_id)
    destination = destination.strip()
    if person.death_date is not None:
        raise fail("person", f"{person.name}已死亡，不能迁出", "the person has died")
    if not destination:
        raise fail("destination", "请填写迁往地", "the destination is required")
    if destination.startswith(CITY_CODE):
        raise fail(
            "destination",
            "迁往本市其他家庭户的，请办理“迁入其他家庭户”",
            "a move within the city is a move to another household",
        )
    _leave_household(current, person, on)
    audit_record(
        actor=acting_user,
        action="registry.person.leave_city",
        target=person,
        division_code=current.household.division_id,
        data={"household_id": current.household_id, "on": on.isoformat(), "to": destination},
    )
    return current


@transaction.atomic
def household_set_head(
    *, acting_user: User, household: Household, person: Person, on: dt.date | None = None
) -> Household:
    """Make a current member the head; the old head's membership continues as `other`."""
    on = on or timezone.localdate()
    registry_write_check(user=acting_user, division_code=household.division_id)
    membership = (
        Membership.objects.select_for_update()
        .filter(household=household, person=person, valid_to__isnull=True)
        .first()
    )
    if membership is None or person.death_date is not None:
        raise fail("person", "新户主须为本户在册成员", "the new head must be a current member")
    old_head_id = household.head_id
    if old_head_id == person.pk:
        return household
    if old_head_id is not None:
        old = Membership.objects.filter(
            household=household, person_id=old_head_id, valid_to__isnull=True
        ).first()
        if old is not None:
            # The relation to the head changes: close and reopen, never edit in place.
            old.valid_to, old.end_reason = on, MembershipEndReason.CORRECTION
            old.save(update_fields=["valid_to", "end_reason"])
            Membership.objects.create(
                household=household, person_id=old_head_id, relation=Relation.OTHER, valid_from=on
            )
    membership.valid_to, membership.end_reason = on, MembershipEndReason.CORRECTION
    membership.save(update_fields=["valid_to", "end_reason"])
    Membership.objects.create(
        household=household, person=person, relation=Relation.HEAD, valid_from=on
    )
    household.head = person
    household.save(update_fields=["head", "updated_at"])
    audit_record(
        actor=acting_user,
        action="registry.household.set_head",
        target=household,
        division_code=household.division_id,
        data={"old_head_id": old_head_id, "new_head_id": person.pk, "on": on.isoformat()},
    )
    return household


# ---------------------------------------------------------------------------------------------
# persons


@transaction.atomic
def person_update(*, acting_user: User, person: Person, data: PersonIn) -> Person:
    """Change a person's facts; a new id number re-derives sex and birth date."""
    registry_write_check(user=acting_user, division_code=person.residence_division_id)
    data, issues = person_in_validate(
        data,
        divisions=divisions_by_code([data.hukou_division_code, data.residence_division_code]),
        today=timezone.localdate(),
    )
    if issues:
        raise RegistryError(issues)
    registry_write_check(user=acting_user, division_code=data.residence_division_code)
    if (
        data.id_number != person.id_number
        and Person.objects.with_id_number(data.id_number).exclude(pk=person.pk).exists()
    ):
        raise fail("id_number", "该公民身份号码已登记给另一人", "another person has this id number")
    values = _person_values(data)
    if person.death_date is not None and values["birth_date"] > person.death_date:  # type: ignore[operator]
        raise fail("id_number", "出生日期不能晚于死亡日期", "the birth date is after the death")
    before, before_phone = _person_summary(person), person.phone
    for name, value in values.items():
        setattr(person, name, value)
    person.save()
    after = _person_summary(person)
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if before_phone != person.phone:
        changes["phone"] = "changed"  # the number itself stays out of the log
    audit_record(
        actor=acting_user,
        action="registry.person.update",
        target=person,
        division_code=person.residence_division_id,
        data={"changes": changes},
    )
    return person


BANK_ACCOUNT = re.compile(r"^[0-9]{12,30}$")


@transaction.atomic
def person_set_bank_account(*, acting_user: User, person: Person, account: str) -> Person:
    """Record where a person is paid (12-30 digits); the number stays out of the audit log."""
    registry_write_check(user=acting_user, division_code=person.residence_division_id)
    account = account.replace(" ", "")
    if not BANK_ACCOUNT.match(account):
        raise fail("bank_account", "银行账号应为12至30位数字", "a bank account has 12-30 digits")
    if account == person.bank_account:
        return person
    person.bank_account = account
    person.save(update_fields=["bank_account_encrypted", "updated_at"])
    audit_record(
        actor=acting_user,
        action="registry.person.bank_account",
        target=person,
        division_code=person.residence_division_id,
        data={"bank_account": person.bank_account_masked},
    )
    return person


def person_set_ability_level(*, acting_user: User, person: Person, level: int) -> Person:
    """Keep the level of the person's latest ability assessment (recorded by eldercare)."""
    registry_write_check(user=acting_user, division_code=person.residence_division_id)
    if not 0 <= level <= 4:
        raise fail("ability_level", "能力等级应为0至4", "the ability level is 0 to 4")
    if person.ability_level == level:
        return person
    before = person.ability_level
    person.ability_level = level
    person.save(update_fields=["ability_level", "updated_at"])
    audit_record(
        actor=acting_user,
        action="registry.person.ability_level",
        target=person,
        division_code=person.residence_division_id,
        data={"from": before, "to": level},
    )
    return person


@transaction.atomic
def person_record_death(*, acting_user: User, person: Person, death_date: dt.date) -> Person:
    """Record a death: the person's open household membership ends on that day."""
    registry_write_check(user=acting_user, division_code=person.residence_division_id)
    if person.death_date is not None:
        raise fail(
            "death_date",
            f"已于{person.death_date.isoformat()}登记死亡",
            "the death is already recorded",
        )
    if death_date < person.birth_date:
        raise fail("death_date", "死亡日期不能早于出生日期", "the death date is before the birth")
    if death_date > timezone.localdate():
        raise fail("death_date", "死亡日期不能晚于今天", "the death date is in the future")
    person.death_date = death_date
    person.save(update_fields=["death_date", "updated_at"])
    membership = _open_membership(person)
    if membership is not None:
        membership.valid_to = max(death_date, membership.valid_from)
        membership.end_reason = MembershipEndReason.DEATH
        membership.save(update_fields=["valid_to", "end_reason"])
        household = membership.household
        if household.head_id == person.pk:
            household.head = None
            household.save(update_fields=["head", "updated_at"])
    audit_record(
        actor=acting_user,
        action="registry.person.record_death",
        target=person,
        division_code=person.residence_division_id,
        data={
            "death_date": death_date.isoformat(),
            "household_id": membership.household_id if membership else None,
        },
    )
    return person


# ---------------------------------------------------------------------------------------------
# divisions


@dataclass(frozen=True)
class DivisionIn:
    code: str
    name: str
    kind: str
    parent_code: str | None


def divisions_from_csv(text: str) -> list[DivisionIn]:
    """Parse a division list: CSV with the header code,name,kind,parent_code."""
    reader = csv.DictReader(io.StringIO(text))
    missing = {"code", "name", "kind"} - set(reader.fieldnames or [])
    if missing:
        raise fail(
            "file",
            f"区划文件缺少列 {'、'.join(sorted(missing))}(应为 code,name,kind,parent_code)",
            f"the division file lacks columns {', '.join(sorted(missing))}",
        )
    return [
        DivisionIn(
            code=(row.get("code") or "").strip(),
            name=(row.get("name") or "").strip(),
            kind=(row.get("kind") or "").strip(),
            parent_code=(row.get("parent_code") or "").strip() or None,
        )
        for row in reader
    ]


@transaction.atomic
def divisions_load(*, acting_user: User | None, rows: Sequence[DivisionIn]) -> int:
    """Insert divisions not yet present (parents first); return how many were added."""
    if acting_user is not None:
        divisions_write_check(user=acting_user)
    issues: list[Issue] = []
    expected_length = {"city": 6, "town": 9, "street": 9, "park": 9, "village": 12, "community": 12}
    given = {row.code for row in rows}
    known = set(Division.objects.filter(code__in=given).values_list("code", flat=True))
    parents_known = (
        known
        | given
        | set(
            Division.objects.filter(
                code__in={row.parent_code for row in rows if row.parent_code}
            ).values_list("code", flat=True)
        )
    )
    for number, row in enumerate(rows, start=1):
        if row.kind not in expected_length:
            issues.append(Issue("kind", f"区划类别{row.kind}不正确", "unknown kind", number))
        elif not (
            row.code.isascii() and row.code.isdigit() and len(row.code) == expected_length[row.kind]
        ):
            issues.append(
                Issue(
                    "code",
                    f"区划代码{row.code}的位数与类别不符",
                    "the code's length does not match its kind",
                    number,
                )
            )
        elif (
            row.parent_code
            and row.kind != "city"
            and (
                row.parent_code not in parents_known or not row.code.startswith(row.parent_code[:6])
            )
        ):
            issues.append(
                Issue("parent_code", f"上级区划{row.parent_code}不存在", "unknown parent", number)
            )
    if issues:
        raise RegistryError(issues)
    new_rows = sorted((row for row in rows if row.code not in known), key=lambda r: len(r.code))
    Division.objects.bulk_create(
        [
            Division(
                code=row.code,
                name=row.name,
                kind=row.kind,
                # The city's parent (Suzhou, 320500) is outside the registry.
                parent_id=row.parent_code if row.parent_code in parents_known else None,
            )
            for row in new_rows
        ]
    )
    if new_rows:
        audit_record(
            actor=acting_user,
            action="registry.divisions.load",
            target=None,
            data={"added": len(new_rows), "codes": [row.code for row in new_rows[:20]]},
        )
    return len(new_rows)


def person_in_from_person(person: Person, **changes: object) -> PersonIn:
    """The PersonIn that describes a stored person, with some fields changed."""
    values = {
        f.name: getattr(person, f.name)
        for f in fields(PersonIn)
        if f.name not in {"hukou_division_code", "residence_division_code"}
    }
    values["hukou_division_code"] = person.hukou_division_id
    values["residence_division_code"] = person.residence_division_id
    values.update(changes)
    return PersonIn(**values)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# bulk load (synthetic city, data exchange)

BULK_CHUNK = 5000


@dataclass(frozen=True)
class LoadResult:
    households_added: int
    persons_added: int
    households_skipped: int


def _bulk_insert(table: str, frame: pl.DataFrame) -> None:
    """Insert a frame whose columns are the table's: COPY on PostgreSQL, executemany elsewhere."""
    if frame.is_empty():
        return
    columns = ", ".join(frame.columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in frame.iter_rows():
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * frame.width)
            sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - fixed names
            for chunk in frame.iter_slices(BULK_CHUNK):
                cursor.executemany(sql, chunk.rows())


def _reset_sequences(models: Sequence[type]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _next_id(model: type) -> int:
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1  # type: ignore[attr-defined]


def _existing(field: str, model: type, values: list[str]) -> set[str]:
    """Which of these values of a unique field are stored already (in chunks)."""
    found: set[str] = set()
    if not model.objects.exists():  # type: ignore[attr-defined] - the first load skips the work
        return found
    for start in range(0, len(values), BULK_CHUNK):
        found.update(
            model.objects.filter(  # type: ignore[attr-defined]
                **{f"{field}__in": values[start : start + BULK_CHUNK]}
            ).values_list(field, flat=True)
        )
    return found


@transaction.atomic
def city_load(
    *, acting_user: User | None, persons: pl.DataFrame, households: pl.DataFrame, on: dt.date
) -> LoadResult:
    """Load households and their persons in bulk; households whose number exists are skipped.

    The frames carry the synthetic city's columns (docs/synthetic-city.md): households
    household_id, number, address, division, head_person_id; persons household_id, person_id,
    relation and the registry fields. The loader trusts the generator's id numbers; data from
    outside goes through `registry_import`, which validates every row.
    """
    if acting_user is not None:
        registry_write_check(user=acting_user, division_code="320582")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "LOCK TABLE registry_person, registry_household, registry_membership "
                "IN EXCLUSIVE MODE"
            )
    existing_numbers = _existing("number", Household, households["number"].to_list())
    new_households = households.filter(~pl.col("number").is_in(list(existing_numbers)))
    new_persons = persons.join(
        new_households.select("household_id"), on="household_id", maintain_order="left"
    )
    id_numbers = new_persons["id_number"].to_list()
    indexes = [id_number_index(value) for value in id_numbers]
    clashes = _existing("id_number_index", Person, indexes)
    if clashes:
        raise RegistryError(
            [
                Issue(
                    "id_number",
                    f"公民身份号码{mask_id_number(number)}已登记在另一户中",
                    "the id number is already registered in another household",
                )
                for number, index in zip(id_numbers, indexes, strict=True)
                if index in clashes
            ][:20]
        )
    now = timezone.now()
    new_persons = new_persons.with_columns(
        pk=pl.int_range(pl.len(), dtype=pl.Int64) + _next_id(Person),
        id_number_index=pl.Series(indexes, dtype=pl.String),
        id_number_encrypted=pl.Series(
            [crypto.encrypt(value, field=ID_NUMBER_FIELD) for value in id_numbers],
            dtype=pl.String,
        ),
        phone_encrypted=pl.Series(
            [crypto.encrypt(value or "", field=PHONE_FIELD) for value in new_persons["phone"]],
            dtype=pl.String,
        ),
    )
    new_households = new_households.with_columns(
        pk=pl.int_range(pl.len(), dtype=pl.Int64) + _next_id(Household)
    ).join(new_persons.select(head_person_id="person_id", head_pk="pk"), on="head_person_id")
    _bulk_insert(
        "registry_person",
        new_persons.select(
            id="pk",
            name="name",
            id_number_encrypted="id_number_encrypted",
            id_number_index="id_number_index",
            sex="sex",
            birth_date="birth_date",
            phone_encrypted="phone_encrypted",
            hukou_division_id="hukou_division",
            residence_division_id="residence_division",
            marital_status=pl.col("marital_status").fill_null(""),
            disability_category=pl.col("disability_category").fill_null(""),
            disability_grade="disability_grade",
            disability_valid_from="disability_valid_from",
            disability_valid_to="disability_valid_to",
            serious_illness="serious_illness",
            death_date=pl.lit(None, dtype=pl.Date),
            created_at=pl.lit(now),
            updated_at=pl.lit(now),
        ),
    )
    _bulk_insert(
        "registry_household",
        new_households.select(
            id="pk",
            number="number",
            address="address",
            division_id="division",
            head_id="head_pk",
            created_at=pl.lit(now),
            updated_at=pl.lit(now),
        ),
    )
    _bulk_insert(
        "registry_membership",
        new_persons.join(
            new_households.select("household_id", household_pk="pk"),
            on="household_id",
            maintain_order="left",
        ).select(
            id=pl.int_range(pl.len(), dtype=pl.Int64) + _next_id(Membership),
            household_id="household_pk",
            person_id="pk",
            relation="relation",
            valid_from=pl.lit(on),
            valid_to=pl.lit(None, dtype=pl.Date),
            end_reason=pl.lit(""),
        ),
    )
    _reset_sequences([Person, Household, Membership])
    if new_households.height:
        audit_record(
            actor=acting_user,
            action="registry.city.load",
            target=None,
            data={"households_added": new_households.height, "persons_added": new_persons.height},
        )
    return LoadResult(
        households_added=new_households.height,
        persons_added=new_persons.height,
        households_skipped=len(existing_numbers),
    )


# ---------------------------------------------------------------------------------------------
# import from a spreadsheet


@dataclass(frozen=True)
class ImportResult:
    households_created: int
    households_updated: int
    persons_created: int
    persons_updated: int
    rows: int

    @property
    def changed(self) -> bool:
        return any(
            (
                self.households_created,
                self.households_updated,
                self.persons_created,
                self.persons_updated,
            )
        )


def _import_row_parse(
    row: int, values: dict[str, str]
) -> tuple[HouseholdIn, MemberIn, list[Issue]]:
    from minzheng.registry import spreadsheets as sheets

    issues: list[Issue] = []

    def choice(key: str, mapping: dict[str, str], label: str, english: str) -> str:
        code = sheets.parse_choice(values.get(key, ""), mapping)
        if code is None:
            issues.append(
                Issue(key, f"{label}“{values[key]}”不是可选值", f"unknown {english}", row)
            )
            return ""
        return code

    def date(key: str, label: str) -> dt.date | None:
        text = values.get(key, "")
        if not text:
            return None
        try:
            return sheets.parse_date(text)
        except ValueError:
            issues.append(Issue(key, f"{label}“{text}”不是日期", f"{key} is not a date", row))
            return None

    for column in sheets.IMPORT_COLUMNS:
        if column.required and not values.get(column.key):
            issues.append(
                Issue(column.key, f"{column.header}不能为空", f"{column.key} is required", row)
            )
    relation = choice("relation", sheets.RELATION_BY_LABEL, "与户主关系", "relation")
    grade_text = values.get("disability_grade", "").removesuffix("级")
    grade: int | None = None
    if grade_text:
        if grade_text.isascii() and grade_text.isdigit():
            grade = int(grade_text)
        else:
            issues.append(
                Issue("disability_grade", "残疾等级应为1至4的数字", "grade is a number", row)
            )
    illness = sheets.parse_bool(values.get("serious_illness", ""))
    if illness is None:
        issues.append(
            Issue(
                "serious_illness", "患重特大疾病应填“是”或“否”", "serious_illness: yes or no", row
            )
        )
    person = PersonIn(
        name=values.get("name", ""),
        id_number=values.get("id_number", ""),
        hukou_division_code=values.get("hukou_division_code", ""),
        residence_division_code=values.get("residence_division_code", ""),
        phone=values.get("phone", ""),
        marital_status=choice("marital_status", sheets.MARITAL_BY_LABEL, "婚姻状况", "status"),
        disability_category=choice(
            "disability_category", sheets.DISABILITY_BY_LABEL, "残疾类别", "category"
        ),
        disability_grade=grade,
        disability_valid_from=date("disability_valid_from", "残疾证有效期起"),
        disability_valid_to=date("disability_valid_to", "残疾证有效期止"),
        serious_illness=bool(illness),
    )
    household = HouseholdIn(
        number=values.get("number", ""),
        address=values.get("address", ""),
        division_code=values.get("division_code", ""),
    )
    return household, MemberIn(person=person, relation=relation), issues


def _differs(person: Person, data: PersonIn) -> bool:
    stored = person_in_from_person(person)
    return stored != replace(data, id_number=data.id_number.upper())


@transaction.atomic
def registry_import(
    *, acting_user: User, rows: list[tuple[int, dict[str, str]]], on: dt.date | None = None
) -> ImportResult:
    """Import persons and households from spreadsheet rows, all or nothing, upsert by id number.

    A row whose household number is new registers that household; one that exists updates its
    persons. Every problem of every row is reported at once, and then nothing is written.
    """
    on = on or timezone.localdate()
    today = timezone.localdate()
    issues: list[Issue] = []
    groups: dict[str, list[tuple[int, HouseholdIn, MemberIn]]] = {}
    first_row_of_id: dict[str, int] = {}
    for row, values in rows:
        household, member, row_issues = _import_row_parse(row, values)
        issues.extend(row_issues)
        id_number = member.person.id_number.strip().upper()
        if id_number in first_row_of_id:
            issues.append(
                Issue(
                    "id_number",
                    f"公民身份号码与第{first_row_of_id[id_number]}行重复",
                    f"the id number repeats row {first_row_of_id[id_number]}",
                    row,
                )
            )
        elif id_number:
            first_row_of_id[id_number] = row
        groups.setdefault(household.number.strip(), []).append((row, household, member))
    existing_households = {
        household.number: household
        for household in Household.objects.filter(number__in=list(groups))
    }
    existing_persons = {
        person.id_number: person for person in Person.objects.with_id_numbers(list(first_row_of_id))
    }
    open_memberships = {
        membership.person_id: membership
        for membership in Membership.objects.filter(
            person__in=list(existing_persons.values()), valid_to__isnull=True
        )
    }
    plan: list[tuple[str, HouseholdIn, list[int]]] = []
    for number, members in groups.items():
        if not number:
            continue  # reported as a required field already
        first_row, household_in, _ = members[0]
        for row, other, _member in members[1:]:
            if (other.address.strip(), other.division_code) != (
                household_in.address.strip(),
                household_in.division_code,
            ):
                issues.append(
                    Issue(
                        "address",
                        f"同一户号{number}的住址或所属村(社区)与第{first_row}行不一致",
                        "rows of one household disagree on address or division",
                        row,
                    )
                )
        if household_in.division_code and not division_in_scope(
            user=acting_user, division_code=household_in.division_code
        ):
            issues.append(
                Issue(
                    "division_code",
                    f"您无权导入区划{household_in.division_code}的家庭",
                    "the division is outside your jurisdiction",
                    first_row,
                )
            )
        whole = HouseholdIn(
            number=number,
            address=household_in.address,
            division_code=household_in.division_code,
            members=tuple(member for _, _, member in members),
        )
        stored = existing_households.get(number)
        cleaned, household_issues = household_in_validate(
            whole,
            today=today,
            row_of_member=[row for row, _, _ in members],
            is_new=stored is None,
        )
        if stored is not None and cleaned.division_code != stored.division_id:
            household_issues.append(
                Issue(
                    "division_code",
                    "已登记家庭的所属村(社区)不能通过导入变更",
                    "an existing household's division cannot change by import",
                    first_row,
                )
            )
        issues.extend(household_issues)
        for (row, _, _), member in zip(members, cleaned.members, strict=True):
            person = existing_persons.get(member.person.id_number)
            if person is None:
                if stored is not None and member.relation == Relation.HEAD:
                    issues.append(
                        Issue(
                            "relation",
                            "已登记家庭的户主不能通过导入变更",
                            "an existing household's head cannot change by import",
                            row,
                        )
                    )
                continue
            membership = open_memberships.get(person.pk)
            in_this = (
                stored is not None
                and membership is not None
                and (membership.household_id == stored.pk)
            )
            if person.death_date is not None:
                issues.append(
                    Issue(
                        "id_number",
                        f"{_who(acting_user, person)}已登记死亡",
                        "the person has died",
                        row,
                    )
                )
            elif membership is not None and not in_this:
                issues.append(
                    Issue(
                        "id_number",
                        "该人员已是另一户的在册成员，请先在系统中办理迁移",
                        "the person belongs to another household; move them first",
                        row,
                    )
                )
            elif in_this and membership.relation != member.relation:
                issues.append(
                    Issue(
                        "relation",
                        "与户主关系的变更请在系统中办理",
                        "a change of relation is done on the household page",
                        row,
                    )
                )
        plan.append((number, cleaned, [row for row, _, _ in members]))
    if issues:
        raise RegistryError(sorted(issues, key=lambda issue: (issue.row or 0, issue.field)))

    created_households = updated_households = created_persons = updated_persons = 0
    for number, household_in, _rows in plan:
        stored = existing_households.get(number)
        if stored is None:
            household_register(acting_user=acting_user, data=household_in, on=on)
            created_households += 1
            created_persons += sum(
                m.person.id_number not in existing_persons for m in household_in.members
            )
            continue
        touched = False
        if stored.address != household_in.address:
            household_update(
                acting_user=acting_user, household=stored, address=household_in.address
            )
            touched = True
        for member in household_in.members:
            person = existing_persons.get(member.person.id_number)
            if person is None:
                household_add_member(
                    acting_user=acting_user,
                    household=stored,
                    person=member.person,
                    relation=member.relation,
                    on=on,
                )
                created_persons += 1
                touched = True
            elif _differs(person, member.person):
                person_update(acting_user=acting_user, person=person, data=member.person)
                updated_persons += 1
        updated_households += touched
    return ImportResult(
        households_created=created_households,
        households_updated=updated_households,
        persons_created=created_persons,
        persons_updated=updated_persons,
        rows=len(rows),
    )


@transaction.atomic
def household_update(*, acting_user: User, household: Household, address: str) -> Household:
    """Change a household's address."""
    registry_write_check(user=acting_user, division_code=household.division_id)
    address = address.strip()
    if not address:
        raise fail("address", "住址不能为空", "the address is required")
    before = household.address
    household.address = address
    household.save(update_fields=["address", "updated_at"])
    audit_record(
        actor=acting_user,
        action="registry.household.update",
        target=household,
        division_code=household.division_id,
        data={"changes": {"address": [before, address]}},
    )
    return household


# ---------------------------------------------------------------------------------------------
# export


def households_export(
    *, acting_user: User, households: Iterable[Household], filters: dict[str, object]
) -> bytes:
    """The households as .xlsx with their current member counts; the export is audited."""
    from minzheng.registry.spreadsheets import households_workbook

    rows = list(households)
    content = households_workbook(rows)
    audit_record(
        actor=acting_user,
        action="registry.household.export",
        target=None,
        division_code=acting_user.division_code,
        data={"filters": filters, "rows": len(rows)},
    )
    return content


def persons_export(
    *, acting_user: User, persons: Iterable[Person], filters: dict[str, object]
) -> bytes:
    """The persons as .xlsx, identifiers masked; the export itself is audited."""
    from minzheng.registry.spreadsheets import persons_workbook

    exported: list[int] = []

    def counted() -> Iterable[Person]:
        for person in persons:
            exported.append(person.pk)
            yield person

    content = persons_workbook(counted())
    safe_filters = {
        key: mask_id_number(value)
        if key in {"q", "id_number"} and isinstance(value, str) and len(value) == 18
        else value
        for key, value in filters.items()
    }
    audit_record(
        actor=acting_user,
        action="registry.person.export",
        target=None,
        division_code=acting_user.division_code,
        data={"filters": safe_filters, "rows": len(exported)},
    )
    return content


# ---------------------------------------------------------------------------------------------
# data keys


def encrypted_models() -> list[type[models.Model]]:
    """Every model that stores encrypted values: it lists them as ENCRYPTED_COLUMNS, pairs
    of (column, crypto field name). Registry persons, and any app's (online applications)."""
    return [model for model in apps.get_models() if getattr(model, "ENCRYPTED_COLUMNS", None)]


def values_reencrypt(
    *, model: type[models.Model], after_pk: int, batch_size: int
) -> tuple[int, int]:
    """Re-encrypt, under the current key, one batch of a model's rows with pk > after_pk.

    Returns (the last pk looked at, or 0 when there is none; how many were re-encrypted). Each
    batch is its own short transaction, so reads go on and a stopped rotation resumes.
    """
    current = crypto.keyring().current
    encrypted = model.ENCRYPTED_COLUMNS
    with transaction.atomic():
        rows = list(
            model.objects.select_for_update()
            .filter(pk__gt=after_pk)
            .order_by("pk")
            .only("pk", *(column for column, _ in encrypted))[:batch_size]
        )
        stale = []
        for row in rows:
            changed = False
            for column, field_name in encrypted:
                token = getattr(row, column)
                if token and crypto.key_id_of(token) != current:
                    value = crypto.decrypt(token, field=field_name)
                    setattr(row, column, crypto.encrypt(value, field=field_name))
                    changed = True
            if changed:
                stale.append(row)
        columns = [column for column, _ in encrypted]
        assignments = ", ".join(f"{column} = %s" for column in columns)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {model._meta.db_table} SET {assignments} WHERE id = %s",  # noqa: S608 - fixed names
                [(*(getattr(row, column) for column in columns), row.pk) for row in stale],
            )
    return (rows[-1].pk if rows else 0), len(stale)


def key_usage() -> dict[str, int]:
    """How many stored values each data key encrypts, over every encrypted model."""
    usage: dict[str, int] = {}
    for model in encrypted_models():
        for column, _ in model.ENCRYPTED_COLUMNS:
            rows = (
                model.objects.exclude(**{column: ""})
                .annotate(key_id=Substr(column, 4, 8))
                .values("key_id")
                .annotate(count=Count("pk"))
                .order_by()
            )
            for row in rows:
                usage[row["key_id"]] = usage.get(row["key_id"], 0) + row["count"]
    return usage


# ---------------------------------------------------------------------------------------------
# reveal

REVEALABLE = {"id_number": "公民身份号码", "phone": "联系电话"}
# Our own rule, not a policy figure: a reason must say something ("核对身份"), not be a mark.
REVEAL_REASON_MIN_LENGTH = 4


@transaction.atomic
def person_reveal(*, acting_user: User, person: Person, field: str, reason: str) -> str:
    """Return one identifier in full; the reveal and its reason go to the audit log."""
    reveal_check(user=acting_user, division_code=person.residence_division_id)
    reason = (reason or "").strip()
    if field not in REVEALABLE:
        raise fail("field", "只能查看公民身份号码或联系电话", "only id_number or phone")
    if len(reason) < REVEAL_REASON_MIN_LENGTH:
        logger.warning(
            "reveal refused without a reason: user %s, person %s", acting_user.pk, person.pk
        )
        raise fail(
            "reason",
            f"请填写查看原因(至少{REVEAL_REASON_MIN_LENGTH}个字)",
            f"give a reason of at least {REVEAL_REASON_MIN_LENGTH} characters",
        )
    value = getattr(person, field)
    audit_record(
        actor=acting_user,
        action="registry.person.reveal",
        target=person,
        division_code=person.residence_division_id,
        data={"field": field, "reason": reason[:500]},
    )
    return value
