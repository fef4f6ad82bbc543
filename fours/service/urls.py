from django.urls import path
from django.views.generic import RedirectView

from fours.core.routes import document_paths

from . import views
from .views import catalog, claims, performance, quality, tools

app_name = "service"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="service:dashboard"), name="index"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("board/", views.board, name="board"),
    path("board/rows/", views.board_rows, name="board-rows"),
    path("reception/", views.reception, name="reception"),
    path("reception/vehicle/", views.reception_vehicle, name="reception-vehicle"),
    path("orders/<int:pk>/print/<str:doc>/", views.ro_print, name="ro-print"),
    *document_paths("orders", "ro", list_view=views.ROListView, detail=views.ro_detail, act=views.ro_act),
    path("appointments/day/", views.appointment_day, name="appointment-day"),
    *document_paths(
        "appointments",
        "appointment",
        list_view=views.AppointmentListView,
        create=views.appointment_create,
        detail=views.appointment_detail,
        act=views.appointment_act,
    ),
    path("my-jobs/", views.my_jobs, name="my-jobs"),
    path("dispatch/", views.dispatch, name="dispatch"),
    path("parts-desk/", views.parts_desk, name="parts-desk"),
    path("cashier/", views.cashier, name="cashier"),
    path("qc/", views.qc_list, name="qc-list"),
    path("overnight/", views.overnight, name="overnight"),
    path("operations/", views.OperationListView.as_view(), name="operation-list"),
    *document_paths("packages", "package", list_view=views.PackageListView, detail=views.package_detail),
    path("old-parts/", views.old_parts, name="old-parts"),
    path("followups/", views.FollowUpListView.as_view(), name="followup-list"),
    path("followups/<int:pk>/", views.followup_record, name="followup-record"),
    # 售后设置 (views/catalog.py): the workshop catalogues kept by the service manager
    path("settings/", catalog.service_settings, name="settings"),
    path("settings/operations/", catalog.OperationManageView.as_view(), name="operation-manage"),
    path("settings/operations/new/", catalog.operation_edit, name="operation-create"),
    path("settings/operations/<int:pk>/", catalog.operation_edit, name="operation-edit"),
    path("settings/packages/", catalog.PackageManageView.as_view(), name="package-manage"),
    path("settings/packages/new/", catalog.package_edit, name="package-create"),
    path("settings/packages/<int:pk>/", catalog.package_edit, name="package-edit"),
    path("settings/fault-codes/", catalog.FaultCodeListView.as_view(), name="faultcode-list"),
    path("settings/fault-codes/new/", catalog.fault_code_edit, name="faultcode-create"),
    path("settings/fault-codes/<int:pk>/", catalog.fault_code_edit, name="faultcode-edit"),
]

# page modules that list their own routes, sidebar entries and home figures (as fours/finance/urls.py)
PAGES = (tools, quality, performance, claims)

urlpatterns += [route for page in PAGES for route in page.urlpatterns]
