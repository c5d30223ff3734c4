"""Eldercare's cases, declared for the shared casework machinery (`minzheng.workflow`).

A home-service work order (居家上门服务工单) is planned by the town, carried out by a
provider's caregiver who checks in and out on the phone page, and either paid in the provider's
monthly settlement or, when supervision flags it and the town confirms the problem, refused.
"""

from __future__ import annotations

from minzheng.accounts.models import BusinessLine, Role
from minzheng.workflow.definitions import Transition, Workflow

TOWN = frozenset({Role.TOWN_CLERK, Role.TOWN_APPROVER})
CITY = frozenset({Role.CITY_STAFF, Role.CITY_ADMIN})
OFFICE = TOWN | CITY  # the eldercare office of the town, or the city's eldercare staff
PLANNERS = OFFICE | {Role.VILLAGE_WORKER}
PROVIDER = frozenset({Role.PROVIDER})


def _provider_party(user: object, order: object) -> bool:
    """A provider's manager acts on the provider's orders, a caregiver on their own."""
    from minzheng.eldercare.access import caregiver_of, provider_of

    provider = provider_of(user)
    if provider is None or order.provider_id != provider.pk:
        return False
    caregiver = caregiver_of(user)
    return caregiver is None or order.caregiver_id == caregiver.pk


WORK_ORDER = Workflow(
    name="eldercare.work_order",
    business_line=BusinessLine.ELDERCARE,
    states={
        "planned": "待服务",
        "in_service": "服务中",
        "done": "已完成",
        "refused": "不予结算",
        "cancelled": "已取消",
    },
    final=frozenset({"refused", "cancelled"}),
    transitions=(
        Transition("create", "派单", ("",), "planned", PLANNERS | PROVIDER),
        Transition("check_in", "上户签到", ("planned",), "in_service", PROVIDER),
        Transition("check_out", "下户签退", ("in_service",), "done", PROVIDER),
        # Supervision flags a done visit; the town clears it (paid) or confirms it (refused).
        Transition("clear", "核实无误，准予结算", ("done",), "done", OFFICE),
        Transition("refuse", "核实有误，不予结算", ("done",), "refused", OFFICE),
        Transition("cancel", "取消工单", ("planned",), "cancelled", PLANNERS | PROVIDER),
        # A death or a hospital stay cancels the orders still planned: made by the service.
        Transition(
            "stop", "对象死亡或住院，停止服务", ("planned",), "cancelled", PLANNERS, manual=False
        ),
    ),
    party_check=_provider_party,
)
