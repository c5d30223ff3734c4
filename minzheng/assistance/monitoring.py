"""低收入人口动态监测: rules over the month's data-exchange signals that raise alerts.

Each rule reads the signals of one month (deaths, vehicles and property registered, wages,
medical spending, disability certificates, unemployment) against the households that receive
assistance, and raises an alert to the responsible village's office with the reason, the data
behind it and a deadline. Thresholds are parameters with sources (`rules/parameters/
monitoring.yaml`). Alerts are keyed by their fact, so running a month again raises nothing new.
The queries do not grow with the population: a fixed number per run.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, QuerySet

from minzheng.accounts.jurisdiction import monitoring_check
from minzheng.accounts.models import CITY_CODE, User
from minzheng.alerts.definitions import AlertKind
from minzheng.alerts.services import AlertIn, alerts_raise
from minzheng.assistance.models import AssistanceCase, Program
from minzheng.assistance.workflows import (
    ASSET_REVIEW,
    INCOME_REVIEW,
    MEDICAL_CANDIDATE,
    RECIPIENT_DIED,
    RECIPIENT_MOVED,
    SINGLE_PERSON_CANDIDATE,
    UNEMPLOYMENT_CHECK,
)
from minzheng.exchange.models import Signal
from minzheng.registry.models import Membership
from minzheng.rules import parameters_at
from minzheng.rules.parameters import add_months

# Programmes whose recipients' wages and assets are tested (a one-off temporary assistance is not).
MEANS_TESTED = (Program.DIBAO, Program.DIBAO_EDGE, Program.EXTREME_POVERTY)
FEN = Decimal("0.01")
SEVERE_GRADES = (1, 2)  # 一、二级为重度残疾 (GB/T 26341-2010)


@dataclass
class MonitoringResult:
    month: dt.date
    signals: int
    raised: int
    by_kind: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Recipient:
    household_id: int
    division_code: str
    cases: tuple[tuple[str, str], ...]  # (number, programme) of the household's active cases

    def programs(self) -> set[str]:
        return {program for _, program in self.cases}


def _recipient_members(month: dt.date) -> QuerySet:
    """The memberships, in the month, of the households with an active case."""
    return Membership.objects.filter(
        household_id__in=_active(month).values("household_id"),
        valid_from__lt=add_months(month, 1),
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month))


def _active(month: dt.date) -> QuerySet:
    return AssistanceCase.objects.filter(state="active").filter(
        Q(end_month__isnull=True) | Q(end_month__gte=month)
    )


def _recipients(month: dt.date) -> dict[int, _Recipient]:
    """Person id -> the household and active cases it belongs to in the month (two queries)."""
    cases: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for household_id, number, program, division in _active(month).values_list(
        "household_id", "number", "program", "division_code"
    ):
        cases[household_id].append((number, program, division))
    members = _recipient_members(month)
    recipients = {}
    for person_id, household_id in members.values_list("person_id", "household_id").iterator(
        chunk_size=5000
    ):
        entries = cases[household_id]
        recipients[person_id] = _Recipient(
            household_id, entries[0][2], tuple((number, program) for number, program, _ in entries)
        )
    return recipients


def _signal_data(signal: dict, **extra: object) -> dict:
    return {
        "signal_id": signal["pk"],
        "signal_kind": signal["kind"],
        "batch_id": signal["batch_id"],
        "on": signal["on"].isoformat(),
        "amount": str(signal["amount"]) if signal["amount"] is not None else None,
        **{key: value for key, value in signal["data"].items() if key != "id_number"},
        **extra,
    }


@transaction.atomic
def monitoring_run(*, acting_user: User | None, month: dt.date, on: dt.date) -> MonitoringResult:
    """Run every monitoring rule over the signals of `month`; raise the alerts found.

    `acting_user` is None for the nightly task; otherwise a city assistance user.
    """
    if acting_user is not None:
        monitoring_check(user=acting_user)
    month = month.replace(day=1)
    parameters = parameters_at(f"{month:%Y-%m}")
    standard = Decimal(str(parameters.get("dibao.standard").value))
    wage_line = (
        standard * Decimal(str(parameters.get("monitoring.wage_review_multiple").value))
    ).quantize(FEN)
    medical_multiple = Decimal(
        str(parameters.get("monitoring.medical_out_of_pocket_multiple").value)
    )
    recipients = _recipients(month)
    in_month = Signal.objects.filter(on__gte=month, on__lt=add_months(month, 1))
    # Only what a rule reads: the recipients' signals and everyone's medical spending.
    signals = list(
        in_month.filter(
            Q(person_id__in=_recipient_members(month).values("person_id"))
            | Q(kind__startswith="medical")
        )
        .values("pk", "kind", "batch_id", "person_id", "on", "amount", "data")
        .order_by("pk")
    )
    alerts: list[AlertIn] = []
    medical: dict[int, list[dict]] = defaultdict(list)

    def recipient_alert(
        kind: AlertKind,
        signal: dict,
        recipient: _Recipient,
        reason: str,
        key: str | None = None,
        **extra: object,
    ) -> None:
        alerts.append(
            AlertIn(
                kind=kind.code,
                key=key or f"{kind.code}:{signal['pk']}",
                division_code=recipient.division_code,
                reason=reason,
                data=_signal_data(signal, cases=[number for number, _ in recipient.cases], **extra),
                person_id=signal["person_id"],
                household_id=recipient.household_id,
            )
        )

    for signal in signals:
        kind, person_id = signal["kind"], signal["person_id"]
        if kind.startswith("medical"):
            medical[person_id].append(signal)
        recipient = recipients.get(person_id)
        if recipient is None:
            continue
        tested = recipient.programs() & set(MEANS_TESTED)
        if kind == "civil_registration.death":
            recipient_alert(
                RECIPIENT_DIED,
                signal,
                recipient,
                f"公安户籍信息显示救助家庭成员于 {signal['on']:%Y-%m-%d} 死亡",
            )
        elif kind in ("civil_registration.move_out", "civil_registration.move_in"):
            place = signal["data"].get("division_code", "")
            leaves = kind.endswith("move_out") and not place.startswith(CITY_CODE)
            recipient_alert(
                RECIPIENT_MOVED,
                signal,
                recipient,
                f"公安户籍信息显示救助家庭成员于 {signal['on']:%Y-%m-%d} "
                + ("迁出本市" if leaves else f"迁移（{place}）"),
                out_of_city=leaves,
            )
        elif tested and kind in ("vehicle", "real_estate.acquired"):
            what = "机动车" if kind == "vehicle" else "不动产"
            recipient_alert(
                ASSET_REVIEW,
                signal,
                recipient,
                f"救助家庭成员于 {signal['on']:%Y-%m-%d} 登记{what}",
            )
        elif tested and kind == "wages" and (signal["amount"] or 0) > wage_line:
            recipient_alert(
                INCOME_REVIEW,
                signal,
                recipient,
                f"救助家庭成员 {month:%Y年%m月} 工资 {signal['amount']} 元，高于提示线 "
                f"{wage_line:.2f} 元",
                key=f"{INCOME_REVIEW.code}:{person_id}:{month:%Y-%m}",
                threshold=str(wage_line),
                parameters=["dibao.standard", "monitoring.wage_review_multiple"],
            )
        elif kind == "unemployment":
            recipient_alert(
                UNEMPLOYMENT_CHECK,
                signal,
                recipient,
                f"救助家庭成员于 {signal['on']:%Y-%m-%d} 登记失业",
            )
        elif Program.DIBAO_EDGE in recipient.programs() and _severe(signal):
            recipient_alert(
                SINGLE_PERSON_CANDIDATE,
                signal,
                recipient,
                "低保边缘家庭成员新增重度残疾或重特大疾病，可评估单人户施保",
                key=f"{SINGLE_PERSON_CANDIDATE.code}:{person_id}",
            )
    medical_persons = in_month.filter(kind__startswith="medical").values("person_id")
    alerts += _medical_alerts(
        medical, medical_persons, recipients, month, standard * medical_multiple
    )
    raised = alerts_raise(acting_user=acting_user, alerts=alerts, on=on)
    by_kind: dict[str, int] = defaultdict(int)
    for alert in alerts:
        by_kind[alert.kind] += 1
    return MonitoringResult(month, in_month.count(), raised, dict(by_kind))


def _severe(signal: dict) -> bool:
    data = signal["data"]
    if signal["kind"] in ("disability.issued", "disability.changed"):
        return int(data.get("grade") or 0) in SEVERE_GRADES
    return signal["kind"].startswith("medical") and data.get("serious_illness") == "yes"


def _medical_alerts(
    medical: dict[int, list[dict]],
    medical_persons: QuerySet,
    recipients: dict[int, _Recipient],
    month: dt.date,
    line_per_person: Decimal,
) -> list[AlertIn]:
    """Households whose out-of-pocket medical spending in the month passes the line."""
    if not medical:
        return []
    open_members = Membership.objects.filter(person_id__in=medical_persons, valid_to__isnull=True)
    person_household = {}
    divisions = {}
    for person_id, household_id, division in open_members.values_list(
        "person_id", "household_id", "household__division_id"
    ):
        person_household[person_id] = household_id
        divisions[household_id] = division
    sizes = dict(
        Membership.objects.filter(
            household_id__in=open_members.values("household_id"),
            valid_to__isnull=True,
            person__death_date__isnull=True,
        )
        .values("household_id")
        .annotate(size=Count("pk"))
        .values_list("household_id", "size")
    )
    spending: dict[int, Decimal] = defaultdict(Decimal)
    evidence: dict[int, list[dict]] = defaultdict(list)
    for person_id, signals in medical.items():
        household_id = person_household.get(person_id)
        if household_id is None:
            continue
        for signal in signals:
            spending[household_id] += Decimal(str(signal["data"].get("out_of_pocket") or 0))
            evidence[household_id].append(signal)
    alerts = []
    covered = {Program.RIGID_EXPENDITURE, Program.TEMPORARY_ASSISTANCE}
    for household_id, total in spending.items():
        size = max(sizes.get(household_id, 0), 1)
        line = (line_per_person * size).quantize(FEN)
        if total <= line:
            continue
        first = evidence[household_id][0]
        recipient = recipients.get(first["person_id"])
        if recipient is not None and recipient.programs() & covered:
            continue
        alerts.append(
            AlertIn(
                kind=MEDICAL_CANDIDATE.code,
                key=f"{MEDICAL_CANDIDATE.code}:{household_id}:{month:%Y-%m}",
                division_code=divisions[household_id],
                reason=(
                    f"家庭 {month:%Y年%m月} 医疗自付费用 {total:.2f} 元，超过提示线 {line:.2f} 元"
                    f"（{size} 人）"
                ),
                data={
                    "month": f"{month:%Y-%m}",
                    "out_of_pocket": str(total),
                    "threshold": str(line),
                    "members": size,
                    "signal_ids": [signal["pk"] for signal in evidence[household_id]],
                    "parameters": ["dibao.standard", "monitoring.medical_out_of_pocket_multiple"],
                },
                person_id=first["person_id"],
                household_id=household_id,
            )
        )
    return alerts
