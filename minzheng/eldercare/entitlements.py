"""Entitlement services: every write of the longevity allowance, the home-service subsidy and
family eldercare beds. Each checks role and jurisdiction (`access`), validates, writes and
records its audit event in one transaction; bad input raises `EldercareError`, nothing changed.

The longevity allowance (尊老金) needs no application (免申即享): `longevity_month_prepare`
computes each month who is due and in which band with the rules package
(`longevity_allowance_person_amount`, age counted from the birthday month), keeps the
effective-dated enrolments in step and builds each town's list for the town to confirm.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

import minzheng.rules.programs  # noqa: F401 - registers the formulas
from minzheng.accounts.models import CITY_CODE, Role, User
from minzheng.assistance.models import AssistanceCase
from minzheng.audit.services import audit_record
from minzheng.eldercare.access import city_check, field_check, office_check
from minzheng.eldercare.care import SERIAL, device_register
from minzheng.eldercare.entitlement_models import (
    EnrolmentEndReason,
    FamilyBed,
    LongevityEnrolment,
    LongevityLine,
    LongevityLineKind,
    LongevityList,
    LongevityListState,
    ServiceSubsidy,
    SubsidyEndReason,
)
from minzheng.eldercare.entitlement_workflows import FAMILY_BED, OPEN_STATES
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import Assessment, Device, Provider, ServicePlan
from minzheng.registry.models import Membership, Person
from minzheng.rules.assess import simulation
from minzheng.rules.inputs import PopulationArrays
from minzheng.rules.parameters import add_months, month_end, parameters_at
from minzheng.workflow.services import transition_check, transition_perform

BANDS = "longevity_allowance.bands"
SUBSIDY_AMOUNTS = "eldercare.service_subsidy.amounts"
SUBSIDY_MIN_AGE = "eldercare.service_subsidy.min_age"
SUBSIDY_MIN_LEVEL = "eldercare.service_subsidy.min_level"
BED_MIN_AGE = "eldercare.family_bed.min_age"
BED_MIN_LEVEL = "eldercare.family_bed.min_level"
BED_COST_CAP = "eldercare.family_bed.cost_cap"

# Households that count as economically disadvantaged, and the case states that count.
DISADVANTAGED_PROGRAMS = ("dibao", "dibao_edge", "extreme_poverty")
PROGRAM_LABELS = {"dibao": "低保", "dibao_edge": "低保边缘", "extreme_poverty": "特困"}
RECEIVING_STATES = ("active", "emergency")
CENT = Decimal("0.01")

DEVICE_KINDS = {
    "sos": "紧急呼叫器（一键呼）",
    "smoke": "烟雾报警器",
    "gas": "燃气报警器",
    "water": "溢水报警器",
    "door": "门磁",
    "presence": "红外/毫米波雷达人体感应",
    "mattress": "智能床垫",
}
ADAPTATION_ITEMS = (
    "扶手",
    "防滑垫",
    "助浴椅",
    "床边护栏",
    "感应夜灯",
    "坐便器增高",
    "地面高差处理",
    "护理床",
)
# The kinds the care part's device register (alarms) knows; a smart mattress stays on the bed.
CARE_DEVICE_TYPES = {
    "sos": "sos",
    "smoke": "smoke",
    "gas": "gas",
    "water": "water",
    "door": "door",
    "presence": "inactivity",
}
TOWN_ROLES = frozenset({Role.TOWN_CLERK, Role.TOWN_APPROVER})


def _month(on: dt.date) -> dt.date:
    return on.replace(day=1)


def _yuan(value: float | int | str | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


# --- longevity allowance: the rules -------------------------------------------------------


def longevity_due(
    *,
    birth_dates: list[dt.date],
    is_local: list[bool],
    is_deceased: list[bool],
    month: dt.date,
) -> tuple[np.ndarray, np.ndarray]:
    """Each person's band (its lowest age, 0 when not due) and monthly amount in `month`.

    The rules package decides (`longevity_allowance_person_amount`): alive, local hukou, age
    counted from the birthday month, the band's amount from `longevity_allowance.bands`.
    """
    count = len(birth_dates)
    if count == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    as_of = f"{month:%Y-%m}"
    arrays = PopulationArrays(
        persons={
            "birth_year": np.fromiter((day.year for day in birth_dates), np.int32, count),
            "birth_month": np.fromiter((day.month for day in birth_dates), np.int32, count),
            "hukou_local": np.asarray(is_local, dtype=bool),
            "deceased": np.asarray(is_deceased, dtype=bool),
        },
        households={},
        household_index=np.zeros(count, dtype=np.int64),
        household_ids=["city"],
    )
    sim = simulation(arrays, as_of)
    amounts = sim("longevity_allowance_person_amount")
    bands = sorted(parameters_at(as_of).get(BANDS).value, key=lambda band: band["min_age"])
    thresholds = np.array([band["min_age"] for band in bands])
    index = np.searchsorted(thresholds, sim("age"), side="right") - 1
    min_ages = np.where(amounts > 0, thresholds[np.maximum(index, 0)], 0)
    return min_ages, amounts


@dataclass(frozen=True)
class LongevityPrepareResult:
    month: dt.date
    persons: int  # assessed by the rules
    lists: int  # town lists built (or rebuilt)
    frozen: list[str]  # towns whose confirmed list was left alone
    counts: dict[str, int]
    total: Decimal
    seconds: float


def _prepare_check(*, month: dt.date, today: dt.date) -> None:
    problems = []
    if month.day != 1:
        problems.append(("month", "月份应为某月1日", "the month must be a first of the month"))
    elif month > add_months(_month(today), 1):
        problems.append(
            ("month", "只能生成本月或下月的名单", "only this month's or next month's list")
        )
    elif LongevityList.objects.filter(month__gt=month).exists():
        problems.append(
            (
                "month",
                "已有更晚月份的名单，不能重新生成以前月份",
                "a later month's list exists; earlier months cannot be prepared again",
            )
        )
    if problems:
        raise EldercareError(problems)


INSERT_CHUNK = 5000


@dataclass
class _Enrolment:
    """An enrolment as the monthly run reads and writes it (no model instance per row)."""

    pk: int | None
    person_id: int
    division_code: str
    min_age: int
    amount: Decimal
    valid_from: dt.date
    valid_to: dt.date | None
    end_reason: str


def _insert(
    model: type[models.Model],
    fields: list[str],
    rows: list[tuple[Any, ...]],
    *,
    extra: dict[str, Any] | None = None,
    objects: list[Any] | None = None,
) -> None:
    """Insert many rows in few statements, without building a model instance for each (the
    monthly run writes tens of thousands). `extra` adds columns computed from `objects`."""
    if not rows:
        return
    extra = extra or {}
    if extra:
        rows = [
            (*row, *(value(item) for value in extra.values()))
            for row, item in zip(rows, objects or [], strict=True)
        ]
    meta = model._meta
    columns = [meta.get_field(name) for name in [*fields, *extra]]
    operations = connection.ops
    adapters: list[Any] = []
    for column in columns:
        if isinstance(column, models.DateTimeField):
            adapters.append(operations.adapt_datetimefield_value)
        elif isinstance(column, models.DateField):
            adapters.append(operations.adapt_datefield_value)
        elif isinstance(column, models.DecimalField):
            adapters.append(
                lambda value, column=column: operations.adapt_decimalfield_value(
                    value, column.max_digits, column.decimal_places
                )
            )
        else:
            adapters.append(None)
    table = operations.quote_name(meta.db_table)
    names = ", ".join(operations.quote_name(column.column) for column in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608 - the model's names
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # COPY: one stream, no statement per row
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        for start in range(0, len(rows), INSERT_CHUNK):
            cursor.executemany(
                sql,
                [
                    tuple(
                        value if adapter is None or value is None else adapter(value)
                        for adapter, value in zip(adapters, row, strict=True)
                    )
                    for row in rows[start : start + INSERT_CHUNK]
                ],
            )


@transaction.atomic
def longevity_month_prepare(
    *, acting_user: User | None, month: dt.date, today: dt.date
) -> LongevityPrepareResult:
    """Enrol, re-band and stop from `month`, and build each town's list of the month.

    `acting_user` is None for the nightly run, otherwise the city's eldercare staff. Running it
    again changes only what changed since; a town's confirmed list is frozen (its people are
    left as they were for this month and taken up the next month).
    """
    started = time.perf_counter()
    if acting_user is not None:
        city_check(user=acting_user)
    _prepare_check(month=month, today=today)
    previous = add_months(month, -1)
    bands = parameters_at(f"{month:%Y-%m}").get(BANDS).value
    youngest = min(band["min_age"] for band in bands)
    # Born on or before the last day of the month `youngest` years ago: of age this month.
    born_before = add_months(dt.date(month.year - youngest, month.month, 1), 1)
    recent = LongevityEnrolment.objects.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=previous))
    in_city = Membership.objects.filter(person=OuterRef("pk")).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=month)
    )
    persons = list(
        Person.objects.filter(
            Q(
                birth_date__lt=born_before,
                hukou_division__code__startswith=CITY_CODE,
                death_date__isnull=True,
            )
            | Q(birth_date__lt=born_before, death_date__gte=previous)
            | Q(pk__in=recent.values("person_id"))
        )
        .annotate(in_city=Exists(in_city))
        .values_list(
            "pk",
            "birth_date",
            "hukou_division_id",
            "residence_division_id",
            "death_date",
            "in_city",
        )
    )
    is_local = [
        hukou.startswith(CITY_CODE) and bool(present)
        for _pk, _birth, hukou, _residence, _death, present in persons
    ]
    is_deceased = [death is not None and death < month for *_rest, death, _present in persons]
    min_ages, amounts = longevity_due(
        birth_dates=[row[1] for row in persons],
        is_local=is_local,
        is_deceased=is_deceased,
        month=month,
    )
    rows = [
        _Enrolment(*values)
        for values in recent.values_list(
            "pk",
            "person_id",
            "division_code",
            "min_age",
            "amount",
            "valid_from",
            "valid_to",
            "end_reason",
        )
    ]
    at_previous = {
        row.person_id: row
        for row in rows
        if row.valid_from <= previous and (row.valid_to is None or row.valid_to >= previous)
    }
    at_month = {
        row.person_id: row
        for row in rows
        if row.valid_from <= month and (row.valid_to is None or row.valid_to >= month)
    }
    frozen = set(
        LongevityList.objects.filter(month=month, state=LongevityListState.CONFIRMED).values_list(
            "division_code", flat=True
        )
    )
    to_close: list[_Enrolment] = []
    to_delete: list[int] = []
    to_create: list[_Enrolment] = []
    stop_reason: dict[int, str] = {}
    death_dates: dict[int, dt.date | None] = {}
    for index, (pk, _birth, hukou, residence, death, _present) in enumerate(persons):
        death_dates[pk] = death
        current = at_month.get(pk)
        before = at_previous.get(pk)
        home = hukou if len(hukou) >= 9 else residence
        town = (current or before).division_code[:9] if (current or before) else home[:9]
        if town in frozen:
            continue
        due = int(min_ages[index]), _yuan(round(float(amounts[index]), 2))
        if due[0]:
            if current is not None and (current.min_age, current.amount) == due:
                continue
            row = _Enrolment(None, pk, home, due[0], due[1], month, None, "")
            if current is not None:
                row.division_code = current.division_code
                row.valid_to, row.end_reason = current.valid_to, current.end_reason
                if current.valid_from == month:  # an unconfirmed draft of this month
                    to_delete.append(current.pk)
                else:
                    current.valid_to, current.end_reason = previous, EnrolmentEndReason.BAND
                    to_close.append(current)
            to_create.append(row)
            at_month[pk] = row
            continue
        reason = (
            EnrolmentEndReason.DEATH
            if is_deceased[index]
            else EnrolmentEndReason.NOT_ELIGIBLE
            if is_local[index]
            else EnrolmentEndReason.LEFT_CITY
        )
        stop_reason[pk] = reason
        if current is None:
            continue
        if current.valid_from == month:
            to_delete.append(current.pk)
        else:
            current.valid_to, current.end_reason = previous, reason
            to_close.append(current)
        del at_month[pk]
    if to_delete:
        LongevityEnrolment.objects.filter(pk__in=to_delete).delete()
    closing: dict[tuple[dt.date, str], list[int]] = defaultdict(list)
    for row in to_close:
        closing[row.valid_to, row.end_reason].append(row.pk)
    for (valid_to, end_reason), pks in closing.items():
        for start in range(0, len(pks), INSERT_CHUNK):
            LongevityEnrolment.objects.filter(pk__in=pks[start : start + INSERT_CHUNK]).update(
                valid_to=valid_to, end_reason=end_reason
            )
    created_at = timezone.now()
    _insert(
        LongevityEnrolment,
        ["person", "division_code", "min_age", "amount", "valid_from", "valid_to"],
        [
            (
                row.person_id,
                row.division_code,
                row.min_age,
                row.amount,
                row.valid_from,
                row.valid_to,
            )
            for row in to_create
        ],
        extra={"end_reason": lambda row: row.end_reason, "created_at": lambda row: created_at},
        objects=to_create,
    )

    lines: dict[str, list[tuple[Any, ...]]] = defaultdict(list)  # LongevityLine's columns
    for pk in at_month.keys() | at_previous.keys():
        now, before = at_month.get(pk), at_previous.get(pk)
        town = (now or before).division_code[:9]
        if town in frozen:
            continue
        if now is None:
            reason = stop_reason.get(pk) or before.end_reason or EnrolmentEndReason.NOT_ELIGIBLE
            text = str(EnrolmentEndReason(reason).label)
            if reason == EnrolmentEndReason.DEATH and death_dates.get(pk):
                text = f"{text}（{death_dates[pk]:%Y-%m-%d}）"
            kind, amount, text = LongevityLineKind.STOPPED, Decimal("0.00"), text
        elif before is None:
            kind, amount, text = LongevityLineKind.NEW, now.amount, f"年满{now.min_age}周岁"
        elif (before.min_age, before.amount) == (now.min_age, now.amount):
            kind, amount, text = LongevityLineKind.CONTINUED, now.amount, ""
        else:
            kind, amount = LongevityLineKind.CHANGED, now.amount
            text = f"{before.min_age}周岁段调至{now.min_age}周岁段"
        lines[town].append(
            (
                pk,
                (now or before).division_code,
                kind,
                now.min_age if now else None,
                amount,
                before.amount if before else None,
                text,
            )
        )
    LongevityList.objects.filter(month=month, state=LongevityListState.PREPARED).delete()
    prepared_at = timezone.now()
    lists = []
    for town, town_lines in sorted(lines.items()):
        by_kind: dict[str, int] = defaultdict(int)
        for line in town_lines:
            by_kind[line[2]] += 1
        lists.append(
            LongevityList(
                month=month,
                division_code=town,
                new_count=by_kind[LongevityLineKind.NEW],
                changed_count=by_kind[LongevityLineKind.CHANGED],
                stopped_count=by_kind[LongevityLineKind.STOPPED],
                continued_count=by_kind[LongevityLineKind.CONTINUED],
                total=sum((line[4] for line in town_lines), Decimal("0.00")),
                prepared_at=prepared_at,
            )
        )
    LongevityList.objects.bulk_create(lists)
    made = dict(LongevityList.objects.filter(month=month).values_list("division_code", "pk"))
    _insert(
        LongevityLine,
        [
            "list",
            "person",
            "division_code",
            "kind",
            "min_age",
            "amount",
            "previous_amount",
            "reason",
        ],
        [(made[town], *line) for town, town_lines in lines.items() for line in town_lines],
    )
    counts = {
        kind.value: sum(getattr(item, f"{kind.value}_count") for item in lists)
        for kind in LongevityLineKind
    }
    total = sum((item.total for item in lists), Decimal("0.00"))
    audit_record(
        actor=acting_user,
        action="eldercare.longevity.prepare",
        target=None,
        division_code=CITY_CODE,
        data={
            "month": f"{month:%Y-%m}",
            "lists": len(lists),
            "frozen": sorted(frozen),
            **counts,
            "total": str(total),
        },
    )
    return LongevityPrepareResult(
        month=month,
        persons=len(persons),
        lists=len(lists),
        frozen=sorted(frozen),
        counts=counts,
        total=total,
        seconds=round(time.perf_counter() - started, 3),
    )


@transaction.atomic
def longevity_list_confirm(*, acting_user: User, longevity_list: LongevityList) -> LongevityList:
    """The town office confirms its own town's list of a month; the list is then frozen."""
    allowed = acting_user.is_superuser or acting_user.role in TOWN_ROLES
    if not allowed:
        raise PermissionDenied(_("只有本镇（街道）的养老服务经办人员可以确认尊老金名单"))
    office_check(user=acting_user, division_code=longevity_list.division_code)
    LongevityList.objects.select_for_update().filter(pk=longevity_list.pk).exists()
    longevity_list.refresh_from_db()
    if longevity_list.is_confirmed:
        confirmed_at = timezone.localtime(longevity_list.confirmed_at)
        raise EldercareError.one(
            "list",
            f"{longevity_list.month:%Y-%m}的名单已于{confirmed_at:%Y-%m-%d %H:%M}确认",
            "the list is already confirmed",
        )
    longevity_list.state = LongevityListState.CONFIRMED
    longevity_list.confirmed_by = acting_user
    longevity_list.confirmed_at = timezone.now()
    longevity_list.save(update_fields=["state", "confirmed_by", "confirmed_at"])
    audit_record(
        actor=acting_user,
        action="eldercare.longevity.confirm",
        target=longevity_list,
        division_code=longevity_list.division_code,
        data={
            "month": f"{longevity_list.month:%Y-%m}",
            "paid": longevity_list.paid_count,
            "stopped": longevity_list.stopped_count,
            "total": str(longevity_list.total),
        },
    )
    return longevity_list


def _list_confirmed(division_code: str, month: dt.date) -> bool:
    return LongevityList.objects.filter(
        division_code=division_code[:9], month=month, state=LongevityListState.CONFIRMED
    ).exists()


def _end_enrolment(
    *, acting_user: User | None, person: Person, last_month: dt.date, reason: str, why: str
) -> str | None:
    """Close the person's open enrolment after `last_month`; a draft of a later month that no
    town has confirmed is withdrawn. Return the line to show, or None."""
    row = LongevityEnrolment.objects.filter(person=person, valid_to__isnull=True).first()
    if row is None:
        return None
    if row.valid_from > last_month and not _list_confirmed(row.division_code, row.valid_from):
        row.delete()
        text = f"尊老金：撤销{row.valid_from:%Y-%m}起的享受记录（{why}）"
    else:
        row.valid_to = max(last_month, row.valid_from)
        row.end_reason = reason
        row.save(update_fields=["valid_to", "end_reason"])
        text = f"尊老金：{row.valid_to:%Y-%m}后停发（{why}）"
    audit_record(
        actor=acting_user,
        action="eldercare.longevity.stop",
        target=person,
        division_code=row.division_code,
        data={"last_month": f"{last_month:%Y-%m}", "reason": reason},
    )
    return text


def _end_subsidy(
    *, acting_user: User | None, person: Person, last_month: dt.date, reason: str, why: str
) -> str | None:
    subsidy = ServiceSubsidy.objects.filter(person=person, valid_to__isnull=True).first()
    if subsidy is None:
        return None
    subsidy.valid_to = max(last_month, subsidy.valid_from)
    subsidy.end_reason = reason
    subsidy.save(update_fields=["valid_to", "end_reason"])
    audit_record(
        actor=acting_user,
        action="eldercare.service_subsidy.stop",
        target=subsidy,
        division_code=subsidy.division_code,
        data={"last_month": f"{subsidy.valid_to:%Y-%m}", "reason": reason},
    )
    return f"居家养老服务补贴：{subsidy.valid_to:%Y-%m}后停发（{why}）"


@transaction.atomic
def entitlement_death_effects(*, acting_user: User, person: Person, on: dt.date) -> list[str]:
    """Stop what the entitlements give a person who died on `on`: the longevity allowance and
    the home-service subsidy after the month of death, and any open family bed (撤床)."""
    why = f"{on:%Y-%m-%d}死亡"
    done = [
        _end_enrolment(
            acting_user=acting_user,
            person=person,
            last_month=_month(on),
            reason=EnrolmentEndReason.DEATH,
            why=why,
        ),
        _end_subsidy(
            acting_user=acting_user,
            person=person,
            last_month=_month(on),
            reason=SubsidyEndReason.DEATH,
            why=why,
        ),
    ]
    for bed in FamilyBed.objects.filter(person=person, state__in=OPEN_STATES):
        transition_perform(
            workflow=FAMILY_BED,
            case=bed,
            name="stop",
            acting_user=acting_user,
            on=on,
            note=why,
            changes={"ended_on": on, "end_reason": why},
        )
        done.append(f"家庭养老床位{bed.number}：撤床（{why}）")
    return [line for line in done if line]


@transaction.atomic
def entitlement_leave_city_effects(*, acting_user: User, person: Person, on: dt.date) -> list[str]:
    """Stop the longevity allowance and the home-service subsidy of a person whose hukou moved
    out of the city on `on`, after that month (the monthly run finds it too)."""
    why = f"{on:%Y-%m-%d}户籍迁出本市"
    done = [
        _end_enrolment(
            acting_user=acting_user,
            person=person,
            last_month=_month(on),
            reason=EnrolmentEndReason.LEFT_CITY,
            why=why,
        ),
        _end_subsidy(
            acting_user=acting_user,
            person=person,
            last_month=_month(on),
            reason=SubsidyEndReason.LEFT_CITY,
            why=why,
        ),
    ]
    return [line for line in done if line]


# --- home-service subsidy (居家养老服务补贴) -------------------------------------------------


@dataclass(frozen=True)
class SubsidyCheck:
    """Whether a person may be granted the subsidy in a month, and why (not)."""

    is_eligible: bool
    reasons: list[str]  # Chinese, one per condition, met or not
    amount: Decimal | None = None
    level: int | None = None
    assessment: Assessment | None = None
    case: AssistanceCase | None = None
    problems: list[tuple[str, str, str]] = field(default_factory=list)


def _age_in(person: Person, month: dt.date) -> int:
    """Whole years reached by `month`, counted from the birthday month (as the rules do)."""
    return (
        month.year * 12 + month.month - person.birth_date.year * 12 - person.birth_date.month
    ) // 12


def latest_assessment(person: Person, on: dt.date) -> Assessment | None:
    return (
        Assessment.objects.filter(person=person, assessed_on__lte=on)
        .order_by("-assessed_on", "-pk")
        .first()
    )


def disadvantaged_case(person: Person, month: dt.date) -> AssistanceCase | None:
    """The assistance case that makes the person's household economically disadvantaged in
    `month` (dibao, dibao_edge or extreme_poverty, receiving), or None."""
    households = Membership.objects.filter(person=person, valid_from__lte=add_months(month, 1))
    households = households.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month))
    return (
        AssistanceCase.objects.filter(
            household__in=households.values("household_id"),
            program__in=DISADVANTAGED_PROGRAMS,
            state__in=RECEIVING_STATES,
            start_month__lte=month,
        )
        .filter(Q(end_month__isnull=True) | Q(end_month__gte=month))
        .order_by("program", "-pk")
        .first()
    )


def _economic_and_ability(
    person: Person, month: dt.date, *, min_age: int, min_level: int, what: str
) -> tuple[list[tuple[bool, str, tuple[str, str, str]]], Assessment | None, AssistanceCase | None]:
    """The conditions shared by the subsidy and the family bed: each (met, text, problem)."""
    age = _age_in(person, month)
    assessment = latest_assessment(person, month_end(month))
    case = disadvantaged_case(person, month)
    alive = person.death_date is None or person.death_date >= month
    level_text = (
        f"最近一次能力评估（{assessment.assessed_on:%Y-%m-%d}）为{assessment.get_level_display()}"
        if assessment
        else "尚无能力评估"
    )
    conditions = [
        (
            alive,
            "在世" if alive else f"已于{person.death_date:%Y-%m-%d}死亡",
            ("person", f"{person.name}已死亡", "the person has died"),
        ),
        (
            age >= min_age,
            f"{age}周岁（须年满{min_age}周岁）",
            ("person", f"{person.name}未满{min_age}周岁", f"younger than {min_age}"),
        ),
        (
            assessment is not None and assessment.level >= min_level,
            f"{level_text}（须{min_level}级及以上）",
            (
                "assessment",
                f"{what}须能力等级{min_level}级及以上：{level_text}",
                f"needs an assessed ability level of {min_level} or worse",
            ),
        ),
        (
            case is not None,
            f"家庭享受{PROGRAM_LABELS[case.program]}（{case.number}）"
            if case
            else "家庭未享受低保、低保边缘或特困救助供养",
            (
                "case",
                f"{what}限低保、低保边缘或特困家庭的老人",
                "the household receives no dibao, dibao_edge or extreme_poverty",
            ),
        ),
    ]
    return conditions, assessment, case


def service_subsidy_check(*, person: Person, month: dt.date) -> SubsidyCheck:
    """Apply the subsidy's conditions to a person in a month, with the reasons (rules §8.2)."""
    parameters = parameters_at(f"{month:%Y-%m}")
    conditions, assessment, case = _economic_and_ability(
        person,
        month,
        min_age=parameters.get(SUBSIDY_MIN_AGE).value,
        min_level=parameters.get(SUBSIDY_MIN_LEVEL).value,
        what="居家养老服务补贴",
    )
    is_eligible = all(met for met, _text, _problem in conditions)
    amount = None
    if is_eligible and assessment is not None:
        by_level = {row["level"]: row["amount"] for row in parameters.get(SUBSIDY_AMOUNTS).value}
        amount = _yuan(by_level[max(level for level in by_level if level <= assessment.level)])
    return SubsidyCheck(
        is_eligible=is_eligible,
        reasons=[("✓ " if met else "✗ ") + text for met, text, _problem in conditions],
        amount=amount,
        level=assessment.level if assessment else None,
        assessment=assessment,
        case=case,
        problems=[problem for met, _text, problem in conditions if not met],
    )


@transaction.atomic
def service_subsidy_grant(
    *, acting_user: User, person: Person, start_month: dt.date, on: dt.date, note: str = ""
) -> ServiceSubsidy:
    """The office grants the subsidy from a month after checking the conditions."""
    division_code = person.residence_division_id
    office_check(user=acting_user, division_code=division_code)
    Person.objects.select_for_update().filter(pk=person.pk).exists()
    if start_month.day != 1:
        raise EldercareError.one("start_month", "起始月份应为某月1日", "a first of the month")
    current = ServiceSubsidy.objects.filter(person=person, valid_to__isnull=True).first()
    if current is not None:
        raise EldercareError.one(
            "person",
            f"{person.name}自{current.valid_from:%Y-%m}起已享受居家养老服务补贴",
            "the person already receives the subsidy",
        )
    check = service_subsidy_check(person=person, month=start_month)
    if not check.is_eligible:
        raise EldercareError(check.problems)
    subsidy = ServiceSubsidy.objects.create(
        person=person,
        division_code=division_code,
        assessment=check.assessment,
        level=check.level,
        case=check.case,
        program=check.case.program,
        amount=check.amount,
        valid_from=start_month,
        note=note.strip(),
        granted_by=acting_user,
        granted_on=on,
    )
    audit_record(
        actor=acting_user,
        action="eldercare.service_subsidy.grant",
        target=subsidy,
        division_code=division_code,
        data={
            "person_id": person.pk,
            "from": f"{start_month:%Y-%m}",
            "amount": str(subsidy.amount),
            "level": subsidy.level,
            "program": subsidy.program,
        },
    )
    return subsidy


@transaction.atomic
def service_subsidy_stop(
    *, acting_user: User, subsidy: ServiceSubsidy, last_month: dt.date, reason: str
) -> ServiceSubsidy:
    """The office stops a subsidy after its last month."""
    office_check(user=acting_user, division_code=subsidy.division_code)
    ServiceSubsidy.objects.select_for_update().filter(pk=subsidy.pk).exists()
    subsidy.refresh_from_db()
    problems = []
    if subsidy.valid_to is not None:
        problems.append(("subsidy", f"该补贴已于{subsidy.valid_to:%Y-%m}后停发", "already stopped"))
    if last_month.day != 1:
        problems.append(("last_month", "最后发放月份应为某月1日", "a first of the month"))
    elif last_month < subsidy.valid_from:
        problems.append(
            (
                "last_month",
                f"最后发放月份不能早于起始月份{subsidy.valid_from:%Y-%m}",
                "the last month precedes the first",
            )
        )
    if reason not in SubsidyEndReason.values:
        problems.append(("reason", "请选择停发原因", "choose a reason"))
    if problems:
        raise EldercareError(problems)
    subsidy.valid_to = last_month
    subsidy.end_reason = reason
    subsidy.save(update_fields=["valid_to", "end_reason"])
    audit_record(
        actor=acting_user,
        action="eldercare.service_subsidy.stop",
        target=subsidy,
        division_code=subsidy.division_code,
        data={"last_month": f"{last_month:%Y-%m}", "reason": reason},
    )
    return subsidy


# --- family eldercare beds (家庭养老床位) ---------------------------------------------------


def _bed_number(on: dt.date) -> str:
    prefix = f"JC{on:%Y%m}"
    last = (
        FamilyBed.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{int(last[len(prefix) :]) + 1 if last else 1:05d}"


def family_bed_check(
    *, person: Person, on: dt.date
) -> list[tuple[bool, str, tuple[str, str, str]]]:
    """The family bed's conditions for a person on a day, each (met, text, problem)."""
    parameters = parameters_at(f"{on:%Y-%m}")
    conditions, _assessment, _case = _economic_and_ability(
        person,
        _month(on),
        min_age=parameters.get(BED_MIN_AGE).value,
        min_level=parameters.get(BED_MIN_LEVEL).value,
        what="家庭养老床位",
    )
    return conditions


@transaction.atomic
def family_bed_apply(
    *, acting_user: User, person: Person, address: str, on: dt.date, note: str = ""
) -> FamilyBed:
    """Open a family bed case for an elder (the village or the town office)."""
    division_code = person.residence_division_id
    field_check(user=acting_user, division_code=division_code)
    problems = []
    if not address.strip():
        problems.append(("address", "请填写床位地址", "the address is required"))
    if FamilyBed.objects.filter(person=person, state__in=OPEN_STATES).exists():
        problems.append(("person", f"{person.name}已有办理中的家庭养老床位", "a bed is open"))
    conditions = family_bed_check(person=person, on=on)
    problems += [problem for met, _text, problem in conditions[:2] if not met]  # alive, age
    if problems:
        raise EldercareError(problems)
    bed = FamilyBed(
        number=_bed_number(on),
        person=person,
        division_code=division_code,
        address=address.strip(),
        applied_on=on,
    )
    transition_perform(
        workflow=FAMILY_BED, case=bed, name="apply", acting_user=acting_user, on=on, note=note
    )
    return bed


@transaction.atomic
def family_bed_assess(
    *, acting_user: User, bed: FamilyBed, assessment: Assessment, on: dt.date
) -> FamilyBed:
    """Link the elder's ability assessment; the conditions must all be met."""
    transition_check(workflow=FAMILY_BED, case=bed, name="assess", acting_user=acting_user)
    problems = []
    if assessment.person_id != bed.person_id:
        problems.append(("assessment", "该评估不是本床位老人的评估", "another person's assessment"))
    else:
        conditions = family_bed_check(person=bed.person, on=on)
        problems += [problem for met, _text, problem in conditions if not met]
        latest = latest_assessment(bed.person, on)
        if latest is not None and latest.pk != assessment.pk:
            problems.append(
                (
                    "assessment",
                    f"请关联最近一次评估（{latest.assessed_on:%Y-%m-%d}）",
                    "link the latest assessment",
                )
            )
    if problems:
        raise EldercareError(problems)
    transition_perform(
        workflow=FAMILY_BED,
        case=bed,
        name="assess",
        acting_user=acting_user,
        on=on,
        note=f"能力等级：{assessment.get_level_display()}",
        data={"assessment_id": assessment.pk, "level": assessment.level},
        changes={"assessment": assessment},
    )
    return bed


def _cost_problems(bed: FamilyBed, total: Decimal, on: dt.date) -> list[tuple[str, str, str]]:
    cap = _yuan(parameters_at(f"{on:%Y-%m}").get(BED_COST_CAP).value)
    if total > cap:
        return [
            (
                "cost",
                f"适老化改造和智能设备合计{total}元，超过每张床位{cap}元的上限",
                f"the bed costs {total}, above the cap of {cap}",
            )
        ]
    return []


def _devices_cost(bed: FamilyBed) -> Decimal:
    return sum((Decimal(device["cost"]) for device in bed.devices), Decimal("0.00"))


def _adaptations_cost(bed: FamilyBed) -> Decimal:
    return sum((Decimal(item["cost"]) for item in bed.adaptations), Decimal("0.00"))


@transaction.atomic
def family_bed_adapt(
    *, acting_user: User, bed: FamilyBed, items: list[tuple[str, Decimal]], on: dt.date
) -> FamilyBed:
    """Record the home adaptation items and their cost (within the bed's cost cap)."""
    transition_check(workflow=FAMILY_BED, case=bed, name="adapt", acting_user=acting_user)
    problems = []
    if not items:
        problems.append(("items", "请至少登记一项适老化改造", "at least one item"))
    for number, (item, cost) in enumerate(items, start=1):
        if not item.strip():
            problems.append((f"items.{number}", f"第{number}项：请填写改造项目", "item missing"))
        if cost < 0:
            problems.append((f"items.{number}", f"第{number}项：费用不能为负", "negative cost"))
    total = sum((_yuan(cost) for _item, cost in items), Decimal("0.00"))
    problems += _cost_problems(bed, total + _devices_cost(bed), on)
    if problems:
        raise EldercareError(problems)
    adaptations = [{"item": item.strip(), "cost": str(_yuan(cost))} for item, cost in items]
    transition_perform(
        workflow=FAMILY_BED,
        case=bed,
        name="adapt",
        acting_user=acting_user,
        on=on,
        note=f"{len(items)}项，{total}元",
        data={"items": adaptations},
        changes={"adaptations": adaptations, "build_cost": total + _devices_cost(bed)},
    )
    return bed


@transaction.atomic
def family_bed_install(
    *, acting_user: User, bed: FamilyBed, devices: list[tuple[str, str, Decimal]], on: dt.date
) -> FamilyBed:
    """Record the devices installed: kind, serial number and cost (within the cost cap)."""
    transition_check(workflow=FAMILY_BED, case=bed, name="install", acting_user=acting_user)
    problems = []
    if not devices:
        problems.append(("devices", "请至少登记一台智能设备", "at least one device"))
    serials = [serial.strip() for _kind, serial, _cost in devices]
    for number, (kind, serial, cost) in enumerate(devices, start=1):
        if kind not in DEVICE_KINDS:
            problems.append((f"devices.{number}", f"第{number}台：设备类型无效", "unknown kind"))
        if not SERIAL.match(serial.strip()):
            problems.append(
                (
                    f"devices.{number}",
                    f"第{number}台：设备编号应为4-40位字母、数字或连字符",
                    "serial: 4-40 letters, digits, -",
                )
            )
        if cost < 0:
            problems.append((f"devices.{number}", f"第{number}台：费用不能为负", "negative cost"))
    if len(set(serials)) != len(serials):
        problems.append(("devices", "设备编号重复", "a serial number is repeated"))
    used = [
        serial
        for other in FamilyBed.objects.exclude(pk=bed.pk).exclude(devices=[])
        for device in other.devices
        if (serial := device["serial"]) in serials
    ]
    used += list(
        Device.objects.filter(serial__in=serials)
        .exclude(person=bed.person)
        .values_list("serial", flat=True)
    )
    for serial in sorted(set(used)):
        problems.append(("devices", f"设备编号{serial}已登记在其他老人名下", "serial in use"))
    total = sum((_yuan(cost) for _kind, _serial, cost in devices), Decimal("0.00"))
    problems += _cost_problems(bed, total + _adaptations_cost(bed), on)
    if problems:
        raise EldercareError(problems)
    recorded = [
        {"kind": kind, "serial": serial.strip(), "cost": str(_yuan(cost)), "installed_on": f"{on}"}
        for kind, serial, cost in devices
    ]
    transition_perform(
        workflow=FAMILY_BED,
        case=bed,
        name="install",
        acting_user=acting_user,
        on=on,
        note=f"{len(devices)}台，{total}元",
        data={"devices": recorded},
        changes={"devices": recorded, "build_cost": total + _adaptations_cost(bed)},
    )
    return bed


@transaction.atomic
def family_bed_contract(
    *,
    acting_user: User,
    bed: FamilyBed,
    provider: Provider,
    number: str,
    valid_from: dt.date,
    valid_to: dt.date,
    on: dt.date,
) -> FamilyBed:
    """Record the service contract with a provider (number, dates)."""
    transition_check(workflow=FAMILY_BED, case=bed, name="contract", acting_user=acting_user)
    problems = []
    if not number.strip():
        problems.append(("contract_number", "请填写服务协议编号", "the number is required"))
    if valid_to < valid_from:
        problems.append(("contract_to", "协议终止日期不能早于起始日期", "ends before it starts"))
    if not provider.active or not bed.division_code.startswith(provider.division_code):
        problems.append(("provider", "该服务商不在本区域服务或已解约", "provider not serving here"))
    if problems:
        raise EldercareError(problems)
    # The provider keeps the devices from now on: they join the care part's device register,
    # where their alarms arrive.
    registered = set(
        Device.objects.filter(serial__in=[device["serial"] for device in bed.devices]).values_list(
            "serial", flat=True
        )
    )
    for device in bed.devices:
        if device["kind"] in CARE_DEVICE_TYPES and device["serial"] not in registered:
            device_register(
                acting_user=acting_user,
                person=bed.person,
                device_type=CARE_DEVICE_TYPES[device["kind"]],
                serial=device["serial"],
                installed_on=dt.date.fromisoformat(device.get("installed_on") or f"{on}"),
                provider=provider,
                on=on,
            )
    transition_perform(
        workflow=FAMILY_BED,
        case=bed,
        name="contract",
        acting_user=acting_user,
        on=on,
        note=f"{provider.name} {number.strip()}",
        data={"provider_id": provider.pk, "number": number.strip()},
        changes={
            "provider": provider,
            "contract_number": number.strip(),
            "contract_from": valid_from,
            "contract_to": valid_to,
        },
    )
    return bed


@transaction.atomic
def family_bed_start(
    *, acting_user: User, bed: FamilyBed, plan: ServicePlan, on: dt.date
) -> FamilyBed:
    """Link the elder's service plan with the contracted provider; the bed is in service."""
    transition_check(workflow=FAMILY_BED, case=bed, name="start", acting_user=acting_user)
    if plan.person_id != bed.person_id or plan.provider_id != bed.provider_id:
        raise EldercareError.one(
            "plan",
            "服务计划须为本床位老人与签约服务商的计划",
            "the plan must be the elder's with the contracted provider",
        )
    if plan.valid_to is not None and plan.valid_to < on:
        raise EldercareError.one("plan", "该服务计划已终止", "the plan has ended")
    transition_perform(
        workflow=FAMILY_BED,
        case=bed,
        name="start",
        acting_user=acting_user,
        on=on,
        data={"plan_id": plan.pk},
        changes={"plan": plan},
    )
    return bed


@transaction.atomic
def family_bed_end(*, acting_user: User, bed: FamilyBed, reason: str, on: dt.date) -> FamilyBed:
    """End (撤床) an open bed with a reason."""
    transition_check(workflow=FAMILY_BED, case=bed, name="end", acting_user=acting_user)
    if not reason.strip():
        raise EldercareError.one("reason", "请填写撤床原因", "the reason is required")
    transition_perform(
        workflow=FAMILY_BED,
        case=bed,
        name="end",
        acting_user=acting_user,
        on=on,
        note=reason.strip(),
        changes={"ended_on": on, "end_reason": reason.strip()},
    )
    return bed


def bed_step_data(bed: FamilyBed) -> dict[str, Any]:
    """What the bed page shows of each step."""
    return {
        "adaptations_cost": _adaptations_cost(bed),
        "devices_cost": _devices_cost(bed),
        "device_labels": {kind: label for kind, label in DEVICE_KINDS.items()},
    }
