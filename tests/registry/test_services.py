from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from minzheng.audit.models import AuditEvent
from minzheng.registry.errors import RegistryError
from minzheng.registry.models import Household, Membership, Person
from minzheng.registry.services import (
    HouseholdIn,
    MemberIn,
    PersonIn,
    household_add_member,
    household_register,
    household_set_head,
    person_in_from_person,
    person_move,
    person_record_death,
    person_update,
)
from tests.conftest import (
    CHILD_ID,
    HEAD_ID,
    YANGSHE_VILLAGE,
    YANGSHE_VILLAGE_2,
    family_data,
    make_id_number,
)


def counts() -> tuple[int, int, int, int]:
    return (
        Person.objects.count(),
        Household.objects.count(),
        Membership.objects.count(),
        AuditEvent.objects.count(),
    )


def test_register_derives_sex_and_birth_date_and_audits(family, yangshe_clerk) -> None:
    head = Person.objects.with_id_number(HEAD_ID).get()
    assert (head.sex, head.birth_date) == ("male", dt.date(1960, 3, 15))
    assert family.head == head
    assert Membership.objects.filter(household=family, valid_to__isnull=True).count() == 3
    event = AuditEvent.objects.get(action="registry.household.register")
    assert event.actor == yangshe_clerk
    assert event.division_code == YANGSHE_VILLAGE
    assert HEAD_ID not in str(event.data)
    assert AuditEvent.objects.filter(action="registry.person.create").count() == 3


def test_no_audit_row_holds_a_clear_id_number_or_phone(family) -> None:
    text = " ".join(str(event.data) for event in AuditEvent.objects.all())
    for person in Person.objects.all():
        assert person.id_number not in text
    assert "13812345678" not in text


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"id_number": HEAD_ID[:-1] + ("0" if HEAD_ID[-1] != "0" else "1")},
            "id_number",
            "校验码错误",
        ),
        ({"id_number": "3205821960031501"}, "id_number", "应为18位"),
        ({"id_number": "320582196002300111"}, "id_number", "不存在"),
        ({"hukou_division_code": "320582999999"}, "hukou_division_code", "不存在"),
        ({"hukou_division_code": "320582100"}, "hukou_division_code", "不是村(社区)级"),
        ({"phone": "12345"}, "phone", "联系电话格式不正确"),
        ({"disability_category": "physical"}, "disability_grade", "须同时填写"),
        ({"disability_category": "physical", "disability_grade": 5}, "disability_grade", "1至4级"),
        ({"name": "  "}, "name", "姓名不能为空"),
    ],
)
def test_bad_person_input_names_the_field_and_writes_nothing(
    yangshe_clerk, change: dict, field: str, message: str
) -> None:
    data = family_data()
    head = replace(data.members[0].person, **change)
    data = replace(data, members=(MemberIn(head, "head"), *data.members[1:]))
    before = counts()
    with pytest.raises(RegistryError) as error:
        household_register(acting_user=yangshe_clerk, data=data)
    assert [(issue.field, message in issue.message_zh) for issue in error.value.issues] == [
        (field, True)
    ]
    assert counts() == before


def test_unknown_household_division_is_refused(city_admin) -> None:
    before = counts()
    with pytest.raises(RegistryError) as error:
        household_register(acting_user=city_admin, data=family_data(division="320582100999"))
    assert error.value.issues[0].field == "division_code"
    assert counts() == before


def test_same_id_number_twice_in_one_household_is_refused(yangshe_clerk) -> None:
    data = family_data()
    twin = MemberIn(replace(data.members[2].person, name="王磊二"), "child")
    before = counts()
    with pytest.raises(RegistryError) as error:
        household_register(
            acting_user=yangshe_clerk, data=replace(data, members=(*data.members, twin))
        )
    assert [issue.field for issue in error.value.issues] == ["id_number"]
    assert "重复" in error.value.issues[0].message_zh
    assert counts() == before


def test_a_household_needs_exactly_one_head(yangshe_clerk) -> None:
    data = family_data()
    no_head = replace(data, members=tuple(MemberIn(m.person, "child") for m in data.members))
    with pytest.raises(RegistryError) as error:
        household_register(acting_user=yangshe_clerk, data=no_head)
    assert "现有0名" in error.value.issues[0].message_zh


def test_living_person_cannot_join_a_second_household(family, yangshe_clerk) -> None:
    before = counts()
    with pytest.raises(RegistryError) as error:
        household_register(
            acting_user=yangshe_clerk,
            data=replace(
                family_data(number="ZJG000000009"),
                members=(MemberIn(PersonIn(name="王磊", id_number=CHILD_ID), "head"),),
            ),
        )
    assert "另一户" in error.value.issues[0].message_zh
    assert counts() == before


def test_database_refuses_two_open_memberships_for_one_person(family) -> None:
    other = Household.objects.create(number="X1", address="a", division_id=YANGSHE_VILLAGE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            household=other, person=family.head, relation="head", valid_from=dt.date(2025, 1, 1)
        )


def test_database_refuses_death_before_birth(family) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.filter(pk=family.head_id).update(death_date=dt.date(1900, 1, 1))


def test_town_clerk_cannot_register_in_another_town(tangqiao_clerk) -> None:
    before = counts()
    with pytest.raises(PermissionDenied):
        household_register(acting_user=tangqiao_clerk, data=family_data())
    assert counts() == before


def test_auditor_and_provider_cannot_write(auditor, provider_user) -> None:
    for user in (auditor, provider_user):
        with pytest.raises(PermissionDenied):
            household_register(acting_user=user, data=family_data())
    assert Household.objects.count() == 0


def test_move_closes_old_membership_and_opens_new(family, yangshe_clerk) -> None:
    child = Person.objects.with_id_number(CHILD_ID).get()
    target = household_register(
        acting_user=yangshe_clerk,
        data=HouseholdIn(
            number="ZJG000000003",
            address="杨舍镇合成村01 第3组5号",
            division_code=YANGSHE_VILLAGE_2,
            members=(
                MemberIn(PersonIn(name="陈芳", id_number=make_id_number("19920101", 44)), "head"),
            ),
        ),
    )
    person_move(
        acting_user=yangshe_clerk,
        person=child,
        to_household=target,
        relation="spouse",
        on=dt.date(2025, 6, 1),
    )
    memberships = list(Membership.objects.filter(person=child).order_by("valid_from"))
    assert [(m.household_id, m.valid_to, m.end_reason) for m in memberships] == [
        (family.pk, dt.date(2025, 6, 1), "moved"),
        (target.pk, None, ""),
    ]
    child.refresh_from_db()
    assert child.residence_division_id == YANGSHE_VILLAGE_2


def test_head_cannot_move_out_while_others_remain(family, yangshe_clerk, tangqiao_family) -> None:
    with pytest.raises(RegistryError) as error:
        person_move(
            acting_user=yangshe_clerk,
            person=family.head,
            to_household=Household.objects.create(
                number="Y", address="a", division_id=YANGSHE_VILLAGE
            ),
            relation="other",
        )
    assert "变更户主" in error.value.issues[0].message_zh


def test_moving_into_another_town_needs_that_towns_jurisdiction(
    family, yangshe_clerk, tangqiao_family
) -> None:
    child = Person.objects.with_id_number(CHILD_ID).get()
    with pytest.raises(PermissionDenied):
        person_move(
            acting_user=yangshe_clerk, person=child, to_household=tangqiao_family, relation="other"
        )
    assert Membership.objects.get(person=child, valid_to__isnull=True).household == family


def test_death_closes_the_membership_and_clears_the_head(family, yangshe_clerk) -> None:
    person_record_death(
        acting_user=yangshe_clerk, person=family.head, death_date=dt.date(2025, 3, 1)
    )
    family.refresh_from_db()
    assert family.head is None
    membership = Membership.objects.get(person=Person.objects.with_id_number(HEAD_ID).get())
    assert (membership.valid_to, membership.end_reason) == (dt.date(2025, 3, 1), "death")
    assert Membership.objects.filter(household=family, valid_to__isnull=True).count() == 2


def test_death_before_birth_or_twice_is_refused(family, yangshe_clerk) -> None:
    head = family.head
    with pytest.raises(RegistryError) as error:
        person_record_death(acting_user=yangshe_clerk, person=head, death_date=dt.date(1950, 1, 1))
    assert "早于出生日期" in error.value.issues[0].message_zh
    person_record_death(acting_user=yangshe_clerk, person=head, death_date=dt.date(2025, 3, 1))
    with pytest.raises(RegistryError):
        person_record_death(acting_user=yangshe_clerk, person=head, death_date=dt.date(2025, 4, 1))
    head.refresh_from_db()
    assert head.death_date == dt.date(2025, 3, 1)


def test_dead_person_cannot_be_added_to_a_household(
    family, yangshe_clerk, tangqiao_family, city_admin
) -> None:
    child = Person.objects.with_id_number(CHILD_ID).get()
    person_record_death(acting_user=yangshe_clerk, person=child, death_date=dt.date(2025, 3, 1))
    with pytest.raises(RegistryError):
        household_add_member(
            acting_user=city_admin, household=tangqiao_family, person=child, relation="other"
        )


def test_add_new_member_creates_the_person(family, yangshe_clerk) -> None:
    membership = household_add_member(
        acting_user=yangshe_clerk,
        household=family,
        person=PersonIn(name="王小明", id_number=make_id_number("20150601", 55)),
        relation="grandchild",
        on=dt.date(2025, 1, 1),
    )
    assert membership.person.residence_division_id == YANGSHE_VILLAGE
    assert membership.person.sex == "male"


def test_set_head_keeps_history(family, yangshe_clerk) -> None:
    child = Person.objects.with_id_number(CHILD_ID).get()
    household_set_head(
        acting_user=yangshe_clerk, household=family, person=child, on=dt.date(2025, 5, 1)
    )
    family.refresh_from_db()
    assert family.head == child
    current = {
        membership.person.id_number: membership.relation
        for membership in Membership.objects.filter(household=family, valid_to__isnull=True)
    }
    assert current[CHILD_ID] == "head"
    assert current[HEAD_ID] == "other"
    assert Membership.objects.filter(household=family, end_reason="correction").count() == 2


def test_update_records_only_what_changed_with_phone_hidden(family, yangshe_clerk) -> None:
    head = family.head
    person_update(
        acting_user=yangshe_clerk,
        person=head,
        data=person_in_from_person(head, phone="13900001111", serious_illness=True),
    )
    event = AuditEvent.objects.filter(action="registry.person.update").get()
    assert event.data == {"changes": {"serious_illness": [False, True], "phone": "changed"}}
    head.refresh_from_db()
    assert head.phone == "13900001111"


def test_update_to_another_persons_id_number_is_refused(family, yangshe_clerk) -> None:
    head = family.head
    with pytest.raises(RegistryError) as error:
        person_update(
            acting_user=yangshe_clerk,
            person=head,
            data=person_in_from_person(head, id_number=CHILD_ID),
        )
    assert "另一人" in error.value.issues[0].message_zh


def test_other_town_cannot_update(family, tangqiao_clerk) -> None:
    head = family.head
    with pytest.raises(PermissionDenied):
        person_update(
            acting_user=tangqiao_clerk, person=head, data=person_in_from_person(head, name="改名")
        )
    head.refresh_from_db()
    assert head.name == "王建国"


def test_refusal_does_not_name_a_person_outside_the_users_jurisdiction(
    family, yangshe_clerk, tangqiao_family
) -> None:
    outsider = tangqiao_family.head
    with pytest.raises(RegistryError) as error:
        household_add_member(
            acting_user=yangshe_clerk,
            household=family,
            person=PersonIn(name="随便", id_number=outsider.id_number),
            relation="other",
        )
    message = error.value.issues[0].message_zh
    assert outsider.name not in message
    assert "不在您的管辖范围内" in message
