"""Permission checks shared by views, API and services."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from .errors import NotAllowed, field_error
from .money import round_money, to_decimal
from .roles import LimitKind
from .selectors import has_role, limit_for


def require_perm(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise NotAllowed(_("您没有此操作的权限（%(perm)s）") % {"perm": perm})


def require_role(user, store, *roles: str) -> None:
    if getattr(user, "is_superuser", False):
        return
    if not has_role(user, store, *roles):
        raise NotAllowed(_("此操作需要以下岗位之一：%(roles)s") % {"roles": "、".join(roles)})


def effective_discount_pct(price, list_price, discount_pct=0) -> Decimal:
    """The discount a line gives off the list price of its channel, in percent: a price typed below
    the list price is a discount as much as a percentage is (1 − price × (1 − pct) ÷ list price).
    Without a list price only the percentage counts. Rounded to 0.01 %, never below 0."""
    pct = to_decimal(discount_pct or 0)
    list_price = to_decimal(list_price or 0)
    if price in (None, "") or list_price <= 0:
        return pct
    charged = to_decimal(price) * (1 - pct / 100)
    return max((1 - charged / list_price) * 100, Decimal("0")).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def discount_limit_exceeded(actor, store, pct) -> Decimal | None:
    """折扣上限: the actor's discount limit in the store (RoleLimit) when ``pct`` is above it, else None."""
    if to_decimal(pct or 0) <= 0:
        return None
    limit = limit_for(actor, store, LimitKind.DISCOUNT_PCT)
    return limit if to_decimal(pct) > limit else None


def require_discount_within_limit(
    actor, store, *, pct=0, price=None, list_price=None, field: str = "discount_pct", approvable: bool = False
) -> Decimal:
    """Refuse a discount above the actor's limit, naming ``field``: an explicit percentage, or a price
    below the list price (``price``/``list_price``, with ``pct`` applied on top). Returns the effective
    discount. ``approvable``: the message says the discount can be sent for approval."""
    eff = effective_discount_pct(price, list_price, pct)
    limit = discount_limit_exceeded(actor, store, eff)
    if limit is None:
        return eff
    shown = {
        "max": f"{limit.normalize():f}",
        "pct": f"{eff.normalize():f}",
        "list": round_money(list_price or 0),
    }
    if price not in (None, "") and to_decimal(price) < to_decimal(list_price or 0):
        msg = _("单价低于标准价 %(list)s，相当于折扣%(pct)s%%，超过您的权限（最多%(max)s%%）")
    elif approvable:
        msg = _("折扣超过您的权限（最多%(max)s%%），请提交审批")
    else:
        msg = _("折扣超过您的权限（最多%(max)s%%）")
    raise field_error(field, msg % shown, code="discount_limit")
