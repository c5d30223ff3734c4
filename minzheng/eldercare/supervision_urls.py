"""Pages of supervision and settlements, included by `minzheng.eldercare.urls`."""

from __future__ import annotations

from django.urls import URLPattern, path

from minzheng.eldercare import supervision_views as views

urlpatterns: list[URLPattern] = [
    path("supervision/", views.supervision_results, name="supervision_results"),
    path("supervision/run/", views.supervision_run, name="supervision_run"),
    path("supervision/orders/<int:order_id>/", views.supervision_order, name="supervision_order"),
    path("settlements/", views.settlement_list, name="settlement_list"),
    path("settlements/close/", views.settlement_close, name="settlement_close"),
    path("settlements/<int:settlement_id>/", views.settlement_detail, name="settlement_detail"),
    path(
        "settlements/<int:settlement_id>/export/",
        views.settlement_export,
        name="settlement_export",
    ),
]
