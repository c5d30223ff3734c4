from django.urls import path

from minzheng.policies import views

app_name = "policies"
urlpatterns = [
    path("calculator/", views.calculator, name="calculator"),
    path("parameters/", views.parameter_list, name="parameters"),
]
