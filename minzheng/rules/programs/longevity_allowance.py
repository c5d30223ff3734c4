"""尊老金 (longevity_allowance): age bands counted from the birthday month (S33a-c)."""

from __future__ import annotations

import numpy as np

from minzheng.rules.engine import HOUSEHOLD, PERSON, Simulation, formula
from minzheng.rules.programs.explain import check, flagged, member_values, yuan


@formula(
    entity=PERSON,
    label="尊老金",
    text="在世、本地户籍的老年人，按所在年龄段的月标准",
    parameters=("longevity_allowance.bands",),
)
def longevity_allowance_person_amount(sim: Simulation) -> np.ndarray:
    bands = sorted(sim.parameter("longevity_allowance.bands"), key=lambda band: band["min_age"])
    thresholds = np.array([band["min_age"] for band in bands])
    amounts = np.array([float(band["amount"]) for band in bands])
    band = np.searchsorted(thresholds, sim("age"), side="right") - 1
    amount = np.where(band >= 0, amounts[np.maximum(band, 0)], 0.0)
    return np.where(sim("alive") & sim("hukou_local"), amount, 0.0)


@formula(entity=HOUSEHOLD, label="有成员享受尊老金", text="有成员尊老金大于0")
def longevity_allowance_eligible(sim: Simulation) -> np.ndarray:
    return sim.household_any(sim("longevity_allowance_person_amount") > 0)


@formula(entity=HOUSEHOLD, label="尊老金（月）", text="成员尊老金之和")
def longevity_allowance_amount(sim: Simulation) -> np.ndarray:
    return sim.household_sum(sim("longevity_allowance_person_amount"))


def explain(sim: Simulation) -> list[str]:
    bands = sorted(sim.parameter("longevity_allowance.bands"), key=lambda band: band["min_age"])
    youngest = bands[0]["min_age"]
    amounts = member_values(sim, "longevity_allowance_person_amount")
    ages = member_values(sim, "age")
    paid = [member for member, amount in amounts.items() if amount > 0]
    if not paid:
        return [check(False, f"家庭中没有年满{youngest}周岁的本地户籍老人")]
    return [
        check(
            True,
            flagged(
                sim,
                "longevity_allowance.bands",
                f"{member}：{ages[member]}周岁，每月 {yuan(amounts[member])}，免申即享",
            ),
        )
        for member in paid
    ]
