"""Pages of institutions (养老机构), included by `minzheng.eldercare.urls`."""

from __future__ import annotations

from django.urls import URLPattern, path

from minzheng.eldercare import institution_views as views

urlpatterns: list[URLPattern] = [
    path("institutions/", views.institution_list, name="institution_list"),
    path("institutions/new/", views.institution_register, name="institution_register"),
    path("institutions/prepaid/", views.institution_prepaid, name="institution_prepaid"),
    path(
        "institutions/<int:institution_id>/",
        views.institution_detail,
        name="institution_detail",
    ),
    path(
        "institutions/<int:institution_id>/ledger/",
        views.institution_ledger_record,
        name="institution_ledger_record",
    ),
    path(
        "institutions/<int:institution_id>/residents/",
        views.institution_resident_admit,
        name="institution_resident_admit",
    ),
    path(
        "institutions/<int:institution_id>/discharge/",
        views.institution_resident_discharge,
        name="institution_resident_discharge",
    ),
    path(
        "institutions/<int:institution_id>/staff/",
        views.institution_staff_add,
        name="institution_staff_add",
    ),
    path(
        "institutions/<int:institution_id>/inspections/",
        views.institution_inspection_record,
        name="institution_inspection_record",
    ),
    path("inspections/", views.inspection_list, name="inspection_list"),
    path("inspections/<int:inspection_id>/", views.inspection_detail, name="inspection_detail"),
    path(
        "inspections/hazards/<int:hazard_id>/rectify/",
        views.inspection_hazard_rectify,
        name="inspection_hazard_rectify",
    ),
    path(
        "inspections/hazards/<int:hazard_id>/recheck/",
        views.inspection_hazard_recheck,
        name="inspection_hazard_recheck",
    ),
]
