"""Entitlement pages (尊老金, 居家养老服务补贴, 家庭养老床位), included by
`minzheng.eldercare.urls` (namespace "eldercare")."""

from __future__ import annotations

from django.urls import URLPattern, path

from minzheng.eldercare import entitlement_views as views

urlpatterns: list[URLPattern] = [
    path("longevity/", views.longevity_lists, name="longevity_lists"),
    path(
        "longevity/<str:town>/<str:month>/",
        views.longevity_list_detail,
        name="longevity_list_detail",
    ),
    path("subsidies/", views.subsidy_list, name="subsidy_list"),
    path("subsidies/<int:subsidy_id>/", views.subsidy_detail, name="subsidy_detail"),
    path("persons/<int:person_id>/subsidy/", views.subsidy_grant, name="subsidy_grant"),
    path("beds/", views.bed_list, name="bed_list"),
    path("beds/<int:bed_id>/", views.bed_detail, name="bed_detail"),
    path("persons/<int:person_id>/bed/", views.bed_apply, name="bed_apply"),
]
