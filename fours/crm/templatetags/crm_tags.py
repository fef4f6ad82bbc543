from django import template

register = template.Library()


@register.simple_tag
def gift_steps(gift, user):
    """The steps the user may take on a care gift (from its workflow)."""
    from ..workflows import GIFT

    return GIFT.allowed_next(gift, user)
