"""What eldercare declares to the shared machinery: its workflows, alert kinds and the labels
of its audited actions. Each part adds its own lines here."""

from __future__ import annotations

from minzheng.accounts.models import BusinessLine
from minzheng.alerts.definitions import AlertKind

ELDERCARE = BusinessLine.ELDERCARE


def WORKFLOWS() -> list[tuple]:  # noqa: N802 - called once the models are loaded
    """(workflow, model, inbox filter or None) of every eldercare workflow."""
    from minzheng.eldercare.care_models import ALARM, Alarm
    from minzheng.eldercare.entitlement_models import FamilyBed
    from minzheng.eldercare.entitlement_workflows import FAMILY_BED
    from minzheng.eldercare.institution_models import HAZARD, Hazard
    from minzheng.eldercare.models import WorkOrder
    from minzheng.eldercare.workflows import WORK_ORDER

    return [
        (WORK_ORDER, WorkOrder, None),
        (HAZARD, Hazard, None),
        (ALARM, Alarm, None),
        (FAMILY_BED, FamilyBed, None),
    ]


ALERT_KINDS: list[AlertKind] = [
    # ability assessment
    AlertKind(
        "eldercare.reassessment_due",
        "能力评估到期复评",
        ELDERCARE,
        "安排两名评估员上门复评，并录入评估结果",
        30,
    ),
    # home services
    AlertKind(
        "eldercare.visit_flagged",
        "上门服务疑点",
        ELDERCARE,
        "核实该次上门服务：确属实际服务的准予结算，否则不予结算",
        7,
    ),
    # care visits and alarms
    AlertKind(
        "eldercare.visit_missed",
        "关爱巡访逾期",
        ELDERCARE,
        "安排村（社区）尽快上门或电话探访该老人，并录入巡访记录",
        7,
    ),
    AlertKind(
        "eldercare.alarm_overdue",
        "设备报警超时未到场",
        ELDERCARE,
        "立即联系处置人员和老人家属，确认老人安全，并查明超时原因",
        1,
    ),
    # meals
    AlertKind(
        "eldercare.meal_duplicate",
        "助餐重复补贴",
        ELDERCARE,
        "核实该老人同一餐次在两处助餐点就餐的原因（代刷、冒用或误录），必要时更正或追回补贴",
        7,
    ),
    # institutions
    AlertKind(
        "eldercare.prepaid_over_limit",
        "养老机构预收费超限",
        ELDERCARE,
        "约谈机构，责令将超出上限的押金或会员费退还老人，并核对存管账户流水",
        15,
    ),
    AlertKind(
        "eldercare.prepaid_refund_late",
        "养老机构退费逾期",
        ELDERCARE,
        "督促机构将退住（含死亡）老人的押金、会员费余额一次性原路退还，并登记退费流水",
        7,
    ),
    AlertKind(
        "eldercare.hazard_overdue",
        "养老机构隐患整改逾期",
        ELDERCARE,
        "督促机构立即整改，重大隐患须现场复查，必要时暂停收住老人",
        3,
    ),
]

ACTION_LABELS: dict[str, str] = {
    "eldercare.assessment.record": "录入能力评估",
    "eldercare.assessment.import": "批量导入能力评估",
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
# supervision of home-service visits and the monthly provider settlement
ACTION_LABELS |= {
    "eldercare.supervision.run": "运行上门服务监管规则",
    "eldercare.settlement.close": "服务商月度结算",
    "eldercare.settlement.export": "导出服务商结算明细",
}
# care visits and alarms (关爱巡访, 人防+技防)
ACTION_LABELS |= {
    "eldercare.care.tiers_assign": "批量评定巡访风险等级",
    "eldercare.care.tier_override": "人工调整巡访风险等级",
    "eldercare.care.visit_record": "录入关爱巡访记录",
    "eldercare.care.visits_missed": "巡访逾期检查",
    "eldercare.care.death": "老人去世，停止巡访和设备",
    "eldercare.device.register": "登记智能设备",
    "eldercare.device.deactivate": "停用智能设备",
    "eldercare.alarm.overdue": "报警超时检查",
    **{
        f"eldercare.alarm.{name}": label
        for name, label in (
            ("open", "设备报警"),
            ("repeat_open", "同一设备再次报警"),
            ("repeat_dispatched", "同一设备再次报警"),
            ("repeat_arrived", "同一设备再次报警"),
            ("dispatch", "报警派单"),
            ("arrive", "报警处置到场"),
            ("close", "报警处置完毕"),
            ("false_alarm", "确认误报"),
            ("stop", "老人去世，关闭报警"),
        )
    },
}
# meals (老年助餐)
ACTION_LABELS |= {
    "eldercare.meal_point.create": "新建助餐点",
    "eldercare.meal_registration.create": "助餐登记",
    "eldercare.meal_registration.end": "终止助餐登记",
    "eldercare.meal_registration.stop": "老人去世，终止助餐登记",
    "eldercare.meal_record.create": "录入就餐记录",
    "eldercare.meal_record.import": "导入就餐记录",
    "eldercare.meal_settlement.close": "助餐点月度结算",
    "eldercare.meal_settlement.export": "导出助餐点结算明细",
}
# statistics and the ageing bulletin
ACTION_LABELS |= {"eldercare.report.export": "导出老龄工作公报"}
# institutions: registry, stays, staff, the prepaid-fee escrow ledger, inspections and hazards
ACTION_LABELS |= {
    "eldercare.institution.register": "登记养老机构",
    "eldercare.institution.resident_admit": "办理机构入住",
    "eldercare.institution.resident_discharge": "办理机构退住",
    "eldercare.institution.staff_add": "登记机构工作人员",
    "eldercare.institution.ledger_record": "登记预收费存管流水",
    "eldercare.institution.inspection_record": "登记养老机构安全检查",
    "eldercare.hazard.create": "登记安全隐患",
    "eldercare.hazard.rectify": "登记隐患整改报告",
    "eldercare.hazard.pass": "隐患复查通过",
    "eldercare.hazard.fail": "隐患复查未通过",
}
# home services (居家上门服务): providers, caregivers, catalogue, plans, orders, call-backs
ACTION_LABELS |= {
    "eldercare.provider.create": "登记服务商",
    "eldercare.provider.update": "修改服务商信息",
    "eldercare.provider_staff.link": "关联服务商账号",
    "eldercare.caregiver.create": "登记护理员",
    "eldercare.caregiver.update": "修改护理员信息",
    "eldercare.service_item.create": "新增服务项目",
    "eldercare.service_item.update": "修改服务项目",
    "eldercare.service_plan.create": "制定居家上门服务计划",
    "eldercare.service_plan.end": "终止居家上门服务计划",
    "eldercare.work_order.assign": "指派护理员",
    "eldercare.callback.record": "登记服务回访",
}
# entitlements: 尊老金 (免申即享), 居家养老服务补贴, 家庭养老床位
ACTION_LABELS |= {
    "eldercare.longevity.prepare": "生成尊老金月度名单",
    "eldercare.longevity.confirm": "确认尊老金月度名单",
    "eldercare.longevity.stop": "停发尊老金",
    "eldercare.service_subsidy.grant": "核定居家养老服务补贴",
    "eldercare.service_subsidy.stop": "停发居家养老服务补贴",
    **{
        f"eldercare.family_bed.{name}": label
        for name, label in (
            ("apply", "申请家庭养老床位"),
            ("assess", "家庭养老床位关联能力评估"),
            ("adapt", "登记适老化改造"),
            ("install", "登记家庭养老床位智能设备"),
            ("contract", "签订家庭养老床位服务协议"),
            ("start", "家庭养老床位开始服务"),
            ("end", "家庭养老床位撤床"),
            ("stop", "老人去世，家庭养老床位撤床"),
        )
    },
}
