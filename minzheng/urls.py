from django.contrib.auth import views as auth_views
from django.urls import include, path

from minzheng.accounts import views as accounts_views
from minzheng.api import api
from minzheng.web import views as web_views

urlpatterns = [
    path("", web_views.dashboard, name="dashboard"),
    path("login/", accounts_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("minzheng.accounts.urls")),
    path("registry/", include("minzheng.registry.urls")),
    path("audit/", include("minzheng.audit.urls")),
    path("policies/", include("minzheng.policies.urls")),
    path("assistance/", include("minzheng.assistance.urls")),
    path("eldercare/", include("minzheng.eldercare.urls")),
    path("inbox/", include("minzheng.workflow.urls")),
    path("alerts/", include("minzheng.alerts.urls")),
    path("funeral/", include("minzheng.funeral.urls")),
    path("moves/", include("minzheng.moves.urls")),
    path("exchange/", include("minzheng.exchange.urls")),
    path("api/", api.urls),
]

handler404 = "minzheng.web.errors.not_found"
handler500 = "minzheng.web.errors.server_error"
handler403 = "minzheng.web.errors.forbidden"
