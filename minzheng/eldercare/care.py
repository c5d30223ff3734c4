"""Care visits and alarms (关爱巡访, 人防+技防): every write.

- Risk tiers: `risk_tier_rule` (pure, over arrays) decides the tier of each elder in the covered
  group; `risk_tiers_assign` applies it to the city in bulk for a month; the office may
  override an elder's tier with a reason (`risk_tier_override`).
- Visits: `care_visit_record` (village workers and the town office, in scope);
  `visits_missed_alert` raises an alert for each elder whose last visit is older than the tier's
  interval (one alert per elder and due date), escalated by the shared `alerts_escalate`.
- Devices and alarms: a device platform posts events (`device_event_receive`); an alarm event
  opens an `Alarm` or joins the device's open one; the alarm is dispatched, the responder
  arrives, and it is closed (or found false). `alarms_overdue_alert` raises an alert to the
  town for each alarm not reached within the arrival target; the city gets it after a day.
- `care_death_effects`: what a death ends here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minzheng.accounts.jurisdiction import division_in_scope, registry_write_check
from minzheng.accounts.models import Role, User
from minzheng.alerts.definitions import alert_workflow
from minzheng.alerts.models import Alert, Outcome
from minzheng.alerts.services import AlertIn, alert_close, alerts_raise
from minzheng.assistance.models import AssistanceCase, Program
from minzheng.audit.services import audit_record
from minzheng.eldercare.access import (
    ELDERCARE,
    city_check,
    field_check,
    office_check,
    provider_of,
)
from minzheng.eldercare.care_models import (
    ALARM,
    CHANNELS,
    CHECK_RESULTS,
    CHECKLIST,
    DEVICE_TYPES,
    NEEDS,
    TIER_LABELS,
    Alarm,
    CareTier,
    CareVisit,
    Device,
    DeviceEvent,
)
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import Assessment, ElderProfile, Provider, ProviderStaff
from minzheng.registry.models import Membership, Person
from minzheng.rules.parameters import add_months, parameters_at
from minzheng.workflow.models import TransitionRecord
from minzheng.workflow.services import transition_check, transition_perform

ELDER_AGE = 60
TIERS = ("high", "key", "general")
INTERVAL_PARAMETERS = {
    "high": "care.visit_interval_days.high",
    "key": "care.visit_interval_days.key",
    "general": "care.visit_interval_days.general",
}
SERIAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{3,39}$")
FUTURE_TOLERANCE = dt.timedelta(minutes=5)  # device clocks run a little ahead
STILL = {"open": "未派单", "dispatched": "未到场"}
RESPONDER_ROLES = frozenset({Role.VILLAGE_WORKER, Role.TOWN_CLERK, Role.TOWN_APPROVER})


def _parameter(on: dt.date, name: str) -> Any:
    return parameters_at(f"{on:%Y-%m}").get(name).value


def visit_intervals(on: dt.date) -> dict[str, int]:
    """Days allowed between two visits, per tier, in force in the month of `on`."""
    return {tier: int(_parameter(on, name)) for tier, name in INTERVAL_PARAMETERS.items()}


def alarm_arrival_minutes(on: dt.date) -> int:
    return int(_parameter(on, "care.alarm_arrival_minutes"))


def alarm_repeat_minutes(on: dt.date) -> int:
    return int(_parameter(on, "care.alarm_repeat_minutes"))


# --- risk tiers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TierInputs:
    """One entry per elder; arrays of equal length."""

    age: np.ndarray  # whole years
    alone_or_empty_nest: np.ndarray  # bool: 独居 or 空巢
    dementia: np.ndarray  # bool: diagnosed (latest assessment)
    serious_illness: np.ndarray  # bool: 患重特大疾病 (registry)
    ability_level: np.ndarray  # int, -1 when never assessed
    severe_disability: np.ndarray  # bool: disability certificate grade 1 or 2, in force
    extreme_poverty: np.ndarray  # bool: active 特困 case (分散供养: at home)
    dibao: np.ndarray  # bool: active 低保 case


def risk_tier_rule(inputs: TierInputs, *, high_risk_age: int, key_ability_level: int) -> np.ndarray:
    """The tier of each elder: "high", "key", "general", or "" (not in the covered group).

    Reference §2.4 (S80): the covered group is 60+ and living alone or in an empty nest, or in
    a 特困 or 低保 household. 高风险: high_risk_age+ and alone/empty-nest; diagnosed dementia;
    a serious illness while alone/empty-nest. 重点: disabled (ability level >= key level),
    severely disabled (grade 1-2), or 分散特困. 一般: the rest of the covered group.
    """
    elder = inputs.age >= ELDER_AGE
    covered = elder & (inputs.alone_or_empty_nest | inputs.extreme_poverty | inputs.dibao)
    high = covered & (
        ((inputs.age >= high_risk_age) & inputs.alone_or_empty_nest)
        | inputs.dementia
        | (inputs.serious_illness & inputs.alone_or_empty_nest)
    )
    key = (
        covered
        & ~high
        & (
            (inputs.ability_level >= key_ability_level)
            | inputs.severe_disability
            | inputs.extreme_poverty
        )
    )
    general = covered & ~high & ~key
    return np.select([high, key, general], ["high", "key", "general"], default="")


def risk_tier_reasons(
    inputs: TierInputs, index: int, *, high_risk_age: int, key_level: int
) -> list[str]:
    """Why one elder has the tier (Chinese, for the tier's page)."""
    alone = bool(inputs.alone_or_empty_nest[index])
    age = int(inputs.age[index])
    reasons = []
    if age >= high_risk_age and alone:
        reasons.append(f"{high_risk_age}周岁以上独居或空巢")
    if inputs.dementia[index]:
        reasons.append("确诊痴呆")
    if inputs.serious_illness[index] and alone:
        reasons.append("独居或空巢且患重特大疾病")
    if inputs.ability_level[index] >= key_level:
        reasons.append(f"能力等级{int(inputs.ability_level[index])}级（失能）")
    if inputs.severe_disability[index]:
        reasons.append("重度残疾（一、二级）")
    if inputs.extreme_poverty[index]:
        reasons.append("分散供养特困人员")
    if inputs.dibao[index]:
        reasons.append("低保对象")
    if alone and age < high_risk_age:
        reasons.append("独居或空巢")
    return reasons


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _recipients(month: dt.date) -> dict[int, set[str]]:
    """Person id -> the programmes (dibao, extreme poverty) of their household's active cases."""
    cases = AssistanceCase.objects.filter(
        state="active", program__in=(Program.DIBAO, Program.EXTREME_POVERTY)
    ).filter(Q(end_month__isnull=True) | Q(end_month__gte=month))
    cases = cases.filter(Q(start_month__isnull=True) | Q(start_month__lte=month))
    programs: dict[int, set[str]] = {}
    for household_id, program in cases.values_list("household_id", "program"):
        programs.setdefault(household_id, set()).add(program)
    members = Membership.objects.filter(
        household_id__in=list(programs), valid_from__lt=add_months(month, 1)
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month))
    recipients: dict[int, set[str]] = {}
    for person_id, household_id in members.values_list("person_id", "household_id"):
        recipients.setdefault(person_id, set()).update(programs[household_id])
    return recipients


@dataclass
class TierResult:
    month: dt.date
    covered: int = 0
    by_tier: dict[str, int] = field(default_factory=dict)
    new: int = 0
    changed: int = 0
    ended: int = 0
    overrides_kept: int = 0


def _chunks(values: list[int], size: int = 5000) -> list[list[int]]:
    return [values[start : start + size] for start in range(0, len(values), size)]


@transaction.atomic
def risk_tiers_assign(*, acting_user: User | None, month: dt.date) -> TierResult:
    """Give every elder of the covered group the tier of the rules for the month (bulk).

    A tier that changes ends the current row (the day before the month, or the day it began)
    and starts a new one from the first of the month; elders who left the group (or died) have
    their rule tier ended; a tier the office set by hand stays. `acting_user` None: the nightly
    task; otherwise the city's eldercare staff.
    """
    if acting_user is not None:
        city_check(user=acting_user)
    month = month.replace(day=1)
    high_risk_age = int(_parameter(month, "care.high_risk_age"))
    key_level = int(_parameter(month, "care.key_ability_level"))
    profiles = {
        person_id: (alone, empty_nest, division)
        for person_id, alone, empty_nest, division in ElderProfile.objects.values_list(
            "person_id", "lives_alone", "empty_nest", "division_code"
        )
    }
    recipients = _recipients(month)
    candidate_ids = sorted(
        {pk for pk, (alone, empty, _) in profiles.items() if alone or empty} | set(recipients)
    )
    oldest_birth = month.replace(year=month.year - ELDER_AGE)
    rows = []
    for chunk in _chunks(candidate_ids):
        rows.extend(
            Person.objects.filter(
                pk__in=chunk, death_date__isnull=True, birth_date__lte=oldest_birth
            ).values_list(
                "pk",
                "birth_date",
                "residence_division_id",
                "serious_illness",
                "ability_level",
                "disability_grade",
                "disability_valid_to",
            )
        )
    ids = [row[0] for row in rows]
    dementia = set()
    for chunk in _chunks(ids):
        latest: dict[int, bool] = {}
        for person_id, has_dementia in (
            Assessment.objects.filter(person_id__in=chunk)
            .order_by("person_id", "assessed_on", "pk")
            .values_list("person_id", "dementia")
        ):
            latest[person_id] = has_dementia
        dementia.update(pk for pk, has in latest.items() if has)
    inputs = TierInputs(
        age=np.array([_age(row[1], month) for row in rows], dtype=np.int64),
        alone_or_empty_nest=np.array(
            [any(profiles.get(row[0], (False, False, ""))[:2]) for row in rows], dtype=bool
        ),
        dementia=np.array([row[0] in dementia for row in rows], dtype=bool),
        serious_illness=np.array([bool(row[3]) for row in rows], dtype=bool),
        ability_level=np.array([-1 if row[4] is None else row[4] for row in rows], dtype=np.int64),
        severe_disability=np.array(
            [
                row[5] is not None and row[5] <= 2 and (row[6] is None or row[6] >= month)
                for row in rows
            ],
            dtype=bool,
        ),
        extreme_poverty=np.array(
            [Program.EXTREME_POVERTY in recipients.get(row[0], ()) for row in rows], dtype=bool
        ),
        dibao=np.array([Program.DIBAO in recipients.get(row[0], ()) for row in rows], dtype=bool),
    )
    tiers = risk_tier_rule(inputs, high_risk_age=high_risk_age, key_ability_level=key_level)
    division_of = {row[0]: (profiles[row[0]][2] if row[0] in profiles else row[2]) for row in rows}
    wanted = {
        row[0]: (str(tier), index)
        for index, (row, tier) in enumerate(zip(rows, tiers, strict=True))
        if tier
    }
    current = {tier.person_id: tier for tier in CareTier.objects.filter(valid_to__isnull=True)}
    result = TierResult(month=month, covered=len(wanted))
    result.by_tier = dict(Counter(tier for tier, _ in wanted.values()))
    day_before = month - dt.timedelta(days=1)
    to_end: list[CareTier] = []
    to_create: list[CareTier] = []
    for person_id, (tier, index) in wanted.items():
        existing = current.get(person_id)
        if existing is not None and existing.is_override:
            result.overrides_kept += 1
            continue
        if existing is not None and existing.tier == tier:
            continue
        if existing is not None:
            existing.valid_to = max(existing.valid_from, day_before)
            to_end.append(existing)
            result.changed += 1
        else:
            result.new += 1
        to_create.append(
            CareTier(
                person_id=person_id,
                division_code=division_of[person_id],
                tier=tier,
                reasons=risk_tier_reasons(
                    inputs, index, high_risk_age=high_risk_age, key_level=key_level
                ),
                valid_from=month,
                recorded_by=acting_user,
            )
        )
    for person_id, existing in current.items():
        if person_id not in wanted and not existing.is_override:
            existing.valid_to = max(existing.valid_from, day_before)
            to_end.append(existing)
            result.ended += 1
    CareTier.objects.bulk_update(to_end, ["valid_to"], batch_size=2000)
    CareTier.objects.bulk_create(to_create, batch_size=2000)
    # The profile mirrors the tier in force; elders of the group without one get a profile.
    missing = [pk for pk in wanted if pk not in profiles]
    ElderProfile.objects.bulk_create(
        [ElderProfile(person_id=pk, division_code=division_of[pk]) for pk in missing],
        batch_size=2000,
    )
    in_force = dict(CareTier.objects.filter(valid_to__isnull=True).values_list("person_id", "tier"))
    profiles_to_update = []
    for profile in ElderProfile.objects.only("pk", "person_id", "risk_tier"):
        tier = in_force.get(profile.person_id, "")
        if profile.risk_tier != tier:
            profile.risk_tier = tier
            profiles_to_update.append(profile)
    ElderProfile.objects.bulk_update(profiles_to_update, ["risk_tier"], batch_size=2000)
    audit_record(
        actor=acting_user,
        action="eldercare.care.tiers_assign",
        target=None,
        data={
            "month": f"{month:%Y-%m}",
            "covered": result.covered,
            "by_tier": result.by_tier,
            "new": result.new,
            "changed": result.changed,
            "ended": result.ended,
            "overrides_kept": result.overrides_kept,
        },
    )
    return result


def elder_division(person: Person) -> str:
    """The village whose workers visit the elder: the profile's, else the residence."""
    profile = ElderProfile.objects.filter(person=person).only("division_code").first()
    return profile.division_code if profile is not None else person.residence_division_id


@transaction.atomic
def risk_tier_override(
    *, acting_user: User, person: Person, tier: str, reason: str, on: dt.date
) -> CareTier:
    """Set an elder's tier by hand from `on`, with the reason; the rules leave it in force."""
    division = elder_division(person)
    office_check(user=acting_user, division_code=division)
    problems = []
    if tier not in TIER_LABELS:
        problems.append(("tier", f"未知的巡访风险等级“{tier}”", f"unknown tier {tier!r}"))
    if not reason.strip():
        problems.append(("reason", "人工调整巡访风险等级须说明理由", "an override needs a reason"))
    if len(reason) > 500:
        problems.append(("reason", "理由不能超过500字", "the reason is too long"))
    if person.death_date is not None:
        problems.append(("person", "该老人已去世", "the person has died"))
    if problems:
        raise EldercareError(problems)
    current = CareTier.objects.select_for_update().filter(person=person, valid_to__isnull=True)
    previous = current.first()
    if previous is not None:
        previous.valid_to = max(previous.valid_from, on - dt.timedelta(days=1))
        previous.save(update_fields=["valid_to"])
    created = CareTier.objects.create(
        person=person,
        division_code=division,
        tier=tier,
        reasons=[f"人工调整：{reason.strip()}"],
        valid_from=on,
        is_override=True,
        override_reason=reason.strip(),
        recorded_by=acting_user,
    )
    ElderProfile.objects.update_or_create(
        person=person,
        defaults={"risk_tier": tier},
        create_defaults={"division_code": division, "risk_tier": tier},
    )
    audit_record(
        actor=acting_user,
        action="eldercare.care.tier_override",
        target=created,
        data={
            "person_id": person.pk,
            "from": previous.tier if previous else "",
            "to": tier,
            "on": on.isoformat(),
            "reason": reason.strip(),
        },
        division_code=division,
    )
    return created


# --- visits ------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitIn:
    visited_on: dt.date
    channel: str
    visitor: str
    health: str
    economy: str
    family_support: str
    safety: str
    needs: tuple[str, ...] = ()
    findings: str = ""
    follow_up: bool = False
    follow_up_note: str = ""


def _visit_problems(person: Person, data: VisitIn, on: dt.date) -> list[tuple[str, str, str]]:
    problems = []
    if data.channel not in CHANNELS:
        problems.append(("channel", f"未知的探访方式“{data.channel}”", "unknown channel"))
    if not data.visitor.strip():
        problems.append(("visitor", "请填写探访人", "the visitor is required"))
    if len(data.visitor) > 50:
        problems.append(("visitor", "探访人不能超过50字", "the visitor is too long"))
    for item, label in CHECKLIST.items():
        if getattr(data, item) not in CHECK_RESULTS:
            problems.append((item, f"请填写“{label}”：正常或有问题", f"{item}: ok or concern"))
    unknown = [need for need in data.needs if need not in NEEDS]
    if unknown:
        problems.append(("needs", f"未知的服务需求：{'、'.join(unknown)}", "unknown needs"))
    concerns = [item for item in CHECKLIST if getattr(data, item) == "concern"]
    if concerns and not data.findings.strip():
        problems.append(("findings", "有问题的项目须写明探访情况", "describe what was found"))
    if data.follow_up and not data.follow_up_note.strip():
        problems.append(("follow_up_note", "需要跟进的须写明跟进事项", "say what to follow up"))
    if len(data.findings) > 2000 or len(data.follow_up_note) > 1000:
        problems.append(("findings", "探访情况或跟进事项过长", "the text is too long"))
    if data.visited_on > on:
        problems.append(("visited_on", "探访日期不能晚于今天", "the visit date is in the future"))
    if person.death_date is not None and data.visited_on > person.death_date:
        problems.append(("visited_on", "探访日期晚于老人去世日期", "after the person's death"))
    if data.visited_on < person.birth_date:
        problems.append(("visited_on", "探访日期早于出生日期", "before the person's birth"))
    return problems


@transaction.atomic
def care_visit_record(
    *, acting_user: User, person: Person, data: VisitIn, on: dt.date
) -> CareVisit:
    """Record a visit; the elder's open missed-visit alerts are closed as done."""
    division = elder_division(person)
    field_check(user=acting_user, division_code=division)
    problems = _visit_problems(person, data, on)
    if problems:
        raise EldercareError(problems)
    visit = CareVisit.objects.create(
        person=person,
        division_code=division,
        visited_on=data.visited_on,
        channel=data.channel,
        visitor=data.visitor.strip(),
        health=data.health,
        economy=data.economy,
        family_support=data.family_support,
        safety=data.safety,
        needs=list(dict.fromkeys(data.needs)),
        findings=data.findings.strip(),
        follow_up=data.follow_up,
        follow_up_note=data.follow_up_note.strip(),
        recorded_by=acting_user,
    )
    audit_record(
        actor=acting_user,
        action="eldercare.care.visit_record",
        target=visit,
        data={
            "person_id": person.pk,
            "visited_on": data.visited_on.isoformat(),
            "channel": data.channel,
            "concerns": [item for item in CHECKLIST if getattr(data, item) == "concern"],
            "follow_up": data.follow_up,
        },
        division_code=division,
    )
    open_alerts = Alert.objects.filter(
        kind="eldercare.visit_missed", person=person, state__in=("open", "assigned")
    ).order_by("pk")
    for alert in open_alerts:
        alert_close(
            acting_user=acting_user,
            alert=alert,
            outcome=Outcome.DONE,
            note=f"已于{data.visited_on:%Y-%m-%d}{CHANNELS[data.channel]}",
            on=max(on, alert.raised_on),
        )
    return visit


@dataclass(frozen=True)
class VisitDue:
    person_id: int
    division_code: str
    tier: str
    last_visit: dt.date | None
    due_on: dt.date  # the last day the next visit was due


def visits_due(*, on: dt.date, tiers: list[CareTier] | None = None) -> list[VisitDue]:
    """For each elder with a tier in force (alive), when the next visit is due.

    Due: the last visit (or the start of the tier, never visited) plus the tier's interval.
    """
    intervals = visit_intervals(on)
    if tiers is None:
        tiers = list(
            CareTier.objects.filter(valid_to__isnull=True, person__death_date__isnull=True).only(
                "person_id", "division_code", "tier", "valid_from"
            )
        )
    last = dict(
        CareVisit.objects.values("person_id")
        .annotate(last=Max("visited_on"))
        .values_list("person_id", "last")
    )
    due = []
    for tier in tiers:
        last_visit = last.get(tier.person_id)
        start = last_visit if last_visit is not None else tier.valid_from
        due.append(
            VisitDue(
                tier.person_id,
                tier.division_code,
                tier.tier,
                last_visit,
                start + dt.timedelta(days=intervals[tier.tier]),
            )
        )
    return due


@transaction.atomic
def visits_missed_alert(*, acting_user: User | None, on: dt.date) -> int:
    """Raise an alert to the elder's village for each elder whose visit is overdue on `on`.

    One alert per elder and due date (the key), so the nightly run raises it once; a visit
    recorded later moves the due date and closes the alert. Returns how many were new.
    """
    if acting_user is not None:
        city_check(user=acting_user)
    intervals = visit_intervals(on)
    missed = [entry for entry in visits_due(on=on) if entry.due_on < on]
    alerts = [
        AlertIn(
            kind="eldercare.visit_missed",
            key=f"eldercare.visit_missed:{entry.person_id}:{entry.due_on.isoformat()}",
            division_code=entry.division_code,
            person_id=entry.person_id,
            reason=(
                f"{TIER_LABELS[entry.tier]}巡访对象应每{intervals[entry.tier]}天至少探访一次，"
                + (
                    f"上次探访为{entry.last_visit:%Y-%m-%d}"
                    if entry.last_visit
                    else "纳入巡访以来尚未探访"
                )
                + f"，已逾期{(on - entry.due_on).days}天"
            ),
            data={
                "tier": entry.tier,
                "last_visit": entry.last_visit.isoformat() if entry.last_visit else None,
                "due_on": entry.due_on.isoformat(),
                "interval_days": intervals[entry.tier],
            },
        )
        for entry in missed
    ]
    raised = alerts_raise(acting_user=acting_user, alerts=alerts, on=on)
    audit_record(
        actor=acting_user,
        action="eldercare.care.visits_missed",
        target=None,
        data={"on": on.isoformat(), "overdue": len(missed), "raised": raised},
    )
    return raised


# --- devices -----------------------------------------------------------------------------


@transaction.atomic
def device_register(
    *,
    acting_user: User,
    person: Person,
    device_type: str,
    serial: str,
    installed_on: dt.date,
    provider: Provider,
    on: dt.date,
) -> Device:
    """Register a device installed at an elder's home, kept by a provider (the office)."""
    division = elder_division(person)
    office_check(user=acting_user, division_code=division)
    serial = serial.strip()
    problems = []
    if device_type not in DEVICE_TYPES:
        problems.append(("device_type", f"未知的设备类型“{device_type}”", "unknown device type"))
    if not SERIAL.match(serial):
        problems.append(
            ("serial", "设备编号应为4-40位字母、数字或连字符", "serial: 4-40 letters, digits, -")
        )
    elif Device.objects.filter(serial=serial).exists():
        problems.append(("serial", f"设备编号“{serial}”已登记", f"serial {serial} exists"))
    if installed_on > on:
        problems.append(("installed_on", "安装日期不能晚于今天", "installed in the future"))
    if not provider.active:
        problems.append(("provider", "该服务商已不在约", "the provider is not under contract"))
    if person.death_date is not None:
        problems.append(("person", "该老人已去世", "the person has died"))
    if problems:
        raise EldercareError(problems)
    device = Device.objects.create(
        person=person,
        division_code=division,
        device_type=device_type,
        serial=serial,
        installed_on=installed_on,
        provider=provider,
    )
    audit_record(
        actor=acting_user,
        action="eldercare.device.register",
        target=device,
        data={
            "person_id": person.pk,
            "serial": serial,
            "type": device_type,
            "provider_id": provider.pk,
            "installed_on": installed_on.isoformat(),
        },
        division_code=division,
    )
    return device


@transaction.atomic
def device_deactivate(*, acting_user: User, device: Device, on: dt.date, reason: str) -> Device:
    """Take a device out of use (removed, broken, the elder moved); its events are refused."""
    office_check(user=acting_user, division_code=device.division_code)
    problems = []
    if not device.active:
        problems.append(("device", "该设备已停用", "the device is already inactive"))
    if not reason.strip() or len(reason) > 200:
        problems.append(("reason", "请填写停用原因（200字以内）", "a reason (200 characters)"))
    if on < device.installed_on:
        problems.append(("on", "停用日期早于安装日期", "before the installation"))
    if problems:
        raise EldercareError(problems)
    device.active = False
    device.deactivated_on = on
    device.deactivation_reason = reason.strip()
    device.save(update_fields=["active", "deactivated_on", "deactivation_reason"])
    audit_record(
        actor=acting_user,
        action="eldercare.device.deactivate",
        target=device,
        data={"serial": device.serial, "on": on.isoformat(), "reason": reason.strip()},
        division_code=device.division_code,
    )
    return device


def device_platform_check(*, user: User) -> Provider | None:
    """Who may post device events: a provider's staff (for its own devices), or the city's
    eldercare staff (for any device). Returns the provider, or None for the city."""
    provider = provider_of(user)
    if provider is not None:
        return provider
    city_allowed = (
        user.is_authenticated
        and user.is_active
        and (
            user.is_superuser
            or user.role == Role.CITY_ADMIN
            or (user.role == Role.CITY_STAFF and user.business_line == ELDERCARE)
        )
    )
    if not city_allowed:
        raise PermissionDenied(_("只有设备运维服务商或市局养老服务人员可以上报设备事件"))
    return None


@dataclass(frozen=True)
class EventResult:
    alarm: Alarm
    opened: bool  # a new alarm
    duplicate: bool  # the same event was received before: nothing changed


def _alarm_number(device: Device, event_type: str, at: dt.datetime) -> str:
    local = timezone.localtime(at)
    return f"BJ{local:%Y%m%d%H%M%S}{device.pk:06d}{list(DEVICE_TYPES).index(event_type)}"


@transaction.atomic
def device_event_receive(
    *,
    acting_user: User,
    serial: str,
    event_type: str,
    at: dt.datetime,
    data: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> EventResult:
    """Take one event from a device platform: open an alarm, or join the device's open alarm
    when its last event is within the repeat window. An unknown serial (or one of another
    provider), an inactive device, an unknown type or a time in the future: nothing changes.
    """
    provider = device_platform_check(user=acting_user)
    now = now or timezone.now()
    devices = Device.objects.select_for_update()
    if provider is not None:
        devices = devices.filter(provider=provider)
    device = devices.filter(serial=serial).first()
    if device is None:
        raise EldercareError.one(
            "serial", f"未登记的设备编号“{serial}”", f"unknown device serial {serial!r}"
        )
    problems = []
    if event_type not in DEVICE_TYPES:
        problems.append(("type", f"未知的事件类型“{event_type}”", f"unknown type {event_type!r}"))
    if timezone.is_naive(at):
        problems.append(("at", "事件时间须带时区", "the time needs a timezone"))
    elif at > now + FUTURE_TOLERANCE:
        problems.append(("at", "事件时间晚于当前时间", "the event is in the future"))
    elif timezone.localdate(at) < device.installed_on:
        problems.append(("at", "事件时间早于设备安装日期", "before the device was installed"))
    if not device.active:
        problems.append(("serial", f"设备“{serial}”已停用", f"device {serial} is inactive"))
    if problems:
        raise EldercareError(problems)
    previous = DeviceEvent.objects.filter(device=device, event_type=event_type, at=at).first()
    if previous is not None and previous.alarm is not None:
        return EventResult(previous.alarm, opened=False, duplicate=True)
    on = timezone.localdate(at)
    window = dt.timedelta(minutes=alarm_repeat_minutes(on))
    alarm = (
        Alarm.objects.filter(
            device=device,
            state__in=("open", "dispatched", "arrived"),
            last_event_at__gte=at - window,
            opened_at__lte=at + window,
        )
        .order_by("-last_event_at")
        .first()
    )
    event_data = {"serial": serial, "type": event_type, "at": at.isoformat()}
    if alarm is not None:
        transition_perform(
            workflow=ALARM,
            case=alarm,
            name=f"repeat_{alarm.state}",
            acting_user=acting_user,
            on=max(on, alarm.opened_at.date()),
            data=event_data,
            changes={
                "last_event_at": max(alarm.last_event_at, at),
                "event_count": alarm.event_count + 1,
                "due_on": alarm.due_on,
            },
        )
        opened = False
    else:
        alarm = Alarm(
            number=_alarm_number(device, event_type, at),
            device=device,
            person_id=device.person_id,
            provider_id=device.provider_id,
            division_code=device.division_code,
            kind=event_type,
            opened_at=at,
            arrive_by=at + dt.timedelta(minutes=alarm_arrival_minutes(on)),
            last_event_at=at,
        )
        transition_perform(
            workflow=ALARM,
            case=alarm,
            name="open",
            acting_user=acting_user,
            on=on,
            data=event_data,
            changes={"due_on": on},
        )
        opened = True
    DeviceEvent.objects.create(
        device=device,
        alarm=alarm,
        event_type=event_type,
        at=at,
        data=dict(data or {}),
        received_by=acting_user,
    )
    return EventResult(alarm, opened=opened, duplicate=False)


# --- alarms ------------------------------------------------------------------------------


def responder_fits(alarm: Alarm, responder: User) -> bool:
    """A responder is the device provider's staff, or a village or town worker in scope."""
    if not responder.is_active:
        return False
    if responder.role == Role.PROVIDER:
        staff = ProviderStaff.objects.filter(user=responder).first()
        return staff is not None and staff.provider_id == alarm.provider_id
    return responder.role in RESPONDER_ROLES and division_in_scope(
        user=responder, division_code=alarm.division_code
    )


def _time_problems(alarm: Alarm, at: dt.datetime, after: dt.datetime | None, what: str) -> list:
    problems = []
    if at > timezone.now() + FUTURE_TOLERANCE:
        problems.append(("at", f"{what}时间不能晚于当前时间", "the time is in the future"))
    if at < (after or alarm.opened_at):
        problems.append(("at", f"{what}时间早于上一环节", "before the previous step"))
    return problems


@transaction.atomic
def alarm_dispatch(
    *, acting_user: User, alarm: Alarm, responder: User, at: dt.datetime, note: str = ""
) -> Alarm:
    """Send a responder to the elder (again, to change the responder)."""
    transition_check(workflow=ALARM, case=alarm, name="dispatch", acting_user=acting_user)
    problems = _time_problems(alarm, at, alarm.opened_at, "派单")
    if not responder_fits(alarm, responder):
        problems.append(
            (
                "responder",
                "处置人须为该设备服务商的人员或辖区内的村（社区）、镇工作人员",
                "the responder cannot take this alarm",
            )
        )
    if problems:
        raise EldercareError(problems)
    transition_perform(
        workflow=ALARM,
        case=alarm,
        name="dispatch",
        acting_user=acting_user,
        on=timezone.localdate(at),
        note=note.strip(),
        data={"responder": responder.get_username(), "at": at.isoformat()},
        changes={"responder": responder, "dispatched_at": at, "due_on": alarm.due_on},
    )
    return alarm


@transaction.atomic
def alarm_arrive(*, acting_user: User, alarm: Alarm, at: dt.datetime, note: str = "") -> Alarm:
    """Record the responder's arrival at the elder's home."""
    transition_check(workflow=ALARM, case=alarm, name="arrive", acting_user=acting_user)
    problems = _time_problems(alarm, at, alarm.dispatched_at, "到场")
    if problems:
        raise EldercareError(problems)
    in_time = at <= alarm.arrive_by
    transition_perform(
        workflow=ALARM,
        case=alarm,
        name="arrive",
        acting_user=acting_user,
        on=timezone.localdate(at),
        note=note.strip(),
        data={
            "at": at.isoformat(),
            "minutes": int((at - alarm.opened_at).total_seconds() // 60),
            "in_time": in_time,
        },
        changes={"arrived_at": at, "due_on": alarm.due_on},
    )
    return alarm


def _finish(*, acting_user: User, alarm: Alarm, name: str, at: dt.datetime, notes: str) -> Alarm:
    transition_check(workflow=ALARM, case=alarm, name=name, acting_user=acting_user)
    problems = _time_problems(alarm, at, alarm.arrived_at or alarm.dispatched_at, "关闭")
    if not notes.strip():
        problems.append(("notes", "请填写处置情况", "the notes are required"))
    if len(notes) > 2000:
        problems.append(("notes", "处置情况不能超过2000字", "the notes are too long"))
    if problems:
        raise EldercareError(problems)
    transition_perform(
        workflow=ALARM,
        case=alarm,
        name=name,
        acting_user=acting_user,
        on=timezone.localdate(at),
        note=notes.strip(),
        data={"at": at.isoformat()},
        changes={"closed_at": at, "notes": notes.strip(), "due_on": None},
    )
    return alarm


@transaction.atomic
def alarm_close(*, acting_user: User, alarm: Alarm, at: dt.datetime, notes: str) -> Alarm:
    """Close an alarm the responder reached, with what was found and done."""
    return _finish(acting_user=acting_user, alarm=alarm, name="close", at=at, notes=notes)


@transaction.atomic
def alarm_false(*, acting_user: User, alarm: Alarm, at: dt.datetime, notes: str) -> Alarm:
    """Close an alarm as false (pressed by mistake, a sensor fault), with the notes."""
    return _finish(acting_user=acting_user, alarm=alarm, name="false_alarm", at=at, notes=notes)


@transaction.atomic
def alarms_overdue_alert(*, acting_user: User | None, at: dt.datetime) -> int:
    """Raise an alert to the town for each alarm not reached within the arrival target.

    Once per alarm; the alert is due in a day, after which `alerts_escalate` sends it to the
    city. Returns how many alarms were found overdue for the first time.
    """
    if acting_user is not None:
        city_check(user=acting_user)
    overdue = list(
        Alarm.objects.select_for_update()
        .filter(state__in=("open", "dispatched"), arrive_by__lt=at, overdue_alerted_on__isnull=True)
        .select_related("device")
        .order_by("pk")
    )
    if not overdue:
        return 0
    on = timezone.localdate(at)
    alerts = [
        AlertIn(
            kind="eldercare.alarm_overdue",
            key=f"eldercare.alarm_overdue:{alarm.pk}",
            division_code=alarm.division_code[:9],
            person_id=alarm.person_id,
            reason=(
                f"{alarm.get_kind_display()}于{timezone.localtime(alarm.opened_at):%m-%d %H:%M}"
                f"报警，应于{timezone.localtime(alarm.arrive_by):%H:%M}前到场，"
                f"至{timezone.localtime(at):%H:%M}仍{STILL[alarm.state]}"
            ),
            data={
                "alarm": alarm.number,
                "alarm_id": alarm.pk,
                "state": alarm.state,
                "opened_at": alarm.opened_at.isoformat(),
                "arrive_by": alarm.arrive_by.isoformat(),
            },
        )
        for alarm in overdue
    ]
    alerts_raise(acting_user=acting_user, alerts=alerts, on=on)
    Alarm.objects.filter(pk__in=[alarm.pk for alarm in overdue]).update(overdue_alerted_on=on)
    audit_record(
        actor=acting_user,
        action="eldercare.alarm.overdue",
        target=None,
        data={"at": at.isoformat(), "alarms": [alarm.number for alarm in overdue]},
    )
    return len(overdue)


# --- death -------------------------------------------------------------------------------


@transaction.atomic
def care_death_effects(*, acting_user: User, person: Person, on: dt.date) -> list[str]:
    """For an elder who died on `on`: deactivate the devices, close the open alarms, close the
    open missed-visit alerts and end the visit tier. Returns what was stopped, in Chinese.

    The caller is whoever may record the death (the registry's writers in scope); closing an
    open alarm is a step of its workflow, which the town, the village or the city makes.
    """
    registry_write_check(user=acting_user, division_code=elder_division(person))
    lines = []
    now = timezone.now()
    devices = list(Device.objects.select_for_update().filter(person=person, active=True))
    for device in devices:
        device.active = False
        device.deactivated_on = max(on, device.installed_on)
        device.deactivation_reason = "老人去世"
    Device.objects.bulk_update(devices, ["active", "deactivated_on", "deactivation_reason"])
    if devices:
        lines.append(f"停用智能设备{len(devices)}台：{'、'.join(d.serial for d in devices)}")
    alarms = list(
        Alarm.objects.filter(person=person, state__in=("open", "dispatched", "arrived")).order_by(
            "pk"
        )
    )
    for alarm in alarms:
        transition_perform(
            workflow=ALARM,
            case=alarm,
            name="stop",
            acting_user=acting_user,
            on=max(on, timezone.localdate(alarm.opened_at)),
            note="老人已去世，关闭报警",
            changes={
                "closed_at": max(now, alarm.opened_at),
                "notes": "老人已去世，关闭报警",
                "due_on": None,
            },
        )
    if alarms:
        lines.append(f"关闭未处置的设备报警{len(alarms)}条：{'、'.join(a.number for a in alarms)}")
    open_alerts = list(
        Alert.objects.select_for_update().filter(
            kind__in=("eldercare.visit_missed", "eldercare.alarm_overdue"),
            person=person,
            state__in=("open", "assigned"),
        )
    )
    for alert in open_alerts:
        # Closed by the fact of the death (as `alerts_escalate` records its step), whatever
        # the recorder's business line.
        alert.state = "closed"
        alert.outcome = Outcome.NO_ACTION
        alert.outcome_note = "老人已去世"
        alert.closed_on = max(on, alert.raised_on)
        alert.save(update_fields=["state", "outcome", "outcome_note", "closed_on"])
        TransitionRecord.objects.create(
            workflow=alert_workflow(alert.business_line).name,
            object_id=alert.pk,
            transition="close",
            from_state="open",
            to_state="closed",
            actor=acting_user,
            on=alert.closed_on,
            note="老人已去世，停止巡访预警",
            data={"outcome": Outcome.NO_ACTION},
        )
    if open_alerts:
        lines.append(f"关闭巡访和报警预警{len(open_alerts)}条")
    tier = CareTier.objects.filter(person=person, valid_to__isnull=True).first()
    if tier is not None:
        tier.valid_to = max(tier.valid_from, on)
        tier.save(update_fields=["valid_to"])
        ElderProfile.objects.filter(person=person).update(risk_tier="")
        lines.append(f"停止关爱巡访（原为{tier.tier_label}对象）")
    if lines:
        audit_record(
            actor=acting_user,
            action="eldercare.care.death",
            target=person,
            data={
                "on": on.isoformat(),
                "devices": [device.serial for device in devices],
                "alarms": [alarm.number for alarm in alarms],
                "alerts": [alert.pk for alert in open_alerts],
                "tier_ended": tier is not None,
            },
            division_code=elder_division(person),
        )
    return lines


__all__ = [
    "TIERS",
    "EventResult",
    "TierInputs",
    "TierResult",
    "VisitDue",
    "VisitIn",
    "alarm_arrive",
    "alarm_close",
    "alarm_dispatch",
    "alarm_false",
    "alarms_overdue_alert",
    "care_death_effects",
    "care_visit_record",
    "device_deactivate",
    "device_event_receive",
    "device_platform_check",
    "device_register",
    "risk_tier_override",
    "risk_tier_rule",
    "risk_tiers_assign",
    "visits_due",
    "visits_missed_alert",
]
