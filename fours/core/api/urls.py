from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import views
from .auth import ObtainTokenView

router = DefaultRouter()
router.register("stores", views.StoreViewSet, basename="api-store")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path("audit-events/", views.AuditEventListView.as_view(), name="api-audit-events"),
    *router.urls,
]


def app_urls():
    """Each app's api/urls.py is mounted under /api/v1/ when it exists."""
    from importlib import import_module

    from django.apps import apps

    out = []
    for cfg in apps.get_app_configs():
        if cfg.name.startswith("fours.") and cfg.label != "core":
            try:
                import_module(f"{cfg.name}.api.urls")
            except ModuleNotFoundError as e:
                if e.name in (f"{cfg.name}.api", f"{cfg.name}.api.urls"):
                    continue
                raise
            out.append(path("", include(f"{cfg.name}.api.urls")))
    return out
