from django.urls import path

from minzheng.accounts import views

app_name = "accounts"
urlpatterns = [
    path("two-factor/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_new, name="user_new"),
    path("users/<int:user_id>/", views.user_detail, name="user_detail"),
    path("users/<int:user_id>/password/", views.user_password, name="user_password"),
    path("users/<int:user_id>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("users/<int:user_id>/reactivate/", views.user_reactivate, name="user_reactivate"),
    path(
        "users/<int:user_id>/two-factor-reset/",
        views.user_two_factor_reset,
        name="user_two_factor_reset",
    ),
    path("users/<int:user_id>/unlock/", views.user_unlock, name="user_unlock"),
]
