"""Every write of the institutions part (养老机构): the registry, stays and staff, the escrow
ledger of prepaid fees (预收费存管), safety inspections and their hazards, and the rules that
raise alerts (fees over the limit, a late refund, an overdue rectification).

Institutions have no accounts of their own: the town's eldercare office (or the city's
eldercare staff) records what an institution files or reports (an admission, a ledger row from
the escrow bank's statement, a rectification report), and inspects. Every service checks the
office's role and jurisdiction (`access.office_check`) on the institution's division.

Ledger rules (民办发〔2025〕9号 and the parameters of `eldercare_institution.yaml`):
- rows are append-only; a correction is a new row reversing (part of) an earlier one;
- the balance Σ inflows − Σ outflows never goes below zero, nor any resident's holding of a fund;
- a withdrawal needs a purpose and its evidence, and may not take the account below the risk
  reserve (a share of the fees held for current residents);
- a refund comes after discharge, in one payment of everything held, by the original channel;
- fees held above the limits (押金 and 会员费 as multiples of the monthly fee; no 会员费 at
  public institutions) and refunds not made by their deadline raise alerts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Case, DecimalField, F, Q, Sum, When

from minzheng.accounts.models import User
from minzheng.alerts.services import AlertIn, alerts_raise
from minzheng.audit.services import audit_record
from minzheng.eldercare.access import office_check
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import (
    HAZARD,
    Assessment,
    DischargeReason,
    Fund,
    Hazard,
    HazardCategory,
    HazardLevel,
    Inspection,
    Institution,
    InstitutionKind,
    InstitutionStaff,
    LedgerEntry,
    LedgerKind,
    PaymentChannel,
    Resident,
    StaffRole,
    WithdrawalPurpose,
)
from minzheng.registry.models import Division, Person
from minzheng.rules.parameters import ParameterMissingError, parameters_at
from minzheng.workflow.services import transition_check, transition_perform

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
CHECKLIST_RESULTS = ("ok", "hazard", "na")
PURPOSES_BY_FUND = {
    Fund.DEPOSIT: {WithdrawalPurpose.MEDICAL, WithdrawalPurpose.ARREARS, WithdrawalPurpose.DAMAGES},
    Fund.MEMBERSHIP: {WithdrawalPurpose.MEMBERSHIP_SERVICE},
}


def _param(name: str, on: dt.date) -> object:
    """The value in force on `on`; before the first rule, the first rule's value (fees taken
    earlier and still held are supervised by the rule now known)."""
    try:
        return parameters_at(f"{on:%Y-%m}").get(name).value
    except ParameterMissingError as missing:
        if missing.earliest is None:
            raise
        return parameters_at(f"{missing.earliest:%Y-%m}").get(name).value


def deposit_max_months(on: dt.date) -> int:
    return int(_param("institution.deposit_max_months", on))


def membership_fee_max_months(on: dt.date) -> int:
    return int(_param("institution.membership_fee_max_months", on))


def membership_fee_forbidden_kinds(on: dt.date) -> set[str]:
    return set(_param("institution.membership_fee_forbidden_kinds", on))


def risk_reserve_ratio(on: dt.date) -> Decimal:
    return Decimal(str(_param("institution.risk_reserve_ratio", on)))


def refund_deadline_days(on: dt.date) -> int:
    return int(_param("institution.refund_deadline_days", on))


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fund_limit(*, resident: Resident, fund: str, on: dt.date) -> Decimal:
    """The most of a fund the institution may hold for this resident."""
    if fund == Fund.DEPOSIT:
        return _money(resident.monthly_fee * deposit_max_months(on))
    if resident.institution.kind in membership_fee_forbidden_kinds(on):
        return ZERO
    return _money(resident.monthly_fee * membership_fee_max_months(on))


# --- registry ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstitutionIn:
    name: str
    credit_code: str
    division_code: str
    kind: str
    beds_total: int
    nursing_beds: int = 0
    filing_number: str = ""
    filing_date: dt.date | None = None
    contact: str = ""
    phone: str = ""
    escrow_bank: str = ""


def _institution_problems(data: InstitutionIn) -> list[tuple[str, str, str]]:
    problems = []
    if not data.name.strip():
        problems.append(("name", "请填写机构名称", "the name is required"))
    if len(data.credit_code) != 18 or not data.credit_code.isalnum():
        problems.append(
            ("credit_code", "统一社会信用代码应为18位", "the credit code has 18 characters")
        )
    elif Institution.objects.filter(credit_code=data.credit_code).exists():
        problems.append(
            ("credit_code", "该统一社会信用代码已登记", "this credit code is already registered")
        )
    if (
        len(data.division_code) not in (9, 12)
        or not Division.objects.filter(code=data.division_code).exists()
    ):
        problems.append(
            ("division_code", "所在镇(街道)或村(社区)代码无效", "unknown town or village code")
        )
    if data.kind not in InstitutionKind.values:
        problems.append(("kind", "机构性质无效", f"unknown kind {data.kind!r}"))
    if data.beds_total < 1:
        problems.append(("beds_total", "床位总数应大于0", "beds_total must be positive"))
    if not 0 <= data.nursing_beds <= max(data.beds_total, 0):
        problems.append(
            ("nursing_beds", "护理型床位数不能超过床位总数", "nursing beds exceed the total")
        )
    return problems


@transaction.atomic
def institution_register(*, acting_user: User, data: InstitutionIn) -> Institution:
    """Register an institution filed with the bureau (备案)."""
    office_check(user=acting_user, division_code=data.division_code)
    problems = _institution_problems(data)
    if problems:
        raise EldercareError(problems)
    institution = Institution.objects.create(
        name=data.name.strip(),
        credit_code=data.credit_code,
        division_code=data.division_code,
        kind=data.kind,
        filing_number=data.filing_number,
        filing_date=data.filing_date,
        beds_total=data.beds_total,
        nursing_beds=data.nursing_beds,
        contact=data.contact,
        phone=data.phone,
        escrow_bank=data.escrow_bank,
    )
    audit_record(
        actor=acting_user,
        action="eldercare.institution.register",
        target=institution,
        data={"kind": data.kind, "beds_total": data.beds_total},
        division_code=institution.division_code,
    )
    return institution


@transaction.atomic
def resident_admit(
    *,
    acting_user: User,
    institution: Institution,
    person: Person,
    admitted_on: dt.date,
    bed_number: str,
    monthly_fee: Decimal,
    is_nursing_bed: bool = False,
) -> Resident:
    """Admit a person into a free bed; the stay carries the person's latest assessment level."""
    office_check(user=acting_user, division_code=institution.division_code)
    Institution.objects.select_for_update().filter(pk=institution.pk).exists()
    problems = []
    bed_number = bed_number.strip()
    if person.death_date is not None and person.death_date <= admitted_on:
        problems.append(("person", "该老人已死亡", "the person has died"))
    if Resident.objects.filter(person=person, discharged_on__isnull=True).exists():
        problems.append(("person", "该老人已在机构入住，须先办理退住", "already a resident"))
    if not bed_number:
        problems.append(("bed_number", "请填写床位号", "the bed number is required"))
    elif Resident.objects.filter(
        institution=institution, bed_number=bed_number, discharged_on__isnull=True
    ).exists():
        problems.append(("bed_number", f"床位{bed_number}已有老人入住", "the bed is taken"))
    current = Resident.objects.filter(institution=institution, discharged_on__isnull=True)
    if current.count() >= institution.beds_total:
        problems.append(("bed_number", "机构床位已满", "every bed is taken"))
    if is_nursing_bed and current.filter(is_nursing_bed=True).count() >= institution.nursing_beds:
        problems.append(("is_nursing_bed", "护理型床位已满", "every nursing bed is taken"))
    if monthly_fee < 0:
        problems.append(("monthly_fee", "月收费标准不能为负数", "the monthly fee is negative"))
    if not institution.active:
        problems.append(("institution", "该机构已停止运营", "the institution is closed"))
    if problems:
        raise EldercareError(problems)
    assessment = (
        Assessment.objects.filter(person=person, assessed_on__lte=admitted_on)
        .order_by("-assessed_on", "-pk")
        .first()
    )
    resident = Resident.objects.create(
        institution=institution,
        person=person,
        division_code=institution.division_code,
        admitted_on=admitted_on,
        bed_number=bed_number,
        is_nursing_bed=is_nursing_bed,
        assessment=assessment,
        care_level=assessment.level if assessment else person.ability_level,
        monthly_fee=_money(monthly_fee),
    )
    audit_record(
        actor=acting_user,
        action="eldercare.institution.resident_admit",
        target=resident,
        data={"institution": institution.pk, "on": admitted_on.isoformat(), "bed": bed_number},
        division_code=institution.division_code,
    )
    return resident


def _discharge(*, resident: Resident, on: dt.date, reason: str) -> None:
    resident.discharged_on = on
    resident.discharge_reason = reason
    resident.refund_due_on = on + dt.timedelta(days=refund_deadline_days(on))
    resident.save(
        update_fields=["discharged_on", "discharge_reason", "refund_due_on", "updated_at"]
    )


@transaction.atomic
def resident_discharge(
    *, acting_user: User, resident: Resident, on: dt.date, reason: str
) -> Resident:
    """Discharge a resident; the fees still held must be refunded by the refund deadline."""
    office_check(user=acting_user, division_code=resident.division_code)
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    problems = []
    if resident.discharged_on is not None:
        problems.append(("resident", "该老人已退住", "already discharged"))
    elif on < resident.admitted_on:
        problems.append(("on", "退住日期早于入住日期", "discharged before admission"))
    if reason not in DischargeReason.values:
        problems.append(("reason", "退住原因无效", f"unknown reason {reason!r}"))
    if problems:
        raise EldercareError(problems)
    _discharge(resident=resident, on=on, reason=reason)
    audit_record(
        actor=acting_user,
        action="eldercare.institution.resident_discharge",
        target=resident,
        data={"on": on.isoformat(), "reason": reason},
        division_code=resident.division_code,
    )
    return resident


@transaction.atomic
def staff_add(
    *,
    acting_user: User,
    institution: Institution,
    name: str,
    role: str,
    certificate_number: str = "",
    certificate_valid_to: dt.date | None = None,
) -> InstitutionStaff:
    office_check(user=acting_user, division_code=institution.division_code)
    problems = []
    if not name.strip():
        problems.append(("name", "请填写姓名", "the name is required"))
    if role not in StaffRole.values:
        problems.append(("role", "岗位无效", f"unknown role {role!r}"))
    if problems:
        raise EldercareError(problems)
    staff = InstitutionStaff.objects.create(
        institution=institution,
        name=name.strip(),
        role=role,
        certificate_number=certificate_number.strip(),
        certificate_valid_to=certificate_valid_to,
    )
    audit_record(
        actor=acting_user,
        action="eldercare.institution.staff_add",
        target=staff,
        data={"institution": institution.pk, "role": role},
        division_code=institution.division_code,
    )
    return staff


# --- the escrow ledger -------------------------------------------------------------------------

_SIGNED = Case(
    When(is_inflow=True, then=F("amount")),
    default=-F("amount"),
    output_field=DecimalField(max_digits=14, decimal_places=2),
)


def ledger_balance(*, institution_id: int) -> Decimal:
    """Σ inflows − Σ outflows of the institution's escrow account."""
    total = LedgerEntry.objects.filter(institution_id=institution_id).aggregate(total=Sum(_SIGNED))[
        "total"
    ]
    return _money(total or ZERO)


def resident_holdings(*, resident_ids: list[int]) -> dict[tuple[int, str], Decimal]:
    """What the account holds for each (resident, fund): Σ in − Σ out of their rows."""
    rows = (
        LedgerEntry.objects.filter(resident_id__in=resident_ids)
        .values("resident_id", "fund")
        .annotate(total=Sum(_SIGNED))
    )
    return {(row["resident_id"], row["fund"]): _money(row["total"] or ZERO) for row in rows}


def risk_reserve(*, institution_id: int, on: dt.date) -> Decimal:
    """The least the account must keep: a share of what it holds for current residents."""
    held = LedgerEntry.objects.filter(
        institution_id=institution_id, resident__discharged_on__isnull=True
    ).aggregate(total=Sum(_SIGNED))["total"]
    return _money(max(held or ZERO, ZERO) * risk_reserve_ratio(on))


@dataclass(frozen=True)
class LedgerIn:
    fund: str
    kind: str
    amount: Decimal
    on: dt.date
    channel: str = ""
    purpose: str = ""
    evidence: str = ""
    note: str = ""
    corrects_id: int | None = None


def _original_channel(resident: Resident, fund: str) -> str:
    first = (
        LedgerEntry.objects.filter(resident=resident, fund=fund, kind=LedgerKind.RECEIPT)
        .order_by("on", "pk")
        .values_list("channel", flat=True)
        .first()
    )
    return first or ""


def _ledger_problems(
    resident: Resident, data: LedgerIn, held: Decimal, balance: Decimal
) -> tuple[list[tuple[str, str, str]], bool, LedgerEntry | None]:
    """(problems, is_inflow, corrected row) of a ledger row as asked."""
    problems: list[tuple[str, str, str]] = []
    corrected = None
    is_inflow = data.kind == LedgerKind.RECEIPT
    amount = data.amount
    if data.fund not in Fund.values:
        problems.append(("fund", "款项应为押金或会员费", f"unknown fund {data.fund!r}"))
    if data.kind not in LedgerKind.values:
        problems.append(("kind", "流水类型无效", f"unknown kind {data.kind!r}"))
    if amount.as_tuple().exponent < -2 or amount <= 0:
        problems.append(("amount", "金额应为正数，最多两位小数", "amount: positive, 2 decimals"))
    if data.on < resident.admitted_on:
        problems.append(("on", "日期早于老人入住日期", "before the admission"))
    if problems:
        return problems, is_inflow, None
    if data.kind == LedgerKind.RECEIPT:
        if data.channel not in PaymentChannel.values:
            problems.append(("channel", "请选择支付渠道", "the payment channel is required"))
        if resident.discharged_on is not None:
            problems.append(("resident", "老人已退住，不能再收取费用", "the resident has left"))
    elif data.kind == LedgerKind.WITHDRAWAL:
        if data.purpose not in PURPOSES_BY_FUND[Fund(data.fund)]:
            problems.append(
                ("purpose", "支取用途与款项不符或未填写", "a purpose fitting the fund is required")
            )
        if not data.evidence.strip():
            problems.append(("evidence", "支取须附凭证", "a withdrawal needs its evidence"))
        if amount > held:
            problems.append(
                ("amount", f"支取金额超过该老人{Fund(data.fund).label}余额{held}元", "over holding")
            )
        else:
            reserve = risk_reserve(institution_id=resident.institution_id, on=data.on)
            if balance - amount < reserve:
                problems.append(
                    (
                        "amount",
                        f"支取后账户余额将低于风险保证金{reserve}元",
                        "the balance would fall below the risk reserve",
                    )
                )
    elif data.kind == LedgerKind.REFUND:
        if resident.discharged_on is None:
            problems.append(("resident", "老人退住后方可退费", "refund only after discharge"))
        if held <= 0:
            problems.append(("amount", "该款项没有余额可退", "nothing is held"))
        elif amount != held:
            problems.append(
                ("amount", f"退费须一次性退还全部余额{held}元", f"refund all {held} at once")
            )
        original = _original_channel(resident, data.fund)
        if data.channel != original:
            problems.append(
                (
                    "channel",
                    f"退费须原路退回（{PaymentChannel(original).label if original else '无收款'}）",
                    "refund by the original channel",
                )
            )
    else:  # correction
        corrected = LedgerEntry.objects.filter(
            pk=data.corrects_id, resident=resident, fund=data.fund
        ).first()
        if corrected is None or corrected.kind == LedgerKind.CORRECTION:
            problems.append(
                ("corrects", "冲正须指明该老人同一款项的原流水", "name the row to correct")
            )
            return problems, is_inflow, None
        is_inflow = not corrected.is_inflow
        done = corrected.corrections.aggregate(total=Sum("amount"))["total"] or ZERO
        if amount > corrected.amount - done:
            problems.append(
                ("amount", "冲正金额超过原流水未冲正金额", "more than the row left to correct")
            )
        if not data.note.strip():
            problems.append(("note", "冲正须说明原因", "a correction needs its reason"))
    if not is_inflow and not problems and (amount > held or amount > balance):
        problems.append(("amount", "出账金额超过账户余额", "more than the balance"))
    return problems, is_inflow, corrected


@transaction.atomic
def ledger_record(
    *, acting_user: User, resident: Resident, data: LedgerIn
) -> tuple[LedgerEntry, int]:
    """Append one row to the escrow ledger; return it and the number of alerts raised."""
    office_check(user=acting_user, division_code=resident.division_code)
    Institution.objects.select_for_update().filter(pk=resident.institution_id).exists()
    resident = Resident.objects.select_related("institution").get(pk=resident.pk)
    held = resident_holdings(resident_ids=[resident.pk]).get((resident.pk, data.fund), ZERO)
    balance = ledger_balance(institution_id=resident.institution_id)
    problems, is_inflow, corrected = _ledger_problems(resident, data, held, balance)
    if problems:
        raise EldercareError(problems)
    entry = LedgerEntry.objects.create(
        institution_id=resident.institution_id,
        resident=resident,
        division_code=resident.division_code,
        fund=data.fund,
        kind=data.kind,
        is_inflow=is_inflow,
        amount=data.amount,
        on=data.on,
        channel=data.channel if data.kind in (LedgerKind.RECEIPT, LedgerKind.REFUND) else "",
        purpose=data.purpose if data.kind == LedgerKind.WITHDRAWAL else "",
        evidence=data.evidence.strip(),
        corrects=corrected,
        note=data.note.strip(),
        recorded_by=acting_user,
    )
    audit_record(
        actor=acting_user,
        action="eldercare.institution.ledger_record",
        target=entry,
        data={
            "resident": resident.pk,
            "fund": data.fund,
            "kind": data.kind,
            "amount": str(data.amount),
            "on": data.on.isoformat(),
        },
        division_code=resident.division_code,
    )
    raised = 0
    if is_inflow:
        findings = prepaid_findings(on=data.on, resident_ids=[resident.pk])
        raised = alerts_raise(acting_user=acting_user, alerts=findings.alerts(), on=data.on)
    return entry, raised


# --- the prepaid-fee rules ---------------------------------------------------------------------


@dataclass(frozen=True)
class OverLimit:
    resident_id: int
    person_id: int
    institution_id: int
    institution_name: str
    division_code: str
    fund: str
    held: Decimal
    limit: Decimal


@dataclass(frozen=True)
class LateRefund:
    resident_id: int
    person_id: int
    institution_id: int
    institution_name: str
    division_code: str
    held: Decimal
    due_on: dt.date


@dataclass
class PrepaidFindings:
    over_limit: list[OverLimit] = field(default_factory=list)
    late_refunds: list[LateRefund] = field(default_factory=list)

    def alerts(self) -> list[AlertIn]:
        alerts = [
            AlertIn(
                kind="eldercare.prepaid_over_limit",
                key=f"eldercare.prepaid_over_limit:{row.resident_id}:{row.fund}",
                division_code=row.division_code,
                reason=(
                    f"{row.institution_name}为一名入住老人收取的{Fund(row.fund).label}"
                    f"{row.held}元，超过上限{row.limit}元"
                ),
                data={
                    "institution": row.institution_id,
                    "resident": row.resident_id,
                    "fund": row.fund,
                    "held": str(row.held),
                    "limit": str(row.limit),
                },
                person_id=row.person_id,
            )
            for row in self.over_limit
        ]
        alerts += [
            AlertIn(
                kind="eldercare.prepaid_refund_late",
                key=f"eldercare.prepaid_refund_late:{row.resident_id}",
                division_code=row.division_code,
                reason=(
                    f"{row.institution_name}一名退住老人的预收费{row.held}元"
                    f"未在{row.due_on:%Y-%m-%d}前退还"
                ),
                data={
                    "institution": row.institution_id,
                    "resident": row.resident_id,
                    "held": str(row.held),
                    "due_on": row.due_on.isoformat(),
                },
                person_id=row.person_id,
            )
            for row in self.late_refunds
        ]
        return alerts


def prepaid_findings(
    *, on: dt.date, resident_ids: list[int] | None = None, prefix: str = ""
) -> PrepaidFindings:
    """Fees held above the limits, and refunds past their deadline, as of `on` (fetch, then
    compute: three queries whatever the number of residents)."""
    residents = Resident.objects.filter(division_code__startswith=prefix).select_related(
        "institution"
    )
    if resident_ids is not None:
        residents = residents.filter(pk__in=resident_ids)
    residents = residents.filter(
        Q(discharged_on__isnull=True) | Q(discharged_on__isnull=False, refund_due_on__lt=on)
    )
    rows = list(residents.filter(ledger__isnull=False).distinct())
    holdings: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    entries = LedgerEntry.objects.filter(resident__in=[row.pk for row in rows], on__lte=on)
    for row in entries.values("resident_id", "fund").annotate(total=Sum(_SIGNED)):
        holdings[(row["resident_id"], row["fund"])] = _money(row["total"] or ZERO)
    findings = PrepaidFindings()
    for resident in rows:
        institution = resident.institution
        if resident.discharged_on is None:
            for fund in Fund.values:
                held = holdings[(resident.pk, fund)]
                limit = fund_limit(resident=resident, fund=fund, on=on)
                if held > limit:
                    findings.over_limit.append(
                        OverLimit(
                            resident.pk,
                            resident.person_id,
                            institution.pk,
                            institution.name,
                            resident.division_code,
                            fund,
                            held,
                            limit,
                        )
                    )
        else:
            held = sum((holdings[(resident.pk, fund)] for fund in Fund.values), ZERO)
            if held > 0:
                findings.late_refunds.append(
                    LateRefund(
                        resident.pk,
                        resident.person_id,
                        institution.pk,
                        institution.name,
                        resident.division_code,
                        held,
                        resident.refund_due_on,
                    )
                )
    return findings


@transaction.atomic
def prepaid_check(*, acting_user: User | None, on: dt.date) -> tuple[PrepaidFindings, int]:
    """Check every institution's prepaid fees (the nightly task or `minzheng institutions
    check-prepaid`, user None; or the city's eldercare staff); raise the alerts once each."""
    if acting_user is not None:
        office_check(user=acting_user, division_code="320582")
    findings = prepaid_findings(on=on)
    raised = alerts_raise(acting_user=acting_user, alerts=findings.alerts(), on=on)
    return findings, raised


# --- inspections and hazards --------------------------------------------------------------------


@dataclass(frozen=True)
class HazardIn:
    category: str
    description: str
    level: str
    deadline: dt.date


@dataclass(frozen=True)
class InspectionIn:
    inspected_on: dt.date
    inspectors: str
    checklist: dict[str, str]
    hazards: tuple[HazardIn, ...] = ()
    note: str = ""


def _inspection_problems(data: InspectionIn) -> list[tuple[str, str, str]]:
    problems = []
    if not data.inspectors.strip():
        problems.append(("inspectors", "请填写检查人员", "the inspectors are required"))
    unknown = sorted(set(data.checklist) - set(HazardCategory.values))
    if unknown:
        problems.append(
            ("checklist", f"未知的检查项目：{'、'.join(unknown)}", f"unknown {unknown}")
        )
    bad = sorted(key for key, value in data.checklist.items() if value not in CHECKLIST_RESULTS)
    if bad:
        problems.append(("checklist", "检查结果应为合格、有隐患或不适用", f"bad results {bad}"))
    for index, hazard in enumerate(data.hazards):
        where = f"hazards[{index}]"
        if hazard.category not in HazardCategory.values:
            problems.append((where, "隐患类别无效", f"unknown category {hazard.category!r}"))
        if hazard.level not in HazardLevel.values:
            problems.append((where, "隐患等级无效", f"unknown level {hazard.level!r}"))
        if not hazard.description.strip():
            problems.append((where, "请描述隐患", "the description is required"))
        if hazard.deadline <= data.inspected_on:
            problems.append((where, "整改期限应晚于检查日期", "deadline after the inspection"))
        if data.checklist.get(hazard.category, "hazard") != "hazard":
            problems.append(
                (where, "该项目检查结果不是“有隐患”", "the checklist does not show this hazard")
            )
    return problems


@transaction.atomic
def inspection_record(
    *, acting_user: User, institution: Institution, data: InspectionIn
) -> Inspection:
    """Record an inspection and open one case per hazard found (each with its deadline)."""
    office_check(user=acting_user, division_code=institution.division_code)
    problems = _inspection_problems(data)
    if problems:
        raise EldercareError(problems)
    checklist = dict(data.checklist)
    for hazard in data.hazards:
        checklist[hazard.category] = "hazard"
    inspection = Inspection.objects.create(
        institution=institution,
        division_code=institution.division_code,
        inspected_on=data.inspected_on,
        inspectors=data.inspectors.strip(),
        checklist=checklist,
        note=data.note.strip(),
        recorded_by=acting_user,
    )
    audit_record(
        actor=acting_user,
        action="eldercare.institution.inspection_record",
        target=inspection,
        data={"institution": institution.pk, "hazards": len(data.hazards)},
        division_code=institution.division_code,
    )
    for item in data.hazards:
        hazard = Hazard(
            inspection=inspection,
            institution=institution,
            division_code=institution.division_code,
            category=item.category,
            description=item.description.strip(),
            level=item.level,
        )
        transition_perform(
            workflow=HAZARD,
            case=hazard,
            name="create",
            acting_user=acting_user,
            on=data.inspected_on,
            changes={"due_on": item.deadline},
            data={"deadline": item.deadline.isoformat(), "level": item.level},
        )
    return inspection


@transaction.atomic
def hazard_rectify(*, acting_user: User, hazard: Hazard, report: str, on: dt.date) -> Hazard:
    """Record the institution's rectification report; the re-check is due within 7 days."""
    transition_check(workflow=HAZARD, case=hazard, name="rectify", acting_user=acting_user)
    if not report.strip():
        raise EldercareError.one("report", "请填写整改情况", "the report is required")
    if on < hazard.inspection.inspected_on:
        raise EldercareError.one("on", "整改日期早于检查日期", "rectified before the inspection")
    transition_perform(
        workflow=HAZARD,
        case=hazard,
        name="rectify",
        acting_user=acting_user,
        on=on,
        note=report.strip(),
        changes={"rectification": report.strip(), "rectified_on": on},
    )
    return hazard


@transaction.atomic
def hazard_recheck(
    *,
    acting_user: User,
    hazard: Hazard,
    passed: bool,
    on: dt.date,
    note: str = "",
    deadline: dt.date | None = None,
) -> Hazard:
    """Re-check a rectified hazard: passed closes it; not passed sends it back with a deadline."""
    name = "pass" if passed else "fail"
    transition_check(workflow=HAZARD, case=hazard, name=name, acting_user=acting_user)
    if hazard.rectified_on is not None and on < hazard.rectified_on:
        raise EldercareError.one("on", "复查日期早于整改日期", "re-checked before rectification")
    changes: dict[str, object] = {"rechecked_on": on}
    if not passed:
        problems = []
        if deadline is None or deadline <= on:
            problems.append(("deadline", "未通过复查须给出新的整改期限", "a new deadline"))
        if not note.strip():
            problems.append(("note", "请说明未通过的原因", "say why it failed"))
        if problems:
            raise EldercareError(problems)
        changes["due_on"] = deadline
    transition_perform(
        workflow=HAZARD,
        case=hazard,
        name=name,
        acting_user=acting_user,
        on=on,
        note=note.strip(),
        changes=changes,
        data={"deadline": deadline.isoformat()} if deadline and not passed else {},
    )
    return hazard


def overdue_hazards(*, on: dt.date, prefix: str = "") -> list[Hazard]:
    """Hazards still waiting for rectification past their deadline."""
    return list(
        Hazard.objects.filter(
            division_code__startswith=prefix, state="open", due_on__lt=on
        ).select_related("institution")
    )


@transaction.atomic
def hazards_overdue_alert(*, acting_user: User | None, on: dt.date) -> tuple[list[Hazard], int]:
    """Raise one alert per hazard not rectified by its deadline (per deadline: a hazard sent
    back with a new deadline that passes again is a new fact)."""
    if acting_user is not None:
        office_check(user=acting_user, division_code="320582")
    hazards = overdue_hazards(on=on)
    alerts = [
        AlertIn(
            kind="eldercare.hazard_overdue",
            key=f"eldercare.hazard_overdue:{hazard.pk}:{hazard.due_on:%Y%m%d}",
            division_code=hazard.division_code,
            reason=(
                f"{hazard.institution.name}的{hazard.get_level_display()}"
                f"（{hazard.get_category_display()}）未在{hazard.due_on:%Y-%m-%d}前完成整改"
            ),
            data={"hazard": hazard.pk, "institution": hazard.institution_id},
        )
        for hazard in hazards
    ]
    return hazards, alerts_raise(acting_user=acting_user, alerts=alerts, on=on)


# --- death ---------------------------------------------------------------------------------


@transaction.atomic
def institution_death_effects(
    *, acting_user: User | None, person: Person, on: dt.date
) -> list[str]:
    """Discharge a resident who died (reason death); the refund deadline starts on `on`."""
    lines = []
    stays = Resident.objects.select_for_update().filter(person=person, discharged_on__isnull=True)
    for resident in stays.select_related("institution"):
        on_day = max(on, resident.admitted_on)
        _discharge(resident=resident, on=on_day, reason=DischargeReason.DEATH)
        audit_record(
            actor=acting_user,
            action="eldercare.institution.resident_discharge",
            target=resident,
            data={"on": on_day.isoformat(), "reason": DischargeReason.DEATH},
            division_code=resident.division_code,
        )
        lines.append(
            f"{resident.institution.name}：办理死亡退住（床位{resident.bed_number}），"
            f"押金和会员费余额须于{resident.refund_due_on:%Y-%m-%d}前原路退还"
        )
    return lines
