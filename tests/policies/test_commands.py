"""`minzheng assess` and `minzheng screen`: exit codes, output, errors on stderr, audit."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from minzheng.audit.models import AuditEvent
from minzheng.rules import assess
from minzheng.synth.generate import generate, write_parquet
from tests.rules.test_assess import POOR_COUPLE


def minzheng(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "minzheng.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def test_assess_prints_the_same_result_as_the_rules(tmp_path: Path):
    path = tmp_path / "request.json"
    path.write_text(json.dumps(POOR_COUPLE, ensure_ascii=False), encoding="utf-8")
    result = minzheng("assess", str(path))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(json.dumps(assess(POOR_COUPLE)))
    assert result.stderr == ""


def test_assess_reads_standard_input():
    result = minzheng("assess", "-", "--compact", stdin=json.dumps(POOR_COUPLE))
    assert result.returncode == 0
    assert json.loads(result.stdout)["programs"]["dibao"]["monthly_amount"] == 1799.2


@pytest.mark.parametrize(
    ("stdin", "lines"),
    [
        (
            json.dumps({**POOR_COUPLE, "as_of": "2026-1"}),
            ["  $.as_of: 评估月份格式应为 YYYY-MM / as_of must be YYYY-MM"],
        ),
        (
            json.dumps(
                {
                    **POOR_COUPLE,
                    "members": [{"id": "a", "relation": "boss", "birth_date": "1950-01-01"}],
                }
            ),
            [
                "  $.members[0].relation: 取值无效，应为以下之一：head、spouse、child、parent、"
                "parent_in_law、grandparent、grandchild、sibling、child_in_law、other / "
                "invalid value, "
                "expected one of: head, spouse, child, parent, parent_in_law, grandparent, "
                "grandchild, sibling, child_in_law, other"
            ],
        ),
        ("{not json", None),
    ],
)
def test_assess_refuses_bad_input_with_exit_2_and_paths_on_stderr(stdin, lines):
    result = minzheng("assess", "-", stdin=stdin)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    error_lines = result.stderr.splitlines()
    assert error_lines[0].startswith("输入有误，未评估 invalid request, nothing assessed")
    if lines is None:
        assert error_lines[1].startswith("  $: 不是有效的JSON / not valid JSON")
    else:
        assert error_lines[1:] == lines


def test_assess_of_a_missing_file_exits_2():
    result = minzheng("assess", "/nonexistent/request.json")
    assert result.returncode == 2
    assert "无法读取 /nonexistent/request.json" in result.stderr


def test_screen_writes_one_row_per_household_and_programme_and_prints_totals(tmp_path: Path):
    city = generate(scale=0.002, seed=5)
    write_parquet(city, tmp_path)
    out = tmp_path / "screen.parquet"
    result = minzheng(
        "screen", "--population", str(tmp_path), "--as-of", "2026-01", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    frame = pl.read_parquet(out)
    assert frame.height == city.households.height * 9
    dibao = frame.filter((pl.col("program") == "dibao") & pl.col("eligible"))
    line = next(line for line in result.stdout.splitlines() if line.startswith("dibao "))
    assert line.split()[1] == str(dibao.height)
    assert line.split()[2] == f"{dibao['monthly_amount'].sum():,.2f}"
    assert "杨舍镇" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2026-13"], "评估月份格式应为 YYYY-MM / --as-of must be YYYY-MM"),
        (["--as-of", "2022-03"], "2022-03 无有效的参数 dibao.standard，无法筛查"),
    ],
)
def test_screen_refuses_a_bad_month_with_exit_2(tmp_path: Path, args, message):
    write_parquet(generate(scale=0.001, seed=5), tmp_path)
    result = minzheng("screen", "--population", str(tmp_path), *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_screen_of_a_missing_population_exits_2(tmp_path: Path):
    result = minzheng("screen", "--population", str(tmp_path / "none"), "--as-of", "2026-01")
    assert result.returncode == 2
    assert "无法读取人口文件" in result.stderr


def test_screen_from_the_registry_screens_what_it_can_in_scope_and_is_audited(
    family, tangqiao_family, yangshe_clerk, tmp_path: Path
):
    from django.core.management import call_command

    out = tmp_path / "registry.parquet"
    call_command(
        "screen",
        "--from-db",
        "--user",
        "yangshe_clerk",
        "--as-of",
        "2026-01",
        "--out",
        str(out),
        stdout=open(tmp_path / "stdout.txt", "w"),  # noqa: SIM115
    )
    frame = pl.read_parquet(out)
    # Only 杨舍镇's household; only the programme whose inputs the registry holds.
    assert frame["household_id"].unique().to_list() == [str(family.pk)]
    assert frame["program"].cast(pl.String).to_list() == ["longevity_allowance"]
    printed = (tmp_path / "stdout.txt").read_text()
    assert "未筛查 skipped dibao" in printed
    event = AuditEvent.objects.order_by("-sequence").first()
    assert event.action == "policies.screen.run"
    assert event.actor == yangshe_clerk
    assert event.data["households"] == 1
    assert event.data["programs"] == ["longevity_allowance"]


def test_an_auditor_may_not_screen_the_registry_and_nothing_is_recorded(family, auditor):
    before = AuditEvent.objects.count()
    result = minzheng_in_process("screen", "--from-db", "--user", "auditor", "--as-of", "2026-01")
    assert result == (2, "只有民政业务人员可以进行政策筛查 / auditor may not screen the registry\n")
    assert AuditEvent.objects.count() == before


def minzheng_in_process(*args: str) -> tuple[int, str]:
    from django.core.management import call_command

    stderr = io.StringIO()
    try:
        call_command(*args, stdout=io.StringIO(), stderr=stderr)
    except SystemExit as exit_:
        return int(exit_.code), stderr.getvalue()
    return 0, stderr.getvalue()
