"""Pages of one eldercare part, included by `minzheng.eldercare.urls` (namespace "eldercare")."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
