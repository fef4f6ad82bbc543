"""Filter bar of the order list. Query parameters (the reports' drill-downs use them): ?q= number,
customer or mobile; ?status=; ?consultant=<user id>; ?model=<vehicle model id>; ?mine=1 (my orders);
?waiting=1 (waiting for the viewer's step); ?pay_plan=; and the days ``ordered_at``,
``delivered_at``, ``cancelled_at`` as ``<field>_after`` / ``<field>_before`` (both inclusive)."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import OrderStatus, PayPlan
from .models import VehicleOrder

DATE_FIELDS = ("ordered_at", "delivered_at", "cancelled_at")
YES = [("on", _("是"))]


def _start(day: dt.date):
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class OrderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("单号/客户/手机"), method="search")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=OrderStatus.choices)
    consultant = django_filters.NumberFilter(label=_("销售顾问"), field_name="consultant_id")
    model = django_filters.NumberFilter(label=_("车型"), field_name="configuration__model_id")
    pay_plan = django_filters.ChoiceFilter(label=_("付款方式"), choices=PayPlan.choices)
    mine = django_filters.ChoiceFilter(
        label=_("我的订单"), choices=YES, method="by_mine", empty_label=_("全部")
    )
    waiting = django_filters.ChoiceFilter(
        label=_("待我处理"), choices=YES, method="by_waiting", empty_label=_("全部")
    )
    ordered_at_after = django_filters.DateFilter(label=_("下定日期从"), method="after")
    ordered_at_before = django_filters.DateFilter(label=_("至"), method="before")
    delivered_at_after = django_filters.DateFilter(label=_("交车日期从"), method="after")
    delivered_at_before = django_filters.DateFilter(label=_("至"), method="before")
    cancelled_at_after = django_filters.DateFilter(label=_("退订日期从"), method="after")
    cancelled_at_before = django_filters.DateFilter(label=_("至"), method="before")

    class Meta:
        model = VehicleOrder
        fields: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        from fours.core.audit import display_name
        from fours.customers.models import VehicleModel

        user = getattr(self.request, "user", None)
        consultants = (
            get_user_model()
            .objects.filter(sales_orders__in=VehicleOrder.objects.for_user(user))
            .distinct()
            .order_by("first_name", "username")
            if user is not None
            else []
        )
        self.filters["consultant"].field.widget = forms.Select(
            choices=[("", "---------")] + [(u.pk, display_name(u)) for u in consultants]
        )
        self.filters["model"].field.widget = forms.Select(
            choices=[("", "---------")]
            + [
                (m.pk, str(m))
                for m in VehicleModel.objects.select_related("series__brand").order_by("series__name", "name")
            ]
        )
        for name in self.filters:
            if name.endswith(("_after", "_before")):
                self.filters[name].field.widget = forms.DateInput(attrs={"type": "date"})

    def search(self, qs, name, value):
        value = (value or "").strip()
        if not value:
            return qs
        return qs.filter(
            Q(number__icontains=value)
            | Q(customer__name__icontains=value)
            | Q(customer__mobile__endswith=value)
        )

    def by_mine(self, qs, name, value):
        user = getattr(self.request, "user", None)
        return qs.filter(consultant=user) if value and user is not None else qs

    def by_waiting(self, qs, name, value):
        from .selectors.orders import waiting_for

        user = getattr(self.request, "user", None)
        return waiting_for(qs, user) if value and user is not None else qs

    def after(self, qs, name, value):
        field = name.removesuffix("_after")
        return qs.filter(**{f"{field}__gte": _start(value)}) if value else qs

    def before(self, qs, name, value):
        field = name.removesuffix("_before")
        return qs.filter(**{f"{field}__lt": _start(value + dt.timedelta(days=1))}) if value else qs
