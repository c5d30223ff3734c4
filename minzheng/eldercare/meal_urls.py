"""Pages of 老年助餐, included by `minzheng.eldercare.urls` (namespace "eldercare")."""

from __future__ import annotations

from django.urls import URLPattern, path

from minzheng.eldercare import meal_views as views

urlpatterns: list[URLPattern] = [
    path("meal-points/", views.meal_point_list, name="meal_point_list"),
    path("meal-points/<int:point_id>/", views.meal_point_detail, name="meal_point_detail"),
    path(
        "meal-points/<int:point_id>/register/",
        views.meal_registration_create,
        name="meal_registration_create",
    ),
    path(
        "meal-registrations/<int:registration_id>/end/",
        views.meal_registration_end,
        name="meal_registration_end",
    ),
    path("meal-points/<int:point_id>/record/", views.meal_record_create, name="meal_record_create"),
    path("meal-points/<int:point_id>/import/", views.meal_record_import, name="meal_record_import"),
    path(
        "meal-points/<int:point_id>/settle/",
        views.meal_settlement_close,
        name="meal_settlement_close",
    ),
    path(
        "meal-settlements/<int:settlement_id>/",
        views.meal_settlement_detail,
        name="meal_settlement_detail",
    ),
    path(
        "meal-settlements/<int:settlement_id>/export/",
        views.meal_settlement_export,
        name="meal_settlement_export",
    ),
]
