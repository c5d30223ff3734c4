"""Eldercare tables of one part; imported by `minzheng.eldercare.models`. Refer to the shared
tables by string ("eldercare.ElderProfile") and list every model in `__all__`."""

from __future__ import annotations

__all__: list[str] = []
