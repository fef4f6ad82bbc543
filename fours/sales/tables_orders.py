"""Table of the order list (车辆订单)."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fours.core.audit import display_name
from fours.core.tables import DateTimeColumn, DayColumn, MoneyColumn

from .models import VehicleOrder

NOWRAP = {"td": {"class": "text-nowrap"}}


class OrderTable(tables.Table):
    number = tables.Column(
        verbose_name=_("单号"), linkify=lambda record: reverse("sales:order_detail", args=[record.pk])
    )
    created_at = DateTimeColumn(verbose_name=_("报价日期"), format="Y-m-d", attrs=NOWRAP)
    customer = tables.Column(verbose_name=_("客户"), accessor="customer__name", order_by=("customer__name",))
    consultant = tables.Column(verbose_name=_("销售顾问"), order_by=("consultant__first_name",))
    configuration = tables.Column(verbose_name=_("配置"), order_by=("configuration__model__name",))
    colour = tables.Column(verbose_name=_("颜色"), attrs=NOWRAP)
    vehicle = tables.Column(verbose_name=_("配车VIN"), accessor="vehicle__vin", default="—")
    pay_plan = tables.Column(verbose_name=_("付款方式"))
    status = tables.Column(verbose_name=_("状态"), attrs=NOWRAP)
    total = MoneyColumn(verbose_name=_("合同总价"))
    paid = MoneyColumn(verbose_name=_("已收"), orderable=False)
    expected_delivery = DayColumn(verbose_name=_("预计交车"))

    class Meta:
        model = VehicleOrder
        fields = (
            "number",
            "created_at",
            "customer",
            "consultant",
            "configuration",
            "colour",
            "vehicle",
            "pay_plan",
            "status",
            "total",
            "paid",
            "expected_delivery",
        )
        attrs = {"class": "table table-sm table-hover align-middle", "id": "order-table"}

    def render_consultant(self, value):
        return display_name(value)

    def value_consultant(self, value):
        return display_name(value)
