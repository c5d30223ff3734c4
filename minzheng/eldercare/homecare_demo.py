"""Demo data of home services (居家上门服务), made through the services where they check input.

Three providers, a catalogue of ten items (prices are DEMO VALUES, not the city's tariff),
caregivers (the demo account "caregiver" is one of the first provider's, whose manager is the
demo account "provider"), plans for about 150 elders (the frailest first), their home
coordinates near their town, and the orders of the previous and the current month: the past
ones done with plausible check-in/out times and locations, today's planned (some for the demo
caregiver). A few of the previous month's visits are deliberately suspicious (too short, far
from home, overlapping for one caregiver, a reused photo) for the supervision rules.

Past visits are completed in bulk (their timeline rows are written, not audited one by one):
the demo is a picture of a month already served, not a replay of 2,000 phone check-ins.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from minzheng.accounts.models import BusinessLine, Role, User
from minzheng.eldercare.homecare import (
    CaregiverIn,
    PlanIn,
    ProviderIn,
    ServiceItemIn,
    caregiver_save,
    orders_plan_generate,
    provider_save,
    provider_staff_link,
    service_item_save,
    service_plan_create,
    work_order_create,
)
from minzheng.eldercare.models import Caregiver, ServicePlan, WorkOrder
from minzheng.eldercare.workflows import WORK_ORDER
from minzheng.registry.models import Person
from minzheng.registry.selectors import years_before
from minzheng.rules.parameters import add_months
from minzheng.workflow.models import TransitionRecord

ELDERS = 150
YANGSHE = "320582100"
# Approximate centres of the towns (WGS-84), for demo home locations only.
TOWN_CENTRES = {
    "320582001": (31.946, 120.395),
    "320582002": (31.918, 120.445),
    "320582003": (31.962, 120.480),
    "320582100": (31.875, 120.556),
    "320582101": (31.810, 120.640),
    "320582103": (31.940, 120.620),
    "320582104": (31.935, 120.745),
    "320582105": (31.760, 120.620),
    "320582106": (31.880, 120.760),
    "320582107": (31.960, 120.540),
    "320582400": (31.880, 120.830),
}
PROVIDERS = (
    ("张家港颐康居家养老服务中心", "52320582MJA000101K", "周经理", "0512-58000001"),
    ("张家港市乐龄护理服务社", "52320582MJA000202L", "沈主任", "0512-58000002"),
    ("张家港安居为老服务有限公司", "91320582MAA000303M", "顾经理", "0512-58000003"),
)
# code, name, category, standard minutes, shortest acceptable, price (DEMO VALUE), times/month
CATALOGUE = (
    ("ZJ01", "助洁：居室清洁整理", "助洁", 60, 45, "40.00", 4),
    ("ZJ02", "助洁：衣物被褥清洗", "助洁", 60, 45, "40.00", 2),
    ("ZY01", "助浴：上门协助洗浴", "助浴", 60, 45, "60.00", 2),
    ("ZC01", "助餐：协助进食", "助餐", 30, 20, "20.00", 4),
    ("ZX01", "助行：陪同散步与外出", "助行", 60, 40, "35.00", 4),
    ("ZYI1", "助医：陪同就医", "助医", 120, 90, "80.00", 1),
    ("ZYI2", "助医：健康监测（血压、血糖）", "助医", 30, 20, "25.00", 4),
    ("SH01", "生活照料：个人清洁与修饰", "生活照料", 45, 30, "35.00", 4),
    ("KF01", "康复护理：肢体功能训练", "康复护理", 45, 30, "50.00", 4),
    ("JS01", "精神慰藉：陪伴聊天", "精神慰藉", 60, 40, "30.00", 2),
)
CAREGIVER_NAMES = (
    "李桂英", "王秀兰", "张红梅", "陈玉芳", "刘小红", "钱美华",
    "孙丽萍", "周素珍", "吴建英", "郑雪梅", "朱凤琴", "黄月娥",
    "徐春燕", "沈菊芳", "顾小妹", "陆金凤", "蒋秀珍", "杨国英",
)  # fmt: skip


def _office(division_code: str, clerks: dict[str, User], city: User) -> User:
    return clerks.get(division_code[:9], city)


def _local(day: dt.date, minutes: int) -> dt.datetime:
    start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=timezone.get_current_timezone())
    return start + dt.timedelta(minutes=minutes)


def _near(centre: tuple[Decimal, Decimal], metres: float, rng: np.random.Generator) -> tuple:
    """A point about `metres` from `centre` in a random direction (1 degree ~ 111 km)."""
    angle = rng.uniform(0, 2 * np.pi)
    dlat = metres * np.cos(angle) / 111_000
    dlng = metres * np.sin(angle) / (111_000 * np.cos(np.radians(float(centre[0]))))
    return (
        (centre[0] + Decimal(f"{dlat:.6f}")).quantize(Decimal("0.000001")),
        (centre[1] + Decimal(f"{dlng:.6f}")).quantize(Decimal("0.000001")),
    )


def _photo(rng: np.random.Generator) -> str:
    return hashlib.sha256(rng.bytes(32)).hexdigest()


def demo_homecare(*, today: dt.date, rng: np.random.Generator) -> dict[str, int]:
    city = (
        User.objects.filter(
            role=Role.CITY_STAFF, business_line=BusinessLine.ELDERCARE, is_active=True
        )
        .order_by("pk")
        .first()
    )
    if city is None:
        return {}
    with transaction.atomic():
        return _demo(today=today, rng=rng, city=city)


def _demo(*, today: dt.date, rng: np.random.Generator, city: User) -> dict[str, int]:
    providers = [
        provider_save(
            acting_user=city,
            data=ProviderIn(name=name, credit_code=code, contact=contact, phone=phone),
        )
        for name, code, contact, phone in PROVIDERS
    ]
    items = {
        code: service_item_save(
            acting_user=city,
            data=ServiceItemIn(code, name, category, minutes, shortest, Decimal(price)),
        )
        for code, name, category, minutes, shortest, price, _times in CATALOGUE
    }
    usual_times = {code: times for code, *_rest, times in CATALOGUE}
    demo_caregiver_user = User.objects.filter(username="caregiver", role=Role.PROVIDER).first()
    if User.objects.filter(username="provider", role=Role.PROVIDER).exists():
        provider_staff_link(
            acting_user=city, provider=providers[0], username="provider", is_manager=True
        )
    if demo_caregiver_user is not None:
        provider_staff_link(
            acting_user=city, provider=providers[0], username="caregiver", is_manager=False
        )
    caregivers: dict[int, list[Caregiver]] = {provider.pk: [] for provider in providers}
    for index, name in enumerate(CAREGIVER_NAMES):
        provider = providers[index % len(providers)]
        expired = index == 7  # one certificate lapsed: the provider page warns
        caregiver = caregiver_save(
            acting_user=city,
            provider=provider,
            data=CaregiverIn(
                name=name,
                skill_level=str(int(rng.choice([5, 5, 4, 4, 3]))),
                certificate_number=f"3205820{2020 + index % 6}{index:05d}",
                certificate_valid_to=(
                    today - dt.timedelta(days=40)
                    if expired
                    else today + dt.timedelta(days=int(rng.integers(200, 1500)))
                ),
                training_hours=int(rng.integers(40, 240)),
                username="caregiver" if index == 0 and demo_caregiver_user is not None else "",
            ),
        )
        caregivers[provider.pk].append(caregiver)

    clerks = {
        user.division_code: user
        for user in User.objects.filter(role=Role.TOWN_CLERK, is_active=True).order_by("-pk")
    }
    candidates = list(
        Person.objects.filter(death_date__isnull=True, birth_date__lte=years_before(today, 60))
        .exclude(service_plans__isnull=False)
        .values_list("pk", "residence_division_id", "birth_date", "ability_level")
        .order_by("pk")
    )
    # The frailest and oldest first, with some chance: who gets home services in practice.
    weights = np.array(
        [
            (level or 0) * 3 + max(0, (today - born).days / 365.25 - 60) / 5 + rng.random()
            for _pk, _division, born, level in candidates
        ]
    )
    order = np.argsort(-weights, kind="stable")[:ELDERS]
    first_month = add_months(today.replace(day=1), -1)
    plans: list[ServicePlan] = []
    homes: dict[int, tuple[Decimal, Decimal]] = {}
    for position in order:
        person_id, division, _born, _level = candidates[int(position)]
        town = division[:9]
        centre = TOWN_CENTRES.get(town, TOWN_CENTRES["320582100"])
        home = _near((Decimal(str(centre[0])), Decimal(str(centre[1]))), rng.uniform(0, 2500), rng)
        provider = (
            providers[int(rng.integers(0, len(providers)))] if town != YANGSHE else providers[0]
        )
        chosen = rng.choice(list(items), size=int(rng.integers(1, 4)), replace=False)
        plan_items = {str(code): usual_times[str(code)] for code in chosen}
        cost = sum(items[code].price * times for code, times in plan_items.items())
        plan = service_plan_create(
            acting_user=_office(division, clerks, city),
            person_id=person_id,
            data=PlanIn(
                provider_id=provider.pk,
                items=plan_items,
                monthly_budget=min(Decimal("600.00"), cost),
                valid_from=add_months(first_month, -int(rng.integers(0, 8))),
                home_lat=home[0],
                home_lng=home[1],
            ),
            on=today,
        )
        plans.append(plan)
        homes[plan.pk] = home

    made = {}
    for month in (first_month, today.replace(day=1)):
        made[month] = orders_plan_generate(acting_user=city, month=month, on=today).created

    # Each elder has a regular caregiver of the provider; the demo caregiver has the first
    # provider's Yangshe elders.
    regular: dict[int, Caregiver] = {}
    for index, plan in enumerate(plans):
        staff = caregivers[plan.provider_id]
        regular[plan.pk] = staff[index % len(staff)]
    for plan in plans:
        WorkOrder.objects.filter(plan=plan).update(caregiver=regular[plan.pk])
    orders = list(
        WorkOrder.objects.filter(plan__in=plans)
        .select_related("item", "caregiver")
        .order_by("scheduled_on", "pk")
    )
    demo_caregiver = caregivers[providers[0].pk][0]
    todays = _today_for_demo_caregiver(
        today=today, plans=plans, caregiver=demo_caregiver, orders=orders, city=city
    )

    done = _complete_past(orders=orders, today=today, homes=homes, rng=rng, actor=city)
    suspicious = _suspicious(orders=done, first_month=first_month, homes=homes, rng=rng)
    return {
        "居家服务商 home-service providers": len(providers),
        "服务项目 service items": len(items),
        "护理员 caregivers": sum(len(staff) for staff in caregivers.values()),
        "服务计划 service plans": len(plans),
        "上门服务工单 work orders": WorkOrder.objects.filter(plan__in=plans).count(),
        "已完成上门服务 visits done": len(done),
        "今日待服务（护理员caregiver）today's visits of the demo caregiver": todays,
        "可疑上门服务 suspicious visits made": suspicious,
    }


def _today_for_demo_caregiver(
    *,
    today: dt.date,
    plans: list[ServicePlan],
    caregiver: Caregiver,
    orders: list[WorkOrder],
    city: User,
) -> int:
    """Give the demo caregiver five of today's visits of their provider in 杨舍镇 (adding some
    when there are fewer): the phone page has something to check in."""
    own = [
        plan
        for plan in plans
        if plan.provider_id == caregiver.provider_id and plan.division_code.startswith(YANGSHE)
    ]
    own_ids = {plan.pk for plan in own}
    todays = [
        order for order in orders if order.scheduled_on == today and order.plan_id in own_ids
    ][:5]
    for plan in own[: max(0, 5 - len(todays))]:
        plan_item = plan.items.select_related("item").first()
        todays.append(
            work_order_create(
                acting_user=city,
                person_id=plan.person_id,
                provider_id=plan.provider_id,
                item_code=plan_item.item.code,
                scheduled_on=today,
                on=today,
            )
        )
    for order in todays:
        order.caregiver = caregiver
    WorkOrder.objects.bulk_update(todays, ["caregiver"])
    return len(todays)


def _complete_past(
    *,
    orders: list[WorkOrder],
    today: dt.date,
    homes: dict[int, tuple[Decimal, Decimal]],
    rng: np.random.Generator,
    actor: User,
) -> list[WorkOrder]:
    """Check the visits before today in and out: a morning or afternoon slot of each caregiver,
    the item's standard time give or take, within ~60 m of the home; 3 in 100 cancelled."""
    done, cancelled, records = [], [], []
    slot: dict[tuple[int, dt.date], int] = {}
    for order in orders:
        if order.scheduled_on >= today:
            continue
        if rng.random() < 0.03:
            order.state = "cancelled"
            cancelled.append(order)
            continue
        key = (order.caregiver_id, order.scheduled_on)
        start = slot.get(key, 8 * 60 + int(rng.integers(0, 40)))  # from about 8 o'clock
        minutes = max(order.item.min_minutes + 2, int(rng.normal(order.item.minutes, 6)))
        slot[key] = start + minutes + int(rng.integers(20, 50))  # travel to the next elder
        home = homes[order.plan_id]
        order.state = "done"
        order.check_in_at = _local(order.scheduled_on, start)
        order.check_out_at = order.check_in_at + dt.timedelta(minutes=minutes)
        order.check_in_lat, order.check_in_lng = _near(home, rng.uniform(0, 60), rng)
        order.check_out_lat, order.check_out_lng = _near(home, rng.uniform(0, 60), rng)
        order.check_in_photo = _photo(rng) if rng.random() < 0.8 else ""
        order.check_out_photo = _photo(rng) if rng.random() < 0.5 else ""
        done.append(order)
        for name, source, target, at in (
            ("check_in", "planned", "in_service", order.check_in_at),
            ("check_out", "in_service", "done", order.check_out_at),
        ):
            records.append(
                TransitionRecord(
                    workflow=WORK_ORDER.name,
                    object_id=order.pk,
                    transition=name,
                    from_state=source,
                    to_state=target,
                    actor=order.caregiver.user or actor,
                    on=at.date(),
                    note="",
                    data={"demo": True},
                )
            )
    fields = [
        "state",
        "check_in_at",
        "check_out_at",
        "check_in_lat",
        "check_in_lng",
        "check_out_lat",
        "check_out_lng",
        "check_in_photo",
        "check_out_photo",
    ]
    _update_rows(done + cancelled, fields)
    TransitionRecord.objects.bulk_create(records, batch_size=500)
    return done


def _update_rows(orders: list[WorkOrder], fields: list[str]) -> None:
    """One UPDATE statement run for many rows (Django's bulk_update builds a CASE per field,
    which is slow for thousands of rows)."""
    model_fields = [WorkOrder._meta.get_field(name) for name in fields]
    columns = ", ".join(f"{connection.ops.quote_name(field.column)} = %s" for field in model_fields)
    table = connection.ops.quote_name(WorkOrder._meta.db_table)
    rows = [
        [
            field.get_db_prep_save(getattr(order, field.attname), connection)
            for field in model_fields
        ]
        + [order.pk]
        for order in orders
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {columns} WHERE id = %s", rows)  # noqa: S608


def _suspicious(
    *,
    orders: list[WorkOrder],
    first_month: dt.date,
    homes: dict[int, tuple[Decimal, Decimal]],
    rng: np.random.Generator,
) -> int:
    """In the previous month: 4 too short, 3 far from home, 2 overlapping pairs, 2 reused photos."""
    previous = [
        order
        for order in orders
        if order.scheduled_on < add_months(first_month, 1) and order.check_in_photo
    ]
    if len(previous) < 20:
        return 0
    picks = [previous[int(index)] for index in rng.choice(len(previous), 20, replace=False)]
    changed: list[WorkOrder] = []
    for order in picks[:4]:  # too short: a quarter of an hour under the shortest time
        order.check_out_at = order.check_in_at + dt.timedelta(
            minutes=max(1, order.item.min_minutes - 15)
        )
        changed.append(order)
    for order in picks[4:7]:  # checked in and out some 3 km from the elder's home
        order.check_in_lat, order.check_in_lng = _near(homes[order.plan_id], 3200, rng)
        order.check_out_lat, order.check_out_lng = _near(homes[order.plan_id], 3100, rng)
        changed.append(order)
    by_caregiver: dict[int, list[WorkOrder]] = {}
    for order in previous:
        if order not in picks:
            by_caregiver.setdefault(order.caregiver_id, []).append(order)
    pairs = [visits[:2] for visits in by_caregiver.values() if len(visits) >= 2][:2]
    for first, second in pairs:  # the second visit begins before the first one ended
        length = second.check_out_at - second.check_in_at
        second.scheduled_on = first.scheduled_on
        second.check_in_at = first.check_in_at + dt.timedelta(minutes=15)
        second.check_out_at = second.check_in_at + length
        changed.extend([second])
    for source, target in (picks[7:9], picks[9:11]):  # the same photo on two visits
        target.check_in_photo = source.check_in_photo
        changed.append(target)
    _update_rows(
        changed,
        [
            "scheduled_on",
            "check_in_at",
            "check_out_at",
            "check_in_lat",
            "check_in_lng",
            "check_out_lat",
            "check_out_lng",
            "check_in_photo",
        ],
    )
    return len(changed)
