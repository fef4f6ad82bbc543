import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Configuration, Customer, ImportJob, Vehicle
from .selectors import shown_id, shown_mobile


class MaskedColumn(tables.Column):
    """Mobile / ID numbers masked for users without customers.see_sensitive, in pages and exports."""

    def __init__(self, *args, kind="mobile", **kwargs):
        self.kind = kind
        super().__init__(*args, **kwargs)

    def _show(self, value, table):
        user = getattr(getattr(table, "request", None), "user", None)
        return (shown_mobile if self.kind == "mobile" else shown_id)(user, value)

    def render(self, value, table):
        return self._show(value, table)

    def value(self, value, table):
        return self._show(value, table)


class CustomerTable(tables.Table):
    number = tables.Column(linkify=True)
    name = tables.Column(linkify=True)
    mobile = MaskedColumn()
    id_number = MaskedColumn(kind="id")
    vehicles = tables.Column(verbose_name=_("车辆"), accessor="n_vehicles", orderable=False)

    class Meta:
        model = Customer
        fields = ("number", "name", "kind", "mobile", "id_number", "source", "vehicles", "created_at")


class VehicleTable(tables.Table):
    plate = tables.Column(linkify=True)
    vin = tables.Column(linkify=True)
    model = tables.Column(verbose_name=_("车型"), accessor="model_label", orderable=False)
    owner = tables.Column(linkify=lambda record: record.owner.get_absolute_url())
    owner_mobile = MaskedColumn(verbose_name=_("车主手机"), accessor="owner__mobile")

    class Meta:
        model = Vehicle
        fields = (
            "plate",
            "vin",
            "model",
            "colour",
            "owner",
            "owner_mobile",
            "odometer_km",
            "next_maintenance_date",
            "policy_expiry",
        )


class ConfigurationTable(tables.Table):
    brand = tables.Column(verbose_name=_("品牌"), accessor="model__series__brand__name")
    series = tables.Column(verbose_name=_("车系"), accessor="model__series__name")
    model = tables.Column(verbose_name=_("车型"), accessor="model__name")

    class Meta:
        model = Configuration
        fields = ("brand", "series", "model", "year", "name", "engine", "fuel", "transmission", "msrp")


class ImportJobTable(tables.Table):
    file_name = tables.Column(linkify=lambda record: record.get_absolute_url())

    class Meta:
        model = ImportJob
        fields = ("created_at", "kind", "file_name", "status", "total_rows", "created_rows", "actor")
