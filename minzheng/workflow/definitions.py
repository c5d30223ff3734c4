"""Casework declared as data: a workflow's states and its transitions, who may make each.

Each app declares its own `Workflow` (an assistance case, a home-service order, a place-name
approval ...) and registers the model that carries it; `workflow.services.transition_perform` is
the one way any such object changes state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Transition:
    name: str
    label: str  # zh-Hans, shown on buttons and in the timeline
    sources: tuple[str, ...]  # states it may start from ("" for the creation of a case)
    target: str
    roles: frozenset[str]
    due_days: int | None = None  # the next step is due this many days after (the clock)
    manual: bool = True  # False: made only by a service on a fact (a death), never offered


@dataclass(frozen=True)
class Workflow:
    name: str  # e.g. "assistance.case"; also the prefix of the audit actions
    business_line: str  # city staff of this line only (accounts.BusinessLine)
    states: dict[str, str]  # code -> zh-Hans label
    final: frozenset[str]
    transitions: tuple[Transition, ...]
    # For roles without a division scope (a service provider's staff): whether this user is a
    # party to this case. Such a user acts on a case only where it returns True.
    party_check: Callable[[Any, Any], bool] | None = None

    def __post_init__(self) -> None:
        for transition in self.transitions:
            unknown = {*transition.sources, transition.target} - {*self.states, ""}
            if unknown:
                raise ValueError(f"{self.name}.{transition.name}: unknown states {unknown}")

    def transition(self, name: str) -> Transition:
        for transition in self.transitions:
            if transition.name == name:
                return transition
        raise KeyError(name)

    def available(self, *, state: str, role: str, is_superuser: bool = False) -> list[Transition]:
        """The steps a role may choose to make from a state, in declaration order."""
        return [
            transition
            for transition in self.transitions
            if transition.manual
            and state in transition.sources
            and (is_superuser or role in transition.roles)
        ]
