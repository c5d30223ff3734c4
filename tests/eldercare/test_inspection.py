"""Safety inspections: hazards -> rectification -> re-check, the overdue alert, scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from minzheng.alerts.models import Alert
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.institutions import (
    HazardIn,
    InspectionIn,
    hazard_recheck,
    hazard_rectify,
    hazards_overdue_alert,
    inspection_record,
    institution_register,
)
from minzheng.eldercare.models import Hazard, Inspection
from minzheng.workflow.models import TransitionRecord
from minzheng.workflow.services import WorkflowError
from tests.eldercare.test_institution import institution_data

INSPECTED = dt.date(2026, 4, 1)
DEADLINE = dt.date(2026, 4, 30)


@pytest.fixture
def hazard(yangshe_clerk) -> Hazard:
    institution = institution_register(acting_user=yangshe_clerk, data=institution_data())
    inspection = inspection_record(
        acting_user=yangshe_clerk,
        institution=institution,
        data=InspectionIn(
            inspected_on=INSPECTED,
            inspectors="王检查、李检查",
            checklist={"fire": "hazard", "electrical": "ok", "gas": "ok", "food": "ok"},
            hazards=(HazardIn("fire", "二楼疏散通道堆放杂物", "major", DEADLINE),),
        ),
    )
    return inspection.hazards.get()


def test_an_inspection_opens_one_case_per_hazard_with_its_deadline(hazard):
    assert (hazard.state, hazard.due_on, hazard.state_label) == ("open", DEADLINE, "待整改")
    assert list(
        TransitionRecord.objects.filter(workflow="eldercare.hazard").values_list("transition", "on")
    ) == [("create", INSPECTED)]


def test_a_hazard_on_an_item_marked_ok_is_refused_and_nothing_is_recorded(yangshe_clerk):
    institution = institution_register(acting_user=yangshe_clerk, data=institution_data())

    with pytest.raises(EldercareError) as error:
        inspection_record(
            acting_user=yangshe_clerk,
            institution=institution,
            data=InspectionIn(
                inspected_on=INSPECTED,
                inspectors="王检查",
                checklist={"gas": "ok", "lift": "ok"},
                hazards=(HazardIn("gas", "燃气管老化", "general", INSPECTED),),
            ),
        )

    assert [field for field, _, _ in error.value.problems] == [
        "checklist",
        "hazards[0]",
        "hazards[0]",
    ]
    assert (Inspection.objects.count(), Hazard.objects.count()) == (0, 0)


def test_rectified_then_passed_closes_the_hazard(yangshe_clerk, hazard):
    hazard_rectify(
        acting_user=yangshe_clerk, hazard=hazard, report="已清理通道", on=dt.date(2026, 4, 10)
    )
    assert (hazard.state, hazard.due_on) == ("rectified", dt.date(2026, 4, 17))

    hazard_recheck(acting_user=yangshe_clerk, hazard=hazard, passed=True, on=dt.date(2026, 4, 12))

    hazard.refresh_from_db()
    assert (hazard.state, hazard.rechecked_on, hazard.due_on) == (
        "closed",
        dt.date(2026, 4, 12),
        None,
    )


def test_a_failed_recheck_sends_it_back_with_a_new_deadline(yangshe_clerk, hazard):
    hazard_rectify(acting_user=yangshe_clerk, hazard=hazard, report="已清理", on=INSPECTED)

    with pytest.raises(EldercareError):
        hazard_recheck(acting_user=yangshe_clerk, hazard=hazard, passed=False, on=INSPECTED)
    hazard_recheck(
        acting_user=yangshe_clerk,
        hazard=hazard,
        passed=False,
        on=dt.date(2026, 4, 5),
        note="杂物仍在",
        deadline=dt.date(2026, 4, 20),
    )

    hazard.refresh_from_db()
    assert (hazard.state, hazard.due_on) == ("open", dt.date(2026, 4, 20))


def test_a_recheck_before_rectification_is_out_of_order(yangshe_clerk, hazard):
    with pytest.raises(WorkflowError) as error:
        hazard_recheck(acting_user=yangshe_clerk, hazard=hazard, passed=True, on=INSPECTED)

    assert error.value.message_zh == "办件当前为“待整改”，不能复查通过"


def test_another_town_cannot_take_a_step(tangqiao_clerk, hazard):
    with pytest.raises(PermissionDenied):
        hazard_rectify(acting_user=tangqiao_clerk, hazard=hazard, report="x", on=INSPECTED)

    hazard.refresh_from_db()
    assert hazard.state == "open"


def test_an_overdue_rectification_raises_one_alert_the_day_after_the_deadline(hazard, capsys):
    assert hazards_overdue_alert(acting_user=None, on=DEADLINE)[1] == 0

    call_command("institutions", "overdue-hazards", "--on", "2026-05-01")
    call_command("institutions", "overdue-hazards", "--on", "2026-05-02")

    alert = Alert.objects.get()
    assert (alert.kind, alert.division_code) == ("eldercare.hazard_overdue", hazard.division_code)
    assert "整改逾期隐患 1 项，新预警 1 条" in capsys.readouterr().out


def test_a_rectified_hazard_is_not_overdue(yangshe_clerk, hazard):
    hazard_rectify(acting_user=yangshe_clerk, hazard=hazard, report="已清理", on=INSPECTED)

    assert hazards_overdue_alert(acting_user=None, on=dt.date(2026, 6, 1)) == ([], 0)
