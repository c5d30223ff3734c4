"""Benchmark: person search by id number and by name through the HTTP API.

    .venv/bin/python bench/search.py [--scale 1.0] [--queries 300] [--keep]

Target (issue 2): p50 <= 20 ms at scale 1.0 on PostgreSQL. The script loads the synthetic city
into a PostgreSQL database `minzheng_bench_search` (kept between runs with --keep, so the load
happens once), starts gunicorn (two workers, as in production; `runserver` is for development)
on a free local port, and times GET requests with a bearer token as a city-wide user, the
largest scope. gunicorn closes each connection, so every request connects anew.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import polars as pl
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import free_port, percentile, start_gunicorn  # noqa: E402 - after the path
from minzheng.synth.generate import generate  # noqa: E402 - after the path is set

MINZHENG = str(ROOT / ".venv" / "bin" / "minzheng")
DATABASE = "minzheng_bench_search"
# Kept with the database: it holds the data key the kept database is encrypted under.
VAR_DIR = ROOT / "bench" / "out" / "search-var"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGET_MS = 20.0
PASSWORD = "bench-password-long-enough"  # noqa: S105


# A city-wide user and a town user of the largest town.
BENCH_USERS = (("bench_city", "city_staff", "320582"), ("bench_town", "town_clerk", "320582100"))
LINE = {"city_staff": ["--line", "assistance"]}  # city staff work in one business line


def wait_for_server(port: int) -> http.client.HTTPConnection:
    for _ in range(100):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request("GET", "/login/")
            connection.getresponse().read()
            return connection
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def token_for(connection: http.client.HTTPConnection, username: str) -> str:
    connection.request(
        "POST",
        "/api/auth/token",
        body=json.dumps({"username": username, "password": PASSWORD}),
        headers={"Content-Type": "application/json"},
    )
    return json.loads(connection.getresponse().read())["token"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the database for the next run")
    args = parser.parse_args()
    url = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        MINZHENG_DATABASE_URL=url,
        MINZHENG_VAR_DIR=str(VAR_DIR),
        MINZHENG_DB_CONN_MAX_AGE="600",
    )
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)
        ).fetchone()
        if not exists:
            connection.execute(f"CREATE DATABASE {DATABASE}")
    subprocess.run([MINZHENG, "migrate", "-v", "0"], env=env, check=True)
    subprocess.run([MINZHENG, "loaddivisions"], env=env, check=True, stdout=subprocess.DEVNULL)
    started = time.perf_counter()
    subprocess.run([MINZHENG, "synth", "--scale", str(args.scale), "--load"], env=env, check=True)
    print(f"synth + load (or skip when present): {time.perf_counter() - started:.1f} s")
    with psycopg.connect(url.replace("postgres://", "postgresql://")) as connection:
        connection.execute("ANALYZE")
        persons = connection.execute("SELECT count(*) FROM registry_person").fetchone()[0]
        users = {
            row[0] for row in connection.execute("SELECT username FROM accounts_user").fetchall()
        }
    # Id numbers are encrypted in the database: take the sample from the same synthetic city.
    city = generate(scale=args.scale, seed=1).persons.select(
        "id_number", "name", "residence_division"
    )
    secret = Path(env["MINZHENG_VAR_DIR"]) / "password"
    secret.write_text(PASSWORD)
    for username, role, division in BENCH_USERS:
        if username not in users:
            subprocess.run(
                [
                    MINZHENG,
                    "createuser",
                    "--username",
                    username,
                    "--role",
                    role,
                    "--division",
                    division,
                    "--password-file",
                    str(secret),
                    *LINE.get(role, []),
                ],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
    port = free_port()
    server = start_gunicorn(port, env)
    try:
        print(f"persons in database: {persons:,}; {args.queries} queries of each kind per user")
        for username, role, division in BENCH_USERS:
            connection = wait_for_server(port)
            token = token_for(connection, username)
            in_scope = city.filter(pl.col("residence_division").str.starts_with(division))
            sample = in_scope.sample(n=min(args.queries, in_scope.height), seed=1).rows()
            headers = {"Authorization": f"Bearer {token}"}

            def timed(query: dict[str, str], connection=connection, headers=headers):
                started = time.perf_counter()
                connection.request(
                    "GET", "/api/registry/persons?" + urlencode(query), headers=headers
                )
                body = json.loads(connection.getresponse().read())
                return (time.perf_counter() - started) * 1000, body["count"]

            for id_number, name, _ in sample[:20]:  # warm up
                timed({"id_number": id_number})
                timed({"name": name})
            by_id = [timed({"id_number": id_number}) for id_number, _, _ in sample]
            by_name = [timed({"name": name}) for _, name, _ in sample]
            for label, results in (("id number", by_id), ("name", by_name)):
                times = [ms for ms, _ in results]
                p50 = statistics.median(times)
                verdict = "meets" if p50 <= TARGET_MS else "MISSES"
                hits = statistics.mean(count for _, count in results)
                print(
                    f"{role:<11} {division:<9} search by {label:<10}: p50 {p50:6.1f} ms "
                    f"({verdict} <= {TARGET_MS:.0f} ms), p95 {percentile(times, 0.95):6.1f} ms, "
                    f"max {max(times):6.1f} ms, mean hits {hits:.1f}"
                )
    finally:
        server.terminate()
        server.wait()
        if not args.keep:
            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


if __name__ == "__main__":
    main()
