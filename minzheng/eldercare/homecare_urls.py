"""Home-service pages (居家上门服务), included by `minzheng.eldercare.urls` (namespace
"eldercare"): the office's providers, catalogue, plans, orders and call-backs, the provider's
orders, and the caregiver's phone page."""

from __future__ import annotations

from django.urls import URLPattern, path

from minzheng.eldercare import homecare_views as views

urlpatterns: list[URLPattern] = [
    path("homecare/providers/", views.provider_list, name="provider_list"),
    path("homecare/providers/new/", views.provider_create, name="provider_create"),
    path("homecare/providers/<int:provider_id>/", views.provider_detail, name="provider_detail"),
    path("homecare/providers/<int:provider_id>/edit/", views.provider_edit, name="provider_edit"),
    path(
        "homecare/providers/<int:provider_id>/staff/",
        views.provider_staff_link,
        name="provider_staff_link",
    ),
    path(
        "homecare/providers/<int:provider_id>/caregivers/new/",
        views.caregiver_create,
        name="caregiver_create",
    ),
    path("homecare/caregivers/<int:caregiver_id>/", views.caregiver_edit, name="caregiver_edit"),
    path("homecare/items/", views.item_list, name="item_list"),
    path("homecare/items/new/", views.item_create, name="item_create"),
    path("homecare/items/<int:item_id>/", views.item_edit, name="item_edit"),
    path("homecare/plans/", views.plan_list, name="plan_list"),
    path("homecare/persons/<int:person_id>/plan/", views.plan_create, name="plan_create"),
    path("homecare/plans/<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("homecare/plans/<int:plan_id>/end/", views.plan_end, name="plan_end"),
    path("homecare/plans/<int:plan_id>/orders/new/", views.order_create, name="order_create"),
    path("homecare/orders/", views.order_list, name="order_list"),
    path("homecare/orders/<int:order_id>/", views.order_detail, name="order_detail"),
    path("homecare/orders/<int:order_id>/assign/", views.order_assign, name="order_assign"),
    path("homecare/orders/<int:order_id>/cancel/", views.order_cancel, name="order_cancel"),
    path("homecare/orders/<int:order_id>/callback/", views.callback_create, name="callback_create"),
    path("homecare/callbacks/", views.callback_list, name="callback_list"),
    path("homecare/phone/", views.phone, name="phone"),
    path("homecare/phone/orders/<int:order_id>/", views.phone_order, name="phone_order"),
    path(
        "homecare/phone/orders/<int:order_id>/check-in/",
        views.phone_check_in,
        name="phone_check_in",
    ),
    path(
        "homecare/phone/orders/<int:order_id>/check-out/",
        views.phone_check_out,
        name="phone_check_out",
    ),
]
