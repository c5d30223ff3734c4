"""A death recorded through the after-death bundle stops or adjusts the household's assistance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from minzheng.assistance.models import CaseAmount, Payment
from minzheng.assistance.payroll import payroll_month_close
from minzheng.audit.models import AuditEvent
from minzheng.funeral.services import after_death_bundle
from minzheng.registry.models import Person
from minzheng.registry.services import person_set_bank_account
from minzheng.rules import assess
from tests.assistance.conftest import approve, family_request
from tests.conftest import CHILD_ID

FEB, MAR, APR = dt.date(2026, 2, 1), dt.date(2026, 3, 1), dt.date(2026, 4, 1)
TODAY = dt.date(2026, 6, 15)


def _regular(month: dt.date) -> list[Decimal]:
    return list(
        Payment.objects.filter(payroll__month=month, kind="regular").values_list(
            "amount", flat=True
        )
    )


def test_the_applicants_death_stops_payment_after_that_month(
    dibao_case, family, yangshe_clerk, yangshe_approver, payroll_staff
):
    person_set_bank_account(
        acting_user=yangshe_clerk, person=family.head, account="6222020000123456789"
    )
    case = approve(dibao_case, yangshe_clerk, yangshe_approver, FEB)
    payroll_month_close(acting_user=payroll_staff, month=FEB, today=TODAY)
    result = after_death_bundle(
        acting_user=yangshe_clerk, person=family.head, death_date=dt.date(2026, 2, 20)
    )
    case.refresh_from_db()
    assert (case.state, case.end_month) == ("terminated", FEB)
    assert [record.transition for record in result.assistance] == ["death_terminate"]
    actions = list(AuditEvent.objects.order_by("-sequence").values_list("action", flat=True)[:2])
    assert actions == ["assistance.case.death_terminate", "registry.person.record_death"]
    payroll_month_close(acting_user=payroll_staff, month=MAR, today=TODAY)
    assert _regular(MAR) == []


def test_a_members_death_recomputes_the_amount_from_the_next_month(
    dibao_case, family, yangshe_clerk, yangshe_approver, payroll_staff
):
    person_set_bank_account(
        acting_user=yangshe_clerk, person=family.head, account="6222020000123456789"
    )
    case = approve(dibao_case, yangshe_clerk, yangshe_approver, FEB)
    son = Person.objects.with_id_number(CHILD_ID).get()
    after_death_bundle(acting_user=yangshe_clerk, person=son, death_date=dt.date(2026, 2, 10))
    case.refresh_from_db()
    request = family_request()
    request["members"][2]["deceased"] = True
    expected = assess({**request, "as_of": "2026-03"})["programs"]["dibao"]["monthly_amount"]
    assert case.state == "active"
    assert case.request["members"][2]["deceased"] is True
    assert list(CaseAmount.objects.filter(case=case).values_list("valid_from", "amount")) == [
        (FEB, Decimal("3007.19")),
        (MAR, Decimal(str(expected))),
    ]
    payroll_month_close(acting_user=payroll_staff, month=FEB, today=TODAY)
    payroll_month_close(acting_user=payroll_staff, month=MAR, today=TODAY)
    assert _regular(FEB) == [Decimal("3007.19")]
    assert _regular(MAR) == [Decimal(str(expected))]
    assert Decimal(str(expected)) == Decimal("1799.2")  # two members aged 60+: 2 x (1449.60 - 550)


def test_a_death_in_a_household_without_assistance_changes_only_the_registry(family, yangshe_clerk):
    result = after_death_bundle(
        acting_user=yangshe_clerk, person=family.head, death_date=dt.date(2026, 2, 10)
    )
    assert result.assistance == []
    assert Person.objects.get(pk=family.head_id).death_date == dt.date(2026, 2, 10)
