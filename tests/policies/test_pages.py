"""The policy calculator and the parameters page through the Django test client."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from minzheng.accounts.models import Role, User
from minzheng.policies import forms as policy_forms
from minzheng.rules import PROGRAMS, RequestError, all_parameters, assess
from minzheng.rules.request import contract
from tests.accounts.test_csp import inline_code
from tests.conftest import PASSWORD, verified_login

CALCULATOR = "/policies/calculator/"
PARAMETERS = "/policies/parameters/"
SHANGHAI = ZoneInfo("Asia/Shanghai")
MEMBER_DEFAULTS = {
    "hukou_local": "on",
    "student": "none",
    "employment": "not_working",
    "capable_legal_supporter": "yes",
}


@pytest.fixture
def march_2026(time_machine) -> None:
    time_machine.move_to(dt.datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI), tick=False)


def _text(response) -> str:
    return response.content.decode()


def _post_data(members: list[dict[str, str]], household: dict[str, str] | None = None) -> dict:
    """What the browser sends: the size, the management form, each member, the household."""
    data: dict[str, str] = {
        "size": str(len(members)),
        "members-TOTAL_FORMS": str(len(members)),
        "members-INITIAL_FORMS": str(len(members)),
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "10",
        "division": "320582",
        "calculate": "1",
    }
    for index, member in enumerate(members):
        for name, value in {**MEMBER_DEFAULTS, **member}.items():
            if value is not None:
                data[f"members-{index}-{name}"] = value
    data.update(household or {})
    return data


def _program(page: str, code: str) -> str:
    match = re.search(rf'<article[^>]*id="program-{code}".*?</article>', page, flags=re.DOTALL)
    assert match is not None, code
    return match.group(0)


def _all(pattern: str, text: str) -> list[str]:
    return [html.unescape(item).strip() for item in re.findall(pattern, text, flags=re.DOTALL)]


def _one(pattern: str, text: str) -> str | None:
    found = _all(pattern, text)
    assert len(found) <= 1
    return found[0] if found else None


def _shown(page: str, code: str) -> dict[str, Any]:
    """A programme's card as data: status, amounts, per-member amounts, reasons, documents."""
    card = _program(page, code)
    return {
        "status": _one(r'class="badge[^"]*program-status">(.*?)</span>', card),
        "monthly_amount": _one(r'class="monthly-amount">(.*?)</strong>', card),
        "one_off_amount": _one(r'class="one-off-amount">(.*?)</strong>', card),
        "members": _all(r'<li class="member-amount">(.*?)</li>', card),
        "reasons": _all(r'<li class="reason reason-\w+">(.*?)</li>', card),
        "documents": _all(r'<li class="document">(.*?)</li>', card),
        "office": _one(r'<span class="office">(.*?)</span>', card),
    }


def _expected(result: dict[str, Any], code: str) -> dict[str, Any]:
    item = result["programs"][code]
    eligible = item["eligible"]
    one_off = item.get("one_off_amount")
    return {
        "status": "可能符合" if eligible else "暂不符合",
        "monthly_amount": f"{item['monthly_amount']:,.2f}"
        if eligible and item["monthly_amount"] > 0
        else None,
        "one_off_amount": f"{one_off:,.2f}" if one_off else None,
        "members": [
            re.sub(r"\s+", " ", f"{member['id']}：{member['monthly_amount']:,.2f} 元/月")
            for member in item.get("members", [])
        ],
        "reasons": item["reasons"],
        "documents": item["documents"],
        "office": item["office"],
    }


def _strip_tags(items: list[str]) -> list[str]:
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)) for item in items]


# The household of the brief: a 72-year-old head on a pension of 600 and a spouse with a
# grade-2 physical disability on a pension of 500; 3,000 yuan of savings and one home.
COUPLE_FORM = [
    {"id": "户主", "relation": "head", "birth_date": "1954-01-05", "income_pension": "600"},
    {
        "id": "配偶",
        "relation": "spouse",
        "birth_date": "1956-07-20",
        "disability_category": "physical",
        "disability_grade": "2",
        "income_pension": "500",
    },
]
COUPLE_HOUSEHOLD = {"assets_financial": "3000", "residential_homes": "1"}
COUPLE_REQUEST = {
    "as_of": "2026-03",
    "members": [
        {"id": "户主", "relation": "head", "birth_date": "1954-01-05", "income": {"pension": 600}},
        {
            "id": "配偶",
            "relation": "spouse",
            "birth_date": "1956-07-20",
            "disability": {"category": "physical", "grade": 2},
            "income": {"pension": 500},
        },
    ],
    "assets": {"financial": 3000, "homes": [{"use": "residential"}]},
}


# ---------------------------------------------------------------------------------------------
# the calculator


def test_anonymous_visitor_gets_the_calculator_with_one_member_block(client, db, march_2026):
    response = client.get(CALCULATOR)

    page = _text(response)
    assert response.status_code == 200
    assert response.templates[0].name == "policies/calculator.html"
    assert re.findall(r'id="member-(\d+)"', page) == ["1"]
    assert 'name="members-TOTAL_FORMS" value="1"' in page
    assert 'name="members-0-id" value="成员1"' in page
    assert re.search(r'<option value="head" selected>户主</option>', page)
    assert "按 2026-03 月在用的标准测算" in page
    assert 'href="/policies/calculator/">政策计算器</a>' in page
    assert "政策参数" not in page
    assert 'id="result"' not in page
    assert inline_code(page) == []


def test_every_choice_of_the_contract_has_a_chinese_label():
    member = contract("household.schema.json")["properties"]["members"]["items"]["properties"]
    emergency = contract("household.schema.json")["properties"]["emergency"]["properties"]
    form = policy_forms.MemberForm()
    household = policy_forms.HouseholdForm()

    def values(field) -> list[str]:
        return [value for value, _label in field.choices if value != ""]

    assert values(form.fields["relation"]) == member["relation"]["enum"]
    assert (
        values(form.fields["disability_category"])
        == (member["disability"]["properties"]["category"]["enum"])
    )
    assert values(form.fields["student"]) == member["student"]["enum"]
    assert values(form.fields["employment"]) == member["employment"]["enum"]
    assert values(form.fields["parents"]) == member["parents"]["enum"]
    assert values(household.fields["emergency_kind"]) == emergency["kind"]["enum"]
    assert [int(value) for value in values(form.fields["ability_level"])] == [0, 1, 2, 3, 4]
    labels = [
        str(label)
        for field in (*form.fields.values(), *household.fields.values())
        if hasattr(field, "choices")
        for _value, label in field.choices
    ]
    assert all(re.search(r"[\u4e00-\u9fff—]", label) for label in labels), labels


def test_a_poor_couple_gets_exactly_what_assess_gives(client, db, march_2026):
    expected = assess(COUPLE_REQUEST)

    response = client.post(CALCULATOR, _post_data(COUPLE_FORM, COUPLE_HOUSEHOLD))

    page = _text(response)
    assert response.status_code == 200
    assert expected["programs"]["dibao"]["eligible"] is True
    dibao = _shown(page, "dibao")
    assert dibao["status"] == "可能符合"
    assert dibao["monthly_amount"] == f"{expected['programs']['dibao']['monthly_amount']:,.2f}"
    assert dibao["monthly_amount"] == "1,799.20"
    assert dibao["reasons"] == expected["programs"]["dibao"]["reasons"]
    order = re.findall(r'<article[^>]*id="program-(\w+)"', page)
    assert order == [program.code for program in PROGRAMS]
    for code in order:
        shown = _shown(page, code)
        shown["members"] = _strip_tags(shown["members"])
        assert shown == _expected(expected, code), code
    assert 'id="estimate-notice"' in page
    assert "以户籍所在地镇（街道）核对家庭经济状况后的审核认定为准" in page
    assert 'data-print id="print-result"' in page or "data-print" in page
    assert inline_code(page) == []


def test_the_provisional_notice_lists_each_provisional_parameter_with_its_description(
    client, db, march_2026
):
    expected = assess(COUPLE_REQUEST)

    page = _text(client.post(CALCULATOR, _post_data(COUPLE_FORM, COUPLE_HOUSEHOLD)))

    notice = re.search(r'id="provisional-notice".*?</div>', page, flags=re.DOTALL)
    assert notice is not None
    count = len(expected["provisional"])
    assert f"本次估算用到 {count} 项标注“待本地确认”的参数" in notice.group(0)
    listed = _all(r'<li class="provisional-parameter">(.*?)</li>', notice.group(0))
    parameters = all_parameters()
    assert listed == [
        f'{parameters[name].description} <code class="text-muted">{name}</code>'
        for name in expected["provisional"]
    ]
    assert "（待本地确认）" in "".join(_shown(page, "dibao")["reasons"])


def test_one_person_with_an_emergency_gets_the_one_off_amount_assess_gives(client, db, march_2026):
    request = {
        "as_of": "2026-03",
        "members": [
            {
                "id": "本人",
                "relation": "head",
                "birth_date": "1950-02-01",
                "income": {"pension": 300},
                "lives_alone": True,
            }
        ],
        "emergency": {"kind": "major_illness", "loss": 20000},
    }
    expected = assess(request)
    form = [{"id": "本人", "relation": "head", "birth_date": "1950-02-01", "income_pension": "300"}]

    response = client.post(
        CALCULATOR,
        _post_data(form, {"emergency_kind": "major_illness", "emergency_loss": "20000"}),
    )

    page = _text(response)
    temporary = expected["programs"]["temporary_assistance"]
    assert temporary["eligible"] is True
    assert _shown(page, "temporary_assistance")["one_off_amount"] == (
        f"{temporary['one_off_amount']:,.2f}"
    )
    for program in PROGRAMS:
        shown = _shown(page, program.code)
        shown["members"] = _strip_tags(shown["members"])
        assert shown == _expected(expected, program.code), program.code


def test_the_calculator_request_is_the_contract_request_of_the_form(client, db, march_2026):
    page = _text(client.post(CALCULATOR, _post_data(COUPLE_FORM, COUPLE_HOUSEHOLD)))

    shown = re.search(r'<pre class="request-json[^"]*">(.*?)</pre>', page, flags=re.DOTALL)
    assert shown is not None
    request = json.loads(html.unescape(shown.group(0)[shown.group(0).index(">") + 1 : -6]))
    assert assess(request)["programs"] == assess(COUPLE_REQUEST)["programs"]
    assert request["assets"] == COUPLE_REQUEST["assets"]
    assert [member["income"] for member in request["members"]] == [
        {"pension": 600},
        {"pension": 500},
    ]


def _request_message(request: dict[str, Any]) -> list[str]:
    with pytest.raises(RequestError) as caught:
        assess(request)
    return [issue.message_zh for issue in caught.value.issues]


def _field_errors(page: str, name: str) -> list[str]:
    """The errors shown under one field of the form, by its HTML name."""
    match = re.search(
        rf'<div class="[^"]*mb-2">\s*<label[^>]*for="id_{re.escape(name)}".*?\n</div>',
        page,
        flags=re.DOTALL,
    )
    if match is None:  # a checkbox: the label follows the input
        match = re.search(rf'name="{re.escape(name)}".*?\n</div>', page, flags=re.DOTALL)
    assert match is not None, name
    return _all(r'<div class="invalid-feedback d-block field-error">(.*?)</div>', match.group(0))


def test_two_heads_are_refused_in_chinese_at_the_top(client, db, march_2026):
    members = [dict(member) for member in COUPLE_FORM]
    members[1]["relation"] = "head"
    request = json.loads(json.dumps(COUPLE_REQUEST))
    request["members"][1]["relation"] = "head"

    response = client.post(CALCULATOR, _post_data(members, COUPLE_HOUSEHOLD))

    page = _text(response)
    assert response.status_code == 200
    assert _request_message(request) == ["应有且只有一名户主（head），实有2名"]
    issues = _all(r'<li class="request-issue">(.*?)</li>', page)
    assert issues == ['<span class="fw-bold">家庭成员</span>：应有且只有一名户主（head），实有2名']
    assert 'id="result"' not in page
    assert 'name="members-1-id" value="配偶"' in page  # what was typed stays


def test_a_negative_income_is_refused_next_to_its_field(client, db, march_2026):
    members = [dict(member) for member in COUPLE_FORM]
    members[0]["income_wages"] = "-100"

    response = client.post(CALCULATOR, _post_data(members, COUPLE_HOUSEHOLD))

    page = _text(response)
    assert response.status_code == 200
    assert _field_errors(page, "members-0-income_wages") == ["不能为负数"]
    assert _field_errors(page, "members-0-income_pension") == []
    issues = _all(r'<li class="request-issue">(.*?)</li>', page)
    assert issues == ['<span class="fw-bold">成员1（户主） · 工资收入</span>：不能为负数']
    assert 'id="result"' not in page


def test_a_birth_date_in_the_future_is_refused_next_to_its_field(client, db, march_2026):
    members = [dict(member) for member in COUPLE_FORM]
    members[1]["birth_date"] = "2030-01-01"

    response = client.post(CALCULATOR, _post_data(members, COUPLE_HOUSEHOLD))

    page = _text(response)
    assert response.status_code == 200
    assert _field_errors(page, "members-1-birth_date") == ["出生日期晚于评估月份"]
    assert 'id="result"' not in page


def test_a_negative_household_amount_is_refused_next_to_its_field(client, db, march_2026):
    response = client.post(
        CALCULATOR, _post_data(COUPLE_FORM, {**COUPLE_HOUSEHOLD, "expense_medical": "-5"})
    )

    page = _text(response)
    assert response.status_code == 200
    assert _field_errors(page, "expense_medical") == ["不能为负数"]
    assert _all(r'<li class="request-issue">(.*?)</li>', page) == [
        '<span class="fw-bold">自付医疗费用</span>：不能为负数'
    ]


def test_a_bad_id_number_is_refused_next_to_its_field(client, db, march_2026):
    members = [dict(member) for member in COUPLE_FORM]
    members[0]["id_number"] = "320582195401051234"
    members[0]["birth_date"] = ""
    request = json.loads(json.dumps(COUPLE_REQUEST))
    request["members"][0]["id_number"] = "320582195401051234"
    del request["members"][0]["birth_date"]

    response = client.post(CALCULATOR, _post_data(members, COUPLE_HOUSEHOLD))

    page = _text(response)
    assert response.status_code == 200
    assert _field_errors(page, "members-0-id_number") == _request_message(request)


def test_form_errors_are_in_chinese_and_nothing_is_assessed(client, db, march_2026):
    members = [dict(member) for member in COUPLE_FORM]
    members[1]["relation"] = ""
    members[1]["income_wages"] = "abc"
    members[1]["disability_grade"] = ""

    response = client.post(
        CALCULATOR, _post_data(members, {**COUPLE_HOUSEHOLD, "private_cars": "-1"})
    )

    page = _text(response)
    assert response.status_code == 200
    assert _field_errors(page, "members-1-relation") == ["这个字段是必填项。"]
    assert _field_errors(page, "members-1-income_wages") == ["输入一个数字。"]
    assert _field_errors(page, "members-1-disability_grade") == ["请同时选择残疾等级"]
    assert _field_errors(page, "private_cars") == ["确保该值大于或等于0。"]
    assert 'id="form-issues"' in page
    assert 'id="result"' not in page


def test_a_tampered_management_form_gives_the_page_not_an_error(client, db, march_2026):
    data = _post_data(COUPLE_FORM, COUPLE_HOUSEHOLD)
    data["members-TOTAL_FORMS"] = "x"

    response = client.post(CALCULATOR, data)

    assert response.status_code == 200
    assert re.findall(r'id="member-(\d+)"', _text(response)) == ["1", "2"]


@pytest.mark.parametrize(
    ("query", "blocks"), [("3", 3), ("10", 10), ("99", 10), ("0", 1), ("x", 1)]
)
def test_the_household_size_in_the_address_sets_the_member_blocks(client, db, query, blocks):
    page = _text(client.get(CALCULATOR, {"size": query}))

    assert re.findall(r'id="member-(\d+)"', page) == [str(n) for n in range(1, blocks + 1)]
    assert f'name="members-TOTAL_FORMS" value="{blocks}"' in page
    assert f'<option value="{blocks}" selected>{blocks}</option>' in page
    assert f'name="members-{blocks - 1}-id" value="成员{blocks}"' in page


def test_changing_the_size_keeps_what_was_typed_and_assesses_nothing(client, db, march_2026):
    data = _post_data(COUPLE_FORM[:1], COUPLE_HOUSEHOLD)
    data["size"] = "3"  # the select changed; the page still has one block

    response = client.post(CALCULATOR, data)

    page = _text(response)
    assert response.status_code == 200
    assert re.findall(r'id="member-(\d+)"', page) == ["1", "2", "3"]
    assert 'name="members-0-id" value="户主"' in page
    assert re.search(r'name="members-0-income_pension" value="600"', page)
    assert 'name="members-0-birth_date" value="1954-01-05"' in page
    assert 'name="members-2-id" value="成员3"' in page
    assert 'name="assets_financial" value="3000"' in page
    assert 'id="resized-notice"' in page
    assert 'id="result"' not in page
    assert "这个字段是必填项" not in page


def test_the_resize_button_shrinks_the_household_to_the_chosen_size(client, db, march_2026):
    data = _post_data(COUPLE_FORM, COUPLE_HOUSEHOLD)
    data["size"] = "1"
    data["resize"] = "1"
    del data["calculate"]

    page = _text(client.post(CALCULATOR, data))

    assert re.findall(r'id="member-(\d+)"', page) == ["1"]
    assert 'name="members-0-id" value="户主"' in page
    assert 'value="配偶"' not in page


# ---------------------------------------------------------------------------------------------
# the parameters page


def _city_staff(divisions: None) -> User:
    user = User(username="city_staff", role=Role.CITY_STAFF, division_code="320582")
    user.business_line = "assistance"
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def city_staff(divisions: None) -> User:
    return _city_staff(divisions)


def test_anonymous_visitor_is_sent_to_log_in_for_the_parameters(client, db):
    response = client.get(PARAMETERS)

    assert (response.status_code, response["Location"]) == (302, f"/login/?next={PARAMETERS}")


@pytest.mark.parametrize(
    ("fixture", "status"),
    [
        ("yangshe_clerk", 403),
        ("provider_user", 403),
        ("city_admin", 200),
        ("city_staff", 200),
        ("auditor", 200),
    ],
)
def test_only_city_wide_roles_see_the_parameters(client, request, fixture, status):
    verified_login(client, request.getfixturevalue(fixture))

    response = client.get(PARAMETERS)

    assert response.status_code == status
    if status == 403:
        assert "无权访问" in _text(response)


def test_a_superuser_sees_the_parameters(client, divisions):
    user = User.objects.create_superuser("root", password=PASSWORD, division_code="320582")
    verified_login(client, user)

    assert client.get(PARAMETERS).status_code == 200


def _parameter(page: str, name: str) -> str:
    match = re.search(
        rf'<article[^>]*data-name="{re.escape(name)}".*?</article>', page, flags=re.DOTALL
    )
    assert match is not None, name
    return match.group(0)


def _value(card: str) -> str:
    return _all(r'class="parameter-value[^"]*">(.*?)</', card)[0]


@pytest.mark.parametrize(
    ("on", "value", "valid_from"),
    [("2026-01-01", "1208", "2025-07-01"), ("2025-06-01", "1155", "2024-07-01")],
)
def test_the_dibao_standard_in_force_on_a_day(client, city_admin, on, value, valid_from):
    verified_login(client, city_admin)

    page = _text(client.get(PARAMETERS, {"on": on}))

    card = _parameter(page, "dibao.standard")
    assert _value(card) == value
    assert _all(r'class="col-sm-10 valid-from">(.*?)</dd>', card) == [valid_from]
    assert "provisional-badge" not in card
    history = _all(r'<tr class="history-value">\s*<td class="text-nowrap">(.*?)</td>', card)
    assert history == [str(item.valid_from) for item in all_parameters()["dibao.standard"].values]
    assert f'value="{on}"' in page


def test_a_provisional_value_carries_the_badge_and_its_reasoning(client, auditor):
    verified_login(client, auditor)
    parameter = all_parameters()["dibao.assets.financial_months"]
    value = parameter.values[-1]

    page = _text(client.get(PARAMETERS, {"on": "2026-01-01"}))

    card = _parameter(page, "dibao.assets.financial_months")
    assert value.provisional is True
    assert '<span class="badge text-bg-warning provisional-badge">待本地确认</span>' in card
    assert _all(r'class="col-sm-10 text-break reasoning">(.*?)</dd>', card) == [value.reasoning]
    assert _value(card) == "36"


def test_the_count_of_provisional_values_is_at_the_top(client, city_admin):
    verified_login(client, city_admin)
    on = dt.date(2026, 1, 1)
    parameters = all_parameters().values()
    provisional = [p for p in parameters if p.at(on) is not None and p.at(on).provisional]

    page = _text(client.get(PARAMETERS, {"on": "2026-01-01"}))

    assert _all(r'<strong id="provisional-count">(.*?)</strong>', page) == [str(len(provisional))]
    # in force on 2026-01-01: 20 rules, 4 review and monitoring, 20 eldercare
    assert len(provisional) == 44
    assert f"2026-01-01 共 {len(parameters)} 项参数" in page
    assert len(re.findall(r'<article class="card mb-2 parameter"', page)) == len(parameters)


def test_the_parameters_are_grouped_by_programme(client, city_admin):
    verified_login(client, city_admin)

    page = _text(client.get(PARAMETERS))

    groups = re.findall(r'<section class="mb-4 parameter-group" id="group-(\w+)">', page)
    assert groups == [
        "dibao",
        "dibao_edge",
        "rigid_expenditure",
        "extreme_poverty",
        "temporary_assistance",
        "disability",
        "longevity_allowance",
        "orphan_allowance",
        "review",
        "monitoring",
        "eldercare",
    ]
    disability = re.search(r'id="group-disability">.*?</section>', page, flags=re.DOTALL)
    assert disability is not None
    names = re.findall(r'data-name="([^"]+)"', disability.group(0))
    assert sorted(names) == [
        "disability_care_subsidy.monthly_amount",
        "disability_living_subsidy.group_definitions",
        "disability_living_subsidy.rate.dibao_non_severe",
        "disability_living_subsidy.rate.dibao_severe",
        "disability_living_subsidy.rate.multiple_or_elderly_supported",
        "disability_living_subsidy.rate.severe_no_fixed_income",
        "disability_living_subsidy.rate.unemployed_mental_intellectual",
        "disability_subsidies.extreme_poverty_excluded",
    ]


def test_a_value_searched_for_and_not_found_says_so(client, city_admin):
    verified_login(client, city_admin)

    page = _text(client.get(PARAMETERS, {"on": "2022-01-01"}))  # 2021-07-01: not found

    assert _value(_parameter(page, "dibao.standard")) == "该日无有效值（未查到）"


def test_a_day_before_the_first_value_says_when_values_start(client, city_admin):
    verified_login(client, city_admin)

    page = _text(client.get(PARAMETERS, {"on": "2010-01-01"}))

    assert _value(_parameter(page, "dibao.standard")) == "该日无有效值（最早的值自 2015-07-01 起）"


@pytest.mark.parametrize("on", ["2026-13-01", "yesterday", "2026-02-30", "<b>"])
def test_a_bad_date_shows_a_chinese_message_and_today(client, city_admin, time_machine, on):
    time_machine.move_to(dt.datetime(2026, 1, 15, 9, 0, tzinfo=SHANGHAI), tick=False)
    verified_login(client, city_admin)

    response = client.get(PARAMETERS, {"on": on})

    page = _text(response)
    assert response.status_code == 200
    assert _all(r'id="date-error">(.*?)</div>', page) == [
        "日期格式应为 年-月-日（如 2026-01-01），已改为显示今天"
    ]
    assert 'value="2026-01-15"' in page
    assert _value(_parameter(page, "dibao.standard")) == "1208"
    assert "<b>" not in page


def test_the_parameters_page_has_no_inline_code(client, city_admin):
    verified_login(client, city_admin)

    assert inline_code(_text(client.get(PARAMETERS))) == []


# ---------------------------------------------------------------------------------------------
# the menu


@pytest.mark.parametrize(
    ("fixture", "sees_parameters"),
    [("yangshe_clerk", False), ("city_admin", True), ("auditor", True), ("city_staff", True)],
)
def test_the_menu_links_the_calculator_for_all_and_the_parameters_for_the_city(
    client, request, fixture, sees_parameters
):
    verified_login(client, request.getfixturevalue(fixture))

    page = _text(client.get(CALCULATOR))

    assert 'href="/policies/calculator/">政策计算器</a>' in page
    assert ('href="/policies/parameters/">政策参数</a>' in page) is sees_parameters


def test_the_login_page_links_the_calculator(client: Client, db):
    page = _text(client.get("/login/"))

    assert 'href="/policies/calculator/">政策计算器</a>' in page
