"""End to end: the medical insurance bureau's in-patient file, imported through the exchange,
flags the home-service visits made while the elder was in hospital."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from minzheng.eldercare.models import ServicePlan
from minzheng.eldercare.supervision import supervise
from minzheng.exchange.models import Signal
from minzheng.exchange.services import exchange_import
from tests.eldercare.conftest import ELDER_ID
from tests.eldercare.test_supervision import MONTH, TODAY, codes, visit
from tests.exchange.conftest import csv_bytes


@pytest.fixture
def home_plan(elder, home_provider, yangshe_clerk):
    return ServicePlan.objects.create(
        person=elder,
        provider=home_provider,
        division_code=elder.elder_profile.division_code,
        valid_from=dt.date(2026, 1, 1),
        monthly_budget=Decimal("300.00"),
        created_by=yangshe_clerk,
    )


def test_an_imported_hospital_stay_flags_the_visits_made_during_it(
    home_plan, catalogue, caregiver, city_admin, eldercare_staff
):
    # The city's administrator imports the bureau's file (eldercare staff may not).
    batch = exchange_import(
        acting_user=city_admin,
        source="hospital_stay",
        period=MONTH,
        file_name="hospital_stay-2026-10.csv",
        content=csv_bytes("公民身份号码,入院日期,出院日期", f"{ELDER_ID},2026-10-10,2026-10-14"),
    )
    signal = Signal.objects.get(batch=batch)
    assert (signal.kind, signal.on, signal.data) == (
        "hospital_stay",
        dt.date(2026, 10, 10),
        {"discharged_on": "2026-10-14"},
    )
    item = catalogue["SH01"]
    before = visit(home_plan, item, caregiver, day=8)
    inside = visit(home_plan, item, caregiver, day=12)
    discharge_day = visit(home_plan, item, caregiver, day=14)

    supervise(acting_user=eldercare_staff, month=MONTH, on=TODAY)

    assert codes(inside) == ["in_hospital"]
    assert codes(discharge_day) == []
    assert codes(before) == []


def test_a_stay_without_a_discharge_date_flags_the_visits_after_admission(
    home_plan, catalogue, caregiver, city_admin
):
    exchange_import(
        acting_user=city_admin,
        source="hospital_stay",
        period=MONTH,
        file_name="hospital_stay-2026-10.csv",
        content=csv_bytes("id_number,admitted_on,discharged_on", f"{ELDER_ID},2026-10-20,"),
    )
    item = catalogue["SH01"]
    admission_day = visit(home_plan, item, caregiver, day=20)
    still_in = visit(home_plan, item, caregiver, day=28)

    supervise(acting_user=None, month=MONTH, on=TODAY)

    assert codes(admission_day) == []
    assert codes(still_in) == ["in_hospital"]


def test_a_stay_open_at_a_months_end_ends_with_the_next_months_discharge(
    home_plan, catalogue, caregiver, city_admin
):
    header = "id_number,admitted_on,discharged_on"
    exchange_import(
        acting_user=city_admin,
        source="hospital_stay",
        period=MONTH,
        file_name="hospital_stay-2026-10.csv",
        content=csv_bytes(header, f"{ELDER_ID},2026-10-20,"),
    )
    exchange_import(
        acting_user=city_admin,
        source="hospital_stay",
        period=dt.date(2026, 11, 1),
        file_name="hospital_stay-2026-11.csv",
        content=csv_bytes(header, f"{ELDER_ID},2026-10-20,2026-10-24"),
    )
    item = catalogue["SH01"]
    inside = visit(home_plan, item, caregiver, day=22)
    home_again = visit(home_plan, item, caregiver, day=28)

    supervise(acting_user=None, month=MONTH, on=TODAY)

    assert codes(inside) == ["in_hospital"]
    assert codes(home_again) == []
