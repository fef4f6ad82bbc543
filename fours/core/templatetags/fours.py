from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.html import format_html

from ..money import round_money

register = template.Library()


def _yuan(v: Decimal, places: int) -> str:
    return f"{'-' if v < 0 else ''}¥{abs(v):,.{places}f}"


@register.filter
def yuan(value):
    """Money, the one way it is written everywhere: ¥1,234.50 (—  when there is none)."""
    return "—" if value in (None, "") else _yuan(round_money(value), 2)


money = register.filter("money", yuan)


@register.filter
def cost(value):
    """A unit cost (4 places, 移动平均成本): ¥50.9700."""
    return "—" if value in (None, "") else _yuan(Decimal(value), 4)


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
    """A person by full name (the login only when no name is on file)."""
    from fours.core.audit import display_name as name_of

    return name_of(user)


display_name = register.filter("display_name", staff)


@register.simple_tag(takes_context=True)
def changes_in_words(context, event):
    """An audit event's changes as (label, 'old → new') pairs in words: choice labels, names of
    people, yes/no, money."""
    from django.contrib.contenttypes.models import ContentType

    from fours.core.audit import change_lines

    model = ContentType.objects.get_for_id(event.content_type_id).model_class()
    cache = context.render_context.setdefault("fours_people", {})
    return change_lines(model, event.changes, cache)


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
    """A document line cell: quantities (3 places) without trailing zeros, money as ¥1,234.00,
    times in local time."""
    from datetime import datetime

    if value is None or value == "":
        return "—"
    if isinstance(value, Decimal):
        if value.as_tuple().exponent == -2:
            return yuan(value)
        if value.as_tuple().exponent == -4:  # a unit cost: ¥50.9700
            return cost(value)
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
