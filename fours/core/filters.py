import django_filters
from django import forms
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


class YesNoWidget(forms.Select):
    """A yes/no filter whose empty choice reads 全部 (Django's NullBooleanSelect says 未知)."""

    def __init__(self, attrs=None):
        super().__init__(attrs, choices=[("", _("全部")), ("true", _("是")), ("false", _("否"))])

    def format_value(self, value):
        return [{True: "true", False: "false", "true": "true", "false": "false"}.get(value, "")]

    def value_from_datadict(self, data, files, name):
        return {"true": True, "false": False}.get(data.get(name))
