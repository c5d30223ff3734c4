from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="person",
            name="id_number_encrypted",
            field=models.TextField(default="", verbose_name="公民身份号码(密文)"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="person",
            name="id_number_index",
            field=models.CharField(max_length=32, null=True, verbose_name="公民身份号码索引"),
        ),
        migrations.AddField(
            model_name="person",
            name="phone_encrypted",
            field=models.TextField(blank=True, default="", verbose_name="联系电话(密文)"),
        ),
    ]
