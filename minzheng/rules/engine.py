"""The engine: person and household entities, formulas over numpy arrays, memoised, traced.

A formula is a function of the simulation, registered with `@formula`, that returns one value per
person or per household. It reads other variables with `sim("name")` (computed on demand and
memoised) and parameters with `sim.parameter("name")` (only those it declares). One household is
arrays of length one computed with tracing on; a whole city is the same code over long arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from minzheng.rules.parameters import ParameterSet

PERSON = "person"
HOUSEHOLD = "household"


class MissingInputError(KeyError):
    """A formula needs an input column that the caller did not give."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass(frozen=True)
class Variable:
    name: str
    entity: str
    label: str  # short Chinese name, shown in traces and on pages
    text: str  # the formula in words (zh-Hans); empty for inputs
    parameters: tuple[str, ...]
    function: Callable[[Simulation], np.ndarray] | None  # None for an input


VARIABLES: dict[str, Variable] = {}


def formula(
    *, entity: str, label: str, text: str, parameters: tuple[str, ...] = ()
) -> Callable[[Callable[[Simulation], np.ndarray]], Callable[[Simulation], np.ndarray]]:
    """Register a formula under its function's name."""

    def register(function: Callable[[Simulation], np.ndarray]) -> Callable[..., np.ndarray]:
        name = function.__name__
        if name in VARIABLES:
            raise ValueError(f"variable {name} is defined twice")
        VARIABLES[name] = Variable(name, entity, label, text, parameters, function)
        return function

    return register


def input_variable(name: str, *, entity: str, label: str) -> None:
    """Register an input column (given by the caller, never computed)."""
    VARIABLES[name] = Variable(name, entity, label, "", (), None)


def is_in(values: np.ndarray, codes: tuple[int, ...] | list[int]) -> np.ndarray:
    """Whether each enumeration code is one of a few `codes` (faster than np.isin for few)."""
    result = values == codes[0]
    for code in codes[1:]:
        result |= values == code
    return result


def round_money(values: np.ndarray) -> np.ndarray:
    """Round yuan half up to the fen, the same way for one household and for a city."""
    result = np.multiply(values, 100.0, dtype=np.float64)
    result += 0.5 + 1e-6
    np.floor(result, out=result)
    result /= 100.0
    return result


class Simulation:
    """Inputs for some persons in some households, the parameters of one month, a memo."""

    def __init__(
        self,
        *,
        persons: dict[str, np.ndarray],
        households: dict[str, np.ndarray],
        household_index: np.ndarray,
        household_count: int,
        parameters: ParameterSet,
        as_of_year: int,
        as_of_month: int,
        member_ids: list[str] | None = None,
        trace: bool = False,
    ) -> None:
        self.inputs = {PERSON: persons, HOUSEHOLD: households}
        self.household_index = household_index
        self.household_count = household_count
        self.parameters = parameters
        self.as_of_year = as_of_year
        self.as_of_month = as_of_month
        self.member_ids = member_ids
        self.trace: list[dict[str, Any]] | None = [] if trace else None
        self._memo: dict[str, np.ndarray] = {}
        self._stack: list[Variable] = []
        self._head_rows: tuple[np.ndarray, np.ndarray] | None = None
        self._reads: list[set[str]] = []  # parameters read, per formula on the stack
        self.parameters_of: dict[str, frozenset[str]] = {}  # formula -> parameters, transitively

    # -- variables ---------------------------------------------------------------------------
    def __call__(self, name: str) -> np.ndarray:
        value = self._memo.get(name)
        if value is not None:
            if self._reads:
                self._reads[-1].update(self.parameters_of.get(name, ()))
            return value
        variable = VARIABLES[name]
        if variable.function is None:
            try:
                value = self.inputs[variable.entity][name]
            except KeyError:
                raise MissingInputError(name) from None
        else:
            if any(frame.name == name for frame in self._stack):
                raise RuntimeError(f"formula {name} depends on itself")
            self._stack.append(variable)
            self._reads.append(set(variable.parameters))
            try:
                value = variable.function(self)
            finally:
                self._stack.pop()
                reads = frozenset(self._reads.pop())
            self.parameters_of[name] = reads
            if self._reads:
                self._reads[-1].update(reads)
            if self.trace is not None:
                self.trace.append(self._trace_entry(variable, value))
        self._memo[name] = value
        return value

    def parameter(self, name: str) -> Any:
        """Return a parameter's value in force; only a declared one may be read."""
        if self._stack and name not in self._stack[-1].parameters:
            raise RuntimeError(f"formula {self._stack[-1].name} reads undeclared parameter {name}")
        return self.parameters.get(name).value

    # -- entities ----------------------------------------------------------------------------
    def household_sum(self, values: np.ndarray) -> np.ndarray:
        """Sum a person array over each household."""
        values = np.asarray(values, dtype=np.float64)
        if np.count_nonzero(values) * 4 < len(values):  # sparse, like most amounts
            rows = np.flatnonzero(values)
            return np.bincount(
                self.household_index[rows], weights=values[rows], minlength=self.household_count
            )
        return np.bincount(self.household_index, weights=values, minlength=self.household_count)

    def household_count_of(self, flags: np.ndarray) -> np.ndarray:
        """Count the persons of each household for whom a flag holds."""
        return np.bincount(self.household_index[flags], minlength=self.household_count)

    def household_any(self, flags: np.ndarray) -> np.ndarray:
        """Whether a flag holds for any person of each household."""
        result = np.zeros(self.household_count, dtype=bool)
        result[self.household_index[flags]] = True
        return result

    def household_all(self, flags: np.ndarray) -> np.ndarray:
        """Whether a flag holds for every person of each household."""
        return ~self.household_any(~flags)

    def household_head(self, values: np.ndarray) -> np.ndarray:
        """Take the value of each household's head (exactly one head per household)."""
        if self._head_rows is None:
            rows = np.flatnonzero(self("is_head"))
            self._head_rows = (rows, self.household_index[rows])
        rows, households = self._head_rows
        result = np.zeros(self.household_count, dtype=values.dtype)
        result[households] = values[rows]
        return result

    def to_persons(self, household_values: np.ndarray) -> np.ndarray:
        """Broadcast a household array to its members."""
        return household_values[self.household_index]

    # -- tracing -----------------------------------------------------------------------------
    def _trace_entry(self, variable: Variable, value: np.ndarray) -> dict[str, Any]:
        if variable.entity == PERSON and self.member_ids is not None:
            shown: Any = dict(zip(self.member_ids, _plain(value), strict=True))
        else:
            shown = _plain(value)[0] if len(value) == 1 else _plain(value)
        return {
            "name": variable.name,
            "label": variable.label,
            "entity": variable.entity,
            "value": shown,
            "formula": variable.text,
            "parameters": [
                self.parameters.get(name).reference()
                for name in variable.parameters
                if name in self.parameters
            ],
        }


def _plain(values: np.ndarray) -> list[Any]:
    """Turn an array into JSON-ready Python values, money rounded to the fen."""
    if values.dtype.kind == "f":
        return [round(float(value), 2) for value in values]
    return values.tolist()
