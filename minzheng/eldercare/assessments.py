"""Ability assessments (GB/T 42195-2022): record one, and keep the registry's current level.

The scoring is the rules package's (`minzheng.rules.ability`); this service checks who records
it and for whom, keeps the assessment (never edited), sets the next reassessment date and, when
it is the person's latest, the level the rules read (`registry.Person.ability_level`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from minzheng.accounts.jurisdiction import division_in_scope
from minzheng.accounts.models import User
from minzheng.audit.services import audit_record
from minzheng.eldercare.access import field_check
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import Assessment, AssessmentReason, ElderProfile
from minzheng.registry.models import Person
from minzheng.registry.selectors import years_before
from minzheng.registry.services import person_set_ability_level
from minzheng.registry.spreadsheets import parse_bool, parse_date, read_plain_table
from minzheng.rules.ability import ITEMS, ScoreError, ability_score
from minzheng.rules.parameters import add_months, month_end, parameters_at

MINIMUM_AGE = 60  # the standard is for people aged 60 and over (老年人)
ASSESSORS_SPLIT = re.compile(r"[、,，;；\s]+")
ITEM_NUMBERS = [number for number, _, _ in ITEMS]


@dataclass(frozen=True)
class AssessmentIn:
    assessed_on: dt.date
    reason: str
    assessors: str  # two names, 、-separated
    items: dict[str, int]
    coma: bool = False
    dementia: bool = False
    risk_events_30d: int = 0


def reassessment_due(assessed_on: dt.date) -> dt.date:
    """The date of the next regular assessment after one made on `assessed_on`."""
    months = parameters_at(f"{assessed_on:%Y-%m}").get("ability_assessment.reassessment_months")
    due_month = add_months(assessed_on.replace(day=1), int(months.value))
    day = min(assessed_on.day, 28) if due_month.month == 2 else assessed_on.day
    try:
        return due_month.replace(day=day)
    except ValueError:  # 31 in a 30-day month
        return month_end(due_month)


def _problems(person: Person, data: AssessmentIn) -> list[tuple[str, str, str]]:
    problems = []
    if data.reason not in AssessmentReason.values:
        problems.append(("reason", "评估原因不正确", f"unknown reason {data.reason!r}"))
    names = [name for name in ASSESSORS_SPLIT.split(data.assessors.strip()) if name]
    if len(names) < 2:
        problems.append(
            ("assessors", "评估应由两名评估员进行，请填写两人姓名", "two assessors are required")
        )
    if data.assessed_on > timezone.localdate():
        problems.append(("assessed_on", "评估日期不能晚于今天", "the date is in the future"))
    if person.death_date is not None and person.death_date <= data.assessed_on:
        problems.append(
            ("person", "该老人已登记死亡，不能评估", "the person died before this date")
        )
    if person.birth_date > years_before(data.assessed_on, MINIMUM_AGE):
        problems.append(
            (
                "person",
                f"评估日该人未满{MINIMUM_AGE}周岁，不适用老年人能力评估",
                f"the person is under {MINIMUM_AGE} on that date",
            )
        )
    return problems


@transaction.atomic
def assessment_record(*, acting_user: User, person: Person, data: AssessmentIn) -> Assessment:
    """Record an assessment; raise EldercareError (nothing saved) on any bad input."""
    field_check(user=acting_user, division_code=person.residence_division_id)
    problems = _problems(person, data)
    try:
        score = ability_score(
            data.items,
            coma=data.coma,
            dementia=data.dementia,
            risk_events_30d=data.risk_events_30d,
        )
    except ScoreError as error:
        problems += error.problems
    if problems:
        raise EldercareError(problems)
    assessment = Assessment.objects.create(
        person=person,
        division_code=person.residence_division_id,
        assessed_on=data.assessed_on,
        reason=data.reason,
        assessors="、".join(name for name in ASSESSORS_SPLIT.split(data.assessors.strip()) if name),
        recorded_by=acting_user,
        items=dict(data.items),
        coma=data.coma,
        dementia=data.dementia,
        risk_events_30d=data.risk_events_30d,
        total=score.total,
        domain_totals=score.domain_totals,
        score_level=score.score_level,
        level=score.level,
        adjustments=score.adjustments,
        next_due_on=reassessment_due(data.assessed_on),
    )
    ElderProfile.objects.get_or_create(
        person=person, defaults={"division_code": person.residence_division_id}
    )
    latest = Assessment.objects.filter(person=person).order_by("-assessed_on", "-pk").first()
    if latest is not None and latest.pk == assessment.pk:
        person_set_ability_level(acting_user=acting_user, person=person, level=score.level)
    audit_record(
        actor=acting_user,
        action="eldercare.assessment.record",
        target=assessment,
        division_code=assessment.division_code,
        data={
            "person": person.pk,
            "assessed_on": data.assessed_on.isoformat(),
            "total": score.total,
            "level": score.level,
        },
    )
    return assessment


# --- batch import (third-party assessors' results) and reassessment reminders ---------------

IMPORT_COLUMNS = {
    "公民身份号码": "id_number",
    "评估日期": "assessed_on",
    "评估原因": "reason",
    "评估员": "assessors",
    "昏迷": "coma",
    "确诊痴呆": "dementia",
    "近30天照护风险事件": "risk_events_30d",
}
REASON_LABELS = {str(label): code for code, label in AssessmentReason.choices}


def _import_row(row: dict[str, str], line: int) -> tuple[str, AssessmentIn | None, list]:
    """(id number, the assessment or None, problems as (column, zh, en) with the row)."""
    problems: list[tuple[str, str, str]] = []

    def bad(column: str, zh: str, en: str) -> None:
        problems.append((column, f"第{line}行 {column}：{zh}", f"row {line} {column}: {en}"))

    try:
        assessed_on = parse_date(row.get("评估日期", ""))
    except ValueError:
        assessed_on = None
    if assessed_on is None:
        bad("评估日期", "日期格式应为 YYYY-MM-DD", "a date YYYY-MM-DD is required")
    reason_text = row.get("评估原因", "").strip()
    reason = REASON_LABELS.get(reason_text, reason_text)
    items: dict[str, int] = {}
    for number in ITEM_NUMBERS:
        text = row.get(number, "").strip()
        if not (text.isascii() and text.isdigit()):
            bad(number, "得分应为整数", "a whole number is required")
            continue
        items[number] = int(text)
    flags = {}
    for column in ("昏迷", "确诊痴呆"):
        value = parse_bool(row.get(column, "") or "否")
        if value is None:
            bad(column, "应填“是”或“否”", "yes or no")
        flags[column] = bool(value)
    events_text = row.get("近30天照护风险事件", "").strip() or "0"
    if not (events_text.isascii() and events_text.isdigit()):
        bad("近30天照护风险事件", "应为整数", "a whole number is required")
    if problems or assessed_on is None:
        return row.get("公民身份号码", "").strip(), None, problems
    return (
        row.get("公民身份号码", "").strip(),
        AssessmentIn(
            assessed_on=assessed_on,
            reason=reason,
            assessors=row.get("评估员", ""),
            items=items,
            coma=flags["昏迷"],
            dementia=flags["确诊痴呆"],
            risk_events_30d=int(events_text),
        ),
        [],
    )


@transaction.atomic
def assessments_import(*, acting_user: User, content: bytes, filename: str) -> int:
    """Record every assessment of an .xlsx/.csv file, or none: raise EldercareError listing
    each problem with its row and column (the 26 item columns are headed B.1.1 … B.4.5)."""
    try:
        rows = read_plain_table(content, filename)
    except ValueError:
        raise EldercareError.one("file", "只能导入 .xlsx 或 .csv 文件", "only .xlsx/.csv") from None
    if not rows:
        raise EldercareError.one("file", "文件中没有数据行", "the file has no rows")
    missing = [column for column in (*IMPORT_COLUMNS, *ITEM_NUMBERS) if column not in rows[0]]
    if missing:
        raise EldercareError(
            [(column, f"缺少列：{column}", f"missing column {column}") for column in missing]
        )
    persons = {
        person.id_number: person
        for person in Person.objects.with_id_numbers(
            [row["公民身份号码"].strip() for row in rows if row["公民身份号码"].strip()]
        )
    }
    problems: list[tuple[str, str, str]] = []
    for line, row in enumerate(rows, start=2):
        id_number, data, row_problems = _import_row(row, line)
        problems += row_problems
        person = persons.get(id_number)
        if person is None or not division_in_scope(
            user=acting_user, division_code=person.residence_division_id
        ):
            problems.append(
                (
                    "公民身份号码",
                    f"第{line}行：人口库中没有该身份号码，或该人不在您的管辖区域",
                    f"row {line}: unknown id number or outside your area",
                )
            )
            continue
        if data is None:
            continue
        try:
            with transaction.atomic():
                assessment_record(acting_user=acting_user, person=person, data=data)
        except EldercareError as error:
            problems += [
                (field, f"第{line}行 {field}：{zh}", f"row {line} {field}: {en}")
                for field, zh, en in error.problems
            ]
    if problems:
        transaction.set_rollback(True)
        raise EldercareError(problems)
    audit_record(
        actor=acting_user,
        action="eldercare.assessment.import",
        target=None,
        division_code=acting_user.division_code,
        data={"file": filename, "rows": len(rows)},
    )
    return len(rows)


def reassessment_alerts_raise(*, on: dt.date) -> int:
    """Raise an alert for each elder whose latest assessment is due for reassessment by `on`
    (alive and still living in the city); once per assessment."""
    from minzheng.alerts.services import AlertIn, alerts_raise
    from minzheng.eldercare.selectors import latest_assessments

    due = (
        latest_assessments()
        .filter(next_due_on__lte=on, person__death_date__isnull=True)
        .values_list("pk", "person_id", "person__residence_division_id", "next_due_on")
    )
    alerts = [
        AlertIn(
            kind="eldercare.reassessment_due",
            key=f"reassessment:{pk}",
            division_code=division,
            reason=f"能力评估已于{due_on:%Y-%m-%d}到期，应复评",
            data={"assessment": pk},
            person_id=person_id,
        )
        for pk, person_id, division, due_on in due
    ]
    return alerts_raise(acting_user=None, alerts=alerts, on=on)
