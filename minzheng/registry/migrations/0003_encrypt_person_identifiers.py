"""Encrypt the id numbers and phones stored in clear before encryption at rest existed.

It uses minzheng.crypto (the keyring and the AES-GCM and HMAC functions), not any model code.
"""

from django.db import migrations

ID_NUMBER_FIELD = "registry.person.id_number"  # as in minzheng.registry.models
PHONE_FIELD = "registry.person.phone"


def encrypt_existing(apps, schema_editor):
    from minzheng import crypto

    person_model = apps.get_model("registry", "Person")
    batch = []
    for person in person_model.objects.only("pk", "id_number", "phone").iterator(chunk_size=2000):
        value = person.id_number.strip().upper()
        person.id_number_encrypted = crypto.encrypt(value, field=ID_NUMBER_FIELD)
        person.id_number_index = crypto.blind_index(value, field=ID_NUMBER_FIELD)
        person.phone_encrypted = crypto.encrypt(person.phone, field=PHONE_FIELD)
        batch.append(person)
        if len(batch) == 2000:
            person_model.objects.bulk_update(
                batch, ["id_number_encrypted", "id_number_index", "phone_encrypted"]
            )
            batch = []
    person_model.objects.bulk_update(
        batch, ["id_number_encrypted", "id_number_index", "phone_encrypted"]
    )


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_person_encrypted_columns")]

    operations = [migrations.RunPython(encrypt_existing, migrations.RunPython.noop)]
