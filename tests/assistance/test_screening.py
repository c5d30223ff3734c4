"""政策找人 over the registry and the exchange data, and the periodic review schedule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from minzheng.alerts.models import Alert
from minzheng.assistance.screening import find_people_run, review_category, reviews_due_run
from minzheng.registry.models import Membership
from tests.assistance.conftest import approve
from tests.assistance.test_monitoring import _signals

ON = dt.date(2026, 11, 3)
AS_OF = "2026-11"
OCTOBER = dt.date(2026, 10, 1)


def _members(household):
    return {
        membership.relation: membership.person
        for membership in Membership.objects.filter(household=household, valid_to__isnull=True)
    }


def _pensions(user, household, **wages: str) -> None:
    members = _members(household)
    rows = [
        (members["head"], "pensions", OCTOBER, "600", {"kind": "resident"}),
        (members["spouse"], "pensions", OCTOBER, "500", {"kind": "resident"}),
    ]
    rows += [
        (members[relation], "wages", OCTOBER, amount, {}) for relation, amount in wages.items()
    ]
    if "child" not in wages:  # 王磊 registered as unemployed: every adult's income is known
        rows.append((members["child"], "unemployment", dt.date(2026, 9, 1), None, {}))
    _signals(user, rows)


def test_a_poor_household_without_a_case_is_found(family, tangqiao_family, payroll_staff):
    _pensions(payroll_staff, family)
    result = find_people_run(acting_user=payroll_staff, as_of=AS_OF, on=ON)
    found = Alert.objects.filter(kind="assistance.eligible_not_receiving", household=family)
    assert {alert.data["program"] for alert in found} == {"dibao"}
    alert = found.get()
    assert alert.division_code == family.division_id
    assert "金融资产" in alert.data["assumed"]
    assert result.households == 1  # 塘桥's household: the exchange knows nothing of its income
    # Run again the same month: nothing new.
    assert find_people_run(acting_user=payroll_staff, as_of=AS_OF, on=ON).raised == 0


def test_a_household_whose_adults_the_exchange_does_not_all_cover_is_not_screened(
    family, payroll_staff
):
    members = _members(family)
    _signals(payroll_staff, [(members["head"], "pensions", OCTOBER, "600", {})])
    result = find_people_run(acting_user=payroll_staff, as_of=AS_OF, on=ON)
    assert (result.households, result.raised) == (0, 0)


def test_a_household_that_applied_is_not_found_again(dibao_case, payroll_staff):
    _pensions(payroll_staff, dibao_case.household)
    find_people_run(acting_user=payroll_staff, as_of=AS_OF, on=ON)
    assert not Alert.objects.filter(household=dibao_case.household, data__program="dibao")


def test_a_recipient_whose_wages_lift_the_household_is_flagged(
    dibao_case, yangshe_clerk, yangshe_approver, payroll_staff
):
    approve(dibao_case, yangshe_clerk, yangshe_approver, dt.date(2026, 2, 1))
    _pensions(payroll_staff, dibao_case.household, child="9000")
    find_people_run(acting_user=payroll_staff, as_of=AS_OF, on=ON)
    alert = Alert.objects.get(kind="assistance.no_longer_eligible")
    assert alert.data["cases"] == [dibao_case.number]


def test_the_town_cannot_run_the_city_screening(divisions, yangshe_clerk):
    with pytest.raises(PermissionDenied):
        find_people_run(acting_user=yangshe_clerk, as_of=AS_OF, on=ON)


def test_reviews_fall_due_by_category(dibao_case, yangshe_clerk, yangshe_approver, payroll_staff):
    approve(dibao_case, yangshe_clerk, yangshe_approver, dt.date(2026, 2, 1))
    # 王磊 (born 1990) can work: the household is reviewed every six months.
    assert review_category(dibao_case, ON) == "dibao_variable"
    assert reviews_due_run(acting_user=payroll_staff, on=dt.date(2026, 7, 31)) == 0
    assert reviews_due_run(acting_user=payroll_staff, on=dt.date(2026, 8, 1)) == 1
    assert reviews_due_run(acting_user=payroll_staff, on=dt.date(2026, 9, 1)) == 0
    assert reviews_due_run(acting_user=payroll_staff, on=dt.date(2027, 2, 1)) == 1
    dues = Alert.objects.filter(kind="assistance.review_due").order_by("pk")
    assert [alert.data["due"] for alert in dues] == ["2026-08", "2027-02"]


def test_a_household_no_one_of_which_can_work_is_reviewed_yearly(dibao_case):
    request = dibao_case.request
    request["members"] = [m for m in request["members"] if m["relation"] != "child"]
    assert review_category(dibao_case, ON) == "dibao_stable"


def test_the_nightly_command_runs_every_rule(family, payroll_staff, capsys):
    _pensions(payroll_staff, family)
    call_command("nightly", "--now", "--on", "2026-11-03")
    out = capsys.readouterr().out
    assert '"eligible_not_receiving": 1' in out
    call_command("nightly", "--on", "2026-11-04")
    assert "enqueued" in capsys.readouterr().out


def test_the_alert_keeps_the_screened_household_and_the_rules_agree_on_it(family, payroll_staff):
    from minzheng.rules import assess

    _pensions(payroll_staff, family)
    find_people_run(acting_user=payroll_staff, as_of=AS_OF, on=ON)
    alert = Alert.objects.get(kind="assistance.eligible_not_receiving")
    request = alert.data["request"]
    assert all("id_number" not in member for member in request["members"])
    assert sorted(m["birth_date"] for m in request["members"]) == [
        "1960-03-15",
        "1962-11-02",
        "1990-05-20",
    ]
    result = assess(request)
    assert result["programs"]["dibao"]["eligible"] is True
    assert result["programs"]["dibao"]["monthly_amount"] == alert.data["estimated_amount"]
