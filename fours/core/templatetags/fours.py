from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.html import format_html

from ..money import round_money

register = template.Library()


@register.filter
def yuan(value):
    """¥1,234.50"""
    if value in (None, ""):
        return "—"
    v = round_money(value)
    sign = "-" if v < 0 else ""
    return f"{sign}¥{abs(v):,.2f}"


@register.filter
def qty(value):
    """Quantities without trailing zeros: 2, 1.5, 0.125."""
    if value in (None, ""):
        return "—"
    v = Decimal(value).normalize()
    return f"{v:f}"


@register.filter
def pct(value):
    """A rate in percent: 12.5%, or — when there is nothing to divide (0% is a figure, not a blank)."""
    if value in (None, ""):
        return "—"
    return f"{Decimal(value).quantize(Decimal('0.1'))}%"


@register.filter
def staff(user):
    if not user or not getattr(user, "is_authenticated", True):
        return "—"
    return user.get_full_name() or user.get_username()


@register.filter
def localdt(value, fmt="%Y-%m-%d %H:%M"):
    if not value:
        return "—"
    return timezone.localtime(value).strftime(fmt)


@register.simple_tag
def status_badge(label, tone="secondary"):
    return format_html('<span class="badge text-bg-{}">{}</span>', tone, label)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def change_str(value):
    """An audit change: [old, new] shows as 'old → new'."""
    if isinstance(value, (list, tuple)) and len(value) == 2:
        old, new = ("—" if v in (None, "") else v for v in value)
        return f"{old} → {new}"
    return value


@register.filter
def verb(value):
    """An audit verb as words: posted -> 过账."""
    from fours.core.audit import verb_label

    return verb_label(value)


@register.filter
def cell(value):
    """A document line cell: quantities (3 places) without trailing zeros, money with separators,
    times in local time."""
    from datetime import datetime

    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal):
        if value.as_tuple().exponent == -2:
            return f"{value:,.2f}"
        return qty(value)
    if isinstance(value, datetime):
        return localdt(value)
    return value


@register.filter
def is_number(value):
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


@register.filter
def field_label(name, obj=None):
    """An audited field's name in words: the model's verbose name, else a common word."""
    if obj is not None:
        from django.core.exceptions import FieldDoesNotExist

        try:
            return obj._meta.get_field(name).verbose_name
        except (FieldDoesNotExist, AttributeError):
            pass
    from fours.core.audit import FIELD_WORDS

    return FIELD_WORDS.get(name, name)
