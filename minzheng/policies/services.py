"""Screening the registry against the rules: a read of many people, so it is audited."""

from __future__ import annotations

import polars as pl
from django.db import transaction

from minzheng.accounts.jurisdiction import screening_check
from minzheng.accounts.models import User
from minzheng.audit.services import audit_record
from minzheng.registry.selectors import screening_frames
from minzheng.rules import ScreenResult, screen
from minzheng.rules.parameters import month_start


@transaction.atomic
def screening_run(*, acting_user: User, as_of: str) -> tuple[ScreenResult, pl.DataFrame]:
    """Screen the households in the user's scope in the month `as_of` ('YYYY-MM').

    Returns the result and the households frame (with each household's division). Programmes
    that need data the registry does not hold (incomes, assets) are skipped and named.
    """
    screening_check(user=acting_user)
    persons, households = screening_frames(user=acting_user, on=month_start(as_of))
    result = screen(persons, households, as_of, skip_missing_inputs=True)
    audit_record(
        actor=acting_user,
        action="policies.screen.run",
        target=None,
        data={
            "as_of": as_of,
            "households": households.height,
            "programs": sorted(set(result.frame["program"].unique().cast(pl.String))),
            "skipped": sorted(result.skipped),
        },
        division_code=acting_user.division_code or "",
    )
    return result, households
