"""Formulas every programme reads: age, who is alive, counted income, household size."""

from __future__ import annotations

import numpy as np

from minzheng.rules.engine import HOUSEHOLD, PERSON, Simulation, formula, is_in
from minzheng.rules.inputs import DISABILITY_CATEGORIES, NONE, RELATIONS

COUNTED_INCOME_KINDS = (
    "wages",
    "business",
    "property",
    "pension",
    "support_received",
    "other_transfers",
)
INTELLECTUAL_OR_MENTAL = (
    DISABILITY_CATEGORIES.index("intellectual"),
    DISABILITY_CATEGORIES.index("mental"),
)


@formula(entity=PERSON, label="户主", text="与户主关系为户主")
def is_head(sim: Simulation) -> np.ndarray:
    return sim("relation") == RELATIONS.index("head")


@formula(entity=PERSON, label="在世", text="未死亡；死亡成员不计人数、不计收入")
def alive(sim: Simulation) -> np.ndarray:
    return ~sim("deceased")


@formula(entity=PERSON, label="年龄", text="评估月份与出生月份相差的整年数（自生日当月起算）")
def age(sim: Simulation) -> np.ndarray:
    months = sim("birth_year") * np.int32(-12)
    months -= sim("birth_month")
    months += sim.as_of_year * 12 + sim.as_of_month
    return months // 12


@formula(
    entity=PERSON,
    label="计入收入",
    text="工资性 + 经营净 + 财产净 + 养老金 + 赡养（抚养）费 + 其他转移收入；"
    "不计入收入（优抚金、奖学金、两项补贴、尊老金等）不计",
)
def counted_income(sim: Simulation) -> np.ndarray:
    total = sim(f"income_{COUNTED_INCOME_KINDS[0]}").astype(np.float64, copy=True)
    for kind in COUNTED_INCOME_KINDS[1:]:
        total += sim(f"income_{kind}")
    total[sim("deceased")] = 0.0
    return total


@formula(entity=PERSON, label="持有效残疾证", text="持有在评估月份有效的残疾人证")
def has_disability_certificate(sim: Simulation) -> np.ndarray:
    return (sim("disability_category") != NONE) & (sim("disability_grade") > 0)


@formula(
    entity=PERSON,
    label="重度残疾",
    text="一、二级残疾，或三级智力、精神残疾",
)
def severe_disability(sim: Simulation) -> np.ndarray:
    grade = sim("disability_grade")
    category = sim("disability_category")
    return sim("has_disability_certificate") & (
        (grade <= 2) | ((grade == 3) & is_in(category, INTELLECTUAL_OR_MENTAL))
    )


@formula(entity=HOUSEHOLD, label="家庭人数", text="在世的共同生活家庭成员人数")
def household_size(sim: Simulation) -> np.ndarray:
    return sim.household_count_of(sim("alive"))


@formula(entity=HOUSEHOLD, label="家庭计入收入合计", text="在世成员计入收入之和（月）")
def household_counted_income(sim: Simulation) -> np.ndarray:
    return sim.household_sum(sim("counted_income"))


@formula(entity=HOUSEHOLD, label="家庭人均收入", text="家庭计入收入合计 ÷ 家庭人数")
def per_capita_income(sim: Simulation) -> np.ndarray:
    return sim("household_counted_income") / np.maximum(sim("household_size"), 1)


@formula(entity=HOUSEHOLD, label="户主本地户籍", text="户主户籍在评估地")
def head_local(sim: Simulation) -> np.ndarray:
    return sim.household_head(sim("hukou_local"))
