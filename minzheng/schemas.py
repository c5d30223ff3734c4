"""The base of every API input schema: strings that no database would take are refused (422)."""

from __future__ import annotations

from ninja import Schema
from pydantic import field_validator


class InputSchema(Schema):
    @field_validator("*", mode="before")
    @classmethod
    def no_nul_character(cls, value: object) -> object:
        # PostgreSQL refuses NUL in text, SQLite stores it: refuse it here, the same on both.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("不能包含空字符 must not contain a NUL character")
        return value
