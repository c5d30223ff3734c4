"""Benchmark: close a month's payroll for 10,000 active cases and write its files.

    .venv/bin/python bench/payroll.py [--cases 10000] [--skip-postgres]

Target (issue 5): payroll of 10,000 active cases <= 10 s. Each database is new and thrown away
(SQLite in a temporary folder; PostgreSQL at 127.0.0.1:5432, user postgres). The setup loads a
synthetic city and writes the approved cases and the payees' accounts directly (what the case
services would have left behind); only the payroll itself is timed: closing the month (second
month, so that adjustments are computed against the first), then writing the ledger, the bank
file and the summary with accounts in clear.
"""

from __future__ import annotations

import argparse
import json
import time

from common import city_loaded, django_setup, postgres_database, run_child


def child(cases: int) -> None:
    """Run inside a process whose MINZHENG_DATABASE_URL names an empty database."""
    django_setup()
    import datetime as dt
    from decimal import Decimal

    from minzheng import crypto
    from minzheng.accounts.models import BusinessLine, Role, User
    from minzheng.assistance.models import AssistanceCase
    from minzheng.assistance.payroll import payroll_files, payroll_month_close
    from minzheng.registry.models import BANK_ACCOUNT_FIELD, Household, Person

    city_loaded(cases / 360_000 * 1.05)
    staff = User.objects.create(
        username="bench_payroll", role=Role.CITY_STAFF, business_line=BusinessLine.ASSISTANCE
    )
    households = list(Household.objects.order_by("pk").values_list("pk", "division_id", "head_id"))
    households = households[:cases]
    heads = Person.objects.in_bulk([head for _, _, head in households])
    for number, head in enumerate(heads.values()):
        head.bank_account_encrypted = crypto.encrypt(
            f"62220200{number:011d}", field=BANK_ACCOUNT_FIELD
        )
    Person.objects.bulk_update(heads.values(), ["bank_account_encrypted"], batch_size=2000)
    AssistanceCase.objects.bulk_create(
        [
            AssistanceCase(
                number=f"SA2026010{number:07d}",
                program="dibao",
                household_id=household,
                applicant_id=head,
                division_code=division,
                state="active",
                channel="worker",
                request={},
                monthly_amount=Decimal("800.00") + number % 700,
                start_month=dt.date(2026, 1, 1),
            )
            for number, (household, division, head) in enumerate(households)
        ],
        batch_size=2000,
    )
    today = dt.date(2026, 3, 15)
    payroll_month_close(acting_user=staff, month=dt.date(2026, 1, 1), today=today)
    started = time.perf_counter()
    payroll, _closed = payroll_month_close(
        acting_user=staff, month=dt.date(2026, 2, 1), today=today
    )
    closing = time.perf_counter() - started
    started = time.perf_counter()
    files = payroll_files(acting_user=staff, payroll=payroll, reveal_accounts=True)
    writing = time.perf_counter() - started
    started = time.perf_counter()
    _again, closed_again = payroll_month_close(
        acting_user=staff, month=dt.date(2026, 2, 1), today=today
    )
    second = time.perf_counter() - started
    print(
        json.dumps(
            {
                "cases": AssistanceCase.objects.count(),
                "lines": payroll.payments.count(),
                "close_s": round(closing, 2),
                "files_s": round(writing, 2),
                "second_close_s": round(second, 3),
                "closed_twice": closed_again,
                "bank_file_bytes": len(files["bank-2026-02.xlsx"]),
            }
        )
    )


def run(label: str, url: str | None, cases: int) -> None:
    figures = run_child(__file__, ["--cases", str(cases)], url)
    total = figures["close_s"] + figures["files_s"]
    print(
        f"{label}: {figures['cases']:,} active cases, {figures['lines']:,} lines; "
        f"close {figures['close_s']} s + files {figures['files_s']} s = {total:.2f} s "
        f"(target <= 10); closing again {figures['second_close_s']} s, "
        f"changed nothing: {not figures['closed_twice']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(options.cases)
        return
    run("SQLite", None, options.cases)
    if not options.skip_postgres:
        with postgres_database("minzheng_bench_payroll") as url:
            run("PostgreSQL", url, options.cases)


if __name__ == "__main__":
    main()
