import django_filters
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent


class AuditEventFilter(django_filters.FilterSet):
    verb = django_filters.CharFilter(label=_("操作"), lookup_expr="icontains")
    object_repr = django_filters.CharFilter(label=_("对象"), lookup_expr="icontains")
    actor = django_filters.CharFilter(label=_("操作人"), method="by_actor")
    at = django_filters.DateFromToRangeFilter(
        label=_("时间"), widget=django_filters.widgets.RangeWidget(attrs={"type": "date"})
    )

    class Meta:
        model = AuditEvent
        fields = ["verb", "object_repr", "actor", "at"]

    def by_actor(self, qs, name, value):
        return qs.filter(actor__username__icontains=value) | qs.filter(actor__first_name__icontains=value)
