"""Personal data at rest: nothing in clear in any table; wrong keys refused; keys rotate."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from minzheng import crypto
from minzheng.registry.models import PHONE_FIELD, Person
from minzheng.registry.services import (
    DivisionIn,
    city_load,
    divisions_load,
    person_in_from_person,
    person_set_bank_account,
    person_update,
    registry_import,
    values_reencrypt,
)
from minzheng.registry.spreadsheets import read_table
from minzheng.synth.generate import AS_OF, generate
from tests.conftest import HEAD_ID
from tests.registry.test_import import GOOD, xlsx


def every_stored_text() -> str:
    """Every value of every row of every table, as text."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from the db
            parts.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(parts)


def test_no_id_number_phone_or_bank_account_is_stored_in_clear_anywhere(
    family, yangshe_clerk
) -> None:
    registry_import(acting_user=yangshe_clerk, rows=read_table(xlsx(GOOD), "a.xlsx"))
    city = generate(scale=0.0005, seed=5)
    divisions_load(
        acting_user=None,
        rows=[
            DivisionIn(r["code"], r["name"], r["kind"], r["parent_code"])
            for r in city.divisions.iter_rows(named=True)
        ],
    )
    city_load(acting_user=None, persons=city.persons, households=city.households, on=AS_OF)
    head = family.head
    person_update(
        acting_user=yangshe_clerk,
        person=head,
        data=person_in_from_person(head, phone="13700001111"),
    )
    person_set_bank_account(acting_user=yangshe_clerk, person=head, account="6222020000123456789")
    stored = every_stored_text()
    assert "6222020000123456789" not in stored
    assert Person.objects.get(pk=head.pk).bank_account == "6222020000123456789"
    id_numbers = [person.id_number for person in Person.objects.all()]
    phones = [person.phone for person in Person.objects.all() if person.phone]
    # the family (3), the import (3) and the synthetic persons; phones: the family's head, one
    # imported person, and the synthetic persons who have one
    assert len(id_numbers) == 6 + city.persons.height
    assert len(phones) == 2 + city.persons["phone"].drop_nulls().len()
    assert [value for value in id_numbers + phones if value in stored] == []


def test_values_read_back_and_lookup_goes_through_the_blind_index(family) -> None:
    head = Person.objects.with_id_number(family.head.id_number.lower()).get()
    assert head.phone == "13812345678"
    assert len(head.id_number_index) == 32
    assert head.id_number_encrypted.startswith(f"v1:{crypto.keyring().current}:")


def test_same_value_encrypts_differently_each_time() -> None:
    first = crypto.encrypt("13812345678", field=PHONE_FIELD)
    second = crypto.encrypt("13812345678", field=PHONE_FIELD)
    assert first != second
    assert crypto.decrypt(first, field=PHONE_FIELD) == crypto.decrypt(second, field=PHONE_FIELD)


def test_a_value_moved_to_another_column_does_not_decrypt(family) -> None:
    head = family.head
    head.phone_encrypted = head.id_number_encrypted
    with pytest.raises(crypto.DataKeyError) as error:
        _ = head.phone
    assert "无法解密" in error.value.message_zh


def test_a_tampered_value_is_refused(family) -> None:
    token = family.head.id_number_encrypted
    flipped = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(crypto.DataKeyError):
        crypto.decrypt(flipped, field="registry.person.id_number")


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The test database's keyring copied to a file of its own, as an operator would keep it."""
    path = tmp_path / "keys.json"
    shutil.copy(crypto.keyring_path(), path)
    monkeypatch.setenv("MINZHENG_DATA_KEY_FILE", str(path))
    crypto.keyring(reload=True)
    yield path
    monkeypatch.delenv("MINZHENG_DATA_KEY_FILE")
    crypto.keyring(reload=True)


def test_a_wrong_key_is_refused_with_a_clear_message(family, key_file: Path) -> None:
    other = crypto.new_keyring()
    key_file.write_text(
        json.dumps(
            {
                **json.loads(key_file.read_text()),
                "keys": {crypto.keyring().current: crypto._b64(other.keys[other.current])},
            }
        )
    )
    crypto.keyring(reload=True)
    with pytest.raises(crypto.DataKeyError) as error:
        _ = Person.objects.get(pk=family.head_id).id_number
    assert error.value.message_zh == "数据密钥不正确或数据被篡改，无法解密"


def test_a_missing_key_file_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MINZHENG_DATA_KEY_FILE", str(tmp_path / "absent.json"))
    with pytest.raises(crypto.DataKeyError) as error:
        crypto.keyring(reload=True)
    assert "找不到数据密钥文件" in error.value.message_zh
    monkeypatch.delenv("MINZHENG_DATA_KEY_FILE")
    crypto.keyring(reload=True)


@pytest.mark.parametrize(
    "text", ["not json", '{"current": "x", "keys": {}, "index_key": ""}', '{"keys": 3}']
)
def test_a_malformed_keyring_is_refused(text: str) -> None:
    with pytest.raises(crypto.DataKeyError) as error:
        crypto.parse_keyring(text)
    assert "格式不正确" in error.value.message_zh


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_rotation_reencrypts_everything_and_retires_the_old_key(
    family, tangqiao_family, key_file: Path
) -> None:
    old = crypto.keyring().current
    before = {person.pk: (person.id_number, person.phone) for person in Person.objects.all()}
    output = run("keys", "rotate", "--batch-size", "1")
    new = crypto.keyring().current
    assert new != old
    assert "re-encrypted 4 条" in output
    persons = Person.objects.all()
    assert {person.pk: (person.id_number, person.phone) for person in persons} == before
    assert all(p.id_number_encrypted.startswith(f"v1:{new}:") for p in persons)
    assert set(json.loads(key_file.read_text())["keys"]) == {old, new}
    assert f"retired 1 个密钥 keys: {old}" in run("keys", "retire")
    assert set(json.loads(key_file.read_text())["keys"]) == {new}
    assert Person.objects.with_id_number(HEAD_ID).exists()  # the blind index is unchanged


def test_a_stopped_rotation_resumes(family, tangqiao_family, key_file: Path) -> None:
    crypto.keyring_add_key()
    _, changed = values_reencrypt(model=Person, after_pk=0, batch_size=2)
    assert changed == 2
    assert "re-encrypted 2 条" in run("keys", "rotate", "--resume")
    assert "re-encrypted 0 条" in run("keys", "rotate", "--resume")


def test_old_key_is_kept_while_values_use_it(family, key_file: Path) -> None:
    old = crypto.keyring().current
    crypto.keyring_add_key()
    assert "retired 0 个密钥" in run("keys", "retire")
    assert old in json.loads(key_file.read_text())["keys"]


def test_rotation_is_refused_for_keys_from_the_environment(
    family, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MINZHENG_DATA_KEY", crypto.keyring().to_json())
    crypto.keyring(reload=True)
    with pytest.raises(CommandError) as error:
        run("keys", "rotate")
    assert "MINZHENG_DATA_KEY" in str(error.value)
    monkeypatch.delenv("MINZHENG_DATA_KEY")
    crypto.keyring(reload=True)


def test_pages_and_api_answer_503_when_the_key_is_wrong(
    client, family, yangshe_clerk, key_file: Path
) -> None:
    ring, other = crypto.keyring(), crypto.new_keyring()
    key_file.write_text(
        crypto.Keyring(
            current=ring.current,
            keys={ring.current: other.keys[other.current]},
            index_key=ring.index_key,
        ).to_json()
    )
    crypto.keyring(reload=True)
    client.force_login(yangshe_clerk)
    page = client.get(f"/registry/persons/{family.head_id}/")
    api = client.get(f"/api/registry/persons/{family.head_id}")
    assert page.status_code == 503
    assert "数据密钥不可用" in page.content.decode()
    assert api.status_code == 503
    assert api.json()["title"] == "Service Unavailable"


def test_rotation_covers_every_app_that_stores_encrypted_values(family, key_file: Path) -> None:
    from minzheng.assistance.models import OnlineApplication
    from tests.assistance.test_online import submit

    application = submit()
    clear = (application.id_number, application.phone)
    old = crypto.keyring().current
    run("keys", "rotate")
    new = crypto.keyring().current
    application.refresh_from_db()
    assert application.id_number_encrypted.startswith(f"v1:{new}:")
    assert application.phone_encrypted.startswith(f"v1:{new}:")
    assert (application.id_number, application.phone) == clear
    assert f"retired 1 个密钥 keys: {old}" in run("keys", "retire")
    assert OnlineApplication.objects.get().id_number == clear[0]
