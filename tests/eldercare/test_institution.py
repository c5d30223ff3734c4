"""Institutions: registry, stays, staff, scope, death; the CLI."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import Http404

from minzheng.alerts.models import Alert
from minzheng.audit.models import AuditEvent
from minzheng.eldercare import institution_selectors as selectors
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.institutions import (
    InstitutionIn,
    LedgerIn,
    institution_death_effects,
    institution_register,
    ledger_record,
    resident_admit,
    resident_discharge,
    staff_add,
)
from minzheng.eldercare.models import Institution, Resident
from tests.conftest import TANGQIAO, YANGSHE

ON = dt.date(2026, 3, 1)


def institution_data(**changes: object) -> InstitutionIn:
    values = {
        "name": "杨舍镇敬老院",
        "credit_code": "12320582MB0000001X",
        "division_code": YANGSHE,
        "kind": "private",
        "beds_total": 2,
        "nursing_beds": 1,
        "filing_number": "苏张民养备2024001",
        "filing_date": dt.date(2024, 1, 5),
    }
    return InstitutionIn(**(values | changes))


@pytest.fixture
def institution(yangshe_clerk) -> Institution:
    return institution_register(acting_user=yangshe_clerk, data=institution_data())


@pytest.fixture
def tangqiao_institution(tangqiao_clerk) -> Institution:
    return institution_register(
        acting_user=tangqiao_clerk,
        data=institution_data(
            name="塘桥镇颐养院", credit_code="12320582MB0000002X", division_code=TANGQIAO
        ),
    )


@pytest.fixture
def resident(yangshe_clerk, institution, elder) -> Resident:
    return resident_admit(
        acting_user=yangshe_clerk,
        institution=institution,
        person=elder,
        admitted_on=dt.date(2026, 1, 10),
        bed_number="101-1",
        monthly_fee=Decimal("3000.00"),
    )


def test_registering_an_institution_is_audited(yangshe_clerk):
    institution = institution_register(acting_user=yangshe_clerk, data=institution_data())

    event = AuditEvent.objects.order_by("-sequence").first()
    assert (institution.division_code, institution.beds_total) == (YANGSHE, 2)
    assert (event.action, event.actor_username) == (
        "eldercare.institution.register",
        "yangshe_clerk",
    )


def test_bad_institution_input_names_every_problem_and_changes_nothing(yangshe_clerk):
    with pytest.raises(EldercareError) as error:
        institution_register(
            acting_user=yangshe_clerk,
            data=institution_data(credit_code="123", kind="hotel", beds_total=2, nursing_beds=5),
        )

    assert [field for field, _, _ in error.value.problems] == [
        "credit_code",
        "kind",
        "nursing_beds",
    ]
    assert Institution.objects.count() == 0


def test_another_town_cannot_register_an_institution_in_yangshe(tangqiao_clerk):
    with pytest.raises(PermissionDenied):
        institution_register(acting_user=tangqiao_clerk, data=institution_data())

    assert Institution.objects.count() == 0


def test_admission_takes_a_bed_and_counts_in_occupancy(yangshe_clerk, resident, institution):
    rows = selectors.institution_list(user=yangshe_clerk)

    assert [(row.name, row.occupied) for row in rows] == [("杨舍镇敬老院", 1)]
    towns = selectors.occupancy_by_town(user=yangshe_clerk)
    assert [(row.town_code, row.institutions, row.beds, row.occupied) for row in towns] == [
        (YANGSHE, 1, 2, 1)
    ]
    assert towns[0].rate == Decimal("50.0")


def test_a_taken_bed_and_a_second_stay_are_refused(yangshe_clerk, resident, institution, family):
    with pytest.raises(EldercareError) as error:
        resident_admit(
            acting_user=yangshe_clerk,
            institution=institution,
            person=resident.person,
            admitted_on=dt.date(2026, 2, 1),
            bed_number="101-1",
            monthly_fee=Decimal("3000"),
        )

    assert [field for field, _, _ in error.value.problems] == ["person", "bed_number"]
    assert Resident.objects.count() == 1


def test_a_full_institution_admits_no_one(yangshe_clerk, institution, resident, family):
    persons = [membership.person for membership in family.memberships.order_by("pk")]
    resident_admit(
        acting_user=yangshe_clerk,
        institution=institution,
        person=persons[0],
        admitted_on=ON,
        bed_number="101-2",
        monthly_fee=Decimal("2500"),
    )

    with pytest.raises(EldercareError) as error:
        resident_admit(
            acting_user=yangshe_clerk,
            institution=institution,
            person=persons[1],
            admitted_on=ON,
            bed_number="102-1",
            monthly_fee=Decimal("2500"),
        )

    assert error.value.messages_zh == ["机构床位已满"]


def test_other_town_and_provider_see_no_institution_of_yangshe(
    tangqiao_clerk, provider_user, institution, tangqiao_institution
):
    assert [row.name for row in selectors.institution_list(user=tangqiao_clerk)] == ["塘桥镇颐养院"]
    assert selectors.institution_list(user=provider_user) == []
    with pytest.raises(Http404):
        selectors.institution_get(user=tangqiao_clerk, institution_id=institution.pk)


def test_city_staff_see_every_town(eldercare_staff, institution, tangqiao_institution):
    names = [row.name for row in selectors.institution_list(user=eldercare_staff)]

    assert names == ["杨舍镇敬老院", "塘桥镇颐养院"]


def test_staff_are_registered_with_their_role(yangshe_clerk, institution):
    staff_add(acting_user=yangshe_clerk, institution=institution, name="张护理", role="caregiver")

    with pytest.raises(EldercareError):
        staff_add(acting_user=yangshe_clerk, institution=institution, name="李", role="cook")
    assert list(institution.staff.values_list("name", "role")) == [("张护理", "caregiver")]


def test_death_discharges_the_resident_and_starts_the_refund_deadline(yangshe_clerk, resident):
    lines = institution_death_effects(acting_user=yangshe_clerk, person=resident.person, on=ON)

    resident.refresh_from_db()
    assert (resident.discharged_on, resident.discharge_reason) == (ON, "death")
    assert resident.refund_due_on == ON + dt.timedelta(days=7)
    assert lines == [
        "杨舍镇敬老院：办理死亡退住（床位101-1），押金和会员费余额须于2026-03-08前原路退还"
    ]
    assert institution_death_effects(acting_user=yangshe_clerk, person=resident.person, on=ON) == []


def test_a_discharge_before_admission_is_refused(yangshe_clerk, resident):
    with pytest.raises(EldercareError):
        resident_discharge(
            acting_user=yangshe_clerk, resident=resident, on=dt.date(2025, 1, 1), reason="home"
        )

    resident.refresh_from_db()
    assert resident.discharged_on is None


def test_check_prepaid_command_raises_the_late_refund_once(yangshe_clerk, resident, capsys):
    ledger_record(
        acting_user=yangshe_clerk,
        resident=resident,
        data=LedgerIn(
            fund="deposit", kind="receipt", amount=Decimal("6000"), on=ON, channel="bank"
        ),
    )
    resident_discharge(acting_user=yangshe_clerk, resident=resident, on=ON, reason="home")

    call_command("institutions", "check-prepaid", "--on", "2026-03-09")
    call_command("institutions", "check-prepaid", "--on", "2026-03-10")

    output = capsys.readouterr().out
    assert "退费逾期 1" in output
    assert Alert.objects.filter(kind="eldercare.prepaid_refund_late").count() == 1


def test_the_command_refuses_a_bad_date_with_exit_code_2():
    with pytest.raises(CommandError) as error:
        call_command("institutions", "overdue-hazards", "--on", "2026-13-01")

    assert error.value.returncode == 2
