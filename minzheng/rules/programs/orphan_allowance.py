"""孤儿、事实无人抚养儿童、重病重残儿童基本生活保障 (orphan_allowance).

Sources: Suzhou standards (S1, S2, S4, S38); 事实无人抚养儿童 definition (S37). A child already
receiving social assistance or the disability living subsidy gets only the difference (S1:
补差发放，不得重复享受). HIV-affected children are recognised offline: the request has no field
for it.
"""

from __future__ import annotations

import numpy as np

from minzheng.rules.engine import HOUSEHOLD, PERSON, Simulation, formula, is_in, round_money
from minzheng.rules.inputs import PARENTS
from minzheng.rules.programs.common import INTELLECTUAL_OR_MENTAL
from minzheng.rules.programs.explain import check, flagged, member_values, yuan

WITHOUT_PARENTS = (PARENTS.index("both_deceased_or_missing"), PARENTS.index("unable_to_raise"))


@formula(
    entity=PERSON,
    label="孤儿或事实无人抚养儿童",
    text="未满18周岁，父母双方死亡或失踪，或父母无力抚养（重残、重病、服刑、强制戒毒、失联等）",
    parameters=("orphan_allowance.max_age",),
)
def orphan_candidate(sim: Simulation) -> np.ndarray:
    return (sim("age") < sim.parameter("orphan_allowance.max_age")) & is_in(
        sim("parents"), WITHOUT_PARENTS
    )


@formula(
    entity=PERSON,
    label="重病重残儿童",
    text="未满18周岁，患重特大疾病，或一、二级残疾、三、四级智力精神残疾",
    parameters=("orphan_allowance.max_age",),
)
def seriously_ill_or_disabled_child(sim: Simulation) -> np.ndarray:
    grade = sim("disability_grade")
    severe = sim("has_disability_certificate") & (
        (grade <= 2) | is_in(sim("disability_category"), INTELLECTUAL_OR_MENTAL)
    )
    return (sim("age") < sim.parameter("orphan_allowance.max_age")) & (
        sim("serious_illness") | severe
    )


@formula(
    entity=PERSON,
    label="儿童保障标准",
    text="孤儿、事实无人抚养儿童按散居孤儿标准；其他重病重残儿童按重病重残儿童标准",
    parameters=(
        "orphan_allowance.scattered_orphan_standard",
        "orphan_allowance.seriously_ill_or_disabled_standard",
    ),
)
def orphan_allowance_standard(sim: Simulation) -> np.ndarray:
    standard = np.where(
        sim("orphan_candidate"),
        float(sim.parameter("orphan_allowance.scattered_orphan_standard")),
        np.where(
            sim("seriously_ill_or_disabled_child"),
            float(sim.parameter("orphan_allowance.seriously_ill_or_disabled_standard")),
            0.0,
        ),
    )
    return np.where(sim("alive") & sim("hukou_local"), standard, 0.0)


@formula(
    entity=PERSON,
    label="儿童保障金",
    text="儿童保障标准 − 本人已享受的低保金和困难残疾人生活补贴（补差，不为负）",
)
def orphan_allowance_person_amount(sim: Simulation) -> np.ndarray:
    received = sim("dibao_person_amount") + sim("disability_living_subsidy_person_amount")
    return round_money(np.maximum(sim("orphan_allowance_standard") - received, 0.0))


@formula(entity=HOUSEHOLD, label="有儿童符合保障", text="有儿童的保障标准大于0")
def orphan_allowance_eligible(sim: Simulation) -> np.ndarray:
    return sim.household_any(sim("orphan_allowance_standard") > 0)


@formula(entity=HOUSEHOLD, label="儿童保障金（月）", text="儿童保障金之和")
def orphan_allowance_amount(sim: Simulation) -> np.ndarray:
    return round_money(sim.household_sum(sim("orphan_allowance_person_amount")))


def explain(sim: Simulation) -> list[str]:
    standards = member_values(sim, "orphan_allowance_standard")
    amounts = member_values(sim, "orphan_allowance_person_amount")
    orphans = member_values(sim, "orphan_candidate")
    reasons = []
    for member, standard in standards.items():
        if standard <= 0:
            continue
        kind = "孤儿或事实无人抚养儿童" if orphans[member] else "重病重残儿童"
        name = (
            "orphan_allowance.scattered_orphan_standard"
            if orphans[member]
            else "orphan_allowance.seriously_ill_or_disabled_standard"
        )
        text = f"{member}：{kind}，" + flagged(sim, name, f"标准 {yuan(standard)}")
        if amounts[member] < standard:
            text += f"，扣除已享受的低保金、残疾人生活补贴后补差 {yuan(amounts[member])}"
        reasons.append(check(True, text))
    if not reasons:
        reasons.append(check(False, "家庭中没有孤儿、事实无人抚养儿童或重病重残儿童"))
    reasons.append("艾滋病病毒感染儿童按散居孤儿标准保障，需持相关证明到镇（街道）线下认定")
    return reasons
