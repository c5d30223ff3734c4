"""Demo data of the entitlements: two months of 尊老金 lists (last month's confirmed by the
towns that have a clerk), home-service subsidies for the assessed elders of assisted
households, and family beds at every step. Made through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
from django.db.models import F, OuterRef, Subquery

from minzheng.accounts.models import Role, User
from minzheng.assistance.models import AssistanceCase
from minzheng.eldercare.entitlement_models import (
    FamilyBed,
    LongevityEnrolment,
    LongevityList,
    ServiceSubsidy,
)
from minzheng.eldercare.entitlements import (
    ADAPTATION_ITEMS,
    DEVICE_KINDS,
    DISADVANTAGED_PROGRAMS,
    RECEIVING_STATES,
    family_bed_adapt,
    family_bed_apply,
    family_bed_assess,
    family_bed_contract,
    family_bed_install,
    family_bed_start,
    longevity_list_confirm,
    longevity_month_prepare,
    service_subsidy_grant,
)
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import Assessment, Provider, ServicePlan
from minzheng.registry.models import Membership, Person
from minzheng.rules.parameters import add_months

BED_SHARE = 0.4  # of the subsidised elders, those who also get a family bed


def _latest_levels() -> dict[int, int]:
    newest = (
        Assessment.objects.filter(person=OuterRef("person"))
        .order_by("-assessed_on", "-pk")
        .values("pk")[:1]
    )
    rows = Assessment.objects.annotate(newest=Subquery(newest)).filter(pk=F("newest"))
    return dict(rows.values_list("person_id", "level"))


def _assisted_persons() -> set[int]:
    households = AssistanceCase.objects.filter(
        program__in=DISADVANTAGED_PROGRAMS, state__in=RECEIVING_STATES
    ).values("household_id")
    return set(
        Membership.objects.filter(household__in=households, valid_to__isnull=True).values_list(
            "person_id", flat=True
        )
    )


def _bed_steps(
    *, bed: FamilyBed, office: User, steps: int, today: dt.date, rng: np.random.Generator
) -> None:
    """Take a bed `steps` steps along (assess, adapt, install, contract, start)."""
    assessment = (
        Assessment.objects.filter(person=bed.person).order_by("-assessed_on", "-pk").first()
    )
    if steps < 1 or assessment is None:
        return
    family_bed_assess(acting_user=office, bed=bed, assessment=assessment, on=today)
    if steps < 2:
        return
    chosen = rng.choice(len(ADAPTATION_ITEMS), size=3, replace=False)
    items = [
        (ADAPTATION_ITEMS[int(index)], Decimal(int(rng.integers(2, 12)) * 50)) for index in chosen
    ]
    family_bed_adapt(acting_user=office, bed=bed, items=items, on=today)
    if steps < 3:
        return
    kinds = ["sos", "smoke", "presence"] + (["gas"] if rng.random() < 0.5 else [])
    devices = [
        (kind, f"{kind.upper()}-{bed.number[-5:]}-{number}", Decimal(int(rng.integers(2, 8)) * 100))
        for number, kind in enumerate(kinds, start=1)
        if kind in DEVICE_KINDS
    ]
    family_bed_install(acting_user=office, bed=bed, devices=devices, on=today)
    provider = Provider.objects.filter(active=True).order_by("pk").first()
    if steps < 4 or provider is None:
        return
    family_bed_contract(
        acting_user=office,
        bed=bed,
        provider=provider,
        number=f"JCXY-{bed.number[2:]}",
        valid_from=today,
        valid_to=today.replace(year=today.year + 1) - dt.timedelta(days=1),
        on=today,
    )
    plan = ServicePlan.objects.filter(person=bed.person, provider=provider).first()
    if steps < 5 or plan is None:
        return
    family_bed_start(acting_user=office, bed=bed, plan=plan, on=today)


def demo_entitlement(*, today: dt.date, rng: np.random.Generator) -> dict[str, int]:
    month = today.replace(day=1)
    previous = add_months(month, -1)
    if not LongevityList.objects.filter(month__gte=previous).exists():
        longevity_month_prepare(acting_user=None, month=previous, today=today)
    clerks = {
        user.division_code: user
        for user in User.objects.filter(role=Role.TOWN_CLERK, is_active=True).order_by("-pk")
    }
    for item in LongevityList.objects.filter(month=previous, state="prepared"):
        if item.division_code in clerks:
            longevity_list_confirm(acting_user=clerks[item.division_code], longevity_list=item)
    if not LongevityList.objects.filter(month__gt=month).exists():
        longevity_month_prepare(acting_user=None, month=month, today=today)

    office = User.objects.filter(username="city_eldercare", is_active=True).first()
    office = office or User.objects.filter(role=Role.CITY_ADMIN, is_active=True).first()
    granted = beds = 0
    if office is not None:
        levels = _latest_levels()
        assisted = _assisted_persons()
        candidates = Person.objects.filter(
            pk__in=[pk for pk in assisted if levels.get(pk, -1) >= 1], death_date__isnull=True
        ).order_by("pk")
        for person in candidates:
            try:
                if levels[person.pk] >= 2 and not ServiceSubsidy.objects.filter(person=person):
                    service_subsidy_grant(
                        acting_user=office,
                        person=person,
                        start_month=month,
                        on=today,
                        note="经入户核实，符合条件",
                    )
                    granted += 1
                if rng.random() < BED_SHARE and not FamilyBed.objects.filter(person=person):
                    household = (
                        Membership.objects.filter(person=person, valid_to__isnull=True)
                        .select_related("household")
                        .first()
                    )
                    bed = family_bed_apply(
                        acting_user=office,
                        person=person,
                        address=household.household.address if household else "住址待核实",
                        on=today,
                    )
                    _bed_steps(
                        bed=bed,
                        office=office,
                        steps=int(rng.integers(0, 6)),
                        today=today,
                        rng=rng,
                    )
                    beds += 1
            except EldercareError:
                continue  # too young or no longer qualifying: the demo moves on
    return {
        "尊老金名单 longevity lists": LongevityList.objects.count(),
        "尊老金享受人员 longevity enrolments": LongevityEnrolment.objects.filter(
            valid_to__isnull=True
        ).count(),
        "居家养老服务补贴 home-service subsidies": granted,
        "家庭养老床位 family beds": beds,
    }
