"""`minzheng exchange import | sources | synth`: messages in both languages, exit 2, no change."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from minzheng.audit.models import AuditEvent
from minzheng.exchange.models import ExchangeBatch, Signal
from minzheng.exchange.sources import SOURCES
from minzheng.synth.generate import generate, write_parquet
from tests.conftest import CHILD_ID, HEAD_ID
from tests.exchange.conftest import csv_bytes, stored


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("exchange", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def wages_file(tmp_path: Path) -> Path:
    path = tmp_path / "wages-2026-01.csv"
    path.write_bytes(
        csv_bytes(
            "id_number,month,employer,amount",
            f"{CHILD_ID},2026-01,张家港某某有限公司,6500",
            f"{HEAD_ID},2026-01,张家港某某有限公司,2600",
        )
    )
    return path


def _import(path: Path, user: str = "assistance_staff", period: str = "2026-01"):
    return run("import", "--source", "wages", "--period", period, "--user", user, str(path))


def test_import_writes_the_batch_and_says_so(family, assistance_staff, wages_file):
    code, out, err = _import(wages_file)

    assert (code, err) == (0, "")
    assert out.startswith("已导入 imported wages 2026-01: 2 行 rows (批次 batch ")
    assert Signal.objects.filter(kind="wages").count() == 2


def test_import_of_a_bad_file_lists_the_problems_in_both_languages_and_exits_2(
    family, assistance_staff, tmp_path
):
    path = tmp_path / "wages.csv"
    path.write_bytes(csv_bytes("id_number,month,employer,amount", f"{CHILD_ID},2026-02,甲,-1"))
    before = stored()

    code, out, err = _import(path)

    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "文件未导入，未写入任何数据：共 2 处问题 / the file was not imported, nothing was "
        "written: 2 problem(s)",
        "  第2行 row 2 month: 月份2026-02与文件所属月份2026-01不一致 / the month differs from "
        "the file's period 2026-01",
        "  第2行 row 2 amount: 金额不能为负数 / an amount must not be negative",
    ]
    assert stored() == before


def test_import_of_more_than_20_problems_shows_20_and_counts_the_rest(
    family, assistance_staff, tmp_path
):
    path = tmp_path / "wages.csv"
    lines = ["id_number,month,employer,amount"] + [f"{CHILD_ID},2026-01,,1"] * 23
    path.write_bytes(csv_bytes(*lines))

    code, _, err = _import(path)

    assert code == 2
    assert len(err.splitlines()) == 22
    assert err.splitlines()[-1] == "  ……另有 3 处 / and 3 more"


def test_importing_the_same_file_again_exits_2_and_changes_nothing(
    family, assistance_staff, wages_file
):
    _import(wages_file)
    before = stored()

    code, _, err = _import(wages_file)

    assert code == 2
    assert "该文件此前已导入过" in err
    assert "this file was imported before" in err
    assert stored() == before


@pytest.mark.parametrize(
    ("user", "period", "path", "message"),
    [
        (
            "yangshe_clerk",
            "2026-01",
            None,
            "只有市局管理员和市局社会救助人员可以导入部门交换数据 / yangshe_clerk may not "
            "import department files",
        ),
        ("nobody", "2026-01", None, "用户nobody不存在或已停用 / no active user 'nobody'"),
        ("assistance_staff", "2026-1", None, "所属月份格式应为 YYYY-MM / --period must be YYYY-MM"),
        ("assistance_staff", "2026-01", "missing.csv", "无法读取文件"),
    ],
)
def test_import_refusals_exit_2_without_a_traceback_and_change_nothing(
    family, assistance_staff, yangshe_clerk, wages_file, user, period, path, message
):
    before = stored()
    target = wages_file if path is None else wages_file.with_name(path)

    code, out, err = _import(target, user=user, period=period)

    assert (code, out) == (2, "")
    assert err.startswith(message)
    assert "Traceback" not in err
    assert stored() == before


def test_sources_prints_every_source_and_column(db):
    code, out, _ = run("sources")

    assert code == 0
    for source in SOURCES.values():
        assert f"{source.code}  {source.label}（{source.department}）" in out
        for column in source.columns:
            assert f"    {column.name:<16} {column.label}  [" in out


def test_synth_from_a_population_writes_one_file_per_source(db, tmp_path):
    write_parquet(generate(scale=0.001, seed=2), tmp_path / "city")

    code, out, _ = run(
        "synth", "--month", "2026-01", "--out", str(tmp_path / "files"),
        "--population", str(tmp_path / "city"),
    )  # fmt: skip

    assert code == 0
    assert sorted(path.name for path in (tmp_path / "files").iterdir()) == sorted(
        f"{source}-2026-01.csv" for source in SOURCES
    )
    assert out.splitlines()[-1].startswith("已生成 wrote 9 个文件 files for 2026-01")


def test_synth_from_the_registry_writes_files_that_import_and_is_audited(
    family, tangqiao_family, assistance_staff, tmp_path
):
    code, _, _ = run(
        "synth", "--month", "2026-01", "--out", str(tmp_path), "--from-db", "--format", "xlsx"
    )

    assert code == 0
    event = AuditEvent.objects.order_by("-sequence").first()
    assert (event.action, event.actor_username, event.data["persons"]) == (
        "exchange.synth.registry_read",
        "system",
        4,
    )
    code, _, err = run(
        "import", "--source", "pensions", "--period", "2026-01", "--user", "assistance_staff",
        str(tmp_path / "pensions-2026-01.xlsx"),
    )  # fmt: skip
    assert (code, err) == (0, "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2026-13"], "月份格式应为 YYYY-MM / --month must be YYYY-MM"),
        (["--month", "2026-01", "--population", "/nonexistent"], "无法读取人口文件 /nonexistent"),
    ],
)
def test_synth_refusals_exit_2(db, tmp_path, args, message):
    if "--population" not in args:
        args = [*args, "--from-db"]
    code, _, err = run("synth", "--out", str(tmp_path), *args)

    assert code == 2
    assert err.startswith(message)


def test_the_command_is_listed_with_a_bilingual_first_help_line():
    result = subprocess.run(
        [sys.executable, "-m", "minzheng.cli", "--help"], capture_output=True, text=True, check=True
    )
    assert "  exchange               部门数据交换 Data exchange:" in result.stdout


def test_a_bad_subcommand_exits_2_from_the_command_line():
    result = subprocess.run(
        [sys.executable, "-m", "minzheng.cli", "exchange", "export"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_the_demo_imports_last_month_of_every_source_once(db):
    call_command("demo", scale=0.0005, stdout=io.StringIO())
    batches = set(ExchangeBatch.objects.values_list("source", "period"))
    signals = Signal.objects.count()

    out = io.StringIO()
    call_command("demo", scale=0.0005, stdout=out)

    assert {source for source, _ in batches} == set(SOURCES)
    assert len({period for _, period in batches}) == 1
    assert set(ExchangeBatch.objects.values_list("source", "period")) == batches
    assert Signal.objects.count() == signals > 0
    assert "上月部门数据 last month's department files: civil_registration 0," in out.getvalue()
