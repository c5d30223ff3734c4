"""The audit table's append-only triggers (installed by migration 0005): find them, lift them.

Only `flush` (which empties every table, for tests that commit) lifts them, inside one
transaction, so a failure in between leaves them in place.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "audit_auditevent"


def append_only_triggers(connection: BaseDatabaseWrapper) -> list[str]:
    """The names of the enabled triggers that guard the audit table."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s"
                " ORDER BY name",
                [TABLE],
            )
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass"
                " AND NOT tgisinternal AND tgenabled <> 'D' ORDER BY tgname",
                [TABLE],
            )
        else:
            return []
        return [row[0] for row in cursor.fetchall()]


@contextmanager
def append_only_lifted(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Let the audit table be emptied; the caller holds a transaction around it."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [TABLE],
            )
            saved = cursor.fetchall()
            for name, _sql in saved:
                cursor.execute(f'DROP TRIGGER "{name}"')
            yield
            for _name, sql in saved:
                cursor.execute(sql)
        elif connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
            yield
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
        else:
            yield
