from django.urls import path

from minzheng.assistance import online_views, views

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
    path("statistics/", views.statistics_page, name="statistics"),
    path("statistics/<str:month>.xlsx", views.statistics_file, name="statistics_file"),
]
urlpatterns += [
    path("cases/<int:case_id>/letter.pdf", views.case_letter_pdf, name="case_letter_pdf"),
    path("cases/<int:case_id>/letter.docx", views.case_letter_docx, name="case_letter_docx"),
    path("notices/<slug:village_code>/", views.notice_sheet, name="notice_sheet"),
    path("notices/<slug:village_code>.pdf", views.notice_sheet_pdf, name="notice_sheet_pdf"),
]
# Online applications: the citizen's form (public) and the town's list and detail.
urlpatterns += [
    path("online/apply/", online_views.online_apply, name="online_apply"),
    path("online/", online_views.online_list, name="online_list"),
    path("online/<int:application_id>/", online_views.online_detail, name="online_detail"),
    path(
        "online/<int:application_id>/convert/",
        online_views.online_convert,
        name="online_convert",
    ),
    path(
        "online/<int:application_id>/decline/",
        online_views.online_decline,
        name="online_decline",
    ),
    path("online/<int:application_id>/reveal/", online_views.online_reveal, name="online_reveal"),
]
