"""What the benchmark scripts share: a free local port, a gunicorn server, percentiles."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def start_gunicorn(port: int, env: dict[str, str] | os._Environ[str]) -> subprocess.Popen[bytes]:
    """gunicorn with two workers, as in production (`runserver` is for development)."""
    return subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "minzheng.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--chdir",
            str(ROOT),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def django_setup() -> None:
    """In a child process: our code importable and Django configured."""
    import sys

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minzheng.settings")
    import django

    django.setup()


def city_loaded(scale: float):  # a SyntheticCity: its module is imported after setup
    """In a child process on an empty database: migrate, then load a synthetic city."""
    from django.core.management import call_command

    from minzheng.registry.services import DivisionIn, city_load, divisions_load
    from minzheng.synth.generate import AS_OF, generate

    call_command("migrate", verbosity=0)
    call_command("loaddivisions", verbosity=0)
    city = generate(scale=scale, seed=1)
    divisions_load(
        acting_user=None, rows=[DivisionIn(**row) for row in city.divisions.iter_rows(named=True)]
    )
    city_load(acting_user=None, persons=city.persons, households=city.households, on=AS_OF)
    return city


def run_child(script: str, arguments: list[str], database_url: str | None) -> dict[str, object]:
    """Run `script --child ARGUMENTS` on a new database (a temporary SQLite file, or the given
    empty PostgreSQL database) and return the JSON its last line prints."""
    import json
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as var_dir:
        env = {**os.environ, "MINZHENG_VAR_DIR": var_dir}
        env.pop("MINZHENG_DATABASE_URL", None)
        if database_url:
            env["MINZHENG_DATABASE_URL"] = database_url
        completed = subprocess.run(
            [sys.executable, script, "--child", *arguments],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if completed.returncode:
        sys.exit(completed.stderr[-5000:])
    return json.loads(completed.stdout.strip().splitlines()[-1])


class postgres_database:  # noqa: N801 - used as a context manager, like a function
    """A new, empty PostgreSQL database at 127.0.0.1:5432 for the block; dropped after."""

    ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"

    def __init__(self, prefix: str) -> None:
        self.name = f"{prefix}_{os.getpid()}"

    def __enter__(self) -> str:
        import psycopg

        with psycopg.connect(self.ADMIN, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {self.name}")
        return f"postgres://postgres@127.0.0.1:5432/{self.name}"

    def __exit__(self, *exc: object) -> None:
        import psycopg

        with psycopg.connect(self.ADMIN, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")


def scale_benchmark(
    *,
    script: str,
    description: str,
    child: Callable[[float], None],
    report: Callable[[str, float, dict[str, object]], None],
    database: str,
) -> None:
    """The command line of a benchmark over a synthetic city of `--scale`: with `--child`, run
    `child(scale)` here (on the database the parent made); otherwise run it in a child process
    on a new SQLite file and a new PostgreSQL database `database_*` and `report` each figures."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(options.scale)
        return
    arguments = ["--scale", str(options.scale)]
    if not options.skip_sqlite:
        report("SQLite", options.scale, run_child(script, arguments, None))
    if not options.skip_postgres:
        with postgres_database(database) as url:
            report("PostgreSQL", options.scale, run_child(script, arguments, url))
