"""API of institutions (养老机构): the registry with occupancy, residents and staff, the escrow
ledger of prepaid fees, safety inspections and the steps of their hazards."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from minzheng.eldercare import institution_selectors as selectors
from minzheng.eldercare import institutions as services
from minzheng.eldercare.models import Hazard, Inspection, Institution, LedgerEntry, Resident
from minzheng.schemas import InputSchema

router = Router()

Kind = Literal["public_home", "public", "private", "public_private"]
Category = Literal["fire", "electrical", "gas", "food", "medicines", "building", "other"]
Money = Decimal


class InstitutionOut(Schema):
    id: int
    name: str
    credit_code: str
    division_code: str
    kind: str
    kind_label: str
    filing_number: str
    filing_date: dt.date | None
    beds_total: int
    nursing_beds: int
    occupied: int
    contact: str
    active: bool

    @staticmethod
    def of(institution: Institution, occupied: int) -> InstitutionOut:
        return InstitutionOut(
            id=institution.pk,
            name=institution.name,
            credit_code=institution.credit_code,
            division_code=institution.division_code,
            kind=institution.kind,
            kind_label=institution.get_kind_display(),
            filing_number=institution.filing_number,
            filing_date=institution.filing_date,
            beds_total=institution.beds_total,
            nursing_beds=institution.nursing_beds,
            occupied=occupied,
            contact=institution.contact,
            active=institution.active,
        )


class InstitutionIn(InputSchema):
    name: str = Field(max_length=100)
    credit_code: str = Field(max_length=18)
    division_code: str = Field(max_length=12, pattern=r"^[0-9]{9}([0-9]{3})?$")
    kind: Kind
    beds_total: int = Field(ge=0, le=100_000)
    nursing_beds: int = Field(0, ge=0, le=100_000)
    filing_number: str = Field("", max_length=40)
    filing_date: dt.date | None = None
    contact: str = Field("", max_length=50)
    phone: str = Field("", max_length=30)
    escrow_bank: str = Field("", max_length=60)


class ResidentOut(Schema):
    id: int
    institution_id: int
    person_id: int
    name: str
    admitted_on: dt.date
    bed_number: str
    is_nursing_bed: bool
    care_level: int | None
    monthly_fee: Money
    discharged_on: dt.date | None
    discharge_reason: str
    refund_due_on: dt.date | None

    @staticmethod
    def of(resident: Resident) -> ResidentOut:
        return ResidentOut(
            id=resident.pk,
            institution_id=resident.institution_id,
            person_id=resident.person_id,
            name=resident.person.name,
            admitted_on=resident.admitted_on,
            bed_number=resident.bed_number,
            is_nursing_bed=resident.is_nursing_bed,
            care_level=resident.care_level,
            monthly_fee=resident.monthly_fee,
            discharged_on=resident.discharged_on,
            discharge_reason=resident.discharge_reason,
            refund_due_on=resident.refund_due_on,
        )


class StaffOut(Schema):
    id: int
    name: str
    role: str
    certificate_number: str
    certificate_valid_to: dt.date | None
    active: bool


class InstitutionDetailOut(InstitutionOut):
    balance: Money
    residents: list[ResidentOut]
    staff: list[StaffOut]


class TownOccupancyOut(Schema):
    town_code: str
    town_name: str
    institutions: int
    beds: int
    nursing_beds: int
    occupied: int
    rate: Decimal = Field(description="Occupied beds per 100 beds")


class AdmitIn(InputSchema):
    person_id: int
    admitted_on: dt.date
    bed_number: str = Field(max_length=20)
    is_nursing_bed: bool = False
    monthly_fee: Decimal = Field(ge=0, max_digits=10, decimal_places=2)


class DischargeIn(InputSchema):
    on: dt.date
    reason: Literal["home", "transfer", "hospital", "death", "other"]


class StaffIn(InputSchema):
    name: str = Field(max_length=50)
    role: Literal["caregiver", "doctor", "nurse", "manager", "other"]
    certificate_number: str = Field("", max_length=40)
    certificate_valid_to: dt.date | None = None


class LedgerOut(Schema):
    id: int
    resident_id: int
    fund: str
    kind: str
    is_inflow: bool
    amount: Money
    on: dt.date
    channel: str
    purpose: str
    evidence: str
    corrects_id: int | None
    note: str

    @staticmethod
    def of(entry: LedgerEntry) -> LedgerOut:
        return LedgerOut(
            id=entry.pk,
            resident_id=entry.resident_id,
            fund=entry.fund,
            kind=entry.kind,
            is_inflow=entry.is_inflow,
            amount=entry.amount,
            on=entry.on,
            channel=entry.channel,
            purpose=entry.purpose,
            evidence=entry.evidence,
            corrects_id=entry.corrects_id,
            note=entry.note,
        )


class LedgerPage(Schema):
    balance: Money
    reserve: Money
    items: list[LedgerOut]


class LedgerIn(InputSchema):
    fund: Literal["deposit", "membership"]
    kind: Literal["receipt", "withdrawal", "refund", "correction"]
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    on: dt.date
    channel: Literal["", "bank", "card", "wechat", "alipay"] = ""
    purpose: Literal["", "medical", "arrears", "damages", "membership_service"] = ""
    evidence: str = Field("", max_length=200)
    note: str = Field("", max_length=200)
    corrects_id: int | None = None


class LedgerRecordOut(Schema):
    entry: LedgerOut
    alerts_raised: int


class PrepaidOut(Schema):
    institution_id: int
    name: str
    division_code: str
    balance: Money
    deposit: Money
    membership: Money
    reserve: Money
    over_limit: int
    late_refunds: int


class HazardOut(Schema):
    id: int
    inspection_id: int
    category: str
    description: str
    level: str
    state: str
    state_label: str
    due_on: dt.date | None
    rectification: str
    rectified_on: dt.date | None
    rechecked_on: dt.date | None

    @staticmethod
    def of(hazard: Hazard) -> HazardOut:
        return HazardOut(
            id=hazard.pk,
            inspection_id=hazard.inspection_id,
            category=hazard.category,
            description=hazard.description,
            level=hazard.level,
            state=hazard.state,
            state_label=hazard.state_label,
            due_on=hazard.due_on,
            rectification=hazard.rectification,
            rectified_on=hazard.rectified_on,
            rechecked_on=hazard.rechecked_on,
        )


class InspectionOut(Schema):
    id: int
    institution_id: int
    institution: str
    division_code: str
    inspected_on: dt.date
    inspectors: str
    checklist: dict[str, str]
    note: str


class InspectionDetailOut(InspectionOut):
    hazards: list[HazardOut]


def _inspection(inspection: Inspection) -> InspectionOut:
    return InspectionOut(
        id=inspection.pk,
        institution_id=inspection.institution_id,
        institution=inspection.institution.name,
        division_code=inspection.division_code,
        inspected_on=inspection.inspected_on,
        inspectors=inspection.inspectors,
        checklist=inspection.checklist,
        note=inspection.note,
    )


class HazardNewIn(InputSchema):
    category: Category
    description: str = Field(max_length=2000)
    level: Literal["general", "major"]
    deadline: dt.date


class InspectionIn(InputSchema):
    inspected_on: dt.date
    inspectors: str = Field(max_length=100)
    checklist: dict[Category, Literal["ok", "hazard", "na"]]
    hazards: list[HazardNewIn] = Field(default_factory=list, max_length=100)
    note: str = Field("", max_length=2000)


class InspectionFilter(InputSchema):
    state: Literal["", "open", "rectified", "closed"] = ""


class RectifyIn(InputSchema):
    report: str = Field(max_length=2000)
    on: dt.date | None = None


class RecheckIn(InputSchema):
    passed: bool
    on: dt.date | None = None
    note: str = Field("", max_length=2000)
    deadline: dt.date | None = None


@router.get(
    "/institutions",
    response=list[InstitutionOut],
    operation_id="eldercare_institution_list",
    summary="Institutions in scope with their occupancy",
)
def institution_list(request: HttpRequest) -> list[InstitutionOut]:
    return [
        InstitutionOut.of(row, row.occupied)
        for row in selectors.institution_list(user=request.user)
    ]


@router.post(
    "/institutions",
    response={201: InstitutionOut},
    operation_id="eldercare_institution_register",
    summary="Register an institution (备案)",
)
def institution_register(request: HttpRequest, body: InstitutionIn) -> Status:
    institution = services.institution_register(
        acting_user=request.user, data=services.InstitutionIn(**body.dict())
    )
    return Status(201, InstitutionOut.of(institution, 0))


@router.get(
    "/institutions/occupancy",
    response=list[TownOccupancyOut],
    operation_id="eldercare_institution_occupancy",
    summary="Beds and occupancy per town",
)
def institution_occupancy(request: HttpRequest) -> list[TownOccupancyOut]:
    return [
        TownOccupancyOut(**row.__dict__, rate=row.rate)
        for row in selectors.occupancy_by_town(user=request.user)
    ]


@router.get(
    "/institutions/prepaid",
    response=list[PrepaidOut],
    operation_id="eldercare_institution_prepaid",
    summary="Prepaid fees held per institution: balance, funds, reserve, findings",
)
def prepaid(request: HttpRequest) -> list[PrepaidOut]:
    return [
        PrepaidOut(
            institution_id=row.institution.pk,
            name=row.institution.name,
            division_code=row.institution.division_code,
            balance=row.balance,
            deposit=row.deposit,
            membership=row.membership,
            reserve=row.reserve,
            over_limit=row.over_limit,
            late_refunds=row.late_refunds,
        )
        for row in selectors.prepaid_summary(user=request.user, on=timezone.localdate())
    ]


@router.get(
    "/institutions/{institution_id}",
    response=InstitutionDetailOut,
    operation_id="eldercare_institution_get",
    summary="One institution with its residents, staff and escrow balance",
)
def institution_get(request: HttpRequest, institution_id: int) -> InstitutionDetailOut:
    institution = selectors.institution_get(user=request.user, institution_id=institution_id)
    residents = selectors.residents_of(institution=institution)
    occupied = sum(1 for resident in residents if resident.discharged_on is None)
    return InstitutionDetailOut(
        **InstitutionOut.of(institution, occupied).dict(),
        balance=services.ledger_balance(institution_id=institution.pk),
        residents=[ResidentOut.of(resident) for resident in residents],
        staff=[
            StaffOut(
                id=staff.pk,
                name=staff.name,
                role=staff.role,
                certificate_number=staff.certificate_number,
                certificate_valid_to=staff.certificate_valid_to,
                active=staff.active,
            )
            for staff in institution.staff.all()
        ],
    )


@router.post(
    "/institutions/{institution_id}/residents",
    response={201: ResidentOut},
    operation_id="eldercare_institution_resident_admit",
    summary="Admit a person into a bed",
)
def resident_admit(request: HttpRequest, institution_id: int, body: AdmitIn) -> Status:
    institution = selectors.institution_get(user=request.user, institution_id=institution_id)
    person = selectors.person_for_admission(user=request.user, person_id=body.person_id)
    resident = services.resident_admit(
        acting_user=request.user,
        institution=institution,
        person=person,
        admitted_on=body.admitted_on,
        bed_number=body.bed_number,
        monthly_fee=body.monthly_fee,
        is_nursing_bed=body.is_nursing_bed,
    )
    return Status(201, ResidentOut.of(resident))


@router.post(
    "/institutions/{institution_id}/staff",
    response={201: StaffOut},
    operation_id="eldercare_institution_staff_add",
    summary="Register a member of an institution's staff",
)
def staff_add(request: HttpRequest, institution_id: int, body: StaffIn) -> Status:
    institution = selectors.institution_get(user=request.user, institution_id=institution_id)
    staff = services.staff_add(acting_user=request.user, institution=institution, **body.dict())
    return Status(
        201,
        StaffOut(
            id=staff.pk,
            name=staff.name,
            role=staff.role,
            certificate_number=staff.certificate_number,
            certificate_valid_to=staff.certificate_valid_to,
            active=staff.active,
        ),
    )


@router.post(
    "/institutions/residents/{resident_id}/discharge",
    response=ResidentOut,
    operation_id="eldercare_institution_resident_discharge",
    summary="Discharge a resident; the refund deadline starts",
)
def resident_discharge(request: HttpRequest, resident_id: int, body: DischargeIn) -> ResidentOut:
    resident = selectors.resident_get(user=request.user, resident_id=resident_id)
    resident = services.resident_discharge(
        acting_user=request.user, resident=resident, on=body.on, reason=body.reason
    )
    return ResidentOut.of(resident)


@router.get(
    "/institutions/{institution_id}/ledger",
    response=LedgerPage,
    operation_id="eldercare_institution_ledger",
    summary="The escrow ledger of an institution (newest 200 rows), its balance and reserve",
)
def ledger(request: HttpRequest, institution_id: int) -> LedgerPage:
    institution = selectors.institution_get(user=request.user, institution_id=institution_id)
    return LedgerPage(
        balance=services.ledger_balance(institution_id=institution.pk),
        reserve=services.risk_reserve(institution_id=institution.pk, on=timezone.localdate()),
        items=[LedgerOut.of(entry) for entry in selectors.ledger_of(institution=institution)],
    )


@router.post(
    "/institutions/residents/{resident_id}/ledger",
    response={201: LedgerRecordOut},
    operation_id="eldercare_institution_ledger_record",
    summary="Append a row to the escrow ledger (receipt, withdrawal, refund or correction)",
)
def ledger_record(request: HttpRequest, resident_id: int, body: LedgerIn) -> Status:
    resident = selectors.resident_get(user=request.user, resident_id=resident_id)
    entry, raised = services.ledger_record(
        acting_user=request.user, resident=resident, data=services.LedgerIn(**body.dict())
    )
    return Status(201, LedgerRecordOut(entry=LedgerOut.of(entry), alerts_raised=raised))


@router.get(
    "/inspections",
    response=list[InspectionOut],
    operation_id="eldercare_inspection_list",
    summary="Safety inspections in scope, newest first",
)
def inspection_list(request: HttpRequest, filters: Query[InspectionFilter]) -> list[InspectionOut]:
    inspections = selectors.inspection_list(user=request.user, state=filters.state)
    return [_inspection(inspection) for inspection in inspections[:500]]


@router.post(
    "/institutions/{institution_id}/inspections",
    response={201: InspectionDetailOut},
    operation_id="eldercare_inspection_record",
    summary="Record a safety inspection and the hazards it found",
)
def inspection_record(request: HttpRequest, institution_id: int, body: InspectionIn) -> Status:
    institution = selectors.institution_get(user=request.user, institution_id=institution_id)
    inspection = services.inspection_record(
        acting_user=request.user,
        institution=institution,
        data=services.InspectionIn(
            inspected_on=body.inspected_on,
            inspectors=body.inspectors,
            checklist=dict(body.checklist),
            hazards=tuple(services.HazardIn(**hazard.dict()) for hazard in body.hazards),
            note=body.note,
        ),
    )
    return Status(201, _detail(inspection))


def _detail(inspection: Inspection) -> InspectionDetailOut:
    return InspectionDetailOut(
        **_inspection(inspection).dict(),
        hazards=[HazardOut.of(hazard) for hazard in selectors.hazards_of(inspection=inspection)],
    )


@router.get(
    "/inspections/{inspection_id}",
    response=InspectionDetailOut,
    operation_id="eldercare_inspection_get",
    summary="One inspection with its hazards",
)
def inspection_get(request: HttpRequest, inspection_id: int) -> InspectionDetailOut:
    return _detail(selectors.inspection_get(user=request.user, inspection_id=inspection_id))


@router.post(
    "/inspections/hazards/{hazard_id}/rectify",
    response=HazardOut,
    operation_id="eldercare_hazard_rectify",
    summary="Record the institution's rectification report of a hazard",
)
def hazard_rectify(request: HttpRequest, hazard_id: int, body: RectifyIn) -> HazardOut:
    hazard = selectors.hazard_get(user=request.user, hazard_id=hazard_id)
    services.hazard_rectify(
        acting_user=request.user,
        hazard=hazard,
        report=body.report,
        on=body.on or timezone.localdate(),
    )
    return HazardOut.of(hazard)


@router.post(
    "/inspections/hazards/{hazard_id}/recheck",
    response=HazardOut,
    operation_id="eldercare_hazard_recheck",
    summary="Re-check a rectified hazard: passed closes it, not passed sends it back",
)
def hazard_recheck(request: HttpRequest, hazard_id: int, body: RecheckIn) -> HazardOut:
    hazard = selectors.hazard_get(user=request.user, hazard_id=hazard_id)
    services.hazard_recheck(
        acting_user=request.user,
        hazard=hazard,
        passed=body.passed,
        on=body.on or timezone.localdate(),
        note=body.note,
        deadline=body.deadline,
    )
    return HazardOut.of(hazard)
