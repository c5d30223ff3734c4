"""Chain the entries written before the chain existed, in id order.

The hash comes from minzheng.audit.chain, the pure module (no Django, no models) the service and
the verifier use, so all three compute it the same way. Batches keep memory bounded.
"""

from django.db import migrations

from minzheng.audit.chain import GENESIS_HASH, entry_hash

BATCH_SIZE = 2000
FIELDS = (
    "id",
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


def chain_existing_events(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    events = AuditEvent.objects.using(schema_editor.connection.alias)
    sequence, previous_hash, last_id = 0, GENESIS_HASH, 0
    while True:
        batch = list(events.filter(id__gt=last_id).order_by("id").values(*FIELDS)[:BATCH_SIZE])
        if not batch:
            break
        updated = []
        for row in batch:
            sequence += 1
            row_hash = entry_hash(
                sequence=sequence,
                previous_hash=previous_hash,
                **{key: value for key, value in row.items() if key != "id"},
            )
            updated.append(
                AuditEvent(
                    id=row["id"],
                    sequence=sequence,
                    previous_hash=previous_hash,
                    entry_hash=row_hash,
                )
            )
            previous_hash = row_hash
        events.bulk_update(updated, ["sequence", "previous_hash", "entry_hash"])
        last_id = batch[-1]["id"]


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_auditevent_chain_fields"),
    ]

    operations = [
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop, elidable=False),
    ]
