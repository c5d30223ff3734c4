"""Demo data of institutions (called by `minzheng.eldercare.demo`).

Fifteen institutions across the towns (a 敬老院 in several towns, public and 公建民营 centres,
private homes), residents drawn from the persons aged 70 and over, staff, deposits and
membership fees in the escrow ledger (one membership fee above the limit, one refund late, some
withdrawals and a correction), and an inspection of each institution with hazards in every
state (open, overdue, rectified, passed, sent back). Everything goes through the services.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np

from minzheng.accounts.models import User
from minzheng.eldercare.institutions import (
    HazardIn,
    InspectionIn,
    InstitutionIn,
    LedgerIn,
    hazard_recheck,
    hazard_rectify,
    hazards_overdue_alert,
    inspection_record,
    institution_register,
    ledger_record,
    prepaid_check,
    resident_admit,
    resident_discharge,
    staff_add,
)
from minzheng.eldercare.models import Institution, Resident
from minzheng.registry.models import Division, Person

KINDS = ["public_home", "public", "private", "public_private"]
NAMES = {
    "public_home": "{town}敬老院",
    "public": "{town}社会福利中心",
    "private": "张家港{brand}养老院",
    "public_private": "{town}颐养中心",
}
BRANDS = ["康乐", "颐和", "福寿", "安康", "瑞颐", "松鹤", "椿萱", "乐龄"]
STAFF = [("caregiver", 4), ("nurse", 1), ("doctor", 1), ("manager", 1), ("other", 1)]
SURNAMES = "张王李赵陈刘杨黄周吴徐孙朱马胡郭"
GIVEN = ["秀英", "桂兰", "建华", "国平", "玉珍", "海燕", "志刚", "丽娟", "春梅", "永红"]
HAZARDS = [
    ("fire", "二楼疏散通道堆放杂物，灭火器压力不足"),
    ("electrical", "居室内私拉电线为电动车充电"),
    ("gas", "厨房燃气软管老化，未安装燃气泄漏报警器"),
    ("food", "食堂留样记录不全，冷藏柜生熟未分开"),
    ("medicines", "老人自带药品未登记，部分药品过期"),
    ("building", "卫生间地面未防滑，扶手松动"),
]


def demo_institution(*, today: dt.date, rng: np.random.Generator) -> dict[str, int]:
    office = (
        User.objects.filter(username="city_eldercare").first()
        or User.objects.filter(username="admin").first()
    )
    if office is None or Institution.objects.exists():
        return {}
    towns = list(Division.objects.filter(code__regex=r"^320582[0-9]{3}$").order_by("code")[:15])
    if not towns:
        return {}
    oldest = today.replace(year=today.year - 70)
    elders = list(
        Person.objects.filter(birth_date__lte=oldest, death_date__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rng.shuffle(elders)
    pool = iter(elders[: max(len(elders) // 4, 1)])  # about a quarter of the 70+ live in one
    counts = {"养老机构": 0, "机构入住老人": 0, "机构存管流水": 0, "机构安全隐患": 0}
    institutions = []
    for index in range(15):
        town = towns[index % len(towns)]
        kind = KINDS[0] if index < 4 else KINDS[1 + int(rng.integers(0, 3))]
        name = NAMES[kind].format(town=town.name, brand=BRANDS[index % len(BRANDS)])
        if Institution.objects.filter(name=name).exists():
            name = f"{name}（{index + 1}号院）"
        beds = int(rng.integers(3, 9)) * 10
        institution = institution_register(
            acting_user=office,
            data=InstitutionIn(
                name=name,
                credit_code=f"52320582MJ{index + 1:07d}X",
                division_code=town.code,
                kind=kind,
                beds_total=beds,
                nursing_beds=beds // 2,
                filing_number=f"苏张民养备{2019 + index % 6}{index + 1:03d}",
                filing_date=dt.date(2019 + index % 6, 1 + index % 12, 10),
                contact=f"{SURNAMES[index]}院长",
                escrow_bank="张家港农村商业银行",
            ),
        )
        institutions.append(institution)
        counts["养老机构"] += 1
        for role, number in STAFF:
            for _ in range(number + beds // 40 * (role == "caregiver")):
                staff_add(
                    acting_user=office,
                    institution=institution,
                    name=SURNAMES[int(rng.integers(0, len(SURNAMES)))]
                    + GIVEN[int(rng.integers(0, len(GIVEN)))],
                    role=role,
                    certificate_number=f"ZJG-{role[:2].upper()}-{int(rng.integers(1000, 9999))}",
                    certificate_valid_to=today + dt.timedelta(days=int(rng.integers(90, 1500))),
                )
        occupied = int(beds * rng.uniform(0.25, 0.45))
        for bed in range(occupied):
            person_id = next(pool, None)
            if person_id is None:
                break
            resident = _admit(office, institution, person_id, bed, today, rng)
            counts["机构入住老人"] += 1
            counts["机构存管流水"] += _fees(office, resident, rng)
    counts["机构存管流水"] += _special_cases(office, institutions, today)
    for number, institution in enumerate(institutions):
        counts["机构安全隐患"] += _inspect(office, institution, number, today, rng)
    prepaid_check(acting_user=None, on=today)
    hazards_overdue_alert(acting_user=None, on=today)
    return counts


def _admit(
    office: User, institution: Institution, person_id: int, bed: int, today: dt.date, rng
) -> Resident:
    admitted = today - dt.timedelta(days=int(rng.integers(30, 700)))
    fee = Decimal(int(rng.integers(18, 60)) * 100)
    if institution.kind == "public_home":
        fee = Decimal(1500)
    return resident_admit(
        acting_user=office,
        institution=institution,
        person=Person.objects.get(pk=person_id),
        admitted_on=admitted,
        bed_number=f"{1 + bed // 10}{bed % 10 + 1:02d}",
        is_nursing_bed=bed < institution.nursing_beds and bed % 2 == 0,
        monthly_fee=fee,
    )


def _fees(office: User, resident: Resident, rng) -> int:
    """A deposit of one to six months' fees; some private homes also take a membership fee."""
    channel = ["bank", "card", "wechat", "alipay"][int(rng.integers(0, 4))]
    months = int(rng.integers(1, 7))
    ledger_record(
        acting_user=office,
        resident=resident,
        data=LedgerIn(
            fund="deposit",
            kind="receipt",
            amount=resident.monthly_fee * months,
            on=resident.admitted_on,
            channel=channel,
        ),
    )
    made = 1
    if resident.institution.kind == "private" and rng.random() < 0.3:
        ledger_record(
            acting_user=office,
            resident=resident,
            data=LedgerIn(
                fund="membership",
                kind="receipt",
                amount=resident.monthly_fee * int(rng.integers(5, 15)),
                on=resident.admitted_on,
                channel=channel,
            ),
        )
        made += 1
    if rng.random() < 0.1:
        ledger_record(
            acting_user=office,
            resident=resident,
            data=LedgerIn(
                fund="deposit",
                kind="withdrawal",
                amount=min(Decimal(800), resident.monthly_fee),
                on=resident.admitted_on + dt.timedelta(days=20),
                purpose="medical",
                evidence="张家港市第一人民医院急诊收费票据",
            ),
        )
        made += 1
    return made


def _special_cases(office: User, institutions: list[Institution], today: dt.date) -> int:
    """A membership fee above the limit, a late refund, a refund in time, a correction."""
    made = 0
    private = [item for item in institutions if item.kind == "private"] or institutions
    residents = list(
        Resident.objects.filter(institution__in=private, discharged_on__isnull=True).order_by("pk")[
            :4
        ]
    )
    if len(residents) < 4:
        return 0
    over, late, refunded, corrected = residents
    ledger_record(
        acting_user=office,
        resident=over,
        data=LedgerIn(
            fund="membership",
            kind="receipt",
            amount=over.monthly_fee * 26,
            on=max(over.admitted_on, today - dt.timedelta(days=10)),
            channel="bank",
            note="“终身贵宾卡”会员费",
        ),
    )
    made += 1
    resident_discharge(
        acting_user=office, resident=late, on=today - dt.timedelta(days=20), reason="hospital"
    )
    on = today - dt.timedelta(days=5)
    resident_discharge(acting_user=office, resident=refunded, on=on, reason="home")
    for entry in refunded.ledger.filter(kind="receipt"):
        held = sum(row.signed_amount for row in refunded.ledger.filter(fund=entry.fund))
        if held > 0:
            ledger_record(
                acting_user=office,
                resident=refunded,
                data=LedgerIn(
                    fund=entry.fund, kind="refund", amount=held, on=on, channel=entry.channel
                ),
            )
            made += 1
    first = corrected.ledger.filter(kind="receipt", fund="deposit").first()
    if first is not None:
        ledger_record(
            acting_user=office,
            resident=corrected,
            data=LedgerIn(
                fund="deposit",
                kind="correction",
                amount=Decimal(100),
                on=today - dt.timedelta(days=3),
                corrects_id=first.pk,
                note="银行对账发现多录100元",
            ),
        )
        made += 1
    return made


def _inspect(office: User, institution: Institution, number: int, today: dt.date, rng) -> int:
    """One inspection; its hazards end in a state that depends on the institution's number."""
    inspected = today - dt.timedelta(days=int(rng.integers(20, 80)))
    picks = rng.choice(len(HAZARDS), size=1 + number % 3, replace=False)
    hazards = tuple(
        HazardIn(
            HAZARDS[pick][0],
            HAZARDS[pick][1],
            "major" if HAZARDS[pick][0] == "fire" else "general",
            inspected + dt.timedelta(days=15)
            if number % 5 == 1  # these are left overdue
            else max(inspected + dt.timedelta(days=30), today + dt.timedelta(days=10)),
        )
        for pick in sorted(picks)
    )
    found = {hazard.category for hazard in hazards} if number % 7 != 6 else set()
    checklist = {category: "hazard" if category in found else "ok" for category, _ in HAZARDS}
    inspection = inspection_record(
        acting_user=office,
        institution=institution,
        data=InspectionIn(
            inspected_on=inspected,
            inspectors="市民政局养老服务科、镇社会事业局",
            checklist=checklist,
            hazards=hazards if number % 7 != 6 else (),
            note="年度消防和食品安全专项检查",
        ),
    )
    stage = number % 5  # 0 rectified, 1 open (may be overdue), 2 passed, 3 sent back, 4 open
    for hazard in inspection.hazards.all():
        if stage in (0, 2, 3):
            rectified = min(inspected + dt.timedelta(days=10), today)
            hazard_rectify(
                acting_user=office, hazard=hazard, report="已按要求整改，附整改照片", on=rectified
            )
            if stage == 2:
                hazard_recheck(acting_user=office, hazard=hazard, passed=True, on=rectified)
            elif stage == 3:
                hazard_recheck(
                    acting_user=office,
                    hazard=hazard,
                    passed=False,
                    on=rectified,
                    note="整改不彻底，仍有杂物",
                    deadline=today + dt.timedelta(days=10),
                )
    return inspection.hazards.count()
