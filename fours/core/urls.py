from django.urls import path

from . import views

urlpatterns = [
    path("store/", views.SwitchStoreView.as_view(), name="switch-store"),
    path("stores/current/", views.current_store_redirect, name="store-current"),
    path("stores/<int:pk>/", views.StoreDetailView.as_view(), name="store-detail"),
    path("audit/", views.AuditListView.as_view(), name="audit-list"),
]
