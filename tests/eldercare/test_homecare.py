"""Home services: the services' rules of bad input, each role's scope, provider isolation."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from hypothesis import given, settings
from hypothesis import strategies as st

from minzheng.accounts.models import Role
from minzheng.audit.models import AuditEvent
from minzheng.eldercare import homecare_selectors as selectors
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.homecare import (
    CallBackIn,
    CaregiverIn,
    PlanIn,
    ProviderIn,
    ServiceItemIn,
    callback_record,
    callback_sample,
    caregiver_save,
    caregiver_warnings,
    homecare_death_effects,
    location_parse,
    month_days,
    orders_plan_generate,
    provider_save,
    provider_staff_link,
    service_item_save,
    service_plan_create,
    service_plan_end,
    spread_dates,
    work_order_assign,
    work_order_cancel,
    work_order_check_in,
    work_order_check_out,
    work_order_create,
)
from minzheng.eldercare.models import (
    CallBack,
    Caregiver,
    ElderProfile,
    ProviderStaff,
    ServicePlan,
    SkillLevel,
    WorkOrder,
)
from minzheng.registry.models import Person
from tests.conftest import _user

TODAY = dt.date(2026, 11, 28)
AT = dt.datetime(2026, 11, 28, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
HOME = "31.875400,120.555900"


def plan_for(clerk, elder, provider, items: dict[str, int] | None = None, **extra) -> ServicePlan:
    return service_plan_create(
        acting_user=clerk,
        person_id=elder.pk,
        data=PlanIn(
            provider_id=provider.pk,
            items=items or {"ZX01": 4, "SH01": 8},
            monthly_budget=Decimal("400.00"),
            valid_from=extra.pop("valid_from", dt.date(2026, 11, 1)),
            **extra,
        ),
        on=TODAY,
    )


@pytest.fixture
def plan(yangshe_clerk, elder, home_provider, catalogue) -> ServicePlan:
    return plan_for(yangshe_clerk, elder, home_provider)


@pytest.fixture
def order(plan, provider_manager, caregiver) -> WorkOrder:
    return work_order_create(
        acting_user=provider_manager,
        person_id=plan.person_id,
        item_code="ZX01",
        scheduled_on=TODAY,
        on=TODAY,
        caregiver_id=caregiver.pk,
    )


def counts() -> tuple[int, ...]:
    return (
        ServicePlan.objects.count(),
        WorkOrder.objects.count(),
        CallBack.objects.count(),
        AuditEvent.objects.count(),
    )


# --- providers, staff, caregivers, catalogue ----------------------------------------------


def test_city_staff_register_a_provider_and_a_town_clerk_may_not(eldercare_staff, yangshe_clerk):
    data = ProviderIn(name="张家港福寿居家养老服务社", credit_code="52320582MJ0000009x")

    provider = provider_save(acting_user=eldercare_staff, data=data)

    assert provider.credit_code == "52320582MJ0000009X"
    assert AuditEvent.objects.filter(action="eldercare.provider.create").count() == 1
    with pytest.raises(PermissionDenied):
        provider_save(acting_user=yangshe_clerk, data=data)


def test_a_provider_with_a_bad_or_taken_credit_code_is_refused(eldercare_staff, home_provider):
    before = counts()
    with pytest.raises(EldercareError) as error:
        provider_save(
            acting_user=eldercare_staff,
            data=ProviderIn(name="", credit_code=home_provider.credit_code),
        )
    assert [field for field, _, _ in error.value.problems] == ["name", "credit_code"]
    assert counts() == before


def test_linking_a_provider_account_and_refusing_one_of_another_provider(
    city_admin, home_provider, other_provider, provider_user, provider_manager
):
    staff = provider_staff_link(
        acting_user=city_admin, provider=home_provider, username="provider", is_manager=True
    )
    assert (staff.provider, staff.is_manager) == (home_provider, True)
    with pytest.raises(EldercareError, match="已属于服务商"):
        provider_staff_link(
            acting_user=city_admin,
            provider=other_provider,
            username=provider_manager.username,
            is_manager=False,
        )
    with pytest.raises(EldercareError, match="服务商账号"):
        provider_staff_link(
            acting_user=city_admin, provider=home_provider, username="admin", is_manager=False
        )


def test_the_manager_adds_a_caregiver_and_expired_certificates_are_warned(
    provider_manager, other_manager, home_provider
):
    data = CaregiverIn(
        name="王阿姨",
        skill_level=SkillLevel.JUNIOR,
        certificate_number="ZJG-HL-0099",
        certificate_valid_to=dt.date(2026, 6, 30),
        training_hours=40,
    )
    caregiver = caregiver_save(acting_user=provider_manager, provider=home_provider, data=data)

    assert caregiver_warnings(caregiver, on=TODAY) == ["职业技能证书已于2026-06-30过期"]
    assert caregiver_warnings(caregiver, on=dt.date(2026, 6, 30)) == []
    with pytest.raises(PermissionDenied):
        caregiver_save(acting_user=other_manager, provider=home_provider, data=data)


def test_a_caregiver_may_not_add_caregivers_and_bad_input_lists_every_problem(
    caregiver, home_provider, eldercare_staff
):
    with pytest.raises(PermissionDenied):
        caregiver_save(
            acting_user=caregiver.user,
            provider=home_provider,
            data=CaregiverIn(name="张三", skill_level="5"),
        )
    before = Caregiver.objects.count()
    with pytest.raises(EldercareError) as error:
        caregiver_save(
            acting_user=eldercare_staff,
            provider=home_provider,
            data=CaregiverIn(name=" ", skill_level="9", training_hours=-1, certificate_number="X1"),
        )
    assert [field for field, _, _ in error.value.problems] == [
        "name",
        "skill_level",
        "training_hours",
        "certificate_valid_to",
    ]
    assert Caregiver.objects.count() == before


def test_catalogue_items_need_a_shortest_time_within_the_standard_and_a_price_in_fen(
    eldercare_staff, yangshe_clerk, catalogue
):
    item = service_item_save(
        acting_user=eldercare_staff,
        data=ServiceItemIn("ZY02", "助医：陪同就医", "助医", 120, 90, "80"),
    )
    assert (item.price, item.min_minutes) == (Decimal("80.00"), 90)
    with pytest.raises(EldercareError) as error:
        service_item_save(
            acting_user=eldercare_staff,
            data=ServiceItemIn("ZX01", "x", "助洁", 30, 45, "1.234"),
        )
    assert [field for field, _, _ in error.value.problems] == ["code", "min_minutes", "price"]
    with pytest.raises(PermissionDenied):
        service_item_save(
            acting_user=yangshe_clerk, data=ServiceItemIn("ZY03", "x", "助医", 30, 20, "1")
        )


# --- plans -----------------------------------------------------------------------------------


def test_a_plan_makes_the_profile_and_keeps_the_home_coordinates(
    yangshe_clerk, family, home_provider, catalogue
):
    head = family.head
    assert not ElderProfile.objects.filter(person=head).exists()

    plan = plan_for(yangshe_clerk, head, home_provider, home_lat="31.87", home_lng="120.55")

    profile = ElderProfile.objects.get(person=head)
    assert (profile.home_lat, profile.home_lng) == (Decimal("31.870000"), Decimal("120.550000"))
    assert sorted((i.item.code, i.times_per_month) for i in plan.items.all()) == [
        ("SH01", 8),
        ("ZX01", 4),
    ]
    assert plan.division_code == head.residence_division_id


def test_a_plan_for_a_dead_person_is_refused_and_nothing_changes(
    yangshe_clerk, elder, home_provider, catalogue
):
    Person.objects.filter(pk=elder.pk).update(death_date=dt.date(2026, 10, 1))
    before = counts()
    with pytest.raises(EldercareError, match="已于2026-10-01死亡"):
        plan_for(yangshe_clerk, elder, home_provider)
    assert counts() == before


def test_a_plan_for_another_towns_person_is_refused(
    tangqiao_clerk, elder, home_provider, catalogue
):
    before = counts()
    with pytest.raises(EldercareError, match="不在您的辖区内"):
        plan_for(tangqiao_clerk, elder, home_provider)
    assert counts() == before


def test_a_plan_with_bad_items_budget_and_a_second_plan_with_the_same_provider(
    yangshe_clerk, elder, home_provider, plan
):
    with pytest.raises(EldercareError) as error:
        service_plan_create(
            acting_user=yangshe_clerk,
            person_id=elder.pk,
            data=PlanIn(
                provider_id=home_provider.pk,
                items={"NOPE": 2, "ZX01": 0},
                monthly_budget="-1",
                valid_from=dt.date(2026, 12, 1),
            ),
            on=TODAY,
        )
    assert [field for field, _, _ in error.value.problems] == [
        "items",
        "items",
        "monthly_budget",
        "provider",
    ]


def test_providers_and_auditors_cannot_make_plans(
    provider_manager, auditor, elder, home_provider, catalogue
):
    for user in (provider_manager, auditor):
        with pytest.raises(PermissionDenied):
            plan_for(user, elder, home_provider)


def test_ending_a_plan_cancels_its_orders_planned_after_the_end(
    yangshe_clerk, plan, provider_manager
):
    orders = [
        work_order_create(
            acting_user=provider_manager,
            person_id=plan.person_id,
            item_code="ZX01",
            scheduled_on=day,
            on=TODAY,
        )
        for day in (dt.date(2026, 12, 2), dt.date(2026, 12, 20))
    ]
    service_plan_end(acting_user=yangshe_clerk, plan=plan, valid_to=dt.date(2026, 12, 10), on=TODAY)

    states = [WorkOrder.objects.get(pk=order.pk).state for order in orders]
    assert states == ["planned", "cancelled"]
    with pytest.raises(EldercareError, match="已于2026-12-10终止"):
        service_plan_end(
            acting_user=yangshe_clerk, plan=plan, valid_to=dt.date(2026, 12, 31), on=TODAY
        )


# --- orders ----------------------------------------------------------------------------------


def test_an_order_is_numbered_by_month_and_costs_the_item_price(order, catalogue):
    assert order.number == "GD202611000001"
    assert (order.state, order.amount) == ("planned", Decimal("40.00"))


def test_a_visit_for_an_elder_not_in_the_providers_plan_is_refused(
    plan, other_manager, family, provider_manager
):
    before = counts()
    with pytest.raises(EldercareError, match="不在“张家港安康护理服务社”的有效服务计划内"):
        work_order_create(
            acting_user=other_manager,
            person_id=plan.person_id,
            item_code="ZX01",
            scheduled_on=TODAY,
            on=TODAY,
        )
    with pytest.raises(EldercareError, match="有效服务计划内"):
        work_order_create(
            acting_user=provider_manager,
            person_id=family.head_id,
            item_code="ZX01",
            scheduled_on=TODAY,
            on=TODAY,
        )
    with pytest.raises(EldercareError, match="有效服务计划内"):  # before the plan begins
        work_order_create(
            acting_user=provider_manager,
            person_id=plan.person_id,
            item_code="ZX01",
            scheduled_on=dt.date(2026, 10, 31),
            on=TODAY,
        )
    assert counts() == before


def test_an_item_not_in_the_plan_is_refused(plan, yangshe_clerk, home_provider):
    before = counts()
    with pytest.raises(EldercareError, match="服务项目不在老人的服务计划内"):
        work_order_create(
            acting_user=yangshe_clerk,
            person_id=plan.person_id,
            provider_id=home_provider.pk,
            item_code="ZY01",
            scheduled_on=TODAY,
            on=TODAY,
        )
    assert counts() == before


def test_a_caregiver_cannot_create_orders_and_another_town_cannot_either(
    plan, caregiver, tangqiao_clerk, home_provider
):
    with pytest.raises(PermissionDenied):
        work_order_create(
            acting_user=caregiver.user,
            person_id=plan.person_id,
            item_code="ZX01",
            scheduled_on=TODAY,
            on=TODAY,
        )
    with pytest.raises(EldercareError, match="不在您的辖区内"):
        work_order_create(
            acting_user=tangqiao_clerk,
            person_id=plan.person_id,
            provider_id=home_provider.pk,
            item_code="ZX01",
            scheduled_on=TODAY,
            on=TODAY,
        )


def test_the_manager_assigns_only_own_caregivers_and_another_manager_not_at_all(
    plan, provider_manager, other_manager, other_provider, caregiver
):
    order = work_order_create(
        acting_user=provider_manager,
        person_id=plan.person_id,
        item_code="SH01",
        scheduled_on=TODAY,
        on=TODAY,
    )
    stranger = Caregiver.objects.create(provider=other_provider, name="外人", skill_level="5")
    with pytest.raises(PermissionDenied):
        work_order_assign(
            acting_user=other_manager, order=order, caregiver_id=stranger.pk, on=TODAY
        )
    with pytest.raises(EldercareError, match="本服务商在岗的护理员"):
        work_order_assign(
            acting_user=provider_manager, order=order, caregiver_id=stranger.pk, on=TODAY
        )
    work_order_assign(
        acting_user=provider_manager, order=order, caregiver_id=caregiver.pk, on=TODAY
    )
    assert WorkOrder.objects.get(pk=order.pk).caregiver == caregiver


def test_check_in_and_out_store_times_locations_and_photo_hashes(order, caregiver):
    work_order_check_in(
        acting_user=caregiver.user, order=order, at=AT, location=HOME, photo=b"jpeg", on=TODAY
    )
    work_order_check_out(
        acting_user=caregiver.user,
        order=order,
        at=AT + dt.timedelta(minutes=55),
        location="31.8755, 120.5560",
        on=TODAY,
    )

    order.refresh_from_db()
    assert order.state == "done"
    assert (order.check_in_lat, order.check_in_lng) == (Decimal("31.875400"), Decimal("120.555900"))
    assert order.check_in_photo == hashlib.sha256(b"jpeg").hexdigest()
    assert order.check_out_photo == ""
    assert order.check_out_at - order.check_in_at == dt.timedelta(minutes=55)


def test_a_check_out_before_check_in_is_refused_in_clear_chinese(order, caregiver):
    before = counts()
    with pytest.raises(EldercareError) as error:
        work_order_check_out(
            acting_user=caregiver.user, order=order, at=AT, location=HOME, on=TODAY
        )
    assert error.value.messages_zh == ["该工单尚未签到，不能签退：请先上户签到"]
    assert counts() == before
    assert WorkOrder.objects.get(pk=order.pk).check_out_at is None


def test_a_check_out_time_before_the_check_in_is_refused(order, caregiver):
    work_order_check_in(acting_user=caregiver.user, order=order, at=AT, location=HOME, on=TODAY)
    with pytest.raises(EldercareError, match="签退时间不能早于签到时间"):
        work_order_check_out(
            acting_user=caregiver.user,
            order=order,
            at=AT - dt.timedelta(minutes=1),
            location=HOME,
            on=TODAY,
        )


def test_check_in_only_on_an_own_planned_order_with_a_location(
    order, caregiver, provider_manager, home_provider
):
    other = _user("caregiver_wang", Role.PROVIDER, "320582")
    ProviderStaff.objects.create(user=other, provider=home_provider)
    Caregiver.objects.create(provider=home_provider, user=other, name="王护理", skill_level="5")
    before = counts()
    for user in (other, provider_manager):
        with pytest.raises(PermissionDenied):
            work_order_check_in(acting_user=user, order=order, at=AT, location=HOME, on=TODAY)
    with pytest.raises(EldercareError, match="定位格式"):
        work_order_check_in(
            acting_user=caregiver.user, order=order, at=AT, location="here", on=TODAY
        )
    with pytest.raises(EldercareError, match="请填写定位"):
        work_order_check_in(acting_user=caregiver.user, order=order, at=AT, location="", on=TODAY)
    assert counts() == before
    work_order_check_in(acting_user=caregiver.user, order=order, at=AT, location=HOME, on=TODAY)
    with pytest.raises(EldercareError, match="只有待服务的工单可以签到"):
        work_order_check_in(acting_user=caregiver.user, order=order, at=AT, location=HOME, on=TODAY)


def test_cancel_by_the_office_or_manager_not_by_the_caregiver(order, caregiver, yangshe_clerk):
    with pytest.raises(PermissionDenied):
        work_order_cancel(acting_user=caregiver.user, order=order, on=TODAY)
    work_order_cancel(acting_user=yangshe_clerk, order=order, on=TODAY, note="老人住院")
    assert WorkOrder.objects.get(pk=order.pk).state == "cancelled"
    with pytest.raises(EldercareError, match="只有待服务的工单可以取消"):
        work_order_cancel(acting_user=yangshe_clerk, order=order, on=TODAY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31.8754,120.5559", ("31.875400", "120.555900")),
        ("31.8754，120.5559", ("31.875400", "120.555900")),
        (" -33.1 151.2 ", ("-33.100000", "151.200000")),
    ],
)
def test_locations_are_read_as_lat_lng(text, expected):
    assert location_parse(text) == (Decimal(expected[0]), Decimal(expected[1]))


@pytest.mark.parametrize("text", ["91,120", "31,181", "31", "a,b", "1,2,3", "nan,1"])
def test_impossible_locations_are_refused(text):
    with pytest.raises(EldercareError):
        location_parse(text)


# --- call-backs --------------------------------------------------------------------------------


@pytest.fixture
def done_order(order, caregiver) -> WorkOrder:
    work_order_check_in(acting_user=caregiver.user, order=order, at=AT, location=HOME, on=TODAY)
    work_order_check_out(
        acting_user=caregiver.user,
        order=order,
        at=AT + dt.timedelta(hours=1),
        location=HOME,
        on=TODAY,
    )
    return order


def test_the_office_records_a_call_back_on_a_done_order_once(done_order, yangshe_clerk):
    callback = callback_record(
        acting_user=yangshe_clerk,
        order=done_order,
        data=CallBackIn(reached=True, service_confirmed=True, satisfaction=5, note="很满意"),
        on=TODAY,
    )
    assert (callback.satisfaction, callback.called_by) == (5, yangshe_clerk)
    assert list(selectors.callback_pending(user=yangshe_clerk)) == []
    with pytest.raises(EldercareError, match="该工单已回访"):
        callback_record(
            acting_user=yangshe_clerk,
            order=done_order,
            data=CallBackIn(reached=True, service_confirmed=True, satisfaction=4),
            on=TODAY,
        )


def test_call_back_rules(order, done_order, yangshe_clerk, tangqiao_clerk, provider_manager):
    with pytest.raises(EldercareError) as error:
        callback_record(
            acting_user=yangshe_clerk,
            order=done_order,
            data=CallBackIn(reached=True, satisfaction=6),
            on=TODAY,
        )
    assert [field for field, _, _ in error.value.problems] == ["satisfaction", "service_confirmed"]
    with pytest.raises(EldercareError, match="未联系上时"):
        callback_record(
            acting_user=yangshe_clerk,
            order=done_order,
            data=CallBackIn(reached=False, satisfaction=3),
            on=TODAY,
        )
    for user in (tangqiao_clerk, provider_manager):
        with pytest.raises(PermissionDenied):
            callback_record(
                acting_user=user, order=done_order, data=CallBackIn(reached=False), on=TODAY
            )
    assert CallBack.objects.count() == 0
    callback_record(
        acting_user=yangshe_clerk, order=done_order, data=CallBackIn(reached=False), on=TODAY
    )
    assert list(selectors.callback_pending(user=yangshe_clerk)) == [done_order]  # not reached


class _Order:
    def __init__(self, pk: int) -> None:
        self.pk = pk
        self.scheduled_on = TODAY


@given(n=st.integers(0, 300), rate=st.decimals("0", "1", places=2), seed=st.integers(0, 10**6))
def test_sampling_picks_ceil_rate_n_the_same_for_the_same_seed(n, rate, seed):
    orders = [_Order(pk) for pk in range(1, n + 1)]
    picked = callback_sample(orders, rate=rate, seed=seed)
    again = callback_sample(list(reversed(orders)), rate=rate, seed=seed)

    assert [order.pk for order in picked] == [order.pk for order in again]
    assert len({order.pk for order in picked}) == len(picked)
    assert len(picked) == math.ceil(n * rate)


# --- scopes ----------------------------------------------------------------------------------


def test_each_role_sees_only_its_own_orders(
    order,
    plan,
    caregiver,
    provider_manager,
    other_manager,
    yangshe_clerk,
    tangqiao_clerk,
    eldercare_staff,
    provider_user,
    home_provider,
):
    def seen(user):
        return list(selectors.order_list(user=user))

    assert seen(yangshe_clerk) == [order]
    assert seen(eldercare_staff) == [order]
    assert seen(provider_manager) == [order]
    assert seen(caregiver.user) == [order]
    assert seen(tangqiao_clerk) == []
    assert seen(other_manager) == []
    with pytest.raises(PermissionDenied):
        seen(provider_user)
    assert list(selectors.plan_list(user=other_manager)) == []
    assert list(selectors.plan_list(user=caregiver.user)) == []
    assert list(selectors.provider_list(user=other_manager)) != [home_provider]
    with pytest.raises(Http404):
        selectors.order_get(user=other_manager, order_id=order.pk)
    with pytest.raises(Http404):
        selectors.plan_get(user=tangqiao_clerk, plan_id=plan.pk)


def test_a_caregiver_sees_only_orders_given_to_them(plan, provider_manager, caregiver):
    unassigned = work_order_create(
        acting_user=provider_manager,
        person_id=plan.person_id,
        item_code="SH01",
        scheduled_on=TODAY,
        on=TODAY,
    )
    assert list(selectors.order_list(user=caregiver.user)) == []
    assert selectors.phone_orders(user=caregiver.user, today=TODAY) == []
    with pytest.raises(Http404):
        selectors.phone_order_get(user=caregiver.user, order_id=unassigned.pk)


def test_providers_see_the_elders_address_never_the_id_number(order, elder):
    assert selectors.elder_addresses([elder.pk]) == {elder.pk: "杨舍镇合成社区01 第6幢601室"}


# --- the month's orders ---------------------------------------------------------------------------


def test_plan_generate_makes_the_months_orders_once(plan, eldercare_staff):
    first = orders_plan_generate(acting_user=eldercare_staff, month=dt.date(2026, 12, 1), on=TODAY)
    again = orders_plan_generate(acting_user=eldercare_staff, month=dt.date(2026, 12, 1), on=TODAY)

    assert (first.created, first.existing) == (12, 0)
    assert (again.created, again.existing) == (0, 12)
    days = sorted(
        WorkOrder.objects.filter(item__code="ZX01").values_list("scheduled_on", flat=True)
    )
    assert days == spread_dates(month_days(dt.date(2026, 12, 1)), 4, offset=plan.pk)
    assert [b - a for a, b in itertools.pairwise(days)] == [dt.timedelta(days=d) for d in (7, 8, 8)]
    assert WorkOrder.objects.order_by("number").first().number == "GD202612000001"


def test_plan_generate_is_the_offices_and_only_within_its_scope(
    plan, tangqiao_clerk, provider_manager
):
    result = orders_plan_generate(acting_user=tangqiao_clerk, month=dt.date(2026, 12, 1), on=TODAY)
    assert result.created == 0
    with pytest.raises(PermissionDenied):
        orders_plan_generate(acting_user=provider_manager, month=dt.date(2026, 12, 1), on=TODAY)


@settings(max_examples=200, deadline=None)
@given(
    year=st.integers(2020, 2035),
    month=st.integers(1, 12),
    times=st.integers(1, 62),
    offset=st.integers(0, 10**6),
)
def test_spread_dates_gives_times_dates_inside_the_month_in_order(year, month, times, offset):
    days = month_days(dt.date(year, month, 1))
    dates = spread_dates(days, times, offset=offset)

    assert len(dates) == times
    assert all(date.year == year and date.month == month for date in dates)
    assert dates == sorted(dates)
    if times <= len(days):
        assert len(set(dates)) == times


# --- death -------------------------------------------------------------------------------------


def test_death_ends_the_plans_and_stops_the_later_orders(plan, provider_manager, yangshe_clerk):
    kept, stopped = (
        work_order_create(
            acting_user=provider_manager,
            person_id=plan.person_id,
            item_code="ZX01",
            scheduled_on=day,
            on=TODAY,
        )
        for day in (dt.date(2026, 11, 10), dt.date(2026, 11, 20))
    )
    lines = homecare_death_effects(
        acting_user=yangshe_clerk, person=plan.person, on=dt.date(2026, 11, 15)
    )

    plan.refresh_from_db()
    assert plan.valid_to == dt.date(2026, 11, 15)
    assert WorkOrder.objects.get(pk=kept.pk).state == "planned"
    assert WorkOrder.objects.get(pk=stopped.pk).state == "cancelled"
    assert lines == [
        "终止居家上门服务计划（张家港颐康居家养老服务中心），终止日期2026-11-15",
        "停止1张待服务的上门服务工单",
    ]
    assert AuditEvent.objects.filter(action="eldercare.work_order.stop").count() == 1
