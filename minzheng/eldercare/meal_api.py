"""老年助餐 API: meal points, registrations, meals (one, or a file), monthly settlements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from minzheng.eldercare import meal_selectors as selectors
from minzheng.eldercare import meals as services
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.meal_models import (
    MealImport,
    MealPoint,
    MealRecord,
    MealRegistration,
    MealSettlement,
)
from minzheng.rules.parameters import MONTH_PATTERN, month_start
from minzheng.schemas import InputSchema

router = Router()
PAGE_SIZE = 100
Money = Annotated[Decimal, Field(max_digits=8, decimal_places=2)]


class MealPointOut(Schema):
    id: int
    name: str
    division_code: str
    operator_id: int | None
    operator_name: str
    address: str
    capacity: int
    active: bool
    registered: int

    @staticmethod
    def of(point: MealPoint, registered: int = 0) -> MealPointOut:
        return MealPointOut(
            id=point.pk,
            name=point.name,
            division_code=point.division_code,
            operator_id=point.operator_id,
            operator_name=point.operator.name if point.operator_id else "",
            address=point.address,
            capacity=point.capacity,
            active=point.active,
            registered=registered,
        )


class MealPointPage(Schema):
    count: int
    items: list[MealPointOut]


class MealPointIn(InputSchema):
    name: str = Field(min_length=1, max_length=100)
    division_code: str = Field(pattern=r"^320582[0-9]{3}([0-9]{3})?$")
    address: str = Field(min_length=1, max_length=200)
    capacity: int = Field(ge=1, le=10_000)
    operator_id: int | None = None


class RegistrationOut(Schema):
    id: int
    point_id: int
    person_id: int
    person_name: str
    valid_from: dt.date
    valid_to: dt.date | None
    end_reason: str

    @staticmethod
    def of(registration: MealRegistration) -> RegistrationOut:
        return RegistrationOut(
            id=registration.pk,
            point_id=registration.point_id,
            person_id=registration.person_id,
            person_name=registration.person.name,
            valid_from=registration.valid_from,
            valid_to=registration.valid_to,
            end_reason=registration.end_reason,
        )


class RegistrationIn(InputSchema):
    person_id: int
    valid_from: dt.date


class RegistrationEndIn(InputSchema):
    valid_to: dt.date
    reason: str = Field(min_length=1, max_length=100)


class MealRecordOut(Schema):
    id: int
    point_id: int
    person_id: int
    person_name: str
    served_on: dt.date
    meal: str
    price: str
    category: str
    subsidy: str
    own_payment: str
    subsidy_status: str
    duplicate_of: int | None

    @staticmethod
    def of(record: MealRecord) -> MealRecordOut:
        return MealRecordOut(
            id=record.pk,
            point_id=record.point_id,
            person_id=record.person_id,
            person_name=record.person.name,
            served_on=record.served_on,
            meal=record.meal,
            price=f"{record.price:.2f}",
            category=record.category,
            subsidy=f"{record.subsidy:.2f}",
            own_payment=f"{record.own_payment:.2f}",
            subsidy_status=record.subsidy_status,
            duplicate_of=record.duplicate_of_id,
        )


class MealRecordPage(Schema):
    count: int
    items: list[MealRecordOut]


class MealRecordIn(InputSchema):
    person_id: int
    served_on: dt.date
    meal: Literal["lunch", "dinner"]
    price: Money = Field(gt=0)


class MonthQuery(Schema):
    month: str | None = Field(None, pattern=MONTH_PATTERN)


class ImportOut(Schema):
    id: int
    point_id: int
    filename: str
    rows: int
    duplicates: int

    @staticmethod
    def of(batch: MealImport) -> ImportOut:
        return ImportOut(
            id=batch.pk,
            point_id=batch.point_id,
            filename=batch.filename,
            rows=batch.rows,
            duplicates=batch.duplicates,
        )


class SettlementIn(InputSchema):
    month: str = Field(pattern=MONTH_PATTERN)


class SettlementLineOut(Schema):
    category: str
    label: str
    meals: int
    subsidised: int
    subsidy: str
    own: str


class SettlementOut(Schema):
    id: int
    point_id: int
    month: str
    meals: int
    subsidised_meals: int
    subsidy_total: str
    own_total: str
    lines: list[SettlementLineOut]
    closed_now: bool = False

    @staticmethod
    def of(settlement: MealSettlement, closed_now: bool = False) -> SettlementOut:
        return SettlementOut(
            id=settlement.pk,
            point_id=settlement.point_id,
            month=f"{settlement.month:%Y-%m}",
            meals=settlement.meals,
            subsidised_meals=settlement.subsidised_meals,
            subsidy_total=f"{settlement.subsidy_total:.2f}",
            own_total=f"{settlement.own_total:.2f}",
            lines=[SettlementLineOut(**line) for line in settlement.lines],
            closed_now=closed_now,
        )


@router.get(
    "/meal-points",
    response=MealPointPage,
    operation_id="eldercare_meal_point_list",
    summary="助餐点 Meal points the caller may see",
)
def meal_point_list(request: HttpRequest) -> MealPointPage:
    points = list(selectors.meal_points_visible(user=request.user)[:PAGE_SIZE])
    return MealPointPage(
        count=selectors.meal_points_visible(user=request.user).count(),
        items=[MealPointOut.of(point) for point in points],
    )


@router.post(
    "/meal-points",
    response={201: MealPointOut},
    operation_id="eldercare_meal_point_create",
    summary="新建助餐点 Create a meal point (the town or the city's eldercare office)",
)
def meal_point_create(request: HttpRequest, body: MealPointIn) -> Status:
    point = services.meal_point_create(
        acting_user=request.user, data=services.MealPointIn(**body.dict())
    )
    return Status(201, MealPointOut.of(point))


@router.get(
    "/meal-points/{point_id}",
    response=MealPointOut,
    operation_id="eldercare_meal_point_get",
    summary="助餐点 One meal point",
)
def meal_point_get(request: HttpRequest, point_id: int) -> MealPointOut:
    point = selectors.meal_point_get(user=request.user, point_id=point_id)
    registered = (
        selectors.meal_registrations(user=request.user, point=point)
        .filter(valid_to__isnull=True)
        .count()
    )
    return MealPointOut.of(point, registered)


@router.get(
    "/meal-points/{point_id}/registrations",
    response=list[RegistrationOut],
    operation_id="eldercare_meal_registration_list",
    summary="助餐登记 The elders registered with a point",
)
def meal_registration_list(request: HttpRequest, point_id: int) -> list[RegistrationOut]:
    point = selectors.meal_point_get(user=request.user, point_id=point_id)
    return [
        RegistrationOut.of(registration)
        for registration in selectors.meal_registrations(user=request.user, point=point)
    ]


@router.post(
    "/meal-points/{point_id}/registrations",
    response={201: RegistrationOut},
    operation_id="eldercare_meal_registration_create",
    summary="助餐登记 Register an elder with a point (village worker or office)",
)
def meal_registration_create(request: HttpRequest, point_id: int, body: RegistrationIn) -> Status:
    point = selectors.meal_point_get(user=request.user, point_id=point_id)
    person = selectors.meal_person_for_registration(user=request.user, person_id=body.person_id)
    if person is None:
        raise EldercareError.one("person_id", "查无此人", "no such person in your area")
    registration = services.meal_registration_create(
        acting_user=request.user, point=point, person=person, on=body.valid_from
    )
    return Status(201, RegistrationOut.of(registration))


@router.post(
    "/meal-registrations/{registration_id}/end",
    response=RegistrationOut,
    operation_id="eldercare_meal_registration_end",
    summary="终止助餐登记 End a registration",
)
def meal_registration_end(
    request: HttpRequest, registration_id: int, body: RegistrationEndIn
) -> RegistrationOut:
    registration = selectors.meal_registration_get(
        user=request.user, registration_id=registration_id
    )
    registration = services.meal_registration_end(
        acting_user=request.user, registration=registration, on=body.valid_to, reason=body.reason
    )
    return RegistrationOut.of(registration)


@router.get(
    "/meal-points/{point_id}/records",
    response=MealRecordPage,
    operation_id="eldercare_meal_record_list",
    summary="就餐记录 A point's meals (of a month: ?month=YYYY-MM)",
)
def meal_record_list(
    request: HttpRequest, point_id: int, query: Query[MonthQuery]
) -> MealRecordPage:
    point = selectors.meal_point_get(user=request.user, point_id=point_id)
    month = month_start(query.month) if query.month else None
    records = selectors.meal_records(user=request.user, point=point, month=month)
    return MealRecordPage(
        count=records.count(), items=[MealRecordOut.of(record) for record in records[:PAGE_SIZE]]
    )


@router.post(
    "/meal-points/{point_id}/records",
    response={201: MealRecordOut},
    operation_id="eldercare_meal_record_create",
    summary="录入就餐 Record one meal (the point's operator or the office)",
)
def meal_record_create(request: HttpRequest, point_id: int, body: MealRecordIn) -> Status:
    point = selectors.meal_point_get(user=request.user, point_id=point_id)
    record = services.meal_record_create(
        acting_user=request.user,
        point=point,
        person=selectors.meal_person_for_record(point=point, person_id=body.person_id),
        served_on=body.served_on,
        meal=body.meal,
        price=body.price,
        today=timezone.localdate(),
    )
    return Status(201, MealRecordOut.of(record))


@router.post(
    "/meal-points/{point_id}/records/import",
    response={201: ImportOut},
    operation_id="eldercare_meal_record_import",
    summary="导入就餐记录 Import a file of meals (.csv/.xlsx: 公民身份号码, 姓名, 就餐日期, "
    "餐次, 餐费), all or nothing",
)
def meal_record_import(request: HttpRequest, point_id: int, file: File[UploadedFile]) -> Status:
    point = selectors.meal_point_get(user=request.user, point_id=point_id)
    batch = services.meal_records_import(
        acting_user=request.user,
        point=point,
        content=file.read(),
        filename=file.name or "upload.csv",
        today=timezone.localdate(),
    )
    return Status(201, ImportOut.of(batch))


@router.post(
    "/meal-points/{point_id}/settlements",
    response=SettlementOut,
    operation_id="eldercare_meal_settlement_close",
    summary="助餐点月度结算 Close a point's month (again: nothing changes)",
)
def meal_settlement_close(request: HttpRequest, point_id: int, body: SettlementIn) -> SettlementOut:
    point = selectors.meal_point_get(user=request.user, point_id=point_id)
    settlement, closed_now = services.meal_settlement_close(
        acting_user=request.user,
        point=point,
        month=month_start(body.month),
        today=timezone.localdate(),
    )
    return SettlementOut.of(settlement, closed_now)


@router.get(
    "/meal-settlements/{settlement_id}",
    response=SettlementOut,
    operation_id="eldercare_meal_settlement_get",
    summary="助餐点月度结算 One settlement",
)
def meal_settlement_get(request: HttpRequest, settlement_id: int) -> SettlementOut:
    return SettlementOut.of(
        selectors.meal_settlement_get(user=request.user, settlement_id=settlement_id)
    )
