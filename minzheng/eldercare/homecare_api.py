"""Home services (居家上门服务) API: providers, caregivers, catalogue, plans, work orders,
check-in/out by the caregiver, satisfaction call-backs. Every operation calls one selector
(scoped to the caller) and at most one service; bad input answers 422 listing every problem."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from minzheng.eldercare import homecare, homecare_selectors
from minzheng.eldercare.access import city_check, field_check, office_check, read_prefix
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.homecare_selectors import OrderFilters, PlanFilters
from minzheng.eldercare.models import (
    CallBack,
    Caregiver,
    Provider,
    ServiceItem,
    ServicePlan,
    WorkOrder,
)
from minzheng.schemas import InputSchema

router = Router(tags=["eldercare homecare"])
PAGE_SIZE = 100


# --- schemas -------------------------------------------------------------------------------


class ProviderOut(Schema):
    id: int
    name: str
    credit_code: str
    division_code: str
    contact: str
    phone: str
    active: bool

    @staticmethod
    def of(provider: Provider) -> ProviderOut:
        return ProviderOut(
            id=provider.pk,
            name=provider.name,
            credit_code=provider.credit_code,
            division_code=provider.division_code,
            contact=provider.contact,
            phone=provider.phone,
            active=provider.active,
        )


class ProviderIn(InputSchema):
    name: str = Field(max_length=100)
    credit_code: str = Field(max_length=18)
    division_code: str = Field("320582", pattern=r"^[0-9]{6}([0-9]{3})?$")
    contact: str = Field("", max_length=50)
    phone: str = Field("", max_length=30)
    active: bool = True


class StaffLinkIn(InputSchema):
    username: str = Field(max_length=150)
    is_manager: bool = False


class StaffOut(Schema):
    username: str
    provider_id: int
    is_manager: bool


class CaregiverOut(Schema):
    id: int
    provider_id: int
    name: str
    skill_level: str
    certificate_number: str
    certificate_valid_to: dt.date | None
    training_hours: int
    username: str | None
    active: bool
    warnings: list[str]

    @staticmethod
    def of(caregiver: Caregiver) -> CaregiverOut:
        return CaregiverOut(
            id=caregiver.pk,
            provider_id=caregiver.provider_id,
            name=caregiver.name,
            skill_level=caregiver.skill_level,
            certificate_number=caregiver.certificate_number,
            certificate_valid_to=caregiver.certificate_valid_to,
            training_hours=caregiver.training_hours,
            username=caregiver.user.get_username() if caregiver.user else None,
            active=caregiver.active,
            warnings=homecare.caregiver_warnings(caregiver, on=timezone.localdate()),
        )


class CaregiverIn(InputSchema):
    name: str = Field(max_length=50)
    skill_level: str = Field(max_length=2, description="5 (初级) .. 1 (高级技师)")
    certificate_number: str = Field("", max_length=40)
    certificate_valid_to: dt.date | None = None
    training_hours: int = Field(0, ge=0, le=10000)
    username: str = Field("", max_length=150, description="the caregiver's own sign-in")
    active: bool = True


class ItemOut(Schema):
    id: int
    code: str
    name: str
    category: str
    minutes: int
    min_minutes: int
    price: Decimal
    active: bool

    @staticmethod
    def of(item: ServiceItem) -> ItemOut:
        return ItemOut(
            id=item.pk,
            code=item.code,
            name=item.name,
            category=item.category,
            minutes=item.minutes,
            min_minutes=item.min_minutes,
            price=item.price,
            active=item.active,
        )


class ItemIn(InputSchema):
    code: str = Field(max_length=20)
    name: str = Field(max_length=60)
    category: str = Field(max_length=20)
    minutes: int = Field(ge=1, le=600)
    min_minutes: int = Field(ge=1, le=600)
    price: Decimal = Field(ge=0, le=999999, decimal_places=2)
    active: bool = True


class PlanItemOut(Schema):
    code: str
    name: str
    times_per_month: int


class PlanOut(Schema):
    id: int
    person_id: int
    person_name: str
    provider_id: int
    division_code: str
    valid_from: dt.date
    valid_to: dt.date | None
    monthly_budget: Decimal
    items: list[PlanItemOut]

    @staticmethod
    def of(plan: ServicePlan) -> PlanOut:
        return PlanOut(
            id=plan.pk,
            person_id=plan.person_id,
            person_name=plan.person.name,
            provider_id=plan.provider_id,
            division_code=plan.division_code,
            valid_from=plan.valid_from,
            valid_to=plan.valid_to,
            monthly_budget=plan.monthly_budget,
            items=[
                PlanItemOut(code=i.item.code, name=i.item.name, times_per_month=i.times_per_month)
                for i in plan.items.all()
            ],
        )


class PlanIn(InputSchema):
    person_id: int = Field(ge=1)
    provider_id: int = Field(ge=1)
    items: dict[str, int] = Field(description="item code -> times per month (1-31)")
    monthly_budget: Decimal = Field(ge=0, le=999999, decimal_places=2)
    valid_from: dt.date
    home_lat: Decimal | None = Field(None, ge=-90, le=90)
    home_lng: Decimal | None = Field(None, ge=-180, le=180)


class PlanEndIn(InputSchema):
    valid_to: dt.date
    note: str = Field("", max_length=500)


class PlanPage(Schema):
    count: int
    page: int
    items: list[PlanOut]


class PlanFilter(InputSchema):
    provider_id: int | None = Field(None, ge=1)
    town: str = Field("", pattern=r"^([0-9]{9})?$")
    page: int = Field(1, ge=1, le=100_000)


class OrderFlagOut(Schema):
    code: str  # supervision.FLAGS: too_short, too_far, no_location, overlap, elder_dead, ...
    detail: str


class OrderOut(Schema):
    id: int
    number: str
    plan_id: int
    person_id: int
    person_name: str
    address: str
    item_code: str
    item_name: str
    provider_id: int
    caregiver_id: int | None
    division_code: str
    scheduled_on: dt.date
    state: str
    state_label: str
    amount: Decimal
    check_in_at: dt.datetime | None
    check_in_location: str | None
    check_in_photo: str
    check_out_at: dt.datetime | None
    check_out_location: str | None
    check_out_photo: str
    flags: list[OrderFlagOut]
    flags_cleared: bool

    @staticmethod
    def of(order: WorkOrder, address: str = "") -> OrderOut:
        def where(lat: Decimal | None, lng: Decimal | None) -> str | None:
            return f"{lat},{lng}" if lat is not None and lng is not None else None

        return OrderOut(
            id=order.pk,
            number=order.number,
            plan_id=order.plan_id,
            person_id=order.person_id,
            person_name=order.person.name,
            address=address,
            item_code=order.item.code,
            item_name=order.item.name,
            provider_id=order.provider_id,
            caregiver_id=order.caregiver_id,
            division_code=order.division_code,
            scheduled_on=order.scheduled_on,
            state=order.state,
            state_label=order.state_label,
            amount=order.amount,
            check_in_at=order.check_in_at,
            check_in_location=where(order.check_in_lat, order.check_in_lng),
            check_in_photo=order.check_in_photo,
            check_out_at=order.check_out_at,
            check_out_location=where(order.check_out_lat, order.check_out_lng),
            check_out_photo=order.check_out_photo,
            flags=[OrderFlagOut(**flag) for flag in order.flags or []],
            flags_cleared=order.flags_cleared,
        )


def _order_out(order: WorkOrder) -> OrderOut:
    address = homecare_selectors.elder_addresses([order.person_id]).get(order.person_id, "")
    return OrderOut.of(order, address)


class OrderPage(Schema):
    count: int
    page: int
    items: list[OrderOut]


class OrderFilter(InputSchema):
    state: str = Field("", pattern=r"^(planned|in_service|done|refused|cancelled)?$")
    provider_id: int | None = Field(None, ge=1)
    town: str = Field("", pattern=r"^([0-9]{9})?$")
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: int = Field(1, ge=1, le=100_000)


class OrderIn(InputSchema):
    person_id: int = Field(ge=1)
    item_code: str = Field(max_length=20)
    scheduled_on: dt.date
    provider_id: int | None = Field(None, ge=1, description="the office names it")
    caregiver_id: int | None = Field(None, ge=1)


class AssignIn(InputSchema):
    caregiver_id: int = Field(ge=1)


class NoteIn(InputSchema):
    note: str = Field("", max_length=500)


class CheckIn(InputSchema):
    location: str = Field(max_length=60, description='"lat,lng" in degrees (WGS-84)')
    photo_base64: str = Field("", max_length=14_000_000, description="optional photo")


class CallBackIn(InputSchema):
    reached: bool
    service_confirmed: bool | None = None
    satisfaction: int | None = Field(None, ge=1, le=5)
    note: str = Field("", max_length=2000)


class CallBackOut(Schema):
    id: int
    order_id: int
    called_on: dt.date
    reached: bool
    service_confirmed: bool | None
    satisfaction: int | None
    note: str

    @staticmethod
    def of(callback: CallBack) -> CallBackOut:
        return CallBackOut(
            id=callback.pk,
            order_id=callback.order_id,
            called_on=callback.called_on,
            reached=callback.reached,
            service_confirmed=callback.service_confirmed,
            satisfaction=callback.satisfaction,
            note=callback.note,
        )


class SampleFilter(InputSchema):
    month: str = Field(pattern=r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$")
    seed: int = Field(0, ge=0, le=2**31)
    rate: Decimal | None = Field(None, ge=0, le=1, description="default: the parameter")


class SampleOut(Schema):
    month: str
    rate: Decimal
    pending: int
    items: list[OrderOut]


# --- providers, staff, caregivers, catalogue ---------------------------------------------


def _provider_data(body: ProviderIn) -> homecare.ProviderIn:
    return homecare.ProviderIn(**body.dict())


@router.get(
    "/homecare/providers", response=list[ProviderOut], operation_id="homecare_providers_list"
)
def providers_list(request: HttpRequest) -> list[ProviderOut]:
    return [ProviderOut.of(p) for p in homecare_selectors.provider_list(user=request.user)]


@router.post(
    "/homecare/providers",
    response={201: ProviderOut},
    operation_id="homecare_provider_create",
)
def provider_create(request: HttpRequest, body: ProviderIn) -> Status:
    provider = homecare.provider_save(acting_user=request.user, data=_provider_data(body))
    return Status(201, ProviderOut.of(provider))


@router.get(
    "/homecare/providers/{provider_id}", response=ProviderOut, operation_id="homecare_provider_get"
)
def provider_get(request: HttpRequest, provider_id: int) -> ProviderOut:
    return ProviderOut.of(
        homecare_selectors.provider_get(user=request.user, provider_id=provider_id)
    )


@router.post(
    "/homecare/providers/{provider_id}",
    response=ProviderOut,
    operation_id="homecare_provider_update",
)
def provider_update(request: HttpRequest, provider_id: int, body: ProviderIn) -> ProviderOut:
    city_check(user=request.user)
    provider = homecare_selectors.provider_get(user=request.user, provider_id=provider_id)
    provider = homecare.provider_save(
        acting_user=request.user, data=_provider_data(body), provider=provider
    )
    return ProviderOut.of(provider)


@router.post(
    "/homecare/providers/{provider_id}/staff",
    response=StaffOut,
    operation_id="homecare_provider_staff_link",
)
def provider_staff_link(request: HttpRequest, provider_id: int, body: StaffLinkIn) -> StaffOut:
    city_check(user=request.user)
    provider = homecare_selectors.provider_get(user=request.user, provider_id=provider_id)
    staff = homecare.provider_staff_link(
        acting_user=request.user,
        provider=provider,
        username=body.username,
        is_manager=body.is_manager,
    )
    return StaffOut(
        username=staff.user.get_username(),
        provider_id=staff.provider_id,
        is_manager=staff.is_manager,
    )


@router.get(
    "/homecare/providers/{provider_id}/caregivers",
    response=list[CaregiverOut],
    operation_id="homecare_caregivers_list",
)
def caregivers_list(request: HttpRequest, provider_id: int) -> list[CaregiverOut]:
    provider = homecare_selectors.provider_get(user=request.user, provider_id=provider_id)
    caregivers = homecare_selectors.caregiver_list(user=request.user, provider=provider)
    return [CaregiverOut.of(caregiver) for caregiver in caregivers]


def _caregiver_data(body: CaregiverIn) -> homecare.CaregiverIn:
    return homecare.CaregiverIn(**body.dict())


@router.post(
    "/homecare/providers/{provider_id}/caregivers",
    response={201: CaregiverOut},
    operation_id="homecare_caregiver_create",
)
def caregiver_create(request: HttpRequest, provider_id: int, body: CaregiverIn) -> Status:
    homecare.caregiver_manage_check(user=request.user)
    provider = homecare_selectors.provider_get(user=request.user, provider_id=provider_id)
    caregiver = homecare.caregiver_save(
        acting_user=request.user, provider=provider, data=_caregiver_data(body)
    )
    return Status(201, CaregiverOut.of(caregiver))


@router.post(
    "/homecare/caregivers/{caregiver_id}",
    response=CaregiverOut,
    operation_id="homecare_caregiver_update",
)
def caregiver_update(request: HttpRequest, caregiver_id: int, body: CaregiverIn) -> CaregiverOut:
    homecare.caregiver_manage_check(user=request.user)
    caregiver = homecare_selectors.caregiver_get(user=request.user, caregiver_id=caregiver_id)
    caregiver = homecare.caregiver_save(
        acting_user=request.user,
        provider=caregiver.provider,
        data=_caregiver_data(body),
        caregiver=caregiver,
    )
    return CaregiverOut.of(caregiver)


@router.get("/homecare/items", response=list[ItemOut], operation_id="homecare_items_list")
def items_list(request: HttpRequest) -> list[ItemOut]:
    return [ItemOut.of(item) for item in homecare_selectors.item_list(user=request.user)]


@router.post("/homecare/items", response={201: ItemOut}, operation_id="homecare_item_create")
def item_create(request: HttpRequest, body: ItemIn) -> Status:
    item = homecare.service_item_save(
        acting_user=request.user, data=homecare.ServiceItemIn(**body.dict())
    )
    return Status(201, ItemOut.of(item))


@router.post("/homecare/items/{item_id}", response=ItemOut, operation_id="homecare_item_update")
def item_update(request: HttpRequest, item_id: int, body: ItemIn) -> ItemOut:
    city_check(user=request.user)
    item = homecare_selectors.item_get(user=request.user, item_id=item_id)
    item = homecare.service_item_save(
        acting_user=request.user, data=homecare.ServiceItemIn(**body.dict()), item=item
    )
    return ItemOut.of(item)


# --- plans ---------------------------------------------------------------------------------


@router.get("/homecare/plans", response=PlanPage, operation_id="homecare_plans_list")
def plans_list(request: HttpRequest, filters: Query[PlanFilter]) -> PlanPage:
    plans = homecare_selectors.plan_list(
        user=request.user,
        filters=PlanFilters(provider_id=filters.provider_id, town=filters.town),
    )
    start = (filters.page - 1) * PAGE_SIZE
    return PlanPage(
        count=plans.count(),
        page=filters.page,
        items=[PlanOut.of(plan) for plan in plans[start : start + PAGE_SIZE]],
    )


@router.post("/homecare/plans", response={201: PlanOut}, operation_id="homecare_plan_create")
def plan_create(request: HttpRequest, body: PlanIn) -> Status:
    plan = homecare.service_plan_create(
        acting_user=request.user,
        person_id=body.person_id,
        data=homecare.PlanIn(
            provider_id=body.provider_id,
            items=body.items,
            monthly_budget=body.monthly_budget,
            valid_from=body.valid_from,
            home_lat=body.home_lat,
            home_lng=body.home_lng,
        ),
        on=timezone.localdate(),
    )
    return Status(201, PlanOut.of(plan))


@router.get("/homecare/plans/{plan_id}", response=PlanOut, operation_id="homecare_plan_get")
def plan_get(request: HttpRequest, plan_id: int) -> PlanOut:
    return PlanOut.of(homecare_selectors.plan_get(user=request.user, plan_id=plan_id))


@router.post("/homecare/plans/{plan_id}/end", response=PlanOut, operation_id="homecare_plan_end")
def plan_end(request: HttpRequest, plan_id: int, body: PlanEndIn) -> PlanOut:
    field_check(user=request.user, division_code=read_prefix(request.user) or "-")
    plan = homecare_selectors.plan_get(user=request.user, plan_id=plan_id)
    plan = homecare.service_plan_end(
        acting_user=request.user,
        plan=plan,
        valid_to=body.valid_to,
        on=timezone.localdate(),
        note=body.note,
    )
    return PlanOut.of(homecare_selectors.plan_get(user=request.user, plan_id=plan.pk))


# --- orders --------------------------------------------------------------------------------


@router.get("/homecare/orders", response=OrderPage, operation_id="homecare_orders_list")
def orders_list(request: HttpRequest, filters: Query[OrderFilter]) -> OrderPage:
    orders = homecare_selectors.order_list(
        user=request.user,
        filters=OrderFilters(
            state=filters.state,
            provider_id=filters.provider_id,
            town=filters.town,
            date_from=filters.date_from,
            date_to=filters.date_to,
        ),
    )
    start = (filters.page - 1) * PAGE_SIZE
    page = list(orders[start : start + PAGE_SIZE])
    addresses = homecare_selectors.elder_addresses([order.person_id for order in page])
    return OrderPage(
        count=orders.count(),
        page=filters.page,
        items=[OrderOut.of(order, addresses.get(order.person_id, "")) for order in page],
    )


@router.post("/homecare/orders", response={201: OrderOut}, operation_id="homecare_order_create")
def order_create(request: HttpRequest, body: OrderIn) -> Status:
    order = homecare.work_order_create(
        acting_user=request.user,
        person_id=body.person_id,
        item_code=body.item_code,
        scheduled_on=body.scheduled_on,
        provider_id=body.provider_id,
        caregiver_id=body.caregiver_id,
        on=timezone.localdate(),
    )
    return Status(201, _order_out(order))


@router.get("/homecare/orders/{order_id}", response=OrderOut, operation_id="homecare_order_get")
def order_get(request: HttpRequest, order_id: int) -> OrderOut:
    return _order_out(homecare_selectors.order_get(user=request.user, order_id=order_id))


@router.post(
    "/homecare/orders/{order_id}/assign",
    response=OrderOut,
    operation_id="homecare_order_assign",
)
def order_assign(request: HttpRequest, order_id: int, body: AssignIn) -> OrderOut:
    homecare.work_order_assign_check(user=request.user)
    order = homecare_selectors.order_get(user=request.user, order_id=order_id)
    order = homecare.work_order_assign(
        acting_user=request.user,
        order=order,
        caregiver_id=body.caregiver_id,
        on=timezone.localdate(),
    )
    return _order_out(order)


@router.post(
    "/homecare/orders/{order_id}/cancel",
    response=OrderOut,
    operation_id="homecare_order_cancel",
)
def order_cancel(request: HttpRequest, order_id: int, body: NoteIn) -> OrderOut:
    homecare.work_order_cancel_check(user=request.user)
    order = homecare_selectors.order_get(user=request.user, order_id=order_id)
    order = homecare.work_order_cancel(
        acting_user=request.user, order=order, on=timezone.localdate(), note=body.note
    )
    return _order_out(order)


def _photo(text: str) -> bytes | None:
    if not text:
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise EldercareError.one(
            "photo_base64", "照片应为Base64编码", "photo_base64 is not base64"
        ) from None


@router.post(
    "/homecare/orders/{order_id}/check-in",
    response=OrderOut,
    operation_id="homecare_order_check_in",
    summary="The caregiver checks in: now, at a location, with an optional photo (kept as SHA-256)",
)
def order_check_in(request: HttpRequest, order_id: int, body: CheckIn) -> OrderOut:
    homecare.check_in_out_check(user=request.user)
    order = homecare_selectors.order_get(user=request.user, order_id=order_id)
    order = homecare.work_order_check_in(
        acting_user=request.user,
        order=order,
        at=timezone.now(),
        location=body.location,
        photo=_photo(body.photo_base64),
        on=timezone.localdate(),
    )
    return _order_out(order)


@router.post(
    "/homecare/orders/{order_id}/check-out",
    response=OrderOut,
    operation_id="homecare_order_check_out",
    summary="The caregiver checks out; refused (422) before a check-in",
)
def order_check_out(request: HttpRequest, order_id: int, body: CheckIn) -> OrderOut:
    homecare.check_in_out_check(user=request.user)
    order = homecare_selectors.order_get(user=request.user, order_id=order_id)
    order = homecare.work_order_check_out(
        acting_user=request.user,
        order=order,
        at=timezone.now(),
        location=body.location,
        photo=_photo(body.photo_base64),
        on=timezone.localdate(),
    )
    return _order_out(order)


# --- call-backs ----------------------------------------------------------------------------


@router.post(
    "/homecare/orders/{order_id}/callbacks",
    response={201: CallBackOut},
    operation_id="homecare_callback_create",
)
def callback_create(request: HttpRequest, order_id: int, body: CallBackIn) -> Status:
    office_check(user=request.user, division_code=read_prefix(request.user) or "-")
    order = homecare_selectors.order_get(user=request.user, order_id=order_id)
    callback = homecare.callback_record(
        acting_user=request.user,
        order=order,
        data=homecare.CallBackIn(**body.dict()),
        on=timezone.localdate(),
    )
    return Status(201, CallBackOut.of(callback))


@router.get(
    "/homecare/callbacks/sample",
    response=SampleOut,
    operation_id="homecare_callbacks_sample",
    summary="Done orders of a month not yet called back, and a deterministic random sample",
)
def callbacks_sample(request: HttpRequest, filters: Query[SampleFilter]) -> SampleOut:
    month = dt.date.fromisoformat(f"{filters.month}-01")
    pending = list(homecare_selectors.callback_pending(user=request.user, month=month))
    rate = filters.rate if filters.rate is not None else homecare.callback_sample_rate(month)
    picked = homecare.callback_sample(pending, rate=rate, seed=filters.seed)
    addresses = homecare_selectors.elder_addresses([order.person_id for order in picked])
    return SampleOut(
        month=filters.month,
        rate=rate,
        pending=len(pending),
        items=[OrderOut.of(order, addresses.get(order.person_id, "")) for order in picked],
    )
