"""最低生活保障 (dibao): household unit, top-up to the standard, classified uplifts, single person.

Sources: 社会救助暂行办法 art. 9-12 (S18); 最低生活保障审核确认办法 (S15); Suzhou standards and
分类施保 (S1, S5, S6); Suzhou 单人保 (S8). Extreme-poverty members are supported as such, not by
dibao (特困人员认定办法, S13).
"""

from __future__ import annotations

import numpy as np

from minzheng.rules.engine import HOUSEHOLD, PERSON, Simulation, formula, is_in, round_money
from minzheng.rules.inputs import EMPLOYMENTS
from minzheng.rules.programs.explain import check, flagged, members, one, yuan

EARNING = (EMPLOYMENTS.index("employed"), EMPLOYMENTS.index("self_employed"))


@formula(
    entity=PERSON,
    label="就业成本扣减",
    text="就业或自主经营的成员，从其工资、经营收入中扣减 低保标准 × 扣减比例，最多扣至0",
    parameters=("dibao.standard", "dibao.employment_cost_deduction_rate"),
)
def employment_cost_deduction(sim: Simulation) -> np.ndarray:
    ceiling = sim.parameter("dibao.standard") * sim.parameter(
        "dibao.employment_cost_deduction_rate"
    )
    rows = np.flatnonzero(is_in(sim("employment"), EARNING) & sim("alive"))
    deduction = np.zeros(len(sim("alive")))
    earned = sim("income_wages")[rows] + sim("income_business")[rows]
    deduction[rows] = np.minimum(earned, ceiling)
    return deduction


@formula(
    entity=HOUSEHOLD,
    label="低保核算人均收入",
    text="（家庭计入收入合计 − 就业成本扣减合计）÷ 家庭人数",
)
def dibao_income_per_capita(sim: Simulation) -> np.ndarray:
    deductions = sim.household_sum(sim("employment_cost_deduction"))
    return (sim("household_counted_income") - deductions) / np.maximum(sim("household_size"), 1)


@formula(
    entity=HOUSEHOLD,
    label="金融资产符合",
    text="家庭金融资产 ÷ 家庭人数 ≤ 低保标准 × 月数",
    parameters=("dibao.standard", "dibao.assets.financial_months"),
)
def dibao_financial_assets_ok(sim: Simulation) -> np.ndarray:
    limit = sim.parameter("dibao.standard") * sim.parameter("dibao.assets.financial_months")
    return sim("assets_financial") / np.maximum(sim("household_size"), 1) <= limit


@formula(
    entity=HOUSEHOLD,
    label="家庭财产符合",
    text="金融资产符合，且机动车、住房、商铺办公用房、登记经营主体不超过上限",
    parameters=(
        "dibao.assets.max_private_cars",
        "dibao.assets.max_residential_homes",
        "dibao.assets.max_non_residential_homes",
        "dibao.assets.max_registered_businesses",
    ),
)
def dibao_assets_ok(sim: Simulation) -> np.ndarray:
    return (
        sim("dibao_financial_assets_ok")
        & (sim("private_car_count") <= sim.parameter("dibao.assets.max_private_cars"))
        & (sim("residential_home_count") <= sim.parameter("dibao.assets.max_residential_homes"))
        & (
            sim("non_residential_home_count")
            <= sim.parameter("dibao.assets.max_non_residential_homes")
        )
        & (sim("registered_businesses") <= sim.parameter("dibao.assets.max_registered_businesses"))
    )


@formula(
    entity=HOUSEHOLD,
    label="全户符合低保",
    text="户主本地户籍，家庭财产符合，低保核算人均收入 < 低保标准，且有不属特困供养的在世成员",
    parameters=("dibao.standard",),
)
def dibao_household_eligible(sim: Simulation) -> np.ndarray:
    others = sim.household_any(sim("alive") & ~sim("extreme_poverty_person_eligible"))
    return (
        sim("head_local")
        & sim("dibao_assets_ok")
        & (sim("dibao_income_per_capita") < sim.parameter("dibao.standard"))
        & others
    )


@formula(
    entity=PERSON,
    label="分类施保特殊对象",
    text="年满60周岁、未满18周岁或单人户（独居）",
)
def dibao_special_member(sim: Simulation) -> np.ndarray:
    age = sim("age")
    return (age >= 60) | (age < 18) | sim.to_persons(sim("household_size") == 1)


@formula(
    entity=PERSON,
    label="成员低保金",
    text="重病患者：低保标准 × 重病倍数全额；特殊对象：低保标准 × (1 + 上浮比例) − 人均收入；"
    "其他成员：低保标准 − 人均收入；特困供养成员不计",
    parameters=(
        "dibao.standard",
        "dibao.classified.special_uplift_rate",
        "dibao.classified.serious_illness_rate_of_standard",
    ),
)
def dibao_member_amount(sim: Simulation) -> np.ndarray:
    standard = sim.parameter("dibao.standard")
    covered = (
        sim.to_persons(sim("dibao_household_eligible"))
        & sim("alive")
        & ~sim("extreme_poverty_person_eligible")
    )
    rows = np.flatnonzero(covered)  # only the members of eligible households are computed
    amount = standard - sim("dibao_income_per_capita")[sim.household_index[rows]]
    amount[sim("dibao_special_member")[rows]] += standard * sim.parameter(
        "dibao.classified.special_uplift_rate"
    )
    amount[sim("serious_illness")[rows]] = standard * sim.parameter(
        "dibao.classified.serious_illness_rate_of_standard"
    )
    result = np.zeros(len(covered))
    result[rows] = round_money(np.maximum(amount, 0.0))
    return result


@formula(
    entity=PERSON,
    label="单人户施保",
    text="全户不符合低保，户主本地户籍，家庭财产符合，本人本地户籍、重度残疾或患重特大疾病、"
    "非特困供养，低保标准 ≤ 低保核算人均收入 < 低保标准 × 倍数，且本人计入收入 < 低保标准",
    parameters=("dibao.standard", "dibao.single_person.household_income_multiple"),
)
def dibao_single_person_eligible(sim: Simulation) -> np.ndarray:
    standard = sim.parameter("dibao.standard")
    multiple = sim.parameter("dibao.single_person.household_income_multiple")
    per_capita = sim("dibao_income_per_capita")
    household_ok = (
        ~sim("dibao_household_eligible")
        & sim("head_local")
        & sim("dibao_assets_ok")
        & (per_capita >= standard)
        & (per_capita < standard * multiple)
    )
    return (
        sim.to_persons(household_ok)
        & sim("alive")
        & sim("hukou_local")
        & (sim("severe_disability") | sim("serious_illness"))
        & ~sim("extreme_poverty_person_eligible")
        & (sim("counted_income") < standard)
    )


@formula(
    entity=PERSON,
    label="本人低保金",
    text="全户低保时为成员低保金；单人户施保时为 低保标准 − 本人计入收入",
    parameters=("dibao.standard",),
)
def dibao_person_amount(sim: Simulation) -> np.ndarray:
    amount = sim("dibao_member_amount").copy()
    rows = np.flatnonzero(sim("dibao_single_person_eligible"))
    amount[rows] = round_money(sim.parameter("dibao.standard") - sim("counted_income")[rows])
    return amount


@formula(entity=HOUSEHOLD, label="符合低保", text="全户符合低保，或有成员符合单人户施保")
def dibao_eligible(sim: Simulation) -> np.ndarray:
    return sim("dibao_household_eligible") | sim.household_any(sim("dibao_single_person_eligible"))


@formula(entity=HOUSEHOLD, label="低保金（月）", text="本人低保金之和")
def dibao_amount(sim: Simulation) -> np.ndarray:
    return round_money(sim.household_sum(sim("dibao_person_amount")))


def explain(sim: Simulation) -> list[str]:
    standard = sim.parameter("dibao.standard")
    per_capita = one(sim, "dibao_income_per_capita")
    deductions = float(sim("employment_cost_deduction").sum())
    reasons = [
        check(bool(one(sim, "head_local")), "户主为本地户籍"),
        check(
            per_capita < standard,
            f"低保核算人均收入 {yuan(per_capita)} "
            + ("低于" if per_capita < standard else "不低于")
            + flagged(sim, "dibao.standard", f"低保标准 {yuan(standard)}")
            + (
                flagged(
                    sim,
                    "dibao.employment_cost_deduction_rate",
                    f"（已扣减就业成本 {yuan(deductions)}）",
                )
                if deductions
                else ""
            ),
        ),
        check(
            bool(one(sim, "dibao_assets_ok")),
            flagged(
                sim,
                "dibao.assets.financial_months",
                "家庭财产符合条件（金融资产、机动车、住房、经营主体）"
                if one(sim, "dibao_assets_ok")
                else "家庭财产超过条件（金融资产、机动车、住房或经营主体）",
            ),
        ),
    ]
    tekun = members(sim, "extreme_poverty_person_eligible")
    if tekun:
        reasons.append(f"成员 {'、'.join(tekun)} 按特困人员供养，不重复享受低保")
    if one(sim, "dibao_household_eligible"):
        ill = members(sim, "serious_illness")
        special = [member for member in members(sim, "dibao_special_member") if member not in ill]
        if ill:
            reasons.append(
                flagged(
                    sim,
                    "dibao.classified.serious_illness_rate_of_standard",
                    f"重病患者 {'、'.join(ill)} 按低保标准的"
                    f"{sim.parameter('dibao.classified.serious_illness_rate_of_standard'):.0%}全额发放",
                )
            )
        if special:
            reasons.append(
                flagged(
                    sim,
                    "dibao.classified.special_uplift_rate",
                    f"特殊对象 {'、'.join(special)} 按低保标准上浮"
                    f"{sim.parameter('dibao.classified.special_uplift_rate'):.0%}差额发放",
                )
            )
    single = members(sim, "dibao_single_person_eligible")
    if single:
        reasons.append(
            f"全户不符合低保，但 {'、'.join(single)} 为重度残疾或重病人员，"
            "本人收入低于低保标准，可单人户施保"
        )
    return reasons
