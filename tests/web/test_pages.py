"""The registry's pages through the Django test client: access, masking, forms, import, export."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from minzheng.accounts.models import User
from minzheng.audit.models import AuditEvent
from minzheng.registry.models import Household, Membership, Person
from tests.conftest import (
    CHILD_ID,
    HEAD_ID,
    PASSWORD,
    SPOUSE_ID,
    YANGSHE_VILLAGE,
    make_id_number,
    verified_login,
)

FAMILY_IDS = (HEAD_ID, SPOUSE_ID, CHILD_ID)
HEAD_PHONE = "13812345678"


def _masked(id_number: str) -> str:
    return id_number[:6] + "********" + id_number[14:]


def _text(response) -> str:
    return response.content.decode()


def _main(response) -> str:
    """The page's <main> element: what differs between pages, without tokens or the path."""
    match = re.search(r"<main.*?</main>", _text(response), flags=re.DOTALL)
    assert match is not None
    return match.group(0)


def _counts() -> dict[str, int]:
    return {
        "persons": Person.objects.count(),
        "households": Household.objects.count(),
        "memberships": Membership.objects.count(),
        "audit_events": AuditEvent.objects.count(),
    }


def _logged_in(client: Client, user: User) -> Client:
    return verified_login(client, user)


# ---------------------------------------------------------------------------------------------
# anonymous users and the login page


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/registry/persons/",
        "/registry/persons/1/",
        "/registry/households/",
        "/registry/households/1/",
        "/registry/households/new/",
        "/registry/import/",
        "/registry/import/template.xlsx",
        "/registry/persons/export.xlsx",
    ],
)
def test_anonymous_user_is_redirected_to_login_from_every_page(client, db, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


def test_anonymous_post_of_a_death_is_redirected_to_login_and_changes_nothing(client, family):
    head = family.head
    before = _counts()

    response = client.post(f"/funeral/deaths/{head.pk}/", {"death_date": "2024-06-01"})

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next=/funeral/deaths/{head.pk}/"
    head.refresh_from_db()
    assert head.death_date is None
    assert _counts() == before


def test_login_with_the_right_password_opens_the_dashboard(client, yangshe_clerk):
    response = client.post("/login/", {"username": "yangshe_clerk", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert dashboard.context["user"] == yangshe_clerk


def test_login_with_a_wrong_password_shows_the_chinese_error(client, yangshe_clerk):
    response = client.post("/login/", {"username": "yangshe_clerk", "password": "wrong-password"})

    assert response.status_code == 200
    assert "用户名或密码错误，请重新输入。" in _text(response)
    assert not response.wsgi_request.user.is_authenticated
    assert client.get("/").status_code == 302


def test_login_page_renders_the_form_without_an_error(client, db):
    response = client.get("/login/")

    assert response.status_code == 200
    text = _text(response)
    assert 'name="username"' in text
    assert 'name="password"' in text
    assert "用户名或密码错误" not in text


# ---------------------------------------------------------------------------------------------
# authorization: own town, other town, provider, auditor


def test_own_town_clerk_sees_the_person_and_the_household(client, family, yangshe_clerk):
    _logged_in(client, yangshe_clerk)

    person_page = client.get(f"/registry/persons/{family.head_id}/")
    household_page = client.get(f"/registry/households/{family.pk}/")

    assert person_page.status_code == 200
    assert "王建国" in _text(person_page)
    assert household_page.status_code == 200
    assert "ZJG000000001" in _text(household_page)


def test_other_town_clerk_gets_404_for_the_person_exactly_like_a_missing_id(
    client, family, tangqiao_clerk
):
    _logged_in(client, tangqiao_clerk)
    missing_id = Person.objects.order_by("-pk").first().pk + 1000

    other_town = client.get(f"/registry/persons/{family.head_id}/")
    missing = client.get(f"/registry/persons/{missing_id}/")

    assert other_town.status_code == 404
    assert missing.status_code == 404
    assert "页面不存在" in _text(other_town)
    assert "王建国" not in _text(other_town)
    assert _main(other_town) == _main(missing)


def test_other_town_clerk_gets_404_for_the_household_exactly_like_a_missing_id(
    client, family, tangqiao_clerk
):
    _logged_in(client, tangqiao_clerk)
    missing_id = Household.objects.order_by("-pk").first().pk + 1000

    other_town = client.get(f"/registry/households/{family.pk}/")
    missing = client.get(f"/registry/households/{missing_id}/")

    assert other_town.status_code == 404
    assert missing.status_code == 404
    assert "ZJG000000001" not in _text(other_town)
    assert _main(other_town) == _main(missing)


def test_other_town_clerk_cannot_record_a_death_or_add_a_member_there(
    client, family, tangqiao_clerk
):
    _logged_in(client, tangqiao_clerk)
    before = _counts()

    death = client.post(f"/funeral/deaths/{family.head_id}/", {"death_date": "2024-06-01"})
    member = client.post(
        f"/registry/households/{family.pk}/members/",
        {
            "member-name": "王小明",
            "member-id_number": make_id_number("20100101", 51),
            "member-relation": "grandchild",
        },
    )

    assert death.status_code == 404
    assert member.status_code == 404
    assert Person.objects.get(pk=family.head_id).death_date is None
    assert _counts() == before


def test_town_clerk_person_search_finds_only_own_town(
    client, family, tangqiao_family, yangshe_clerk
):
    _logged_in(client, yangshe_clerk)

    everyone = client.get("/registry/persons/")
    zhao = client.get("/registry/persons/", {"q": "赵"})

    assert everyone.status_code == 200
    assert everyone.context["page"].paginator.count == 3
    assert {p.name for p in everyone.context["page"]} == {"王建国", "李秀英", "王磊"}
    assert zhao.status_code == 200
    assert zhao.context["page"].paginator.count == 0
    assert "共 0 人" in _text(zhao)
    assert "没有符合条件的人员" in _text(zhao)
    assert "赵敏" not in _text(zhao)


def test_city_admin_person_search_finds_the_other_town_too(
    client, family, tangqiao_family, city_admin
):
    _logged_in(client, city_admin)

    zhao = client.get("/registry/persons/", {"q": "赵"})
    everyone = client.get("/registry/persons/")

    assert zhao.status_code == 200
    assert zhao.context["page"].paginator.count == 1
    assert "共 1 人" in _text(zhao)
    assert "赵敏" in _text(zhao)
    assert everyone.context["page"].paginator.count == 4


def test_town_clerk_household_list_shows_only_own_town(
    client, family, tangqiao_family, yangshe_clerk
):
    _logged_in(client, yangshe_clerk)

    response = client.get("/registry/households/")

    assert response.status_code == 200
    assert [h.number for h in response.context["page"]] == ["ZJG000000001"]
    assert "ZJG000000002" not in _text(response)


def test_provider_sees_no_persons_and_no_households(client, family, tangqiao_family, provider_user):
    _logged_in(client, provider_user)

    persons = client.get("/registry/persons/")
    households = client.get("/registry/households/")
    person = client.get(f"/registry/persons/{family.head_id}/")
    household = client.get(f"/registry/households/{family.pk}/")

    assert persons.status_code == 200
    assert persons.context["page"].paginator.count == 0
    assert "共 0 人" in _text(persons)
    assert "王建国" not in _text(persons)
    assert households.status_code == 200
    assert households.context["page"].paginator.count == 0
    assert person.status_code == 404
    assert household.status_code == 404


def test_provider_cannot_open_household_new_or_import(client, divisions, provider_user):
    _logged_in(client, provider_user)

    assert client.get("/registry/households/new/").status_code == 403
    assert client.get("/registry/import/").status_code == 403


def test_auditor_sees_every_town(client, family, tangqiao_family, auditor):
    _logged_in(client, auditor)

    persons = client.get("/registry/persons/")
    yangshe_person = client.get(f"/registry/persons/{family.head_id}/")
    tangqiao_household = client.get(f"/registry/households/{tangqiao_family.pk}/")

    assert persons.context["page"].paginator.count == 4
    assert yangshe_person.status_code == 200
    assert tangqiao_household.status_code == 200
    assert "赵敏" in _text(tangqiao_household)
    # A reader sees no write buttons.
    assert "登记死亡" not in _text(yangshe_person)
    assert "修改信息" not in _text(yangshe_person)


def test_auditor_cannot_open_household_new_or_import(client, divisions, auditor):
    _logged_in(client, auditor)
    before = _counts()

    new_get = client.get("/registry/households/new/")
    new_post = client.post(
        "/registry/households/new/",
        {"number": "ZJG000000099", "address": "某处", "division_code": YANGSHE_VILLAGE},
    )
    import_get = client.get("/registry/import/")

    assert new_get.status_code == 403
    assert new_post.status_code == 403
    assert import_get.status_code == 403
    assert "无权访问" in _text(new_get)
    assert _counts() == before


def test_auditor_posts_to_death_move_and_add_member_change_nothing(
    client, family, tangqiao_family, auditor
):
    _logged_in(client, auditor)
    child = Person.objects.with_id_number(CHILD_ID).get()
    before = _counts()

    death = client.post(f"/funeral/deaths/{child.pk}/", {"death_date": "2024-06-01"})
    move = client.post(
        f"/moves/persons/{child.pk}/move/",
        {"household_number": "ZJG000000002", "relation": "other", "on": "2024-06-01"},
    )
    member = client.post(
        f"/registry/households/{family.pk}/members/",
        {
            "member-name": "王小明",
            "member-id_number": make_id_number("20100101", 51),
            "member-relation": "grandchild",
        },
    )

    assert death.status_code == 403
    assert move.status_code == 403
    assert member.status_code == 403
    child.refresh_from_db()
    assert child.death_date is None
    assert child.residence_division_id == YANGSHE_VILLAGE
    assert list(
        Membership.objects.filter(person=child).values_list("household__number", "valid_to")
    ) == [("ZJG000000001", None)]
    assert _counts() == before


# ---------------------------------------------------------------------------------------------
# masking of identifiers


def test_person_list_masks_id_numbers(client, family, yangshe_clerk):
    _logged_in(client, yangshe_clerk)

    text = _text(client.get("/registry/persons/"))

    for id_number in FAMILY_IDS:
        assert id_number not in text
        assert _masked(id_number) in text
    assert HEAD_PHONE not in text


def test_person_page_masks_id_number_and_phone(client, family, yangshe_clerk):
    _logged_in(client, yangshe_clerk)

    text = _text(client.get(f"/registry/persons/{family.head_id}/"))

    assert HEAD_ID not in text
    assert _masked(HEAD_ID) in text
    assert HEAD_PHONE not in text
    assert "138****5678" in text


def test_household_page_masks_every_members_id_number(client, family, yangshe_clerk):
    _logged_in(client, yangshe_clerk)

    text = _text(client.get(f"/registry/households/{family.pk}/"))

    for id_number in FAMILY_IDS:
        assert id_number not in text
        assert _masked(id_number) in text
    assert HEAD_PHONE not in text


def test_search_by_full_id_number_finds_the_person_but_shows_it_masked_in_results(
    client, family, yangshe_clerk
):
    _logged_in(client, yangshe_clerk)

    response = client.get("/registry/persons/", {"q": SPOUSE_ID})

    assert [p.name for p in response.context["page"]] == ["李秀英"]
    results = re.search(r'<table[^>]*id="person-results".*?</table>', _text(response), re.DOTALL)
    assert results is not None
    assert SPOUSE_ID not in results.group(0)
    assert _masked(SPOUSE_ID) in results.group(0)


def test_export_is_an_xlsx_with_masked_id_numbers_and_phones(client, family, yangshe_clerk):
    _logged_in(client, yangshe_clerk)

    response = client.get("/registry/persons/export.xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith('attachment; filename="persons-')
    workbook = load_workbook(io.BytesIO(response.content))
    cells = [
        "" if value is None else str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
    ]
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 4  # the header and three persons
    assert rows[0][:2] == ("姓名", "公民身份号码")
    for id_number in FAMILY_IDS:
        assert not any(id_number in cell for cell in cells)
        assert _masked(id_number) in cells
    assert not any(HEAD_PHONE in cell for cell in cells)
    assert "138****5678" in cells
    assert sum(cell.startswith("320582********") for cell in cells) == 3


def test_export_follows_the_search_and_the_scope(client, family, tangqiao_family, yangshe_clerk):
    _logged_in(client, yangshe_clerk)

    response = client.get("/registry/persons/export.xlsx", {"q": "赵"})

    rows = list(
        load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True)
    )
    assert response.status_code == 200
    assert len(rows) == 1  # the header only


# ---------------------------------------------------------------------------------------------
# the person page: memberships over time, death, history


def test_person_page_shows_membership_and_history(client, family, yangshe_clerk):
    _logged_in(client, yangshe_clerk)

    response = client.get(f"/registry/persons/{family.head_id}/")

    assert response.status_code == 200
    memberships = list(response.context["memberships"])
    assert [(m.household.number, m.relation, m.valid_from, m.valid_to) for m in memberships] == [
        ("ZJG000000001", "head", dt.date(2024, 1, 1), None)
    ]
    assert [event.action for event in response.context["history"]] == ["registry.person.create"]
    assert 'id="household-link"' in _text(response)
    assert "新增人员" in _text(response)
    assert "姓名：王建国" in _text(response)
    assert "已于" not in _text(response)


def test_recording_a_death_on_the_person_page_ends_the_membership_and_is_in_history(
    client, family, yangshe_clerk
):
    _logged_in(client, yangshe_clerk)
    child = Person.objects.with_id_number(CHILD_ID).get()

    post = client.post(f"/funeral/deaths/{child.pk}/", {"death_date": "2024-06-01"})
    page = client.get(f"/registry/persons/{child.pk}/")

    assert post.status_code == 302
    assert post["Location"] == f"/registry/persons/{child.pk}/"
    text = _text(page)
    assert "已于 2024-06-01 死亡" in text
    assert "已登记死亡，家庭成员关系已终止" in text
    memberships = list(page.context["memberships"])
    assert [(m.valid_from, m.valid_to, m.end_reason) for m in memberships] == [
        (dt.date(2024, 1, 1), dt.date(2024, 6, 1), "death")
    ]
    assert re.search(r"<td>2024-01-01</td><td>2024-06-01</td><td>死亡</td>", text), (
        "the membership row shows its end date and reason"
    )
    assert [event.action for event in page.context["history"]] == [
        "registry.person.record_death",
        "registry.person.create",
    ]
    assert "死亡登记" in text
    assert "死亡日期：2024-06-01" in text
    assert page.context["household"] is None
    # The death form is gone once the death is recorded.
    assert "登记死亡</button>" not in text
    household = client.get(f"/registry/households/{family.pk}/")
    assert [m.person.name for m in household.context["current"]] == ["王建国", "李秀英"]
    assert [m.person.name for m in household.context["past"]] == ["王磊"]


def test_recording_a_death_twice_shows_the_error_and_keeps_the_first_date(
    client, family, yangshe_clerk
):
    _logged_in(client, yangshe_clerk)
    child = Person.objects.with_id_number(CHILD_ID).get()
    client.post(f"/funeral/deaths/{child.pk}/", {"death_date": "2024-06-01"})
    before = _counts()

    client.post(f"/funeral/deaths/{child.pk}/", {"death_date": "2024-07-01"})
    page = client.get(f"/registry/persons/{child.pk}/")

    assert "已于2024-06-01登记死亡" in _text(page)
    child.refresh_from_db()
    assert child.death_date == dt.date(2024, 6, 1)
    assert _counts() == before


def test_recording_a_death_in_the_future_is_refused(client, family, yangshe_clerk):
    _logged_in(client, yangshe_clerk)
    child = Person.objects.with_id_number(CHILD_ID).get()
    before = _counts()
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()  # noqa: DTZ011

    client.post(f"/funeral/deaths/{child.pk}/", {"death_date": tomorrow})
    page = client.get(f"/registry/persons/{child.pk}/")

    assert "死亡日期不能晚于今天" in _text(page)
    child.refresh_from_db()
    assert child.death_date is None
    assert _counts() == before


# ---------------------------------------------------------------------------------------------
# registering a household through the form


def _household_post(members: list[dict[str, str]], number: str = "ZJG000000010") -> dict[str, str]:
    data = {
        "number": number,
        "address": "杨舍镇合成社区01 第3幢303室",
        "division_code": YANGSHE_VILLAGE,
        "members-TOTAL_FORMS": str(len(members) + 1),  # one blank extra form, as a browser sends
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "30",
    }
    for index, member in enumerate(members):
        for key, value in member.items():
            data[f"members-{index}-{key}"] = value
    return data


def test_household_new_form_renders_the_formset(client, divisions, yangshe_clerk):
    _logged_in(client, yangshe_clerk)

    response = client.get("/registry/households/new/")

    assert response.status_code == 200
    text = _text(response)
    assert 'name="members-TOTAL_FORMS" value="5"' in text
    assert 'name="members-0-id_number"' in text
    assert f'<option value="{YANGSHE_VILLAGE}">' in text
    assert '<option value="320582101001">' not in text  # another town's village


def test_registering_a_household_through_the_form_creates_it(client, divisions, yangshe_clerk):
    _logged_in(client, yangshe_clerk)
    head_id = make_id_number("19700101", 71)
    wife_id = make_id_number("19720202", 82)
    before = _counts()

    response = client.post(
        "/registry/households/new/",
        _household_post(
            [
                {"name": "陈立", "id_number": head_id, "relation": "head", "phone": "13900001111"},
                {
                    "name": "周梅",
                    "id_number": wife_id,
                    "relation": "spouse",
                    "marital_status": "married",
                },
            ]
        ),
    )

    household = Household.objects.get(number="ZJG000000010")
    assert response.status_code == 302
    assert response["Location"] == f"/registry/households/{household.pk}/"
    assert household.division_id == YANGSHE_VILLAGE
    assert household.head.name == "陈立"
    assert sorted(household.memberships.values_list("person__name", "relation", "valid_to")) == [
        ("周梅", "spouse", None),
        ("陈立", "head", None),
    ]
    wife = Person.objects.with_id_number(wife_id).get()
    assert (wife.sex, wife.birth_date, wife.residence_division_id) == (
        "female",
        dt.date(1972, 2, 2),
        YANGSHE_VILLAGE,
    )
    assert _counts() == {
        "persons": before["persons"] + 2,
        "households": before["households"] + 1,
        "memberships": before["memberships"] + 2,
        "audit_events": before["audit_events"] + 3,
    }
    page = client.get(response["Location"])
    assert "家庭已登记" in _text(page)
    assert [m.person.name for m in page.context["current"]] == ["陈立", "周梅"]


def test_household_form_with_a_wrong_check_character_rerenders_and_creates_nothing(
    client, divisions, yangshe_clerk
):
    _logged_in(client, yangshe_clerk)
    good = make_id_number("19700101", 71)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    before = _counts()

    response = client.post(
        "/registry/households/new/",
        _household_post([{"name": "陈立", "id_number": bad, "relation": "head"}]),
    )

    assert response.status_code == 200
    text = _text(response)
    assert "公民身份号码校验码错误" in text
    assert "发现 1 处错误，未写入任何数据：" in text
    assert 'value="陈立"' in text  # what was typed is kept
    assert _counts() == before
    assert not Household.objects.filter(number="ZJG000000010").exists()


def test_household_form_without_a_head_rerenders_and_creates_nothing(
    client, divisions, yangshe_clerk
):
    _logged_in(client, yangshe_clerk)
    before = _counts()

    response = client.post(
        "/registry/households/new/",
        _household_post(
            [{"name": "陈立", "id_number": make_id_number("19700101", 71), "relation": "spouse"}]
        ),
    )

    assert response.status_code == 200
    assert "一户应有且只有一名户主，现有0名" in _text(response)
    assert _counts() == before


def test_household_form_with_an_existing_number_rerenders_and_creates_nothing(
    client, family, yangshe_clerk
):
    _logged_in(client, yangshe_clerk)
    before = _counts()

    response = client.post(
        "/registry/households/new/",
        _household_post(
            [{"name": "陈立", "id_number": make_id_number("19700101", 71), "relation": "head"}],
            number="ZJG000000001",
        ),
    )

    assert response.status_code == 200
    assert "户号ZJG000000001已存在" in _text(response)
    assert _counts() == before


def test_household_form_refuses_another_towns_village(client, divisions, yangshe_clerk):
    _logged_in(client, yangshe_clerk)
    before = _counts()
    data = _household_post(
        [{"name": "陈立", "id_number": make_id_number("19700101", 71), "relation": "head"}]
    )
    data["division_code"] = "320582101001"

    response = client.post("/registry/households/new/", data)

    assert response.status_code == 200
    assert response.context["form"].errors["division_code"] == [
        "选择一个有效的选项。 320582101001 不在可用的选项中。"
    ]
    assert _counts() == before


# ---------------------------------------------------------------------------------------------
# import


def _template_headers(client: Client) -> list[str]:
    response = client.get("/registry/import/template.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    return [str(cell.value) for cell in sheet[1]]


def _xlsx(headers: list[str], rows: list[dict[str, str]]) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(header, "") for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "import.xlsx"
    return buffer


IMPORT_ROWS = [
    {
        "户号": "ZJG000000020",
        "住址": "杨舍镇合成社区01 第5幢501室",
        "所属村(社区)代码": YANGSHE_VILLAGE,
        "与户主关系": "户主",
        "姓名": "孙大伟",
        "公民身份号码": make_id_number("19550505", 91),
        "联系电话": "13700002222",
        "婚姻状况": "已婚",
        "患重特大疾病": "否",
    },
    {
        "户号": "ZJG000000020",
        "住址": "杨舍镇合成社区01 第5幢501室",
        "所属村(社区)代码": YANGSHE_VILLAGE,
        "与户主关系": "配偶",
        "姓名": "钱丽",
        "公民身份号码": make_id_number("19570707", 92),
        "婚姻状况": "已婚",
        "残疾类别": "肢体",
        "残疾等级": "3",
        "残疾证有效期起": "2021-01-01",
        "残疾证有效期止": "2031-01-01",
        "患重特大疾病": "是",
    },
    {
        "户号": "ZJG000000021",
        "住址": "杨舍镇合成村01 第1组",
        "所属村(社区)代码": "320582100200",
        "与户主关系": "户主",
        "姓名": "孙小军",
        "公民身份号码": make_id_number("19800808", 93),
        "婚姻状况": "未婚",
    },
]


def test_import_template_is_an_xlsx_with_the_id_number_header(client, divisions, yangshe_clerk):
    _logged_in(client, yangshe_clerk)

    response = client.get("/registry/import/template.xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="registry-import-template.xlsx"'
    )
    headers = _template_headers(client)
    assert "公民身份号码" in headers
    assert headers[:6] == ["户号", "住址", "所属村(社区)代码", "与户主关系", "姓名", "公民身份号码"]


def test_import_page_links_the_template(client, divisions, yangshe_clerk):
    _logged_in(client, yangshe_clerk)

    response = client.get("/registry/import/")

    assert response.status_code == 200
    assert 'href="/registry/import/template.xlsx"' in _text(response)


def test_importing_a_valid_file_registers_households_and_persons(client, divisions, yangshe_clerk):
    _logged_in(client, yangshe_clerk)
    headers = _template_headers(client)
    before = _counts()

    response = client.post("/registry/import/", {"file": _xlsx(headers, IMPORT_ROWS)})

    assert response.status_code == 200
    assert "已处理 3 行：新登记 2 户、更新 0 户；新增 3 人、更新 0 人。" in _text(response)
    assert _counts() == {
        "persons": before["persons"] + 3,
        "households": before["households"] + 2,
        "memberships": before["memberships"] + 3,
        # one person.create per person, one household.register per household
        "audit_events": before["audit_events"] + 5,
    }
    wife = Person.objects.get(name="钱丽")
    assert (wife.disability_category, wife.disability_grade, wife.serious_illness) == (
        "physical",
        3,
        True,
    )
    assert Household.objects.get(number="ZJG000000020").head.name == "孙大伟"
    assert Household.objects.get(number="ZJG000000021").division_id == "320582100200"


def test_importing_the_same_file_again_changes_nothing(client, divisions, yangshe_clerk):
    _logged_in(client, yangshe_clerk)
    headers = _template_headers(client)
    client.post("/registry/import/", {"file": _xlsx(headers, IMPORT_ROWS)})
    before = _counts()

    response = client.post("/registry/import/", {"file": _xlsx(headers, IMPORT_ROWS)})

    assert response.status_code == 200
    assert "已处理 3 行：新登记 0 户、更新 0 户；新增 0 人、更新 0 人。" in _text(response)
    assert _counts() == before


def test_importing_a_file_with_two_bad_rows_lists_both_and_writes_nothing(
    client, divisions, yangshe_clerk
):
    _logged_in(client, yangshe_clerk)
    headers = _template_headers(client)
    good = make_id_number("19550505", 91)
    bad_id = good[:17] + ("0" if good[17] != "0" else "1")
    rows = [
        {**IMPORT_ROWS[0], "公民身份号码": bad_id},
        IMPORT_ROWS[1],
        {**IMPORT_ROWS[2], "所属村(社区)代码": "320582100999"},
    ]
    before = _counts()

    response = client.post("/registry/import/", {"file": _xlsx(headers, rows)})

    assert response.status_code == 200
    text = _text(response)
    assert "<td>2</td><td>公民身份号码</td><td>公民身份号码校验码错误</td>" in text
    assert "<td>4</td><td>区划代码</td><td>区划代码320582100999不存在</td>" in text
    assert [(issue.row, issue.field) for issue in response.context["issues"]] == [
        (2, "id_number"),
        (4, "division_code"),
        (4, "hukou_division_code"),
        (4, "residence_division_code"),
    ]
    assert "发现 4 处错误，未写入任何数据：" in text
    assert response.context["result"] is None
    assert _counts() == before


def test_importing_a_file_that_is_not_excel_writes_nothing(client, divisions, yangshe_clerk):
    _logged_in(client, yangshe_clerk)
    upload = io.BytesIO(b"name,id_number\n\xe5\xbc\xa0\xe4\xb8\x89,1\n")
    upload.name = "persons.xlsx"
    before = _counts()

    response = client.post("/registry/import/", {"file": upload})

    assert response.status_code == 200
    assert "无法读取该Excel文件" in _text(response)
    assert _counts() == before


def test_importing_another_template_is_refused(client, divisions, yangshe_clerk):
    _logged_in(client, yangshe_clerk)
    before = _counts()

    response = client.post(
        "/registry/import/",
        {"file": _xlsx(["名字", "身份证", "电话"], [{"名字": "张三", "身份证": "1", "电话": "2"}])},
    )

    assert response.status_code == 200
    assert "不是本系统的导入模板" in _text(response)
    assert _counts() == before


def test_town_clerk_cannot_import_into_another_town(client, divisions, yangshe_clerk):
    _logged_in(client, yangshe_clerk)
    headers = _template_headers(client)
    row = {**IMPORT_ROWS[2], "所属村(社区)代码": "320582101001"}
    before = _counts()

    response = client.post("/registry/import/", {"file": _xlsx(headers, [row])})

    assert response.status_code == 200
    assert "您无权导入区划320582101001的家庭" in _text(response)
    assert _counts() == before


# ---------------------------------------------------------------------------------------------
# dashboard and errors


def test_dashboard_shows_the_population_in_scope_for_a_town_clerk(
    client, family, tangqiao_family, yangshe_clerk
):
    _logged_in(client, yangshe_clerk)

    response = client.get("/")

    assert response.status_code == 200
    assert '<div class="fs-3" id="total-population">3</div>' in _text(response)
    assert [(t.code, t.population) for t in response.context["stats"].towns] == [("320582100", 3)]


def test_dashboard_shows_the_whole_city_for_the_city_admin(
    client, family, tangqiao_family, city_admin
):
    _logged_in(client, city_admin)

    response = client.get("/")

    assert response.status_code == 200
    assert '<div class="fs-3" id="total-population">4</div>' in _text(response)
    assert [
        (t.code, t.population, t.aged_60_plus, t.aged_80_plus)
        for t in response.context["stats"].towns
    ] == [
        ("320582100", 3, 2, 0),
        ("320582101", 1, 1, 1),
    ]
    assert 'id="chart-towns"' in _text(response)


def test_dashboard_leaves_out_the_dead(client, family, yangshe_clerk):
    _logged_in(client, yangshe_clerk)
    client.post(f"/funeral/deaths/{family.head_id}/", {"death_date": "2024-06-01"})

    response = client.get("/")

    assert '<div class="fs-3" id="total-population">2</div>' in _text(response)


def test_dashboard_for_a_provider_shows_nobody(client, family, provider_user):
    _logged_in(client, provider_user)

    response = client.get("/")

    assert response.status_code == 200
    assert '<div class="fs-3" id="total-population">0</div>' in _text(response)
    assert "您的管辖范围内暂无在册人员。" in _text(response)


def test_unknown_url_answers_404_with_the_chinese_error_page(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    text = _text(response)
    assert "页面不存在" in text
    assert "返回首页" in text
    assert "Traceback" not in text


def test_unknown_url_for_a_logged_in_user_answers_404_without_a_traceback(client, yangshe_clerk):
    _logged_in(client, yangshe_clerk)

    response = client.get("/registry/persons/not-a-number/")

    assert response.status_code == 404
    assert "页面不存在" in _text(response)
    assert "Traceback" not in _text(response)


def test_pages_are_chinese_whatever_the_browser_asks_until_english_is_chosen(client, yangshe_clerk):
    _logged_in(client, yangshe_clerk)

    default = client.get("/registry/persons/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    client.post("/i18n/setlang/", {"language": "en", "next": "/registry/persons/"})
    english = client.get("/registry/persons/")

    assert "人员查询" in _text(default)
    assert "Person search" in _text(english)


def test_an_error_on_the_third_member_form_is_reported_as_member_three(
    client, divisions, yangshe_clerk
):
    _logged_in(client, yangshe_clerk)
    good = make_id_number("19700101", 11)
    wrong = make_id_number("19720202", 22)
    wrong = wrong[:-1] + ("1" if wrong[-1] != "1" else "2")
    data = _household_post(
        [
            {"name": "甲", "id_number": good, "relation": "head"},
            {},  # the clerk left the second form empty
            {"name": "乙", "id_number": wrong, "relation": "spouse"},
        ]
    )

    response = client.post("/registry/households/new/", data)

    assert response.context["members"].forms[2].errors["id_number"] == ["公民身份号码校验码错误"]
    assert [(issue.row, issue.field) for issue in response.context["issues"]] == [(3, "id_number")]
    assert Household.objects.count() == 0


def test_audit_rows_record_the_client_address(client, divisions, yangshe_clerk):
    _logged_in(client, yangshe_clerk)
    good = make_id_number("19700101", 11)

    client.post(
        "/registry/households/new/",
        _household_post([{"name": "甲", "id_number": good, "relation": "head"}]),
        REMOTE_ADDR="10.1.2.3",
    )

    event = AuditEvent.objects.get(action="registry.household.register")
    assert event.ip_address == "10.1.2.3"


def test_a_post_without_csrf_token_gets_the_chinese_page(divisions, yangshe_clerk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(yangshe_clerk)

    response = client.post("/registry/households/new/", {})

    assert response.status_code == 403
    assert "页面已过期或来源不明" in response.content.decode()
