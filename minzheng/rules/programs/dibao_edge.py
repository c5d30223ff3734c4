"""低保边缘家庭 (dibao_edge), and the relief for its seriously ill members.

Sources: national definition (S11); Suzhou 低保边缘重病困难对象生活救助 at 120 % of the standard,
topped up to the person's own income (S5).
"""

from __future__ import annotations

import numpy as np

from minzheng.rules.engine import HOUSEHOLD, PERSON, Simulation, formula, round_money
from minzheng.rules.programs.explain import check, flagged, member_values, members, one, yuan


@formula(
    entity=HOUSEHOLD,
    label="低保边缘家庭",
    text="不符合全户低保，户主本地户籍，家庭财产符合，"
    "低保标准 ≤ 低保核算人均收入 < 低保标准 × 倍数，且有不属特困供养的在世成员",
    parameters=("dibao.standard", "dibao_edge.income_multiple"),
)
def dibao_edge_eligible(sim: Simulation) -> np.ndarray:
    standard = sim.parameter("dibao.standard")
    per_capita = sim("dibao_income_per_capita")
    others = sim.household_any(sim("alive") & ~sim("extreme_poverty_person_eligible"))
    return (
        ~sim("dibao_household_eligible")
        & sim("head_local")
        & sim("dibao_assets_ok")
        & (per_capita >= standard)
        & (per_capita < standard * sim.parameter("dibao_edge.income_multiple"))
        & others
    )


@formula(
    entity=PERSON,
    label="边缘重病救助金",
    text="低保边缘家庭中患重特大疾病且未单人户施保的成员：低保标准 × 倍数 − 本人计入收入",
    parameters=("dibao.standard", "dibao_edge.serious_illness_rate_of_standard"),
)
def dibao_edge_person_amount(sim: Simulation) -> np.ndarray:
    level = sim.parameter("dibao.standard") * sim.parameter(
        "dibao_edge.serious_illness_rate_of_standard"
    )
    covered = (
        sim.to_persons(sim("dibao_edge_eligible"))
        & sim("alive")
        & sim("serious_illness")
        & ~sim("dibao_single_person_eligible")
    )
    rows = np.flatnonzero(covered)
    amount = np.zeros(len(covered))
    amount[rows] = round_money(np.maximum(level - sim("counted_income")[rows], 0.0))
    return amount


@formula(entity=HOUSEHOLD, label="边缘重病救助金（月）", text="成员边缘重病救助金之和")
def dibao_edge_amount(sim: Simulation) -> np.ndarray:
    return round_money(sim.household_sum(sim("dibao_edge_person_amount")))


def explain(sim: Simulation) -> list[str]:
    standard = sim.parameter("dibao.standard")
    multiple = sim.parameter("dibao_edge.income_multiple")
    per_capita = one(sim, "dibao_income_per_capita")
    in_band = standard <= per_capita < standard * multiple
    reasons = [
        check(
            in_band,
            flagged(
                sim,
                "dibao_edge.income_multiple",
                f"低保核算人均收入 {yuan(per_capita)} "
                + ("在" if in_band else "不在")
                + f"低保标准的1至{multiple:g}倍之间"
                + f"（{yuan(standard)}至{yuan(standard * multiple)}）",
            ),
        ),
        check(bool(one(sim, "dibao_assets_ok")), "家庭财产符合条件"),
    ]
    amounts = member_values(sim, "dibao_edge_person_amount")
    ill = [member for member in members(sim, "serious_illness") if amounts[member] > 0]
    if ill:
        reasons.append(
            flagged(
                sim,
                "dibao_edge.serious_illness_rate_of_standard",
                f"重病成员 {'、'.join(ill)} 可按低保标准的"
                f"{sim.parameter('dibao_edge.serious_illness_rate_of_standard'):.0%}对本人收入补差",
            )
        )
    if one(sim, "dibao_edge_eligible") and not ill:
        reasons.append("低保边缘家庭不发放低保金，可享受医疗、教育、住房等专项救助")
    return reasons
