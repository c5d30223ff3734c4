"""Supervision and settlement through the API and the command line."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from django.core.management import call_command

from minzheng.eldercare.models import Settlement, WorkOrder
from tests.conftest import verified_login
from tests.eldercare.test_supervision import plan as plan
from tests.eldercare.test_supervision import visit


@pytest.fixture
def short(plan, catalogue, caregiver):
    return visit(plan, catalogue["ZX01"], caregiver, minutes=10)


def test_the_api_runs_the_rules_and_the_town_clears(client, short, eldercare_staff, yangshe_clerk):
    verified_login(client, eldercare_staff)
    response = client.post(
        "/api/eldercare/supervision/run", {"month": "2026-10"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["by_code"] == {"too_short": 1}
    client.logout()
    verified_login(client, yangshe_clerk)
    orders = client.get("/api/eldercare/supervision/orders?month=2026-10&code=too_short").json()
    assert [order["number"] for order in orders] == [short.number]
    assert orders[0]["held"] is True
    response = client.post(
        f"/api/eldercare/supervision/orders/{short.pk}/clear",
        {"reason": ""},
        content_type="application/json",
    )
    assert response.status_code == 422
    response = client.post(
        f"/api/eldercare/supervision/orders/{short.pk}/clear",
        {"reason": "回访确认"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["flags_cleared"] is True


def test_the_commands_supervise_and_settle(short, eldercare_staff, home_provider):
    out = io.StringIO()
    call_command("supervise", month="2026-10", stdout=out)
    assert "too_short 1" in out.getvalue()
    assert WorkOrder.objects.get(pk=short.pk).held
    out = io.StringIO()
    call_command(
        "settle",
        month="2026-10",
        provider=str(home_provider.pk),
        user="eldercare_staff",
        stdout=out,
    )
    assert "暂缓 held 1" in out.getvalue()
    call_command("settle", month="2026-10", all=True, user="eldercare_staff", stdout=out)
    assert "already closed" in out.getvalue()
    assert Settlement.objects.count() == 1


@pytest.mark.parametrize(
    "arguments",
    [
        ["supervise", "--month", "2026-13"],
        ["settle", "--month", "2026/10", "--all", "--user", "nobody"],
    ],
)
def test_bad_input_exits_2_without_a_traceback(arguments):
    result = subprocess.run(
        [sys.executable, "-m", "minzheng.cli", *arguments],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
