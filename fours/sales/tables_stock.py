"""Tables of the vehicle stock lists."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fours.core.audit import display_name
from fours.core.tables import DateColumn, DayColumn, MoneyColumn

from .models import OrderPlan, Outlet, StockVehicle, VehicleCount, VehicleTransfer
from .selectors.stock import age_days


def _link(name):
    return lambda record: reverse(name, args=[record.pk])


class VehicleTable(tables.Table):
    number = tables.Column(verbose_name=_("库存编号"), linkify=_link("sales:vehicle_detail"))
    vin = tables.Column(verbose_name=_("车架号（VIN）"), linkify=_link("sales:vehicle_detail"))
    configuration = tables.Column(verbose_name=_("配置"), order_by=("configuration__model__name",))
    colour = tables.Column(verbose_name=_("颜色"))
    status = tables.Column(verbose_name=_("状态"))
    arrived_on = DayColumn(verbose_name=_("入库日期"))
    age = tables.Column(
        verbose_name=_("库龄（天）"),
        empty_values=(),
        order_by=("-arrived_on",),
        attrs={"td": {"class": "text-end"}},
    )
    funding = tables.Column(verbose_name=_("资金来源"))
    location = tables.Column(verbose_name=_("库位"))
    outlet = tables.Column(verbose_name=_("二级网点"))
    keys_out_to = tables.Column(verbose_name=_("钥匙领用人"))
    purchase_price = MoneyColumn(verbose_name=_("采购价"))

    class Meta:
        model = StockVehicle
        fields = (
            "number",
            "vin",
            "configuration",
            "colour",
            "status",
            "arrived_on",
            "age",
            "funding",
            "location",
            "outlet",
            "keys_out_to",
            "purchase_price",
        )

    def render_age(self, record):
        days = age_days(record)
        return "—" if days is None else days

    def value_age(self, record):
        return age_days(record)


class AgedTable(VehicleTable):
    clearance_plan = tables.Column(verbose_name=_("清库方案"))
    clearance_price = MoneyColumn(verbose_name=_("清库限价"))

    class Meta(VehicleTable.Meta):
        fields = (
            "number",
            "vin",
            "configuration",
            "colour",
            "status",
            "arrived_on",
            "age",
            "funding",
            "purchase_price",
            "clearance_plan",
            "clearance_price",
        )


class PlanTable(tables.Table):
    number = tables.Column(verbose_name=_("单号"), linkify=_link("sales:plan_detail"))
    month = DateColumn(verbose_name=_("计划月份"), format="Y-m")
    qty = tables.Column(verbose_name=_("申请台数"), empty_values=(), orderable=False)
    created_by = tables.Column(verbose_name=_("制单人"))

    class Meta:
        model = OrderPlan
        fields = ("number", "month", "brand", "status", "qty", "submitted_at", "confirmed_at", "created_by")

    def render_qty(self, record):
        return sum(ln.qty for ln in record.lines.all())

    def render_created_by(self, value):
        return display_name(value)


class TransferTable(tables.Table):
    number = tables.Column(verbose_name=_("单号"), linkify=_link("sales:transfer_detail"))
    vehicle = tables.Column(verbose_name=_("车架号"), accessor="vehicle__vin")
    model = tables.Column(verbose_name=_("配置"), accessor="vehicle__configuration", orderable=False)
    price = MoneyColumn(verbose_name=_("调拨价"))

    class Meta:
        model = VehicleTransfer
        fields = (
            "number",
            "store",
            "to_store",
            "vehicle",
            "model",
            "price",
            "status",
            "created_at",
            "received_at",
        )


class CountTable(tables.Table):
    number = tables.Column(verbose_name=_("单号"), linkify=_link("sales:count_detail"))
    missing = tables.Column(verbose_name=_("盘亏"), orderable=False)
    extra = tables.Column(verbose_name=_("盘盈"), orderable=False)
    created_by = tables.Column(verbose_name=_("盘点人"))

    class Meta:
        model = VehicleCount
        fields = (
            "number",
            "kind",
            "counted_on",
            "book_count",
            "found_count",
            "missing",
            "extra",
            "created_by",
        )

    def render_missing(self, value):
        return len(value)

    def render_extra(self, value):
        return len(value)

    def render_created_by(self, value):
        return display_name(value)


class OutletTable(tables.Table):
    name = tables.Column(
        verbose_name=_("网点名称"),
        linkify=lambda record: reverse("sales:vehicle_list") + f"?status=at_outlet&outlet={record.pk}",
    )
    held = tables.Column(verbose_name=_("网点库存（台）"), attrs={"td": {"class": "text-end"}})
    edit = tables.Column(
        verbose_name="",
        empty_values=(),
        orderable=False,
        linkify=lambda record: reverse("sales:outlet_edit", args=[record.pk]),
        exclude_from_export=True,
    )

    class Meta:
        model = Outlet
        fields = (
            "name",
            "contact",
            "phone",
            "address",
            "monthly_target",
            "held",
            "last_visit_on",
            "active",
            "edit",
        )

    def render_edit(self, record):
        return _("修改")
