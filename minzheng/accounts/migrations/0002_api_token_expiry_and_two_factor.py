import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """Tokens expire; tokens issued after a one-time code are marked. Existing tokens expire now."""

    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, verbose_name="失效时间"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="apitoken",
            name="two_factor_verified",
            field=models.BooleanField(default=False, verbose_name="经两步验证签发"),
        ),
    ]
