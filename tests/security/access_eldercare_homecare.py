"""Access-table rows of 居家上门服务 (see tests/security/eldercare_parts.py).

The world's provider (a manager and a caregiver of its own, neither a column) serves the
family's head in 杨舍镇 under a plan from 2026-01-01, with one planned order (2026-12-01) and one
done. Providers and the catalogue are the city's: only the city's eldercare staff or
administrator register and change them; every office reads them. Plans, orders and call-backs
follow the elder's town: another town gets 404 (or 422 for an elder it names), a provider-role
account without a provider reads nothing (403), the auditor reads but may not write. The
phone pages and check-in/out are the caregiver's alone: every column is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from minzheng.accounts.models import Role, User
from minzheng.eldercare import homecare
from minzheng.eldercare.models import (
    Caregiver,
    Provider,
    ProviderStaff,
    ServiceItem,
    ServicePlan,
    WorkOrder,
)
from tests.conftest import _user
from tests.security.conftest import MISSING, World
from tests.security.tables import FORBIDDEN_WRITE, Operation, Page
from tests.security.tables import LOGIN as L

API = "/api/eldercare/homecare"
PAGE = "/eldercare/homecare"
CREDIT_CODE = "52320582MJ0000088X"
CITY_ONLY = {403: {**FORBIDDEN_WRITE, "detail": "只有市局养老服务人员可以办理"}}
FIELD_ONLY = {403: {**FORBIDDEN_WRITE, "detail": "您无权在该区划办理养老服务事项"}}
OFFICE_ONLY = {
    403: {**FORBIDDEN_WRITE, "detail": "只有所在镇（街道）或市局的养老服务经办人员可以办理"}
}
READERS_ONLY = {403: {**FORBIDDEN_WRITE, "detail": "您无权查看居家上门服务"}}
MANAGERS_ONLY = {403: {**FORBIDDEN_WRITE, "detail": "只有服务商管理人员可以指派护理员"}}
CAREGIVERS_ONLY = {403: {**FORBIDDEN_WRITE, "detail": "只能为派给自己的工单签到、签退"}}
NOT_IN_AREA = {
    422: {
        "type": "about:blank",
        "title": "Unprocessable Entity",
        "status": 422,
        "detail": "输入有误 Invalid input",
        "errors": [
            {
                "field": "person",
                "message_zh": "未找到该老人，或该老人不在您的辖区内",
                "message_en": "no such person in your area",
            }
        ],
    }
}
CITY = frozenset({"city"})
WRITERS = frozenset({"own_town", "city"})
ON = dt.date(2026, 11, 28)
AT = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


def homecare_ready(world: World) -> None:
    """The provider, its manager and caregiver, two items, the head's plan and two orders."""
    if Provider.objects.filter(credit_code=CREDIT_CODE).exists():
        return
    clerk = User.objects.get(username="yangshe_clerk")
    provider = Provider.objects.create(
        name="安全测试居家养老服务中心", credit_code=CREDIT_CODE, division_code="320582"
    )
    manager = _user("hc_manager", Role.PROVIDER, "320582")
    ProviderStaff.objects.create(user=manager, provider=provider, is_manager=True)
    carer = _user("hc_caregiver", Role.PROVIDER, "320582")
    ProviderStaff.objects.create(user=carer, provider=provider, is_manager=False)
    caregiver = Caregiver.objects.create(
        provider=provider, user=carer, name="测试护理员", skill_level="4"
    )
    _user("hc_staff", Role.PROVIDER, "320582")  # a provider-role account to link
    for code, name, price in (("ZX01", "助洁：居室清洁", "40.00"), ("SH01", "生活照料", "25.00")):
        ServiceItem.objects.create(
            code=code, name=name, category=name[:2], minutes=60, min_minutes=45, price=price
        )
    homecare.service_plan_create(
        acting_user=clerk,
        person_id=world.family.head_id,
        data=homecare.PlanIn(
            provider_id=provider.pk,
            items={"ZX01": 4, "SH01": 4},
            monthly_budget=Decimal("260"),
            valid_from=dt.date(2026, 1, 1),
        ),
        on=dt.date(2026, 1, 1),
    )
    orders = [
        homecare.work_order_create(
            acting_user=manager,
            person_id=world.family.head_id,
            item_code="ZX01",
            scheduled_on=day,
            caregiver_id=caregiver.pk,
            on=ON,
        )
        for day in (dt.date(2026, 12, 1), dt.date(2026, 11, 27))
    ]
    done = orders[1]
    homecare.work_order_check_in(
        acting_user=carer, order=done, at=AT, location="31.8754,120.5559", on=ON
    )
    homecare.work_order_check_out(
        acting_user=carer,
        order=done,
        at=AT + dt.timedelta(minutes=60),
        location="31.8754,120.5559",
        on=ON,
    )


def _newest(model: type, **filters: object) -> Callable[[], object]:
    return lambda: (
        model.objects.filter(**filters).order_by("-pk").values_list("pk", flat=True).first()
        or MISSING
    )


IDS: dict[str, Callable[[], object]] = {
    "homecare_provider": _newest(Provider),
    "homecare_caregiver": _newest(Caregiver),
    "homecare_item": _newest(ServiceItem),
    "homecare_plan": _newest(ServicePlan),
    "homecare_order": _newest(WorkOrder, state="planned"),
    "homecare_done_order": _newest(WorkOrder, state="done"),
}

READ = (L, 200, 403, 200, 200, 200)
READ_ONE = (L, 404, 403, 200, 200, 200)
CITY_PAGE = (L, 403, 403, 403, 200, 403)
REFUSED = (L, 403, 403, 403, 403, 403)
PROVIDER_PAGE = PAGE + "/providers/{homecare_provider}/"
PLAN_PAGE = PAGE + "/plans/{homecare_plan}/"
ORDER_PAGE = PAGE + "/orders/{homecare_order}/"
DONE_PAGE = PAGE + "/orders/{homecare_done_order}/"
PHONE_ORDER = PAGE + "/phone/orders/{homecare_order}/"

PROVIDER_FORM = {
    "name": "张家港测试居家养老服务社",
    "credit_code": "52320582MJ0000077X",
    "division_code": "320582",
    "contact": "王经理",
    "phone": "0512-58000000",
    "active": "on",
}
CAREGIVER_FORM = {
    "name": "新护理员",
    "skill_level": "5",
    "certificate_number": "ZJG-HL-0777",
    "certificate_valid_to": "2028-12-31",
    "training_hours": "60",
    "username": "",
    "active": "on",
}
ITEM_FORM = {
    "code": "JS01",
    "name": "精神慰藉：陪伴聊天",
    "category": "精神慰藉",
    "minutes": "60",
    "min_minutes": "40",
    "price": "30.00",
    "active": "on",
}

PAGES = [
    Page("eldercare:provider_list", "GET", PAGE + "/providers/", READ, prepare=homecare_ready),
    Page("eldercare:provider_create", "GET", PAGE + "/providers/new/", CITY_PAGE),
    Page(
        "eldercare:provider_create",
        "POST",
        PAGE + "/providers/new/",
        (L, 403, 403, 403, PAGE + "/providers/{new_homecare_provider}/", 403),
        data=PROVIDER_FORM,
        action="eldercare.provider.create",
        changes=CITY,
    ),
    Page("eldercare:provider_detail", "GET", PROVIDER_PAGE, READ, prepare=homecare_ready),
    Page(
        "eldercare:provider_edit",
        "GET",
        PROVIDER_PAGE + "edit/",
        CITY_PAGE,
        prepare=homecare_ready,
    ),
    Page(
        "eldercare:provider_edit",
        "POST",
        PROVIDER_PAGE + "edit/",
        (L, 403, 403, 403, PROVIDER_PAGE, 403),
        data={**PROVIDER_FORM, "credit_code": CREDIT_CODE},
        action="eldercare.provider.update",
        changes=CITY,
        prepare=homecare_ready,
    ),
    Page(
        "eldercare:provider_staff_link",
        "POST",
        PROVIDER_PAGE + "staff/",
        (L, 403, 403, 403, PROVIDER_PAGE, 403),
        data={"username": "hc_staff", "is_manager": "on"},
        action="eldercare.provider_staff.link",
        changes=CITY,
        prepare=homecare_ready,
    ),
    Page(
        "eldercare:caregiver_create",
        "GET",
        PROVIDER_PAGE + "caregivers/new/",
        CITY_PAGE,
        prepare=homecare_ready,
    ),
    Page(
        "eldercare:caregiver_create",
        "POST",
        PROVIDER_PAGE + "caregivers/new/",
        (L, 403, 403, 403, PROVIDER_PAGE, 403),
        data=CAREGIVER_FORM,
        action="eldercare.caregiver.create",
        changes=CITY,
        prepare=homecare_ready,
    ),
    Page(
        "eldercare:caregiver_edit",
        "GET",
        PAGE + "/caregivers/{homecare_caregiver}/",
        CITY_PAGE,
        prepare=homecare_ready,
    ),
    Page(
        "eldercare:caregiver_edit",
        "POST",
        PAGE + "/caregivers/{homecare_caregiver}/",
        (L, 403, 403, 403, PROVIDER_PAGE, 403),
        data=CAREGIVER_FORM,
        action="eldercare.caregiver.update",
        changes=CITY,
        prepare=homecare_ready,
    ),
    Page("eldercare:item_list", "GET", PAGE + "/items/", READ, prepare=homecare_ready),
    Page("eldercare:item_create", "GET", PAGE + "/items/new/", CITY_PAGE),
    Page(
        "eldercare:item_create",
        "POST",
        PAGE + "/items/new/",
        (L, 403, 403, 403, PAGE + "/items/", 403),
        data=ITEM_FORM,
        action="eldercare.service_item.create",
        changes=CITY,
    ),
    Page(
        "eldercare:item_edit",
        "GET",
        PAGE + "/items/{homecare_item}/",
        CITY_PAGE,
        prepare=homecare_ready,
    ),
    Page(
        "eldercare:item_edit",
        "POST",
        PAGE + "/items/{homecare_item}/",
        (L, 403, 403, 403, PAGE + "/items/", 403),
        data={**ITEM_FORM, "code": "SH01"},
        action="eldercare.service_item.update",
        changes=CITY,
        prepare=homecare_ready,
    ),
    Page("eldercare:plan_list", "GET", PAGE + "/plans/", READ, prepare=homecare_ready),
    Page(
        "eldercare:plan_create",
        "GET",
        PAGE + "/persons/{spouse}/plan/",
        (L, 404, 404, 200, 200, 403),
        prepare=homecare_ready,
    ),
    Page(
        "eldercare:plan_create",
        "POST",
        PAGE + "/persons/{spouse}/plan/",
        (
            L,
            404,
            404,
            PAGE + "/plans/{new_homecare_plan}/",
            PAGE + "/plans/{new_homecare_plan}/",
            403,
        ),
        data={
            "provider": "{homecare_provider}",
            "monthly_budget": "160",
            "valid_from": "2026-12-01",
            "home_lat": "31.8754",
            "home_lng": "120.5559",
            "times_ZX01": "4",
            "times_SH01": "",
        },
        action="eldercare.service_plan.create",
        changes=WRITERS,
        prepare=homecare_ready,
    ),
    Page("eldercare:plan_detail", "GET", PLAN_PAGE, READ_ONE, prepare=homecare_ready),
    Page(
        "eldercare:plan_end",
        "POST",
        PLAN_PAGE + "end/",
        (L, 404, 403, PLAN_PAGE, PLAN_PAGE, 403),
        data={"valid_to": "2026-12-31", "note": "搬到子女家"},
        action="eldercare.service_plan.end",
        changes=WRITERS,
        prepare=homecare_ready,
    ),
    Page(
        "eldercare:order_create",
        "GET",
        PLAN_PAGE + "orders/new/",
        READ_ONE,
        prepare=homecare_ready,
    ),
    Page(
        "eldercare:order_create",
        "POST",
        PLAN_PAGE + "orders/new/",
        (
            L,
            404,
            403,
            PAGE + "/orders/{new_homecare_order}/",
            PAGE + "/orders/{new_homecare_order}/",
            403,
        ),
        data={"item_code": "ZX01", "scheduled_on": "2026-12-02"},
        action="eldercare.work_order.create",
        changes=WRITERS,
        prepare=homecare_ready,
    ),
    Page("eldercare:order_list", "GET", PAGE + "/orders/", READ, prepare=homecare_ready),
    Page("eldercare:order_detail", "GET", ORDER_PAGE, READ_ONE, prepare=homecare_ready),
    Page(
        "eldercare:order_assign",
        "POST",
        ORDER_PAGE + "assign/",
        (L, 404, 403, 403, 403, 403),
        data={"caregiver": "{homecare_caregiver}"},
        prepare=homecare_ready,
    ),
    Page(
        "eldercare:order_cancel",
        "POST",
        ORDER_PAGE + "cancel/",
        (L, 404, 403, ORDER_PAGE, ORDER_PAGE, 403),
        data={"note": "老人住院"},
        action="eldercare.work_order.cancel",
        changes=WRITERS,
        prepare=homecare_ready,
    ),
    Page(
        "eldercare:callback_create",
        "POST",
        DONE_PAGE + "callback/",
        (L, 404, 403, DONE_PAGE, DONE_PAGE, 403),
        data={"reached": "on", "service_confirmed": "true", "satisfaction": "5", "note": ""},
        action="eldercare.callback.record",
        changes=WRITERS,
        prepare=homecare_ready,
    ),
    Page(
        "eldercare:callback_list",
        "GET",
        PAGE + "/callbacks/",
        READ,
        prepare=homecare_ready,
    ),
    Page("eldercare:phone", "GET", PAGE + "/phone/", REFUSED, prepare=homecare_ready),
    Page("eldercare:phone_order", "GET", PHONE_ORDER, REFUSED, prepare=homecare_ready),
    Page(
        "eldercare:phone_check_in",
        "POST",
        PHONE_ORDER + "check-in/",
        REFUSED,
        data={"location": "31.8754,120.5559"},
        prepare=homecare_ready,
    ),
    Page(
        "eldercare:phone_check_out",
        "POST",
        PHONE_ORDER + "check-out/",
        REFUSED,
        data={"location": "31.8754,120.5559"},
        prepare=homecare_ready,
    ),
]

API_READ = (401, 200, 403, 200, 200, 200)
API_READ_ONE = (401, 404, 403, 200, 200, 200)
API_CITY = (401, 403, 403, 403, 200, 403)
ONE_PROVIDER = {"provider_id": "homecare_provider"}
ONE_PLAN = {"plan_id": "homecare_plan"}
ONE_ORDER = {"order_id": "homecare_order"}
PROVIDER_BODY = {"name": "张家港测试居家养老服务社", "credit_code": "52320582MJ0000077X"}
CAREGIVER_BODY = {"name": "新护理员", "skill_level": "5", "training_hours": 40}
ITEM_BODY = {
    "code": "JS01",
    "name": "精神慰藉：陪伴聊天",
    "category": "精神慰藉",
    "minutes": 60,
    "min_minutes": 40,
    "price": "30.00",
}
CHECK_BODY = {"location": "31.8754,120.5559"}

OPERATIONS = [
    Operation(
        "homecare_providers_list",
        "get",
        f"{API}/providers",
        API_READ,
        counts=(None, 1, None, 1, 1, 1),
        problems=READERS_ONLY,
        prepare=homecare_ready,
    ),
    Operation(
        "homecare_provider_create",
        "post",
        f"{API}/providers",
        (401, 403, 403, 403, 201, 403),
        body=PROVIDER_BODY,
        action="eldercare.provider.create",
        changes=CITY,
        problems=CITY_ONLY,
    ),
    Operation(
        "homecare_provider_get",
        "get",
        f"{API}/providers/{{provider_id}}",
        API_READ,
        ids=ONE_PROVIDER,
        problems=READERS_ONLY,
        prepare=homecare_ready,
    ),
    Operation(
        "homecare_provider_update",
        "post",
        f"{API}/providers/{{provider_id}}",
        API_CITY,
        body={**PROVIDER_BODY, "credit_code": CREDIT_CODE},
        action="eldercare.provider.update",
        changes=CITY,
        ids=ONE_PROVIDER,
        problems=CITY_ONLY,
        prepare=homecare_ready,
    ),
    Operation(
        "homecare_provider_staff_link",
        "post",
        f"{API}/providers/{{provider_id}}/staff",
        API_CITY,
        body={"username": "hc_staff", "is_manager": False},
        action="eldercare.provider_staff.link",
        changes=CITY,
        ids=ONE_PROVIDER,
        problems=CITY_ONLY,
        prepare=homecare_ready,
    ),
    Operation(
        "homecare_caregivers_list",
        "get",
        f"{API}/providers/{{provider_id}}/caregivers",
        API_READ,
        counts=(None, 1, None, 1, 1, 1),
        ids=ONE_PROVIDER,
        problems=READERS_ONLY,
        prepare=homecare_ready,
    ),
    Operation(
        "homecare_caregiver_create",
        "post",
        f"{API}/providers/{{provider_id}}/caregivers",
        (401, 403, 403, 403, 201, 403),
        body=CAREGIVER_BODY,
        action="eldercare.caregiver.create",
        changes=CITY,
        ids=ONE_PROVIDER,
        problems=CITY_ONLY,
        prepare=homecare_ready,
    ),
    Operation(
        "homecare_caregiver_update",
        "post",
        f"{API}/caregivers/{{caregiver_id}}",
        API_CITY,
        body=CAREGIVER_BODY,
        action="eldercare.caregiver.update",
        changes=CITY,
        ids={"caregiver_id": "homecare_caregiver"},
        problems=CITY_ONLY,
        prepare=homecare_ready,
    ),
    Operation(
        "homecare_items_list",
        "get",
        f"{API}/items",
        API_READ,
        counts=(None, 2, None, 2, 2, 2),
        problems=READERS_ONLY,
        prepare=homecare_ready,
    ),
    Operation(
        "homecare_item_create",
        "post",
        f"{API}/items",
        (401, 403, 403, 403, 201, 403),
        body=ITEM_BODY,
        action="eldercare.service_item.create",
        changes=CITY,
        problems=CITY_ONLY,
    ),
    Operation(
        "homecare_item_update",
        "post",
        f"{API}/items/{{item_id}}",
        API_CITY,
        body={**ITEM_BODY, "code": "SH01"},
        action="eldercare.service_item.update",
        changes=CITY,
        ids={"item_id": "homecare_item"},
        problems=CITY_ONLY,
        prepare=homecare_ready,
    ),
    Operation(
        "homecare_plans_list",
        "get",
        f"{API}/plans",
        API_READ,
        counts=(None, 0, None, 1, 1, 1),
        problems=READERS_ONLY,
        prepare=homecare_ready,
    ),
    Operation(
        "homecare_plan_create",
        "post",
        f"{API}/plans",
        (401, 422, 403, 201, 201, 403),
        body={
            "person_id": "{spouse}",
            "provider_id": "{homecare_provider}",
            "items": {"ZX01": 4},
            "monthly_budget": "160.00",
            "valid_from": "2026-12-01",
        },
        action="eldercare.service_plan.create",
        changes=WRITERS,
        problems={**FIELD_ONLY, **NOT_IN_AREA},
        prepare=homecare_ready,
    ),
    Operation(
        "homecare_plan_get",
        "get",
        f"{API}/plans/{{plan_id}}",
        API_READ_ONE,
        ids=ONE_PLAN,
        problems=READERS_ONLY,
        prepare=homecare_ready,
    ),
    Operation(
        "homecare_plan_end",
        "post",
        f"{API}/plans/{{plan_id}}/end",
        (401, 404, 403, 200, 200, 403),
        body={"valid_to": "2026-12-31", "note": "搬到子女家"},
        action="eldercare.service_plan.end",
        changes=WRITERS,
        ids=ONE_PLAN,
        problems=FIELD_ONLY,
        prepare=homecare_ready,
    ),
    Operation(
        "homecare_orders_list",
        "get",
        f"{API}/orders",
        API_READ,
        counts=(None, 0, None, 2, 2, 2),
        problems=READERS_ONLY,
        prepare=homecare_ready,
    ),
    Operation(
        "homecare_order_create",
        "post",
        f"{API}/orders",
        (401, 422, 403, 201, 201, 403),
        body={
            "person_id": "{head}",
            "provider_id": "{homecare_provider}",
            "item_code": "ZX01",
            "scheduled_on": "2026-12-02",
        },
        action="eldercare.work_order.create",
        changes=WRITERS,
        problems={**FIELD_ONLY, **NOT_IN_AREA},
        prepare=homecare_ready,
    ),
    Operation(
        "homecare_order_get",
        "get",
        f"{API}/orders/{{order_id}}",
        API_READ_ONE,
        ids=ONE_ORDER,
        problems=READERS_ONLY,
        prepare=homecare_ready,
    ),
    Operation(
        "homecare_order_assign",
        "post",
        f"{API}/orders/{{order_id}}/assign",
        (401, 403, 403, 403, 403, 403),
        body={"caregiver_id": "{homecare_caregiver}"},
        ids=ONE_ORDER,
        problems=MANAGERS_ONLY,
        prepare=homecare_ready,
    ),
    Operation(
        "homecare_order_cancel",
        "post",
        f"{API}/orders/{{order_id}}/cancel",
        (401, 404, 403, 200, 200, 403),
        body={"note": "老人住院"},
        action="eldercare.work_order.cancel",
        changes=WRITERS,
        ids=ONE_ORDER,
        problems=FIELD_ONLY,
        prepare=homecare_ready,
    ),
    Operation(
        "homecare_order_check_in",
        "post",
        f"{API}/orders/{{order_id}}/check-in",
        (401, 403, 403, 403, 403, 403),
        body=CHECK_BODY,
        ids=ONE_ORDER,
        problems=CAREGIVERS_ONLY,
        prepare=homecare_ready,
    ),
    Operation(
        "homecare_order_check_out",
        "post",
        f"{API}/orders/{{order_id}}/check-out",
        (401, 403, 403, 403, 403, 403),
        body=CHECK_BODY,
        ids=ONE_ORDER,
        problems=CAREGIVERS_ONLY,
        prepare=homecare_ready,
    ),
    Operation(
        "homecare_callback_create",
        "post",
        f"{API}/orders/{{order_id}}/callbacks",
        (401, 404, 403, 201, 201, 403),
        body={"reached": True, "service_confirmed": True, "satisfaction": 5},
        action="eldercare.callback.record",
        changes=WRITERS,
        ids={"order_id": "homecare_done_order"},
        problems=OFFICE_ONLY,
        prepare=homecare_ready,
    ),
    Operation(
        "homecare_callbacks_sample",
        "get",
        f"{API}/callbacks/sample",
        API_READ,
        query="?month=2026-11&rate=1",
        problems={403: {**FORBIDDEN_WRITE, "detail": "只有养老服务经办人员可以回访"}},
        prepare=homecare_ready,
    ),
]
