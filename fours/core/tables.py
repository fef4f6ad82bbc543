import django_tables2 as tables
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tables2.columns import library

from .audit import verb_label
from .models import AuditEvent


@library.register
class DecimalColumn(tables.Column):
    """Every DecimalField in every table: right-aligned; money (2 places) with thousands separators,
    quantities (3 places) without trailing zeros, costs (4 places) as stored."""

    attrs = {"td": {"class": "text-end text-nowrap"}, "th": {"class": "text-end"}}

    def __init__(self, *args, places: int = 2, **kwargs):
        self.places = places
        super().__init__(*args, **kwargs)

    @classmethod
    def from_field(cls, field, **kwargs):
        if isinstance(field, models.DecimalField):
            return cls(places=field.decimal_places, **kwargs)
        return None

    def render(self, value):
        from .templatetags.fours import qty

        if self.places == 3:
            return qty(value)
        if self.places == 2:
            return f"{value:,.2f}"
        return value

    def value(self, value):
        return value


class QtyColumn(tables.Column):
    """Quantities right-aligned without trailing zeros (5, 1.5), never 5.000."""

    attrs = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}

    def render(self, value):
        from .templatetags.fours import qty

        return qty(value)

    def value(self, value):
        return value


class AuditEventTable(tables.Table):
    at = tables.DateTimeColumn(format="Y-m-d H:i:s", verbose_name=_("时间"))
    actor = tables.Column(verbose_name=_("操作人"), accessor="actor__first_name")
    store = tables.Column(verbose_name=_("门店"))
    content_type = tables.Column(verbose_name=_("对象类型"), accessor="content_type__model")
    object_repr = tables.Column(verbose_name=_("对象"))
    verb = tables.Column(verbose_name=_("操作"))
    changes = tables.JSONColumn(verbose_name=_("变更"), orderable=False)
    ip = tables.Column(verbose_name=_("IP"))

    class Meta:
        model = AuditEvent
        fields = ("at", "actor", "store", "content_type", "object_repr", "verb", "changes", "ip")
        order_by = ("-at",)

    def render_content_type(self, record):
        model = record.content_type.model_class()
        return model._meta.verbose_name if model else record.content_type.model

    def render_verb(self, value):
        return verb_label(value)
