"""Demo data of care visits and alarms (called by `minzheng.eldercare.demo`).

Elders 60+ who live alone (one-person household) or in an empty nest (a household of elders
only) get a profile saying so; the rules give tiers from three months ago, visits follow each
tier's interval (about one elder in eight falls behind), the nightly check raises the missed
visits; about a hundred devices are installed by the office; over the last month their alarms
are dispatched, reached and closed (a few late, a few false), and one is open now.

The visit history is written in bulk (thousands of rows: the service's per-visit audit would
take minutes); devices, events and every alarm step go through the services.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
from django.db.models import Count
from django.utils import timezone

from minzheng.accounts.models import BusinessLine, Role, User
from minzheng.eldercare.care import (
    alarm_arrive,
    alarm_close,
    alarm_dispatch,
    alarm_false,
    alarms_overdue_alert,
    device_event_receive,
    device_register,
    risk_tiers_assign,
    visit_intervals,
    visits_missed_alert,
)
from minzheng.eldercare.care_models import CHANNELS, NEEDS, CareTier, CareVisit, Device
from minzheng.eldercare.models import ElderProfile, Provider
from minzheng.registry.models import Membership
from minzheng.rules.parameters import add_months

DEVICE_TARGET = 100
ALARM_TARGET = 60
FINDINGS = {
    "health": "老人近期血压偏高，行动较慢",
    "economy": "医药费支出较大，生活较拮据",
    "family_support": "子女在外地，近两月未回家探望",
    "safety": "燃气灶软管老化，电线裸露",
}


def _profiles(today: dt.date) -> int:
    """Profiles for the elders alone or in an empty nest who have none yet."""
    oldest = today.replace(year=today.year - 60)
    members = Membership.objects.filter(valid_to__isnull=True, person__death_date__isnull=True)
    births: dict[int, list[tuple[int, dt.date, str]]] = defaultdict(list)
    for household_id, person_id, birth, division in members.values_list(
        "household_id", "person_id", "person__birth_date", "person__residence_division_id"
    ).iterator(chunk_size=5000):
        births[household_id].append((person_id, birth, division))
    existing = set(ElderProfile.objects.values_list("person_id", flat=True))
    new = []
    for people in births.values():
        if not all(birth <= oldest for _, birth, _ in people):
            continue
        for person_id, _, division in people:
            if person_id not in existing:
                new.append(
                    ElderProfile(
                        person_id=person_id,
                        division_code=division,
                        lives_alone=len(people) == 1,
                        empty_nest=len(people) > 1,
                    )
                )
    ElderProfile.objects.bulk_create(new, batch_size=2000)
    return len(new)


def _recorders() -> dict[str, User]:
    """The worker who records visits in each town (the town's clerk), by town code."""
    recorders = {}
    for user in User.objects.filter(role=Role.TOWN_CLERK, is_active=True).order_by("pk"):
        recorders.setdefault(user.division_code, user)
    return recorders


def _visits(today: dt.date, rng: np.random.Generator, start: dt.date) -> int:
    intervals = visit_intervals(today)
    recorders = _recorders()
    village = User.objects.filter(role=Role.VILLAGE_WORKER).order_by("pk")
    by_village = {user.division_code: user for user in village}
    fallback = User.objects.filter(role=Role.CITY_ADMIN).order_by("pk").first()
    visits = []
    channels = list(CHANNELS)
    for tier in CareTier.objects.filter(valid_to__isnull=True).order_by("person_id"):
        interval = intervals[tier.tier]
        behind = rng.random() < 0.12  # falls behind: the last visit is too long ago
        day = start + dt.timedelta(days=int(rng.integers(0, min(interval, 20))))
        end = today - dt.timedelta(days=interval + int(rng.integers(3, 20))) if behind else today
        recorder = (
            by_village.get(tier.division_code) or recorders.get(tier.division_code[:9]) or fallback
        )
        while day <= end:
            concern = rng.random() < 0.15
            item = str(rng.choice(list(FINDINGS))) if concern else ""
            follow_up = concern and rng.random() < 0.6
            needs = [str(rng.choice(list(NEEDS)))] if rng.random() < 0.2 else []
            channel = "home" if rng.random() < 0.6 else str(rng.choice(channels))
            visits.append(
                CareVisit(
                    person_id=tier.person_id,
                    division_code=tier.division_code,
                    visited_on=day,
                    channel=channel,
                    visitor=recorder.get_full_name() or recorder.get_username(),
                    health="concern" if item == "health" else "ok",
                    economy="concern" if item == "economy" else "ok",
                    family_support="concern" if item == "family_support" else "ok",
                    safety="concern" if item == "safety" else "ok",
                    needs=needs,
                    findings=FINDINGS.get(item, ""),
                    follow_up=follow_up,
                    follow_up_note="转介村（社区）跟进处理" if follow_up else "",
                    recorded_by=recorder,
                )
            )
            day += dt.timedelta(days=max(1, interval - int(rng.integers(0, 1 + interval // 4))))
    CareVisit.objects.bulk_create(visits, batch_size=2000)
    return len(visits)


def _provider() -> Provider:
    provider = Provider.objects.filter(active=True).order_by("pk").first()
    if provider is None:
        provider, _ = Provider.objects.get_or_create(
            credit_code="52320582MJ0000099X",
            defaults={
                "name": "张家港市智慧养老呼叫服务中心",
                "division_code": "320582",
                "contact": "值班室",
            },
        )
    return provider


def _devices(today: dt.date, rng: np.random.Generator, office: User) -> list[Device]:
    tiers = list(
        CareTier.objects.filter(valid_to__isnull=True, tier__in=("high", "key"))
        .select_related("person")
        .order_by("person_id")
    )
    if not tiers:
        return []
    chosen = rng.choice(len(tiers), size=min(DEVICE_TARGET, len(tiers)), replace=False)
    provider = _provider()
    kinds = ["sos"] * 6 + ["smoke", "gas", "inactivity", "door", "water"]
    devices = []
    for number, index in enumerate(sorted(int(i) for i in chosen), start=1):
        kind = str(rng.choice(kinds))
        devices.append(
            device_register(
                acting_user=office,
                person=tiers[index].person,
                device_type=kind,
                serial=f"ZJG-{kind.upper()}-{number:05d}",
                installed_on=add_months(today.replace(day=1), -int(rng.integers(2, 12))),
                provider=provider,
                on=today,
            )
        )
    return devices


def _responder(device: Device, clerks: dict[str, User]) -> User | None:
    staff = (
        User.objects.filter(provider_staff__provider_id=device.provider_id, is_active=True)
        .order_by("pk")
        .first()
    )
    return staff or clerks.get(device.division_code[:9])


def _alarms(
    today: dt.date, rng: np.random.Generator, office: User, devices: list[Device]
) -> dict[str, int]:
    now = timezone.now().replace(microsecond=0)
    clerks = _recorders()
    made = {"alarms": 0, "alarms_late": 0, "alarms_false": 0}
    offsets = sorted(float(x) for x in rng.uniform(60, 30 * 24 * 60, size=ALARM_TARGET))
    for minutes_ago in reversed(offsets):
        device = devices[int(rng.integers(0, len(devices)))]
        at = now - dt.timedelta(minutes=minutes_ago)
        if timezone.localdate(at) < device.installed_on:
            continue
        result = device_event_receive(
            acting_user=office, serial=device.serial, event_type=device.device_type, at=at, now=at
        )
        if not result.opened:
            continue
        alarm = result.alarm
        made["alarms"] += 1
        if rng.random() < 0.3:  # pressed again a few minutes later
            device_event_receive(
                acting_user=office,
                serial=device.serial,
                event_type=device.device_type,
                at=at + dt.timedelta(minutes=int(rng.integers(1, 5))),
                now=at + dt.timedelta(minutes=5),
            )
        responder = _responder(device, clerks)
        if responder is None:
            continue
        alarm_dispatch(
            acting_user=office,
            alarm=alarm,
            responder=responder,
            at=at + dt.timedelta(minutes=int(rng.integers(1, 4))),
        )
        if rng.random() < 0.1:
            alarm_false(
                acting_user=office,
                alarm=alarm,
                at=at + dt.timedelta(minutes=int(rng.integers(5, 12))),
                notes="电话回访确认老人误按呼叫键，身体无恙",
            )
            made["alarms_false"] += 1
            continue
        late = rng.random() < 0.08
        arrive_minutes = int(rng.integers(17, 40)) if late else int(rng.integers(5, 15))
        if late:
            alarms_overdue_alert(acting_user=None, at=at + dt.timedelta(minutes=16))
            made["alarms_late"] += 1
        alarm_arrive(acting_user=office, alarm=alarm, at=at + dt.timedelta(minutes=arrive_minutes))
        alarm_close(
            acting_user=office,
            alarm=alarm,
            at=at + dt.timedelta(minutes=arrive_minutes + int(rng.integers(10, 50))),
            notes=str(
                rng.choice(
                    [
                        "老人在卫生间滑倒，已扶起，无明显外伤，通知子女",
                        "老人胸闷，已陪同拨打120送医",
                        "燃气阀门未关，已关闭并开窗通风",
                        "厨房烧水干锅，已处理，提醒老人注意用火安全",
                        "老人外出未带手机，邻居协助联系后确认安全",
                    ]
                )
            ),
        )
    # One alarm open now, not yet dispatched.
    device = devices[0]
    result = device_event_receive(
        acting_user=office,
        serial=device.serial,
        event_type=device.device_type,
        at=now - dt.timedelta(minutes=4),
        now=now,
    )
    made["alarms"] += int(result.opened)
    return made


def demo_care(*, today: dt.date, rng: np.random.Generator) -> dict[str, int]:
    made = {"care_profiles": _profiles(today)}
    start = add_months(today.replace(day=1), -3)
    risk_tiers_assign(acting_user=None, month=start)
    result = risk_tiers_assign(acting_user=None, month=today.replace(day=1))
    made["care_tiers"] = result.covered
    made["care_visits"] = _visits(today, rng, start)
    made["care_visits_missed"] = visits_missed_alert(acting_user=None, on=today)
    office = (
        User.objects.filter(role=Role.CITY_STAFF, business_line=BusinessLine.ELDERCARE)
        .order_by("pk")
        .first()
        or User.objects.filter(role=Role.CITY_ADMIN).order_by("pk").first()
    )
    if office is None:
        return made
    devices = _devices(today, rng, office)
    made["care_devices"] = len(devices)
    if devices:
        made |= _alarms(today, rng, office, devices)
    made["care_tiers_high"] = CareTier.objects.filter(valid_to__isnull=True, tier="high").aggregate(
        n=Count("pk")
    )["n"]
    return made
