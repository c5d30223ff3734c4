"""`minzheng report ageing --year YYYY --out FILE.docx`: the bulletin from the command line."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys

import pytest
import time_machine
from django.core.management import CommandError, call_command
from docx import Document

from minzheng.audit.models import AuditEvent
from minzheng.registry.services import HouseholdIn, MemberIn, PersonIn, household_register
from tests.conftest import YANGSHE_VILLAGE, make_id_number


@pytest.fixture
def elder(yangshe_clerk):
    return household_register(
        acting_user=yangshe_clerk,
        data=HouseholdIn(
            number="ZJG000000950",
            address="杨舍镇合成社区01 第9幢",
            division_code=YANGSHE_VILLAGE,
            members=(
                MemberIn(PersonIn(name="周老", id_number=make_id_number("19400101", 21)), "head"),
            ),
        ),
        on=dt.date(2024, 1, 1),
    ).head


@time_machine.travel(dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC))
def test_the_command_writes_the_bulletin_and_audits_it(tmp_path, elder, capsys):
    out = tmp_path / "bulletin" / "2025.docx"

    call_command("report", "ageing", year="2025", out=str(out))

    printed = capsys.readouterr().out
    assert "张家港市2025年老龄工作公报" in printed
    assert "全市登记人口1人，其中60周岁及以上老年人口1人" in printed
    assert f"已写入 written: {out}" in printed
    document = Document(io.BytesIO(out.read_bytes()))
    assert len(document.tables) == 2
    assert len(document.inline_shapes) == 2
    event = AuditEvent.objects.get(action="eldercare.report.export")
    assert event.actor is None  # the operator at the command line
    assert event.data["year"] == 2025


@time_machine.travel(dt.datetime(2026, 11, 28, 10, tzinfo=dt.UTC))
@pytest.mark.parametrize(
    ("arguments", "options", "zh", "en"),
    [
        (
            ["ageing"],
            {"year": "2027"},
            "统计年度应为2000年至2026年之间的四位年份",
            "four-digit year",
        ),
        (["ageing"], {"year": "25"}, "统计年度应为2000年至2026年之间的四位年份", "got '25'"),
        (["ageing"], {"year": "1999"}, "统计年度应为2000年至2026年之间的四位年份", "from 2000"),
        (["census"], {"year": "2025"}, "未知的报告类型", "unknown report 'census'"),
        (["ageing"], {"year": "2025", "out": "bulletin.pdf"}, "输出文件应为 .docx", ".docx file"),
        (["ageing"], {"year": "2025", "user": "nobody"}, "不存在或已停用", "no active user"),
        (["ageing"], {"year": "2025", "user": "yangshe_clerk"}, "只有市局养老服务人员", "may not"),
    ],
)
def test_bad_input_exits_2_in_chinese_and_english_and_writes_nothing(
    tmp_path, elder, arguments, options, zh, en
):
    out = tmp_path / options.pop("out", "bulletin.docx")

    with pytest.raises(CommandError) as raised:
        call_command("report", *arguments, out=str(out), **options)

    assert raised.value.returncode == 2
    assert zh in str(raised.value)
    assert en in str(raised.value)
    assert not out.exists()
    assert not AuditEvent.objects.filter(action="eldercare.report.export").exists()


def test_a_bad_year_exits_2_from_the_shell_without_a_traceback(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "minzheng.cli",
            "report",
            "ageing",
            "--year",
            "20x6",
            "--out",
            str(tmp_path / "b.docx"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 2
    assert "统计年度应为2000年至" in result.stderr
    assert "the year must be a four-digit year" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "b.docx").exists()
