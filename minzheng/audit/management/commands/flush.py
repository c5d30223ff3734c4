"""Django's `flush`, with the audit log's append-only triggers lifted while it empties the tables.

Tests that commit (pytest-django's live server for the browser tests) end with a flush; SQLite
empties a table with DELETE, which the triggers refuse. Lifting and restoring them happens in one
transaction with the flush, so the triggers are back whatever happens.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import connections, transaction

from minzheng.audit.triggers import append_only_lifted


class Command(flush.Command):
    help = (
        "清空全部数据表（含审计日志，仅用于测试与开发） Django's flush: empty every table, the "
        "audit log included (its append-only triggers are lifted for it and restored)."
    )

    def handle(self, **options: Any) -> None:
        database = options["database"]
        with transaction.atomic(using=database), append_only_lifted(connections[database]):
            super().handle(**options)
