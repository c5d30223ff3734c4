"""Institution pages and API as a town clerk sees them."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from minzheng.eldercare.institutions import (
    HazardIn,
    InspectionIn,
    LedgerIn,
    deposit_max_months,
    inspection_record,
    institution_register,
    ledger_record,
    resident_admit,
)
from minzheng.eldercare.models import Hazard, LedgerEntry
from tests.conftest import verified_login
from tests.eldercare.test_institution import institution_data


@pytest.fixture
def world(yangshe_clerk, elder):
    institution = institution_register(acting_user=yangshe_clerk, data=institution_data())
    resident = resident_admit(
        acting_user=yangshe_clerk,
        institution=institution,
        person=elder,
        admitted_on=dt.date(2026, 1, 10),
        bed_number="A-1",
        monthly_fee=Decimal("2000"),
    )
    ledger_record(
        acting_user=yangshe_clerk,
        resident=resident,
        data=LedgerIn(
            fund="deposit",
            kind="receipt",
            amount=Decimal("30000"),
            on=dt.date(2026, 1, 10),
            channel="bank",
        ),
    )
    inspection = inspection_record(
        acting_user=yangshe_clerk,
        institution=institution,
        data=InspectionIn(
            inspected_on=dt.date(2026, 4, 1),
            inspectors="王检查",
            checklist={"fire": "hazard"},
            hazards=(HazardIn("fire", "灭火器过期", "general", dt.date(2026, 4, 20)),),
        ),
    )
    return institution, resident, inspection


def test_the_pages_show_occupancy_the_over_limit_deposit_and_the_hazard(
    client, yangshe_clerk, world
):
    institution, _, inspection = world
    verified_login(client, yangshe_clerk)

    listing = client.get("/eldercare/institutions/").content.decode()
    detail = client.get(institution.get_absolute_url()).content.decode()
    prepaid = client.get("/eldercare/institutions/prepaid/").content.decode()
    hazard_page = client.get(inspection.get_absolute_url()).content.decode()

    assert "杨舍镇敬老院" in listing
    assert "50.0%" in listing
    assert "超过上限" in detail
    assert "30000.00" in detail
    assert "超限 <strong>1</strong> 人" in prepaid
    assert "灭火器过期" in hazard_page
    assert "登记整改报告" in hazard_page


def test_a_rectification_posted_on_the_page_moves_the_hazard(client, yangshe_clerk, world):
    _, _, inspection = world
    hazard = inspection.hazards.get()
    verified_login(client, yangshe_clerk)

    response = client.post(
        f"/eldercare/inspections/hazards/{hazard.pk}/rectify/",
        {"report": "已更换灭火器", "on": "2026-04-10"},
    )

    assert response.status_code == 302
    assert Hazard.objects.get(pk=hazard.pk).state == "rectified"


def test_an_api_withdrawal_above_the_holding_answers_422_and_changes_nothing(
    client, yangshe_clerk, world
):
    _, resident, _ = world
    verified_login(client, yangshe_clerk)

    response = client.post(
        f"/api/eldercare/institutions/residents/{resident.pk}/ledger",
        json.dumps(
            {
                "fund": "deposit",
                "kind": "withdrawal",
                "amount": "30000.01",
                "on": "2026-03-01",
                "purpose": "arrears",
                "evidence": "欠费清单",
            }
        ),
        content_type="application/json",
    )

    assert response.status_code == 422
    assert [error["message_zh"] for error in response.json()["errors"]] == [
        "支取金额超过该老人押金余额30000.00元"
    ]
    assert LedgerEntry.objects.count() == 1


def test_a_date_before_the_first_rule_is_measured_by_the_first_rule():
    assert deposit_max_months(dt.date(2019, 5, 1)) == deposit_max_months(dt.date(2026, 5, 1)) == 12
