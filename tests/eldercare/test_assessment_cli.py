"""`minzheng assessments import|due`: all-or-nothing imports, reassessment alerts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from minzheng.alerts.models import Alert
from minzheng.eldercare.assessments import AssessmentIn, assessment_record
from minzheng.eldercare.models import Assessment
from minzheng.rules.ability import ITEMS
from tests.eldercare.conftest import ELDER_ID

HEADER = [
    "公民身份号码",
    "评估日期",
    "评估原因",
    "评估员",
    "昏迷",
    "确诊痴呆",
    "近30天照护风险事件",
]
NUMBERS = [number for number, _, _ in ITEMS]


def _csv(tmp_path, rows):
    path = tmp_path / "assessments.csv"
    lines = [",".join(HEADER + NUMBERS)]
    for row in rows:
        lines.append(",".join(row))
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _row(id_number=ELDER_ID, first="4", date="2026-11-02"):
    scores = [first] + [str(maximum) for _, _, maximum in ITEMS[1:]]
    return [id_number, date, "首次评估", "张评估、王评估", "否", "否", "0", *scores]


def test_an_import_records_every_row(tmp_path, elder, yangshe_clerk, capsys):
    call_command("assessments", "import", str(_csv(tmp_path, [_row()])), user="yangshe_clerk")

    assert "已导入 1 份评估" in capsys.readouterr().out
    assert Assessment.objects.get().level == 0


def test_one_bad_row_imports_nothing_and_names_row_and_column(tmp_path, elder, yangshe_clerk):
    rows = [_row(), _row(first="9"), _row(id_number="320582193806105100")]
    with pytest.raises(CommandError) as raised:
        call_command("assessments", "import", str(_csv(tmp_path, rows)), user="yangshe_clerk")

    message = str(raised.value)
    assert raised.value.returncode == 2
    assert "第3行 B.1.1" in message
    assert "第4行" in message
    assert "nothing was imported" in message
    assert Assessment.objects.count() == 0


def test_another_towns_person_is_reported_like_an_unknown_one(tmp_path, elder, tangqiao_clerk):
    with pytest.raises(CommandError, match="不在您的管辖区域"):
        call_command("assessments", "import", str(_csv(tmp_path, [_row()])), user="tangqiao_clerk")
    assert Assessment.objects.count() == 0


def test_due_raises_one_alert_per_assessment_once(elder, yangshe_clerk, capsys):
    assessment_record(
        acting_user=yangshe_clerk,
        person=elder,
        data=AssessmentIn(
            assessed_on=dt.date(2025, 10, 1),
            reason="initial",
            assessors="张评估、王评估",
            items={number: maximum for number, _, maximum in ITEMS},
        ),
    )
    call_command("assessments", "due", on="2026-09-30")
    assert Alert.objects.count() == 0
    call_command("assessments", "due", on="2026-10-01")
    call_command("assessments", "due", on="2026-10-02")

    alert = Alert.objects.get()
    assert (alert.kind, alert.person_id, alert.division_code) == (
        "eldercare.reassessment_due",
        elder.pk,
        elder.residence_division_id,
    )


def test_a_bad_date_exits_2(db):
    with pytest.raises(CommandError) as raised:
        call_command("assessments", "due", on="2026-13-01")
    assert raised.value.returncode == 2
