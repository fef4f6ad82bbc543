from django.urls import include, path

from . import views

patterns = [
    path("", views.CustomerListView.as_view(), name="customer-list"),
    path("new/", views.customer_create, name="customer-create"),
    path("assign/", views.customers_assign, name="customer-assign"),
    path("<int:pk>/", views.customer_detail, name="customer-detail"),
    path("<int:pk>/edit/", views.customer_edit, name="customer-edit"),
    path("<int:pk>/reveal/", views.customer_reveal, name="customer-reveal"),
    path("<int:pk>/merge/", views.customer_merge, name="customer-merge"),
    path("<int:customer_pk>/vehicles/new/", views.vehicle_create, name="vehicle-create"),
    path("vehicles/", views.VehicleListView.as_view(), name="vehicle-list"),
    path("vehicles/<int:pk>/", views.vehicle_detail, name="vehicle-detail"),
    path("vehicles/<int:pk>/edit/", views.vehicle_edit, name="vehicle-edit"),
    path("vehicles/<int:pk>/odometer/", views.vehicle_odometer, name="vehicle-odometer"),
    path("vehicles/<int:pk>/transfer/", views.vehicle_transfer, name="vehicle-transfer"),
    path("pick/", views.archive_pick, name="pick"),
    path("catalogue/", views.ConfigurationListView.as_view(), name="catalogue"),
    path("imports/", views.ImportListView.as_view(), name="import-list"),
    path("imports/new/", views.import_upload, name="import-upload"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/template/<str:kind>/", views.import_template, name="import-template"),
]

# The search box of the top bar and of every picker has the plain name "archive-search".
urlpatterns = [
    path("search/", views.archive_search, name="archive-search"),
    path("", include((patterns, "customers"))),
]
