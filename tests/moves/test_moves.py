"""The move bundles: a move recorded in the registry adjusts or stops the household's assistance."""

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.assistance.models import CaseAmount
from minzheng.audit.models import AuditEvent
from minzheng.moves.services import leave_city_bundle, person_move_bundle
from minzheng.registry.errors import RegistryError
from minzheng.registry.models import Membership
from minzheng.registry.services import HouseholdIn, MemberIn, PersonIn, household_register
from tests.assistance.conftest import approve
from tests.conftest import YANGSHE_VILLAGE_2, make_id_number

START = dt.date(2026, 2, 1)


@pytest.fixture
def active(dibao_case, yangshe_clerk, yangshe_approver):
    return approve(dibao_case, yangshe_clerk, yangshe_approver, START)


def _member(household, relation):
    return Membership.objects.get(household=household, relation=relation, valid_to__isnull=True)


def test_a_member_moving_to_another_household_recomputes_the_amount(active, yangshe_clerk):
    child = _member(active.household, "child").person
    head = PersonIn(name="周芳", id_number=make_id_number("19700101", 61))
    other = household_register(
        acting_user=yangshe_clerk,
        data=HouseholdIn(
            number="ZJG000000077",
            address="杨舍镇合成村01 第7幢",
            division_code=YANGSHE_VILLAGE_2,
            members=(MemberIn(head, "head"),),
        ),
        on=dt.date(2024, 1, 1),
    )
    result = person_move_bundle(
        acting_user=yangshe_clerk,
        person=child,
        to_household=other,
        relation="other",
        on=dt.date(2026, 5, 10),
    )
    assert [record.transition for record in result.assistance] == ["move_change"]
    active.refresh_from_db()
    assert active.state == "active"
    assert len(active.request["members"]) == 2
    assert CaseAmount.objects.filter(case=active, valid_from=dt.date(2026, 6, 1)).exists()


def test_the_applicant_leaving_the_city_stops_the_payment_after_that_month(active, yangshe_clerk):
    head = active.applicant
    # The head may leave only once the household has another head: here, leave alone.
    for relation in ("spouse", "child"):
        member = _member(active.household, relation)
        member.valid_to = dt.date(2026, 4, 1)
        member.save()
    result = leave_city_bundle(
        acting_user=yangshe_clerk, person=head, on=dt.date(2026, 5, 10), destination="上海市"
    )
    assert [record.transition for record in result.assistance] == ["move_terminate"]
    active.refresh_from_db()
    assert (active.state, active.end_month) == ("terminated", dt.date(2026, 5, 1))
    assert AuditEvent.objects.filter(action="registry.person.leave_city").count() == 1
    assert AuditEvent.objects.filter(action="assistance.case.move_terminate").count() == 1


@pytest.mark.parametrize(
    ("relation", "destination", "message"),
    [
        ("child", "", "请填写迁往地"),
        ("child", "320582101001", "迁往本市其他家庭户"),
        ("head", "上海市", "请先为原户变更户主"),
    ],
)
def test_a_bad_move_out_changes_nothing(active, yangshe_clerk, relation, destination, message):
    person = _member(active.household, relation).person
    events = AuditEvent.objects.count()
    with pytest.raises(RegistryError) as error:
        leave_city_bundle(
            acting_user=yangshe_clerk,
            person=person,
            on=dt.date(2026, 5, 10),
            destination=destination,
        )
    assert message in error.value.issues[0].message
    assert _member(active.household, relation).valid_to is None
    assert AuditEvent.objects.count() == events
    active.refresh_from_db()
    assert active.state == "active"


def test_another_town_cannot_record_the_move(active, tangqiao_clerk):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        leave_city_bundle(
            acting_user=tangqiao_clerk,
            person=_member(active.household, "child").person,
            on=dt.date(2026, 5, 10),
            destination="上海市",
        )
