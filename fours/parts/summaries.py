"""The daily summaries of the parts department recomputed from its documents, for ``manage.py
rebuild_summaries`` (``fours.core.registry.summary_builders``). What each posting adds with
``reports.summary_add`` (department parts; day = the local date of the field named):

  Every stock posting (the stock door, ``StockPosting.write``: receipts, counter and wholesale issues,
  repair-order issues and returns, customer and supplier returns, transfers, stocktake adjustments,
  write-offs, staff charges, reversals, opening balances), the moves' ``at``, no person:
  STOCK_VALUE_CHANGE  "", the sum of the moves' value (signed; the stock value of a past day is the
                      current value less the changes of the days after it)
  STOCK_IN_VALUE      "", the value of the moves into stock (qty > 0), reversals left out
  STOCK_OUT_VALUE     "", minus the value of the moves out of stock (qty < 0), reversals left out
  COGS                "", minus the value of the moves of a usage kind (USAGE_KINDS: counter sale,
                      wholesale, repair-order issue): the cost of goods issued
  STOCK_MOVES         "kind:<MoveKind>", the number of moves of that kind

  A counter or wholesale sale issued (``sale_issue``, status POSTED), its ``posted_at``, the person who
  billed it (created_by), "channel:<Channel>":
  PARTS_REVENUE       net_total (不含税)
  PARTS_COST          cost_total (the average cost the lines left stock at)
  PARTS_SALES         1
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from fours.reports.choices import Metric
from fours.reports.models import DailySummary
from fours.reports.rebuilding import local_day, summary_rows, within_days

from .choices import USAGE_KINDS, MoveKind, SaleStatus
from .models import Sale, StockMove

M = Metric
ZERO = Decimal("0")
DEPARTMENT = "parts"

METRICS = [
    M.STOCK_VALUE_CHANGE,
    M.STOCK_IN_VALUE,
    M.STOCK_OUT_VALUE,
    M.COGS,
    M.STOCK_MOVES,
    M.PARTS_REVENUE,
    M.PARTS_COST,
    M.PARTS_SALES,
]


def move_figures(moves) -> dict[tuple[str, str], Decimal]:
    """(metric, dimension) → value that a set of moves adds (the table above), zeros left out: what the
    stock door adds for one posting, written once per figure."""
    out: dict = defaultdict(lambda: ZERO)
    for m in moves:
        out[(M.STOCK_VALUE_CHANGE, "")] += m.value
        if m.kind != MoveKind.REVERSAL:
            if m.qty > 0:
                out[(M.STOCK_IN_VALUE, "")] += m.value
            elif m.qty < 0:
                out[(M.STOCK_OUT_VALUE, "")] -= m.value
        if m.kind in USAGE_KINDS:
            out[(M.COGS, "")] -= m.value
        out[(M.STOCK_MOVES, f"kind:{m.kind}")] += 1
    return {k: v for k, v in out.items() if v}


def summaries_from_documents(store, start: dt.date | None = None, end: dt.date | None = None) -> dict:
    """(day, metric, person_id, dimension) → value of the store's parts summaries as the moves and sales
    give them, between two local days (both included; None = all)."""
    out: dict = defaultdict(lambda: ZERO)
    not_reversal = ~Q(kind=MoveKind.REVERSAL)
    moves = (
        within_days(StockMove.objects.filter(store=store), "at", start, end)
        .values(day=local_day("at"), k=F("kind"))
        .annotate(
            n=Count("id"),
            change=Sum("value"),
            inbound=Sum("value", filter=Q(qty__gt=0) & not_reversal),
            outbound=Sum("value", filter=Q(qty__lt=0) & not_reversal),
        )
        .order_by()
    )
    for r in moves:
        day = r["day"]
        out[(day, M.STOCK_VALUE_CHANGE, None, "")] += r["change"] or ZERO
        out[(day, M.STOCK_IN_VALUE, None, "")] += r["inbound"] or ZERO
        out[(day, M.STOCK_OUT_VALUE, None, "")] -= r["outbound"] or ZERO
        if r["k"] in USAGE_KINDS:
            out[(day, M.COGS, None, "")] -= r["change"] or ZERO
        out[(day, M.STOCK_MOVES, None, f"kind:{r['k']}")] += r["n"]
    sales = (
        within_days(
            Sale.objects.filter(store=store, status=SaleStatus.POSTED, posted_at__isnull=False),
            "posted_at",
            start,
            end,
        )
        .values(day=local_day("posted_at"), p=F("created_by_id"), ch=F("channel"))
        .annotate(n=Count("id"), net=Sum("net_total"), cost=Sum("cost_total"))
        .order_by()
    )
    for r in sales:
        dim = f"channel:{r['ch']}"
        out[(r["day"], M.PARTS_REVENUE, r["p"], dim)] += r["net"] or ZERO
        out[(r["day"], M.PARTS_COST, r["p"], dim)] += r["cost"] or ZERO
        out[(r["day"], M.PARTS_SALES, r["p"], dim)] += r["n"]
    return {k: v for k, v in out.items() if v}


def rebuild(store, since: dt.date | None = None, until: dt.date | None = None) -> list[DailySummary]:
    """The store's parts summary rows (unsaved) between two local days, both included (None: all)."""
    return summary_rows(store, DEPARTMENT, summaries_from_documents(store, since, until))
