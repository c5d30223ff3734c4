"""Write audit events. Every service that writes calls `audit_record` inside its transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connections, models, router, transaction
from django.utils import timezone

from minzheng.accounts.jurisdiction import audit_log_read_check
from minzheng.accounts.models import User
from minzheng.audit import chain
from minzheng.audit.context import client_address
from minzheng.audit.models import AuditEvent

# pg_advisory_xact_lock key that serialises appends to the chain ("mzaudit" as an integer).
CHAIN_LOCK_KEY = int.from_bytes(b"mzaudit", "big")


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model | None,
    data: dict[str, Any] | None = None,
    division_code: str = "",
    ip_address: str | None = None,
) -> AuditEvent:
    """Record one event; `data` must not hold clear personal data (id numbers, phones).

    The address defaults to the current request's client address (none for the CLI). The event
    is appended to the hash chain: the lock taken here is held until the caller's transaction
    ends, so two transactions never read the same last entry. Three queries on PostgreSQL (lock,
    last entry, insert), two on SQLite, whose IMMEDIATE transactions already serialise writers.
    """
    using = router.db_for_write(AuditEvent)
    connection = connections[using]
    # Inside a caller's transaction this adds nothing; alone it makes the lock mean something.
    with transaction.atomic(using=using, savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
        last = (
            AuditEvent.objects.using(using)
            .order_by("-sequence")
            .values_list("sequence", "entry_hash")
            .first()
        )
        sequence, previous_hash = (last[0] + 1, last[1]) if last else (1, chain.GENESIS_HASH)
        event = AuditEvent(
            sequence=sequence,
            occurred_at=timezone.now(),
            actor=actor,
            actor_username=actor.get_username() if actor else "system",
            ip_address=ip_address or client_address.get(),
            action=action,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            division_code=division_code,
            data=chain.normalize_data(data),
            previous_hash=previous_hash,
        )
        event.entry_hash = chain.entry_hash(
            sequence=event.sequence,
            occurred_at=event.occurred_at,
            actor_id=event.actor_id,
            actor_username=event.actor_username,
            ip_address=event.ip_address,
            action=event.action,
            target_type=event.target_type,
            target_id=event.target_id,
            division_code=event.division_code,
            data=event.data,
            previous_hash=event.previous_hash,
        )
        event.save(using=using, force_insert=True)
    return event


def audit_events_export(
    *, acting_user: User, events: Iterable[AuditEvent], filters: Mapping[str, object]
) -> bytes:
    """The events as .xlsx; the export is itself audited (`audit.export`)."""
    from minzheng.audit.spreadsheets import events_workbook

    audit_log_read_check(user=acting_user)
    exported = 0

    def counted() -> Iterable[AuditEvent]:
        nonlocal exported
        for event in events:
            exported += 1
            yield event

    content = events_workbook(counted())
    audit_record(
        actor=acting_user,
        action="audit.export",
        target=None,
        division_code=acting_user.division_code,
        data={"filters": {key: value for key, value in filters.items() if value}, "rows": exported},
    )
    return content
