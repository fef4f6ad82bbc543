"""Filter bars of the F&I lists."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import LoanStatus, PolicyStatus
from .models import LoanApplication, Policy


class LoanFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("单号/订单/客户"), method="search")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=LoanStatus.choices)
    partner = django_filters.CharFilter(
        label=_("合作机构"), field_name="product__partner__name", lookup_expr="icontains"
    )
    created_at = django_filters.DateFromToRangeFilter(
        label=_("创建日期"), widget=django_filters.widgets.RangeWidget(attrs={"type": "date"})
    )
    mine = django_filters.BooleanFilter(label=_("只看我的"), method="only_mine")

    class Meta:
        model = LoanApplication
        fields = ["q", "status", "partner", "created_at", "mine"]

    def only_mine(self, qs, name, value):
        user = getattr(self.request, "user", None)
        return qs.filter(specialist=user) if value and user is not None else qs

    def search(self, qs, name, value):
        return qs.filter(
            Q(number__icontains=value)
            | Q(order__number__icontains=value)
            | Q(order__customer__name__icontains=value)
        )


class PolicyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("保单号/客户"), method="search")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=PolicyStatus.choices)
    insurer = django_filters.CharFilter(
        label=_("保险公司"), field_name="product__partner__name", lookup_expr="icontains"
    )
    expires_on = django_filters.DateFromToRangeFilter(
        label=_("到期日期"), widget=django_filters.widgets.RangeWidget(attrs={"type": "date"})
    )

    class Meta:
        model = Policy
        fields = ["q", "status", "insurer", "expires_on"]

    def search(self, qs, name, value):
        return qs.filter(Q(policy_no__icontains=value) | Q(order__customer__name__icontains=value))
