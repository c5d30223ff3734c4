"""`assess` one household and `screen` a whole population with the same formulas."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from minzheng.rules.engine import MissingInputError, Simulation
from minzheng.rules.inputs import PopulationArrays, arrays_from_frames, arrays_from_request
from minzheng.rules.parameters import ParameterMissingError, month_start, parameters_at
from minzheng.rules.programs import BY_CODE, PROGRAM_CODES, PROGRAMS
from minzheng.rules.request import RequestError, RequestIssue, validate_request


def simulation(arrays: PopulationArrays, as_of: str, *, trace: bool = False) -> Simulation:
    month = month_start(as_of)
    return Simulation(
        persons=arrays.persons,
        households=arrays.households,
        household_index=arrays.household_index,
        household_count=len(arrays.household_ids),
        parameters=parameters_at(as_of),
        as_of_year=month.year,
        as_of_month=month.month,
        member_ids=arrays.member_ids,
        trace=trace,
    )


def _missing_parameter_issue(error: ParameterMissingError) -> RequestIssue:
    since = f"{error.earliest:%Y-%m}" if error.earliest else None
    return RequestIssue(
        "$.as_of",
        f"{error.month:%Y-%m} 无有效的参数 {error.name}"
        + (f"（自 {since} 起有值）" if since else "（未查到）")
        + "，无法评估",
        f"parameter {error.name} has no value in force in {error.month:%Y-%m}"
        + (f" (it has one from {since})" if since else " (not found)"),
    )


def assess(request: Any) -> dict[str, Any]:
    """Assess one household request; return the assessment contract's result with its trace.

    Raises RequestError (with every issue and its JSON path) for a request that cannot be
    assessed, including a month for which a parameter the rules read has no value.
    """
    valid = validate_request(request)
    arrays = arrays_from_request(valid.data, valid.birth_dates)
    sim = simulation(arrays, valid.as_of, trace=True)
    try:
        programs = {program.code: _program_result(sim, program.code) for program in PROGRAMS}
    except ParameterMissingError as error:
        raise RequestError([_missing_parameter_issue(error)]) from None
    assert sim.trace is not None
    return {
        "as_of": valid.as_of,
        "division": valid.division,
        "household_size": int(sim("household_size")[0]),
        "per_capita_income": round(float(sim("per_capita_income")[0]), 2),
        "programs": programs,
        "trace": sim.trace,
        "provisional": sorted(
            {
                reference["name"]
                for program in programs.values()
                for reference in program["references"]
                if reference["provisional"]
            }
        ),
    }


def _program_result(sim: Simulation, code: str) -> dict[str, Any]:
    program = BY_CODE[code]
    eligible = bool(sim(program.eligible)[0])
    amount = float(sim(program.amount)[0])
    result: dict[str, Any] = {
        "label": program.label,
        "eligible": eligible,
        "monthly_amount": round(amount, 2) if eligible else 0.0,
        "reasons": program.explain(sim),
    }
    if program.one_off is not None:
        result["one_off_amount"] = round(float(sim(program.one_off)[0]), 2)
    if program.person_amount is not None:
        assert sim.member_ids is not None
        amounts = sim(program.person_amount)
        result["members"] = [
            {"id": member, "monthly_amount": round(float(value), 2)}
            for member, value in zip(sim.member_ids, amounts, strict=True)
            if value > 0
        ]
    names: set[str] = set()
    for variable in (program.eligible, program.amount, program.person_amount, program.one_off):
        if variable is not None:
            names |= sim.parameters_of.get(variable, frozenset())
    result["references"] = [sim.parameters.get(name).reference() for name in sorted(names)]
    result["documents"] = list(program.documents)
    result["office"] = program.office
    return result


PROGRAM_ENUM = pl.Enum(PROGRAM_CODES)


@dataclass(frozen=True)
class ScreenResult:
    frame: pl.DataFrame  # household_id, program, eligible, monthly_amount, one_off_amount
    skipped: dict[str, str] = field(default_factory=dict)  # programme -> the input it lacked


def screen(
    persons: pl.DataFrame,
    households: pl.DataFrame,
    as_of: str,
    *,
    programs: tuple[str, ...] = PROGRAM_CODES,
    skip_missing_inputs: bool = False,
) -> ScreenResult:
    """Assess every household of a population: one row per household and programme.

    With skip_missing_inputs, a programme whose formulas need a column the frames lack is left
    out and named in `skipped` (the registry holds no incomes, for instance); otherwise
    MissingInputError is raised. ParameterMissingError is raised for a month without values.
    """
    arrays = arrays_from_frames(persons, households, as_of=month_start(as_of))
    sim = simulation(arrays, as_of)
    household_ids = households["household_id"]
    frames = []
    skipped: dict[str, str] = {}
    for code in programs:
        program = BY_CODE[code]
        try:
            eligible = sim(program.eligible)
            amount = np.where(eligible, sim(program.amount), 0.0)
            one_off = sim(program.one_off) if program.one_off else None
        except MissingInputError as error:
            if not skip_missing_inputs:
                raise
            skipped[code] = error.name
            continue
        frames.append(
            pl.DataFrame(
                {
                    "household_id": household_ids,
                    "program": pl.Series([code], dtype=PROGRAM_ENUM).new_from_index(
                        0, len(household_ids)
                    ),
                    "eligible": eligible,
                    "monthly_amount": amount,
                    "one_off_amount": one_off,
                },
                schema_overrides={"one_off_amount": pl.Float64},
            )
        )
    frame = (
        pl.concat(frames)
        if frames
        else pl.DataFrame(
            schema={
                "household_id": pl.String,
                "program": PROGRAM_ENUM,
                "eligible": pl.Boolean,
                "monthly_amount": pl.Float64,
                "one_off_amount": pl.Float64,
            }
        )
    )
    return ScreenResult(frame=frame, skipped=skipped)
