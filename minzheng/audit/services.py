"""Write audit events. Every service that writes calls `audit_record` inside its transaction."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.context import client_address
from minzheng.audit.models import AuditEvent


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

    The address defaults to the current request's client address (none for the CLI).
    """
    return AuditEvent.objects.create(
        occurred_at=timezone.now(),
        actor=actor,
        actor_username=actor.get_username() if actor else "system",
        ip_address=ip_address or client_address.get(),
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        division_code=division_code,
        data=data or {},
    )
