"""The assistance case, declared for the shared casework machinery (`minzheng.workflow`).

The order is the statutory one of 最低生活保障审核确认办法 (民发〔2021〕57号, S15): application,
acceptance with the household's authorisation to check its data, economic verification, home
visit, public notice of 7 days, the town's decision, then payment until termination.
"""

from __future__ import annotations

from minzheng.accounts.models import BusinessLine, Role
from minzheng.workflow.definitions import Transition, Workflow

TOWN = frozenset({Role.TOWN_CLERK, Role.TOWN_APPROVER})
APPROVER = frozenset({Role.TOWN_APPROVER})
APPLICANTS = TOWN | {Role.VILLAGE_WORKER, Role.CITY_STAFF, Role.CITY_ADMIN}
# Whoever records a death in the registry also stops or adjusts the assistance it ends.
DEATH_RECORDERS = APPLICANTS
# 公示期 7 天: the period issue 5 sets out, as the national procedure (最低生活保障审核确认办法,
# 民发〔2021〕57号, S15) is widely quoted; the article itself was not read here.
PUBLIC_NOTICE_DAYS = 7
OPEN_STATES = ("applied", "accepted", "verified", "visited", "notice")

ASSISTANCE_CASE = Workflow(
    name="assistance.case",
    business_line=BusinessLine.ASSISTANCE,
    states={
        "applied": "已申请",
        "accepted": "已受理",
        "verified": "已核对",
        "visited": "已入户调查",
        "notice": "公示中",
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
        Transition("approve", "审核确认（批准）", ("notice",), "active", APPROVER),
        Transition("reject", "不予批准", OPEN_STATES, "rejected", APPROVER),
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
    ),
)
