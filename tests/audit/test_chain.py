"""The audit log's hash chain: what verify catches when rows are changed behind the platform's back.

Events come from real services; tampering goes straight to the database, past the triggers, as
someone with database access would.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minzheng.accounts.models import User
from minzheng.audit.chain import GENESIS_HASH, entry_hash
from minzheng.audit.models import ACTION_LABELS, AuditEvent
from minzheng.audit.selectors import audit_chain_verify
from minzheng.audit.services import audit_record
from minzheng.audit.triggers import append_only_triggers
from minzheng.registry.services import household_update
from tests.audit.helpers import triggers_bypassed

CONTENT_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_username",
    "ip_address",
    "action",
    "target_type",
    "target_id",
    "division_code",
    "data",
)
# One audit_record: the lock (PostgreSQL only), the last entry by sequence, the insert.
RECORD_QUERIES = {"sqlite": 2, "postgresql": 3}
TRIGGERS = {
    "sqlite": ["audit_auditevent_no_delete", "audit_auditevent_no_update"],
    "postgresql": ["audit_auditevent_no_truncate", "audit_auditevent_no_update_delete"],
}


# two division loads, 1 + 3 for the family, 1 + 1 for 赵敏, 1 update
CHAIN_LENGTH = 9


@pytest.fixture
def chain(family, tangqiao_family, yangshe_clerk) -> list[AuditEvent]:
    """The entries that loading divisions, registering two families and an update wrote."""
    household_update(acting_user=yangshe_clerk, household=family, address="杨舍镇新址 1号")
    events = list(AuditEvent.objects.order_by("sequence"))
    assert [event.sequence for event in events] == list(range(1, len(events) + 1))
    assert len(events) == CHAIN_LENGTH
    return events


def _verify_broken_at(event: AuditEvent, reason_en: str, **options: object) -> None:
    result = audit_chain_verify(**options)
    assert (result.is_intact, result.broken_sequence, result.broken_id, result.reason_en) == (
        False,
        event.sequence,
        event.pk,
        reason_en,
    )
    assert result.message.startswith(
        f"第{event.sequence}条记录被篡改 entry {event.sequence} (id {event.pk}) is broken: "
    )


def _forged_hash(event: AuditEvent) -> str:
    return entry_hash(
        sequence=event.sequence,
        previous_hash=event.previous_hash,
        **{field: getattr(event, field) for field in CONTENT_FIELDS},
    )


# ---------------------------------------------------------------------------------------------
# an untouched chain


def test_entries_written_by_services_form_an_intact_chain(chain) -> None:
    assert chain[0].previous_hash == GENESIS_HASH
    for previous, event in itertools.pairwise(chain):
        assert event.previous_hash == previous.entry_hash
    for event in chain:
        assert event.entry_hash == _forged_hash(event)  # the service hashes what it stores
    result = audit_chain_verify()
    assert (result.is_intact, result.entries, result.head) == (
        True,
        len(chain),
        chain[-1].entry_hash,
    )
    assert (
        result.message == f"审计日志完整 all {len(chain)} entries hold; head {chain[-1].entry_hash}"
    )


def test_an_empty_log_holds_with_the_genesis_head(db) -> None:
    result = audit_chain_verify()
    assert (result.is_intact, result.entries, result.head) == (True, 0, GENESIS_HASH)


def test_verify_reads_in_batches_with_the_same_answer(chain, django_assert_num_queries) -> None:
    # 3 entries per query; the walk stops at the first batch that is not full.
    with django_assert_num_queries(len(chain) // 3 + 1):
        result = audit_chain_verify(batch_size=3)
    assert (result.is_intact, result.entries) == (True, len(chain))


def test_audit_record_runs_a_fixed_number_of_queries(
    chain, yangshe_clerk, django_assert_num_queries
):
    with django_assert_num_queries(RECORD_QUERIES[connection.vendor]):
        event = audit_record(
            actor=yangshe_clerk, action="registry.household.update", target=None, data={"n": 1}
        )
    assert (event.sequence, event.previous_hash) == (len(chain) + 1, chain[-1].entry_hash)


def test_data_is_stored_as_it_was_hashed(chain) -> None:
    event = audit_record(
        actor=None,
        action="registry.city.load",
        target=None,
        data={"rows": (1, 2.0), 7: 1e20, "share": 0.25, "名称": "杨舍"},
        ip_address="2001:DB8:0:0:0:0:0:1",
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.data == {"rows": [1, 2], "7": 10**20, "share": 0.25, "名称": "杨舍"}
    assert stored.entry_hash == _forged_hash(stored) == event.entry_hash
    assert audit_chain_verify().is_intact


# ---------------------------------------------------------------------------------------------
# tampering: each caught, at the exact entry


def test_verify_catches_an_edited_entry(chain) -> None:
    middle = chain[len(chain) // 2]
    with triggers_bypassed():
        AuditEvent.objects.filter(pk=middle.pk).update(data={**middle.data, "address": "伪造"})
    _verify_broken_at(middle, "its content does not match its hash (the entry was altered)")


def test_verify_catches_an_edit_whose_hash_was_recomputed_at_the_next_entry(chain) -> None:
    middle, after = chain[3], chain[4]
    middle.actor_username = "someone_else"
    with triggers_bypassed():
        AuditEvent.objects.filter(pk=middle.pk).update(
            actor_username="someone_else", entry_hash=_forged_hash(middle)
        )
    _verify_broken_at(after, f"its previous hash is not entry {middle.sequence}'s hash")


def test_verify_catches_a_deleted_middle_entry(chain) -> None:
    deleted, after = chain[3], chain[4]
    with triggers_bypassed():
        AuditEvent.objects.filter(pk=deleted.pk).delete()
    _verify_broken_at(after, f"the sequence has a gap: entry {deleted.sequence} is missing")
    assert "第4条记录缺失" in audit_chain_verify().reason_zh


def test_verify_catches_a_forged_entry_inserted_in_the_middle(chain, tangqiao_clerk) -> None:
    # Make room after entry 4 and insert an entry that links to it and hashes correctly.
    before, displaced = chain[3], chain[4]
    with triggers_bypassed():
        for event in reversed(chain[4:]):
            AuditEvent.objects.filter(pk=event.pk).update(sequence=event.sequence + 1)
        forged = AuditEvent(
            sequence=before.sequence + 1,
            occurred_at=before.occurred_at + dt.timedelta(seconds=1),
            actor=tangqiao_clerk,
            actor_username=tangqiao_clerk.username,
            ip_address="10.0.0.8",
            action="registry.person.update",
            target_type="registry.person",
            target_id="1",
            division_code="320582101",
            data={"changes": {"name": ["王建国", "王建民"]}},
            previous_hash=before.entry_hash,
        )
        forged.entry_hash = _forged_hash(forged)
        forged.save()
    displaced.refresh_from_db()
    assert displaced.sequence == before.sequence + 2
    _verify_broken_at(displaced, f"its previous hash is not entry {forged.sequence}'s hash")


def test_verify_catches_two_entries_with_swapped_content(chain) -> None:
    first, second = chain[2], chain[5]
    with triggers_bypassed():
        for event, other in ((first, second), (second, first)):
            AuditEvent.objects.filter(pk=event.pk).update(
                **{field: getattr(other, field) for field in CONTENT_FIELDS}
            )
    _verify_broken_at(first, "its content does not match its hash (the entry was altered)")


def test_verify_catches_a_changed_last_entry(chain) -> None:
    last = chain[-1]
    with triggers_bypassed():
        AuditEvent.objects.filter(pk=last.pk).update(action="registry.person.export")
    _verify_broken_at(last, "its content does not match its hash (the entry was altered)")


def test_expect_head_catches_the_deletion_of_the_last_entry(chain) -> None:
    head = audit_chain_verify().head
    with triggers_bypassed():
        AuditEvent.objects.filter(pk=chain[-1].pk).delete()
    # The chain that is left holds; only the head recorded earlier shows what is gone.
    assert audit_chain_verify().is_intact
    _verify_broken_at(
        chain[-2],
        "the recorded head is not in the chain: entries after this one were deleted, "
        "or the chain was rewritten",
        expect_head=head,
    )


def test_expect_head_accepts_entries_appended_after_it(chain) -> None:
    head = audit_chain_verify().head
    audit_record(actor=None, action="registry.city.load", target=None, data={})
    result = audit_chain_verify(expect_head=head.upper())
    assert (result.is_intact, result.entries, result.expected_head_sequence) == (
        True,
        len(chain) + 1,
        len(chain),
    )


def test_verify_catches_a_first_entry_that_does_not_start_the_chain(chain) -> None:
    with triggers_bypassed():
        AuditEvent.objects.filter(pk=chain[0].pk).update(previous_hash="1" * 64)
    _verify_broken_at(chain[0], "the first entry's previous hash must be 64 zeros")


# ---------------------------------------------------------------------------------------------
# the database refuses changes


@pytest.mark.django_db
def test_append_only_triggers_are_installed() -> None:
    assert append_only_triggers(connection) == TRIGGERS[connection.vendor]


def test_the_database_refuses_update_and_delete_through_the_orm(chain) -> None:
    before = list(AuditEvent.objects.order_by("sequence").values_list("pk", "entry_hash", "data"))
    first = chain[0]
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=first.pk).update(action="registry.person.export")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=first.pk).delete()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    first.data = {"forged": True}
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        first.save()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        first.delete()
    after = list(AuditEvent.objects.order_by("sequence").values_list("pk", "entry_hash", "data"))
    assert after == before
    assert audit_chain_verify().is_intact


def test_postgresql_refuses_truncate(chain) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; DELETE is refused instead")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no deferred checks
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            cursor.execute("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.count() == len(chain)


# ---------------------------------------------------------------------------------------------
# concurrent appends


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_do_not_fork_the_chain() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time (IMMEDIATE transactions)")
    workers, per_worker = 6, 20
    start = threading.Barrier(workers)
    errors: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            start.wait()
            for index in range(per_worker):
                with transaction.atomic():
                    audit_record(
                        actor=None,
                        action="registry.city.load",
                        target=None,
                        data={"worker": worker, "index": index},
                    )
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(worker,)) for worker in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = audit_chain_verify()
    assert (result.is_intact, result.entries) == (True, workers * per_worker)


# ---------------------------------------------------------------------------------------------
# properties: any sequence of events holds; any single change to any entry is caught

TEXT = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=8)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=8,
)
EVENTS = st.lists(
    st.fixed_dictionaries(
        {
            "action": st.sampled_from(sorted(ACTION_LABELS)),
            "data": st.dictionaries(TEXT, JSON_VALUES, max_size=4),
            "division_code": st.sampled_from(["", "320582", "320582100", "320582101001"]),
            "ip_address": st.none() | st.ip_addresses().map(str),
            "actor": st.sampled_from(["clerk", "auditor", None]),
            "target": st.sampled_from(["clerk", None]),
        }
    ),
    min_size=1,
    max_size=6,
)
TAMPERED_FIELDS = (*CONTENT_FIELDS, "previous_hash", "entry_hash", "sequence")


def _flip(value: str) -> str:
    return ("1" if value[0] == "0" else "0") + value[1:]


def _tampered(event: AuditEvent, field: str, users: dict[str, User], last_sequence: int) -> object:
    """A value for `field` that differs from the entry's in its hashed form."""
    value = getattr(event, field)
    changes = {
        "occurred_at": lambda: value + dt.timedelta(microseconds=1),
        "actor_id": lambda: users["auditor"].pk if value != users["auditor"].pk else None,
        "ip_address": lambda: "192.0.2.99" if value != "192.0.2.99" else None,
        "division_code": lambda: "320582999" if value != "320582999" else "",
        "data": lambda: {**value, "__tampered__": 1},
        "previous_hash": lambda: _flip(value),
        "entry_hash": lambda: _flip(value),
        "sequence": lambda: last_sequence + 100,
    }
    return changes[field]() if field in changes else value + "x"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=EVENTS, data=st.data())
def test_any_events_hold_and_any_single_change_is_caught(
    yangshe_clerk, auditor, events, data
) -> None:
    users = {"clerk": yangshe_clerk, "auditor": auditor}
    with transaction.atomic():
        for event in events:
            audit_record(
                actor=users.get(event["actor"]),
                action=event["action"],
                target=users.get(event["target"]),
                data=event["data"],
                division_code=event["division_code"],
                ip_address=event["ip_address"],
            )
        stored = list(AuditEvent.objects.order_by("sequence"))
        result = audit_chain_verify(batch_size=4)
        assert (result.is_intact, result.entries, result.head) == (
            True,
            len(stored),
            stored[-1].entry_hash,
        )

        victim = data.draw(st.sampled_from(stored), label="entry")
        field = data.draw(st.sampled_from(TAMPERED_FIELDS), label="field")
        last = stored[-1].sequence
        with triggers_bypassed():
            AuditEvent.objects.filter(pk=victim.pk).update(
                **{field: _tampered(victim, field, users, last)}
            )
        broken = audit_chain_verify(batch_size=4)
        if field == "sequence" and victim.sequence != last:
            expected = victim.sequence + 1  # the entry after it now follows a gap
        elif field == "sequence":
            expected = last + 100
        else:
            expected = victim.sequence
        assert (broken.is_intact, broken.broken_sequence) == (False, expected)
        transaction.set_rollback(True)
