"""困难残疾人生活补贴 and 重度残疾人护理补贴 (disability_living_subsidy, disability_care_subsidy).

Sources: 国发〔2015〕52号 (S48); Suzhou groups and rates as implemented by Kunshan in May 2025
(苏府〔2016〕162号, 苏政民福〔2023〕3号; S3); the living subsidy moves with the dibao standard (S1).
A person in several groups gets the highest rate. Extreme-poverty persons get neither (S48).
"""

from __future__ import annotations

import numpy as np

from minzheng.rules.engine import HOUSEHOLD, PERSON, Simulation, formula, is_in, round_money
from minzheng.rules.inputs import EMPLOYMENTS
from minzheng.rules.programs.common import INTELLECTUAL_OR_MENTAL
from minzheng.rules.programs.explain import check, flagged, member_values, yuan

WORKING = (
    EMPLOYMENTS.index("employed"),
    EMPLOYMENTS.index("self_employed"),
    EMPLOYMENTS.index("farmer"),
)
GROUPS = (
    ("dibao_severe", "低保家庭中的一、二级残疾人"),
    ("dibao_non_severe", "低保家庭中的三、四级残疾人"),
    ("multiple_or_elderly_supported", "一户多残、依老养残"),
    ("unemployed_mental_intellectual", "无业的三、四级精神、智力残疾人"),
    ("severe_no_fixed_income", "无固定收入的重度残疾人"),
)


@formula(
    entity=PERSON,
    label="可享受两项补贴的残疾人",
    text="在世、本地户籍、持有效残疾证，且未纳入特困供养",
    parameters=("disability_subsidies.extreme_poverty_excluded",),
)
def disability_subsidy_candidate(sim: Simulation) -> np.ndarray:
    excluded = sim.parameter("disability_subsidies.extreme_poverty_excluded")
    tekun = sim("extreme_poverty_person_eligible") if excluded else np.zeros_like(sim("alive"))
    return sim("alive") & sim("hukou_local") & sim("has_disability_certificate") & ~tekun


@formula(entity=HOUSEHOLD, label="低收入家庭", text="符合低保或低保边缘")
def low_income_household(sim: Simulation) -> np.ndarray:
    return sim("dibao_eligible") | sim("dibao_edge_eligible")


@formula(
    entity=PERSON,
    label="生活补贴分组",
    text="低保家庭（含单人户施保）成员：一、二级按低保家庭重度比例，三、四级按非重度比例；其他：低保边缘家庭中一户多残、依老养残、无业三四级精神智力残疾人，以及本人收入低于低保标准的一、二级残疾人，取所属分组的最高比例",
    parameters=(
        "disability_living_subsidy.rate.dibao_severe",
        "disability_living_subsidy.rate.dibao_non_severe",
        "disability_living_subsidy.rate.multiple_or_elderly_supported",
        "disability_living_subsidy.rate.unemployed_mental_intellectual",
        "disability_living_subsidy.rate.severe_no_fixed_income",
        "disability_living_subsidy.group_definitions",
        "dibao.standard",
    ),
)
def disability_living_subsidy_rate(sim: Simulation) -> np.ndarray:
    sim.parameter("disability_living_subsidy.group_definitions")  # the reading of the groups
    grade = sim("disability_grade")
    in_dibao = sim.to_persons(sim("dibao_household_eligible")) | sim("dibao_single_person_eligible")
    low_income = sim.to_persons(sim("low_income_household"))
    alive = sim("alive")
    disabled = sim("has_disability_certificate") & alive
    multiple = sim.to_persons(sim.household_count_of(disabled) >= 2)
    younger = alive & (sim("age") < 60)
    others_younger = sim.to_persons(sim.household_count_of(younger)) - younger.astype(np.int64)
    others = sim.to_persons(sim.household_count_of(alive)) - alive.astype(np.int64)
    elderly_supported = (others > 0) & (others_younger == 0)
    groups = {
        "multiple_or_elderly_supported": low_income & (multiple | elderly_supported),
        "unemployed_mental_intellectual": low_income
        & (grade >= 3)
        & is_in(sim("disability_category"), INTELLECTUAL_OR_MENTAL)
        & ~is_in(sim("employment"), WORKING),
        "severe_no_fixed_income": (grade <= 2)
        & (sim("counted_income") < sim.parameter("dibao.standard")),
    }
    rate = np.zeros(len(grade))
    for group, members in groups.items():
        group_rate = sim.parameter(f"disability_living_subsidy.rate.{group}")
        rate = np.where(members, np.maximum(rate, group_rate), rate)
    dibao_rate = np.where(
        grade <= 2,
        sim.parameter("disability_living_subsidy.rate.dibao_severe"),
        sim.parameter("disability_living_subsidy.rate.dibao_non_severe"),
    )
    rate = np.where(in_dibao, dibao_rate, rate)
    return np.where(sim("disability_subsidy_candidate"), rate, 0.0)


@formula(
    entity=PERSON,
    label="困难残疾人生活补贴",
    text="低保标准 × 分组比例",
    parameters=("dibao.standard",),
)
def disability_living_subsidy_person_amount(sim: Simulation) -> np.ndarray:
    return round_money(sim.parameter("dibao.standard") * sim("disability_living_subsidy_rate"))


@formula(entity=HOUSEHOLD, label="有成员享受生活补贴", text="有成员生活补贴大于0")
def disability_living_subsidy_eligible(sim: Simulation) -> np.ndarray:
    return sim.household_any(sim("disability_living_subsidy_person_amount") > 0)


@formula(entity=HOUSEHOLD, label="生活补贴（月）", text="成员生活补贴之和")
def disability_living_subsidy_amount(sim: Simulation) -> np.ndarray:
    return round_money(sim.household_sum(sim("disability_living_subsidy_person_amount")))


@formula(
    entity=PERSON,
    label="重度残疾人护理补贴",
    text="持一、二级残疾证、未纳入特困供养的本地户籍残疾人，按月定额",
    parameters=("disability_care_subsidy.monthly_amount",),
)
def disability_care_subsidy_person_amount(sim: Simulation) -> np.ndarray:
    covered = sim("disability_subsidy_candidate") & (sim("disability_grade") <= 2)
    return np.where(covered, float(sim.parameter("disability_care_subsidy.monthly_amount")), 0.0)


@formula(entity=HOUSEHOLD, label="有成员享受护理补贴", text="有成员护理补贴大于0")
def disability_care_subsidy_eligible(sim: Simulation) -> np.ndarray:
    return sim.household_any(sim("disability_care_subsidy_person_amount") > 0)


@formula(entity=HOUSEHOLD, label="护理补贴（月）", text="成员护理补贴之和")
def disability_care_subsidy_amount(sim: Simulation) -> np.ndarray:
    return round_money(sim.household_sum(sim("disability_care_subsidy_person_amount")))


def _no_certificate(sim: Simulation) -> list[str]:
    return [check(False, "家庭中没有持有效残疾证的成员")]


def explain_living(sim: Simulation) -> list[str]:
    candidates = member_values(sim, "disability_subsidy_candidate")
    certified = member_values(sim, "has_disability_certificate")
    if not any(certified.values()):
        return _no_certificate(sim)
    rates = member_values(sim, "disability_living_subsidy_rate")
    amounts = member_values(sim, "disability_living_subsidy_person_amount")
    reasons = []
    for member, has_certificate in certified.items():
        if not has_certificate:
            continue
        if not candidates[member]:
            reasons.append(check(False, f"{member}：已纳入特困供养或非本地户籍，不享受两项补贴"))
        elif rates[member] > 0:
            reasons.append(
                check(
                    True,
                    flagged(
                        sim,
                        "disability_living_subsidy.group_definitions",
                        f"{member}：按低保标准的{rates[member]:.0%}，每月 {yuan(amounts[member])}",
                    ),
                )
            )
        else:
            reasons.append(
                check(
                    False,
                    f"{member}：家庭不属低保或低保边缘，不在生活补贴的分组内（"
                    + "、".join(label for _, label in GROUPS)
                    + "）",
                )
            )
    return reasons


def explain_care(sim: Simulation) -> list[str]:
    certified = member_values(sim, "has_disability_certificate")
    if not any(certified.values()):
        return _no_certificate(sim)
    amounts = member_values(sim, "disability_care_subsidy_person_amount")
    grades = member_values(sim, "disability_grade")
    reasons = []
    for member, has_certificate in certified.items():
        if not has_certificate:
            continue
        if amounts[member] > 0:
            reasons.append(
                check(True, f"{member}：{grades[member]}级残疾，每月 {yuan(amounts[member])}")
            )
        else:
            reasons.append(
                check(
                    False,
                    f"{member}：{grades[member]}级残疾，护理补贴限一、二级重度残疾人（未纳入特困供养）",
                )
            )
    return reasons
