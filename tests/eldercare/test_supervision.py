"""Supervision of home-service visits: each rule on both sides of its threshold, idempotency,
clearing and refusing a flagged visit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from minzheng.alerts.models import Alert
from minzheng.audit.models import AuditEvent
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import ServicePlan, WorkOrder
from minzheng.eldercare.supervision import (
    haversine_m,
    in_hospital,
    order_clear,
    order_refuse,
    overlapping,
    supervise,
    supervision_death_effects,
)
from minzheng.exchange.models import ExchangeBatch, Signal
from tests.eldercare.conftest import HOME

MONTH = dt.date(2026, 10, 1)
TODAY = dt.date(2026, 11, 5)
NUMBERS = count(1)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 10, day, hour, minute, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def plan(elder, home_provider, yangshe_clerk):
    return ServicePlan.objects.create(
        person=elder,
        provider=home_provider,
        division_code=elder.elder_profile.division_code,
        valid_from=dt.date(2026, 1, 1),
        monthly_budget=Decimal("300.00"),
        created_by=yangshe_clerk,
    )


def visit(plan, item, caregiver, *, day=5, start=(9, 0), minutes=60, where=HOME, **extra):
    """A done visit, written as the check-in/out services would leave it."""
    check_in = at(day, *start)
    values = {
        "number": f"WO202610{next(NUMBERS):06d}",
        "plan": plan,
        "item": item,
        "person": plan.person,
        "provider": plan.provider,
        "caregiver": caregiver,
        "division_code": plan.division_code,
        "scheduled_on": check_in.date(),
        "state": "done",
        "check_in_at": check_in,
        "check_out_at": check_in + dt.timedelta(minutes=minutes),
        "check_in_lat": where[0] if where else None,
        "check_in_lng": where[1] if where else None,
        "check_out_lat": where[0] if where else None,
        "check_out_lng": where[1] if where else None,
        "check_in_photo": f"{next(NUMBERS):064x}",
        "check_out_photo": f"{next(NUMBERS):064x}",
        "amount": item.price,
    }
    values.update(extra)
    return WorkOrder.objects.create(**values)


def codes(order: WorkOrder) -> list[str]:
    order.refresh_from_db()
    return [flag["code"] for flag in order.flags]


def run(user=None):
    return supervise(acting_user=user, month=MONTH, on=TODAY)


# --- pure rules ------------------------------------------------------------------------------


def test_haversine_of_a_known_distance():
    # one thousandth of a degree of latitude is about 111 m
    assert haversine_m(31.0, 120.0, 31.001, 120.0) == pytest.approx(111.19, abs=0.1)
    assert haversine_m(31.0, 120.0, 31.0, 120.0) == 0


@settings(max_examples=60, deadline=None)
@given(
    st.floats(30.0, 33.0),
    st.floats(119.0, 122.0),
    st.floats(-0.05, 0.05),
    st.floats(-0.05, 0.05),
)
def test_haversine_is_symmetric_and_close_to_the_flat_distance(lat, lng, dlat, dlng):
    there = haversine_m(lat, lng, lat + dlat, lng + dlng)
    back = haversine_m(lat + dlat, lng + dlng, lat, lng)
    assert there == pytest.approx(back, abs=1e-6)
    flat = 111_195 * np.hypot(dlat, dlng * np.cos(np.radians(lat + dlat / 2)))
    assert there == pytest.approx(flat, rel=1e-3, abs=0.5)


def _brute_overlaps(caregivers, starts, ends, grace):
    n = len(starts)
    return [
        any(
            j != i
            and caregivers[j] == caregivers[i]
            and min(ends[i], ends[j]) - max(starts[i], starts[j]) > grace
            for j in range(n)
        )
        for i in range(n)
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 100), st.integers(0, 30)),
        min_size=0,
        max_size=25,
    ),
    st.sampled_from([0, 5]),
)
def test_overlaps_are_what_a_pairwise_comparison_finds(visits, grace):
    caregivers = [caregiver for caregiver, _, _ in visits]
    starts = [start for _, start, _ in visits]
    ends = [start + length for _, start, length in visits]
    found, other = overlapping(caregivers, starts, ends, grace)
    assert list(found) == _brute_overlaps(caregivers, starts, ends, grace)
    for i, partner in enumerate(other):
        if found[i]:  # the partner named is one this visit really overlaps
            assert partner != i
            assert caregivers[partner] == caregivers[i]
            assert min(ends[i], ends[partner]) - max(starts[i], starts[partner]) > grace


def test_in_hospital_counts_the_whole_days_between_admission_and_discharge():
    stays = [(dt.date(2026, 10, 10), dt.date(2026, 10, 14))]
    assert not in_hospital(dt.date(2026, 10, 10), stays)
    assert in_hospital(dt.date(2026, 10, 11), stays)
    assert in_hospital(dt.date(2026, 10, 13), stays)
    assert not in_hospital(dt.date(2026, 10, 14), stays)
    assert in_hospital(dt.date(2026, 12, 1), [(dt.date(2026, 10, 10), None)])


# --- the rules over the database -------------------------------------------------------------


def test_too_short_on_both_sides_of_the_items_shortest_time(plan, catalogue, caregiver):
    item = catalogue["ZX01"]  # at least 45 minutes
    short = visit(plan, item, caregiver, day=5, minutes=44)
    enough = visit(plan, item, caregiver, day=6, minutes=45)
    run()
    assert codes(short) == ["too_short"]
    assert "44分钟" in WorkOrder.objects.get(pk=short.pk).flags[0]["detail"]
    assert codes(enough) == []


def test_too_far_on_both_sides_of_the_distance_and_missing_location(plan, catalogue, caregiver):
    item = catalogue["SH01"]
    # 0.004 degree of latitude is about 445 m, 0.005 about 556 m: the limit is 500 m
    near = visit(plan, item, caregiver, day=5, where=(HOME[0] + Decimal("0.004"), HOME[1]))
    far = visit(plan, item, caregiver, day=6, where=(HOME[0] + Decimal("0.005"), HOME[1]))
    far_out = visit(
        plan, item, caregiver, day=7, check_out_lat=HOME[0] - Decimal("0.01"), check_out_lng=HOME[1]
    )
    nowhere = visit(plan, item, caregiver, day=8, where=None)
    run()
    assert codes(near) == []
    assert codes(far) == ["too_far"]
    assert codes(far_out) == ["too_far"]
    assert "签退距住址" in far_out.flags[0]["detail"]
    assert "签到" not in far_out.flags[0]["detail"]
    assert codes(nowhere) == ["no_location"]


def test_overlapping_visits_of_one_caregiver_but_not_of_two(plan, catalogue, caregiver):
    from minzheng.eldercare.models import Caregiver

    other = Caregiver.objects.create(provider=plan.provider, name="王护理", skill_level="5")
    item = catalogue["SH01"]
    first = visit(plan, item, caregiver, day=5, start=(9, 0), minutes=60)
    second = visit(plan, item, caregiver, day=5, start=(9, 59), minutes=30)
    touching = visit(plan, item, caregiver, day=6, start=(9, 0), minutes=60)
    after = visit(plan, item, caregiver, day=6, start=(10, 0), minutes=30)
    elsewhere = visit(plan, item, other, day=5, start=(9, 30), minutes=30)
    run()
    assert codes(first) == codes(second) == ["overlap"]
    assert second.number in WorkOrder.objects.get(pk=first.pk).flags[0]["detail"]
    assert codes(touching) == codes(after) == codes(elsewhere) == []


def test_a_visit_on_or_after_the_death_date_is_flagged(plan, catalogue, caregiver):
    item = catalogue["SH01"]
    before = visit(plan, item, caregiver, day=9)
    on_the_day = visit(plan, item, caregiver, day=10)
    person = plan.person
    person.death_date = dt.date(2026, 10, 10)
    person.save(update_fields=["death_date"])
    run()
    assert codes(before) == []
    assert codes(on_the_day) == ["elder_dead"]


def test_death_effects_flag_the_visits_after_the_death(plan, catalogue, caregiver, yangshe_clerk):
    late = visit(plan, catalogue["SH01"], caregiver, day=20)
    person = plan.person
    person.death_date = dt.date(2026, 10, 15)
    person.save(update_fields=["death_date"])
    lines = supervision_death_effects(
        acting_user=yangshe_clerk, person=person, on=person.death_date
    )
    assert codes(late) == ["elder_dead"]
    assert lines
    assert "1次" in lines[0]


def test_a_visit_while_the_elder_is_in_hospital(plan, catalogue, caregiver, eldercare_staff):
    item = catalogue["SH01"]
    batch = ExchangeBatch.objects.create(
        source="hospital_stay",
        period=MONTH,
        file_name="住院.xlsx",
        sha256="0" * 64,
        row_count=1,
        imported_by=eldercare_staff,
    )
    Signal.objects.create(
        batch=batch,
        source="hospital_stay",
        kind="hospital_stay",
        person=plan.person,
        on=dt.date(2026, 10, 10),
        data={"discharged_on": "2026-10-14"},
    )
    admission_day = visit(plan, item, caregiver, day=10)
    inside = visit(plan, item, caregiver, day=12)
    discharge_day = visit(plan, item, caregiver, day=14)
    run()
    assert codes(admission_day) == codes(discharge_day) == []
    assert codes(inside) == ["in_hospital"]


def test_a_photo_reused_on_another_visit_of_any_caregiver(plan, catalogue, caregiver):
    from minzheng.eldercare.models import Caregiver

    other = Caregiver.objects.create(provider=plan.provider, name="王护理", skill_level="5")
    item = catalogue["SH01"]
    photo = "ab" * 32
    first = visit(plan, item, caregiver, day=5, check_out_photo=photo)
    second = visit(plan, item, other, day=8, check_in_photo=photo)
    own = visit(plan, item, caregiver, day=9)
    run()
    assert codes(first) == codes(second) == ["photo_reused"]
    assert codes(own) == []


def test_several_flags_come_in_a_stable_order(plan, catalogue, caregiver):
    order = visit(plan, catalogue["ZX01"], caregiver, minutes=10, where=None)
    run()
    assert codes(order) == ["too_short", "no_location"]


# --- a run: alerts, idempotency, scope ------------------------------------------------------


def test_one_alert_per_flagged_visit_and_a_second_run_changes_nothing(plan, catalogue, caregiver):
    short = visit(plan, catalogue["ZX01"], caregiver, minutes=10)
    fine = visit(plan, catalogue["ZX01"], caregiver, day=6)
    result = run()
    assert (result.visits, result.flagged, result.alerts) == (2, 1, 1)
    assert result.by_code == {"too_short": 1}
    alert = Alert.objects.get(key=f"visit:{short.pk}")
    assert alert.kind == "eldercare.visit_flagged"
    assert alert.division_code == short.division_code
    assert alert.person_id == short.person_id
    short.refresh_from_db()
    fine.refresh_from_db()
    assert short.supervised_at is not None
    assert fine.supervised_at is not None
    stamps = (short.supervised_at, short.updated_at, fine.supervised_at)
    events = AuditEvent.objects.filter(action="eldercare.supervision.run").count()

    again = run()
    assert (again.changed, again.alerts) == (0, 0)
    short.refresh_from_db()
    fine.refresh_from_db()
    assert (short.supervised_at, short.updated_at, fine.supervised_at) == stamps
    assert Alert.objects.filter(kind="eldercare.visit_flagged").count() == 1
    assert AuditEvent.objects.filter(action="eldercare.supervision.run").count() == events


def test_supervision_is_run_by_the_city_not_by_a_town(plan, yangshe_clerk, eldercare_staff):
    with pytest.raises(PermissionDenied):
        supervise(acting_user=yangshe_clerk, month=MONTH, on=TODAY)
    supervise(acting_user=eldercare_staff, month=MONTH, on=TODAY)


def test_planned_and_other_months_visits_are_not_supervised(plan, catalogue, caregiver):
    planned = visit(plan, catalogue["ZX01"], caregiver, minutes=10, state="planned")
    november = visit(
        plan,
        catalogue["ZX01"],
        caregiver,
        minutes=10,
        scheduled_on=dt.date(2026, 11, 2),
    )
    run()
    assert codes(planned) == codes(november) == []
    assert WorkOrder.objects.get(pk=planned.pk).supervised_at is None


# --- the town's decision -----------------------------------------------------------------


@pytest.fixture
def flagged(plan, catalogue, caregiver):
    order = visit(plan, catalogue["ZX01"], caregiver, minutes=10)
    run()
    order.refresh_from_db()
    return order


def test_clearing_a_flagged_visit_closes_its_alert_and_stays_cleared(flagged, yangshe_clerk):
    order_clear(acting_user=yangshe_clerk, order=flagged, reason="电话回访老人确认服务", on=TODAY)
    flagged.refresh_from_db()
    assert flagged.flags_cleared
    assert not flagged.held
    assert flagged.state == "done"
    alert = Alert.objects.get(key=f"visit:{flagged.pk}")
    assert (alert.state, alert.outcome) == ("closed", "no_action")
    flags = flagged.flags

    result = run()
    flagged.refresh_from_db()
    assert flagged.flags_cleared
    assert flagged.flags == flags
    assert result.alerts == 0
    assert result.flagged == 0
    assert Alert.objects.filter(key=f"visit:{flagged.pk}").count() == 1


def test_refusing_a_flagged_visit(flagged, yangshe_approver):
    order_refuse(acting_user=yangshe_approver, order=flagged, reason="老人称当天无人上门", on=TODAY)
    flagged.refresh_from_db()
    assert flagged.state == "refused"
    alert = Alert.objects.get(key=f"visit:{flagged.pk}")
    assert (alert.state, alert.outcome) == ("closed", "done")
    assert run().visits == 0  # a refused visit is no longer looked at


def test_a_decision_needs_a_reason_and_a_flag(flagged, plan, catalogue, caregiver, yangshe_clerk):
    with pytest.raises(EldercareError) as error:
        order_clear(acting_user=yangshe_clerk, order=flagged, reason="  ", on=TODAY)
    assert error.value.problems[0][0] == "reason"
    flagged.refresh_from_db()
    assert not flagged.flags_cleared
    fine = visit(plan, catalogue["SH01"], caregiver, day=20)
    run()
    with pytest.raises(EldercareError):
        order_refuse(acting_user=yangshe_clerk, order=fine, reason="无", on=TODAY)
    assert WorkOrder.objects.get(pk=fine.pk).state == "done"


def test_another_town_or_the_provider_may_not_decide(flagged, tangqiao_clerk, provider_manager):
    for user in (tangqiao_clerk, provider_manager):
        with pytest.raises(PermissionDenied):
            order_clear(acting_user=user, order=flagged, reason="确认", on=TODAY)
    flagged.refresh_from_db()
    assert not flagged.flags_cleared
