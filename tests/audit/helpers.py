"""What the audit tests share: getting past the append-only triggers, signing in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.test import Client

from minzheng.accounts.models import User

try:  # the authentication work adds a one-time-code step for auditors and administrators
    from tests.conftest import verified_login as _verified_login
except ImportError:  # pragma: no cover - before it lands
    _verified_login = None


def signed_in(client: Client, user: User) -> Client:
    if _verified_login is not None:
        return _verified_login(client, user)
    client.force_login(user)
    return client


@contextmanager
def triggers_bypassed() -> Iterator[None]:
    """Tamper as someone with direct database access would: past the append-only triggers.

    SQLite: drop the triggers; PostgreSQL: replica mode, in which ordinary triggers do not fire.
    Both are undone when the block ends (and by the test's rollback, should it fail).
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master"
                " WHERE type = 'trigger' AND tbl_name = 'audit_auditevent'"
            )
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f"DROP TRIGGER {name}")
            yield
            for _name, sql in triggers:
                cursor.execute(sql)
        else:
            cursor.execute("SET LOCAL session_replication_role = replica")
            yield
            cursor.execute("SET LOCAL session_replication_role = origin")
