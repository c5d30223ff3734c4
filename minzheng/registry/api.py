from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from minzheng.registry import selectors, services
from minzheng.registry.models import Household, Person
from minzheng.schemas import InputSchema

router = Router(tags=["registry"])

RelationCode = Literal[
    "head",
    "spouse",
    "child",
    "parent",
    "parent_in_law",
    "grandparent",
    "grandchild",
    "sibling",
    "child_in_law",
    "other",
]
DisabilityCode = Literal[
    "", "visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple"
]
MaritalCode = Literal["", "unmarried", "married", "divorced", "widowed"]


class DivisionOut(Schema):
    code: str
    name: str
    kind: str
    parent_code: str | None


class PersonOut(Schema):
    id: int
    name: str
    id_number: str = Field(description="Masked: 320582********123X")
    sex: str
    birth_date: dt.date
    phone: str = Field(description="Masked: 138****5678")
    division_code: str = Field(description="Residence division (12 digits)")
    hukou_division_code: str
    marital_status: str
    disability_category: str
    disability_grade: int | None
    disability_valid_from: dt.date | None
    disability_valid_to: dt.date | None
    serious_illness: bool
    death_date: dt.date | None

    @staticmethod
    def from_person(person: Person) -> PersonOut:
        return PersonOut(
            id=person.pk,
            name=person.name,
            id_number=person.id_number_masked,
            sex=person.sex,
            birth_date=person.birth_date,
            phone=person.phone_masked,
            division_code=person.residence_division_id,
            hukou_division_code=person.hukou_division_id,
            marital_status=person.marital_status,
            disability_category=person.disability_category,
            disability_grade=person.disability_grade,
            disability_valid_from=person.disability_valid_from,
            disability_valid_to=person.disability_valid_to,
            serious_illness=person.serious_illness,
            death_date=person.death_date,
        )


class MembershipOut(Schema):
    household_id: int
    household_number: str
    person_id: int
    person_name: str
    relation: str
    valid_from: dt.date
    valid_to: dt.date | None
    end_reason: str


class PersonDetailOut(PersonOut):
    memberships: list[MembershipOut]


class PersonPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[PersonOut]


class HouseholdOut(Schema):
    id: int
    number: str
    address: str
    division_code: str
    head_id: int | None
    head_name: str | None

    @staticmethod
    def from_household(household: Household) -> HouseholdOut:
        return HouseholdOut(
            id=household.pk,
            number=household.number,
            address=household.address,
            division_code=household.division_id,
            head_id=household.head_id,
            head_name=household.head.name if household.head else None,
        )


class HouseholdDetailOut(HouseholdOut):
    members: list[MembershipOut] = Field(description="Current and past members")


class HouseholdPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[HouseholdOut]


class RevealIn(InputSchema):
    field: Literal["id_number", "phone"]
    reason: str = Field(min_length=1, max_length=500, description="Why the full value is needed")


class RevealOut(Schema):
    field: str
    value: str


MAX_PAGE = 100_000


class PersonFilters(InputSchema):
    q: str = Field(
        "", max_length=50, description="Id number (exact), or name prefix, or household number"
    )
    name: str = Field("", max_length=50)
    id_number: str = Field("", max_length=18)
    household_number: str = Field("", max_length=30)
    division_code: str = Field(
        "", max_length=12, description="Division code prefix (6, 9 or 12 digits)"
    )
    include_deceased: bool = True
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(20, ge=1, le=200)


class HouseholdFilters(InputSchema):
    number: str = Field("", max_length=30)
    division_code: str = Field("", max_length=12)
    address: str = Field("", max_length=100)
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(20, ge=1, le=200)


class DivisionFilters(InputSchema):
    kind: str = Field("", max_length=10)
    parent_code: str = Field("", max_length=12)


class MemberIn(InputSchema):
    relation: RelationCode
    name: str = Field(min_length=1, max_length=50)
    id_number: str = Field(min_length=1, max_length=18)
    phone: str = ""
    hukou_division_code: str = ""
    residence_division_code: str = ""
    marital_status: MaritalCode = ""
    disability_category: DisabilityCode = ""
    disability_grade: int | None = None
    disability_valid_from: dt.date | None = None
    disability_valid_to: dt.date | None = None
    serious_illness: bool = False


class HouseholdIn(InputSchema):
    number: str = Field(min_length=1, max_length=30)
    address: str = Field(min_length=1, max_length=200)
    division_code: str = Field(pattern=r"^[0-9]{12}$")
    members: list[MemberIn] = Field(min_length=1, max_length=30)
    valid_from: dt.date | None = None


def _membership_out(membership: object) -> MembershipOut:
    return MembershipOut(
        household_id=membership.household_id,  # type: ignore[attr-defined]
        household_number=membership.household.number,  # type: ignore[attr-defined]
        person_id=membership.person_id,  # type: ignore[attr-defined]
        person_name=membership.person.name,  # type: ignore[attr-defined]
        relation=membership.relation,  # type: ignore[attr-defined]
        valid_from=membership.valid_from,  # type: ignore[attr-defined]
        valid_to=membership.valid_to,  # type: ignore[attr-defined]
        end_reason=membership.end_reason,  # type: ignore[attr-defined]
    )


def _page(queryset: QuerySet[Any], *, page: int, page_size: int) -> tuple[list[Any], int]:
    """One page of a queryset and the total; a short last page spares the count query."""
    start = (page - 1) * page_size
    items = list(queryset[start : start + page_size])
    count = start + len(items) if 0 < len(items) < page_size else queryset.count()
    return items, count


@router.get("/divisions", response=list[DivisionOut], operation_id="registry_division_list")
def division_list(request: HttpRequest, filters: Query[DivisionFilters]) -> list[DivisionOut]:
    """Divisions in your jurisdiction (city, towns, villages), optionally of one kind or parent."""
    divisions = selectors.divisions_visible(
        user=request.user, kinds=(filters.kind,) if filters.kind else None
    )
    if filters.parent_code:
        divisions = divisions.filter(parent_id=filters.parent_code)
    return [
        DivisionOut(code=d.code, name=d.name, kind=d.kind, parent_code=d.parent_id)
        for d in divisions
    ]


@router.get("/persons", response=PersonPage, operation_id="registry_person_search")
def person_search(request: HttpRequest, filters: Query[PersonFilters]) -> PersonPage:
    """Search persons in your jurisdiction; id numbers and phones come masked."""
    persons = selectors.person_search(
        user=request.user,
        q=filters.q,
        name=filters.name,
        id_number=filters.id_number,
        household_number=filters.household_number,
        division_code=filters.division_code,
        include_deceased=filters.include_deceased,
    )
    items, count = _page(persons, page=filters.page, page_size=filters.page_size)
    return PersonPage(
        count=count,
        page=filters.page,
        page_size=filters.page_size,
        items=[PersonOut.from_person(person) for person in items],
    )


@router.get("/persons/{person_id}", response=PersonDetailOut, operation_id="registry_person_get")
def person_get(request: HttpRequest, person_id: int) -> PersonDetailOut:
    person = selectors.person_get(user=request.user, person_id=person_id)
    memberships = selectors.person_memberships(person=person).select_related("person")
    return PersonDetailOut(
        **PersonOut.from_person(person).dict(),
        memberships=[_membership_out(membership) for membership in memberships],
    )


@router.post(
    "/persons/{person_id}/reveal", response=RevealOut, operation_id="registry_person_reveal"
)
def person_reveal(request: HttpRequest, person_id: int, data: RevealIn) -> RevealOut:
    """Show one identifier in full, with a reason; the reveal is audited."""
    person = selectors.person_get(user=request.user, person_id=person_id)
    value = services.person_reveal(
        acting_user=request.user, person=person, field=data.field, reason=data.reason
    )
    return RevealOut(field=data.field, value=value)


@router.get("/households", response=HouseholdPage, operation_id="registry_household_search")
def household_search(request: HttpRequest, filters: Query[HouseholdFilters]) -> HouseholdPage:
    households = selectors.household_search(
        user=request.user,
        number=filters.number,
        division_code=filters.division_code,
        address=filters.address,
    )
    items, count = _page(households, page=filters.page, page_size=filters.page_size)
    return HouseholdPage(
        count=count,
        page=filters.page,
        page_size=filters.page_size,
        items=[HouseholdOut.from_household(household) for household in items],
    )


@router.get(
    "/households/{household_id}", response=HouseholdDetailOut, operation_id="registry_household_get"
)
def household_get(request: HttpRequest, household_id: int) -> HouseholdDetailOut:
    household = selectors.household_get(user=request.user, household_id=household_id)
    return HouseholdDetailOut(
        **HouseholdOut.from_household(household).dict(),
        members=[_membership_out(membership) for membership in household.memberships.all()],
    )


@router.post(
    "/households",
    response={201: HouseholdDetailOut},
    operation_id="registry_household_register",
)
def household_register(request: HttpRequest, data: HouseholdIn) -> Status[HouseholdDetailOut]:
    """Register a household with its members (existing persons join by id number)."""
    household = services.household_register(
        acting_user=request.user,
        data=services.HouseholdIn(
            number=data.number,
            address=data.address,
            division_code=data.division_code,
            members=tuple(
                services.MemberIn(
                    relation=member.relation,
                    person=services.PersonIn(
                        **member.dict(exclude={"relation"}),
                    ),
                )
                for member in data.members
            ),
        ),
        on=data.valid_from,
    )
    return Status(201, household_get(request, household.pk))
