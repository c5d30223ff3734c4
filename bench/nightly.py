"""Benchmark: the nightly rules from the database: monitoring and 政策找人 (issue 5).

    .venv/bin/python bench/nightly.py [--scale 1.0] [--skip-sqlite] [--skip-postgres]

Targets: nightly screening from the database at scale 1.0 on PostgreSQL <= 60 s end to end
(fetch, screen, write alerts), with a query count that does not grow with the population;
monitoring over one month of signals at scale 1.0 <= 30 s. Each database is new and thrown
away. The setup loads a synthetic city, makes the households the rules find eligible for dibao
(on the synthetic city's full data) active dibao cases, and imports one month of synthetic
department files of every source; only the nightly rules are timed, with their queries counted.
"""

from __future__ import annotations

import json
import time

from common import city_loaded, django_setup, scale_benchmark


def child(scale: float) -> None:
    """Run inside a process whose MINZHENG_DATABASE_URL names an empty database."""
    django_setup()
    import datetime as dt
    from decimal import Decimal

    import polars as pl
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from minzheng.accounts.models import BusinessLine, Role, User
    from minzheng.alerts.models import Alert
    from minzheng.assistance.models import AssistanceCase
    from minzheng.assistance.monitoring import monitoring_run
    from minzheng.assistance.screening import find_people_run
    from minzheng.exchange.services import exchange_import
    from minzheng.registry.models import Household
    from minzheng.rules import screen
    from minzheng.synth.exchange import exchange_file_content, exchange_file_name, exchange_files

    started = time.perf_counter()
    city = city_loaded(scale)
    staff = User.objects.create(
        username="bench_nightly", role=Role.CITY_STAFF, business_line=BusinessLine.ASSISTANCE
    )
    truth = screen(city.persons, city.households, "2026-10", programs=("dibao",)).frame
    eligible = set(truth.filter(pl.col("eligible"))["household_id"].to_list())
    numbers = dict(
        city.households.filter(pl.col("household_id").is_in(list(eligible)))
        .select("number", "household_id")
        .iter_rows()
    )
    rows = Household.objects.filter(number__in=list(numbers)).values_list(
        "pk", "division_id", "head_id"
    )
    AssistanceCase.objects.bulk_create(
        [
            AssistanceCase(
                number=f"SA2026010{index:07d}",
                program="dibao",
                household_id=household,
                applicant_id=head,
                division_code=division,
                state="active",
                channel="worker",
                request={"members": []},
                monthly_amount=Decimal("500.00"),
                start_month=dt.date(2026, 1, 1),
            )
            for index, (household, division, head) in enumerate(rows)
            if head is not None
        ],
        batch_size=2000,
    )
    month = dt.date(2026, 10, 1)
    setup = time.perf_counter() - started
    started = time.perf_counter()
    signals = 0
    for source, frame in exchange_files(city.persons, city.households, month=month, seed=1).items():
        exchange_import(
            acting_user=staff,
            source=source,
            period=month,
            file_name=exchange_file_name(source, month),
            content=exchange_file_content(frame),
        )
        signals += frame.height
    importing = time.perf_counter() - started
    today = dt.date(2026, 11, 3)
    with CaptureQueriesContext(connection) as monitoring_queries:
        started = time.perf_counter()
        monitored = monitoring_run(acting_user=staff, month=month, on=today)
        monitoring = time.perf_counter() - started
    with CaptureQueriesContext(connection) as screening_queries:
        started = time.perf_counter()
        found = find_people_run(acting_user=staff, as_of="2026-11", on=today)
        screening = time.perf_counter() - started
    print(
        json.dumps(
            {
                "persons": city.persons.height,
                "households": city.households.height,
                "active_cases": AssistanceCase.objects.count(),
                "signals": signals,
                "setup_s": round(setup, 1),
                "import_s": round(importing, 1),
                "monitoring_s": round(monitoring, 2),
                "monitoring_queries": len(monitoring_queries),
                "monitoring_alerts": monitored.raised,
                "screening_s": round(screening, 2),
                "screening_queries": len(screening_queries),
                "screened_households": found.households,
                "eligible_not_receiving": found.eligible_not_receiving,
                "no_longer_eligible": found.no_longer_eligible,
                "alerts": Alert.objects.count(),
            }
        )
    )


def report(label: str, scale: float, figures: dict) -> None:
    print(
        f"{label} (scale {scale}): {figures['persons']:,} persons, "
        f"{figures['households']:,} households, {figures['active_cases']:,} active cases, "
        f"{figures['signals']:,} signals imported in {figures['import_s']} s\n"
        f"  monitoring {figures['monitoring_s']} s, {figures['monitoring_queries']} queries, "
        f"{figures['monitoring_alerts']:,} alerts (target <= 30 s)\n"
        f"  政策找人 {figures['screening_s']} s, {figures['screening_queries']} queries, "
        f"{figures['screened_households']:,} households screened, "
        f"{figures['eligible_not_receiving']:,} eligible not receiving, "
        f"{figures['no_longer_eligible']:,} no longer eligible (target <= 60 s on PostgreSQL)"
    )


def main() -> None:
    scale_benchmark(
        script=__file__,
        description=__doc__.splitlines()[0],
        child=child,
        report=report,
        database="minzheng_bench_nightly",
    )


if __name__ == "__main__":
    main()
