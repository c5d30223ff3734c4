"""The nine programmes, in the order of the assessment contract."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from minzheng.rules.engine import Simulation
from minzheng.rules.programs import (
    common,  # noqa: F401 - registers the shared formulas
    dibao,
    dibao_edge,
    disability,
    extreme_poverty,
    longevity_allowance,
    orphan_allowance,
    rigid_expenditure,
    temporary_assistance,
)

IDENTITY = "申请人及共同生活家庭成员的居民身份证、户口簿"
INCOME = "家庭成员收入情况（工资、养老金等）的说明或证明"
AUTHORISATION = "家庭经济状况核对授权书（全体成年家庭成员签字）"


@dataclass(frozen=True)
class Program:
    code: str
    label: str
    eligible: str  # household variable
    amount: str  # household variable, yuan per month
    person_amount: str | None  # person variable for person-level programmes
    one_off: str | None
    explain: Callable[[Simulation], list[str]]
    documents: tuple[str, ...]
    office: str  # where to apply


PROGRAMS: tuple[Program, ...] = (
    Program(
        "dibao",
        "最低生活保障（低保）",
        "dibao_eligible",
        "dibao_amount",
        "dibao_person_amount",
        None,
        dibao.explain,
        (IDENTITY, INCOME, AUTHORISATION, "残疾人证、重特大疾病诊断证明（如有）"),
        "户籍所在地镇（街道）社会救助窗口，或由村（社区）代为提交",
    ),
    Program(
        "dibao_edge",
        "低保边缘家庭",
        "dibao_edge_eligible",
        "dibao_edge_amount",
        "dibao_edge_person_amount",
        None,
        dibao_edge.explain,
        (IDENTITY, INCOME, AUTHORISATION, "重特大疾病诊断证明（如有）"),
        "户籍所在地镇（街道）社会救助窗口",
    ),
    Program(
        "rigid_expenditure",
        "刚性支出困难家庭",
        "rigid_expenditure_eligible",
        "rigid_expenditure_amount",
        None,
        None,
        rigid_expenditure.explain,
        (IDENTITY, INCOME, AUTHORISATION, "前12个月医疗、教育、康复等支出的票据"),
        "户籍所在地镇（街道）社会救助窗口",
    ),
    Program(
        "extreme_poverty",
        "特困人员救助供养",
        "extreme_poverty_eligible",
        "extreme_poverty_amount",
        "extreme_poverty_person_amount",
        None,
        extreme_poverty.explain,
        (IDENTITY, INCOME, AUTHORISATION, "残疾人证（如有）", "生活自理能力评估材料"),
        "户籍所在地镇（街道）社会救助窗口",
    ),
    Program(
        "temporary_assistance",
        "临时救助",
        "temporary_assistance_eligible",
        "temporary_assistance_amount",
        None,
        "temporary_assistance_one_off_amount",
        temporary_assistance.explain,
        (IDENTITY, "突发事件或损失的证明（事故认定、医疗票据、火灾证明等）", INCOME),
        "户籍所在地或急难发生地镇（街道）",
    ),
    Program(
        "disability_living_subsidy",
        "困难残疾人生活补贴",
        "disability_living_subsidy_eligible",
        "disability_living_subsidy_amount",
        "disability_living_subsidy_person_amount",
        None,
        disability.explain_living,
        ("残疾人本人居民身份证、户口簿", "第二代残疾人证", "低保或低保边缘证明（如有）"),
        "户籍所在地镇（街道）或全国残疾人两项补贴网上申请",
    ),
    Program(
        "disability_care_subsidy",
        "重度残疾人护理补贴",
        "disability_care_subsidy_eligible",
        "disability_care_subsidy_amount",
        "disability_care_subsidy_person_amount",
        None,
        disability.explain_care,
        ("残疾人本人居民身份证、户口簿", "第二代残疾人证（一、二级）"),
        "户籍所在地镇（街道）或全国残疾人两项补贴网上申请",
    ),
    Program(
        "longevity_allowance",
        "尊老金（高龄津贴）",
        "longevity_allowance_eligible",
        "longevity_allowance_amount",
        "longevity_allowance_person_amount",
        None,
        longevity_allowance.explain,
        ("无需申请：年满80周岁的本地户籍老人自生日当月起自动发放（免申即享）",),
        "如未到账，联系户籍所在村（社区）",
    ),
    Program(
        "orphan_allowance",
        "孤儿、事实无人抚养儿童、重病重残儿童基本生活保障",
        "orphan_allowance_eligible",
        "orphan_allowance_amount",
        "orphan_allowance_person_amount",
        None,
        orphan_allowance.explain,
        (
            "儿童及监护人居民身份证、户口簿",
            "父母死亡、失踪、重残、重病、服刑等情况的证明",
            "残疾人证或重特大疾病诊断证明（如有）",
        ),
        "户籍所在地镇（街道），由村（社区）儿童主任协助",
    ),
)
PROGRAM_CODES = tuple(program.code for program in PROGRAMS)
BY_CODE = {program.code: program for program in PROGRAMS}
