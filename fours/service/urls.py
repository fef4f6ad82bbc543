from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "service"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="service:dashboard"), name="index"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("board/", views.board, name="board"),
    path("board/rows/", views.board_rows, name="board-rows"),
    path("reception/", views.reception, name="reception"),
    path("reception/vehicle/", views.reception_vehicle, name="reception-vehicle"),
    path("orders/", views.ROListView.as_view(), name="ro-list"),
    path("orders/<int:pk>/", views.ro_detail, name="ro-detail"),
    path("orders/<int:pk>/print/<str:doc>/", views.ro_print, name="ro-print"),
    path("orders/<int:pk>/<str:step>/", views.ro_act, name="ro-act"),
    path("appointments/", views.AppointmentListView.as_view(), name="appointment-list"),
    path("appointments/day/", views.appointment_day, name="appointment-day"),
    path("appointments/new/", views.appointment_create, name="appointment-create"),
    path("appointments/<int:pk>/", views.appointment_detail, name="appointment-detail"),
    path("appointments/<int:pk>/<str:step>/", views.appointment_act, name="appointment-act"),
    path("my-jobs/", views.my_jobs, name="my-jobs"),
    path("dispatch/", views.dispatch, name="dispatch"),
    path("parts-desk/", views.parts_desk, name="parts-desk"),
    path("cashier/", views.cashier, name="cashier"),
    path("qc/", views.qc_list, name="qc-list"),
    path("overnight/", views.overnight, name="overnight"),
    path("operations/", views.OperationListView.as_view(), name="operation-list"),
    path("packages/", views.PackageListView.as_view(), name="package-list"),
    path("packages/<int:pk>/", views.package_detail, name="package-detail"),
    path("receivables/", views.ReceivableListView.as_view(), name="receivable-list"),
    path("old-parts/", views.old_parts, name="old-parts"),
    path("followups/", views.FollowUpListView.as_view(), name="followup-list"),
    path("followups/<int:pk>/", views.followup_record, name="followup-record"),
]
