from django.urls import path

from minzheng.eldercare import (
    care_urls,
    entitlement_urls,
    homecare_urls,
    institution_urls,
    meal_urls,
    report_urls,
    supervision_urls,
    views,
)

app_name = "eldercare"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("persons/<int:person_id>/", views.elder_detail, name="elder_detail"),
    path("persons/<int:person_id>/assess/", views.assessment_create, name="assessment_create"),
    path("assessments/", views.assessment_list, name="assessment_list"),
    path("assessments/<int:assessment_id>/", views.assessment_detail, name="assessment_detail"),
    *homecare_urls.urlpatterns,
    *entitlement_urls.urlpatterns,
    *meal_urls.urlpatterns,
    *care_urls.urlpatterns,
    *institution_urls.urlpatterns,
    *report_urls.urlpatterns,
    *supervision_urls.urlpatterns,
]
