"""Benchmark: check and import a month's wages file of the whole city (scale 1.0).

    .venv/bin/python bench/exchange.py [--scale 1.0] [--database-url postgres://.../empty_db]

Target (data exchange): 150,000 rows checked and imported in <= 30 s on SQLite. The database is
new and thrown away: SQLite in a temporary folder, or with `--database-url` an EMPTY PostgreSQL
database you created (it is migrated and filled; drop it afterwards). The setup generates the
synthetic city and loads it with `registry.services.city_load` (not timed), then writes the
month's synthetic wages file (CSV, about 150,000 rows at scale 1.0) and times:
- check: reading the CSV and checking every cell, id number and registered person, writing
  nothing (`exchange_check`);
- import: the whole `exchange_import` (the check again, then the batch, 150,000 signals and the
  audit event in one transaction);
- the same for the month's pensions file, the largest (about 310,000 rows).
"""

from __future__ import annotations

import argparse
import json
import time

from common import city_loaded, django_setup, run_child


def child(scale: float) -> None:
    """Run inside a process whose MINZHENG_DATABASE_URL names an empty database."""
    django_setup()
    import datetime as dt

    from django.db import connection

    from minzheng.accounts.models import BusinessLine, Role, User
    from minzheng.exchange.services import exchange_check, exchange_import
    from minzheng.synth.exchange import exchange_file_content, exchange_files

    started = time.perf_counter()
    city = city_loaded(scale)
    setup = time.perf_counter() - started
    staff = User.objects.create(
        username="bench_exchange", role=Role.CITY_STAFF, business_line=BusinessLine.ASSISTANCE
    )
    month = dt.date(2026, 1, 1)
    started = time.perf_counter()
    frames = exchange_files(city.persons, city.households, month=month, seed=1)
    synth = time.perf_counter() - started
    figures: dict[str, object] = {
        "database": connection.vendor,
        "persons": city.persons.height,
        "setup_s": round(setup, 1),
        "synth_s": round(synth, 2),
    }
    for source in ("wages", "pensions"):
        content = exchange_file_content(frames[source])
        started = time.perf_counter()
        checked = exchange_check(
            source=source, period=month, file_name=f"{source}.csv", content=content
        )
        check = time.perf_counter() - started
        started = time.perf_counter()
        batch = exchange_import(
            acting_user=staff,
            source=source,
            period=month,
            file_name=f"{source}-2026-01.csv",
            content=content,
        )
        total = time.perf_counter() - started
        figures[source] = {
            "rows": batch.row_count,
            "checked_rows": len(checked.signals),
            "megabytes": round(len(content) / 1e6, 1),
            "check_s": round(check, 2),
            "import_s": round(total, 2),
        }
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--database-url", help="an empty PostgreSQL database to use instead of a new SQLite file"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(options.scale)
        return
    figures = run_child(__file__, ["--scale", str(options.scale)], options.database_url)
    label = "PostgreSQL" if figures["database"] == "postgresql" else "SQLite"
    print(
        f"{label}: city of {figures['persons']:,} persons loaded in {figures['setup_s']} s; "
        f"a month's synthetic files generated in {figures['synth_s']} s"
    )
    for source in ("wages", "pensions"):
        row = figures[source]
        rate = row["rows"] / row["import_s"] if row["import_s"] else 0
        print(
            f"  {source}: {row['rows']:,} rows ({row['megabytes']} MB CSV): check "
            f"{row['check_s']} s, check + import {row['import_s']} s "
            f"({rate:,.0f} rows/s)" + (" (target <= 30 s)" if source == "wages" else "")
        )


if __name__ == "__main__":
    main()
