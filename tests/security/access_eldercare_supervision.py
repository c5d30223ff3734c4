"""Access-table rows of one eldercare part (see tests/security/eldercare_parts.py)."""

from __future__ import annotations

from collections.abc import Callable

PAGES: list = []
OPERATIONS: list = []
IDS: dict[str, Callable[[], object]] = {}
