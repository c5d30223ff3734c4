"""Benchmark: load a synthetic city into SQLite and PostgreSQL; print the figures.

    .venv/bin/python bench/load.py [--scale 0.1] [--seed 1] [--skip-postgres]

Target (issue 2): scale 0.1 (about 92 thousand people) in <= 60 s on each database.
Each database is new and thrown away afterwards; PostgreSQL is 127.0.0.1:5432, user postgres.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 60.0


def child(scale: float, seed: int) -> None:
    """Run inside a process whose MINZHENG_DATABASE_URL names an empty database."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from minzheng.registry.models import Person
    from minzheng.registry.services import DivisionIn, city_load, divisions_load
    from minzheng.synth.generate import AS_OF, generate

    call_command("migrate", verbosity=0)
    call_command("loaddivisions", verbosity=0)
    started = time.perf_counter()
    city = generate(scale=scale, seed=seed)
    generated = time.perf_counter() - started
    rows = [
        DivisionIn(code=r["code"], name=r["name"], kind=r["kind"], parent_code=r["parent_code"])
        for r in city.divisions.iter_rows(named=True)
    ]
    persons, households = city.persons, city.households
    started = time.perf_counter()
    divisions_load(acting_user=None, rows=rows)
    result = city_load(acting_user=None, persons=persons, households=households, on=AS_OF)
    loaded = time.perf_counter() - started
    # What encryption costs inside that load: the same ciphertexts and indexes, computed alone.
    from minzheng import crypto
    from minzheng.registry.models import ID_NUMBER_FIELD, PHONE_FIELD, id_number_index

    started = time.perf_counter()
    for id_number, phone in persons.select("id_number", "phone").iter_rows():
        crypto.encrypt(id_number, field=ID_NUMBER_FIELD)
        id_number_index(id_number)
        crypto.encrypt(phone or "", field=PHONE_FIELD)
    encryption = time.perf_counter() - started
    started = time.perf_counter()
    again = city_load(acting_user=None, persons=persons, households=households, on=AS_OF)
    reloaded = time.perf_counter() - started
    print(
        json.dumps(
            {
                "generate_s": round(generated, 2),
                "load_s": round(loaded, 2),
                "encryption_s": round(encryption, 2),
                "second_load_s": round(reloaded, 2),
                "persons": result.persons_added,
                "households": result.households_added,
                "second_load_added": again.persons_added,
                "persons_in_db": Person.objects.count(),
            }
        )
    )


def run(label: str, url: str, scale: float, seed: int) -> None:
    env = dict(os.environ, MINZHENG_DATABASE_URL=url, MINZHENG_VAR_DIR=tempfile.mkdtemp())
    done = subprocess.run(
        [sys.executable, __file__, "--child", "--scale", str(scale), "--seed", str(seed)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(f"{label}: failed\n{done.stderr[-3000:]}")
        return
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    verdict = "meets" if figures["load_s"] <= TARGET_SECONDS else "MISSES"
    print(
        f"{label:<11} load {figures['persons']:>8,} persons + {figures['households']:>7,} "
        f"households: {figures['load_s']:6.1f} s ({verdict} <= {TARGET_SECONDS:.0f} s); "
        f"generate {figures['generate_s']:.1f} s; second load adds {figures['second_load_added']} "
        f"in {figures['second_load_s']:.1f} s; persons in db {figures['persons_in_db']:,}; "
        f"encryption {figures['encryption_s']:.2f} s of the load "
        f"(+{figures['encryption_s'] / (figures['load_s'] - figures['encryption_s']):.0%} "
        "over loading without it; target <= 20 %)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.scale, args.seed)
        return
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", f"sqlite:///{folder}/bench.sqlite3", args.scale, args.seed)
    if not args.skip_postgres:
        import psycopg

        name = f"minzheng_bench_load_{os.getpid()}"
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute(f"CREATE DATABASE {name}")
        try:
            run("PostgreSQL", f"postgres://postgres@127.0.0.1:5432/{name}", args.scale, args.seed)
        finally:
            with psycopg.connect(
                "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
            ) as c:
                c.execute(f"DROP DATABASE IF EXISTS {name}")


if __name__ == "__main__":
    main()
