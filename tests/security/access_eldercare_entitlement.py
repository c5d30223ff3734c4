"""Access-table rows of the entitlements part (see tests/security/eldercare_parts.py): 尊老金
lists, the home-service subsidy and family beds, as pages and API operations.

The world's 杨舍镇 family head (66) is the subsidy's and the bed's elder; a woman of 86 is
added in 杨舍镇 for the 尊老金 list (塘桥镇's head, 81, makes 塘桥镇's list).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from minzheng.assistance.models import AssistanceCase
from minzheng.eldercare.assessments import AssessmentIn, assessment_record
from minzheng.eldercare.entitlement_models import FamilyBed, LongevityList, ServiceSubsidy
from minzheng.eldercare.entitlements import (
    family_bed_adapt,
    family_bed_apply,
    family_bed_assess,
    family_bed_contract,
    family_bed_install,
    longevity_month_prepare,
    service_subsidy_grant,
)
from minzheng.eldercare.models import Assessment, Provider, ServicePlan
from minzheng.registry.models import Household
from minzheng.registry.services import HouseholdIn, MemberIn, PersonIn, household_register
from minzheng.rules.ability import ITEMS
from tests.conftest import YANGSHE, YANGSHE_VILLAGE, make_id_number
from tests.security.conftest import MISSING, World
from tests.security.tables import FORBIDDEN_WRITE, LOGIN, Operation, Page

L = LOGIN
ON = dt.date(2026, 11, 2)
MONTH = dt.date(2026, 11, 1)
LEVEL_2 = {
    **{number: maximum for number, _, maximum in ITEMS},
    **{f"B.1.{n}": 1 for n in range(1, 9)},
}
LIST = f"/eldercare/longevity/{YANGSHE}/2026-11/"
ALL_READERS = (L, 200, 200, 200, 200, 200)
SCOPED_READ = (L, 404, 404, 200, 200, 200)


def _problem(status: int, detail: str) -> dict[int, dict[str, object]]:
    return {status: {**FORBIDDEN_WRITE, "detail": detail}}


OFFICE_ONLY = _problem(403, "只有所在镇（街道）或市局的养老服务经办人员可以办理")
FIELD_ONLY = _problem(403, "您无权在该区划办理养老服务事项")
CITY_ONLY = _problem(403, "只有市局养老服务人员可以办理")
STEP_ONLY = _problem(403, "您无权办理该环节")
TOWN_CONFIRMS = _problem(403, "只有本镇（街道）的养老服务经办人员可以确认尊老金名单")


def _longevity_prepared(world: World) -> None:
    """An 86-year-old in 杨舍镇, and November's lists built (杨舍镇 and 塘桥镇)."""
    if not Household.objects.filter(number="ZJG000000086").exists():
        household_register(
            acting_user=world.users["own_town"],
            data=HouseholdIn(
                number="ZJG000000086",
                address="杨舍镇合成社区01 第8幢806室",
                division_code=YANGSHE_VILLAGE,
                members=(
                    MemberIn(
                        PersonIn(name="钱老太", id_number=make_id_number("19400505", 82)), "head"
                    ),
                ),
            ),
            on=dt.date(2024, 1, 1),
        )
    if not LongevityList.objects.filter(month=MONTH).exists():
        longevity_month_prepare(acting_user=None, month=MONTH, today=dt.date(2026, 11, 28))


def _subsidy_eligible(world: World) -> None:
    """The family head assessed moderately disabled, and the family receiving dibao."""
    head = world.family.head
    if not Assessment.objects.filter(person=head).exists():
        assessment_record(
            acting_user=world.users["own_town"],
            person=head,
            data=AssessmentIn(
                assessed_on=dt.date(2026, 10, 20),
                reason="initial",
                assessors="张评估、王评估",
                items=LEVEL_2,
                dementia=True,
            ),
        )
    AssistanceCase.objects.get_or_create(
        number="SA-ENT-000001",
        defaults={
            "program": "dibao",
            "household": world.family,
            "applicant": head,
            "division_code": world.family.division_id,
            "state": "active",
            "channel": "worker",
            "request": {},
            "monthly_amount": Decimal("800.00"),
            "start_month": dt.date(2026, 1, 1),
        },
    )


def _subsidy_granted(world: World) -> None:
    _subsidy_eligible(world)
    if not ServiceSubsidy.objects.exists():
        service_subsidy_grant(
            acting_user=world.users["own_town"], person=world.family.head, start_month=MONTH, on=ON
        )


def _bed(world: World) -> FamilyBed | None:
    return FamilyBed.objects.filter(person=world.family.head).first()


def _bed_applied(world: World) -> None:
    if _bed(world) is None:
        family_bed_apply(
            acting_user=world.users["own_town"],
            person=world.family.head,
            address="杨舍镇合成社区01 第1幢101室",
            on=ON,
        )


def _bed_ready_to_assess(world: World) -> None:
    _bed_applied(world)
    _subsidy_eligible(world)


def _bed_assessed(world: World) -> None:
    _bed_ready_to_assess(world)
    bed = _bed(world)
    if bed.state == "applied":
        family_bed_assess(
            acting_user=world.users["own_town"],
            bed=bed,
            assessment=Assessment.objects.get(person=world.family.head),
            on=ON,
        )


def _bed_adapted(world: World) -> None:
    _bed_assessed(world)
    bed = _bed(world)
    if bed.state == "assessed":
        family_bed_adapt(
            acting_user=world.users["own_town"], bed=bed, items=[("扶手", Decimal("600"))], on=ON
        )


def _provider() -> Provider:
    return Provider.objects.get_or_create(
        credit_code="52320582MJ0000070X",
        defaults={"name": "张家港家庭床位服务社", "division_code": "320582"},
    )[0]


def _bed_equipped(world: World) -> None:
    _bed_adapted(world)
    _provider()
    bed = _bed(world)
    if bed.state == "adapted":
        family_bed_install(
            acting_user=world.users["own_town"],
            bed=bed,
            devices=[("sos", "SOS-W-0001", Decimal("800"))],
            on=ON,
        )


def _bed_contracted(world: World) -> None:
    _bed_equipped(world)
    bed = _bed(world)
    if bed.state == "equipped":
        family_bed_contract(
            acting_user=world.users["own_town"],
            bed=bed,
            provider=_provider(),
            number="JCXY-W-001",
            valid_from=ON,
            valid_to=dt.date(2027, 11, 1),
            on=ON,
        )
    if not ServicePlan.objects.filter(person=world.family.head).exists():
        ServicePlan.objects.create(
            person=world.family.head,
            provider=_provider(),
            division_code=world.family.division_id,
            valid_from=ON,
            monthly_budget=Decimal("300.00"),
            created_by=world.users["own_town"],
        )


def _newest(model: type) -> Callable[[], object]:
    return lambda: model.objects.order_by("-pk").values_list("pk", flat=True).first() or MISSING


PAGES: list = [
    Page("eldercare:longevity_lists", "GET", "/eldercare/longevity/", ALL_READERS),
    Page(
        "eldercare:longevity_list_detail",
        "GET",
        LIST,
        SCOPED_READ,
        prepare=_longevity_prepared,
    ),
    Page(
        "eldercare:longevity_list_detail",
        "POST",
        LIST,
        (L, 404, 404, LIST, 403, 403),
        action="eldercare.longevity.confirm",
        changes=frozenset({"own_town"}),
        prepare=_longevity_prepared,
    ),
    Page("eldercare:subsidy_list", "GET", "/eldercare/subsidies/", ALL_READERS),
    Page(
        "eldercare:subsidy_detail",
        "GET",
        "/eldercare/subsidies/{service_subsidy}/",
        SCOPED_READ,
        prepare=_subsidy_granted,
    ),
    Page(
        "eldercare:subsidy_detail",
        "POST",
        "/eldercare/subsidies/{service_subsidy}/",
        (
            L,
            404,
            404,
            "/eldercare/subsidies/{service_subsidy}/",
            "/eldercare/subsidies/{service_subsidy}/",
            403,
        ),
        data={"last_month": "2026-11", "reason": "not_eligible"},
        action="eldercare.service_subsidy.stop",
        changes=frozenset({"own_town", "city"}),
        prepare=_subsidy_granted,
    ),
    Page("eldercare:subsidy_grant", "GET", "/eldercare/persons/{head}/subsidy/", SCOPED_READ),
    Page(
        "eldercare:subsidy_grant",
        "POST",
        "/eldercare/persons/{head}/subsidy/",
        (
            L,
            404,
            404,
            "/eldercare/subsidies/{new_service_subsidy}/",
            "/eldercare/subsidies/{new_service_subsidy}/",
            403,
        ),
        data={"start_month": "2026-11", "note": "入户核实"},
        action="eldercare.service_subsidy.grant",
        changes=frozenset({"own_town", "city"}),
        prepare=_subsidy_eligible,
    ),
    Page("eldercare:bed_list", "GET", "/eldercare/beds/", ALL_READERS),
    Page("eldercare:bed_apply", "GET", "/eldercare/persons/{head}/bed/", SCOPED_READ),
    Page(
        "eldercare:bed_apply",
        "POST",
        "/eldercare/persons/{head}/bed/",
        (
            L,
            404,
            404,
            "/eldercare/beds/{new_family_bed}/",
            "/eldercare/beds/{new_family_bed}/",
            403,
        ),
        data={"address": "杨舍镇合成社区01 第1幢101室"},
        action="eldercare.family_bed.apply",
        changes=frozenset({"own_town", "city"}),
    ),
    Page(
        "eldercare:bed_detail",
        "GET",
        "/eldercare/beds/{family_bed}/",
        SCOPED_READ,
        prepare=_bed_applied,
    ),
    Page(
        "eldercare:bed_detail",
        "POST",
        "/eldercare/beds/{family_bed}/",
        (L, 404, 404, "/eldercare/beds/{family_bed}/", "/eldercare/beds/{family_bed}/", 403),
        data={"step": "end", "reason": "老人入住养老机构"},
        action="eldercare.family_bed.end",
        changes=frozenset({"own_town", "city"}),
        prepare=_bed_applied,
    ),
]

WRITERS = frozenset({"own_town", "city"})
LONGEVITY_IDS = {"town": "longevity_town", "month": "longevity_month"}


OPERATIONS: list = [
    Operation(
        "eldercare_longevity_list_list",
        "get",
        "/api/eldercare/longevity/lists",
        (401, 200, 200, 200, 200, 200),
        counts=(None, 1, 0, 1, 2, 2),
        prepare=_longevity_prepared,
    ),
    Operation(
        "eldercare_longevity_list_get",
        "get",
        "/api/eldercare/longevity/lists/{town}/{month}",
        (401, 404, 404, 200, 200, 200),
        ids=LONGEVITY_IDS,
        prepare=_longevity_prepared,
    ),
    Operation(
        "eldercare_longevity_list_confirm",
        "post",
        "/api/eldercare/longevity/lists/{town}/{month}/confirm",
        (401, 404, 404, 200, 403, 403),
        ids=LONGEVITY_IDS,
        action="eldercare.longevity.confirm",
        changes=frozenset({"own_town"}),
        problems=TOWN_CONFIRMS,
        prepare=_longevity_prepared,
    ),
    Operation(
        "eldercare_longevity_prepare",
        "post",
        "/api/eldercare/longevity/prepare",
        (401, 403, 403, 403, 200, 403),
        body={"month": "2026-11"},
        action="eldercare.longevity.prepare",
        changes=frozenset({"city"}),
        problems=CITY_ONLY,
    ),
    Operation(
        "eldercare_subsidy_list",
        "get",
        "/api/eldercare/subsidies",
        (401, 200, 200, 200, 200, 200),
        counts=(None, 0, 0, 1, 1, 1),
        prepare=_subsidy_granted,
    ),
    Operation(
        "eldercare_subsidy_check",
        "get",
        "/api/eldercare/persons/{person_id}/subsidy-check",
        (401, 404, 404, 200, 200, 200),
        ids={"person_id": "head"},
        prepare=_subsidy_eligible,
    ),
    Operation(
        "eldercare_subsidy_grant",
        "post",
        "/api/eldercare/subsidies",
        (401, 404, 404, 201, 201, 403),
        body={"person_id": "{head}", "start_month": "2026-11"},
        action="eldercare.service_subsidy.grant",
        changes=WRITERS,
        problems=OFFICE_ONLY,
        prepare=_subsidy_eligible,
    ),
    Operation(
        "eldercare_subsidy_stop",
        "post",
        "/api/eldercare/subsidies/{subsidy_id}/stop",
        (401, 404, 404, 200, 200, 403),
        body={"last_month": "2026-11", "reason": "not_eligible"},
        ids={"subsidy_id": "service_subsidy"},
        action="eldercare.service_subsidy.stop",
        changes=WRITERS,
        problems=OFFICE_ONLY,
        prepare=_subsidy_granted,
    ),
    Operation(
        "eldercare_bed_list",
        "get",
        "/api/eldercare/beds",
        (401, 200, 200, 200, 200, 200),
        counts=(None, 0, 0, 1, 1, 1),
        prepare=_bed_applied,
    ),
    Operation(
        "eldercare_bed_get",
        "get",
        "/api/eldercare/beds/{bed_id}",
        (401, 404, 404, 200, 200, 200),
        ids={"bed_id": "family_bed"},
        prepare=_bed_applied,
    ),
    Operation(
        "eldercare_bed_apply",
        "post",
        "/api/eldercare/beds",
        (401, 404, 404, 201, 201, 403),
        body={"person_id": "{head}", "address": "杨舍镇合成社区01 第1幢101室"},
        action="eldercare.family_bed.apply",
        changes=WRITERS,
        problems=FIELD_ONLY,
    ),
    Operation(
        "eldercare_bed_assess",
        "post",
        "/api/eldercare/beds/{bed_id}/assess",
        (401, 404, 404, 200, 200, 403),
        body={"assessment_id": "{entitlement_assessment}"},
        ids={"bed_id": "family_bed"},
        action="eldercare.family_bed.assess",
        changes=WRITERS,
        problems=STEP_ONLY,
        prepare=_bed_ready_to_assess,
    ),
    Operation(
        "eldercare_bed_adapt",
        "post",
        "/api/eldercare/beds/{bed_id}/adapt",
        (401, 404, 404, 200, 200, 403),
        body={"items": [{"item": "扶手", "cost": "600.00"}, {"item": "防滑垫", "cost": "150"}]},
        ids={"bed_id": "family_bed"},
        action="eldercare.family_bed.adapt",
        changes=WRITERS,
        problems=STEP_ONLY,
        prepare=_bed_assessed,
    ),
    Operation(
        "eldercare_bed_install",
        "post",
        "/api/eldercare/beds/{bed_id}/install",
        (401, 404, 404, 200, 200, 403),
        body={"devices": [{"kind": "sos", "serial": "SOS-W-0001", "cost": "800"}]},
        ids={"bed_id": "family_bed"},
        action="eldercare.family_bed.install",
        changes=WRITERS,
        problems=STEP_ONLY,
        prepare=_bed_adapted,
    ),
    Operation(
        "eldercare_bed_contract",
        "post",
        "/api/eldercare/beds/{bed_id}/contract",
        (401, 404, 404, 200, 200, 403),
        body={
            "provider_id": "{entitlement_provider}",
            "number": "JCXY-W-001",
            "valid_from": "2026-11-02",
            "valid_to": "2027-11-01",
        },
        ids={"bed_id": "family_bed"},
        action="eldercare.family_bed.contract",
        changes=WRITERS,
        problems=STEP_ONLY,
        prepare=_bed_equipped,
    ),
    Operation(
        "eldercare_bed_start",
        "post",
        "/api/eldercare/beds/{bed_id}/start",
        (401, 404, 404, 200, 200, 403),
        body={"plan_id": "{entitlement_plan}"},
        ids={"bed_id": "family_bed"},
        action="eldercare.family_bed.start",
        changes=WRITERS,
        problems=STEP_ONLY,
        prepare=_bed_contracted,
    ),
    Operation(
        "eldercare_bed_end",
        "post",
        "/api/eldercare/beds/{bed_id}/end",
        (401, 404, 404, 200, 200, 403),
        body={"reason": "老人入住养老机构"},
        ids={"bed_id": "family_bed"},
        action="eldercare.family_bed.end",
        changes=WRITERS,
        problems=STEP_ONLY,
        prepare=_bed_applied,
    ),
]


IDS: dict[str, Callable[[], object]] = {
    "longevity_town": lambda: YANGSHE,
    "longevity_month": lambda: "2026-11",
    "service_subsidy": _newest(ServiceSubsidy),
    "family_bed": _newest(FamilyBed),
    "entitlement_assessment": _newest(Assessment),
    "entitlement_provider": lambda: (
        Provider.objects.filter(credit_code="52320582MJ0000070X")
        .values_list("pk", flat=True)
        .first()
        or MISSING
    ),
    "entitlement_plan": _newest(ServicePlan),
}
