"""Entitlement API: 尊老金 lists (prepare, read, confirm), the home-service subsidy (check,
grant, stop, list) and family beds (apply, each step, read, list)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from minzheng.eldercare import entitlement_selectors as selectors
from minzheng.eldercare import entitlements as services
from minzheng.eldercare.entitlement_models import FamilyBed, LongevityList, ServiceSubsidy
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import Assessment, Provider, ServicePlan
from minzheng.eldercare.selectors import elder_get
from minzheng.rules.parameters import MONTH_PATTERN, month_start
from minzheng.schemas import InputSchema

router = Router()
PAGE_SIZE = 100


class LongevityListOut(Schema):
    id: int
    month: str
    town: str
    state: str
    new: int
    changed: int
    stopped: int
    continued: int
    total: Decimal
    confirmed_by: str | None
    confirmed_at: dt.datetime | None

    @staticmethod
    def of(item: LongevityList) -> LongevityListOut:
        return LongevityListOut(
            id=item.pk,
            month=f"{item.month:%Y-%m}",
            town=item.division_code,
            state=item.state,
            new=item.new_count,
            changed=item.changed_count,
            stopped=item.stopped_count,
            continued=item.continued_count,
            total=item.total,
            confirmed_by=item.confirmed_by.username if item.confirmed_by else None,
            confirmed_at=item.confirmed_at,
        )


class LongevityLineOut(Schema):
    person_id: int
    name: str
    division_code: str
    kind: str
    min_age: int | None
    amount: Decimal
    previous_amount: Decimal | None
    reason: str


class LongevityListDetailOut(LongevityListOut):
    lines: list[LongevityLineOut]


class PrepareIn(InputSchema):
    month: str = Field(pattern=MONTH_PATTERN, description="YYYY-MM")


class PrepareOut(Schema):
    month: str
    persons: int
    lists: int
    frozen: list[str]
    counts: dict[str, int]
    total: Decimal
    seconds: float


def _month(text: str) -> dt.date:
    try:
        return month_start(text)
    except ValueError:
        raise Http404("no such month") from None


@router.get(
    "/longevity/lists",
    response=list[LongevityListOut],
    operation_id="eldercare_longevity_list_list",
    summary="尊老金 town lists in scope (of a month, or all)",
)
def longevity_list_list(
    request: HttpRequest, month: str = Query("", pattern=r"^(|\d{4}-(0[1-9]|1[0-2]))$")
) -> list[LongevityListOut]:
    lists = selectors.longevity_lists(user=request.user, month=_month(month) if month else None)
    return [LongevityListOut.of(item) for item in lists[: PAGE_SIZE * 10]]


@router.get(
    "/longevity/lists/{town}/{month}",
    response=LongevityListDetailOut,
    operation_id="eldercare_longevity_list_get",
    summary="One town's 尊老金 list of a month with its lines",
)
def longevity_list_get(request: HttpRequest, town: str, month: str) -> LongevityListDetailOut:
    item = selectors.longevity_list_get(user=request.user, town=town, month=_month(month))
    lines = selectors.longevity_lines(user=request.user, longevity_list=item)
    return LongevityListDetailOut(
        **LongevityListOut.of(item).dict(),
        lines=[
            LongevityLineOut(
                person_id=line.person_id,
                name=line.person.name,
                division_code=line.division_code,
                kind=line.kind,
                min_age=line.min_age,
                amount=line.amount,
                previous_amount=line.previous_amount,
                reason=line.reason,
            )
            for line in lines
        ],
    )


@router.post(
    "/longevity/lists/{town}/{month}/confirm",
    response=LongevityListOut,
    operation_id="eldercare_longevity_list_confirm",
    summary="The town office confirms its town's list (then frozen)",
)
def longevity_list_confirm(request: HttpRequest, town: str, month: str) -> LongevityListOut:
    item = selectors.longevity_list_get(user=request.user, town=town, month=_month(month))
    return LongevityListOut.of(
        services.longevity_list_confirm(acting_user=request.user, longevity_list=item)
    )


@router.post(
    "/longevity/prepare",
    response=PrepareOut,
    operation_id="eldercare_longevity_prepare",
    summary="Run the month's 尊老金 enrolment and build the town lists (city eldercare staff)",
)
def longevity_prepare(request: HttpRequest, body: PrepareIn) -> PrepareOut:
    result = services.longevity_month_prepare(
        acting_user=request.user, month=month_start(body.month), today=timezone.localdate()
    )
    return PrepareOut(
        month=f"{result.month:%Y-%m}",
        persons=result.persons,
        lists=result.lists,
        frozen=result.frozen,
        counts=result.counts,
        total=result.total,
        seconds=result.seconds,
    )


# --- home-service subsidy -------------------------------------------------------------------


class SubsidyOut(Schema):
    id: int
    person_id: int
    name: str
    division_code: str
    level: int
    program: str
    case_id: int
    assessment_id: int
    amount: Decimal
    valid_from: str
    valid_to: str | None
    end_reason: str

    @staticmethod
    def of(subsidy: ServiceSubsidy) -> SubsidyOut:
        return SubsidyOut(
            id=subsidy.pk,
            person_id=subsidy.person_id,
            name=subsidy.person.name,
            division_code=subsidy.division_code,
            level=subsidy.level,
            program=subsidy.program,
            case_id=subsidy.case_id,
            assessment_id=subsidy.assessment_id,
            amount=subsidy.amount,
            valid_from=f"{subsidy.valid_from:%Y-%m}",
            valid_to=f"{subsidy.valid_to:%Y-%m}" if subsidy.valid_to else None,
            end_reason=subsidy.end_reason,
        )


class SubsidyCheckOut(Schema):
    is_eligible: bool
    reasons: list[str]
    amount: Decimal | None
    level: int | None


class GrantIn(InputSchema):
    person_id: int
    start_month: str = Field(pattern=MONTH_PATTERN, description="YYYY-MM")
    note: str = Field("", max_length=500)


class StopIn(InputSchema):
    last_month: str = Field(pattern=MONTH_PATTERN, description="YYYY-MM")
    reason: Literal["death", "left_city", "not_eligible", "changed"]


@router.get(
    "/subsidies",
    response=list[SubsidyOut],
    operation_id="eldercare_subsidy_list",
    summary="Home-service subsidies in scope",
)
def subsidy_list(request: HttpRequest, current: bool = False) -> list[SubsidyOut]:
    subsidies = selectors.subsidy_list(user=request.user, current_only=current)
    return [SubsidyOut.of(subsidy) for subsidy in subsidies[: PAGE_SIZE * 10]]


@router.get(
    "/persons/{person_id}/subsidy-check",
    response=SubsidyCheckOut,
    operation_id="eldercare_subsidy_check",
    summary="Apply the subsidy's conditions to an elder in a month, with the reasons",
)
def subsidy_check(
    request: HttpRequest,
    person_id: int,
    month: str = Query("", pattern=r"^(|\d{4}-(0[1-9]|1[0-2]))$"),
) -> SubsidyCheckOut:
    person = elder_get(user=request.user, person_id=person_id)
    first = _month(month) if month else timezone.localdate().replace(day=1)
    check = services.service_subsidy_check(person=person, month=first)
    return SubsidyCheckOut(
        is_eligible=check.is_eligible, reasons=check.reasons, amount=check.amount, level=check.level
    )


@router.post(
    "/subsidies",
    response={201: SubsidyOut},
    operation_id="eldercare_subsidy_grant",
    summary="The office grants the home-service subsidy from a month",
)
def subsidy_grant(request: HttpRequest, body: GrantIn) -> Status:
    person = elder_get(user=request.user, person_id=body.person_id)
    subsidy = services.service_subsidy_grant(
        acting_user=request.user,
        person=person,
        start_month=month_start(body.start_month),
        on=timezone.localdate(),
        note=body.note,
    )
    return Status(201, SubsidyOut.of(subsidy))


@router.post(
    "/subsidies/{subsidy_id}/stop",
    response=SubsidyOut,
    operation_id="eldercare_subsidy_stop",
    summary="The office stops a subsidy after its last month",
)
def subsidy_stop(request: HttpRequest, subsidy_id: int, body: StopIn) -> SubsidyOut:
    subsidy = selectors.subsidy_get(user=request.user, subsidy_id=subsidy_id)
    return SubsidyOut.of(
        services.service_subsidy_stop(
            acting_user=request.user,
            subsidy=subsidy,
            last_month=month_start(body.last_month),
            reason=body.reason,
        )
    )


# --- family beds ----------------------------------------------------------------------------


class BedOut(Schema):
    id: int
    number: str
    person_id: int
    name: str
    division_code: str
    address: str
    state: str
    state_label: str
    due_on: dt.date | None
    applied_on: dt.date
    assessment_id: int | None
    adaptations: list[dict[str, Any]]
    devices: list[dict[str, Any]]
    build_cost: Decimal
    provider_id: int | None
    contract_number: str
    contract_from: dt.date | None
    contract_to: dt.date | None
    plan_id: int | None
    ended_on: dt.date | None
    end_reason: str

    @staticmethod
    def of(bed: FamilyBed) -> BedOut:
        return BedOut(
            id=bed.pk,
            number=bed.number,
            person_id=bed.person_id,
            name=bed.person.name,
            division_code=bed.division_code,
            address=bed.address,
            state=bed.state,
            state_label=bed.state_label,
            due_on=bed.due_on,
            applied_on=bed.applied_on,
            assessment_id=bed.assessment_id,
            adaptations=bed.adaptations,
            devices=bed.devices,
            build_cost=bed.build_cost,
            provider_id=bed.provider_id,
            contract_number=bed.contract_number,
            contract_from=bed.contract_from,
            contract_to=bed.contract_to,
            plan_id=bed.plan_id,
            ended_on=bed.ended_on,
            end_reason=bed.end_reason,
        )


class BedApplyIn(InputSchema):
    person_id: int
    address: str = Field(max_length=200)
    note: str = Field("", max_length=500)


class AssessIn(InputSchema):
    assessment_id: int


class AdaptationIn(InputSchema):
    item: str = Field(max_length=60)
    cost: Decimal = Field(max_digits=10, decimal_places=2)


class AdaptIn(InputSchema):
    items: list[AdaptationIn] = Field(max_length=30)


class DeviceIn(InputSchema):
    kind: str = Field(max_length=20, description=", ".join(services.DEVICE_KINDS))
    serial: str = Field(max_length=40)
    cost: Decimal = Field(max_digits=10, decimal_places=2)


class InstallIn(InputSchema):
    devices: list[DeviceIn] = Field(max_length=30)


class ContractIn(InputSchema):
    provider_id: int
    number: str = Field(max_length=40)
    valid_from: dt.date
    valid_to: dt.date


class StartIn(InputSchema):
    plan_id: int


class EndIn(InputSchema):
    reason: str = Field(max_length=200)


@router.get(
    "/beds", response=list[BedOut], operation_id="eldercare_bed_list", summary="Family beds"
)
def bed_list(request: HttpRequest, state: str = Query("", max_length=20)) -> list[BedOut]:
    return [BedOut.of(bed) for bed in selectors.bed_list(user=request.user, state=state)[:1000]]


@router.get(
    "/beds/{bed_id}", response=BedOut, operation_id="eldercare_bed_get", summary="A family bed"
)
def bed_get(request: HttpRequest, bed_id: int) -> BedOut:
    return BedOut.of(selectors.bed_get(user=request.user, bed_id=bed_id))


@router.post(
    "/beds",
    response={201: BedOut},
    operation_id="eldercare_bed_apply",
    summary="Apply for a family eldercare bed for an elder",
)
def bed_apply(request: HttpRequest, body: BedApplyIn) -> Status:
    person = elder_get(user=request.user, person_id=body.person_id)
    bed = services.family_bed_apply(
        acting_user=request.user,
        person=person,
        address=body.address,
        on=timezone.localdate(),
        note=body.note,
    )
    return Status(201, BedOut.of(bed))


@router.post(
    "/beds/{bed_id}/assess",
    response=BedOut,
    operation_id="eldercare_bed_assess",
    summary="Link the elder's ability assessment (the conditions must be met)",
)
def bed_assess(request: HttpRequest, bed_id: int, body: AssessIn) -> BedOut:
    bed = selectors.bed_get(user=request.user, bed_id=bed_id)
    assessment = Assessment.objects.filter(pk=body.assessment_id, person=bed.person).first()
    if assessment is None:
        raise EldercareError.one("assessment_id", "没有该老人的这次评估", "no such assessment")
    services.family_bed_assess(
        acting_user=request.user, bed=bed, assessment=assessment, on=timezone.localdate()
    )
    return BedOut.of(bed)


@router.post(
    "/beds/{bed_id}/adapt",
    response=BedOut,
    operation_id="eldercare_bed_adapt",
    summary="Record the home adaptation items with their cost",
)
def bed_adapt(request: HttpRequest, bed_id: int, body: AdaptIn) -> BedOut:
    bed = selectors.bed_get(user=request.user, bed_id=bed_id)
    services.family_bed_adapt(
        acting_user=request.user,
        bed=bed,
        items=[(item.item, item.cost) for item in body.items],
        on=timezone.localdate(),
    )
    return BedOut.of(bed)


@router.post(
    "/beds/{bed_id}/install",
    response=BedOut,
    operation_id="eldercare_bed_install",
    summary="Record the devices installed (kind, serial number, cost)",
)
def bed_install(request: HttpRequest, bed_id: int, body: InstallIn) -> BedOut:
    bed = selectors.bed_get(user=request.user, bed_id=bed_id)
    services.family_bed_install(
        acting_user=request.user,
        bed=bed,
        devices=[(device.kind, device.serial, device.cost) for device in body.devices],
        on=timezone.localdate(),
    )
    return BedOut.of(bed)


@router.post(
    "/beds/{bed_id}/contract",
    response=BedOut,
    operation_id="eldercare_bed_contract",
    summary="Record the service contract with a provider",
)
def bed_contract(request: HttpRequest, bed_id: int, body: ContractIn) -> BedOut:
    bed = selectors.bed_get(user=request.user, bed_id=bed_id)
    provider = get_object_or_404(Provider, pk=body.provider_id)
    services.family_bed_contract(
        acting_user=request.user,
        bed=bed,
        provider=provider,
        number=body.number,
        valid_from=body.valid_from,
        valid_to=body.valid_to,
        on=timezone.localdate(),
    )
    return BedOut.of(bed)


@router.post(
    "/beds/{bed_id}/start",
    response=BedOut,
    operation_id="eldercare_bed_start",
    summary="Link the service plan; the bed is in service",
)
def bed_start(request: HttpRequest, bed_id: int, body: StartIn) -> BedOut:
    bed = selectors.bed_get(user=request.user, bed_id=bed_id)
    plan = ServicePlan.objects.filter(pk=body.plan_id, person=bed.person).first()
    if plan is None:
        raise EldercareError.one("plan_id", "没有该老人的这个服务计划", "no such plan")
    services.family_bed_start(acting_user=request.user, bed=bed, plan=plan, on=timezone.localdate())
    return BedOut.of(bed)


@router.post(
    "/beds/{bed_id}/end",
    response=BedOut,
    operation_id="eldercare_bed_end",
    summary="End (撤床) an open family bed",
)
def bed_end(request: HttpRequest, bed_id: int, body: EndIn) -> BedOut:
    bed = selectors.bed_get(user=request.user, bed_id=bed_id)
    services.family_bed_end(
        acting_user=request.user, bed=bed, reason=body.reason, on=timezone.localdate()
    )
    return BedOut.of(bed)
