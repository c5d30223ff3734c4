from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_encrypt_person_identifiers")]

    operations = [
        migrations.RemoveField(model_name="person", name="id_number"),
        migrations.RemoveField(model_name="person", name="phone"),
        migrations.AlterField(
            model_name="person",
            name="id_number_index",
            field=models.CharField(max_length=32, unique=True, verbose_name="公民身份号码索引"),
        ),
    ]
