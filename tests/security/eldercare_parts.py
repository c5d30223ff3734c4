"""Eldercare's rows of the access tables: one module per part, `access_eldercare_<part>.py`.

Each part module holds `PAGES` (rows of test_access_pages.Page), `OPERATIONS` (rows of
test_access_api.Operation) and `IDS`: name -> a function giving the id a row's path names (the
newest such object, or MISSING), called after the row's `prepare` made the world's objects,
and again after the request: a redirect to what the request made is written "{new_<name>}".
Import Page, Operation, LOGIN and the standard refusals from tests/security/tables.py.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType

PARTS = (
    "assessment",
    "homecare",
    "entitlement",
    "meal",
    "care",
    "institution",
    "report",
    "supervision",
)


def modules() -> list[ModuleType]:
    return [importlib.import_module(f"tests.security.access_eldercare_{part}") for part in PARTS]


def pages() -> list:
    return [row for module in modules() for row in module.PAGES]


def operations() -> list:
    return [row for module in modules() for row in module.OPERATIONS]


def ids() -> dict[str, object]:
    getters: dict[str, Callable[[], object]] = {}
    for module in modules():
        getters.update(module.IDS)
    return {name: get() for name, get in getters.items()}
