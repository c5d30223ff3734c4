"""The family eldercare bed (家庭养老床位) as a case of the shared casework machinery.

Applied by the village or the town office; the town office links the elder's ability
assessment, records the home adaptation (适老化改造) and the devices installed, the service
contract with a provider and the service plan, then puts the bed in service. Any open bed may be
ended (撤床); a death ends it through the after-death bundle.
"""

from __future__ import annotations

from minzheng.accounts.models import BusinessLine, Role
from minzheng.workflow.definitions import Transition, Workflow

TOWN = frozenset({Role.TOWN_CLERK, Role.TOWN_APPROVER})
CITY = frozenset({Role.CITY_STAFF, Role.CITY_ADMIN})
OFFICE = TOWN | CITY
PLANNERS = OFFICE | {Role.VILLAGE_WORKER}
OPEN_STATES = ("applied", "assessed", "adapted", "equipped", "contracted", "in_service")

FAMILY_BED = Workflow(
    name="eldercare.family_bed",
    business_line=BusinessLine.ELDERCARE,
    states={
        "applied": "已申请",
        "assessed": "已评估",
        "adapted": "已完成适老化改造",
        "equipped": "已安装智能设备",
        "contracted": "已签订服务协议",
        "in_service": "服务中",
        "ended": "已撤床",
    },
    final=frozenset({"ended"}),
    # The steps' deadlines (15/30/15/15/7 days) are our own working targets for the inbox, not
    # from a policy text (no Suzhou or Zhangjiagang family-bed procedure was found).
    transitions=(
        Transition("apply", "申请家庭养老床位", ("",), "applied", PLANNERS, due_days=15),
        Transition("assess", "关联能力评估", ("applied",), "assessed", OFFICE, due_days=30),
        Transition("adapt", "登记适老化改造", ("assessed",), "adapted", OFFICE, due_days=15),
        Transition("install", "登记智能设备", ("adapted",), "equipped", OFFICE, due_days=15),
        Transition("contract", "签订服务协议", ("equipped",), "contracted", OFFICE, due_days=7),
        Transition("start", "关联服务计划，开始服务", ("contracted",), "in_service", OFFICE),
        Transition("end", "撤床", OPEN_STATES, "ended", OFFICE),
        Transition("stop", "对象死亡，撤床", OPEN_STATES, "ended", PLANNERS, manual=False),
    ),
)
