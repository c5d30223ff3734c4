"""`assess` for one household: the contract's result, the trace, and every kind of bad input."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from minzheng.rules import PROGRAM_CODES, RequestError, assess
from minzheng.rules.parameters import PROVISIONAL_LABEL
from minzheng.rules.request import contract
from tests.conftest import make_id_number

POOR_COUPLE: dict[str, Any] = {
    "as_of": "2026-01",
    "members": [
        {
            "id": "户主",
            "relation": "head",
            "birth_date": "1953-03-01",
            "employment": "retired",
            "income": {"pension": 600},
        },
        {
            "id": "配偶",
            "relation": "spouse",
            "birth_date": "1955-05-01",
            "disability": {"category": "physical", "grade": 2},
            "income": {"pension": 500},
        },
    ],
    "assets": {"financial": 3000, "homes": [{"use": "residential", "area_m2": 50}]},
}


def _errors(request: Any) -> list[tuple[str, str]]:
    with pytest.raises(RequestError) as caught:
        assess(request)
    return [(issue.path, issue.message_zh) for issue in caught.value.issues]


def test_the_result_follows_the_assessment_contract_with_every_programme():
    result = assess(POOR_COUPLE)
    Draft202012Validator(contract("assessment.schema.json")).validate(result)
    assert list(result["programs"]) == list(PROGRAM_CODES)
    assert result["household_size"] == 2
    assert result["per_capita_income"] == 550.0
    dibao = result["programs"]["dibao"]
    # Both are 60 or over: 1208 x 1.2 - 550 = 899.60 each.
    assert dibao["eligible"] is True
    assert dibao["monthly_amount"] == 1799.2
    assert dibao["members"] == [
        {"id": "户主", "monthly_amount": 899.6},
        {"id": "配偶", "monthly_amount": 899.6},
    ]
    assert result["programs"]["disability_living_subsidy"]["members"] == [
        {"id": "配偶", "monthly_amount": 422.8}
    ]
    assert result["programs"]["disability_care_subsidy"]["monthly_amount"] == 160.0


def test_the_trace_holds_every_formula_computed_with_its_words_and_sourced_parameters():
    result = assess(POOR_COUPLE)
    trace = {item["name"]: item for item in result["trace"]}
    assert trace["dibao_income_per_capita"]["value"] == 550.0
    assert trace["age"]["value"] == {"户主": 72, "配偶": 70}
    assert trace["dibao_member_amount"]["formula"].startswith("重病患者")
    standard = trace["dibao_household_eligible"]["parameters"][0]
    assert standard["name"] == "dibao.standard"
    assert standard["value"] == 1208
    assert standard["valid_from"] == "2025-07-01"
    assert "苏州市人民政府办公室" in standard["source"]
    assert len(trace) == len(result["trace"])  # each formula once: memoised


def test_provisional_values_are_named_and_marked_in_the_reasons():
    result = assess(POOR_COUPLE)
    assert "dibao.assets.financial_months" in result["provisional"]
    dibao = result["programs"]["dibao"]
    assert any(PROVISIONAL_LABEL in reason for reason in dibao["reasons"])
    assert {reference["name"]: reference["provisional"] for reference in dibao["references"]}[
        "dibao.standard"
    ] is False


def test_reasons_say_why_a_programme_does_not_apply():
    result = assess(POOR_COUPLE)
    assert result["programs"]["longevity_allowance"]["reasons"] == [
        "✗ 家庭中没有年满80周岁的本地户籍老人"
    ]
    assert result["programs"]["temporary_assistance"]["eligible"] is False


def test_the_id_number_gives_birth_date_and_sex():
    request = copy.deepcopy(POOR_COUPLE)
    member = request["members"][0]
    del member["birth_date"]
    member["id_number"] = make_id_number("19530301", 11)
    assert assess(request)["programs"]["dibao"]["monthly_amount"] == 1799.2


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: r.update(as_of="2026-13"), [("$.as_of", "评估月份格式应为 YYYY-MM")]),
        (lambda r: r.update(extra=1), [("$.extra", "不允许的字段")]),
        (lambda r: r.update(members=[]), [("$.members", "至少需要1项")]),
        (
            lambda r: r["members"][0]["income"].update(pension=-1),
            [("$.members[0].income.pension", "不能为负数")],
        ),
        (
            lambda r: r["members"][1].update(relation="cousin"),
            [
                (
                    "$.members[1].relation",
                    "取值无效，应为以下之一：head、spouse、child、parent、parent_in_law、"
                    "grandparent、grandchild、sibling、child_in_law、other",
                )
            ],
        ),
        (lambda r: r["members"][1].pop("relation"), [("$.members[1].relation", "缺少必填字段")]),
        (
            lambda r: r["members"][1].update(birth_date="1955-02-30"),
            [("$.members[1].birth_date", "日期格式应为 YYYY-MM-DD")],
        ),
        (
            lambda r: r["members"][1].update(relation="head"),
            [("$.members", "应有且只有一名户主（head），实有2名")],
        ),
        (lambda r: r["members"][1].update(id="户主"), [("$.members[1].id", "成员编号“户主”重复")]),
        (
            lambda r: r["members"][1].update(birth_date="2026-02-01"),
            [("$.members[1].birth_date", "出生日期晚于评估月份")],
        ),
        (
            lambda r: [member.update(deceased=True) for member in r["members"]],
            [("$.members", "至少需要一名在世成员")],
        ),
        (
            lambda r: r["members"][1].pop("birth_date"),
            [("$.members[1].birth_date", "未填写公民身份号码时，出生日期必填")],
        ),
        (
            lambda r: r["members"][0].update(id_number=make_id_number("19530302", 11)),
            [("$.members[0].birth_date", "出生日期与公民身份号码中的出生日期（1953-03-02）不一致")],
        ),
        (
            lambda r: r["members"][0].update(
                id_number=make_id_number("19530301", 11), sex="female"
            ),
            [("$.members[0].sex", "性别与公民身份号码不一致")],
        ),
        (
            lambda r: r["members"][0].update(id_number="320582195303010110"),
            [("$.members[0].id_number", "公民身份号码校验码错误")],
        ),
        (
            lambda r: r.update(as_of="2010-12"),
            [("$.as_of", "评估月份早于最早的参数（2011-01），无法评估")],
        ),
        (
            lambda r: r.update(as_of="2022-03"),
            [("$.as_of", "2022-03 无有效的参数 dibao.standard（自 2023-07 起有值），无法评估")],
        ),
    ],
)
def test_bad_input_is_refused_with_its_path_and_nothing_is_computed(change, expected):
    request = copy.deepcopy(POOR_COUPLE)
    change(request)
    assert _errors(request) == expected


def test_every_error_is_reported_at_once():
    request = copy.deepcopy(POOR_COUPLE)
    request["members"][0]["income"]["wages"] = -5
    request["members"][1]["relation"] = "cousin"
    request["assets"]["financial"] = "much"
    assert [path for path, _ in _errors(request)] == [
        "$.assets.financial",
        "$.members[0].income.wages",
        "$.members[1].relation",
    ]


@pytest.mark.parametrize("request_value", [None, [], "text", 3])
def test_a_request_that_is_not_an_object_is_refused(request_value):
    assert _errors(request_value) == [("$", "请求应为JSON对象")]
