"""Every read of the institutions part, filtered by the caller's eldercare scope: a town sees
the institutions in its own territory (and their residents, whichever town they came from),
the city's eldercare staff and the auditor see every town, a provider's account sees none."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from minzheng.accounts.models import User
from minzheng.eldercare.access import read_prefix
from minzheng.eldercare.institutions import (
    ZERO,
    fund_limit,
    ledger_balance,
    resident_holdings,
    risk_reserve,
)
from minzheng.eldercare.models import (
    Fund,
    Hazard,
    Inspection,
    Institution,
    LedgerEntry,
    Resident,
)
from minzheng.registry.models import Division, Person


def _prefix_or_none(user: User) -> str | None:
    return read_prefix(user)


def institutions_in_scope(user: User) -> QuerySet[Institution]:
    prefix = _prefix_or_none(user)
    if prefix is None:
        return Institution.objects.none()
    return Institution.objects.filter(division_code__startswith=prefix)


def institution_list(*, user: User, town: str = "") -> list[Institution]:
    """Institutions in scope with `occupied` (current stays), ordered by town and name."""
    institutions = institutions_in_scope(user)
    if town:
        institutions = institutions.filter(division_code__startswith=town)
    return list(
        institutions.annotate(
            occupied=Count("residents", filter=Q(residents__discharged_on__isnull=True))
        ).order_by("division_code", "pk")
    )


def institution_get(*, user: User, institution_id: int) -> Institution:
    institution = institutions_in_scope(user).filter(pk=institution_id).first()
    if institution is None:
        raise Http404
    return institution


@dataclass(frozen=True)
class TownOccupancy:
    town_code: str
    town_name: str
    institutions: int
    beds: int
    nursing_beds: int
    occupied: int

    @property
    def rate(self) -> Decimal:
        """Occupied beds per 100 beds, one decimal."""
        if not self.beds:
            return Decimal("0.0")
        return (Decimal(self.occupied) * 100 / self.beds).quantize(Decimal("0.1"))


def occupancy_by_town(*, user: User) -> list[TownOccupancy]:
    rows: dict[str, list[int]] = {}
    for institution in institution_list(user=user):
        town = institution.division_code[:9]
        entry = rows.setdefault(town, [0, 0, 0, 0])
        entry[0] += 1
        entry[1] += institution.beds_total
        entry[2] += institution.nursing_beds
        entry[3] += institution.occupied
    names = dict(Division.objects.filter(code__in=rows).values_list("code", "name"))
    return [
        TownOccupancy(code, names.get(code, code), *values) for code, values in sorted(rows.items())
    ]


def residents_of(*, institution: Institution, current_only: bool = False) -> list[Resident]:
    """The stays of an institution the caller has already read in scope."""
    residents = institution.residents.select_related("person").order_by(
        "discharged_on", "bed_number", "pk"
    )
    if current_only:
        residents = residents.filter(discharged_on__isnull=True)
    return list(residents)


def resident_get(*, user: User, resident_id: int) -> Resident:
    prefix = _prefix_or_none(user)
    resident = (
        Resident.objects.select_related("institution", "person")
        .filter(pk=resident_id, division_code__startswith=prefix or "-")
        .first()
    )
    if prefix is None or resident is None:
        raise Http404
    return resident


def person_for_admission(*, user: User, person_id: int) -> Person:
    """A person of the city to admit: any town's elder may enter any town's institution, so
    the caller (an office, checked by the service) may name anyone registered."""
    if _prefix_or_none(user) is None:
        raise Http404
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise Http404
    return person


@dataclass(frozen=True)
class ResidentHolding:
    resident: Resident
    deposit: Decimal
    membership: Decimal
    deposit_limit: Decimal
    membership_limit: Decimal

    @property
    def is_over_limit(self) -> bool:
        return self.deposit > self.deposit_limit or self.membership > self.membership_limit


def holdings_of(*, institution: Institution, on: dt.date) -> list[ResidentHolding]:
    residents = residents_of(institution=institution)
    held = resident_holdings(resident_ids=[resident.pk for resident in residents])
    rows = []
    for resident in residents:
        resident.institution = institution
        deposit = held.get((resident.pk, Fund.DEPOSIT), ZERO)
        membership = held.get((resident.pk, Fund.MEMBERSHIP), ZERO)
        if resident.discharged_on is not None and deposit + membership == 0:
            continue
        rows.append(
            ResidentHolding(
                resident,
                deposit,
                membership,
                fund_limit(resident=resident, fund=Fund.DEPOSIT, on=on),
                fund_limit(resident=resident, fund=Fund.MEMBERSHIP, on=on),
            )
        )
    return rows


def ledger_of(*, institution: Institution, limit: int = 200) -> list[LedgerEntry]:
    return list(
        institution.ledger.select_related("resident__person", "corrects").order_by("-on", "-pk")[
            :limit
        ]
    )


@dataclass(frozen=True)
class PrepaidRow:
    institution: Institution
    balance: Decimal
    deposit: Decimal
    membership: Decimal
    reserve: Decimal
    over_limit: int
    late_refunds: int


def prepaid_summary(*, user: User, on: dt.date) -> list[PrepaidRow]:
    """Per institution in scope: the escrow balance, what it holds by fund, the reserve, and
    how many residents are over the limits or waiting past their refund deadline."""
    rows = []
    for institution in institution_list(user=user):
        holdings = holdings_of(institution=institution, on=on)
        rows.append(
            PrepaidRow(
                institution=institution,
                balance=ledger_balance(institution_id=institution.pk),
                deposit=sum((row.deposit for row in holdings), ZERO),
                membership=sum((row.membership for row in holdings), ZERO),
                reserve=risk_reserve(institution_id=institution.pk, on=on),
                over_limit=sum(1 for row in holdings if row.is_over_limit),
                late_refunds=sum(
                    1
                    for row in holdings
                    if row.resident.refund_due_on is not None
                    and row.resident.refund_due_on < on
                    and row.deposit + row.membership > 0
                ),
            )
        )
    return rows


def inspections_in_scope(user: User) -> QuerySet[Inspection]:
    prefix = _prefix_or_none(user)
    if prefix is None:
        return Inspection.objects.none()
    return Inspection.objects.filter(division_code__startswith=prefix)


def inspection_list(*, user: User, state: str = "") -> QuerySet[Inspection]:
    """Inspections in scope, newest first, with their open hazards counted; `state` keeps
    those with a hazard in that state."""
    inspections = inspections_in_scope(user).select_related("institution")
    if state:
        inspections = inspections.filter(hazards__state=state).distinct()
    return inspections.annotate(
        hazard_count=Count("hazards", distinct=True),
        open_count=Count("hazards", filter=~Q(hazards__state="closed"), distinct=True),
    ).order_by("-inspected_on", "-pk")


def inspection_get(*, user: User, inspection_id: int) -> Inspection:
    inspection = (
        inspections_in_scope(user).select_related("institution").filter(pk=inspection_id).first()
    )
    if inspection is None:
        raise Http404
    return inspection


def hazards_of(*, inspection: Inspection) -> list[Hazard]:
    return list(inspection.hazards.order_by("pk"))


def hazard_get(*, user: User, hazard_id: int) -> Hazard:
    prefix = _prefix_or_none(user)
    if prefix is None:
        raise Http404
    hazard = (
        Hazard.objects.select_related("inspection", "institution")
        .filter(pk=hazard_id, division_code__startswith=prefix)
        .first()
    )
    if hazard is None:
        raise Http404
    return hazard


def person_for_admission_by_id_number(*, user: User, id_number: str) -> Person | None:
    """The person of the city with this id number (the admission form), or None; as
    `person_for_admission`, any town's elder may enter any town's institution."""
    if _prefix_or_none(user) is None:
        raise Http404
    return Person.objects.with_id_number(id_number.strip().upper()).first()
