"""Monitoring: the month's data-exchange signals against the households receiving assistance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from minzheng.alerts.models import Alert
from minzheng.assistance.monitoring import monitoring_run
from minzheng.exchange.models import ExchangeBatch, Signal
from minzheng.registry.models import Membership
from tests.assistance.conftest import approve

MONTH = dt.date(2026, 10, 1)
ON = dt.date(2026, 11, 3)


def _signals(user, rows: list[tuple[object, str, dt.date, str | None, dict]]) -> None:
    batch = ExchangeBatch.objects.create(
        source="test",
        period=MONTH,
        file_name="test.csv",
        sha256=str(ExchangeBatch.objects.count()).rjust(64, "0"),
        row_count=len(rows),
        imported_by=user,
    )
    Signal.objects.bulk_create(
        Signal(
            batch=batch,
            source=kind.split(".")[0],
            kind=kind,
            person=person,
            on=on,
            amount=Decimal(amount) if amount is not None else None,
            data=data,
        )
        for person, kind, on, amount, data in rows
    )


@pytest.fixture
def recipient_household(dibao_case, yangshe_clerk, yangshe_approver):
    approve(dibao_case, yangshe_clerk, yangshe_approver, dt.date(2026, 2, 1))
    members = {
        membership.relation: membership.person
        for membership in Membership.objects.filter(household=dibao_case.household)
    }
    return dibao_case, members


def test_each_rule_raises_its_alert_for_a_recipient_household(recipient_household, payroll_staff):
    case, members = recipient_household
    head, spouse, child = members["head"], members["spouse"], members["child"]
    _signals(
        payroll_staff,
        [
            (spouse, "civil_registration.death", dt.date(2026, 10, 9), None, {}),
            (child, "vehicle", dt.date(2026, 10, 12), "60000", {"vehicle_type": "car"}),
            (child, "wages", MONTH, "3000.00", {"employer": "某公司"}),
            (child, "unemployment", dt.date(2026, 10, 20), None, {}),
            (head, "wages", MONTH, "900.00", {"employer": "物业"}),  # under the line
        ],
    )
    result = monitoring_run(acting_user=payroll_staff, month=MONTH, on=ON)
    assert result.raised == 4
    alerts = {alert.kind: alert for alert in Alert.objects.all()}
    assert set(alerts) == {
        "assistance.recipient_died",
        "assistance.asset_review",
        "assistance.income_review",
        "assistance.unemployment_check",
    }
    income = alerts["assistance.income_review"]
    assert income.division_code == case.division_code
    assert income.household_id == case.household_id
    assert income.data["cases"] == [case.number]
    assert income.data["threshold"] == "1208.00"  # the dibao standard of 2026-10 (provisional)
    assert "3000.00" in income.reason
    assert alerts["assistance.recipient_died"].due_on == ON + dt.timedelta(days=5)
    # Running the month again raises nothing new.
    assert monitoring_run(acting_user=payroll_staff, month=MONTH, on=ON).raised == 0


def test_signals_of_other_months_and_other_households_raise_nothing(
    recipient_household, payroll_staff, tangqiao_family
):
    _, members = recipient_household
    other = tangqiao_family.head
    _signals(
        payroll_staff,
        [
            (members["child"], "vehicle", dt.date(2026, 9, 30), None, {}),  # September
            (other, "vehicle", dt.date(2026, 10, 3), None, {}),  # not a recipient
            (other, "wages", MONTH, "9000.00", {}),
        ],
    )
    assert monitoring_run(acting_user=payroll_staff, month=MONTH, on=ON).raised == 0


def test_medical_spending_over_the_line_makes_a_candidate(family, payroll_staff):
    head = family.head
    members = Membership.objects.filter(household=family, valid_to__isnull=True).count()
    line = Decimal("1208") * members
    _signals(
        payroll_staff,
        [
            (head, "medical", MONTH, "9000", {"out_of_pocket": str(line - 100)}),
            (head, "medical", MONTH, "500", {"out_of_pocket": "200"}),
        ],
    )
    monitoring_run(acting_user=payroll_staff, month=MONTH, on=ON)
    alert = Alert.objects.get()
    assert alert.kind == "assistance.medical_candidate"
    assert alert.household_id == family.pk
    assert Decimal(alert.data["out_of_pocket"]) == line + 100
    assert alert.data["members"] == members


def test_medical_spending_under_the_line_raises_nothing(family, payroll_staff):
    _signals(payroll_staff, [(family.head, "medical", MONTH, "100", {"out_of_pocket": "100"})])
    assert monitoring_run(acting_user=payroll_staff, month=MONTH, on=ON).raised == 0


def test_a_severe_disability_in_a_dibao_edge_household(
    family, yangshe_clerk, yangshe_approver, payroll_staff
):
    from minzheng.assistance.services import case_apply
    from tests.assistance.conftest import family_request

    request = family_request()
    for member in request["members"]:
        member["income"] = {"pension": 1500}
    case = case_apply(
        acting_user=yangshe_clerk,
        household=family,
        applicant=family.head,
        program="dibao_edge",
        request=request,
        on=dt.date(2026, 1, 5),
    )
    approve(case, yangshe_clerk, yangshe_approver, dt.date(2026, 2, 1))
    child = Membership.objects.get(household=family, relation="child").person
    _signals(
        payroll_staff, [(child, "disability.issued", dt.date(2026, 10, 5), None, {"grade": 1})]
    )
    monitoring_run(acting_user=payroll_staff, month=MONTH, on=ON)
    assert Alert.objects.get().kind == "assistance.single_person_candidate"


def test_only_city_assistance_staff_run_monitoring(divisions, yangshe_clerk, eldercare_staff):
    for user in (yangshe_clerk, eldercare_staff):
        with pytest.raises(PermissionDenied):
            monitoring_run(acting_user=user, month=MONTH, on=ON)


def test_monitor_command(recipient_household, payroll_staff, yangshe_clerk, capsys):
    _, members = recipient_household
    _signals(payroll_staff, [(members["child"], "vehicle", dt.date(2026, 10, 12), None, {})])
    call_command("monitor", "--month", "2026-10", "--user", payroll_staff.username)
    assert "1 new alerts" in capsys.readouterr().out
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("monitor", "--month", "2026-13", "--user", payroll_staff.username)
    with pytest.raises(CommandError, match="may not run monitoring"):
        call_command("monitor", "--month", "2026-10", "--user", yangshe_clerk.username)


def test_a_recipient_who_moves_out_of_the_city_is_flagged(recipient_household, payroll_staff):
    _, members = recipient_household
    _signals(
        payroll_staff,
        [
            (
                members["child"],
                "civil_registration.move_out",
                dt.date(2026, 10, 8),
                None,
                {"division_code": "320583100"},
            ),
            (
                members["spouse"],
                "civil_registration.move_in",
                dt.date(2026, 10, 9),
                None,
                {"division_code": "320582101001"},
            ),
        ],
    )
    monitoring_run(acting_user=payroll_staff, month=MONTH, on=ON)
    moved = {
        alert.person_id: alert.data["out_of_city"]
        for alert in Alert.objects.filter(kind="assistance.recipient_moved")
    }
    assert moved == {members["child"].pk: True, members["spouse"].pk: False}
