"""Benchmark: supervise one month of home-service visits and settle one provider's month.

    .venv/bin/python bench/eldercare_visits.py [--visits 100000] [--provider-visits 20000]
        [--scale 1.0] [--skip-sqlite] [--skip-postgres]

Targets (issue 6): the supervision rules over one month of visits at scale 1.0 (at least
100,000 visits) <= 30 s; the monthly settlement of 20,000 visits of one provider <= 10 s.
Each database is new and thrown away (SQLite in a temporary folder; PostgreSQL at
127.0.0.1:5432, user postgres). The setup loads the synthetic city and writes what the
home-service services would have left behind for its people aged 60 and over (providers,
caregivers, plans, done visits with check-in and check-out), with a few visits of each kind of
problem; only supervision (first run, then a second run that must change nothing) and the
settlement are timed.
"""

from __future__ import annotations

import argparse
import json
import time

from common import city_loaded, django_setup, postgres_database, run_child

PROVIDERS = 20
VISITS_PER_CAREGIVER = 200  # about seven a day


def child(visits: int, provider_visits: int, scale: float) -> None:
    """Run inside a process whose MINZHENG_DATABASE_URL names an empty database."""
    django_setup()
    import datetime as dt
    import random
    from decimal import Decimal

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from minzheng.accounts.models import BusinessLine, Role, User
    from minzheng.eldercare.models import (
        Caregiver,
        ElderProfile,
        Provider,
        ServiceItem,
        ServicePlan,
        WorkOrder,
    )
    from minzheng.eldercare.settlement import settlement_close
    from minzheng.eldercare.supervision import supervise
    from minzheng.registry.models import Person

    rng = random.Random(6)
    city_loaded(scale)
    staff = User.objects.create(
        username="bench_eldercare", role=Role.CITY_STAFF, business_line=BusinessLine.ELDERCARE
    )
    elders = list(
        Person.objects.filter(birth_date__lte=dt.date(1966, 10, 1), death_date__isnull=True)
        .order_by("pk")
        .values_list("pk", "hukou_division_id")
    )
    home = {pk: (31.80 + rng.random() * 0.15, 120.45 + rng.random() * 0.2) for pk, _ in elders}
    ElderProfile.objects.bulk_create(
        [
            ElderProfile(
                person_id=pk,
                division_code=division,
                home_lat=Decimal(f"{home[pk][0]:.6f}"),
                home_lng=Decimal(f"{home[pk][1]:.6f}"),
            )
            for pk, division in elders
        ],
        batch_size=2000,
    )
    items = [
        ServiceItem.objects.create(
            code=f"BX{n}", name=name, category=name[:2], minutes=60, min_minutes=45, price=price
        )
        for n, (name, price) in enumerate(
            [("助洁：居室清洁", Decimal("40.00")), ("助浴：协助洗浴", Decimal("60.00"))]
        )
    ]
    providers = Provider.objects.bulk_create(
        [
            Provider(
                name=f"居家服务商{n:02d}",
                credit_code=f"5232058200BX{n:06d}",
                division_code="320582",
            )
            for n in range(PROVIDERS)
        ]
    )
    # provider 0 has `provider_visits`; the others share the rest
    shares = [provider_visits] + [(visits - provider_visits) // (PROVIDERS - 1)] * (PROVIDERS - 1)
    shares[-1] += visits - sum(shares)
    caregivers: list[tuple[int, list[Caregiver]]] = []
    for provider, share in zip(providers, shares, strict=True):
        count = max(1, share // VISITS_PER_CAREGIVER)
        made = Caregiver.objects.bulk_create(
            [
                Caregiver(provider=provider, name=f"护理员{provider.pk}-{n}", skill_level="4")
                for n in range(count)
            ]
        )
        caregivers.append((share, made))
    # each elder has one plan with one provider, a budget of 300 a month
    per_elder = max(1, visits // len(elders) + 1)
    elder_cycle = iter(elders * 100)
    plans: list[ServicePlan] = []
    plan_of_provider: list[list[ServicePlan]] = []
    for provider, (share, _made) in zip(providers, caregivers, strict=True):
        mine = []
        for _ in range(max(1, share // per_elder)):
            pk, division = next(elder_cycle)
            mine.append(
                ServicePlan(
                    person_id=pk,
                    provider=provider,
                    division_code=division,
                    valid_from=dt.date(2026, 1, 1),
                    monthly_budget=Decimal("300.00"),
                    created_by=staff,
                )
            )
        plans.extend(mine)
        plan_of_provider.append(mine)
    ServicePlan.objects.bulk_create(plans, batch_size=2000)
    tz = timezone.get_current_timezone()
    orders: list[WorkOrder] = []
    number = 0
    photos: list[str] = []
    for provider, (share, made), mine in zip(providers, caregivers, plan_of_provider, strict=True):
        for n in range(share):
            caregiver = made[n % len(made)]
            slot = n // len(made)  # the caregiver's n-th visit of the month
            day, hour = 1 + slot // 7, 8 + slot % 7  # seven one-hour slots a day, 30 days
            plan = mine[n % len(mine)]
            item = items[n % 2]
            start = dt.datetime(2026, 10, min(day, 31), hour, 0, tzinfo=tz)
            length = 50
            lat, lng = home[plan.person_id]
            roll = rng.random()
            if roll < 0.02:
                length = 20  # too short
            elif roll < 0.03:
                lat += 0.02  # about 2 km away
            elif roll < 0.035:
                start += dt.timedelta(minutes=30)  # runs into the next slot
                length = 60
            number += 1
            photo = f"{number:064x}"
            if roll > 0.997 and photos:
                photo = rng.choice(photos)  # a photo used before
            photos.append(photo)
            orders.append(
                WorkOrder(
                    number=f"WO2026{number:010d}",
                    plan=plan,
                    item=item,
                    person_id=plan.person_id,
                    provider=provider,
                    caregiver=caregiver,
                    division_code=plan.division_code,
                    scheduled_on=start.date(),
                    state="done",
                    check_in_at=start,
                    check_out_at=start + dt.timedelta(minutes=length),
                    check_in_lat=Decimal(f"{lat:.6f}"),
                    check_in_lng=Decimal(f"{lng:.6f}"),
                    check_out_lat=Decimal(f"{lat:.6f}"),
                    check_out_lng=Decimal(f"{lng:.6f}"),
                    check_in_photo=photo,
                    check_out_photo=f"{number + 10**9:064x}",
                    amount=item.price,
                )
            )
    WorkOrder.objects.bulk_create(orders, batch_size=2000)
    # a few elders died during the month
    dead = rng.sample([plan.person_id for plan in plans], max(1, len(plans) // 200))
    Person.objects.filter(pk__in=dead).update(death_date=dt.date(2026, 10, 15))
    month = dt.date(2026, 10, 1)
    today = dt.date(2026, 11, 5)

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = supervise(acting_user=staff, month=month, on=today)
        first_s = time.perf_counter() - started
    first_queries = len(queries.captured_queries)
    started = time.perf_counter()
    again = supervise(acting_user=staff, month=month, on=today)
    second_s = time.perf_counter() - started
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        settlement, _ = settlement_close(
            acting_user=staff, provider=providers[0], month=month, today=today
        )
        settle_s = time.perf_counter() - started
    print(
        json.dumps(
            {
                "visits": result.visits,
                "supervise_s": round(first_s, 2),
                "supervise_queries": first_queries,
                "flagged": result.flagged,
                "alerts": result.alerts,
                "by_code": result.by_code,
                "second_s": round(second_s, 2),
                "second_changed": again.changed,
                "second_alerts": again.alerts,
                "settle_visits": settlement.orders_paid + settlement.orders_held,
                "settle_paid": settlement.orders_paid,
                "settle_held": settlement.orders_held,
                "settle_s": round(settle_s, 2),
                "settle_queries": len(queries.captured_queries),
            }
        )
    )


def run(label: str, url: str | None, visits: int, provider_visits: int, scale: float) -> None:
    arguments = ["--visits", str(visits), "--provider-visits", str(provider_visits)]
    f = run_child(__file__, [*arguments, "--scale", str(scale)], url)
    print(
        f"{label}: supervision of {f['visits']:,} visits {f['supervise_s']} s (target <= 30), "
        f"{f['supervise_queries']} queries, {f['flagged']:,} flagged {f['by_code']}, "
        f"{f['alerts']:,} alerts; again {f['second_s']} s, changed {f['second_changed']}, "
        f"new alerts {f['second_alerts']}. Settlement of {f['settle_visits']:,} visits of one "
        f"provider ({f['settle_paid']:,} paid, {f['settle_held']:,} held) {f['settle_s']} s "
        f"(target <= 10), {f['settle_queries']} queries"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--provider-visits", type=int, default=20_000)
    parser.add_argument("--scale", type=float, default=1.0, help="the synthetic city's scale")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(options.visits, options.provider_visits, options.scale)
        return
    sizes = (options.visits, options.provider_visits, options.scale)
    if not options.skip_sqlite:
        run("SQLite", None, *sizes)
    if not options.skip_postgres:
        with postgres_database("minzheng_bench_eldercare") as url:
            run("PostgreSQL", url, *sizes)


if __name__ == "__main__":
    main()
