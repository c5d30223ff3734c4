"""Read the audit log: the auditors' search, the chain's head, and the verification of the chain."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.db.models import QuerySet
from django.utils import timezone

from minzheng.accounts.jurisdiction import audit_log_read_check
from minzheng.accounts.models import User
from minzheng.audit.chain import GENESIS_HASH, entry_hash
from minzheng.audit.models import AuditEvent

VERIFY_BATCH_SIZE = 5000


@dataclass(frozen=True)
class AuditFilters:
    """What an auditor searches by; empty values do not filter."""

    username: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    division_code: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def summary(self) -> dict[str, str]:
        """The filters that are set, as text (for the export's own audit entry)."""
        return {
            key: value.isoformat() if isinstance(value, dt.date) else value
            for key, value in asdict(self).items()
            if value
        }


def audit_event_search(*, user: User, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """Events matching the filters, newest first; only for auditors and the city administrator."""
    audit_log_read_check(user=user)
    events = AuditEvent.objects.all()
    if filters.username:
        events = events.filter(actor_username=filters.username)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.target_type:
        events = events.filter(target_type=filters.target_type)
    if filters.target_id:
        events = events.filter(target_id=filters.target_id)
    if filters.division_code:
        events = events.filter(division_code__startswith=filters.division_code)
    if filters.date_from:
        events = events.filter(occurred_at__gte=_local_midnight(filters.date_from))
    if filters.date_to:
        events = events.filter(
            occurred_at__lt=_local_midnight(filters.date_to + dt.timedelta(days=1))
        )
    return events.order_by("-sequence")


def _local_midnight(day: dt.date) -> dt.datetime:
    """The start of a day in the bureau's time zone: a date filter means a local calendar day."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass(frozen=True)
class ChainHead:
    sequence: int
    entry_hash: str


def audit_chain_head(*, user: User) -> ChainHead:
    """The newest entry's sequence and hash (0 and 64 zeros for an empty log), to be recorded."""
    audit_log_read_check(user=user)
    last = AuditEvent.objects.order_by("-sequence").values_list("sequence", "entry_hash").first()
    if last is None:
        return ChainHead(sequence=0, entry_hash=GENESIS_HASH)
    return ChainHead(sequence=last[0], entry_hash=last[1])


@dataclass(frozen=True)
class VerifyResult:
    """What `audit_chain_verify` found: all entries hold, or the first broken one and why."""

    is_intact: bool
    entries: int
    head: str
    broken_sequence: int | None = None
    broken_id: int | None = None
    reason_zh: str = ""
    reason_en: str = ""
    # Where the expected head was found, when one was given and the chain holds.
    expected_head_sequence: int | None = None

    @property
    def message(self) -> str:
        if self.is_intact:
            return f"审计日志完整 all {self.entries} entries hold; head {self.head}"
        shown_id = "—" if self.broken_id is None else self.broken_id
        return (
            f"第{self.broken_sequence}条记录被篡改 entry {self.broken_sequence} (id {shown_id}) "
            f"is broken: {self.reason_zh} {self.reason_en}"
        )


VERIFY_FIELDS = (
    "id",
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_username",
    "ip_address",
    "action",
    "target_type",
    "target_id",
    "division_code",
    "data",
    "previous_hash",
    "entry_hash",
)


def audit_chain_verify(
    *, expect_head: str | None = None, batch_size: int = VERIFY_BATCH_SIZE
) -> VerifyResult:
    """Walk the chain in sequence order, in batches; report the first broken entry, if any.

    Each entry must follow the previous one's sequence with no gap, hold the previous entry's
    hash, and hash to its own stored hash. With `expect_head` (a head recorded earlier), that
    hash must be one of the entries: if it is gone, newest entries were deleted or the chain was
    rewritten. Entries appended after it are accepted, as the log keeps growing.
    """
    expect_head = expect_head.lower() if expect_head else None
    expected_sequence = 1
    previous_hash = GENESIS_HASH
    last_id: int | None = None
    head_found_at = 0 if expect_head == GENESIS_HASH else None
    after = 0
    while True:
        batch = list(
            AuditEvent.objects.filter(sequence__gt=after)
            .order_by("sequence")
            .values_list(*VERIFY_FIELDS)[:batch_size]
        )
        if not batch:
            break
        for row in batch:
            event_id, sequence, *content, stored_previous, stored_hash = row
            broken = _first_problem(
                sequence=sequence,
                expected_sequence=expected_sequence,
                stored_previous_hash=stored_previous,
                expected_previous_hash=previous_hash,
            )
            if broken is None:
                fields = dict(zip(VERIFY_FIELDS[2:-2], content, strict=True))
                computed = entry_hash(sequence=sequence, previous_hash=stored_previous, **fields)
                if computed != stored_hash:
                    broken = (
                        "记录内容与其哈希不符（内容被修改）",
                        "its content does not match its hash (the entry was altered)",
                    )
            if broken is not None:
                return VerifyResult(
                    is_intact=False,
                    entries=expected_sequence - 1,
                    head=previous_hash,
                    broken_sequence=sequence,
                    broken_id=event_id,
                    reason_zh=broken[0],
                    reason_en=broken[1],
                )
            if stored_hash == expect_head:
                head_found_at = sequence
            previous_hash = stored_hash
            last_id = event_id
            expected_sequence += 1
        if len(batch) < batch_size:
            break
        after = batch[-1][1]
    entries = expected_sequence - 1
    if expect_head is not None and head_found_at is None:
        return VerifyResult(
            is_intact=False,
            entries=entries,
            head=previous_hash,
            broken_sequence=entries or 1,
            broken_id=last_id,
            reason_zh=(
                "日志中找不到记录的链头：此后的记录已被删除，或日志被整体改写"
                if entries
                else "日志为空，找不到记录的链头"
            ),
            reason_en=(
                "the recorded head is not in the chain: entries after this one were deleted, "
                "or the chain was rewritten"
                if entries
                else "the log is empty; the recorded head is not in it"
            ),
        )
    return VerifyResult(
        is_intact=True, entries=entries, head=previous_hash, expected_head_sequence=head_found_at
    )


def _first_problem(
    *, sequence: int, expected_sequence: int, stored_previous_hash: str, expected_previous_hash: str
) -> tuple[str, str] | None:
    """What is wrong with an entry's place in the chain, if anything (its content comes next)."""
    if sequence > expected_sequence:
        missing = (
            f"第{expected_sequence}条"
            if sequence == expected_sequence + 1
            else f"第{expected_sequence}至{sequence - 1}条"
        )
        missing_en = (
            f"entry {expected_sequence} is"
            if sequence == expected_sequence + 1
            else f"entries {expected_sequence} to {sequence - 1} are"
        )
        return (
            f"序号不连续，{missing}记录缺失",
            f"the sequence has a gap: {missing_en} missing",
        )
    if sequence < expected_sequence:
        return ("序号错位", f"its sequence should be {expected_sequence}")
    if stored_previous_hash != expected_previous_hash:
        if expected_sequence == 1:
            return (
                "第一条记录的上一条哈希应为64个0",
                "the first entry's previous hash must be 64 zeros",
            )
        return (
            f"与第{expected_sequence - 1}条记录的哈希不相连",
            f"its previous hash is not entry {expected_sequence - 1}'s hash",
        )
    return None
