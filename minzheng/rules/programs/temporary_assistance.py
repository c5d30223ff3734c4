"""临时救助 (temporary_assistance): category and a suggested one-off amount.

Sources: 社会救助暂行办法 art. 47-49 (S18); Suzhou-area categories 急难型 / 支出型 (S9). Amounts and
the town's approval limit were not found: provisional parameters.
"""

from __future__ import annotations

import numpy as np

from minzheng.rules.engine import HOUSEHOLD, Simulation, formula, round_money
from minzheng.rules.inputs import EMERGENCY_KINDS, NONE
from minzheng.rules.programs.explain import check, flagged, one, yuan

CATEGORIES = ("none", "urgent", "expenditure")  # 急难型, 支出型
CATEGORY_LABELS = {"urgent": "急难型", "expenditure": "支出型"}
EMERGENCY_LABELS = {
    "fire_or_accident": "火灾、交通事故等意外",
    "natural_disaster": "自然灾害",
    "major_illness": "突发重大疾病",
    "death_of_earner": "家庭主要劳动力死亡",
    "other": "其他突发事件",
}


@formula(
    entity=HOUSEHOLD,
    label="临时救助类别",
    text="突发重大疾病为支出型，其他突发事件为急难型，无突发事件为无",
)
def temporary_assistance_category(sim: Simulation) -> np.ndarray:
    kind = sim("emergency_kind")
    return np.where(
        kind == NONE,
        0,
        np.where(kind == EMERGENCY_KINDS.index("major_illness"), 2, 1),
    )


@formula(
    entity=HOUSEHOLD,
    label="符合临时救助",
    text="户主本地户籍，有突发事件且有损失，低保核算人均收入 < 低保标准 × 倍数",
    parameters=("dibao.standard", "temporary_assistance.income_multiple"),
)
def temporary_assistance_eligible(sim: Simulation) -> np.ndarray:
    limit = sim.parameter("dibao.standard") * sim.parameter("temporary_assistance.income_multiple")
    return (
        sim("head_local")
        & (sim("temporary_assistance_category") > 0)
        & (sim("emergency_loss") > 0)
        & (sim("dibao_income_per_capita") < limit)
    )


@formula(
    entity=HOUSEHOLD,
    label="临时救助建议金额",
    text="损失金额，最多 低保标准 × 月数 × 家庭人数",
    parameters=("dibao.standard", "temporary_assistance.max_months_of_standard"),
)
def temporary_assistance_one_off_amount(sim: Simulation) -> np.ndarray:
    cap = (
        sim.parameter("dibao.standard")
        * sim.parameter("temporary_assistance.max_months_of_standard")
        * sim("household_size")
    )
    amount = np.minimum(sim("emergency_loss"), cap)
    return np.where(sim("temporary_assistance_eligible"), round_money(amount), 0.0)


@formula(
    entity=HOUSEHOLD,
    label="需报市民政局审批",
    text="建议金额超过镇（街道）审批上限",
    parameters=("temporary_assistance.town_approval_limit",),
)
def temporary_assistance_needs_city_approval(sim: Simulation) -> np.ndarray:
    limit = sim.parameter("temporary_assistance.town_approval_limit")
    return sim("temporary_assistance_one_off_amount") > limit


@formula(entity=HOUSEHOLD, label="临时救助月发放", text="一次性救助，不按月发放，为0")
def temporary_assistance_amount(sim: Simulation) -> np.ndarray:
    return np.zeros(sim.household_count)


def explain(sim: Simulation) -> list[str]:
    category = CATEGORIES[one(sim, "temporary_assistance_category")]
    if category == "none":
        return [check(False, "未填写突发事件，暂不符合临时救助；发生突发事件后可随时申请")]
    kind = EMERGENCY_KINDS[one(sim, "emergency_kind")]
    limit = sim.parameter("dibao.standard") * sim.parameter("temporary_assistance.income_multiple")
    per_capita = one(sim, "dibao_income_per_capita")
    reasons = [
        check(True, f"突发事件：{EMERGENCY_LABELS[kind]}，属{CATEGORY_LABELS[category]}临时救助"),
        check(one(sim, "emergency_loss") > 0, f"损失 {yuan(one(sim, 'emergency_loss'))}"),
        check(
            per_capita < limit,
            flagged(
                sim,
                "temporary_assistance.income_multiple",
                f"低保核算人均收入 {yuan(per_capita)} "
                + ("低于" if per_capita < limit else "不低于")
                + f" {yuan(limit)}",
            ),
        ),
    ]
    if one(sim, "temporary_assistance_eligible"):
        reasons.append(
            flagged(
                sim,
                "temporary_assistance.max_months_of_standard",
                f"建议一次性救助 {yuan(one(sim, 'temporary_assistance_one_off_amount'))}",
            )
        )
        if one(sim, "temporary_assistance_needs_city_approval"):
            reasons.append(
                flagged(
                    sim,
                    "temporary_assistance.town_approval_limit",
                    "金额超过镇（街道）审批上限，报市民政局审批",
                )
            )
        reasons.append("情况紧急的可先行救助，事后补齐材料")
    return reasons
