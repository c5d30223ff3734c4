"""Access-table rows of institutions (养老机构) (see tests/security/eldercare_parts.py).

The world's institution is in 杨舍镇 with the family's head in bed 101 and a deposit received;
an inspection found one hazard. Another town and a provider's account see none of it (404); the
auditor reads but may not write (403).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from minzheng.accounts.models import User
from minzheng.eldercare.institutions import (
    HazardIn,
    InspectionIn,
    InstitutionIn,
    LedgerIn,
    hazard_rectify,
    inspection_record,
    institution_register,
    ledger_record,
    resident_admit,
)
from minzheng.eldercare.models import Hazard, Inspection, Institution, Resident
from minzheng.registry.models import Person
from tests.security.conftest import MISSING, World
from tests.security.tables import FORBIDDEN_WRITE, Operation, Page
from tests.security.tables import LOGIN as L

WRITERS = frozenset({"own_town", "city"})
OFFICE_ONLY = {
    403: {**FORBIDDEN_WRITE, "detail": "只有所在镇（街道）或市局的养老服务经办人员可以办理"}
}
STEP_ONLY = {403: {**FORBIDDEN_WRITE, "detail": "您无权办理该环节"}}
INSTITUTION = "/eldercare/institutions/{institution}/"
INSPECTION = "/eldercare/inspections/{inspection}/"
CREDIT_CODE = "12320582MB0000001X"


def _clerk() -> User:
    return User.objects.get(username="yangshe_clerk")


def institution_ready(world: World) -> None:
    """杨舍镇's institution, the family's head in bed 101, a deposit received, one inspection."""
    if Institution.objects.filter(credit_code=CREDIT_CODE).exists():
        return
    clerk = _clerk()
    institution = institution_register(
        acting_user=clerk,
        data=InstitutionIn(
            name="杨舍镇中心敬老院",
            credit_code=CREDIT_CODE,
            division_code="320582100",
            kind="public_home",
            beds_total=10,
            nursing_beds=4,
        ),
    )
    resident = resident_admit(
        acting_user=clerk,
        institution=institution,
        person=world.family.head,
        admitted_on=dt.date(2026, 1, 5),
        bed_number="101",
        monthly_fee=Decimal("2800"),
    )
    ledger_record(
        acting_user=clerk,
        resident=resident,
        data=LedgerIn(
            fund="deposit",
            kind="receipt",
            amount=Decimal("5000"),
            on=dt.date(2026, 1, 5),
            channel="bank",
        ),
    )
    inspection_record(
        acting_user=clerk,
        institution=institution,
        data=InspectionIn(
            inspected_on=dt.date(2026, 4, 1),
            inspectors="王检查、李检查",
            checklist={"fire": "hazard", "electrical": "ok"},
            hazards=(HazardIn("fire", "疏散通道堆放杂物", "general", dt.date(2026, 4, 30)),),
        ),
    )


def hazard_rectified(world: World) -> None:
    institution_ready(world)
    hazard = Hazard.objects.order_by("-pk").first()
    if hazard is not None and hazard.state == "open":
        hazard_rectify(acting_user=_clerk(), hazard=hazard, report="已清理", on=dt.date(2026, 4, 9))


def _newest(model: type) -> Callable[[], object]:
    return lambda: model.objects.order_by("-pk").values_list("pk", flat=True).first() or MISSING


IDS: dict[str, Callable[[], object]] = {
    "institution": _newest(Institution),
    "institution_resident": _newest(Resident),
    "inspection": _newest(Inspection),
    "hazard": _newest(Hazard),
}

READ = (L, 200, 200, 200, 200, 200)
READ_ONE = (L, 404, 404, 200, 200, 200)
WRITE_HERE = (L, 404, 404, INSTITUTION, INSTITUTION, 403)
NEW_INSTITUTION = "/eldercare/institutions/{new_institution}/"
NEW_INSPECTION = "/eldercare/inspections/{new_inspection}/"


def _admit_form(ids: dict[str, object]) -> dict[str, object]:
    """The family's spouse into bed 102 (the head is in bed 101)."""
    return {
        "id_number": Person.objects.get(pk=ids["spouse"]).id_number,
        "admitted_on": "2026-03-01",
        "bed_number": "102",
        "monthly_fee": "2800.00",
    }


PAGES = [
    Page(
        "eldercare:institution_list",
        "GET",
        "/eldercare/institutions/",
        READ,
        prepare=institution_ready,
    ),
    Page(
        "eldercare:institution_prepaid",
        "GET",
        "/eldercare/institutions/prepaid/",
        READ,
        prepare=institution_ready,
    ),
    Page("eldercare:institution_detail", "GET", INSTITUTION, READ_ONE, prepare=institution_ready),
    Page(
        "eldercare:institution_register",
        "POST",
        "/eldercare/institutions/new/",
        (L, 403, 403, NEW_INSTITUTION, NEW_INSTITUTION, 403),
        data={
            "name": "杨舍镇康乐养老院",
            "credit_code": "52320582MJ0000009X",
            "division_code": "320582100",
            "kind": "private",
            "beds_total": "50",
            "nursing_beds": "20",
        },
        action="eldercare.institution.register",
        changes=WRITERS,
    ),
    Page(
        "eldercare:institution_resident_admit",
        "POST",
        INSTITUTION + "residents/",
        WRITE_HERE,
        data=_admit_form,
        action="eldercare.institution.resident_admit",
        changes=WRITERS,
        prepare=institution_ready,
    ),
    Page(
        "eldercare:institution_resident_discharge",
        "POST",
        INSTITUTION + "discharge/",
        WRITE_HERE,
        data={"resident": "{institution_resident}", "on": "2026-03-01", "reason": "home"},
        action="eldercare.institution.resident_discharge",
        changes=WRITERS,
        prepare=institution_ready,
    ),
    Page(
        "eldercare:institution_staff_add",
        "POST",
        INSTITUTION + "staff/",
        WRITE_HERE,
        data={"name": "张护理", "role": "caregiver", "certificate_number": "HL-001"},
        action="eldercare.institution.staff_add",
        changes=WRITERS,
        prepare=institution_ready,
    ),
    Page(
        "eldercare:institution_inspection_record",
        "POST",
        INSTITUTION + "inspections/",
        (L, 404, 404, NEW_INSPECTION, NEW_INSPECTION, 403),
        data={
            "inspected_on": "2026-05-01",
            "inspectors": "王检查",
            "check_gas": "hazard",
            "check_food": "ok",
            "hazard1_category": "gas",
            "hazard1_level": "major",
            "hazard1_description": "厨房燃气软管老化",
            "hazard1_deadline": "2026-05-15",
        },
        action="eldercare.hazard.create",
        changes=WRITERS,
        prepare=institution_ready,
    ),
    Page(
        "eldercare:institution_ledger_record",
        "POST",
        INSTITUTION + "ledger/",
        (L, 404, 404, INSTITUTION, INSTITUTION, 403),
        data={
            "resident": "{institution_resident}",
            "fund": "deposit",
            "kind": "receipt",
            "amount": "100.00",
            "on": "2026-03-01",
            "channel": "bank",
        },
        action="eldercare.institution.ledger_record",
        changes=WRITERS,
        prepare=institution_ready,
    ),
    Page(
        "eldercare:inspection_list",
        "GET",
        "/eldercare/inspections/",
        READ,
        prepare=institution_ready,
    ),
    Page("eldercare:inspection_detail", "GET", INSPECTION, READ_ONE, prepare=institution_ready),
    Page(
        "eldercare:inspection_hazard_rectify",
        "POST",
        "/eldercare/inspections/hazards/{hazard}/rectify/",
        (L, 404, 404, INSPECTION, INSPECTION, 403),
        data={"report": "已清理疏散通道", "on": "2026-04-10"},
        action="eldercare.hazard.rectify",
        changes=WRITERS,
        prepare=institution_ready,
    ),
    Page(
        "eldercare:inspection_hazard_recheck",
        "POST",
        "/eldercare/inspections/hazards/{hazard}/recheck/",
        (L, 404, 404, INSPECTION, INSPECTION, 403),
        data={"passed": "1", "on": "2026-04-12"},
        action="eldercare.hazard.pass",
        changes=WRITERS,
        prepare=hazard_rectified,
    ),
]

API = "/api/eldercare"
ONE_INSTITUTION = {"institution_id": "institution"}
COUNTS = (None, 0, 0, 1, 1, 1)
WRITE_ONE = (401, 404, 404, 201, 201, 403)

OPERATIONS = [
    Operation(
        "eldercare_institution_list",
        "get",
        f"{API}/institutions",
        (401, 200, 200, 200, 200, 200),
        counts=COUNTS,
        prepare=institution_ready,
    ),
    Operation(
        "eldercare_institution_register",
        "post",
        f"{API}/institutions",
        (401, 403, 403, 201, 201, 403),
        body={
            "name": "杨舍镇康乐养老院",
            "credit_code": "52320582MJ0000009X",
            "division_code": "320582100",
            "kind": "private",
            "beds_total": 50,
            "nursing_beds": 20,
        },
        action="eldercare.institution.register",
        changes=WRITERS,
        problems=OFFICE_ONLY,
    ),
    Operation(
        "eldercare_institution_occupancy",
        "get",
        f"{API}/institutions/occupancy",
        (401, 200, 200, 200, 200, 200),
        counts=COUNTS,
        prepare=institution_ready,
    ),
    Operation(
        "eldercare_institution_get",
        "get",
        f"{API}/institutions/{{institution_id}}",
        (401, 404, 404, 200, 200, 200),
        ids=ONE_INSTITUTION,
        prepare=institution_ready,
    ),
    Operation(
        "eldercare_institution_resident_admit",
        "post",
        f"{API}/institutions/{{institution_id}}/residents",
        WRITE_ONE,
        body={
            "person_id": "{spouse}",
            "admitted_on": "2026-03-01",
            "bed_number": "102",
            "monthly_fee": "2800.00",
        },
        action="eldercare.institution.resident_admit",
        changes=WRITERS,
        ids=ONE_INSTITUTION,
        problems=OFFICE_ONLY,
        prepare=institution_ready,
    ),
    Operation(
        "eldercare_institution_staff_add",
        "post",
        f"{API}/institutions/{{institution_id}}/staff",
        WRITE_ONE,
        body={"name": "张护理", "role": "caregiver", "certificate_number": "HL-001"},
        action="eldercare.institution.staff_add",
        changes=WRITERS,
        ids=ONE_INSTITUTION,
        problems=OFFICE_ONLY,
        prepare=institution_ready,
    ),
    Operation(
        "eldercare_institution_resident_discharge",
        "post",
        f"{API}/institutions/residents/{{resident_id}}/discharge",
        (401, 404, 404, 200, 200, 403),
        body={"on": "2026-03-01", "reason": "home"},
        action="eldercare.institution.resident_discharge",
        changes=WRITERS,
        ids={"resident_id": "institution_resident"},
        problems=OFFICE_ONLY,
        prepare=institution_ready,
    ),
    Operation(
        "eldercare_institution_ledger",
        "get",
        f"{API}/institutions/{{institution_id}}/ledger",
        (401, 404, 404, 200, 200, 200),
        ids=ONE_INSTITUTION,
        prepare=institution_ready,
    ),
    Operation(
        "eldercare_institution_ledger_record",
        "post",
        f"{API}/institutions/residents/{{resident_id}}/ledger",
        WRITE_ONE,
        body={
            "fund": "deposit",
            "kind": "withdrawal",
            "amount": "300.00",
            "on": "2026-03-01",
            "purpose": "medical",
            "evidence": "急诊收费票据 No.001",
        },
        action="eldercare.institution.ledger_record",
        changes=WRITERS,
        ids={"resident_id": "institution_resident"},
        problems=OFFICE_ONLY,
        prepare=institution_ready,
    ),
    Operation(
        "eldercare_institution_prepaid",
        "get",
        f"{API}/institutions/prepaid",
        (401, 200, 200, 200, 200, 200),
        counts=COUNTS,
        prepare=institution_ready,
    ),
    Operation(
        "eldercare_inspection_list",
        "get",
        f"{API}/inspections",
        (401, 200, 200, 200, 200, 200),
        counts=COUNTS,
        prepare=institution_ready,
    ),
    Operation(
        "eldercare_inspection_record",
        "post",
        f"{API}/institutions/{{institution_id}}/inspections",
        WRITE_ONE,
        body={
            "inspected_on": "2026-05-01",
            "inspectors": "王检查",
            "checklist": {"gas": "hazard", "food": "ok"},
            "hazards": [
                {
                    "category": "gas",
                    "description": "厨房燃气软管老化",
                    "level": "major",
                    "deadline": "2026-05-15",
                }
            ],
        },
        action="eldercare.hazard.create",
        changes=WRITERS,
        ids=ONE_INSTITUTION,
        problems=OFFICE_ONLY,
        prepare=institution_ready,
    ),
    Operation(
        "eldercare_inspection_get",
        "get",
        f"{API}/inspections/{{inspection_id}}",
        (401, 404, 404, 200, 200, 200),
        ids={"inspection_id": "inspection"},
        prepare=institution_ready,
    ),
    Operation(
        "eldercare_hazard_rectify",
        "post",
        f"{API}/inspections/hazards/{{hazard_id}}/rectify",
        (401, 404, 404, 200, 200, 403),
        body={"report": "已清理疏散通道", "on": "2026-04-10"},
        action="eldercare.hazard.rectify",
        changes=WRITERS,
        ids={"hazard_id": "hazard"},
        problems=STEP_ONLY,
        prepare=institution_ready,
    ),
    Operation(
        "eldercare_hazard_recheck",
        "post",
        f"{API}/inspections/hazards/{{hazard_id}}/recheck",
        (401, 404, 404, 200, 200, 403),
        body={"passed": True, "on": "2026-04-12"},
        action="eldercare.hazard.pass",
        changes=WRITERS,
        ids={"hazard_id": "hazard"},
        problems=STEP_ONLY,
        prepare=hazard_rectified,
    ),
]
