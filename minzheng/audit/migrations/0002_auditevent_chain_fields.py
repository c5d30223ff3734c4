from django.db import migrations, models


class Migration(migrations.Migration):
    """Room for the hash chain; 0003 fills it for the entries that exist, 0004 then requires it."""

    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="sequence",
            field=models.BigIntegerField(null=True, unique=True, verbose_name="序号"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="previous_hash",
            field=models.CharField(default="", max_length=64, verbose_name="上一条哈希"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="entry_hash",
            field=models.CharField(default="", max_length=64, verbose_name="本条哈希"),
            preserve_default=False,
        ),
    ]
