from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from fours.core import uploads
from fours.core import views as core_views
from fours.core.api.urls import app_urls

api_v1 = [path("", include("fours.core.api.urls")), *app_urls()]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/", auth_views.PasswordChangeView.as_view(success_url="/"), name="password_change"
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", core_views.healthz, name="healthz"),
    path("core/", include("fours.core.urls")),
    path("customers/", include("fours.customers.urls")),
    path("finance/", include("fours.finance.urls")),
    path("parts/", include("fours.parts.urls")),
    path("service/", include("fours.service.urls")),
    path("sales/", include("fours.sales.urls")),
    path("reports/", include("fours.reports.urls")),
    path("crm/", include("fours.crm.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
# uploaded files: only through the logged-in, store-scoped view (never served publicly)
urlpatterns.append(path("media/<path:name>", uploads.upload, name="upload"))

handler400 = "fours.core.views.error_400"
handler403 = "fours.core.views.error_403"
handler404 = "fours.core.views.error_404"
handler500 = "fours.core.views.error_500"
