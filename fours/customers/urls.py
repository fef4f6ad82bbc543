from django.urls import include, path

from fours.core.routes import document_paths

from . import views

patterns = [
    path("assign/", views.customers_assign, name="customer-assign"),
    *document_paths(
        "",
        "customer",
        list_view=views.CustomerListView,
        create=views.customer_create,
        detail=views.customer_detail,
        edit=views.customer_edit,
        pages={"reveal": views.customer_reveal, "merge": views.customer_merge},
    ),
    path("<int:customer_pk>/vehicles/new/", views.vehicle_create, name="vehicle-create"),
    *document_paths(
        "vehicles",
        "vehicle",
        list_view=views.VehicleListView,
        detail=views.vehicle_detail,
        edit=views.vehicle_edit,
        pages={"odometer": views.vehicle_odometer, "transfer": views.vehicle_transfer},
    ),
    path("pick/", views.archive_pick, name="pick"),
    path("catalogue/", views.ConfigurationListView.as_view(), name="catalogue"),
    path("imports/new/", views.import_upload, name="import-upload"),
    *document_paths("imports", "import", list_view=views.ImportListView, detail=views.import_detail),
    path("imports/template/<str:kind>/", views.import_template, name="import-template"),
]

# The search box of the top bar and of every picker has the plain name "archive-search".
urlpatterns = [
    path("search/", views.archive_search, name="archive-search"),
    path("", include((patterns, "customers"))),
]
