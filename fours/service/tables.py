import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from fours.core.tables import DateTimeColumn
from fours.customers.tables import MaskedColumn

from .models import (
    Appointment,
    FaultCode,
    FollowUpTask,
    LabourOperation,
    MaintenancePackage,
    RepairOrder,
)


class ROTable(tables.Table):
    number = tables.Column(verbose_name=_("工单号"), linkify=True)
    vehicle = tables.Column(verbose_name=_("车辆"), accessor="vehicle__plate", order_by="vehicle__plate")
    customer = tables.Column(verbose_name=_("客户"), accessor="customer__name")
    advisor = tables.Column(verbose_name=_("服务顾问"), accessor="advisor__first_name")
    received_at = DateTimeColumn(format="m-d H:i", verbose_name=_("接车"))
    promised_at = DateTimeColumn(format="m-d H:i", verbose_name=_("预计交车"))

    class Meta:
        model = RepairOrder
        fields = (
            "number",
            "status",
            "kind",
            "vehicle",
            "customer",
            "advisor",
            "received_at",
            "promised_at",
            "total",
        )


class AppointmentTable(tables.Table):
    number = tables.Column(verbose_name=_("预约单号"), linkify=True)
    vehicle = tables.Column(verbose_name=_("车辆"), accessor="vehicle__plate")
    customer = tables.Column(verbose_name=_("客户"), accessor="customer__name")
    advisor = tables.Column(verbose_name=_("服务顾问"), accessor="advisor__first_name")

    class Meta:
        model = Appointment
        fields = (
            "number",
            "date",
            "slot",
            "status",
            "vehicle",
            "customer",
            "advisor",
            "package",
            "jobs",
            "reminded_at",
        )


class OperationTable(tables.Table):
    class Meta:
        model = LabourOperation
        fields = ("code", "name", "category", "standard_hours", "is_active")


class PackageTable(tables.Table):
    name = tables.Column(linkify=True)

    class Meta:
        model = MaintenancePackage
        fields = ("code", "name", "series", "mileage_km", "interval_km", "interval_months", "is_active")


class FollowUpTable(tables.Table):
    ro = tables.Column(verbose_name=_("工单"), linkify=True)
    customer = tables.Column(verbose_name=_("客户"))
    phone = MaskedColumn(verbose_name=_("电话"), accessor="customer__mobile", orderable=False)
    action = tables.Column(verbose_name="", empty_values=(), orderable=False)

    class Meta:
        model = FollowUpTask
        fields = (
            "due_date",
            "status",
            "ro",
            "customer",
            "phone",
            "assignee",
            "result",
            "satisfaction",
            "note",
        )

    def render_action(self, record):
        from django.urls import reverse

        user = getattr(getattr(self, "request", None), "user", None)
        if record.status == "done" or user is None or not user.has_perm("service.change_followuptask"):
            return ""
        return format_html(
            '<a class="btn btn-sm btn-outline-primary" href="{}">{}</a>',
            reverse("service:followup-record", args=[record.pk]),
            _("记录回访"),
        )


class EditColumnMixin(tables.Table):
    """A catalogue list of 售后设置: an 编辑 button on every row (``edit_url`` names the edit page)."""

    edit_url = ""
    edit = tables.Column(
        verbose_name="",
        empty_values=(),
        orderable=False,
        exclude_from_export=True,
        attrs={"td": {"class": "text-end text-nowrap"}},
    )

    def render_edit(self, record):
        return format_html(
            '<a class="btn btn-sm btn-outline-primary py-0" href="{}"><i class="bi bi-pencil"></i> {}</a>',
            reverse(self.edit_url, args=[record.pk]),
            _("编辑"),
        )


class OperationManageTable(EditColumnMixin, OperationTable):
    edit_url = "service:operation-edit"


class PackageManageTable(EditColumnMixin, PackageTable):
    edit_url = "service:package-edit"


class FaultCodeTable(EditColumnMixin):
    edit_url = "service:faultcode-edit"

    class Meta:
        model = FaultCode
        fields = ("code", "name", "kind", "system", "is_active")
