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

    from django.db.models import F

    return qs.annotate(due=total(F("amount") - F("credited")), paid=total("allocated"))


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


# the statuses where an order waits for its consultant (报价 to send, 待下定, 待配车 …, 待交车)
CONSULTANT_WAITS = ("quote", "authorised", "ordered", "allocated", "ready")
# and where it waits for the sales manager (待审批, 退订待审)
MANAGER_WAITS = ("awaiting_approval", "cancel_pending")


def waiting_for(qs: QuerySet, user) -> QuerySet:
    """The orders waiting for a step of ``user``: the manager's approvals (a role that authorises),
    else the user's own orders at a step of theirs."""
    if user.has_perm("sales.authorise_order"):
        return qs.filter(status__in=MANAGER_WAITS)
    return qs.filter(consultant=user, status__in=CONSULTANT_WAITS)


def consultant_waiting(store, user) -> dict[str, int]:
    """The consultant's own orders by the status they wait in (one query)."""
    from django.db.models import Count

    rows = (
        VehicleOrder.objects.filter(store=store, consultant=user, status__in=CONSULTANT_WAITS)
        .values("status")
        .annotate(n=Count("id"))
    )
    return {r["status"]: r["n"] for r in rows}


def manager_waiting(store) -> dict[str, int]:
    from django.db.models import Count

    rows = (
        VehicleOrder.objects.filter(store=store, status__in=MANAGER_WAITS)
        .values("status")
        .annotate(n=Count("id"))
    )
    return {r["status"]: r["n"] for r in rows}


def order_summary(qs: QuerySet) -> dict:
    """Counts and sums of the orders of ``qs`` by status, and the delivered ones' totals (one query)."""
    from django.db.models import Count

    rows = qs.order_by().values("status").annotate(n=Count("id"), total=Sum("total"), gp=Sum("gross_profit"))
    by_status = {r["status"]: r for r in rows}
    delivered = by_status.get("delivered", {})
    n = delivered.get("n", 0) or 0
    gp = round_money(delivered.get("gp") or ZERO)
    return {
        "by_status": [
            {
                "status": s,
                "label": VehicleOrder._meta.get_field("status").flatchoices[i][1],
                "n": by_status.get(s, {}).get("n", 0),
                "total": round_money(by_status.get(s, {}).get("total") or ZERO),
            }
            for i, (s, _l) in enumerate(VehicleOrder._meta.get_field("status").flatchoices)
        ],
        "delivered": n,
        "revenue": round_money(delivered.get("total") or ZERO),
        "gross_profit": gp,
        "gp_per_unit": round_money(gp / n) if n else ZERO,
    }


def consultant_summary(qs: QuerySet) -> list[dict]:
    """Per consultant: orders placed, delivered, revenue and gross profit of the delivered (one query)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from fours.core.audit import display_name

    rows = (
        qs.order_by()
        .values("consultant_id")
        .annotate(
            placed=Count("id", filter=Q(ordered_at__isnull=False)),
            delivered=Count("id", filter=Q(status="delivered")),
            revenue=Sum("total", filter=Q(status="delivered")),
            gp=Sum("gross_profit", filter=Q(status="delivered")),
        )
    )
    users = get_user_model().objects.in_bulk([r["consultant_id"] for r in rows if r["consultant_id"]])
    out = []
    for r in rows:
        out.append(
            {
                "consultant_id": r["consultant_id"],
                "name": display_name(users.get(r["consultant_id"])),
                "placed": r["placed"],
                "delivered": r["delivered"],
                "revenue": round_money(r["revenue"] or ZERO),
                "gross_profit": round_money(r["gp"] or ZERO),
            }
        )
    return sorted(out, key=lambda r: -r["gross_profit"])


def awaiting_registration(store) -> list[VehicleOrder]:
    """待上牌: the store's delivered orders with the registration service (上牌服务费) and no plate yet,
    the longest waiting first, each with ``age_days`` since the delivery (one query)."""
    from django.utils import timezone

    rows = list(
        VehicleOrder.objects.filter(
            store=store, status="delivered", registration_fee__gt=0, plate="", delivered_at__isnull=False
        )
        .select_related("customer", "consultant", "configuration__model__series", "archive_vehicle")
        .order_by("delivered_at", "id")
    )
    today = timezone.localdate()
    for o in rows:
        o.age_days = (today - timezone.localdate(o.delivered_at)).days
    return rows


def awaiting_registration_count(store) -> int:
    return VehicleOrder.objects.filter(
        store=store, status="delivered", registration_fee__gt=0, plate="", delivered_at__isnull=False
    ).count()
