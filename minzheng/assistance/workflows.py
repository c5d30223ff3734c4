"""The assistance case, declared for the shared casework machinery (`minzheng.workflow`).

The order is the statutory one of 最低生活保障审核确认办法 (民发〔2021〕57号, S15): application,
acceptance with the household's authorisation to check its data, economic verification, home
visit, public notice of 7 days, the town's decision, then payment until termination.
"""

from __future__ import annotations

from minzheng.accounts.models import BusinessLine, Role
from minzheng.alerts.definitions import AlertKind
from minzheng.workflow.definitions import Transition, Workflow

TOWN = frozenset({Role.TOWN_CLERK, Role.TOWN_APPROVER})
APPROVER = frozenset({Role.TOWN_APPROVER})
APPLICANTS = TOWN | {Role.VILLAGE_WORKER, Role.CITY_STAFF, Role.CITY_ADMIN}
# Whoever records a death or a move in the registry also stops or adjusts the assistance it
# ends.
DEATH_RECORDERS = APPLICANTS
# 公示期 7 天: the period issue 5 sets out, as the national procedure (最低生活保障审核确认办法,
# 民发〔2021〕57号, S15) is widely quoted; the article itself was not read here.
PUBLIC_NOTICE_DAYS = 7
TOWN_OPEN_STATES = ("applied", "accepted", "verified", "visited", "notice")
OPEN_STATES = (*TOWN_OPEN_STATES, "city_review")  # applications not yet decided

CITY = frozenset({Role.CITY_STAFF, Role.CITY_ADMIN})

ASSISTANCE_CASE = Workflow(
    name="assistance.case",
    business_line=BusinessLine.ASSISTANCE,
    states={
        "applied": "已申请",
        "accepted": "已受理",
        "verified": "已核对",
        "visited": "已入户调查",
        "notice": "公示中",
        "city_review": "报市局审批",
        "emergency": "先行救助",
        "active": "保障中",
        "rejected": "不予批准",
        "terminated": "已终止",
    },
    final=frozenset({"rejected", "terminated"}),
    transitions=(
        Transition("apply", "提交申请", ("",), "applied", APPLICANTS),
        Transition("accept", "受理", ("applied",), "accepted", TOWN),
        Transition("verify", "家庭经济状况核对", ("accepted",), "verified", TOWN),
        Transition("visit", "入户调查", ("verified",), "visited", TOWN | {Role.VILLAGE_WORKER}),
        Transition("notice", "公示", ("visited",), "notice", TOWN, due_days=PUBLIC_NOTICE_DAYS),
        Transition("object", "登记公示异议", ("notice",), "notice", TOWN | {Role.VILLAGE_WORKER}),
        Transition("resolve_objection", "异议核实处理", ("notice",), "notice", TOWN),
        Transition("approve", "审核确认（批准）", ("notice",), "active", APPROVER),
        Transition("deliberate", "一事一议（集体研究批准）", ("notice",), "active", APPROVER),
        # Temporary assistance above the town's limit is decided by the city (社会救助暂行办法
        # 第四十八条: only small amounts may be delegated to the town).
        Transition("refer_city", "报市局审批", ("notice",), "city_review", APPROVER),
        Transition("city_approve", "市局审批（批准）", ("city_review",), "active", CITY),
        Transition("city_reject", "市局不予批准", ("city_review",), "rejected", CITY),
        # The emergency path of temporary assistance: pay first, complete the papers after.
        Transition("emergency", "紧急程序：先行救助", ("applied", "accepted"), "emergency", TOWN),
        Transition("complete", "补齐审核审批手续", ("emergency",), "active", APPROVER),
        Transition("reject", "不予批准", TOWN_OPEN_STATES, "rejected", APPROVER),
        Transition("review", "定期核查", ("active",), "active", TOWN | {Role.VILLAGE_WORKER}),
        Transition("change_amount", "调整保障金额", ("active",), "active", APPROVER),
        Transition("gradual_exit", "渐退", ("active",), "active", APPROVER),
        Transition("transfer", "迁移转办（镇间）", ("active",), "active", TOWN | CITY),
        Transition("terminate", "终止保障", ("active",), "terminated", APPROVER),
        Transition(
            "death_change",
            "成员死亡，调整金额",
            ("active",),
            "active",
            DEATH_RECORDERS,
            manual=False,
        ),
        Transition(
            "death_terminate", "死亡停发", ("active",), "terminated", DEATH_RECORDERS, manual=False
        ),
        Transition(
            "move_change",
            "成员迁出，调整金额",
            ("active",),
            "active",
            DEATH_RECORDERS,
            manual=False,
        ),
        Transition(
            "move_terminate", "迁出停发", ("active",), "terminated", DEATH_RECORDERS, manual=False
        ),
    ),
)

# The alerts of this line: what monitoring, 政策找人 and the review schedule raise, what the
# office is asked to do, and the days it has (a working rule of this platform, not a statute).
RECIPIENT_DIED = AlertKind(
    "assistance.recipient_died",
    "救助对象死亡",
    BusinessLine.ASSISTANCE,
    "核实后办理死亡登记，停发或调整救助金",
    5,
)
ASSET_REVIEW = AlertKind(
    "assistance.asset_review",
    "救助家庭新增车辆或房产",
    BusinessLine.ASSISTANCE,
    "复核家庭经济状况",
    15,
)
INCOME_REVIEW = AlertKind(
    "assistance.income_review",
    "救助家庭成员工资收入较高",
    BusinessLine.ASSISTANCE,
    "复核家庭经济状况",
    15,
)
MEDICAL_CANDIDATE = AlertKind(
    "assistance.medical_candidate",
    "医疗自付费用较高",
    BusinessLine.ASSISTANCE,
    "评估刚性支出困难家庭认定或临时救助",
    10,
)
SINGLE_PERSON_CANDIDATE = AlertKind(
    "assistance.single_person_candidate",
    "低保边缘家庭新增重度残疾或重病",
    BusinessLine.ASSISTANCE,
    "评估单人户施保",
    15,
)
UNEMPLOYMENT_CHECK = AlertKind(
    "assistance.unemployment_check",
    "救助家庭成员登记失业",
    BusinessLine.ASSISTANCE,
    "核实就业和收入情况",
    15,
)
ELIGIBLE_NOT_RECEIVING = AlertKind(
    "assistance.eligible_not_receiving",
    "按规则可能符合条件但未享受",
    BusinessLine.ASSISTANCE,
    "联系家庭，告知政策，符合的协助申请",
    15,
)
NO_LONGER_ELIGIBLE = AlertKind(
    "assistance.no_longer_eligible",
    "按规则可能不再符合条件",
    BusinessLine.ASSISTANCE,
    "复核家庭经济状况",
    15,
)
RECIPIENT_MOVED = AlertKind(
    "assistance.recipient_moved",
    "救助对象户籍迁移",
    BusinessLine.ASSISTANCE,
    "迁出本市的终止保障；迁往市内其他镇（街道）的办理转办",
    10,
)
REVIEW_DUE = AlertKind(
    "assistance.review_due", "定期核查到期", BusinessLine.ASSISTANCE, "开展定期核查", 30
)
ALERT_KINDS = (
    RECIPIENT_DIED,
    RECIPIENT_MOVED,
    ASSET_REVIEW,
    INCOME_REVIEW,
    MEDICAL_CANDIDATE,
    SINGLE_PERSON_CANDIDATE,
    UNEMPLOYMENT_CHECK,
    ELIGIBLE_NOT_RECEIVING,
    NO_LONGER_ELIGIBLE,
    REVIEW_DUE,
)
