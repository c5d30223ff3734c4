from django.urls import path

from minzheng.assistance import views

app_name = "assistance"
urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("track/", views.case_track, name="case_track"),
    path("cases/<int:case_id>/", views.case_detail, name="case_detail"),
    path("cases/<int:case_id>/<slug:step>/", views.case_step, name="case_step"),
    path("households/<int:household_id>/apply/", views.case_apply, name="case_apply"),
    path("payroll/", views.payroll_list, name="payroll_list"),
    path("payroll/<str:month>/", views.payroll_detail, name="payroll_detail"),
    path("payroll/<str:month>/<str:name>", views.payroll_file, name="payroll_file"),
]
