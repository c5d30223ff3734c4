"""Benchmark: the monthly 尊老金 run (免申即享) over a whole city.

    .venv/bin/python bench/longevity.py [--scale 1.0] [--skip-postgres]

At scale 1.0 the synthetic city holds about 40,000 persons aged 80 and over. Timed: the first
run of a month (everyone enrolled, eleven town lists built), the next month (continue, re-band,
new 80-year-olds, stops), and the same month again (nothing to change). Each database is new and
thrown away (SQLite in a temporary folder; PostgreSQL at 127.0.0.1:5432, user postgres).
"""

from __future__ import annotations

import json
import time

from common import city_loaded, django_setup, scale_benchmark


def child(scale: float) -> None:
    """Run inside a process whose MINZHENG_DATABASE_URL names an empty database."""
    django_setup()
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from minzheng.eldercare.entitlement_models import LongevityEnrolment, LongevityLine
    from minzheng.eldercare.entitlements import longevity_month_prepare

    city_loaded(scale)
    today = dt.date(2026, 12, 28)
    figures: dict[str, object] = {}
    for label, month in (
        ("first", dt.date(2026, 11, 1)),
        ("next", dt.date(2026, 12, 1)),
        ("again", dt.date(2026, 12, 1)),
    ):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = longevity_month_prepare(acting_user=None, month=month, today=today)
            figures[f"{label}_s"] = round(time.perf_counter() - started, 2)
        figures[f"{label}_queries"] = len(queries.captured_queries)
        figures[f"{label}_counts"] = result.counts
    figures["enrolled"] = LongevityEnrolment.objects.filter(valid_to__isnull=True).count()
    figures["lines"] = LongevityLine.objects.count()
    print(json.dumps(figures))


def report(label: str, scale: float, figures: dict) -> None:
    print(
        f"{label}: {figures['enrolled']:,} enrolled; first month {figures['first_s']} s "
        f"({figures['first_queries']} queries, {figures['first_counts']}), next month "
        f"{figures['next_s']} s ({figures['next_queries']} queries, {figures['next_counts']}), "
        f"again {figures['again_s']} s"
    )


def main() -> None:
    scale_benchmark(
        script=__file__,
        description=__doc__.splitlines()[0],
        child=child,
        report=report,
        database="minzheng_bench_longevity",
    )


if __name__ == "__main__":
    main()
