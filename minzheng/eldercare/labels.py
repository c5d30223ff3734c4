"""What eldercare declares to the shared machinery: its workflows, alert kinds and the labels
of its audited actions. Each part adds its own lines here."""

from __future__ import annotations

from minzheng.accounts.models import BusinessLine
from minzheng.alerts.definitions import AlertKind

ELDERCARE = BusinessLine.ELDERCARE


def WORKFLOWS() -> list[tuple]:  # noqa: N802 - called once the models are loaded
    """(workflow, model, inbox filter or None) of every eldercare workflow."""
    from minzheng.eldercare.models import WorkOrder
    from minzheng.eldercare.workflows import WORK_ORDER

    return [
        (WORK_ORDER, WorkOrder, None),
    ]


ALERT_KINDS: list[AlertKind] = [
    # home services
    AlertKind(
        "eldercare.visit_flagged",
        "上门服务疑点",
        ELDERCARE,
        "核实该次上门服务：确属实际服务的准予结算，否则不予结算",
        7,
    ),
]

ACTION_LABELS: dict[str, str] = {
    "eldercare.assessment.record": "录入能力评估",
    "eldercare.profile.update": "修改老人档案",
}
ACTION_LABELS |= {
    "alerts.eldercare.assign": "分派养老服务预警",
    "alerts.eldercare.close": "办结养老服务预警",
    **{
        f"eldercare.work_order.{name}": label
        for name, label in (
            ("create", "派单"),
            ("check_in", "上户签到"),
            ("check_out", "下户签退"),
            ("clear", "核实准予结算"),
            ("refuse", "核实不予结算"),
            ("cancel", "取消工单"),
            ("stop", "死亡或住院停止服务"),
        )
    },
}
