from django.urls import path

from minzheng.exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.batch_list, name="batch_list"),
    path("sources/", views.source_list, name="source_list"),
    path("<int:batch_id>/", views.batch_detail, name="batch_detail"),
]
