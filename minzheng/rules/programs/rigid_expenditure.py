"""刚性支出困难家庭 (rigid_expenditure): 民政部《刚性支出困难家庭认定办法》 (2024, S10).

A recognition, not a cash benefit: a recognised family gets special assistance (medical,
education, housing, employment) for up to 12 months.
"""

from __future__ import annotations

import numpy as np

from minzheng.rules.engine import HOUSEHOLD, Simulation, formula
from minzheng.rules.inputs import EXPENSE_KINDS
from minzheng.rules.programs.explain import check, flagged, one, yuan


@formula(
    entity=HOUSEHOLD,
    label="前12个月刚性支出",
    text="医疗、教育、残疾康复及其他刚性支出（自付部分）之和",
)
def rigid_expenditure_12m(sim: Simulation) -> np.ndarray:
    total = sim(f"expense_{EXPENSE_KINDS[0]}")
    for kind in EXPENSE_KINDS[1:]:
        total = total + sim(f"expense_{kind}")
    return total


@formula(entity=HOUSEHOLD, label="前12个月家庭总收入", text="家庭计入收入合计 × 12")
def household_income_12m(sim: Simulation) -> np.ndarray:
    return sim("household_counted_income") * 12.0


@formula(
    entity=HOUSEHOLD,
    label="刚性支出占收入比例",
    text="前12个月刚性支出 ÷ 前12个月家庭总收入（无收入而有支出时视为无穷大）",
)
def rigid_expenditure_ratio(sim: Simulation) -> np.ndarray:
    spending = sim("rigid_expenditure_12m")
    income = sim("household_income_12m")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = spending / income
    return np.where(income > 0, ratio, np.where(spending > 0, np.inf, 0.0))


@formula(
    entity=HOUSEHOLD,
    label="刚性支出困难家庭",
    text="非低保、低保边缘、特困家庭，户主本地户籍，人均收入 < 上年度人均可支配收入 ÷ 12，"
    "家庭财产符合，刚性支出占比超过当地比例",
    parameters=(
        "rigid_expenditure.previous_year_disposable_income",
        "rigid_expenditure.expenditure_ratio",
    ),
)
def rigid_expenditure_eligible(sim: Simulation) -> np.ndarray:
    income_line = sim.parameter("rigid_expenditure.previous_year_disposable_income") / 12.0
    return (
        ~sim("dibao_eligible")
        & ~sim("dibao_edge_eligible")
        & ~sim("extreme_poverty_eligible")
        & sim("head_local")
        & (sim("per_capita_income") < income_line)
        & sim("dibao_assets_ok")
        & (sim("rigid_expenditure_ratio") > sim.parameter("rigid_expenditure.expenditure_ratio"))
    )


@formula(entity=HOUSEHOLD, label="刚性支出困难家庭月发放", text="认定不直接发放现金，为0")
def rigid_expenditure_amount(sim: Simulation) -> np.ndarray:
    return np.zeros(sim.household_count)


def explain(sim: Simulation) -> list[str]:
    income_line = sim.parameter("rigid_expenditure.previous_year_disposable_income") / 12.0
    ratio_limit = sim.parameter("rigid_expenditure.expenditure_ratio")
    per_capita = one(sim, "per_capita_income")
    ratio = one(sim, "rigid_expenditure_ratio")
    other = one(sim, "dibao_eligible") or one(sim, "dibao_edge_eligible")
    reasons = [
        check(
            not other and not one(sim, "extreme_poverty_eligible"), "不属于低保、低保边缘、特困家庭"
        ),
        check(
            per_capita < income_line,
            flagged(
                sim,
                "rigid_expenditure.previous_year_disposable_income",
                f"人均收入 {yuan(per_capita)} "
                + ("低于" if per_capita < income_line else "不低于")
                + f"上年度居民人均可支配收入的月均数 {yuan(income_line)}",
            ),
        ),
        check(
            ratio > ratio_limit,
            flagged(
                sim,
                "rigid_expenditure.expenditure_ratio",
                f"前12个月刚性支出 {yuan(one(sim, 'rigid_expenditure_12m'))}，占家庭总收入"
                + ("（无收入）" if ratio == float("inf") else f"{ratio:.0%}")
                + ("，超过" if ratio > ratio_limit else "，未超过")
                + f"{ratio_limit:.0%}",
            ),
        ),
        check(bool(one(sim, "dibao_assets_ok")), "家庭财产符合条件"),
    ]
    if one(sim, "rigid_expenditure_eligible"):
        reasons.append("认定后12个月内可享受医疗、教育、住房、就业等专项救助，不直接发放现金")
    return reasons
