"""Benchmark: the ageing bulletin (老龄工作公报, issue 6 item 7) of the whole city.

    .venv/bin/python bench/eldercare_bulletin.py [--scale 1.0] [--skip-sqlite] [--skip-postgres]

Target: the bulletin at scale 1.0 (about 922,000 persons) <= 60 s, figures and Word document
with its charts, with a query count that does not grow with the population. Each database is
new and thrown away. The setup loads a synthetic city, gives one person in five aged 60 and
over an ability assessment (some two), and records 100,000 home-service visits done in the year
with their monthly settlements, and fills the other parts: the longevity allowance of everyone
80 and over, 300,000 meals, 100,000 care visits with tiers, devices and alarms, 60 institutions
with their residents and fee ledgers; then the bulletin is built (the figures, then the .docx) and
timed, with its queries counted.
"""

from __future__ import annotations

import json
import time

from common import city_loaded, django_setup, scale_benchmark

YEAR = 2026
VISITS = 100_000


def child(scale: float) -> None:
    """Run inside a process whose MINZHENG_DATABASE_URL names an empty database."""
    django_setup()
    import datetime as dt
    import random
    from decimal import Decimal

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from minzheng.accounts.models import BusinessLine, Role, User
    from minzheng.eldercare.models import (
        Assessment,
        Caregiver,
        PlanItem,
        Provider,
        ServiceItem,
        ServicePlan,
        Settlement,
        WorkOrder,
    )
    from minzheng.eldercare.report import ageing_bulletin, bulletin_docx, cjk_font
    from minzheng.registry.models import Person

    rng = random.Random(1)
    started = time.perf_counter()
    city = city_loaded(scale)
    staff = User.objects.create(
        username="bench_bulletin", role=Role.CITY_STAFF, business_line=BusinessLine.ELDERCARE
    )
    end = dt.date(YEAR, 12, 31)
    elders = list(
        Person.objects.filter(birth_date__lte=dt.date(YEAR - 60, 12, 31), death_date__isnull=True)
        .values_list("pk", "residence_division_id")
        .order_by("pk")
    )
    assessed = rng.sample(elders, len(elders) // 5)
    levels = [(90, 0), (75, 1), (55, 2), (40, 3), (20, 4)]
    assessments = []
    for person, division in assessed:
        for _again in range(1 + (rng.random() < 0.2)):
            total, level = rng.choice(levels)
            assessments.append(
                Assessment(
                    person_id=person,
                    division_code=division,
                    assessed_on=dt.date(YEAR - rng.randint(0, 1), rng.randint(1, 11), 1),
                    reason="regular",
                    assessors="评估员甲 评估员乙",
                    recorded_by=staff,
                    items={},
                    total=total,
                    domain_totals={},
                    score_level=level,
                    level=level,
                    next_due_on=end,
                )
            )
    Assessment.objects.bulk_create(assessments, batch_size=5000)
    provider = Provider.objects.create(
        name="基准测试服务商", credit_code="52320582MJBENCH01X", division_code="320582"
    )
    caregiver = Caregiver.objects.create(provider=provider, name="护理员", skill_level="4")
    categories = ["助洁", "助浴", "助医", "生活照料", "康复护理"]
    items = [
        ServiceItem.objects.create(
            code=f"B{index}",
            name=f"{category}服务",
            category=category,
            minutes=60,
            min_minutes=30,
            price=Decimal(40 + 10 * index),
        )
        for index, category in enumerate(categories)
    ]
    served = rng.sample(assessed, min(len(assessed), 8000))
    plans = ServicePlan.objects.bulk_create(
        [
            ServicePlan(
                person_id=person,
                provider=provider,
                division_code=division,
                valid_from=dt.date(YEAR, 1, 1),
                monthly_budget=Decimal("600.00"),
                created_by=staff,
            )
            for person, division in served
        ]
    )
    PlanItem.objects.bulk_create(
        [PlanItem(plan=plan, item=items[0], times_per_month=4) for plan in plans]
    )
    orders = []
    for index in range(VISITS):
        plan = plans[index % len(plans)]
        item = items[index % len(items)]
        orders.append(
            WorkOrder(
                number=f"WO{YEAR}{index:08d}",
                plan=plan,
                item=item,
                person_id=plan.person_id,
                provider=provider,
                caregiver=caregiver,
                division_code=plan.division_code,
                scheduled_on=dt.date(YEAR, 1 + index % 11, 1 + index % 28),
                state="refused" if index % 97 == 0 else "done",
                amount=item.price,
            )
        )
    WorkOrder.objects.bulk_create(orders, batch_size=5000)
    Settlement.objects.bulk_create(
        [
            Settlement(
                provider=provider,
                month=dt.date(YEAR, month, 1),
                orders_paid=VISITS // 11,
                orders_held=10,
                amount=Decimal("450000.00"),
                lines=[],
                closed_by=staff,
            )
            for month in range(1, 12)
        ]
    )
    _other_parts(rng, staff, elders, provider)
    setup = time.perf_counter() - started
    cjk_font()  # the font cache: built once per process, not part of a bulletin
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        bulletin = ageing_bulletin(user=staff, year=YEAR, today=dt.date(YEAR, 11, 28))
        figures_s = time.perf_counter() - started
        started = time.perf_counter()
        content = bulletin_docx(bulletin)
        document_s = time.perf_counter() - started
    print(
        json.dumps(
            {
                "persons": city.persons.height,
                "elderly": bulletin.figures["elderly"],
                "assessments": len(assessments),
                "visits": VISITS,
                "setup_s": round(setup, 1),
                "figures_s": round(figures_s, 2),
                "document_s": round(document_s, 2),
                "total_s": round(figures_s + document_s, 2),
                "queries": len(queries),
                "bytes": len(content),
                "charts": len(bulletin.charts),
            }
        )
    )


def _other_parts(rng, staff, elders, provider) -> None:
    """Rows of the entitlement, meal, care and institution parts, in bulk."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from minzheng.eldercare.models import (
        Alarm,
        CareTier,
        CareVisit,
        Device,
        Institution,
        LedgerEntry,
        LongevityEnrolment,
        MealPoint,
        MealRecord,
        Resident,
    )
    from minzheng.registry.models import Person

    oldest = Person.objects.filter(
        birth_date__lte=dt.date(YEAR - 80, 12, 31), death_date__isnull=True
    ).values_list("pk", "residence_division_id", "birth_date")
    LongevityEnrolment.objects.bulk_create(
        [
            LongevityEnrolment(
                person_id=person,
                division_code=division,
                min_age=min(100, (YEAR - born.year) // 10 * 10),
                amount=Decimal({80: 50, 90: 100}.get((YEAR - born.year) // 10 * 10, 300)),
                valid_from=dt.date(max(2020, born.year + 80), born.month, 1),
            )
            for person, division, born in oldest
        ],
        batch_size=5000,
    )
    points = [
        MealPoint.objects.create(
            name=f"助餐点{index}",
            division_code=elders[index * len(elders) // 40][1][:9],
            address="社区",
            capacity=100,
            created_by=staff,
        )
        for index in range(40)
    ]
    diners = rng.sample(elders, min(3000, len(elders)))
    MealRecord.objects.bulk_create(
        [
            MealRecord(
                person_id=person,
                point=points[number % len(points)],
                division_code=division,
                served_on=dt.date(YEAR, 1, 1) + dt.timedelta(days=3 * day + number % 3),
                meal="lunch",
                price=Decimal("15.00"),
                category="age_60" if number % 5 else "age_80",
                subsidy=Decimal("3.00"),
                own_payment=Decimal("12.00"),
                subsidy_status="subsidised",
                recorded_by=staff,
            )
            for number, (person, division) in enumerate(diners)
            for day in range(100)  # 3,000 diners: 300,000 meals
        ],
        batch_size=5000,
    )
    watched = rng.sample(elders, min(30_000, len(elders)))
    CareTier.objects.bulk_create(
        [
            CareTier(
                person_id=person,
                division_code=division,
                tier=("high", "key", "general", "general")[index % 4],
                valid_from=dt.date(YEAR, 1, 1),
            )
            for index, (person, division) in enumerate(watched)
        ],
        batch_size=5000,
    )
    CareVisit.objects.bulk_create(
        [
            CareVisit(
                person_id=watched[index % len(watched)][0],
                division_code=watched[index % len(watched)][1],
                visited_on=dt.date(YEAR, 1, 1) + dt.timedelta(days=index % 330),
                channel=("home", "phone", "video")[index % 3],
                visitor="网格员",
                health="ok",
                economy="ok",
                family_support="ok",
                safety="ok",
                follow_up=index % 20 == 0,
                recorded_by=staff,
            )
            for index in range(100_000)
        ],
        batch_size=5000,
    )
    devices = Device.objects.bulk_create(
        [
            Device(
                person_id=person,
                division_code=division,
                device_type=("sos", "smoke", "gas", "inactivity")[index % 4],
                serial=f"DEV{index:07d}",
                installed_on=dt.date(YEAR - 1, 6, 1),
                provider=provider,
            )
            for index, (person, division) in enumerate(watched[:3000])
        ]
    )
    zone = timezone.get_current_timezone()
    alarms = []
    for index in range(5000):
        device = devices[index % len(devices)]
        opened = dt.datetime(YEAR, 1 + index % 11, 1 + index % 28, 9, tzinfo=zone)
        alarms.append(
            Alarm(
                number=f"BJ{index:08d}",
                device=device,
                person_id=device.person_id,
                provider=provider,
                division_code=device.division_code,
                kind=device.device_type,
                state="closed",
                opened_at=opened,
                arrive_by=opened + dt.timedelta(minutes=15),
                last_event_at=opened,
                arrived_at=opened + dt.timedelta(minutes=10 + index % 10),
                closed_at=opened + dt.timedelta(hours=1),
            )
        )
    Alarm.objects.bulk_create(alarms, batch_size=5000)
    homes = [
        Institution.objects.create(
            name=f"养老机构{index}",
            credit_code=f"52320582MJB{index:06d}X",
            division_code=elders[index * len(elders) // 60][1][:9],
            kind=("public_home", "public", "private", "public_private")[index % 4],
            beds_total=200,
            nursing_beds=120,
        )
        for index in range(60)
    ]
    residents = Resident.objects.bulk_create(
        [
            Resident(
                institution=homes[index % len(homes)],
                person_id=person,
                division_code=homes[index % len(homes)].division_code,
                admitted_on=dt.date(YEAR - 1, 3, 1),
                bed_number=f"{index:05d}",
                monthly_fee=Decimal("3500.00"),
            )
            for index, (person, _division) in enumerate(rng.sample(elders, min(8000, len(elders))))
        ],
        batch_size=5000,
    )
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                institution_id=resident.institution_id,
                resident=resident,
                division_code=resident.division_code,
                fund="deposit",
                kind="receipt",
                is_inflow=True,
                amount=Decimal("7000.00"),
                on=dt.date(YEAR - 1, 3, 1),
                recorded_by=staff,
            )
            for resident in residents
        ],
        batch_size=5000,
    )


def report(label: str, scale: float, figures: dict) -> None:
    print(
        f"{label} (scale {scale}): {figures['persons']:,} persons, {figures['elderly']:,} aged "
        f"60+, {figures['assessments']:,} assessments, {figures['visits']:,} visits "
        f"(setup {figures['setup_s']} s)\n"
        f"  bulletin {figures['total_s']} s (figures {figures['figures_s']} s, Word with "
        f"{figures['charts']} charts {figures['document_s']} s), {figures['queries']} queries, "
        f"{figures['bytes']:,} bytes (target <= 60 s)"
    )


def main() -> None:
    scale_benchmark(
        script=__file__,
        description=__doc__.splitlines()[0],
        child=child,
        report=report,
        database="minzheng_bench_bulletin",
    )


if __name__ == "__main__":
    main()
