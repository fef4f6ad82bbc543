"""Filter bars of the vehicle stock lists."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import Funding, PlanStatus, TransferStatus, VehicleStatus
from .models import OrderPlan, StockVehicle, VehicleTransfer
from .selectors.stock import AGE_BUCKETS, AGE_LABELS, AVAILABLE, HELD, age_filter

AGE_CHOICES = [(key, AGE_LABELS[key]) for key, _low, _high in AGE_BUCKETS]


class VehicleFilter(django_filters.FilterSet):
    """?q= VIN/stock number/engine, ?status=, ?stock=held (在库: on hand, sold not yet delivered, at an
    outlet, demo; not in transit) or available (可售: not yet promised), ?model=<model id>, ?age=0_30|31_60|61_90|over_90, ?funding="""

    q = django_filters.CharFilter(label=_("VIN/库存编号"), method="search")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=VehicleStatus.choices)
    stock = django_filters.ChoiceFilter(
        label=_("库存范围"), choices=[("held", _("在库")), ("available", _("可售"))], method="by_stock"
    )
    model = django_filters.NumberFilter(label=_("车型"), field_name="configuration__model_id")
    outlet = django_filters.NumberFilter(label=_("二级网点"), field_name="outlet_id")
    colour = django_filters.CharFilter(label=_("颜色"), lookup_expr="icontains")
    funding = django_filters.ChoiceFilter(label=_("资金来源"), choices=Funding.choices)
    age = django_filters.ChoiceFilter(label=_("库龄"), choices=AGE_CHOICES, method="by_age")
    keys = django_filters.ChoiceFilter(label=_("钥匙"), choices=[("out", _("已领出"))], method="by_keys")

    class Meta:
        model = StockVehicle
        fields = ["q", "status", "stock", "model", "colour", "funding", "age", "keys", "outlet"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django import forms

        from fours.customers.models import VehicleModel

        from .models import Outlet

        user = getattr(self.request, "user", None)
        outlets = Outlet.objects.for_user(user) if user is not None else Outlet.objects.none()
        self.filters["outlet"].field.widget = forms.Select(
            choices=[("", "---------")] + [(o.pk, o.name) for o in outlets]
        )
        self.filters["model"].field.widget = forms.Select(
            choices=[("", "---------")]
            + [
                (m.pk, str(m))
                for m in VehicleModel.objects.select_related("series").order_by("series__name", "name")
            ]
        )

    def search(self, qs, name, value):
        v = value.strip().upper()
        return qs.filter(Q(vin__icontains=v) | Q(number__icontains=v) | Q(engine_no__icontains=v))

    def by_keys(self, qs, name, value):
        return qs.exclude(keys_out_to="").exclude(
            status__in=[VehicleStatus.DELIVERED, VehicleStatus.TRANSFERRED]
        )

    def by_stock(self, qs, name, value):
        return qs.filter(status__in={"held": HELD, "available": AVAILABLE}[value])

    def by_age(self, qs, name, value):
        return age_filter(qs, value)


class PlanFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=PlanStatus.choices)
    month = django_filters.DateFilter(
        label=_("计划月份"),
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "month"}),
        method="by_month",
    )

    class Meta:
        model = OrderPlan
        fields = ["status"]

    def by_month(self, qs, name, value):
        return qs.filter(month__year=value.year, month__month=value.month)


class TransferFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=TransferStatus.choices)
    vin = django_filters.CharFilter(label=_("车架号"), field_name="vehicle__vin", lookup_expr="icontains")

    class Meta:
        model = VehicleTransfer
        fields = ["status", "vin"]
