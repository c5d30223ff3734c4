"""Fixtures the move tests share with the assistance tests."""

from tests.assistance.conftest import dibao_case  # noqa: F401 - a fixture
