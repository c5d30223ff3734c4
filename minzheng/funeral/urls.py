from django.urls import path

from minzheng.funeral import views

app_name = "funeral"
urlpatterns = [path("deaths/<int:person_id>/", views.person_death, name="person_death")]
