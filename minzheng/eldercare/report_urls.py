"""Pages of the ageing statistics and bulletin, included by `minzheng.eldercare.urls`."""

from __future__ import annotations

from django.urls import URLPattern, path

from minzheng.eldercare import report_views

urlpatterns: list[URLPattern] = [
    path("report/", report_views.report_page, name="report"),
    path("report/<int:year>.docx", report_views.report_file, name="report_file"),
]
