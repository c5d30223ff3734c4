from django.urls import path

from minzheng.moves import views

app_name = "moves"
urlpatterns = [
    path("persons/<int:person_id>/move/", views.person_move, name="person_move"),
    path("persons/<int:person_id>/leave/", views.person_leave_city, name="person_leave_city"),
]
