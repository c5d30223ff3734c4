from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from minzheng.accounts.models import User
from minzheng.assistance.models import AssistanceCase
from minzheng.audit.models import AuditEvent
from minzheng.registry.models import Division, Household, Person
from tests.registry.test_import import GOOD, xlsx


def run(*args: str, **options: object) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def test_help_lists_our_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "minzheng.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for command in (
        "synth",
        "importregistry",
        "exportregistry",
        "createuser",
        "loaddivisions",
        "demo",
    ):
        assert f"  {command} " in result.stdout


def test_loaddivisions_twice_adds_nothing_the_second_time(db) -> None:
    assert "12 新增 added" in run("loaddivisions")
    assert "0 新增 added, 12 已有 present" in run("loaddivisions")
    assert Division.objects.filter(kind__in=["town", "street", "park"]).count() == 11


def test_createuser_reads_the_password_file(divisions, tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text("a-long-enough-passphrase\n")
    run(
        "createuser",
        username="li",
        role="town_clerk",
        division="320582100",
        password_file=str(secret),
    )
    user = User.objects.get(username="li")
    assert (user.role, user.division_code) == ("town_clerk", "320582100")
    assert user.check_password("a-long-enough-passphrase")


def test_createuser_refuses_a_short_password_and_unknown_division(divisions, tmp_path) -> None:
    secret = tmp_path / "password"
    secret.write_text("short")
    with pytest.raises(CommandError) as error:
        run(
            "createuser",
            username="li",
            role="town_clerk",
            division="320582999",
            password_file=str(secret),
        )
    assert "区划代码320582999不存在" in str(error.value)
    assert "unknown division code" in str(error.value)
    assert "password is too weak" in str(error.value)
    assert not User.objects.filter(username="li").exists()


def test_import_command_reports_errors_in_both_languages(yangshe_clerk, tmp_path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"garbage")
    with pytest.raises(CommandError) as error:
        run("importregistry", str(bad), user="yangshe_clerk")
    assert "无法读取该Excel文件" in str(error.value)
    assert "cannot be read" in str(error.value)
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx(GOOD))
    assert "新登记 2 户" in run("importregistry", str(good), user="yangshe_clerk")
    assert "新登记 0 户" in run("importregistry", str(good), user="yangshe_clerk")
    assert Household.objects.count() == 2


def test_export_command_writes_masked_xlsx(family, tmp_path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "out.xlsx"
    run("exportregistry", user="yangshe_clerk", out=str(out))
    rows = list(load_workbook(out).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 4
    numbers = {person.id_number for person in Person.objects.all()}
    assert not numbers & {cell for row in rows for cell in row}
    event = AuditEvent.objects.get(action="registry.person.export")
    assert (event.actor_username, event.data["rows"]) == ("yangshe_clerk", 3)


def test_unknown_user_is_a_clear_error(divisions, tmp_path) -> None:
    with pytest.raises(CommandError) as error:
        run("exportregistry", user="ghost", out=str(tmp_path / "x.xlsx"))
    assert "用户ghost不存在" in str(error.value)


def test_synth_writes_the_parquet_files(tmp_path: Path) -> None:
    import polars as pl

    output = run("synth", scale=0.0005, seed=3, out=str(tmp_path))
    persons = pl.read_parquet(tmp_path / "persons.parquet")
    households = pl.read_parquet(tmp_path / "households.parquet")
    assert f"{persons.height} persons, {households.height} households" in output
    assert set(persons["household_id"]) <= set(households["household_id"])


def test_synth_without_out_or_load_is_refused() -> None:
    with pytest.raises(CommandError) as error:
        run("synth", scale=0.001)
    assert "--out" in str(error.value)


def test_demo_twice_adds_no_duplicates(db) -> None:
    run("demo", scale=0.0005)
    counts = (
        Person.objects.count(),
        Household.objects.count(),
        User.objects.count(),
        AssistanceCase.objects.count(),
    )
    second = run("demo", scale=0.0005)
    assert "载入 loaded 0 households, 0 persons" in second
    assert "演示救助申请 demo assistance cases: 0" in second
    assert (
        Person.objects.count(),
        Household.objects.count(),
        User.objects.count(),
        AssistanceCase.objects.count(),
    ) == counts
    assert set(User.objects.values_list("role", flat=True)) == {
        "city_admin",
        "city_staff",
        "auditor",
        "town_approver",
        "town_clerk",
        "village_worker",
        "provider",
    }
    # A clerk and an approver in each of the 11 towns, so that each has its demo cases.
    assert User.objects.filter(role="town_clerk").values("division_code").distinct().count() == 11
    assert User.objects.filter(role="town_approver").count() == 11


def test_loaddivisions_reads_a_village_list(divisions, tmp_path: Path) -> None:
    villages = tmp_path / "villages.csv"
    villages.write_text(
        "code,name,kind,parent_code\n320582103201,锦丰镇某村,village,320582103\n",
        encoding="utf-8",
    )
    assert "1 新增 added" in run("loaddivisions", file=str(villages))
    assert Division.objects.get(code="320582103201").parent_id == "320582103"


def test_loaddivisions_refuses_a_bad_list_and_writes_nothing(divisions, tmp_path: Path) -> None:
    villages = tmp_path / "villages.csv"
    villages.write_text(
        "code,name,kind,parent_code\n320582103201,甲村,village,320582103\n"
        "3205821032,乙村,village,320582103\n",
        encoding="utf-8",
    )
    before = Division.objects.count()
    with pytest.raises(CommandError) as error:
        run("loaddivisions", file=str(villages))
    assert "第2行 code: 区划代码3205821032的位数与类别不符" in str(error.value)
    assert Division.objects.count() == before
