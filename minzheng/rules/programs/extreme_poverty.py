"""特困人员救助供养 (extreme_poverty): three conditions; basic living plus care by self-care level.

Source: 特困人员认定办法 (民发〔2021〕43号, S13); Suzhou standards (S1, S2, S5, S6).
A child who qualifies as an orphan or de facto unsupported child is supported under the orphan
allowance instead (S13: one who chooses that is not recognised as 特困).
"""

from __future__ import annotations

import numpy as np

from minzheng.rules.engine import HOUSEHOLD, PERSON, Simulation, formula, is_in, round_money
from minzheng.rules.inputs import DISABILITY_CATEGORIES, NONE
from minzheng.rules.programs.explain import check, flagged, member_values, members, yuan

PHYSICAL = DISABILITY_CATEGORIES.index("physical")
VISUAL = DISABILITY_CATEGORIES.index("visual")
CARE_LEVELS = ("self_care", "partial_care", "full_care")
CARE_LABELS = {"self_care": "全自理", "partial_care": "半护理", "full_care": "全护理"}


@formula(
    entity=PERSON,
    label="无劳动能力",
    text="年满60周岁或未满16周岁；或一至三级智力、精神残疾，一、二级肢体残疾，一级视力残疾",
    parameters=(
        "extreme_poverty.labour_capacity_min_age",
        "extreme_poverty.labour_capacity_under_age",
    ),
)
def no_labour_capacity(sim: Simulation) -> np.ndarray:
    age = sim("age")
    grade = sim("disability_grade")
    category = sim("disability_category")
    certified = sim("has_disability_certificate")
    return (
        (age >= sim.parameter("extreme_poverty.labour_capacity_min_age"))
        | (age < sim.parameter("extreme_poverty.labour_capacity_under_age"))
        | (
            certified
            & (
                (
                    is_in(
                        category,
                        [
                            DISABILITY_CATEGORIES.index("intellectual"),
                            DISABILITY_CATEGORIES.index("mental"),
                        ],
                    )
                    & (grade <= 3)
                )
                | ((category == PHYSICAL) & (grade <= 2))
                | ((category == VISUAL) & (grade == 1))
            )
        )
    )


@formula(
    entity=PERSON,
    label="无生活来源",
    text="本人计入收入 < 低保标准，且家庭财产符合",
    parameters=("dibao.standard",),
)
def no_means_of_living(sim: Simulation) -> np.ndarray:
    return (sim("counted_income") < sim.parameter("dibao.standard")) & sim.to_persons(
        sim("dibao_assets_ok")
    )


@formula(
    entity=PERSON,
    label="符合特困供养",
    text="在世、本地户籍，无劳动能力、无生活来源、无有能力的法定义务人，且不按孤儿、事实无人抚养儿童保障",
)
def extreme_poverty_person_eligible(sim: Simulation) -> np.ndarray:
    return (
        sim("alive")
        & sim("hukou_local")
        & sim("no_labour_capacity")
        & sim("no_means_of_living")
        & ~sim("capable_legal_supporter")
        & ~sim("orphan_candidate")
    )


@formula(
    entity=PERSON,
    label="护理等级",
    text="按老年人能力等级对应：0 全自理、1 半护理、2 全护理；未评估的按全自理",
    parameters=("extreme_poverty.care_level_by_ability_level",),
)
def extreme_poverty_care_level(sim: Simulation) -> np.ndarray:
    mapping = sim.parameter("extreme_poverty.care_level_by_ability_level")
    table = np.array([CARE_LEVELS.index(mapping[level]) for level in range(5)], dtype=np.int64)
    level = sim("ability_level")
    return np.where(level == NONE, 0, table[np.clip(level, 0, 4)])


@formula(
    entity=PERSON,
    label="特困供养金",
    text="基本生活标准 + 对应护理等级的照料护理标准",
    parameters=(
        "extreme_poverty.basic_living_standard",
        "extreme_poverty.care_standard.self_care",
        "extreme_poverty.care_standard.partial_care",
        "extreme_poverty.care_standard.full_care",
    ),
)
def extreme_poverty_person_amount(sim: Simulation) -> np.ndarray:
    care = np.array(
        [sim.parameter(f"extreme_poverty.care_standard.{level}") for level in CARE_LEVELS],
        dtype=np.float64,
    )
    amount = (
        sim.parameter("extreme_poverty.basic_living_standard")
        + care[sim("extreme_poverty_care_level")]
    )
    return np.where(sim("extreme_poverty_person_eligible"), round_money(amount), 0.0)


@formula(entity=HOUSEHOLD, label="有特困供养成员", text="有成员符合特困供养")
def extreme_poverty_eligible(sim: Simulation) -> np.ndarray:
    return sim.household_any(sim("extreme_poverty_person_eligible"))


@formula(entity=HOUSEHOLD, label="特困供养金（月）", text="成员特困供养金之和")
def extreme_poverty_amount(sim: Simulation) -> np.ndarray:
    return round_money(sim.household_sum(sim("extreme_poverty_person_amount")))


def explain(sim: Simulation) -> list[str]:
    assert sim.member_ids is not None
    reasons = []
    no_labour = member_values(sim, "no_labour_capacity")
    no_means = member_values(sim, "no_means_of_living")
    supporter = member_values(sim, "capable_legal_supporter")
    orphan = member_values(sim, "orphan_candidate")
    alive = member_values(sim, "alive")
    eligible = member_values(sim, "extreme_poverty_person_eligible")
    levels = member_values(sim, "extreme_poverty_care_level")
    amounts = member_values(sim, "extreme_poverty_person_amount")
    unassessed = set(members(sim, "ability_unassessed"))
    for member in sim.member_ids:
        if not alive[member]:
            continue
        if eligible[member]:
            level = CARE_LEVELS[levels[member]]
            text = (
                f"{member}：符合三项条件（无劳动能力、无生活来源、无有能力的法定义务人），"
                + flagged(
                    sim,
                    "extreme_poverty.basic_living_standard",
                    f"按{CARE_LABELS[level]}每月 {yuan(amounts[member])}",
                )
            )
            if member in unassessed:
                text += "（未提供能力等级，按全自理计）"
            reasons.append(
                check(True, flagged(sim, "extreme_poverty.care_level_by_ability_level", text))
            )
            continue
        failed = []
        if not no_labour[member]:
            failed.append("有劳动能力")
        if not no_means[member]:
            failed.append("有生活来源（本人收入不低于低保标准或家庭财产超过条件）")
        if supporter[member]:
            failed.append("有能力履行义务的法定赡养、抚养、扶养人")
        if orphan[member]:
            failed.append("按孤儿、事实无人抚养儿童保障")
        reasons.append(check(False, f"{member}：" + "；".join(failed)))
    return reasons


@formula(entity=PERSON, label="未评估能力等级", text="未提供老年人能力等级")
def ability_unassessed(sim: Simulation) -> np.ndarray:
    return sim("ability_level") == NONE
