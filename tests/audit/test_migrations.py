"""Migrating a log written before the chain: the data migration chains it as the service would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from minzheng.audit.models import AuditEvent
from minzheng.audit.selectors import audit_chain_verify
from minzheng.audit.services import audit_record
from minzheng.audit.triggers import append_only_triggers

BEFORE_CHAIN = [("audit", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_existing_entries_are_chained_in_id_order_and_new_ones_follow() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_CHAIN)
    old_event = executor.loader.project_state(BEFORE_CHAIN).apps.get_model("audit", "AuditEvent")
    moment = dt.datetime(2025, 3, 1, 8, 30, 15, 123456, tzinfo=dt.UTC)
    rows = [
        {"action": "registry.divisions.load", "data": {"added": 12}},
        {
            "action": "registry.person.update",
            "ip_address": "2001:db8::7",
            "target_type": "registry.person",
            "target_id": "5",
            "division_code": "320582100001",
            "data": {"changes": {"name": ["张三", "张叁"]}, "share": 0.5, "whole": 3.0},
        },
        {"action": "registry.person.export", "ip_address": "10.1.2.3", "data": {"rows": 40}},
    ]
    for offset, row in enumerate(rows):
        old_event.objects.create(
            occurred_at=moment + dt.timedelta(minutes=offset),
            actor_username="system",
            target_type=row.get("target_type", ""),
            target_id=row.get("target_id", ""),
            **{key: value for key, value in row.items() if key not in {"target_type", "target_id"}},
        )

    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    events = list(AuditEvent.objects.order_by("id"))
    assert [event.sequence for event in events] == [1, 2, 3]
    assert [event.action for event in events] == [row["action"] for row in rows]
    assert events[1].previous_hash == events[0].entry_hash
    assert append_only_triggers(connection)  # put in place after the chain was filled
    result = audit_chain_verify()
    assert (result.is_intact, result.entries, result.head) == (True, 3, events[-1].entry_hash)

    new = audit_record(actor=None, action="registry.city.load", target=None, data={"n": 1})
    assert (new.sequence, new.previous_hash) == (4, events[-1].entry_hash)
    assert audit_chain_verify().entries == 4
