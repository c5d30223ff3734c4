from django.urls import path

from minzheng.workflow import views

app_name = "workflow"
urlpatterns = [path("", views.inbox_page, name="inbox")]
