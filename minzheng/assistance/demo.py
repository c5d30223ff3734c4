"""Demo cases: the households the rules find eligible get applications at every step.

Used by `minzheng demo` after the synthetic city is loaded. Every case is made through the case
services (so the audit log and the timelines are as real use leaves them), by each town's demo
clerk and approver.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from minzheng.accounts.models import User
from minzheng.assistance import services
from minzheng.assistance.models import AssistanceCase
from minzheng.registry.models import Household
from minzheng.rules import screen
from minzheng.rules.inputs import requests_from_frames

# How far along each demo case of a town goes, in turn: an inbox with every kind of work.
STAGES = ("applied", "accepted", "verified", "visited", "notice", "active", "active", "rejected")
PER_TOWN = len(STAGES)
WORKERS = ["张红", "李明"]


def demo_cases_create(
    *,
    persons: pl.DataFrame,
    households: pl.DataFrame,
    staff: dict[str, tuple[User, User]],
    today: dt.date,
) -> int:
    """Open up to PER_TOWN dibao cases in each town with staff (clerk, approver); return how many.

    Households are those the rules find eligible for dibao this month, in household order; a
    household that already has a case is left alone, so running the demo twice adds nothing.
    """
    as_of = f"{today:%Y-%m}"
    eligible = (
        screen(persons, households, as_of, programs=("dibao",))
        .frame.filter(pl.col("eligible"))
        .join(households.select("household_id", "number", "division"), on="household_id")
        .with_columns(pl.col("division").str.slice(0, 9).alias("town"))
        .filter(pl.col("town").is_in(list(staff)))
        .sort("household_id")
        .group_by("town", maintain_order=True)
        .head(PER_TOWN)
    )
    chosen = eligible["household_id"].to_list()
    requests = requests_from_frames(
        persons.filter(pl.col("household_id").is_in(chosen)),
        households.filter(pl.col("household_id").is_in(chosen)),
        as_of=as_of,
    )
    by_number = {
        household.number: household
        for household in Household.objects.filter(
            number__in=eligible["number"].to_list()
        ).select_related("head")
    }
    existing = set(AssistanceCase.objects.values_list("household__number", flat=True))
    made = 0
    start = dt.date(today.year, today.month, 1)
    applied_on = today - dt.timedelta(days=12)
    for index, row in enumerate(eligible.iter_rows(named=True)):
        household = by_number.get(row["number"])
        if household is None or household.number in existing or household.head is None:
            continue
        clerk, approver = staff[row["town"]]
        request = requests[row["household_id"]]
        request["members"] = [
            {**member, "id": f"成员{number}"} for number, member in enumerate(request["members"], 1)
        ]
        case = services.case_apply(
            acting_user=clerk,
            household=household,
            applicant=household.head,
            program="dibao",
            request=request,
            on=applied_on,
        )
        case_advance(case, STAGES[index % PER_TOWN], clerk, approver, applied_on, start)
        made += 1
    return made


def case_advance(
    case: AssistanceCase,
    stage: str,
    clerk: User,
    approver: User,
    on: dt.date,
    start: dt.date,
) -> None:
    """Take an applied case to a stage by the services, as a town would (demo and tests)."""
    order = ("applied", "accepted", "verified", "visited", "notice")
    if stage == "rejected":
        services.case_reject(
            case=case, acting_user=approver, on=on, reasons=["家庭财产超过规定（演示）"]
        )
        return
    reached = order.index(stage) if stage in order else len(order)
    if reached >= 1:
        services.case_accept(
            case=case,
            acting_user=clerk,
            on=on,
            documents=list(services.REQUIRED_DOCUMENTS),
            authorisation_signed=True,
        )
    if reached >= 2:
        services.case_verify(case=case, acting_user=clerk, on=on)
    if reached >= 3:
        services.case_visit(
            case=case, acting_user=clerk, on=on, workers=WORKERS, findings="入户核实，情况属实"
        )
    if reached >= 4:
        services.case_notice(case=case, acting_user=clerk, on=on)
    if stage == "active":
        services.case_approve(
            case=case,
            acting_user=approver,
            on=on + dt.timedelta(days=services.PUBLIC_NOTICE_DAYS),
            start_month=start,
        )
