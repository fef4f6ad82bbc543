"""The service UI by document (mirrors services/): thin views over services and selectors — reception
on a tablet, the order page and its steps, the workshop board for the TV, the technician's jobs, the
parts desk, the cashier, prints, appointments, follow-ups and the 售后设置 catalogues."""

from .appointments import (
    AppointmentListView,
    appointment_act,
    appointment_create,
    appointment_day,
    appointment_detail,
)
from .board import board, board_rows, dashboard
from .cashier import cashier
from .catalog import OperationListView, PackageListView, package_detail
from .followups import FollowUpListView, followup_record
from .order_steps import ro_act
from .orders import ROListView, ro_detail, ro_print
from .reception import reception, reception_vehicle
from .workshop import dispatch, my_jobs, old_parts, overnight, parts_desk, qc_list

__all__ = [
    "AppointmentListView",
    "FollowUpListView",
    "OperationListView",
    "PackageListView",
    "ROListView",
    "appointment_act",
    "appointment_create",
    "appointment_day",
    "appointment_detail",
    "board",
    "board_rows",
    "cashier",
    "dashboard",
    "dispatch",
    "followup_record",
    "my_jobs",
    "old_parts",
    "overnight",
    "package_detail",
    "parts_desk",
    "qc_list",
    "reception",
    "reception_vehicle",
    "ro_act",
    "ro_detail",
    "ro_print",
]
