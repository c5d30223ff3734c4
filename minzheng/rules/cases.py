"""YAML test cases in the OpenFisca manner: a household, a month, the values the rules must give.

A case file under `cases/` holds a list of cases:

```yaml
- name: 低保标准 2025-07 起 1208 元 (S1): two adults without income get 2 x 1208
  as_of: 2025-07
  household: {members: [...], assets: {...}}   # household.schema.json without as_of
  output:
    dibao_amount: 2416          # a household variable: one number or boolean
    dibao_member_amount: {A: 1208, B: 1208}   # a person variable: by member id
- name: ... a month without a value cannot be assessed
  as_of: 2022-03
  household: {...}
  output_error: "$.as_of"      # the request is refused with this path
```

Only the variables named in `output` are computed, with the parameters they read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from minzheng.rules.assess import simulation
from minzheng.rules.engine import HOUSEHOLD, VARIABLES
from minzheng.rules.inputs import arrays_from_request
from minzheng.rules.parameters import ParameterMissingError
from minzheng.rules.request import RequestError, validate_request

CASES_DIR = Path(__file__).parent / "cases"
TOLERANCE = 0.005  # half a fen


@dataclass(frozen=True)
class Case:
    file: str
    name: str
    as_of: str
    household: dict[str, Any]
    output: dict[str, Any]
    output_error: str | None


def load_cases(directory: Path = CASES_DIR) -> list[Case]:
    cases = []
    for path in sorted(directory.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")):
            cases.append(
                Case(
                    file=path.name,
                    name=raw["name"],
                    as_of=str(raw["as_of"]),
                    household=raw["household"],
                    output=raw.get("output", {}),
                    output_error=raw.get("output_error"),
                )
            )
    return cases


def run_case(case: Case) -> list[str]:
    """Return the differences between what the rules give and what the case expects."""
    request = {"as_of": case.as_of, **case.household}
    try:
        valid = validate_request(request)
        sim = simulation(arrays_from_request(valid.data, valid.birth_dates), case.as_of)
        got = {name: sim(name) for name in case.output}
    except RequestError as error:
        paths = [issue.path for issue in error.issues]
        if case.output_error in paths:
            return []
        return [f"refused: {error}"]
    except ParameterMissingError as error:
        if case.output_error == "$.as_of":
            return []
        return [f"no value of {error.name} in {case.as_of}"]
    if case.output_error is not None:
        return [f"expected a refusal at {case.output_error}, got values"]
    problems = []
    for name, expected in case.output.items():
        values = got[name]
        if VARIABLES[name].entity == HOUSEHOLD:
            problems += _compare(name, values[0], expected)
        else:
            assert sim.member_ids is not None
            by_member = dict(zip(sim.member_ids, values, strict=True))
            for member, member_expected in expected.items():
                problems += _compare(f"{name}[{member}]", by_member[member], member_expected)
    return problems


def _compare(label: str, value: Any, expected: Any) -> list[str]:
    if isinstance(expected, bool) or isinstance(value, (bool, np.bool_)):
        if bool(value) != expected:
            return [f"{label}: got {bool(value)}, expected {expected}"]
        return []
    if abs(float(value) - float(expected)) > TOLERANCE:
        return [f"{label}: got {float(value):.2f}, expected {expected}"]
    return []
