import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import ApptStatus, ROStatus, TaskStatus
from .models import (
    Appointment,
    FaultCode,
    FollowUpTask,
    LabourOperation,
    MaintenancePackage,
    RepairOrder,
)


class ROFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("工单号/车牌/VIN/客户"), method="search")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ROStatus.choices)
    received_at = django_filters.DateFromToRangeFilter(
        label=_("接车日期"), widget=django_filters.widgets.RangeWidget(attrs={"type": "date"})
    )
    mine = django_filters.BooleanFilter(label=_("我的工单"), method="by_me", widget=forms.CheckboxInput)
    in_workshop = django_filters.BooleanFilter(
        label=_("在厂"), method="by_in_workshop", widget=forms.CheckboxInput
    )
    promised = django_filters.DateFilter(
        label=_("预计交车日期"),
        field_name="promised_at",
        lookup_expr="date",
        widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = RepairOrder
        fields = ["q", "status", "kind", "received_at", "mine", "in_workshop", "promised"]

    def by_me(self, qs, name, value):
        return qs.filter(advisor=self.request.user) if value and self.request else qs

    def by_in_workshop(self, qs, name, value):
        from .choices import IN_WORKSHOP

        return qs.filter(status__in=IN_WORKSHOP) if value else qs

    def search(self, qs, name, value):
        """The RO number (whole, its start or its last digits), the plate (whole, its start or its last
        characters), the VIN's last characters, or the customer's name prefix: each an index prefix
        lookup (the number, its reversed copy, the archive's plate and VIN keys), never a scan."""
        return qs.filter(ro_search_q(value))


SEARCH_IDS = 500  # vehicles or customers a search term may match before it is too vague to follow


def ro_search_q(value: str) -> Q:
    from fours.core.validators import normalize_code
    from fours.customers.models import Customer, Vehicle

    text = (value or "").strip()
    if not text:
        return Q()
    number = text.upper()
    q = Q(number__startswith=number) | Q(number_rev__startswith=number[::-1])
    code = normalize_code(text)
    if code:
        tail = code[::-1]
        vehicles = (
            Vehicle.objects.filter(
                Q(plate__startswith=code) | Q(plate_rev__startswith=tail) | Q(vin_rev__startswith=tail)
            )
            .order_by()
            .values_list("pk", flat=True)[:SEARCH_IDS]
        )
        q |= Q(vehicle_id__in=list(vehicles))
    customers = (
        Customer.objects.filter(name__startswith=text).order_by().values_list("pk", flat=True)[:SEARCH_IDS]
    )
    return q | Q(customer_id__in=list(customers))


class AppointmentFilter(django_filters.FilterSet):
    date = django_filters.DateFilter(
        label=_("预约日期"), widget=django_filters.widgets.forms.DateInput(attrs={"type": "date"})
    )
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ApptStatus.choices)

    class Meta:
        model = Appointment
        fields = ["date", "status", "advisor"]


def active_filter():
    """启用: all / yes / no (instead of the null-boolean select's 'unknown' for 'all')."""
    return django_filters.BooleanFilter(
        label=_("启用"),
        widget=forms.Select(choices=[("", _("全部")), ("true", _("是")), ("false", _("否"))]),
    )


class OperationFilter(django_filters.FilterSet):
    code = django_filters.CharFilter(label=_("代码"), lookup_expr="istartswith")
    name = django_filters.CharFilter(label=_("名称"), lookup_expr="icontains")

    class Meta:
        model = LabourOperation
        fields = ["code", "name", "category"]


class FollowUpFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("状态"), choices=TaskStatus.choices)
    mine = django_filters.BooleanFilter(label=_("只看我的"), method="only_mine")

    class Meta:
        model = FollowUpTask
        fields = ["status", "due_date"]

    def only_mine(self, qs, name, value):
        return qs.filter(assignee=self.request.user) if value else qs


class PackageFilter(django_filters.FilterSet):
    code = django_filters.CharFilter(label=_("套餐代码"), lookup_expr="istartswith")
    name = django_filters.CharFilter(label=_("套餐名称"), lookup_expr="icontains")
    is_active = active_filter()

    class Meta:
        model = MaintenancePackage
        fields = ["code", "name", "series", "is_active"]


class FaultCodeFilter(django_filters.FilterSet):
    code = django_filters.CharFilter(label=_("代码"), lookup_expr="istartswith")
    name = django_filters.CharFilter(label=_("名称"), lookup_expr="icontains")
    is_active = active_filter()

    class Meta:
        model = FaultCode
        fields = ["code", "name", "kind", "is_active"]
