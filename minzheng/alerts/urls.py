from django.urls import path

from minzheng.alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.alert_list, name="alert_list"),
    path("dashboard/", views.alert_dashboard, name="dashboard"),
    path("<int:alert_id>/", views.alert_detail, name="alert_detail"),
    path("<int:alert_id>/assign/", views.alert_assign, name="alert_assign"),
    path("<int:alert_id>/close/", views.alert_close, name="alert_close"),
]
