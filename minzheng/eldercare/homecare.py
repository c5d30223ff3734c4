"""Home services (居家上门服务): providers and their accounts, caregivers, the catalogue,
service plans per elder, work orders and their check-in/out, satisfaction call-backs.

Every write checks the role and the jurisdiction (`access.py`), validates all of its input
before it writes (an `EldercareError` lists every problem; nothing was changed), and is audited.
A work order changes state only through `transition_perform` (`workflows.WORK_ORDER`).

Check-in and check-out store the time (`check_in_at`/`check_out_at`, aware datetimes), the
location typed or taken from the phone ("lat,lng", as `check_*_lat`/`check_*_lng`, 6 decimal
places, WGS-84 as browsers give it) and of a photo only its SHA-256 (`check_*_photo`, 64 hex
digits): the photo itself is not kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from minzheng.accounts.models import Role, User
from minzheng.audit.services import audit_record
from minzheng.eldercare.access import (
    caregiver_of,
    city_check,
    field_check,
    office_check,
    provider_check,
    provider_of,
    read_prefix,
)
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import (
    CallBack,
    Caregiver,
    ElderProfile,
    PlanItem,
    Provider,
    ProviderStaff,
    ServiceItem,
    ServicePlan,
    SkillLevel,
    WorkOrder,
)
from minzheng.eldercare.workflows import WORK_ORDER
from minzheng.registry.models import Division, Person
from minzheng.rules import ParameterMissingError
from minzheng.rules.parameters import add_months, parameters_at
from minzheng.workflow.services import transition_perform

CENT = Decimal("0.01")
MICRO = Decimal("0.000001")
MAX_PHOTO_BYTES = 10 * 1024 * 1024
CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")
ORDER_PREFIX = "GD"
CALLBACK_SAMPLE_RATE = "homecare.callback_sample_rate"


def _money(value: object, field_name: str, label: str, problems: list) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        problems.append((field_name, f"{label}应为金额", f"{field_name} must be an amount"))
        return None
    if not amount.is_finite() or amount < 0 or amount > Decimal("999999.99"):
        problems.append(
            (field_name, f"{label}应在0至999999.99元之间", f"{field_name} out of range")
        )
        return None
    if amount != amount.quantize(CENT):
        problems.append((field_name, f"{label}最多两位小数", f"{field_name}: at most 2 decimals"))
        return None
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _raise(problems: list[tuple[str, str, str]]) -> None:
    if problems:
        raise EldercareError(problems)


# --- providers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderIn:
    name: str
    credit_code: str
    division_code: str = "320582"
    contact: str = ""
    phone: str = ""
    active: bool = True


def _provider_validate(data: ProviderIn, provider: Provider | None) -> list:
    problems: list[tuple[str, str, str]] = []
    if not data.name.strip() or len(data.name) > 100:
        problems.append(("name", "请填写服务商名称（100字以内）", "name is required (<= 100)"))
    code = data.credit_code.strip().upper()
    if not CREDIT_CODE.match(code):
        problems.append(
            ("credit_code", "统一社会信用代码应为18位", "credit_code must be 18 characters")
        )
    elif Provider.objects.filter(credit_code=code).exclude(pk=getattr(provider, "pk", None)):
        problems.append(
            ("credit_code", "该统一社会信用代码已登记", "credit_code already registered")
        )
    if data.division_code != "320582" and not Division.objects.filter(
        code=data.division_code, kind__in=["town", "street", "park"]
    ):
        problems.append(
            ("division_code", "服务区域应为全市或某一镇（街道）", "division_code: city or a town")
        )
    if len(data.contact) > 50 or len(data.phone) > 30:
        problems.append(("contact", "联系人或电话过长", "contact or phone too long"))
    return problems


@transaction.atomic
def provider_save(
    *, acting_user: User, data: ProviderIn, provider: Provider | None = None
) -> Provider:
    """Register a provider, or change one (the city's eldercare staff)."""
    city_check(user=acting_user)
    _raise(_provider_validate(data, provider))
    created = provider is None
    provider = provider or Provider()
    provider.name = data.name.strip()
    provider.credit_code = data.credit_code.strip().upper()
    provider.division_code = data.division_code
    provider.contact = data.contact.strip()
    provider.phone = data.phone.strip()
    provider.active = data.active
    provider.save()
    audit_record(
        actor=acting_user,
        action="eldercare.provider.create" if created else "eldercare.provider.update",
        target=provider,
        data={"name": provider.name, "active": provider.active},
    )
    return provider


@transaction.atomic
def provider_staff_link(
    *, acting_user: User, provider: Provider, username: str, is_manager: bool
) -> ProviderStaff:
    """Link an existing provider-role account to a provider, as manager or caregiver."""
    city_check(user=acting_user)
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None or user.role != Role.PROVIDER:
        raise EldercareError.one(
            "username",
            "没有该服务商账号（须为“服务商”角色的在用账号）",
            "no active provider-role account with that username",
        )
    staff = ProviderStaff.objects.filter(user=user).first()
    if staff is not None and staff.provider_id != provider.pk:
        raise EldercareError.one(
            "username",
            f"该账号已属于服务商“{staff.provider}”",
            "the account already belongs to another provider",
        )
    staff = staff or ProviderStaff(user=user, provider=provider)
    staff.is_manager = is_manager
    staff.save()
    audit_record(
        actor=acting_user,
        action="eldercare.provider_staff.link",
        target=provider,
        data={"username": user.username, "is_manager": is_manager},
    )
    return staff


# --- caregivers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CaregiverIn:
    name: str
    skill_level: str
    certificate_number: str = ""
    certificate_valid_to: dt.date | None = None
    training_hours: int = 0
    username: str = ""  # the caregiver's own sign-in (a provider-role account), optional
    active: bool = True


def caregiver_manage_check(*, user: User, provider: Provider | None = None) -> None:
    """The provider's manager, or the city's eldercare staff, keep its caregivers.

    Without a provider: whether the user keeps any provider's caregivers at all.
    """
    if provider_of(user) is not None:
        if provider is not None:
            provider_check(user=user, provider_id=provider.pk)
        if not user.provider_staff.is_manager:
            raise PermissionDenied(_("只有服务商管理人员可以办理"))
        return
    city_check(user=user)


def caregiver_warnings(caregiver: Caregiver, *, on: dt.date) -> list[str]:
    """What the office should know about a caregiver's qualification on a day."""
    warnings = []
    if not caregiver.certificate_number:
        warnings.append("未登记职业技能证书")
    elif caregiver.certificate_valid_to is not None and caregiver.certificate_valid_to < on:
        warnings.append(f"职业技能证书已于{caregiver.certificate_valid_to:%Y-%m-%d}过期")
    return warnings


@transaction.atomic
def caregiver_save(
    *,
    acting_user: User,
    provider: Provider,
    data: CaregiverIn,
    caregiver: Caregiver | None = None,
) -> Caregiver:
    """Add or change a provider's caregiver (the provider's manager or the city's staff)."""
    caregiver_manage_check(user=acting_user, provider=provider)
    problems: list[tuple[str, str, str]] = []
    if not data.name.strip() or len(data.name) > 50:
        problems.append(("name", "请填写护理员姓名（50字以内）", "name is required"))
    if data.skill_level not in SkillLevel.values:
        problems.append(("skill_level", "技能等级不在可选范围内", "unknown skill_level"))
    if not 0 <= data.training_hours <= 10000:
        problems.append(("training_hours", "培训学时应在0至10000之间", "training_hours range"))
    if len(data.certificate_number) > 40:
        problems.append(("certificate_number", "证书编号过长", "certificate_number too long"))
    if data.certificate_number and data.certificate_valid_to is None:
        problems.append(
            ("certificate_valid_to", "请填写证书有效期", "certificate_valid_to is required")
        )
    user = None
    if data.username:
        user = User.objects.filter(username=data.username, is_active=True).first()
        staff = getattr(user, "provider_staff", None) if user is not None else None
        if staff is None or staff.provider_id != provider.pk:
            problems.append(
                (
                    "username",
                    "登录账号须为本服务商已关联的服务商账号",
                    "the account must be linked to this provider",
                )
            )
        elif (
            Caregiver.objects.filter(user=user).exclude(pk=getattr(caregiver, "pk", None)).exists()
        ):
            problems.append(("username", "该账号已关联其他护理员", "account used by another"))
    _raise(problems)
    created = caregiver is None
    caregiver = caregiver or Caregiver(provider=provider)
    caregiver.name = data.name.strip()
    caregiver.skill_level = data.skill_level
    caregiver.certificate_number = data.certificate_number.strip()
    caregiver.certificate_valid_to = data.certificate_valid_to
    caregiver.training_hours = data.training_hours
    caregiver.user = user
    caregiver.active = data.active
    caregiver.save()
    audit_record(
        actor=acting_user,
        action="eldercare.caregiver.create" if created else "eldercare.caregiver.update",
        target=caregiver,
        data={"provider": provider.pk, "skill_level": caregiver.skill_level},
    )
    return caregiver


# --- catalogue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceItemIn:
    code: str
    name: str
    category: str
    minutes: int
    min_minutes: int
    price: Decimal | str
    active: bool = True


@transaction.atomic
def service_item_save(
    *, acting_user: User, data: ServiceItemIn, item: ServiceItem | None = None
) -> ServiceItem:
    """Add or change an item of the service catalogue (the city's eldercare staff).

    A changed price applies to orders made from then on; orders keep the amount they had.
    """
    city_check(user=acting_user)
    problems: list[tuple[str, str, str]] = []
    code = data.code.strip().upper()
    if not re.match(r"^[A-Z0-9-]{2,20}$", code):
        problems.append(("code", "编码应为2至20位字母或数字", "code: 2-20 letters/digits"))
    elif ServiceItem.objects.filter(code=code).exclude(pk=getattr(item, "pk", None)).exists():
        problems.append(("code", "该编码已被使用", "code already used"))
    if not data.name.strip() or len(data.name) > 60:
        problems.append(("name", "请填写服务项目名称（60字以内）", "name is required"))
    if not data.category.strip() or len(data.category) > 20:
        problems.append(("category", "请填写类别（20字以内）", "category is required"))
    if not 1 <= data.minutes <= 600:
        problems.append(("minutes", "标准时长应在1至600分钟之间", "minutes: 1-600"))
    if not 1 <= data.min_minutes <= data.minutes:
        problems.append(
            ("min_minutes", "最短有效时长应在1分钟至标准时长之间", "min_minutes: 1..minutes")
        )
    price = _money(data.price, "price", "单价", problems)
    _raise(problems)
    created = item is None
    item = item or ServiceItem()
    item.code = code
    item.name = data.name.strip()
    item.category = data.category.strip()
    item.minutes = data.minutes
    item.min_minutes = data.min_minutes
    item.price = price
    item.active = data.active
    item.save()
    audit_record(
        actor=acting_user,
        action="eldercare.service_item.create" if created else "eldercare.service_item.update",
        target=item,
        data={"code": item.code, "price": str(item.price), "min_minutes": item.min_minutes},
    )
    return item


# --- service plans -------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanIn:
    provider_id: int
    items: dict[str, int]  # item code -> times per month
    monthly_budget: Decimal | str
    valid_from: dt.date
    home_lat: Decimal | str | None = None
    home_lng: Decimal | str | None = None


def _coordinate(value: object, low: int, high: int) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or not low <= number <= high:
        return None
    return number.quantize(MICRO, rounding=ROUND_HALF_UP)


def location_parse(text: str, field_name: str = "location") -> tuple[Decimal, Decimal]:
    """Turn "lat,lng" (as typed or as the phone gives it) into two 6-decimal coordinates."""
    parts = [part for part in re.split(r"[,，\s]+", (text or "").strip()) if part]
    if not parts:
        raise EldercareError.one(
            field_name, "请填写定位（纬度,经度）或允许手机定位", f"{field_name} is required"
        )
    lat = _coordinate(parts[0], -90, 90) if len(parts) == 2 else None
    lng = _coordinate(parts[1], -180, 180) if len(parts) == 2 else None
    if lat is None or lng is None:
        raise EldercareError.one(
            field_name,
            "定位格式应为“纬度,经度”，如 31.875400,120.555900",
            f'{field_name} must be "lat,lng" in degrees',
        )
    return lat, lng


def _person_in_scope(user: User, person_id: int) -> Person:
    """The person, when the office or village worker may serve them; else one clear error.

    A missing person and another town's person get the same answer, so that the error does not
    tell whether someone exists outside the user's scope.
    """
    prefix = read_prefix(user)
    person = Person.objects.filter(pk=person_id).first()
    if person is None or prefix is None or not person.residence_division_id.startswith(prefix):
        raise EldercareError.one(
            "person", "未找到该老人，或该老人不在您的辖区内", "no such person in your area"
        )
    return person


@transaction.atomic
def service_plan_create(
    *, acting_user: User, person_id: int, data: PlanIn, on: dt.date
) -> ServicePlan:
    """Make an elder's home-service plan (the town's office or the village worker in scope).

    Creates the elder's profile if there is none; home coordinates given on the form are kept
    on the profile (supervision measures check-in distances from them).
    """
    field_check(user=acting_user, division_code=read_prefix(acting_user) or "-")
    person = _person_in_scope(acting_user, person_id)
    field_check(user=acting_user, division_code=person.residence_division_id)
    problems: list[tuple[str, str, str]] = []
    if person.death_date is not None:
        problems.append(
            (
                "person",
                f"{person.name}已于{person.death_date:%Y-%m-%d}死亡，不能制定服务计划",
                "the person has died",
            )
        )
    provider = Provider.objects.filter(pk=data.provider_id, active=True).first()
    if provider is None:
        problems.append(("provider", "请选择在约的服务商", "no active provider with that id"))
    elif not person.residence_division_id.startswith(provider.division_code):
        problems.append(
            ("provider", "该服务商的服务区域不含老人住址", "provider does not serve that area")
        )
    items = {
        item.code: item
        for item in ServiceItem.objects.filter(code__in=list(data.items), active=True)
    }
    if not data.items:
        problems.append(("items", "请至少选择一个服务项目", "at least one item"))
    for code, times in data.items.items():
        if code not in items:
            problems.append(("items", f"服务项目{code}不存在或已停用", f"unknown item {code}"))
        elif not isinstance(times, int) or not 1 <= times <= 31:
            problems.append(
                ("items", f"{items[code].name}每月次数应在1至31之间", f"{code}: times 1-31")
            )
    budget = _money(data.monthly_budget, "monthly_budget", "每月补贴额度", problems)
    if not dt.date(2000, 1, 1) <= data.valid_from <= on + dt.timedelta(days=366):
        problems.append(("valid_from", "起始日期不合理", "valid_from out of range"))
    lat = lng = None
    if data.home_lat not in (None, "") or data.home_lng not in (None, ""):
        lat = _coordinate(data.home_lat, -90, 90)
        lng = _coordinate(data.home_lng, -180, 180)
        if lat is None or lng is None:
            problems.append(("home_lat", "住址坐标应为有效的纬度、经度", "home lat/lng invalid"))
    if provider is not None and (
        ServicePlan.objects.filter(person=person, provider=provider)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=data.valid_from))
        .exists()
    ):
        problems.append(
            (
                "provider",
                "该老人与该服务商已有有效的服务计划，请先终止原计划",
                "an active plan with this provider exists",
            )
        )
    _raise(problems)
    profile, _created = ElderProfile.objects.get_or_create(
        person=person, defaults={"division_code": person.residence_division_id}
    )
    if lat is not None:
        profile.home_lat, profile.home_lng = lat, lng
        profile.save(update_fields=["home_lat", "home_lng", "updated_at"])
    plan = ServicePlan.objects.create(
        person=person,
        provider=provider,
        division_code=person.residence_division_id,
        valid_from=data.valid_from,
        monthly_budget=budget,
        created_by=acting_user,
    )
    PlanItem.objects.bulk_create(
        [
            PlanItem(plan=plan, item=items[code], times_per_month=times)
            for code, times in sorted(data.items.items())
        ]
    )
    audit_record(
        actor=acting_user,
        action="eldercare.service_plan.create",
        target=plan,
        data={
            "provider": provider.pk,
            "items": dict(sorted(data.items.items())),
            "monthly_budget": str(budget),
            "valid_from": data.valid_from.isoformat(),
        },
        division_code=plan.division_code,
    )
    return plan


@transaction.atomic
def service_plan_end(
    *, acting_user: User, plan: ServicePlan, valid_to: dt.date, on: dt.date, note: str = ""
) -> ServicePlan:
    """End a plan on `valid_to` and cancel its orders still planned after that day."""
    field_check(user=acting_user, division_code=plan.division_code)
    plan = ServicePlan.objects.select_for_update().get(pk=plan.pk)
    if plan.valid_to is not None and plan.valid_to <= valid_to:
        raise EldercareError.one(
            "valid_to", f"该计划已于{plan.valid_to:%Y-%m-%d}终止", "the plan has already ended"
        )
    if valid_to < plan.valid_from:
        raise EldercareError.one(
            "valid_to", "终止日期不能早于起始日期", "valid_to is before valid_from"
        )
    plan.valid_to = valid_to
    plan.save(update_fields=["valid_to"])
    cancelled = _orders_after(plan_ids=[plan.pk], after=valid_to)
    for order in cancelled:
        transition_perform(
            workflow=WORK_ORDER,
            case=order,
            name="cancel",
            acting_user=acting_user,
            on=on,
            note=_("服务计划终止"),
        )
    audit_record(
        actor=acting_user,
        action="eldercare.service_plan.end",
        target=plan,
        data={"valid_to": valid_to.isoformat(), "note": note, "cancelled": len(cancelled)},
        division_code=plan.division_code,
    )
    return plan


def _orders_after(*, plan_ids: Sequence[int], after: dt.date) -> list[WorkOrder]:
    return list(
        WorkOrder.objects.filter(plan_id__in=plan_ids, state="planned", scheduled_on__gt=after)
        .select_related("item", "person")
        .order_by("scheduled_on", "pk")
    )


# --- work orders ---------------------------------------------------------------------------


def _manager_of(user: User) -> Provider | None:
    provider = provider_of(user)
    staff = getattr(user, "provider_staff", None)
    return provider if provider is not None and staff.is_manager else None


def order_number_next(month: dt.date, count: int = 1) -> list[str]:
    """The next `count` work-order numbers of a month: GD + YYYYMM + a six-digit sequence."""
    prefix = f"{ORDER_PREFIX}{month:%Y%m}"
    last = (
        WorkOrder.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    start = int(last[len(prefix) :]) + 1 if last else 1
    return [f"{prefix}{sequence:06d}" for sequence in range(start, start + count)]


def _active_plan(person: Person, provider: Provider, on: dt.date) -> ServicePlan | None:
    return (
        ServicePlan.objects.filter(person=person, provider=provider, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("-valid_from")
        .first()
    )


@transaction.atomic
def work_order_create(
    *,
    acting_user: User,
    person_id: int,
    item_code: str,
    scheduled_on: dt.date,
    on: dt.date,
    provider_id: int | None = None,
    caregiver_id: int | None = None,
) -> WorkOrder:
    """Make one visit for an elder in a provider's plan, of an item in that plan.

    The office (town, village in scope, city) names the provider; a provider's manager makes
    orders for its own provider. The amount is the item's price at the time of the order.
    """
    manager_provider = _manager_of(acting_user)
    if provider_of(acting_user) is not None:  # a provider's staff: its manager orders
        if manager_provider is None:
            raise PermissionDenied(_("只有服务商管理人员可以派单"))
        provider = manager_provider
        person = Person.objects.filter(pk=person_id).first()
    else:
        field_check(user=acting_user, division_code=read_prefix(acting_user) or "-")
        person = _person_in_scope(acting_user, person_id)
        provider = Provider.objects.filter(pk=provider_id).first()
        if provider is None:
            raise EldercareError.one("provider", "请选择服务商", "no provider with that id")
    plan = _active_plan(person, provider, scheduled_on) if person is not None else None
    if plan is None:
        raise EldercareError.one(
            "person",
            f"该老人在{scheduled_on:%Y-%m-%d}不在“{provider}”的有效服务计划内，不能派单",
            "the elder is not in this provider's active plan on that date",
        )
    plan_item = PlanItem.objects.filter(plan=plan, item__code=item_code).select_related("item")
    plan_item = plan_item.first()
    if plan_item is None:
        raise EldercareError.one(
            "item",
            "该服务项目不在老人的服务计划内，不能派单",
            "the item is not in the elder's plan",
        )
    if person.death_date is not None and person.death_date <= scheduled_on:
        raise EldercareError.one(
            "person",
            f"{person.name}已于{person.death_date:%Y-%m-%d}死亡，不能派单",
            "the elder has died",
        )
    caregiver = None
    if caregiver_id is not None:
        caregiver = Caregiver.objects.filter(pk=caregiver_id, provider=provider, active=True)
        caregiver = caregiver.first()
        if caregiver is None:
            raise EldercareError.one(
                "caregiver", "护理员须为该服务商在岗的护理员", "caregiver not of this provider"
            )
    order = WorkOrder(
        number=order_number_next(scheduled_on.replace(day=1))[0],
        plan=plan,
        item=plan_item.item,
        person=person,
        provider=provider,
        caregiver=caregiver,
        division_code=plan.division_code,
        scheduled_on=scheduled_on,
        amount=plan_item.item.price,
    )
    transition_perform(
        workflow=WORK_ORDER, case=order, name="create", acting_user=acting_user, on=on
    )
    return order


def work_order_assign_check(*, user: User) -> None:
    """Raise PermissionDenied unless the user is a provider's manager (who assigns)."""
    if _manager_of(user) is None:
        raise PermissionDenied(_("只有服务商管理人员可以指派护理员"))


def work_order_cancel_check(*, user: User) -> None:
    """Raise PermissionDenied unless the user may cancel some orders: a manager or the field."""
    if _manager_of(user) is None:
        field_check(user=user, division_code=read_prefix(user) or "-")


def check_in_out_check(*, user: User) -> None:
    """Raise PermissionDenied unless the user is a caregiver (who checks in and out)."""
    if caregiver_of(user) is None:
        raise PermissionDenied(_("只能为派给自己的工单签到、签退"))


@transaction.atomic
def work_order_assign(
    *, acting_user: User, order: WorkOrder, caregiver_id: int, on: dt.date
) -> WorkOrder:
    """Give a planned order to one of the provider's caregivers (the provider's manager)."""
    manager_provider = _manager_of(acting_user)
    if manager_provider is None or manager_provider.pk != order.provider_id:
        raise PermissionDenied(_("只有服务商管理人员可以指派护理员"))
    order = WorkOrder.objects.select_for_update().get(pk=order.pk)
    if order.state != "planned":
        raise EldercareError.one(
            "order",
            f"工单当前为“{order.state_label}”，只有待服务的工单可以指派护理员",
            "only a planned order can be assigned",
        )
    caregiver = Caregiver.objects.filter(
        pk=caregiver_id, provider_id=order.provider_id, active=True
    ).first()
    if caregiver is None:
        raise EldercareError.one(
            "caregiver", "护理员须为本服务商在岗的护理员", "caregiver not of this provider"
        )
    order.caregiver = caregiver
    order.save(update_fields=["caregiver", "updated_at"])
    audit_record(
        actor=acting_user,
        action="eldercare.work_order.assign",
        target=order,
        data={"caregiver": caregiver.pk, "on": on.isoformat()},
        division_code=order.division_code,
    )
    return order


@transaction.atomic
def work_order_cancel(
    *, acting_user: User, order: WorkOrder, on: dt.date, note: str = ""
) -> WorkOrder:
    """Cancel a planned order (the office in scope, or the provider's manager)."""
    if acting_user.is_authenticated and acting_user.role == Role.PROVIDER:
        manager_provider = _manager_of(acting_user)
        if manager_provider is None or manager_provider.pk != order.provider_id:
            raise PermissionDenied(_("您无权办理该环节"))
    else:
        field_check(user=acting_user, division_code=order.division_code)
    if order.state != "planned":
        raise EldercareError.one(
            "order",
            f"工单当前为“{order.state_label}”，只有待服务的工单可以取消",
            "only a planned order can be cancelled",
        )
    transition_perform(
        workflow=WORK_ORDER, case=order, name="cancel", acting_user=acting_user, on=on, note=note
    )
    return order


def _photo_hash(photo: bytes | None) -> str:
    if not photo:
        return ""
    if len(photo) > MAX_PHOTO_BYTES:
        raise EldercareError.one("photo", "照片不能超过10MB", "photo larger than 10 MB")
    return hashlib.sha256(photo).hexdigest()


def _own_order_check(user: User, order: WorkOrder) -> Caregiver:
    caregiver = caregiver_of(user)
    if caregiver is None or order.caregiver_id != caregiver.pk:
        raise PermissionDenied(_("只能为派给自己的工单签到、签退"))
    return caregiver


@transaction.atomic
def work_order_check_in(
    *,
    acting_user: User,
    order: WorkOrder,
    at: dt.datetime,
    location: str,
    photo: bytes | None = None,
    on: dt.date,
) -> WorkOrder:
    """The caregiver arrives: time, location ("lat,lng") and the photo's SHA-256."""
    _own_order_check(acting_user, order)
    order.refresh_from_db()
    if order.state != "planned":
        raise EldercareError.one(
            "order",
            f"该工单当前为“{order.state_label}”，只有待服务的工单可以签到",
            "only a planned order can be checked in",
        )
    lat, lng = location_parse(location)
    photo_hash = _photo_hash(photo)
    transition_perform(
        workflow=WORK_ORDER,
        case=order,
        name="check_in",
        acting_user=acting_user,
        on=on,
        changes={
            "check_in_at": at,
            "check_in_lat": lat,
            "check_in_lng": lng,
            "check_in_photo": photo_hash,
        },
        data={"location": f"{lat},{lng}", "photo": photo_hash},
    )
    return order


@transaction.atomic
def work_order_check_out(
    *,
    acting_user: User,
    order: WorkOrder,
    at: dt.datetime,
    location: str,
    photo: bytes | None = None,
    on: dt.date,
) -> WorkOrder:
    """The caregiver leaves: refused before a check-in, or at a time before it."""
    _own_order_check(acting_user, order)
    order.refresh_from_db()
    if order.state == "planned":
        raise EldercareError.one(
            "order",
            "该工单尚未签到，不能签退：请先上户签到",
            "check-out before check-in: check in first",
        )
    if order.state != "in_service":
        raise EldercareError.one(
            "order",
            f"该工单当前为“{order.state_label}”，不能签退",
            "only an order in service can be checked out",
        )
    if order.check_in_at is not None and at < order.check_in_at:
        raise EldercareError.one(
            "at", "签退时间不能早于签到时间", "check-out time is before the check-in time"
        )
    lat, lng = location_parse(location)
    photo_hash = _photo_hash(photo)
    transition_perform(
        workflow=WORK_ORDER,
        case=order,
        name="check_out",
        acting_user=acting_user,
        on=on,
        changes={
            "check_out_at": at,
            "check_out_lat": lat,
            "check_out_lng": lng,
            "check_out_photo": photo_hash,
        },
        data={"location": f"{lat},{lng}", "photo": photo_hash},
    )
    return order


# --- call-backs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CallBackIn:
    reached: bool
    service_confirmed: bool | None = None
    satisfaction: int | None = None
    note: str = ""


@transaction.atomic
def callback_record(
    *, acting_user: User, order: WorkOrder, data: CallBackIn, on: dt.date
) -> CallBack:
    """Record a satisfaction call-back (回访) on a done visit (the office in scope)."""
    office_check(user=acting_user, division_code=order.division_code)
    problems: list[tuple[str, str, str]] = []
    if order.state != "done":
        problems.append(
            ("order", "只能回访已完成的上门服务", "only a done order can be called back")
        )
    if order.call_backs.filter(reached=True).exists():
        problems.append(("order", "该工单已回访", "already called back"))
    if data.reached:
        if data.satisfaction is None or not 1 <= data.satisfaction <= 5:
            problems.append(("satisfaction", "满意度应为1至5分", "satisfaction must be 1-5"))
        if data.service_confirmed is None:
            problems.append(
                ("service_confirmed", "请填写老人是否确认接受了服务", "service_confirmed needed")
            )
    elif data.satisfaction is not None or data.service_confirmed is not None:
        problems.append(
            ("reached", "未联系上时不能填写满意度和确认情况", "not reached: no answers")
        )
    if len(data.note) > 2000:
        problems.append(("note", "说明不能超过2000字", "note too long"))
    if order.check_out_at is not None and on < order.check_out_at.date() - dt.timedelta(days=1):
        problems.append(("called_on", "回访日期早于服务日期", "call-back before the visit"))
    _raise(problems)
    callback = CallBack.objects.create(
        order=order,
        called_on=on,
        reached=data.reached,
        service_confirmed=data.service_confirmed if data.reached else None,
        satisfaction=data.satisfaction if data.reached else None,
        note=data.note.strip(),
        called_by=acting_user,
    )
    audit_record(
        actor=acting_user,
        action="eldercare.callback.record",
        target=order,
        data={
            "reached": data.reached,
            "service_confirmed": data.service_confirmed,
            "satisfaction": data.satisfaction,
        },
        division_code=order.division_code,
    )
    return callback


def callback_sample_rate(month: dt.date) -> Decimal:
    """The share of done visits called back each month (provisional parameter)."""
    try:
        value = parameters_at(f"{month:%Y-%m}").get(CALLBACK_SAMPLE_RATE).value
    except ParameterMissingError:
        raise EldercareError.one(
            "month",
            f"{month:%Y年%m月}没有回访抽样比例参数",
            f"no call-back sampling rate in force in {month:%Y-%m}",
        ) from None
    return Decimal(str(value))


def callback_sample(orders: Iterable[WorkOrder], *, rate: Decimal, seed: int) -> list[WorkOrder]:
    """Pick ceil(rate x n) of the orders at random, the same ones for the same seed and orders."""
    pool = sorted(orders, key=lambda order: order.pk)
    count = min(len(pool), math.ceil(Decimal(len(pool)) * rate)) if rate > 0 else 0
    chosen = random.Random(seed).sample(pool, count)  # noqa: S311 - sampling, not security
    return sorted(chosen, key=lambda order: (order.scheduled_on, order.pk))


# --- the month's planned orders ------------------------------------------------------------


def month_days(month: dt.date) -> list[dt.date]:
    following = add_months(month, 1)
    return [month + dt.timedelta(days=day) for day in range((following - month).days)]


def spread_dates(days: Sequence[dt.date], times: int, offset: int = 0) -> list[dt.date]:
    """`times` dates spread evenly over `days` (in order); a day repeats when times > days.

    `offset` (e.g. the plan's id) shifts the dates within their spacing, so that not every
    plan's visits fall on the same days of the month.
    """
    if not days or times <= 0:
        return []
    shift = offset % max(1, len(days) // times)
    return [days[min(len(days) - 1, index * len(days) // times + shift)] for index in range(times)]


@dataclass
class GenerateResult:
    created: int = 0
    existing: int = 0
    plans: int = 0
    skipped: list[str] = field(default_factory=list)


@transaction.atomic
def orders_plan_generate(
    *, acting_user: User, month: dt.date, on: dt.date, provider_id: int | None = None
) -> GenerateResult:
    """Make the month's planned orders from the active plans, spread over the month.

    Idempotent: an item already having orders in the month (in any state) gets only the
    missing ones. Only the days of the month inside the plan count; a plan that begins or ends
    within the month still gets its full number of visits, on its days. An elder who died
    before the month is skipped.
    """
    prefix = read_prefix(acting_user)
    office_check(user=acting_user, division_code=prefix or "-")
    following = add_months(month, 1)
    last_day = following - dt.timedelta(days=1)
    plans = (
        ServicePlan.objects.filter(division_code__startswith=prefix, valid_from__lte=last_day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month))
        .select_related("person", "provider")
        .prefetch_related("items__item")
        .order_by("pk")
    )
    if provider_id is not None:
        plans = plans.filter(provider_id=provider_id)
    plans = list(plans)
    existing: dict[tuple[int, int], int] = {}
    for plan_id, item_id in WorkOrder.objects.filter(
        plan_id__in=[plan.pk for plan in plans], scheduled_on__gte=month, scheduled_on__lt=following
    ).values_list("plan_id", "item_id"):
        existing[(plan_id, item_id)] = existing.get((plan_id, item_id), 0) + 1
    result = GenerateResult()
    orders: list[WorkOrder] = []
    days = month_days(month)
    for plan in plans:
        person = plan.person
        if person.death_date is not None and person.death_date < month:
            result.skipped.append(f"{person.name}：已死亡")
            continue
        plan_days = [
            day
            for day in days
            if plan.valid_from <= day
            and (plan.valid_to is None or day <= plan.valid_to)
            and (person.death_date is None or day <= person.death_date)
        ]
        result.plans += 1
        for plan_item in plan.items.all():
            have = existing.get((plan.pk, plan_item.item_id), 0)
            result.existing += have
            wanted = spread_dates(plan_days, plan_item.times_per_month, offset=plan.pk)
            for scheduled_on in wanted[have:]:
                orders.append(
                    WorkOrder(
                        plan=plan,
                        item=plan_item.item,
                        person=person,
                        provider=plan.provider,
                        division_code=plan.division_code,
                        scheduled_on=scheduled_on,
                        amount=plan_item.item.price,
                    )
                )
    orders.sort(key=lambda order: (order.scheduled_on, order.plan_id, order.item_id))
    for order, number in zip(orders, order_number_next(month, len(orders)), strict=True):
        order.number = number
        transition_perform(
            workflow=WORK_ORDER,
            case=order,
            name="create",
            acting_user=acting_user,
            on=on,
            note=_("按服务计划生成"),
        )
    result.created = len(orders)
    return result


# --- death ---------------------------------------------------------------------------------


@transaction.atomic
def homecare_death_effects(*, acting_user: User, person: Person, on: dt.date) -> list[str]:
    """End the person's home-service plans on the day of death; stop visits planned after it."""
    plans = list(
        ServicePlan.objects.filter(person=person)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .select_related("provider")
    )
    lines = []
    for plan in plans:
        plan.valid_to = max(on, plan.valid_from)
        plan.save(update_fields=["valid_to"])
        audit_record(
            actor=acting_user,
            action="eldercare.service_plan.end",
            target=plan,
            data={"valid_to": plan.valid_to.isoformat(), "note": "死亡"},
            division_code=plan.division_code,
        )
        lines.append(f"终止居家上门服务计划（{plan.provider}），终止日期{plan.valid_to:%Y-%m-%d}")
    orders = list(
        WorkOrder.objects.filter(person=person, state="planned", scheduled_on__gt=on)
        .select_related("item")
        .order_by("scheduled_on", "pk")
    )
    for order in orders:
        transition_perform(
            workflow=WORK_ORDER,
            case=order,
            name="stop",
            acting_user=acting_user,
            on=on,
            note=_("老人死亡，停止服务"),
        )
    if orders:
        lines.append(f"停止{len(orders)}张待服务的上门服务工单")
    return lines
