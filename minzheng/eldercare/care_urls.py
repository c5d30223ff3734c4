"""Pages of care visits and alarms, included by `minzheng.eldercare.urls` (namespace
"eldercare")."""

from __future__ import annotations

from django.urls import URLPattern, path

from minzheng.eldercare import care_views

urlpatterns: list[URLPattern] = [
    path("care/", care_views.care_list, name="care_list"),
    path("care/persons/<int:person_id>/", care_views.care_elder, name="care_elder"),
    path(
        "care/persons/<int:person_id>/visit/",
        care_views.care_visit_create,
        name="care_visit_create",
    ),
    path(
        "care/persons/<int:person_id>/tier/",
        care_views.care_tier_override,
        name="care_tier_override",
    ),
    path("care/visits/<int:visit_id>/", care_views.care_visit_detail, name="care_visit_detail"),
    path("alarms/", care_views.alarm_board, name="alarm_board"),
    path("alarms/<int:alarm_id>/", care_views.alarm_detail, name="alarm_detail"),
    path("alarms/<int:alarm_id>/<slug:step>/", care_views.alarm_step, name="alarm_step"),
    path("devices/", care_views.device_list, name="device_list"),
    path("devices/new/", care_views.device_create, name="device_create"),
    path("devices/<int:device_id>/", care_views.device_detail, name="device_detail"),
    path(
        "devices/<int:device_id>/deactivate/",
        care_views.device_deactivate,
        name="device_deactivate",
    ),
]
