"""Dated parameters: YAML files under `parameters/`, every value with its valid_from and source.

A file maps parameter names to a description, a unit and a list of values. Each value has
`valid_from` (a date), `value`, `source` (an id in `sources.yaml`), optionally `article`,
`confidence`, `note`, and `provisional: true` with `reasoning` when no rule was found and the
value is our assumption, shown to users as 待本地确认. A value is in force in a month when it is
the latest whose valid_from is on or before the first day of that month.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PARAMETERS_DIR = Path(__file__).parent / "parameters"
PROVISIONAL_LABEL = "待本地确认"


class ParameterMissingError(LookupError):
    """No value of a parameter is in force in the month asked for."""

    def __init__(self, name: str, month: dt.date, earliest: dt.date | None) -> None:
        super().__init__(f"{name} has no value in force in {month:%Y-%m}")
        self.name = name
        self.month = month
        self.earliest = earliest


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    url: str | None


@dataclass(frozen=True)
class ParameterValue:
    name: str
    value: Any
    valid_from: dt.date
    source: str  # title, article and URL, ready to show
    source_ids: tuple[str, ...]
    confidence: str
    provisional: bool
    reasoning: str
    note: str

    def reference(self) -> dict[str, Any]:
        """Return the contract's parameter object (name, value, valid_from, source)."""
        return {
            "name": self.name,
            "value": self.value,
            "valid_from": self.valid_from.isoformat(),
            "source": self.source,
            "provisional": self.provisional,
            "confidence": self.confidence,
        }


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    unit: str
    values: tuple[ParameterValue, ...]  # ordered by valid_from

    def at(self, month: dt.date) -> ParameterValue | None:
        current = None
        for value in self.values:
            if value.valid_from <= month:
                current = value
        return current


class ParameterSet:
    """The values in force in one month, by name."""

    def __init__(self, month: dt.date, values: dict[str, ParameterValue]) -> None:
        self.month = month
        self._values = values

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def get(self, name: str) -> ParameterValue:
        try:
            return self._values[name]
        except KeyError:
            parameter = all_parameters().get(name)
            if parameter is None:
                raise KeyError(f"unknown parameter {name}") from None
            raise ParameterMissingError(name, self.month, earliest_month_of(name)) from None

    def values(self) -> list[ParameterValue]:
        return list(self._values.values())


def _source_text(ids: tuple[str, ...], article: str, sources: dict[str, Source]) -> str:
    parts = []
    for source_id in ids:
        source = sources[source_id]
        parts.append(f"{source.title}" + (f", {source.url}" if source.url else ""))
    text = "; ".join(parts)
    return f"{text}; {article}" if article else text


@cache
def sources() -> dict[str, Source]:
    raw = yaml.safe_load((PARAMETERS_DIR / "sources.yaml").read_text(encoding="utf-8"))
    return {key: Source(key, item["title"], item.get("url")) for key, item in raw.items()}


@cache
def all_parameters() -> dict[str, Parameter]:
    """Load every parameter file once; raise ValueError on a malformed entry."""
    known_sources = sources()
    result: dict[str, Parameter] = {}
    for path in sorted(PARAMETERS_DIR.glob("*.yaml")):
        if path.name == "sources.yaml":
            continue
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        for name, spec in raw.items():
            if name in result:
                raise ValueError(f"{path.name}: parameter {name} is defined twice")
            values = []
            for entry in spec["values"]:
                source_ids = entry["source"]
                source_ids = tuple([source_ids] if isinstance(source_ids, str) else source_ids)
                unknown = [item for item in source_ids if item not in known_sources]
                if unknown:
                    raise ValueError(f"{path.name}: {name} cites unknown sources {unknown}")
                provisional = bool(entry.get("provisional", False))
                if provisional and not entry.get("reasoning"):
                    raise ValueError(f"{path.name}: provisional {name} needs its reasoning")
                valid_from = entry["valid_from"]
                if not isinstance(valid_from, dt.date):
                    raise ValueError(f"{path.name}: {name} valid_from must be a date")
                values.append(
                    ParameterValue(
                        name=name,
                        value=entry["value"],
                        valid_from=valid_from,
                        source=_source_text(source_ids, entry.get("article", ""), known_sources),
                        source_ids=source_ids,
                        confidence=entry.get("confidence", "high"),
                        provisional=provisional,
                        reasoning=entry.get("reasoning", ""),
                        note=entry.get("note", ""),
                    )
                )
            values.sort(key=lambda value: value.valid_from)
            result[name] = Parameter(
                name=name,
                description=spec["description"],
                unit=spec.get("unit", ""),
                values=tuple(values),
            )
    return result


MONTH_PATTERN = r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$"  # YYYY-MM, a year the platform can hold


def parse_month(text: str) -> dt.date | None:
    """The first day of a month typed YYYY-MM, or None when the text is not such a month."""
    if not re.match(MONTH_PATTERN, text):
        return None
    return month_start(text)


def add_months(month: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after (or, negative, before) `month`'s."""
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    """The last day of the month that holds `month`."""
    return add_months(month.replace(day=1), 1) - dt.timedelta(days=1)


def month_start(as_of: str) -> dt.date:
    """Turn 'YYYY-MM' into the first day of that month."""
    year, month = as_of.split("-")
    return dt.date(int(year), int(month), 1)


@cache
def parameters_at(as_of: str) -> ParameterSet:
    """Return every parameter with a value in force in the month 'YYYY-MM'."""
    month = month_start(as_of)
    values = {}
    for name, parameter in all_parameters().items():
        value = parameter.at(month)
        if value is not None and value.value is not None:  # null: searched for, not found
            values[name] = value
    return ParameterSet(month, values)


def earliest_month(names: Iterable[str] | None = None) -> dt.date:
    """The first month in which any of the named parameters (default: all) has a value."""
    parameters = all_parameters()
    chosen = parameters.values() if names is None else [parameters[name] for name in names]
    return min(parameter.values[0].valid_from for parameter in chosen)


def earliest_month_of(name: str) -> dt.date | None:
    """The first month from which a parameter has had a known value without a gap."""
    earliest = None
    for value in all_parameters()[name].values:
        if value.value is None:
            earliest = None
        elif earliest is None:
            earliest = value.valid_from
    return earliest
