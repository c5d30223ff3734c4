"""Helpers for the plain-language reasons of one household (arrays of length one)."""

from __future__ import annotations

from typing import Any

import numpy as np

from minzheng.rules.engine import Simulation
from minzheng.rules.parameters import PROVISIONAL_LABEL


def yuan(value: float) -> str:
    return f"{value:,.2f}元"


def one(sim: Simulation, name: str) -> Any:
    """The value of a household variable for the one household assessed."""
    return sim(name)[0].item()


def members(sim: Simulation, name: str) -> list[str]:
    """Ids of the members for whom a person flag holds."""
    flags = sim(name)
    assert sim.member_ids is not None
    return [member for member, flag in zip(sim.member_ids, flags, strict=True) if flag]


def member_values(sim: Simulation, name: str) -> dict[str, Any]:
    assert sim.member_ids is not None
    return dict(zip(sim.member_ids, np.asarray(sim(name)).tolist(), strict=True))


def flagged(sim: Simulation, name: str, text: str) -> str:
    """Add 待本地确认 to a text that rests on a provisional parameter."""
    if sim.parameters.get(name).provisional:
        return f"{text}（{PROVISIONAL_LABEL}）"
    return text


def check(passed: bool, text: str) -> str:
    return ("✓ " if passed else "✗ ") + text
