"""老年助餐 services: meal points, registrations, meals (one or a file of them), the monthly
settlement of a point, and what a death stops.

Decisions (see docs/eldercare.zh.md, 老年助餐):
- An elder may be registered with several points; a meal is taken only at a point the elder is
  registered with on that day.
- The subsidy follows the elder's category on the day (`meal.categories`: 特困, 低保, 低保边缘
  by the household's active assistance case, then 80+, then 60+), up to the category's number of
  subsidised meals a day counted over every point.
- The same meal of the same day at the same point twice is a double entry: refused. The same
  meal of the same day at another point is recorded at full price (status "duplicate") and the
  town is alerted (`eldercare.meal_duplicate`); a meal past the day's limit is recorded at full
  price ("over_limit").
- Meals after the death date are refused; a meal on the day of death is accepted.
- A closed month of a point takes no more meals; closing it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from openpyxl import Workbook

from minzheng.accounts.models import User
from minzheng.alerts.services import AlertIn, alerts_raise
from minzheng.assistance.models import AssistanceCase
from minzheng.audit.services import audit_record
from minzheng.eldercare.access import field_check, office_check, provider_of, read_prefix
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.meal_models import (
    Meal,
    MealImport,
    MealPoint,
    MealRecord,
    MealRegistration,
    MealSettlement,
    SubsidyStatus,
)
from minzheng.registry.errors import RegistryError
from minzheng.registry.models import Division, Membership, Person
from minzheng.registry.spreadsheets import cell_text, file_rows
from minzheng.rules.parameters import month_end, parameters_at
from minzheng.xlsx import workbook_bytes

CENT = Decimal("0.01")
MAX_PRICE = Decimal("1000")  # a meal dearer than this is a typing error
MAX_IMPORT_ROWS = 20_000
MEAL_LABELS = {"午餐": Meal.LUNCH, "晚餐": Meal.DINNER, "lunch": Meal.LUNCH, "dinner": Meal.DINNER}
IMPORT_COLUMNS = ("公民身份号码", "姓名", "就餐日期", "餐次", "餐费")
REQUIRED_COLUMNS = ("公民身份号码", "就餐日期", "餐次", "餐费")


# --- rules -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MealCategory:
    code: str
    label: str
    program: str  # an assistance programme whose active case puts the elder in it, or ""
    min_age: int
    subsidy: Decimal
    daily_limit: int


def meal_categories(*, on: dt.date) -> list[MealCategory]:
    """The subsidy categories in force on a day, in the order they are tried."""
    raw = parameters_at(f"{on:%Y-%m}").get("meal.categories").value
    return [
        MealCategory(
            code=item["code"],
            label=item["label"],
            program=item.get("program") or "",
            min_age=int(item["min_age"]),
            subsidy=Decimal(str(item["subsidy"])).quantize(CENT),
            daily_limit=int(item["daily_limit"]),
        )
        for item in raw
    ]


def meal_min_age(*, on: dt.date) -> int:
    return int(parameters_at(f"{on:%Y-%m}").get("meal.min_age").value)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def category_for(
    *, age: int, programs: set[str], categories: list[MealCategory]
) -> MealCategory | None:
    """The first category the elder fits: by an active assistance programme, else by age."""
    for category in categories:
        if age < category.min_age:
            continue
        if category.program and category.program not in programs:
            continue
        return category
    return None


@dataclass(frozen=True)
class Subsidised:
    subsidy: Decimal
    status: str
    duplicate_of: int | None  # the index (or record id) of the meal already subsidised


def subsidy_decide(
    *,
    category: MealCategory,
    meal: str,
    price: Decimal,
    day_meals: list[tuple[str, int | None, bool]],
) -> Subsidised:
    """The subsidy of one meal, given the elder's meals of that day recorded before it
    (meal, id, subsidised) at any point: never more subsidised meals than the daily limit, and
    never the same meal subsidised twice."""
    for other_meal, other_id, subsidised in day_meals:
        if subsidised and other_meal == meal:
            return Subsidised(Decimal("0.00"), SubsidyStatus.DUPLICATE, other_id)
    if sum(1 for _, _, subsidised in day_meals if subsidised) >= category.daily_limit:
        return Subsidised(Decimal("0.00"), SubsidyStatus.OVER_LIMIT, None)
    amount = min(category.subsidy, price).quantize(CENT, rounding=ROUND_HALF_UP)
    return Subsidised(amount, SubsidyStatus.SUBSIDISED, None)


# --- access ------------------------------------------------------------------------------------


def meal_record_check(*, user: User, point: MealPoint) -> None:
    """The point's operator (its provider's staff) records meals, as do the office and the
    village workers of the point's division (a village-run point)."""
    provider = provider_of(user)
    if provider is not None and point.operator_id is not None:
        if provider.pk == point.operator_id:
            return
        raise PermissionDenied(_("只能办理本服务商的事项"))
    field_check(user=user, division_code=point.division_code)


# --- meal points and registrations --------------------------------------------------------------


@dataclass(frozen=True)
class MealPointIn:
    name: str
    division_code: str
    address: str
    capacity: int
    operator_id: int | None = None


@transaction.atomic
def meal_point_create(*, acting_user: User, data: MealPointIn) -> MealPoint:
    from minzheng.eldercare.models import Provider

    office_check(user=acting_user, division_code=data.division_code)
    problems = []
    name = data.name.strip()
    if not name:
        problems.append(("name", "请填写助餐点名称", "the name is required"))
    if not data.address.strip():
        problems.append(("address", "请填写助餐点地址", "the address is required"))
    if not Division.objects.filter(code=data.division_code).exists() or len(
        data.division_code
    ) not in (9, 12):
        problems.append(
            (
                "division_code",
                "所在区划应为本市的镇(街道)或村(社区)代码",
                "the division must be a town or village code",
            )
        )
    if not 1 <= data.capacity <= 10_000:
        problems.append(
            ("capacity", "每餐可供餐人数应为1至10000", "capacity must be between 1 and 10000")
        )
    if (
        data.operator_id is not None
        and not Provider.objects.filter(pk=data.operator_id, active=True).exists()
    ):
        problems.append(("operator_id", "运营方不是在约的服务商", "no such active provider"))
    if name and MealPoint.objects.filter(name=name, division_code=data.division_code).exists():
        problems.append(("name", "该区划已有同名助餐点", "a point of that name already exists"))
    if problems:
        raise EldercareError(problems)
    point = MealPoint.objects.create(
        name=name,
        division_code=data.division_code,
        operator_id=data.operator_id,
        address=data.address.strip(),
        capacity=data.capacity,
        created_by=acting_user,
    )
    audit_record(
        actor=acting_user,
        action="eldercare.meal_point.create",
        target=point,
        data={"name": point.name, "operator_id": point.operator_id},
        division_code=point.division_code,
    )
    return point


def _dead_on(person: Person, day: dt.date) -> bool:
    return person.death_date is not None and day > person.death_date


@transaction.atomic
def meal_registration_create(
    *, acting_user: User, point: MealPoint, person: Person, on: dt.date
) -> MealRegistration:
    """Register an elder with a point from `on` (the village worker or the office)."""
    division_code = person.residence_division_id
    field_check(user=acting_user, division_code=division_code)
    field_check(user=acting_user, division_code=point.division_code)
    problems = []
    if not point.active:
        problems.append(("point", "该助餐点已停止运营", "the meal point is not active"))
    if person.death_date is not None and on >= person.death_date:
        problems.append(("person", "该老人已死亡，不能登记助餐", "the person has died"))
    minimum = meal_min_age(on=on)
    if age_on(person.birth_date, on) < minimum:
        problems.append(
            (
                "person",
                f"助餐登记对象应年满{minimum}周岁",
                f"the person must be at least {minimum} years old",
            )
        )
    if MealRegistration.objects.filter(person=person, point=point, valid_to__isnull=True).exists():
        problems.append(("person", "该老人已在本助餐点登记", "already registered with this point"))
    if problems:
        raise EldercareError(problems)
    registration = MealRegistration.objects.create(
        person=person,
        point=point,
        division_code=division_code,
        valid_from=on,
        registered_by=acting_user,
    )
    audit_record(
        actor=acting_user,
        action="eldercare.meal_registration.create",
        target=registration,
        data={"point_id": point.pk, "person_id": person.pk, "valid_from": on.isoformat()},
        division_code=division_code,
    )
    return registration


@transaction.atomic
def meal_registration_end(
    *, acting_user: User, registration: MealRegistration, on: dt.date, reason: str
) -> MealRegistration:
    field_check(user=acting_user, division_code=registration.division_code)
    problems = []
    if registration.valid_to is not None:
        problems.append(("registration", "该登记已终止", "the registration has already ended"))
    elif on < registration.valid_from:
        problems.append(("on", "终止日期早于登记日期", "the end date is before the start"))
    elif registration.point.records.filter(person=registration.person, served_on__gt=on).exists():
        problems.append(("on", "终止日期之后已有就餐记录", "meals are recorded after the end date"))
    if not reason.strip():
        problems.append(("reason", "请填写终止原因", "the reason is required"))
    if problems:
        raise EldercareError(problems)
    registration.valid_to = on
    registration.end_reason = reason.strip()[:100]
    registration.save(update_fields=["valid_to", "end_reason"])
    audit_record(
        actor=acting_user,
        action="eldercare.meal_registration.end",
        target=registration,
        data={"valid_to": on.isoformat(), "reason": registration.end_reason},
        division_code=registration.division_code,
    )
    return registration


# --- meals ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MealIn:
    person: Person
    served_on: dt.date
    meal: str
    price: Decimal
    where: str = ""  # "第3行" in a file, "" for one meal


class ProgramsOn:
    """The assistance programmes of an active case of a person's household, day by day: the
    membership must cover the day and the case's months the day's month."""

    def __init__(self, persons: list[Person], first: dt.date, last: dt.date) -> None:
        memberships = Membership.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=first),
            person__in=persons,
            valid_from__lte=last,
        ).values_list("person_id", "household_id", "valid_from", "valid_to")
        self.households: dict[int, list[tuple[int, dt.date, dt.date | None]]] = defaultdict(list)
        for person_id, household_id, valid_from, valid_to in memberships:
            self.households[person_id].append((household_id, valid_from, valid_to))
        household_ids = {item[0] for items in self.households.values() for item in items}
        self.cases: dict[int, list[tuple[str, dt.date, dt.date | None]]] = defaultdict(list)
        for household_id, program, start, end in AssistanceCase.objects.filter(
            Q(end_month__isnull=True) | Q(end_month__gte=first.replace(day=1)),
            household_id__in=household_ids,
            state="active",
            start_month__lte=last,
        ).values_list("household_id", "program", "start_month", "end_month"):
            self.cases[household_id].append((program, start, end))

    def of(self, person_id: int, day: dt.date) -> set[str]:
        month = day.replace(day=1)
        return {
            program
            for household_id, valid_from, valid_to in self.households.get(person_id, [])
            if valid_from <= day and (valid_to is None or day <= valid_to)
            for program, start, end in self.cases.get(household_id, [])
            if start is not None and start <= month and (end is None or month <= end)
        }


def _meals_add(
    *,
    acting_user: User,
    point: MealPoint,
    meals: list[MealIn],
    today: dt.date,
    batch: MealImport | None,
) -> list[MealRecord]:
    """Check every meal, then record them all (or raise with every problem, recording none)."""
    problems: list[tuple[str, str, str]] = []

    def fail(where: str, field: str, zh: str, en: str) -> None:
        problems.append((f"{where}{field}" if where else field, f"{where}{zh}", en))

    if not point.active:
        fail("", "point", "该助餐点已停止运营", "the meal point is not active")
    if not meals:
        raise EldercareError(problems or [("file", "没有就餐记录", "no meals")])
    persons = {meal.person.pk: meal.person for meal in meals}
    first = min(meal.served_on for meal in meals)
    last = max(meal.served_on for meal in meals)
    registrations: dict[int, list[MealRegistration]] = defaultdict(list)
    for registration in MealRegistration.objects.filter(point=point, person_id__in=persons):
        registrations[registration.person_id].append(registration)
    closed = {
        month.strftime("%Y-%m")
        for month in MealSettlement.objects.filter(point=point).values_list("month", flat=True)
    }
    earlier: dict[tuple[int, dt.date], list[tuple[str, int | None, bool, int]]] = defaultdict(list)
    for record in MealRecord.objects.filter(
        person_id__in=persons, served_on__gte=first, served_on__lte=last
    ).order_by("pk"):
        earlier[(record.person_id, record.served_on)].append(
            (
                record.meal,
                record.pk,
                record.subsidy_status == SubsidyStatus.SUBSIDISED,
                record.point_id,
            )
        )
    programs = ProgramsOn(list(persons.values()), first, last)
    categories_by_month: dict[str, list[MealCategory]] = {}
    new: list[MealRecord] = []
    for meal in meals:
        where, person = meal.where, meal.person
        if meal.meal not in Meal.values:
            fail(where, "meal", "餐次应为午餐或晚餐", "the meal must be lunch or dinner")
        if meal.served_on > today:
            fail(where, "served_on", "就餐日期晚于今天", "the meal date is in the future")
        if not (Decimal("0") < meal.price < MAX_PRICE) or meal.price != meal.price.quantize(CENT):
            fail(
                where,
                "price",
                "餐费应大于0、小于1000元，最多两位小数",
                "the price must be above 0 and below 1000 with at most 2 decimals",
            )
        if not any(
            r.valid_from <= meal.served_on and (r.valid_to is None or meal.served_on <= r.valid_to)
            for r in registrations[person.pk]
        ):
            # no name here: the point may not learn who an unregistered id number is
            fail(
                where,
                "person",
                f"该老人{meal.served_on}未在本助餐点登记，不能记录就餐",
                "the person is not registered with this meal point on that day",
            )
            continue
        if _dead_on(person, meal.served_on):
            fail(
                where,
                "person",
                f"{person.name}已于{person.death_date}死亡，不能记录其后的就餐",
                "the person died before the meal date",
            )
            continue
        if f"{meal.served_on:%Y-%m}" in closed:
            fail(
                where,
                "served_on",
                f"本助餐点{meal.served_on:%Y-%m}已结算，不能再记录该月就餐",
                "the month is already settled for this point",
            )
            continue
        day = earlier[(person.pk, meal.served_on)]
        if any(m == meal.meal and p == point.pk for m, _, _, p in day):
            fail(
                where,
                "meal",
                f"{person.name}{meal.served_on}的{Meal(meal.meal).label}已在本助餐点记录过",
                "this meal is already recorded at this point",
            )
            continue
        month_key = f"{meal.served_on:%Y-%m}"
        if month_key not in categories_by_month:
            categories_by_month[month_key] = meal_categories(on=meal.served_on)
        category = category_for(
            age=age_on(person.birth_date, meal.served_on),
            programs=programs.of(person.pk, meal.served_on),
            categories=categories_by_month[month_key],
        )
        if category is None:
            fail(where, "person", f"{person.name}不属于任何助餐补贴类别", "no subsidy category")
            continue
        decided = subsidy_decide(
            category=category,
            meal=meal.meal,
            price=meal.price,
            day_meals=[(m, i, s) for m, i, s, _ in day],
        )
        record = MealRecord(
            person=person,
            point=point,
            division_code=person.residence_division_id,
            served_on=meal.served_on,
            meal=meal.meal,
            price=meal.price,
            category=category.code,
            subsidy=decided.subsidy,
            own_payment=meal.price - decided.subsidy,
            subsidy_status=decided.status,
            batch=batch,
            recorded_by=acting_user,
        )
        record._duplicate_of_key = decided.duplicate_of  # type: ignore[attr-defined]
        new.append(record)
        # a meal of this file counts for the meals after it; -n names the n-th new record
        day.append((meal.meal, -len(new), decided.status == SubsidyStatus.SUBSIDISED, point.pk))
    if problems:
        raise EldercareError(problems)
    saved = MealRecord.objects.bulk_create(new)
    if not all(record.pk for record in saved):  # backends without RETURNING: read them back
        saved = list(MealRecord.objects.filter(point=point, batch=batch).order_by("pk"))
    by_key = {-(index + 1): record for index, record in enumerate(saved)}
    for record, pending in zip(saved, new, strict=True):
        key = pending._duplicate_of_key  # type: ignore[attr-defined]
        if key is not None:
            record.duplicate_of_id = by_key[key].pk if key < 0 else key
    duplicates = [record for record in saved if record.duplicate_of_id is not None]
    if duplicates:
        MealRecord.objects.bulk_update(duplicates, ["duplicate_of"])
        _duplicates_alert(acting_user=acting_user, records=duplicates, today=today)
    return saved


def _duplicates_alert(*, acting_user: User, records: list[MealRecord], today: dt.date) -> None:
    """One alert per elder, day and meal subsidised twice: to the elder's town to check."""
    firsts = MealRecord.objects.select_related("point").in_bulk(
        [record.duplicate_of_id for record in records]
    )
    alerts = []
    for record in records:
        first = firsts[record.duplicate_of_id]
        alerts.append(
            AlertIn(
                kind="eldercare.meal_duplicate",
                key=f"meal_duplicate:{record.person_id}:{record.served_on}:{record.meal}",
                division_code=record.division_code,
                reason=(
                    f"{record.person.name}{record.served_on}的{Meal(record.meal).label}"
                    f"已在“{first.point.name}”享受补贴，又在“{record.point.name}”就餐，"
                    "第二次未予补贴"
                ),
                data={
                    "record_id": record.pk,
                    "first_record_id": first.pk,
                    "points": [first.point_id, record.point_id],
                },
                person_id=record.person_id,
            )
        )
    alerts_raise(acting_user=acting_user, alerts=alerts, on=today)


@transaction.atomic
def meal_record_create(
    *,
    acting_user: User,
    point: MealPoint,
    person: Person | None,
    served_on: dt.date,
    meal: str,
    price: Decimal,
    today: dt.date,
) -> MealRecord:
    """Record one meal at a point, with the subsidy of the elder's category (`person` None:
    someone never registered with the point)."""
    meal_record_check(user=acting_user, point=point)
    if person is None:
        raise EldercareError.one(
            "person_id",
            "该老人未在本助餐点登记，不能记录就餐",
            "the person is not registered with this meal point",
        )
    (record,) = _meals_add(
        acting_user=acting_user,
        point=point,
        meals=[MealIn(person=person, served_on=served_on, meal=meal, price=price)],
        today=today,
        batch=None,
    )
    audit_record(
        actor=acting_user,
        action="eldercare.meal_record.create",
        target=record,
        data={
            "point_id": point.pk,
            "served_on": served_on.isoformat(),
            "meal": meal,
            "price": str(record.price),
            "subsidy": str(record.subsidy),
            "status": record.subsidy_status,
        },
        division_code=record.division_code,
    )
    return record


def _file_rows(content: bytes, filename: str) -> list[tuple[object, ...]]:
    try:
        return file_rows(content, filename)
    except RegistryError as error:
        raise EldercareError(
            [(issue.field, issue.message_zh, issue.message_en) for issue in error.issues]
        ) from None


def _parse_day(text: str) -> dt.date | None:
    value = text.strip().replace("/", "-").replace(".", "-")
    if len(value) == 8 and value.isascii() and value.isdigit():
        value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _parse_price(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def meal_file_parse(*, content: bytes, filename: str) -> list[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) of a meal file; raise EldercareError for the wrong file."""
    raw_rows = _file_rows(content, filename)
    if not raw_rows:
        raise EldercareError.one("file", "文件是空的", "the file is empty")
    headers = [cell_text(cell).rstrip("*") for cell in raw_rows[0]]
    missing = [column for column in REQUIRED_COLUMNS if column not in headers]
    unknown = [header for header in headers if header and header not in IMPORT_COLUMNS]
    problems = []
    if missing:
        problems.append(
            (
                "file",
                f"缺少列：{'、'.join(missing)}（应有列：{'、'.join(IMPORT_COLUMNS)}）",
                f"missing columns: {', '.join(missing)}",
            )
        )
    if unknown:
        problems.append(
            (
                "file",
                f"无法识别的列：{'、'.join(unknown)}",
                f"unknown columns: {', '.join(unknown)}",
            )
        )
    if problems:
        raise EldercareError(problems)
    if len(raw_rows) - 1 > MAX_IMPORT_ROWS:
        raise EldercareError.one(
            "file", f"一次最多导入{MAX_IMPORT_ROWS}行", f"at most {MAX_IMPORT_ROWS} rows at a time"
        )
    rows = []
    for number, raw in enumerate(raw_rows[1:], start=2):
        values = {
            header: cell_text(raw[index] if index < len(raw) else None)
            for index, header in enumerate(headers)
            if header
        }
        if any(values.values()):
            rows.append((number, values))
    if not rows:
        raise EldercareError.one("file", "文件中没有数据行", "the file has no data rows")
    return rows


@transaction.atomic
def meal_records_import(
    *, acting_user: User, point: MealPoint, content: bytes, filename: str, today: dt.date
) -> MealImport:
    """Import a file of meals for a point: every row, or none with every row's problems."""
    meal_record_check(user=acting_user, point=point)
    rows = meal_file_parse(content=content, filename=filename)
    by_id_number = {
        person.id_number: person
        for person in Person.objects.with_id_numbers(
            sorted({values["公民身份号码"].upper() for _, values in rows if values["公民身份号码"]})
        )
    }
    problems: list[tuple[str, str, str]] = []
    meals: list[MealIn] = []
    for number, values in rows:
        where = f"第{number}行"

        def bad(column: str, zh: str, en: str, where: str = where, number: int = number) -> None:
            problems.append((f"row {number} {column}", f"{where}“{column}”：{zh}", en))

        person = by_id_number.get(values["公民身份号码"].upper())
        if person is None:
            bad("公民身份号码", "查无此人", "no person with this id number")
        elif values.get("姓名") and values["姓名"] != person.name:
            bad("姓名", "姓名与公民身份号码不符", "the name does not match the id number")
        day = _parse_day(values["就餐日期"])
        if day is None:
            bad("就餐日期", "日期格式应为 YYYY-MM-DD", "the date must be YYYY-MM-DD")
        meal = MEAL_LABELS.get(values["餐次"].strip().lower())
        if meal is None:
            bad("餐次", "应为午餐或晚餐", "the meal must be 午餐 or 晚餐")
        price = _parse_price(values["餐费"])
        if price is None:
            bad("餐费", "应为金额（元）", "the price must be an amount in yuan")
        if person is not None and day is not None and meal is not None and price is not None:
            meals.append(MealIn(person=person, served_on=day, meal=meal, price=price, where=where))
    if not meals:
        raise EldercareError(problems)
    batch = MealImport.objects.create(
        point=point,
        filename=filename[:200],
        sha256=hashlib.sha256(content).hexdigest(),
        rows=len(rows),
        imported_by=acting_user,
    )
    try:
        records = _meals_add(
            acting_user=acting_user, point=point, meals=meals, today=today, batch=batch
        )
    except EldercareError as error:
        raise EldercareError(problems + error.problems) from None
    if problems:
        raise EldercareError(problems)
    batch.duplicates = sum(1 for r in records if r.subsidy_status == SubsidyStatus.DUPLICATE)
    batch.save(update_fields=["duplicates"])
    audit_record(
        actor=acting_user,
        action="eldercare.meal_record.import",
        target=batch,
        data={
            "point_id": point.pk,
            "rows": len(records),
            "subsidy": str(sum((r.subsidy for r in records), Decimal("0.00"))),
            "duplicates": batch.duplicates,
            "sha256": batch.sha256,
        },
        division_code=point.division_code,
    )
    return batch


# --- monthly settlement -------------------------------------------------------------------------


def meal_settlement_may_close(*, user: User, point: MealPoint) -> bool:
    try:
        office_check(user=user, division_code=point.division_code)
    except PermissionDenied:
        return False
    return True


@transaction.atomic
def meal_settlement_close(
    *, acting_user: User, point: MealPoint, month: dt.date, today: dt.date
) -> tuple[MealSettlement, bool]:
    """Close a point's month: (settlement, True) the first time, (the same, False) after."""
    office_check(user=acting_user, division_code=point.division_code)
    month = month.replace(day=1)
    existing = MealSettlement.objects.filter(point=point, month=month).first()
    if existing is not None:
        return existing, False
    if month_end(month) >= today:
        raise EldercareError.one(
            "month", f"{month:%Y-%m}尚未结束，不能结算", "the month has not ended yet"
        )
    records = list(
        MealRecord.objects.filter(
            point=point, served_on__gte=month, served_on__lte=month_end(month)
        )
    )
    labels = {category.code: category.label for category in meal_categories(on=month)}
    totals: dict[str, dict[str, Any]] = {}
    for record in records:
        line = totals.setdefault(
            record.category,
            {
                "category": record.category,
                "label": labels.get(record.category, record.category),
                "meals": 0,
                "subsidised": 0,
                "subsidy": Decimal("0.00"),
                "own": Decimal("0.00"),
            },
        )
        line["meals"] += 1
        line["subsidised"] += record.subsidy_status == SubsidyStatus.SUBSIDISED
        line["subsidy"] += record.subsidy
        line["own"] += record.own_payment
    order = list(labels)
    lines = sorted(
        totals.values(),
        key=lambda line: order.index(line["category"]) if line["category"] in order else 99,
    )
    settlement = MealSettlement.objects.create(
        point=point,
        month=month,
        meals=len(records),
        subsidised_meals=sum(line["subsidised"] for line in lines),
        subsidy_total=sum((line["subsidy"] for line in lines), Decimal("0.00")),
        own_total=sum((line["own"] for line in lines), Decimal("0.00")),
        lines=[
            {**line, "subsidy": str(line["subsidy"]), "own": str(line["own"])} for line in lines
        ],
        closed_by=acting_user,
    )
    MealRecord.objects.filter(pk__in=[record.pk for record in records]).update(
        settlement=settlement
    )
    audit_record(
        actor=acting_user,
        action="eldercare.meal_settlement.close",
        target=settlement,
        data={
            "point_id": point.pk,
            "month": f"{month:%Y-%m}",
            "meals": settlement.meals,
            "subsidy_total": str(settlement.subsidy_total),
        },
        division_code=point.division_code,
    )
    return settlement, True


@transaction.atomic
def meal_settlement_export(*, acting_user: User, settlement: MealSettlement) -> bytes:
    """The settlement as .xlsx (summary and every meal, names without id numbers), audited.
    Whoever may read the settlement may export it: the point's operator, the office, the
    village, the auditor."""
    point = settlement.point
    provider = provider_of(acting_user)
    if provider is None or provider.pk != point.operator_id:
        scope = read_prefix(acting_user)
        if scope is None or not point.division_code.startswith(scope):
            raise PermissionDenied(_("您无权查看该助餐点的结算"))
    workbook = Workbook()
    summary = workbook.active
    summary.title = "结算汇总"
    summary.append(["助餐点", point.name])
    summary.append(["月份", f"{settlement.month:%Y-%m}"])
    summary.append(["就餐人次", settlement.meals])
    summary.append(["补贴餐次", settlement.subsidised_meals])
    summary.append(["补贴合计(元)", float(settlement.subsidy_total)])
    summary.append(["个人支付合计(元)", float(settlement.own_total)])
    summary.append([])
    summary.append(["补贴类别", "就餐人次", "补贴餐次", "补贴(元)", "个人支付(元)"])
    for line in settlement.lines:
        summary.append(
            [
                line["label"],
                line["meals"],
                line["subsidised"],
                float(line["subsidy"]),
                float(line["own"]),
            ]
        )
    detail = workbook.create_sheet("就餐明细")
    detail.append(["就餐日期", "餐次", "姓名", "补贴类别", "餐费", "补贴", "个人支付", "补贴情况"])
    labels = {line["category"]: line["label"] for line in settlement.lines}
    for record in settlement.records.select_related("person").order_by("served_on", "meal", "pk"):
        detail.append(
            [
                record.served_on.isoformat(),
                str(Meal(record.meal).label),
                record.person.name,
                labels.get(record.category, record.category),
                float(record.price),
                float(record.subsidy),
                float(record.own_payment),
                str(SubsidyStatus(record.subsidy_status).label),
            ]
        )
    content = workbook_bytes(workbook, stamp=settlement.closed_at)
    audit_record(
        actor=acting_user,
        action="eldercare.meal_settlement.export",
        target=settlement,
        data={"point_id": point.pk, "month": f"{settlement.month:%Y-%m}"},
        division_code=point.division_code,
    )
    return content


# --- death ----------------------------------------------------------------------------------------


@transaction.atomic
def meal_death_effects(*, acting_user: User | None, person: Person, on: dt.date) -> list[str]:
    """End the person's meal registrations at the death date; list the meals recorded after it
    (their subsidy is for the town to recover)."""
    lines = []
    registrations = (
        MealRegistration.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=on), person=person
        )
        .select_related("point")
        .order_by("pk")
    )
    for registration in registrations:
        registration.valid_to = max(on, registration.valid_from)
        registration.end_reason = "死亡"
        registration.save(update_fields=["valid_to", "end_reason"])
        audit_record(
            actor=acting_user,
            action="eldercare.meal_registration.stop",
            target=registration,
            data={"valid_to": registration.valid_to.isoformat(), "death_date": on.isoformat()},
            division_code=registration.division_code,
        )
        lines.append(f"终止在“{registration.point.name}”的助餐登记（{registration.valid_to}）")
    later = MealRecord.objects.filter(person=person, served_on__gt=on)
    count = later.count()
    if count:
        subsidy = sum((record.subsidy for record in later), Decimal("0.00"))
        lines.append(f"死亡日期后有{count}条就餐记录，补贴{subsidy}元，请核实追回")
    return lines
