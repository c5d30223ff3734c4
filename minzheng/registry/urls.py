from django.urls import path

from minzheng.registry import views

app_name = "registry"
urlpatterns = [
    path("persons/", views.person_list, name="person_list"),
    path("persons/export.xlsx", views.person_export, name="person_export"),
    path("persons/<int:person_id>/", views.person_detail, name="person_detail"),
    path("persons/<int:person_id>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:person_id>/reveal/", views.person_reveal, name="person_reveal"),
    path("households/", views.household_list, name="household_list"),
    path("households/new/", views.household_new, name="household_new"),
    path("households/export.xlsx", views.household_export, name="household_export"),
    path("households/<int:household_id>/", views.household_detail, name="household_detail"),
    path(
        "households/<int:household_id>/members/",
        views.household_add_member,
        name="household_add_member",
    ),
    path("households/<int:household_id>/head/", views.household_set_head, name="household_head"),
    path("divisions/", views.division_list, name="division_list"),
    path("import/", views.import_page, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
]
