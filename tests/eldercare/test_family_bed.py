"""Family eldercare beds: the steps from application to service, the conditions, the cost cap,
device serials, death, the page and the API."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from minzheng.audit.models import AuditEvent
from minzheng.eldercare.entitlement_models import FamilyBed
from minzheng.eldercare.entitlements import (
    entitlement_death_effects,
    family_bed_adapt,
    family_bed_apply,
    family_bed_assess,
    family_bed_contract,
    family_bed_end,
    family_bed_install,
    family_bed_start,
)
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import Device, ServicePlan
from minzheng.workflow.models import TransitionRecord
from minzheng.workflow.services import WorkflowError
from tests.conftest import verified_login
from tests.eldercare.test_entitlement import FULL, LEVEL_2, assess, dibao

ON = dt.date(2026, 11, 2)
ITEMS = [("扶手", Decimal("600")), ("防滑垫", Decimal("150.5"))]
DEVICES = [
    ("sos", "SOS-0001", Decimal("800")),
    ("smoke", "SMK-0001", Decimal("200")),
    ("presence", "RAD-0001", Decimal("1200")),
]


@pytest.fixture
def bed(elder, yangshe_clerk) -> FamilyBed:
    return family_bed_apply(
        acting_user=yangshe_clerk, person=elder, address="杨舍镇合成社区01 第6幢601室", on=ON
    )


@pytest.fixture
def assessed(bed, elder, yangshe_clerk) -> FamilyBed:
    assessment = assess(elder, yangshe_clerk, LEVEL_2, dt.date(2026, 10, 20))
    dibao(elder)
    return family_bed_assess(acting_user=yangshe_clerk, bed=bed, assessment=assessment, on=ON)


def test_a_bed_goes_from_application_to_service(
    assessed, elder, yangshe_clerk, home_provider, provider_manager
):
    family_bed_adapt(acting_user=yangshe_clerk, bed=assessed, items=ITEMS, on=ON)
    family_bed_install(acting_user=yangshe_clerk, bed=assessed, devices=DEVICES, on=ON)
    family_bed_contract(
        acting_user=yangshe_clerk,
        bed=assessed,
        provider=home_provider,
        number="JCXY-2026-001",
        valid_from=ON,
        valid_to=dt.date(2027, 11, 1),
        on=ON,
    )
    plan = ServicePlan.objects.create(
        person=elder,
        provider=home_provider,
        division_code=elder.residence_division_id,
        valid_from=ON,
        monthly_budget=Decimal("300.00"),
        created_by=yangshe_clerk,
    )
    family_bed_start(acting_user=yangshe_clerk, bed=assessed, plan=plan, on=ON)

    bed = FamilyBed.objects.get()
    assert (bed.number, bed.state, bed.build_cost) == (
        "JC20261100001",
        "in_service",
        Decimal("2950.50"),
    )
    assert bed.devices[2] == {
        "kind": "presence",
        "serial": "RAD-0001",
        "cost": "1200.00",
        "installed_on": "2026-11-02",
    }
    # Under contract, the devices join the care part's register with the provider.
    registered = Device.objects.filter(person=elder).order_by("serial")
    assert [(device.serial, device.device_type, device.provider) for device in registered] == [
        ("RAD-0001", "inactivity", home_provider),
        ("SMK-0001", "smoke", home_provider),
        ("SOS-0001", "sos", home_provider),
    ]
    steps = TransitionRecord.objects.filter(workflow="eldercare.family_bed").order_by("pk")
    assert [step.transition for step in steps] == [
        "apply",
        "assess",
        "adapt",
        "install",
        "contract",
        "start",
    ]
    assert AuditEvent.objects.filter(action__startswith="eldercare.family_bed.").count() == 6
    assert AuditEvent.objects.filter(action="eldercare.device.register").count() == 3


def test_the_assessment_step_refuses_an_elder_who_does_not_qualify(bed, elder, yangshe_clerk):
    assessment = assess(elder, yangshe_clerk, FULL, dt.date(2026, 10, 20), dementia=False)

    with pytest.raises(EldercareError) as error:
        family_bed_assess(acting_user=yangshe_clerk, bed=bed, assessment=assessment, on=ON)

    assert error.value.messages_zh == [
        "家庭养老床位须能力等级1级及以上：最近一次能力评估（2026-10-20）为能力完好",
        "家庭养老床位限低保、低保边缘或特困家庭的老人",
    ]
    bed.refresh_from_db()
    assert (bed.state, bed.assessment_id) == ("applied", None)


def test_the_cost_cap_holds_over_adaptation_and_devices(assessed, yangshe_clerk):
    family_bed_adapt(acting_user=yangshe_clerk, bed=assessed, items=ITEMS, on=ON)

    with pytest.raises(EldercareError, match=r"超过每张床位5000\.00元的上限"):
        family_bed_install(
            acting_user=yangshe_clerk,
            bed=assessed,
            devices=[*DEVICES, ("mattress", "MAT-0001", Decimal("2100"))],
            on=ON,
        )
    assessed.refresh_from_db()
    assert (assessed.state, assessed.devices) == ("adapted", [])


def test_bad_devices_are_each_named_and_nothing_changes(assessed, yangshe_clerk):
    family_bed_adapt(acting_user=yangshe_clerk, bed=assessed, items=ITEMS, on=ON)

    with pytest.raises(EldercareError) as error:
        family_bed_install(
            acting_user=yangshe_clerk,
            bed=assessed,
            devices=[
                ("toaster", "X-01", Decimal("10")),
                ("sos", "X-01", Decimal("-1")),
                ("gas", "?", 0),
            ],
            on=ON,
        )

    assert error.value.messages_zh == [
        "第1台：设备类型无效",
        "第2台：费用不能为负",
        "第3台：设备编号应为4-40位字母、数字或连字符",
        "设备编号重复",
    ]
    assessed.refresh_from_db()
    assert assessed.state == "adapted"


def test_steps_out_of_order_and_other_towns_are_refused(bed, yangshe_clerk, tangqiao_clerk):
    with pytest.raises(WorkflowError):
        family_bed_adapt(acting_user=yangshe_clerk, bed=bed, items=ITEMS, on=ON)
    with pytest.raises(PermissionDenied):
        family_bed_end(acting_user=tangqiao_clerk, bed=bed, reason="测试", on=ON)
    with pytest.raises(EldercareError, match="已有办理中"):
        family_bed_apply(acting_user=yangshe_clerk, person=bed.person, address="别处", on=ON)
    bed.refresh_from_db()
    assert bed.state == "applied"


def test_death_ends_an_open_bed(bed, elder, yangshe_clerk):
    lines = entitlement_death_effects(acting_user=yangshe_clerk, person=elder, on=ON)

    bed.refresh_from_db()
    assert (bed.state, bed.ended_on, bed.end_reason) == ("ended", ON, "2026-11-02死亡")
    assert lines == [f"家庭养老床位{bed.number}：撤床（2026-11-02死亡）"]


def test_the_bed_page_records_a_step(client, bed, yangshe_clerk):
    verified_login(client, yangshe_clerk)
    page = client.get(f"/eldercare/beds/{bed.pk}/").content.decode()
    assert 'id="step-assess"' in page
    assert 'id="step-adapt"' not in page

    response = client.post(f"/eldercare/beds/{bed.pk}/", {"step": "end", "reason": "老人入住机构"})

    assert response.status_code == 302
    bed.refresh_from_db()
    assert (bed.state, bed.end_reason) == ("ended", "老人入住机构")


def test_the_api_applies_and_refuses_a_second_application(client, elder, yangshe_clerk):
    verified_login(client, yangshe_clerk)
    body = json.dumps({"person_id": elder.pk, "address": "杨舍镇合成社区01 第6幢601室"})

    first = client.post("/api/eldercare/beds", body, "application/json")
    second = client.post("/api/eldercare/beds", body, "application/json")

    assert (first.status_code, first.json()["state"]) == (201, "applied")
    assert second.status_code == 422
    assert second.json()["errors"][0]["field"] == "person"
    assert FamilyBed.objects.count() == 1
