import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fours.core.validators import normalize_code, normalize_mobile

from .models import Configuration, Customer, CustomerKind, Fuel, Source, Vehicle


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("姓名/手机尾号"), method="search")
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=CustomerKind.choices)
    source = django_filters.ChoiceFilter(label=_("客户来源"), choices=Source.choices)
    tag = django_filters.CharFilter(label=_("标签"), method="by_tag")

    class Meta:
        model = Customer
        fields = ["q", "kind", "source", "tag"]

    def search(self, qs, name, value):
        digits = normalize_mobile(value)
        if digits.isdigit() and len(digits) >= 4:
            return qs.filter(phones__number_rev__startswith=digits[::-1]).distinct()
        return qs.filter(name__startswith=value.strip())

    def by_tag(self, qs, name, value):
        return qs.filter(tags__icontains=value.strip())


class VehicleFilter(django_filters.FilterSet):
    plate = django_filters.CharFilter(label=_("车牌（可输尾号）"), method="by_plate")
    vin = django_filters.CharFilter(label=_("VIN（可输后6位）"), method="by_vin")
    brand = django_filters.CharFilter(label=_("品牌"), field_name="model__series__brand__name")
    maintenance_due = django_filters.DateFilter(
        label=_("保养到期不晚于"), field_name="next_maintenance_date", lookup_expr="lte"
    )
    maintenance_between = django_filters.DateFromToRangeFilter(
        label=_("保养到期"),
        field_name="next_maintenance_date",
        widget=django_filters.widgets.RangeWidget(attrs={"type": "date"}),
    )
    policy_expiry = django_filters.DateFromToRangeFilter(
        label=_("保险到期"),
        field_name="policy_expiry",
        widget=django_filters.widgets.RangeWidget(attrs={"type": "date"}),
    )

    class Meta:
        model = Vehicle
        fields = ["plate", "vin", "brand", "maintenance_due", "maintenance_between", "policy_expiry"]

    def by_plate(self, qs, name, value):
        code = normalize_code(value)
        return qs.filter(Q(plate__startswith=code) | Q(plate_rev__startswith=code[::-1]))

    def by_vin(self, qs, name, value):
        return qs.filter(vin_rev__startswith=normalize_code(value)[::-1])


class ConfigurationFilter(django_filters.FilterSet):
    brand = django_filters.CharFilter(label=_("品牌"), field_name="model__series__brand__name")
    fuel = django_filters.ChoiceFilter(label=_("能源类型"), choices=Fuel.choices)

    class Meta:
        model = Configuration
        fields = ["brand", "fuel"]
