"""Reads of the sales desk: orders (车辆订单). Money is read from finance's open items linked to the
order (整车销售 of the customer, 按揭放款 of the bank), never kept on the order."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from fours.core.money import round_money

from ..models import VehicleOrder

ZERO = Decimal("0")
_MONEY = DecimalField(max_digits=14, decimal_places=2)


def _order_type_id() -> int:
    return ContentType.objects.get_for_model(VehicleOrder).pk


def _live_items(**filters) -> QuerySet:
    from fours.finance.choices import Direction, ItemSource, ItemStatus
    from fours.finance.models import OpenItem

    return (
        OpenItem.objects.filter(
            doc_type_id=_order_type_id(),
            direction=Direction.RECEIVABLE,
            amount__gt=0,
            source__in=[ItemSource.VEHICLE_SALE, ItemSource.VEHICLE_LOAN],
        )
        .exclude(status=ItemStatus.REVERSED)
        .filter(**filters)
    )


def order_items(order) -> list:
    """The order's live finance items (整车销售 of the customer, 按揭放款 of the bank), oldest first,
    with their party: reversed items and reversal rows are left out."""
    return list(_live_items(doc_id=order.pk).select_related("party").order_by("id"))


def order_paid(order) -> tuple[Decimal, Decimal]:
    """(due, paid) of the order: what its live items come to (less credits) and what the cashier desk
    has allocated to them."""
    row = _live_items(doc_id=order.pk).aggregate(a=Sum("amount"), c=Sum("credited"), p=Sum("allocated"))
    due = round_money((row["a"] or ZERO) - (row["c"] or ZERO))
    return due, round_money(row["p"] or ZERO)


def order_customer_paid(order) -> Decimal:
    """What the customer has paid on the order (their 整车销售 items), the deposit check's figure."""
    from fours.finance.choices import ItemSource

    row = _live_items(doc_id=order.pk, source=ItemSource.VEHICLE_SALE).aggregate(p=Sum("allocated"))
    return round_money(row["p"] or ZERO)


def order_settled(order) -> bool:
    """Every live item of the order is paid in full (and there is at least one)."""
    due, paid = order_paid(order)
    return due > 0 and paid >= due


def with_money(qs: QuerySet) -> QuerySet:
    """Orders annotated with ``due`` and ``paid`` from their live items, as subqueries of the same
    statement (no query per order)."""
    mine = _live_items(doc_id=OuterRef("pk")).values("doc_id")

    def total(expr):
        rows = mine.annotate(s=Sum(expr)).values("s")
        return Coalesce(Subquery(rows, output_field=_MONEY), Value(ZERO), output_field=_MONEY)

    return qs.annotate(due=total("amount"), paid=total("allocated"))


def orders_for(user) -> QuerySet:
    """The orders the user may see: their stores', with what a list shows joined."""
    return VehicleOrder.objects.for_user(user).select_related(
        "customer",
        "consultant",
        "configuration__model__series__brand",
        "vehicle",
        "store",
    )


def order_for(user, pk) -> VehicleOrder:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(orders_for(user), pk=pk)


def orders_of_consultant(qs: QuerySet, user) -> QuerySet:
    return qs.filter(Q(consultant=user))
