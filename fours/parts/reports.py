"""KPIs of the parts department (read-only queries used by the dashboard, home figures and bench)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, F, Max, Min, Q, Sum
from django.utils import timezone

from fours.core.money import round_money

from .choices import (
    USAGE_KINDS,
    Channel,
    ClaimStatus,
    DemandStatus,
    MoveKind,
    POStatus,
    ReturnStatus,
    SaleStatus,
)
from .models import (
    Discrepancy,
    FillRateRecord,
    PartSetting,
    PurchaseDemand,
    PurchaseOrder,
    ReturnOrder,
    Sale,
    StockBalance,
    StockMove,
)
from .services.catalog import config_for

ZERO = Decimal("0")


def stock_value(store) -> Decimal:
    """Current stock value (net cost), from the balances."""
    return round_money(StockBalance.objects.filter(store=store).aggregate(v=Sum("value"))["v"] or 0)


def stock_value_as_of(store, when, *, inclusive: bool = True) -> Decimal:
    """Stock value at a past moment: the running balance value of each part's last move up to then
    (``inclusive=False``: just before it)."""
    moves = StockMove.objects.filter(store=store)
    moves = moves.filter(at__lte=when) if inclusive else moves.filter(at__lt=when)
    last = moves.values("part_id").annotate(m=Max("id")).values("m")
    return round_money(StockMove.objects.filter(id__in=last).aggregate(v=Sum("balance_value"))["v"] or 0)


def value_by_class(store) -> dict[str, Decimal]:
    classes = dict(PartSetting.objects.filter(store=store).values_list("part_id", "abc_class"))
    out = {"A": ZERO, "B": ZERO, "C": ZERO}
    for pid, v in StockBalance.objects.filter(store=store).exclude(value=0).values_list("part_id", "value"):
        out[classes.get(pid, "C")] += v
    return {k: round_money(v) for k, v in out.items()}


AGE_BUCKETS = [(0, 90, "0-3"), (90, 180, "3-6"), (180, 270, "6-9"), (270, 365, "9-12"), (365, None, "12+")]


def value_by_age(store) -> dict[str, Decimal]:
    """Stock value by months since the part last moved (库龄)."""
    now = timezone.now()
    out = {label: ZERO for _a, _b, label in AGE_BUCKETS}
    for v, last in StockBalance.objects.filter(store=store, on_hand__gt=0).values_list(
        "value", "last_move_at"
    ):
        days = (now - last).days if last else 9999
        for lo, hi, label in AGE_BUCKETS:
            if days >= lo and (hi is None or days < hi):
                out[label] += v
                break
    return {k: round_money(v) for k, v in out.items()}


def cogs(store, days: int = 365, *, since=None) -> Decimal:
    """Cost of goods issued (sales and repair issues) over the last N days (or from ``since``)."""
    since = since or timezone.now() - timedelta(days=days)
    v = StockMove.objects.filter(store=store, kind__in=USAGE_KINDS, at__gte=since).aggregate(v=Sum("value"))[
        "v"
    ]
    return round_money(-(v or 0))


def activity_start(store):
    """When the store's stock began to move: its first move that is not an opening balance (期初建账).
    An opening balance dated long ago says how old the stock is, not that the store was trading then."""
    return StockMove.objects.filter(store=store).exclude(kind=MoveKind.OPENING).aggregate(m=Min("at"))["m"]


def turnover(store, days: int = 365) -> dict:
    """周转率 = annual cost of goods issued / average stock value; months of supply (库存月数) = stock /
    monthly cost of goods issued.

    The period is the last ``days`` days, or less when the store has moved stock for less time (from its
    first move that is not an opening balance), in whole days; its cost of goods issued is annualised
    (× 365 / period days). The average stock is the mean of the stock value at the start of the period
    (before its first move) and now."""
    now = timezone.now()
    since = now - timedelta(days=days)
    start = activity_start(store)
    current = stock_value(store)
    if start is None:
        return {"cogs": ZERO, "avg_stock": current, "turnover": None, "months_of_supply": None, "days": 0}
    since = max(since, start)
    period = max(1, round((now - since).total_seconds() / 86400))
    issued = cogs(store, since=since)
    annual = issued * Decimal(365) / Decimal(period)
    opening = stock_value_as_of(store, since, inclusive=False)
    avg = (current + opening) / 2
    rate = (annual / avg).quantize(Decimal("0.01")) if avg > 0 else None
    months = (current / (annual / 12)).quantize(Decimal("0.1")) if annual > 0 else None
    return {
        "cogs": issued,
        "avg_stock": round_money(avg),
        "turnover": rate,
        "months_of_supply": months,
        "days": period,
    }


def slow_moving(store) -> dict[str, dict]:
    """呆滞/积压: parts in stock with no movement for slow / stagnant / dead months (configurable)."""
    cfg = config_for(store)
    now = timezone.now()
    out = {}
    qs = StockBalance.objects.filter(store=store, on_hand__gt=0)
    for key, months in (
        ("slow", cfg.slow_months),
        ("stagnant", cfg.stagnant_months),
        ("dead", cfg.dead_months),
    ):
        cutoff = now - timedelta(days=30 * months)
        agg = qs.filter(Q(last_move_at__lt=cutoff) | Q(last_move_at__isnull=True)).aggregate(
            n=Count("id"), v=Sum("value")
        )
        out[key] = {"months": months, "count": agg["n"], "value": round_money(agg["v"] or 0)}
    return out


def slow_moving_parts(store, months: int):
    cutoff = timezone.now() - timedelta(days=30 * months)
    return (
        StockBalance.objects.filter(store=store, on_hand__gt=0)
        .filter(Q(last_move_at__lt=cutoff) | Q(last_move_at__isnull=True))
        .select_related("part")
        .order_by("-value")
    )


def fill_rate(store, days: int = 30, channel: str | None = None) -> Decimal | None:
    """满足率: lines served in full from stock at first request / lines requested, in %."""
    since = timezone.now() - timedelta(days=days)
    qs = FillRateRecord.objects.filter(store=store, at__gte=since)
    if channel:
        qs = qs.filter(channel=channel)
    agg = qs.aggregate(n=Count("id"), ok=Count("id", filter=Q(qty_served__gte=F("qty_requested"))))
    if not agg["n"]:
        return None
    return round_money(Decimal(agg["ok"]) * 100 / agg["n"])


def fill_rate_by_channel(store, days: int = 30) -> dict[str, Decimal | None]:
    return {c.value: fill_rate(store, days, c.value) for c in Channel}


def margin_by_channel(store, days: int = 30) -> dict[str, dict]:
    """毛利 by channel: net sales, cost and gross margin % (counter and wholesale; repair orders add theirs)."""
    since = timezone.now() - timedelta(days=days)
    out = {}
    for ch in (Channel.COUNTER, Channel.WHOLESALE):
        agg = Sale.objects.filter(
            store=store, channel=ch, status=SaleStatus.POSTED, posted_at__gte=since
        ).aggregate(net=Sum("net_total"), cost=Sum("cost_total"))
        net, cost = agg["net"] or ZERO, agg["cost"] or ZERO
        out[ch.value] = {
            "label": str(ch.label),
            "net": round_money(net),
            "cost": round_money(cost),
            "margin": round_money(net - cost),
            "pct": round_money((net - cost) * 100 / net) if net else None,
        }
    return out


def below_safety(store) -> int:
    """Parts of the store's stock list whose on-hand is below their safety stock (or minimum): the
    count of the list ``?below_safety=true`` opens."""
    from .selectors import below_safety as below

    return below(StockBalance.objects.filter(store=store)).count()


def open_pos(store) -> int:
    return PurchaseOrder.objects.filter(store=store, status__in=[POStatus.ORDERED, POStatus.PARTIAL]).count()


def open_work(store) -> dict:
    """What waits on the parts department: open claims, returns not resolved, demands not ordered."""
    return {
        "open_claims": Discrepancy.objects.filter(store=store).exclude(status=ClaimStatus.CLOSED).count(),
        "open_returns": ReturnOrder.objects.filter(store=store, status=ReturnStatus.OPEN).count(),
        "open_demands": PurchaseDemand.objects.filter(store=store, status=DemandStatus.OPEN).count(),
    }


def today_counter_sales(store) -> dict:
    today = timezone.localdate()
    agg = Sale.objects.filter(
        store=store, channel=Channel.COUNTER, status=SaleStatus.POSTED, posted_at__date=today
    ).aggregate(n=Count("id"), total=Sum("total"))
    return {"count": agg["n"], "total": round_money(agg["total"] or 0)}


def daily_moves(store, days: int = 30) -> list[dict]:
    """Inbound and outbound value per day (for the dashboard chart)."""
    since = timezone.now() - timedelta(days=days)
    rows = {}
    for at, qty, value in (
        StockMove.objects.filter(store=store, at__gte=since)
        .exclude(kind=MoveKind.REVERSAL)
        .values_list("at", "qty", "value")
    ):
        d = timezone.localtime(at).date().isoformat()
        r = rows.setdefault(d, {"day": d, "in": ZERO, "out": ZERO})
        if qty > 0:
            r["in"] += value
        else:
            r["out"] -= value
    return [
        {"day": k, "in": str(round_money(v["in"])), "out": str(round_money(v["out"]))}
        for k, v in sorted(rows.items())
    ]


def store_comparison(stores) -> list[dict]:
    """Group view: the main figures side by side for each store."""
    out = []
    for s in stores:
        t = turnover(s)
        out.append(
            {
                "store": s,
                "value": stock_value(s),
                "turnover": t["turnover"],
                "months": t["months_of_supply"],
                "fill_rate": fill_rate(s),
                "dead": slow_moving(s)["dead"]["value"],
                "margin": margin_by_channel(s),
            }
        )
    return out
