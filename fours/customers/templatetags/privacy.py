"""Mobile and ID numbers in templates as the viewer may see them: {% load privacy %}
{% shown_mobile a.contact_phone %} / {% shown_id c.id_number %} (masked without
customers.see_sensitive)."""

from django import template

from fours.customers import selectors

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


@register.simple_tag(takes_context=True)
def shown_mobile(context, value):
    return selectors.shown_mobile(_user(context), value or "")


@register.simple_tag(takes_context=True)
def shown_id(context, value):
    return selectors.shown_id(_user(context), value or "")
