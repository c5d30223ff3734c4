"""Institution pages and API as a town clerk sees them."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from minzheng.audit.models import AuditEvent
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
from minzheng.eldercare.models import (
    Hazard,
    Inspection,
    Institution,
    InstitutionStaff,
    LedgerEntry,
    Resident,
)
from tests.conftest import TANGQIAO, verified_login
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


# --- the office's forms: register, admit, discharge, staff, inspection ---------------------------


def _state() -> dict[str, object]:
    """Everything the forms could change."""
    return {
        "institutions": list(Institution.objects.values()),
        "residents": list(Resident.objects.values()),
        "staff": list(InstitutionStaff.objects.values()),
        "inspections": list(Inspection.objects.values()),
        "hazards": list(Hazard.objects.values()),
        "audit_events": AuditEvent.objects.count(),
    }


def _register_form(**changes: str) -> dict[str, str]:
    return {
        "name": "杨舍镇康乐养老院",
        "credit_code": "52320582MJ0000009X",
        "division_code": "320582100",
        "kind": "private",
        "beds_total": "50",
        "nursing_beds": "20",
        "filing_number": "苏张民养备2026009",
        "filing_date": "2026-02-01",
    } | changes


def _inspection_form(**changes: str) -> dict[str, str]:
    return {
        "inspected_on": "2026-05-01",
        "inspectors": "王检查、李检查",
        "check_gas": "hazard",
        "check_food": "ok",
        "hazard1_category": "gas",
        "hazard1_level": "major",
        "hazard1_description": "厨房燃气软管老化",
        "hazard1_deadline": "2026-05-15",
    } | changes


def test_the_office_sees_the_forms_and_the_auditor_does_not(client, yangshe_clerk, auditor, world):
    institution, _, _ = world
    verified_login(client, yangshe_clerk)
    listing = client.get("/eldercare/institutions/").content.decode()
    detail = client.get(institution.get_absolute_url()).content.decode()

    for form_id in ("admit-form", "discharge-form", "staff-form", "inspection-form"):
        assert f'id="{form_id}"' in detail
    assert 'id="institution-register-form"' in listing

    client.logout()
    verified_login(client, auditor)
    listing = client.get("/eldercare/institutions/").content.decode()
    detail = client.get(institution.get_absolute_url()).content.decode()

    assert "杨舍镇敬老院" in detail
    for form_id in ("admit-form", "discharge-form", "staff-form", "inspection-form"):
        assert f'id="{form_id}"' not in detail
    assert 'id="institution-register-form"' not in listing


def test_an_institution_registered_on_the_list_page_opens_its_page(client, yangshe_clerk, db):
    verified_login(client, yangshe_clerk)

    response = client.post("/eldercare/institutions/new/", _register_form())

    institution = Institution.objects.get(credit_code="52320582MJ0000009X")
    assert response.status_code == 302
    assert response["Location"] == institution.get_absolute_url()
    assert (institution.name, institution.kind, institution.beds_total) == (
        "杨舍镇康乐养老院",
        "private",
        50,
    )
    page = client.get(response["Location"]).content.decode()
    assert "已登记养老机构：杨舍镇康乐养老院" in page


def test_a_bad_registration_shows_every_chinese_message_and_registers_nothing(
    client, yangshe_clerk, db
):
    verified_login(client, yangshe_clerk)
    before = _state()

    response = client.post(
        "/eldercare/institutions/new/",
        _register_form(credit_code="123", beds_total="4", nursing_beds="5"),
        follow=True,
    )

    page = response.content.decode()
    assert "统一社会信用代码应为18位" in page
    assert "护理型床位数不能超过床位总数" in page
    assert _state() == before


def test_another_town_may_not_register_an_institution_in_yangshe(client, tangqiao_clerk, db):
    verified_login(client, tangqiao_clerk)
    before = _state()

    response = client.post("/eldercare/institutions/new/", _register_form())

    assert response.status_code == 403
    assert _state() == before


def test_a_resident_admitted_on_the_page_takes_the_bed(
    client, yangshe_clerk, world, tangqiao_elder
):
    institution, _, _ = world
    verified_login(client, yangshe_clerk)

    response = client.post(
        f"{institution.get_absolute_url()}residents/",
        {
            "id_number": tangqiao_elder.id_number,
            "admitted_on": "2026-03-01",
            "bed_number": "A-2",
            "monthly_fee": "2500.00",
            "is_nursing_bed": "on",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == institution.get_absolute_url()
    stay = Resident.objects.get(person=tangqiao_elder)
    assert (stay.institution, stay.bed_number, stay.monthly_fee, stay.is_nursing_bed) == (
        institution,
        "A-2",
        Decimal("2500.00"),
        True,
    )


def test_an_admission_into_a_taken_bed_shows_the_message_and_admits_nobody(
    client, yangshe_clerk, world, tangqiao_elder
):
    institution, _, _ = world
    verified_login(client, yangshe_clerk)
    before = _state()

    response = client.post(
        f"{institution.get_absolute_url()}residents/",
        {
            "id_number": tangqiao_elder.id_number,
            "admitted_on": "2026-03-01",
            "bed_number": "A-1",
            "monthly_fee": "2500.00",
        },
        follow=True,
    )

    assert "床位A-1已有老人入住" in response.content.decode()
    assert _state() == before
    response = client.post(
        f"{institution.get_absolute_url()}residents/",
        {
            "id_number": "320582199901019999",
            "admitted_on": "2026-03-01",
            "bed_number": "A-2",
            "monthly_fee": "2500.00",
        },
        follow=True,
    )
    assert "查无此公民身份号码的人员" in response.content.decode()
    assert _state() == before


def test_a_resident_discharged_on_the_page_gets_a_refund_deadline(client, yangshe_clerk, world):
    institution, resident, _ = world
    verified_login(client, yangshe_clerk)

    response = client.post(
        f"{institution.get_absolute_url()}discharge/",
        {"resident": resident.pk, "on": "2026-03-01", "reason": "home"},
        follow=True,
    )

    resident.refresh_from_db()
    assert (resident.discharged_on, resident.discharge_reason) == (dt.date(2026, 3, 1), "home")
    assert resident.refund_due_on is not None
    assert f"须于{resident.refund_due_on:%Y-%m-%d}前原路退还" in response.content.decode()


def test_a_discharge_before_the_admission_shows_the_message_and_changes_nothing(
    client, yangshe_clerk, world
):
    institution, resident, _ = world
    verified_login(client, yangshe_clerk)
    before = _state()

    response = client.post(
        f"{institution.get_absolute_url()}discharge/",
        {"resident": resident.pk, "on": "2026-01-01", "reason": "home"},
        follow=True,
    )

    assert "退住日期早于入住日期" in response.content.decode()
    assert _state() == before


def test_a_staff_member_added_on_the_page_is_listed(client, yangshe_clerk, world):
    institution, _, _ = world
    verified_login(client, yangshe_clerk)

    response = client.post(
        f"{institution.get_absolute_url()}staff/",
        {"name": "张护理", "role": "caregiver", "certificate_number": "HL-001"},
        follow=True,
    )

    staff = InstitutionStaff.objects.get(institution=institution)
    assert (staff.name, staff.role, staff.certificate_number) == ("张护理", "caregiver", "HL-001")
    assert "已登记工作人员：张护理" in response.content.decode()


def test_a_staff_member_without_a_name_shows_the_message_and_adds_nobody(
    client, yangshe_clerk, world
):
    institution, _, _ = world
    verified_login(client, yangshe_clerk)
    before = _state()

    response = client.post(
        f"{institution.get_absolute_url()}staff/",
        {"name": "  ", "role": "caregiver"},
        follow=True,
    )

    assert "姓名：这个字段是必填项。" in response.content.decode()
    assert _state() == before


def test_an_inspection_recorded_on_the_page_opens_its_hazards(client, yangshe_clerk, world):
    institution, _, _ = world
    verified_login(client, yangshe_clerk)

    response = client.post(f"{institution.get_absolute_url()}inspections/", _inspection_form())

    inspection = Inspection.objects.order_by("-pk").first()
    assert response.status_code == 302
    assert response["Location"] == inspection.get_absolute_url()
    assert inspection.checklist == {"gas": "hazard", "food": "ok"}
    hazard = inspection.hazards.get()
    assert (hazard.category, hazard.level, hazard.state, hazard.due_on) == (
        "gas",
        "major",
        "open",
        dt.date(2026, 5, 15),
    )
    assert "已登记安全检查，发现隐患1处" in client.get(response["Location"]).content.decode()


def test_a_bad_inspection_shows_every_chinese_message_and_records_nothing(
    client, yangshe_clerk, world
):
    institution, _, _ = world
    verified_login(client, yangshe_clerk)
    before = _state()

    response = client.post(
        f"{institution.get_absolute_url()}inspections/",
        _inspection_form(check_gas="ok", hazard1_deadline="2026-04-30"),
        follow=True,
    )
    page = response.content.decode()
    response = client.post(
        f"{institution.get_absolute_url()}inspections/",
        _inspection_form(hazard1_deadline=""),
        follow=True,
    )

    assert "整改期限应晚于检查日期" in page
    assert "该项目检查结果不是“有隐患”" in page
    assert "隐患1：请填写整改期限" in response.content.decode()
    assert _state() == before


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("residents/", {"id_number": "x", "admitted_on": "2026-03-01", "bed_number": "A-2"}),
        ("discharge/", {"on": "2026-03-01", "reason": "home"}),
        ("staff/", {"name": "张护理", "role": "caregiver"}),
        ("inspections/", _inspection_form()),
    ],
)
def test_another_town_cannot_write_to_yangshe_institution(
    client, tangqiao_clerk, world, path, data
):
    institution, resident, _ = world
    verified_login(client, tangqiao_clerk)
    before = _state()

    response = client.post(
        f"{institution.get_absolute_url()}{path}", {"resident": resident.pk, **data}
    )

    assert response.status_code == 404
    assert _state() == before


def test_the_town_office_may_not_register_in_another_town_by_code(client, yangshe_clerk, db):
    verified_login(client, yangshe_clerk)
    before = _state()

    response = client.post(
        "/eldercare/institutions/new/",
        _register_form(division_code=TANGQIAO, credit_code="52320582MJ0000008X"),
    )

    assert response.status_code == 403
    assert _state() == before
