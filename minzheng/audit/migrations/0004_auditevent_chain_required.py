from django.db import migrations, models


class Migration(migrations.Migration):
    """Every entry now has its place in the chain: sequence required, hashes well-formed."""

    dependencies = [
        ("audit", "0003_chain_existing_events"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="sequence",
            field=models.BigIntegerField(unique=True, verbose_name="序号"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["actor_username", "sequence"], name="audit_actor_idx"),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.CheckConstraint(
                condition=models.Q(sequence__gte=1), name="audit_sequence_gte_1"
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.CheckConstraint(
                condition=models.Q(entry_hash__regex="^[0-9a-f]{64}$"),
                name="audit_entry_hash_hex",
            ),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.CheckConstraint(
                condition=models.Q(previous_hash__regex="^[0-9a-f]{64}$"),
                name="audit_previous_hash_hex",
            ),
        ),
    ]
