"""Access-table rows of 老年助餐 (see tests/security/eldercare_parts.py).

The world's meal point is run by 杨舍镇 itself (no operator), with the family's head registered
since 2026-01-01, one lunch recorded on 2026-10-01 and September settled. Another town and a
provider's account without a provider see none of it (404); the auditor reads (and exports,
audited) but may not write (403).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from minzheng.accounts.models import User
from minzheng.eldercare import meals as services
from minzheng.eldercare.meal_models import MealPoint, MealRegistration, MealSettlement
from tests.conftest import HEAD_ID, SPOUSE_ID
from tests.security.conftest import MISSING, World
from tests.security.tables import FORBIDDEN_WRITE, Operation, Page
from tests.security.tables import LOGIN as L

POINT_NAME = "杨舍镇合成社区老年食堂（安全测试）"
WRITERS = frozenset({"own_town", "city"})
OFFICE_ONLY = {
    403: {**FORBIDDEN_WRITE, "detail": "只有所在镇（街道）或市局的养老服务经办人员可以办理"}
}
FIELD_ONLY = {403: {**FORBIDDEN_WRITE, "detail": "您无权在该区划办理养老服务事项"}}
POINT = "/eldercare/meal-points/{meal_point}/"
SETTLEMENT = "/eldercare/meal-settlements/{meal_settlement}/"


def meal_ready(world: World) -> None:
    """杨舍镇's point, the family's head registered, a lunch on 2026-10-01, September closed."""
    if MealPoint.objects.filter(name=POINT_NAME).exists():
        return
    clerk = User.objects.get(username="yangshe_clerk")
    point = services.meal_point_create(
        acting_user=clerk,
        data=services.MealPointIn(
            name=POINT_NAME, division_code="320582100", address="杨舍镇人民路1号", capacity=50
        ),
    )
    head = world.family.head
    services.meal_registration_create(
        acting_user=clerk, point=point, person=head, on=dt.date(2026, 1, 1)
    )
    services.meal_record_create(
        acting_user=clerk,
        point=point,
        person=head,
        served_on=dt.date(2026, 10, 1),
        meal="lunch",
        price=Decimal("15.00"),
        today=dt.date(2026, 10, 1),
    )
    services.meal_settlement_close(
        acting_user=clerk, point=point, month=dt.date(2026, 9, 1), today=dt.date(2026, 10, 1)
    )


def _file(ids: dict[str, object]) -> dict[str, object]:
    content = f"公民身份号码,姓名,就餐日期,餐次,餐费\n{HEAD_ID},王建国,2026-10-03,午餐,15\n"
    return {"file": SimpleUploadedFile("meals.csv", content.encode(), content_type="text/csv")}


def _newest(model: type) -> Callable[[], object]:
    return lambda: model.objects.order_by("-pk").values_list("pk", flat=True).first() or MISSING


IDS: dict[str, Callable[[], object]] = {
    "meal_point": _newest(MealPoint),
    "meal_registration": _newest(MealRegistration),
    "meal_settlement": _newest(MealSettlement),
}

READ = (L, 200, 200, 200, 200, 200)
READ_ONE = (L, 404, 404, 200, 200, 200)
WRITE_ONE = (L, 404, 404, POINT, POINT, 403)

PAGES = [
    Page("eldercare:meal_point_list", "GET", "/eldercare/meal-points/", READ, prepare=meal_ready),
    Page(
        "eldercare:meal_point_list",
        "POST",
        "/eldercare/meal-points/",
        (
            L,
            200,  # another town may only choose its own divisions: the form says so
            403,
            "/eldercare/meal-points/{new_meal_point}/",
            "/eldercare/meal-points/{new_meal_point}/",
            403,
        ),
        data={
            "name": "杨舍镇合成村助餐点",
            "division_code": "320582100",
            "address": "合成村村委会",
            "capacity": "40",
            "operator": "",
        },
        action="eldercare.meal_point.create",
        changes=WRITERS,
    ),
    Page("eldercare:meal_point_detail", "GET", POINT, READ_ONE, prepare=meal_ready),
    Page(
        "eldercare:meal_registration_create",
        "POST",
        POINT + "register/",
        WRITE_ONE,
        data={"id_number": SPOUSE_ID, "valid_from": "2026-10-01"},
        action="eldercare.meal_registration.create",
        changes=WRITERS,
        prepare=meal_ready,
    ),
    Page(
        "eldercare:meal_registration_end",
        "POST",
        "/eldercare/meal-registrations/{meal_registration}/end/",
        WRITE_ONE,
        data={"valid_to": "2026-10-31", "reason": "搬到子女家"},
        action="eldercare.meal_registration.end",
        changes=WRITERS,
        prepare=meal_ready,
    ),
    Page(
        "eldercare:meal_record_create",
        "POST",
        POINT + "record/",
        WRITE_ONE,
        data={"person": "{head}", "served_on": "2026-10-02", "meal": "lunch", "price": "15.00"},
        action="eldercare.meal_record.create",
        changes=WRITERS,
        prepare=meal_ready,
    ),
    Page(
        "eldercare:meal_record_import",
        "POST",
        POINT + "import/",
        WRITE_ONE,
        data=_file,
        action="eldercare.meal_record.import",
        changes=WRITERS,
        prepare=meal_ready,
    ),
    Page(
        "eldercare:meal_settlement_close",
        "POST",
        POINT + "settle/",
        (
            L,
            404,
            404,
            "/eldercare/meal-settlements/{new_meal_settlement}/",
            "/eldercare/meal-settlements/{new_meal_settlement}/",
            403,
        ),
        data={"month": "2026-10"},
        action="eldercare.meal_settlement.close",
        changes=WRITERS,
        prepare=meal_ready,
    ),
    Page("eldercare:meal_settlement_detail", "GET", SETTLEMENT, READ_ONE, prepare=meal_ready),
    Page(
        "eldercare:meal_settlement_export",
        "GET",
        SETTLEMENT + "export/",
        READ_ONE,
        action="eldercare.meal_settlement.export",
        changes=frozenset({"own_town", "city", "auditor"}),
        prepare=meal_ready,
    ),
]

API = "/api/eldercare"
ONE_POINT = {"point_id": "meal_point"}
OPERATIONS = [
    Operation(
        "eldercare_meal_point_list",
        "get",
        f"{API}/meal-points",
        (401, 200, 200, 200, 200, 200),
        counts=(None, 0, 0, 1, 1, 1),
        prepare=meal_ready,
    ),
    Operation(
        "eldercare_meal_point_create",
        "post",
        f"{API}/meal-points",
        (401, 403, 403, 201, 201, 403),
        body={
            "name": "杨舍镇合成村助餐点",
            "division_code": "320582100",
            "address": "合成村村委会",
            "capacity": 40,
        },
        action="eldercare.meal_point.create",
        changes=WRITERS,
        problems=OFFICE_ONLY,
    ),
    Operation(
        "eldercare_meal_point_get",
        "get",
        f"{API}/meal-points/{{point_id}}",
        (401, 404, 404, 200, 200, 200),
        ids=ONE_POINT,
        prepare=meal_ready,
    ),
    Operation(
        "eldercare_meal_registration_list",
        "get",
        f"{API}/meal-points/{{point_id}}/registrations",
        (401, 404, 404, 200, 200, 200),
        counts=(None, None, None, 1, 1, 1),
        ids=ONE_POINT,
        prepare=meal_ready,
    ),
    Operation(
        "eldercare_meal_registration_create",
        "post",
        f"{API}/meal-points/{{point_id}}/registrations",
        (401, 404, 404, 201, 201, 403),
        body={"person_id": "{spouse}", "valid_from": "2026-10-01"},
        action="eldercare.meal_registration.create",
        changes=WRITERS,
        ids=ONE_POINT,
        problems=FIELD_ONLY,
        prepare=meal_ready,
    ),
    Operation(
        "eldercare_meal_registration_end",
        "post",
        f"{API}/meal-registrations/{{registration_id}}/end",
        (401, 404, 404, 200, 200, 403),
        body={"valid_to": "2026-10-31", "reason": "搬到子女家"},
        action="eldercare.meal_registration.end",
        changes=WRITERS,
        ids={"registration_id": "meal_registration"},
        problems=FIELD_ONLY,
        prepare=meal_ready,
    ),
    Operation(
        "eldercare_meal_record_list",
        "get",
        f"{API}/meal-points/{{point_id}}/records",
        (401, 404, 404, 200, 200, 200),
        counts=(None, None, None, 1, 1, 1),
        ids=ONE_POINT,
        prepare=meal_ready,
    ),
    Operation(
        "eldercare_meal_record_create",
        "post",
        f"{API}/meal-points/{{point_id}}/records",
        (401, 404, 404, 201, 201, 403),
        body={"person_id": "{head}", "served_on": "2026-10-02", "meal": "lunch", "price": "15.00"},
        action="eldercare.meal_record.create",
        changes=WRITERS,
        ids=ONE_POINT,
        problems=FIELD_ONLY,
        prepare=meal_ready,
    ),
    Operation(
        "eldercare_meal_record_import",
        "post",
        f"{API}/meal-points/{{point_id}}/records/import",
        (401, 404, 404, 201, 201, 403),
        form=_file,
        action="eldercare.meal_record.import",
        changes=WRITERS,
        ids=ONE_POINT,
        problems=FIELD_ONLY,
        prepare=meal_ready,
    ),
    Operation(
        "eldercare_meal_settlement_close",
        "post",
        f"{API}/meal-points/{{point_id}}/settlements",
        (401, 404, 404, 200, 200, 403),
        body={"month": "2026-10"},
        action="eldercare.meal_settlement.close",
        changes=WRITERS,
        ids=ONE_POINT,
        problems=OFFICE_ONLY,
        prepare=meal_ready,
    ),
    Operation(
        "eldercare_meal_settlement_get",
        "get",
        f"{API}/meal-settlements/{{settlement_id}}",
        (401, 404, 404, 200, 200, 200),
        ids={"settlement_id": "meal_settlement"},
        prepare=meal_ready,
    ),
]
