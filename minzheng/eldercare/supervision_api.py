"""API operations of one eldercare part, added to `minzheng.eldercare.api.router`."""

from __future__ import annotations

from ninja import Router

router = Router()
