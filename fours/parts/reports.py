"""KPIs of the parts department (read-only queries used by the dashboard, home figures and bench).

What happened over time (stock value of a past day, cost of goods issued, turnover, moves per day,
margin by channel) is read from the daily summaries the stock door and the sale posting keep
(``fours.parts.summaries``), never from the moves or sales of the period: a figure over N days reads at most
N days of summary rows, whatever the years of history. "The last N days" are the local days from the day
N days ago to today, both included. What is in stock now (value, classes, age, slow movers) is read from the
balances, one row per part.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, F, FilteredRelation, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from fours.core.models import Store
from fours.core.money import round_money
from fours.reports.choices import Metric
from fours.reports.models import DailySummary

from .choices import (
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
    PartsConfig,
    PurchaseDemand,
    PurchaseOrder,
    ReturnOrder,
    Sale,
    StockBalance,
)
from .services.catalog import config_for
from .summaries import DEPARTMENT

ZERO = Decimal("0")
M = Metric


def _ids(stores) -> list[int]:
    return [getattr(s, "pk", s) for s in stores]


def _day(value) -> dt.date:
    """A local day from a date or an aware moment."""
    return timezone.localdate(value) if isinstance(value, dt.datetime) else value


def _summaries(stores, metrics):
    return DailySummary.objects.filter(
        store__in=_ids(stores), department=DEPARTMENT, metric__in=list(metrics)
    )


def _stock_values(stores) -> dict[int, Decimal]:
    """store id → current stock value (net cost), from the balances: one grouped query."""
    rows = StockBalance.objects.filter(store__in=_ids(stores)).values("store").annotate(v=Sum("value"))
    out = {pk: ZERO for pk in _ids(stores)}
    out.update({r["store"]: round_money(r["v"] or 0) for r in rows.order_by()})
    return out


def stock_value(store) -> Decimal:
    """Current stock value (net cost), from the balances."""
    return round_money(StockBalance.objects.filter(store=store).aggregate(v=Sum("value"))["v"] or 0)


def stock_value_as_of(store, day, *, inclusive: bool = True) -> Decimal:
    """Stock value at the end of a past local day (a moment: its local day), or with ``inclusive=False``
    at its start: the current value less the value changes of the days after it (reads only those days)."""
    last = _day(day) if inclusive else _day(day) - timedelta(days=1)
    later = _summaries([store], [M.STOCK_VALUE_CHANGE]).filter(day__gt=last).aggregate(v=Sum("value"))["v"]
    return round_money(stock_value(store) - (later or 0))


def value_by_class(store) -> dict[str, Decimal]:
    """Stock value by the part's ABC class in the store (C when it has none): one grouped query."""
    rows = (
        StockBalance.objects.filter(store=store)
        .exclude(value=0)
        .annotate(
            _setting=FilteredRelation("part__settings", condition=Q(part__settings__store=F("store"))),
            cls=Coalesce(F("_setting__abc_class"), Value("C")),
        )
        .values("cls")
        .annotate(v=Sum("value"))
        .order_by()
    )
    out = {"A": ZERO, "B": ZERO, "C": ZERO}
    for r in rows:
        out[r["cls"] if r["cls"] in out else "C"] += r["v"] or ZERO
    return {k: round_money(v) for k, v in out.items()}


AGE_BUCKETS = [(0, 90, "0-3"), (90, 180, "3-6"), (180, 270, "6-9"), (270, 365, "9-12"), (365, None, "12+")]


def value_by_age(store) -> dict[str, Decimal]:
    """Stock value by months since the part last moved (库龄): one query, a sum per bucket."""
    now = timezone.now()
    sums = {}
    for lo, hi, label in AGE_BUCKETS:
        # days since the last move >= lo (and < hi): moved at or before now − lo (and after now − hi)
        cond = Q(last_move_at__lte=now - timedelta(days=lo))
        if hi is not None:
            cond &= Q(last_move_at__gt=now - timedelta(days=hi))
        else:
            cond |= Q(last_move_at__isnull=True)
        sums[label] = Sum("value", filter=cond)
    row = StockBalance.objects.filter(store=store, on_hand__gt=0).aggregate(**sums)
    return {label: round_money(row[label] or 0) for _a, _b, label in AGE_BUCKETS}


def cogs(store, days: int = 365, *, since=None) -> Decimal:
    """Cost of goods issued (sales and repair issues) over the last N days (or from the local day of
    ``since``) up to today."""
    first = _day(since) if since is not None else timezone.localdate() - timedelta(days=days)
    v = _summaries([store], [M.COGS]).filter(day__gte=first, day__lte=timezone.localdate())
    return round_money(v.aggregate(v=Sum("value"))["v"] or 0)


def _activity_starts(stores) -> dict[int, dt.date | None]:
    """store id → the local day its stock began to move: its first move that is not an opening balance
    (期初建账). An opening balance dated long ago says how old the stock is, not that the store was trading
    then. One query: for each store the first row of its moves per day in day order (an index walk)."""
    first = (
        DailySummary.objects.filter(store=OuterRef("pk"), department=DEPARTMENT, metric=M.STOCK_MOVES)
        .exclude(dimension=f"kind:{MoveKind.OPENING}")
        .order_by("day")
        .values("day")[:1]
    )
    rows = (
        Store.objects.filter(pk__in=_ids(stores)).annotate(start=Subquery(first)).values_list("pk", "start")
    )
    return dict(rows)


def activity_start(store) -> dt.date | None:
    """The local day the store's stock began to move (see ``_activity_starts``)."""
    return _activity_starts([store])[store.pk]


def _turnovers(stores, days: int = 365) -> dict[int, dict]:
    """store id → ``turnover`` of each store, in three queries for all of them."""
    today = timezone.localdate()
    starts = _activity_starts(stores)
    values = _stock_values(stores)
    since = {
        pk: max(today - timedelta(days=days), start) for pk, start in starts.items() if start is not None
    }
    sums: dict = defaultdict(lambda: ZERO)
    if since:
        window = Q(pk__in=[])
        for pk, first in since.items():
            window |= Q(store_id=pk, day__gte=first)
        rows = (
            _summaries(list(since), [M.COGS, M.STOCK_VALUE_CHANGE])
            .filter(window, day__lte=today)
            .values("store", "metric")
            .annotate(v=Sum("value"))
            .order_by()
        )
        for r in rows:
            sums[(r["store"], r["metric"])] = r["v"] or ZERO
    out = {}
    for pk in _ids(stores):
        current = values[pk]
        if pk not in since:
            out[pk] = {
                "cogs": ZERO,
                "avg_stock": current,
                "turnover": None,
                "months_of_supply": None,
                "days": 0,
            }
            continue
        period = max(1, (today - since[pk]).days)
        issued = round_money(sums[(pk, M.COGS)])
        annual = issued * Decimal(365) / Decimal(period)
        opening = round_money(current - sums[(pk, M.STOCK_VALUE_CHANGE)])
        avg = (current + opening) / 2
        rate = (annual / avg).quantize(Decimal("0.01")) if avg > 0 else None
        months = (current / (annual / 12)).quantize(Decimal("0.1")) if annual > 0 else None
        out[pk] = {
            "cogs": issued,
            "avg_stock": round_money(avg),
            "turnover": rate,
            "months_of_supply": months,
            "days": period,
        }
    return out


def turnover(store, days: int = 365) -> dict:
    """周转率 = annual cost of goods issued / average stock value; months of supply (库存月数) = stock /
    monthly cost of goods issued.

    The period is the last ``days`` days, or less when the store has moved stock for less time (from the
    day of its first move that is not an opening balance), in whole days from its first day to today; its
    cost of goods issued (first day and today included) is annualised (× 365 / period days). The average
    stock is the mean of the stock value at the start of the period (before its first day) and now."""
    return _turnovers([store], days)[store.pk]


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


def _fill_rate(n, ok) -> Decimal | None:
    return round_money(Decimal(ok) * 100 / n) if n else None


def _fill_counts(store, days: int):
    since = timezone.now() - timedelta(days=days)
    return FillRateRecord.objects.filter(store=store, at__gte=since)


def fill_rate(store, days: int = 30, channel: str | None = None) -> Decimal | None:
    """满足率: lines served in full from stock at first request / lines requested, in %."""
    qs = _fill_counts(store, days)
    if channel:
        qs = qs.filter(channel=channel)
    agg = qs.aggregate(n=Count("id"), ok=Count("id", filter=Q(qty_served__gte=F("qty_requested"))))
    return _fill_rate(agg["n"], agg["ok"])


def fill_rate_by_channel(store, days: int = 30) -> dict[str, Decimal | None]:
    """满足率 per channel, in one grouped query."""
    rows = (
        _fill_counts(store, days)
        .values("channel")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(qty_served__gte=F("qty_requested"))))
        .order_by()
    )
    got = {r["channel"]: _fill_rate(r["n"], r["ok"]) for r in rows}
    return {c.value: got.get(c.value) for c in Channel}


MARGIN_CHANNELS = (Channel.COUNTER, Channel.WHOLESALE)


def _margins(stores, days: int = 30) -> dict[int, dict]:
    """store id → ``margin_by_channel``, one grouped query for all the stores."""
    today = timezone.localdate()
    rows = (
        _summaries(stores, [M.PARTS_REVENUE, M.PARTS_COST])
        .filter(day__gte=today - timedelta(days=days), day__lte=today)
        .values("store", "metric", "dimension")
        .annotate(v=Sum("value"))
        .order_by()
    )
    sums: dict = defaultdict(lambda: ZERO)
    for r in rows:
        sums[(r["store"], r["metric"], r["dimension"])] = r["v"] or ZERO
    out = {}
    for pk in _ids(stores):
        out[pk] = {}
        for ch in MARGIN_CHANNELS:
            net = sums[(pk, M.PARTS_REVENUE, f"channel:{ch}")]
            cost = sums[(pk, M.PARTS_COST, f"channel:{ch}")]
            out[pk][ch.value] = {
                "label": str(ch.label),
                "net": round_money(net),
                "cost": round_money(cost),
                "margin": round_money(net - cost),
                "pct": round_money((net - cost) * 100 / net) if net else None,
            }
    return out


def margin_by_channel(store, days: int = 30) -> dict[str, dict]:
    """毛利 by channel over the last N days: net sales, cost and gross margin % of the sales issued
    (counter and wholesale; repair orders add theirs)."""
    return _margins([store], days)[store.pk]


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
    """Today's counter sales issued: how many, and their amount tax included (what the desk took). One
    query on today's range of the sales' (store, channel, posted_at) index: it reads today's sales only."""
    tz = timezone.get_current_timezone()
    first = dt.datetime.combine(timezone.localdate(), dt.time.min, tzinfo=tz)
    agg = Sale.objects.filter(
        store=store,
        channel=Channel.COUNTER,
        posted_at__gte=first,
        posted_at__lt=first + timedelta(days=1),
        status=SaleStatus.POSTED,
    ).aggregate(n=Count("id"), total=Sum("total"))
    return {"count": agg["n"], "total": round_money(agg["total"] or 0)}


def daily_moves(store, days: int = 30) -> list[dict]:
    """Inbound and outbound value per day of the last N days (for the dashboard chart), reversals left
    out: the days on which something other than a reversal moved."""
    today = timezone.localdate()
    rows = (
        _summaries([store], [M.STOCK_IN_VALUE, M.STOCK_OUT_VALUE, M.STOCK_MOVES])
        .filter(day__gte=today - timedelta(days=days), day__lte=today)
        .exclude(dimension=f"kind:{MoveKind.REVERSAL}")
        .values("day", "metric")
        .annotate(v=Sum("value"))
        .order_by()
    )
    by_day: dict = {}
    for r in rows:
        d = by_day.setdefault(r["day"], {"in": ZERO, "out": ZERO})
        if r["metric"] == M.STOCK_IN_VALUE:
            d["in"] += r["v"] or ZERO
        elif r["metric"] == M.STOCK_OUT_VALUE:
            d["out"] += r["v"] or ZERO
    return [
        {"day": day.isoformat(), "in": str(round_money(v["in"])), "out": str(round_money(v["out"]))}
        for day, v in sorted(by_day.items())
    ]


def _fill_rates(stores, days: int = 30) -> dict[int, Decimal | None]:
    """store id → ``fill_rate`` over all channels, one grouped query."""
    since = timezone.now() - timedelta(days=days)
    rows = (
        FillRateRecord.objects.filter(store__in=_ids(stores), at__gte=since)
        .values("store")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(qty_served__gte=F("qty_requested"))))
        .order_by()
    )
    out: dict = {pk: None for pk in _ids(stores)}
    for r in rows:
        if r["n"]:
            out[r["store"]] = round_money(Decimal(r["ok"]) * 100 / r["n"])
    return out


def _dead_values(stores) -> dict[int, Decimal]:
    """store id → value of the stock with no movement for the store's dead-stock months (``slow_moving``'s
    dead), two queries for all the stores."""
    configs = {c.store_id: c for c in PartsConfig.objects.filter(store__in=_ids(stores))}
    now = timezone.now()
    dead = Q(pk__in=[])
    for pk in _ids(stores):
        months = (configs.get(pk) or PartsConfig()).dead_months
        dead |= Q(store_id=pk) & (
            Q(last_move_at__lt=now - timedelta(days=30 * months)) | Q(last_move_at__isnull=True)
        )
    rows = (
        StockBalance.objects.filter(dead, store__in=_ids(stores), on_hand__gt=0)
        .values("store")
        .annotate(v=Sum("value"))
        .order_by()
    )
    out = {pk: ZERO for pk in _ids(stores)}
    out.update({r["store"]: round_money(r["v"] or 0) for r in rows})
    return out


def store_comparison(stores) -> list[dict]:
    """Group view: the main figures side by side for each store, in a fixed number of queries whatever the
    number of stores and the years of history."""
    stores = list(stores)
    turnovers, values = _turnovers(stores), _stock_values(stores)
    fills, dead, margins = _fill_rates(stores), _dead_values(stores), _margins(stores)
    return [
        {
            "store": s,
            "value": values[s.pk],
            "turnover": turnovers[s.pk]["turnover"],
            "months": turnovers[s.pk]["months_of_supply"],
            "fill_rate": fills[s.pk],
            "dead": dead[s.pk],
            "margin": margins[s.pk],
        }
        for s in stores
    ]
