"""老年人能力评估 (GB/T 42195-2022): 26 items in 4 domains, a total of 0-90, a level of 0-4.

The items, their maxima and the level bands are the standard's own (shared policy §8.3, S32).
The level adjustments (能力等级变更依据) are applied in this order, each recorded:
- 昏迷 (coma): the level is 4, 能力完全丧失, whatever the score. One public implementation
  says 重度 instead; the adjustment table the others reproduce says 完全丧失, which we follow.
- 确诊痴呆或其他精神和行为障碍 (F00-F99): one level higher.
- two or more 照护风险事件 (falls, choking, suicide, self-harm, wandering ...) in the last 30
  days: one level higher.
The two raises add up (a level of 1 with both becomes 3); no level goes above 4.
"""

from __future__ import annotations

from dataclasses import dataclass

# (item number, name, maximum), in the standard's order.
ITEMS: tuple[tuple[str, str, int], ...] = (
    ("B.1.1", "进食", 4),
    ("B.1.2", "修饰", 4),
    ("B.1.3", "洗澡", 4),
    ("B.1.4", "穿/脱上衣", 4),
    ("B.1.5", "穿/脱裤子和鞋袜", 4),
    ("B.1.6", "小便控制", 4),
    ("B.1.7", "大便控制", 4),
    ("B.1.8", "如厕", 4),
    ("B.2.1", "床上体位转移", 4),
    ("B.2.2", "床椅转移", 4),
    ("B.2.3", "平地行走", 4),
    ("B.2.4", "上下楼梯", 3),
    ("B.3.1", "时间定向", 4),
    ("B.3.2", "空间定向", 4),
    ("B.3.3", "人物定向", 4),
    ("B.3.4", "记忆", 4),
    ("B.3.5", "理解能力", 4),
    ("B.3.6", "表达能力", 4),
    ("B.3.7", "攻击行为", 1),
    ("B.3.8", "抑郁症状", 1),
    ("B.3.9", "意识水平", 2),
    ("B.4.1", "视力", 2),
    ("B.4.2", "听力", 2),
    ("B.4.3", "执行日常事务", 4),
    ("B.4.4", "使用交通工具外出", 3),
    ("B.4.5", "社会交往能力", 4),
)
ITEM_MAXIMA = {number: maximum for number, _, maximum in ITEMS}
ITEM_NAMES = {number: name for number, name, _ in ITEMS}
DOMAINS = {
    "B.1": "自理能力",
    "B.2": "基础运动能力",
    "B.3": "精神状态",
    "B.4": "感知觉与社会参与",
}
LEVELS = {
    0: "能力完好",
    1: "能力轻度受损（轻度失能）",
    2: "能力中度受损（中度失能）",
    3: "能力重度受损（重度失能）",
    4: "能力完全丧失（完全失能）",
}
# The lowest total of each level, from level 0 down: 90, 66-89, 46-65, 30-45, 0-29.
LEVEL_FLOORS = ((0, 90), (1, 66), (2, 46), (3, 30), (4, 0))
MAX_TOTAL = sum(ITEM_MAXIMA.values())  # 90
RISK_EVENTS_FOR_RAISE = 2


class ScoreError(ValueError):
    """Items that cannot be scored; each problem names its item (Chinese and English)."""

    def __init__(self, problems: list[tuple[str, str, str]]) -> None:
        self.problems = problems  # (item, message_zh, message_en)
        super().__init__("; ".join(f"{item}: {en}" for item, _, en in problems))


@dataclass(frozen=True)
class AbilityScore:
    total: int
    domain_totals: dict[str, int]
    score_level: int
    level: int
    adjustments: list[str]  # zh-Hans, in the order applied

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "domain_totals": dict(self.domain_totals),
            "score_level": self.score_level,
            "level": self.level,
            "adjustments": list(self.adjustments),
        }


def level_of_total(total: int) -> int:
    for level, floor in LEVEL_FLOORS:
        if total >= floor:
            return level
    raise ValueError(total)


def items_check(items: dict[str, object]) -> list[tuple[str, str, str]]:
    """Every problem with the items: unknown, missing, not a whole number, out of range."""
    problems = []
    for number in items:
        if number not in ITEM_MAXIMA:
            problems.append((number, f"未知的评估项目 {number}", f"unknown item {number}"))
    for number, name, maximum in ITEMS:
        if number not in items:
            problems.append((number, f"缺少评估项目 {number} {name}", f"item {number} is missing"))
            continue
        value = items[number]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
            problems.append(
                (
                    number,
                    f"{number} {name} 的得分应为 0 至 {maximum} 的整数，收到 {value!r}",
                    f"item {number} must be a whole number from 0 to {maximum}, got {value!r}",
                )
            )
    return problems


def ability_score(
    items: dict[str, int], *, coma: bool = False, dementia: bool = False, risk_events_30d: int = 0
) -> AbilityScore:
    """Score one assessment; raise ScoreError naming every item that is wrong."""
    problems = items_check(items)
    if isinstance(risk_events_30d, bool) or not isinstance(risk_events_30d, int):
        problems.append(("risk_events_30d", "照护风险事件次数应为整数", "must be a whole number"))
    elif risk_events_30d < 0:
        problems.append(("risk_events_30d", "照护风险事件次数不能为负", "must not be negative"))
    if problems:
        raise ScoreError(problems)
    domain_totals = {domain: 0 for domain in DOMAINS}
    for number, value in items.items():
        domain_totals[number[:3]] += value
    total = sum(domain_totals.values())
    score_level = level_of_total(total)
    level = score_level
    adjustments = []
    if coma:
        level = 4
        adjustments.append("处于昏迷状态，直接评定为能力完全丧失")
    else:
        if dementia:
            level = min(level + 1, 4)
            adjustments.append("确诊痴呆或其他精神和行为障碍疾病，提高一个等级")
        if risk_events_30d >= RISK_EVENTS_FOR_RAISE:
            level = min(level + 1, 4)
            adjustments.append(f"近30天内发生{risk_events_30d}次照护风险事件，提高一个等级")
    return AbilityScore(total, domain_totals, score_level, level, adjustments)
