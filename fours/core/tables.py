import datetime

import django_tables2 as tables
from django.db import models
from django.utils import formats, timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django_tables2.columns import library

from .audit import verb_label
from .models import AuditEvent


def is_money_field(field) -> bool:
    """A sum of money: two decimal places and room for a price (hours and percentages are short)."""
    return field.decimal_places == 2 and field.max_digits >= 10 and "%" not in str(field.verbose_name)


@library.register
class DecimalColumn(tables.Column):
    """Every DecimalField in every table: right-aligned; money (2 places) with thousands separators,
    quantities (3 places) without trailing zeros, costs (4 places) as ¥50.9700."""

    attrs = {"td": {"class": "text-end text-nowrap"}, "th": {"class": "text-end"}}

    def __init__(self, *args, places: int = 2, money: bool | None = None, **kwargs):
        self.places = places
        self.money = places == 2 if money is None else money
        super().__init__(*args, **kwargs)

    @classmethod
    def from_field(cls, field, **kwargs):
        if isinstance(field, models.DecimalField):
            return cls(places=field.decimal_places, money=is_money_field(field), **kwargs)
        return None

    def render(self, value):
        from .templatetags.fours import qty, yuan

        if self.places == 3:
            return qty(value)
        if self.money:
            return yuan(value)
        if self.places == 2:  # hours and percentages: 1.5, not 1.50
            return qty(value)
        if self.places == 4:  # unit costs: ¥50.9700
            from .templatetags.fours import cost

            return cost(value)
        return value

    def value(self, value):
        return value


def local_format(value, format: str) -> str:
    """A date or time as the user reads it: in the store's time zone, Django's date-filter format
    (a format string like ``Y-m-d H:i`` or a setting's name like ``SHORT_DATE_FORMAT``)."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, format)


@library.register
class DateTimeColumn(tables.Column):
    """Every DateTimeField in every table, in local time, formatted in Python: django-tables2's own
    DateTimeColumn is a TemplateColumn that compiles a template for every cell."""

    def __init__(self, format=None, short=True, *args, **kwargs):
        self.format = format or ("SHORT_DATETIME_FORMAT" if short else "DATETIME_FORMAT")
        super().__init__(*args, **kwargs)

    @classmethod
    def from_field(cls, field, **kwargs):
        if isinstance(field, models.DateTimeField):
            return cls(**kwargs)
        return None

    def render(self, value):
        return local_format(value, self.format)


@library.register
class DateColumn(DateTimeColumn):
    """A DateField formatted in Python (no template per cell)."""

    def __init__(self, format=None, short=True, *args, **kwargs):
        super().__init__(format or ("SHORT_DATE_FORMAT" if short else "DATE_FORMAT"), short, *args, **kwargs)

    @classmethod
    def from_field(cls, field, **kwargs):
        if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
            return cls(**kwargs)
        return None


@library.register
class DayColumn(DateColumn):
    """Every DateField in every table: 2026-12-07 on one line (a tablet list keeps rows short)."""

    attrs = {"td": {"class": "text-nowrap"}}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", "Y-m-d")
        super().__init__(*args, **kwargs)


class MoneyColumn(DecimalColumn):
    """Money in a table: ¥1,234.00, right-aligned (the ``money`` template filter)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, places=2, money=True, **kwargs)


class QtyColumn(DecimalColumn):
    """Quantities right-aligned without trailing zeros (5, 1.5), never 5.000."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, places=3, money=False, **kwargs)


class AuditEventTable(tables.Table):
    at = DateTimeColumn(format="Y-m-d H:i:s", verbose_name=_("时间"))
    actor = tables.Column(verbose_name=_("操作人"), order_by=("actor__last_name", "actor__first_name"))
    store = tables.Column(verbose_name=_("门店"))
    content_type = tables.Column(verbose_name=_("对象类型"), accessor="content_type__model")
    object_repr = tables.Column(verbose_name=_("对象"))
    verb = tables.Column(verbose_name=_("操作"))
    changes = tables.Column(verbose_name=_("变更"), orderable=False)
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

    def render_actor(self, value):
        from .audit import display_name

        return display_name(value)

    def render_changes(self, record):
        """The changes as a readable list: 状态: 待质检 → 待结算, 技师: — → 王师傅."""
        from .audit import change_lines

        model = record.content_type.model_class()
        lines = change_lines(model, record.changes, self.__dict__.setdefault("_people", {}))
        return format_html_join(
            "", '<div class="text-nowrap"><span class="text-muted">{}</span>: {}</div>', lines
        )

    def value_changes(self, record):
        from .audit import change_lines

        model = record.content_type.model_class()
        return "；".join(f"{a}: {b}" for a, b in change_lines(model, record.changes))

    def value_actor(self, value):
        from .audit import display_name

        return display_name(value)
