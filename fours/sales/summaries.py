"""The daily summaries of the sales desk recomputed from its documents, for ``manage.py rebuild_summaries``
(``fours.core.registry.summary_builders``). What each posting service adds with ``reports.summary_add``
(department sales; person = the consultant measured; day = the local date of the field named):

  TRAFFIC / CALLS   Visit walk_in / call, arrived_at, consultant, "", 1
  LEADS             Lead created_at, owner, "model:<intended model>" or "", 1
  FOLLOW_UPS        FollowUp at, actor, "", 1
  DEFEATS           Lead DEFEATED, defeat_decided_at, owner, "reason:<code>", 1
  TEST_DRIVES       TestDrive DONE, finished_at, consultant, "model:<the demo car's model>", 1
  ORDERS            order ordered_at, consultant, "model:<configuration's model>", 1
  CANCELLATIONS     order CANCELLED after ORDERED, cancelled_at, consultant, "", 1
  DELIVERIES / VEHICLE_REVENUE (total) / GROSS_PROFIT (gross_profit)  order DELIVERED, delivered_at,
                    consultant, "model:<id>"; ACCESSORY_REVENUE (accessories_amount) the same, ""
  LOANS             LoanApplication DISBURSED, disbursed_at, the order's consultant, "", 1
  POLICIES          Policy created_at, the order's consultant (else the specialist), "", 1
  FI_COMMISSION     the loan's commission at disbursed_at and the policy's at created_at, person as above
  ARRIVALS          StockVehicle arrived_on, no person, "model:<id>", 1
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce

from fours.reports.choices import Metric
from fours.reports.models import DailySummary
from fours.reports.rebuilding import local_day, summary_rows, within_days

from .choices import DriveStatus, LeadStatus, LoanStatus, OrderStatus, VisitKind
from .models import FollowUp, Lead, LoanApplication, Policy, StockVehicle, TestDrive, VehicleOrder, Visit

M = Metric
ZERO = Decimal("0")
DEPARTMENT = "sales"


def summaries_from_documents(store, start: dt.date | None = None, end: dt.date | None = None) -> dict:
    """(day, metric, person_id, dimension) → value of the store's sales summaries as the documents give
    them (see the table in the reports app), between two local days (both included; None = all)."""
    out: dict = defaultdict(lambda: ZERO)

    def add(rows, metric, person="p", dim=lambda r: "", value="n"):
        for r in rows:
            v = r[value] if value else 1
            if v:
                out[(r["day"], metric, r[person] if person else None, dim(r))] += Decimal(v)

    def model_dim(r):
        return f"model:{r['model']}" if r.get("model") else ""

    visits = within_days(Visit.objects.filter(store=store), "arrived_at", start, end)
    for kind, metric in ((VisitKind.WALK_IN, M.TRAFFIC), (VisitKind.CALL, M.CALLS)):
        add(
            visits.filter(kind=kind)
            .values(day=local_day("arrived_at"), p=F("consultant_id"))
            .annotate(n=Count("id"))
            .order_by(),
            metric,
        )
    add(
        within_days(Lead.objects.filter(store=store), "created_at", start, end)
        .values(day=local_day("created_at"), p=F("owner_id"), model=F("intended_model_id"))
        .annotate(n=Count("id"))
        .order_by(),
        M.LEADS,
        dim=model_dim,
    )
    add(
        within_days(FollowUp.objects.filter(store=store), "at", start, end)
        .values(day=local_day("at"), p=F("actor_id"))
        .annotate(n=Count("id"))
        .order_by(),
        M.FOLLOW_UPS,
    )
    add(
        within_days(
            Lead.objects.filter(store=store, status=LeadStatus.DEFEATED, defeat_decided_at__isnull=False),
            "defeat_decided_at",
            start,
            end,
        )
        .values(day=local_day("defeat_decided_at"), p=F("owner_id"), reason=F("defeat_reason"))
        .annotate(n=Count("id"))
        .order_by(),
        M.DEFEATS,
        dim=lambda r: f"reason:{r['reason']}",
    )
    add(
        within_days(
            TestDrive.objects.filter(store=store, status=DriveStatus.DONE, finished_at__isnull=False),
            "finished_at",
            start,
            end,
        )
        .values(
            day=local_day("finished_at"), p=F("consultant_id"), model=F("vehicle__configuration__model_id")
        )
        .annotate(n=Count("id"))
        .order_by(),
        M.TEST_DRIVES,
        dim=model_dim,
    )
    orders = VehicleOrder.objects.filter(store=store)
    add(
        within_days(orders.filter(ordered_at__isnull=False), "ordered_at", start, end)
        .values(day=local_day("ordered_at"), p=F("consultant_id"), model=F("configuration__model_id"))
        .annotate(n=Count("id"))
        .order_by(),
        M.ORDERS,
        dim=model_dim,
    )
    add(
        within_days(
            orders.filter(status=OrderStatus.CANCELLED, ordered_at__isnull=False, cancelled_at__isnull=False),
            "cancelled_at",
            start,
            end,
        )
        .values(day=local_day("cancelled_at"), p=F("consultant_id"))
        .annotate(n=Count("id"))
        .order_by(),
        M.CANCELLATIONS,
    )
    delivered = (
        within_days(
            orders.filter(status=OrderStatus.DELIVERED, delivered_at__isnull=False),
            "delivered_at",
            start,
            end,
        )
        .values(day=local_day("delivered_at"), p=F("consultant_id"), model=F("configuration__model_id"))
        .annotate(n=Count("id"), revenue=Sum("total"), gp=Sum("gross_profit"), acc=Sum("accessories_amount"))
        .order_by()
    )
    delivered = list(delivered)
    add(delivered, M.DELIVERIES, dim=model_dim)
    add(delivered, M.VEHICLE_REVENUE, dim=model_dim, value="revenue")
    add(delivered, M.GROSS_PROFIT, dim=model_dim, value="gp")
    add(delivered, M.ACCESSORY_REVENUE, value="acc")
    loans = list(
        within_days(
            LoanApplication.objects.filter(
                store=store, status=LoanStatus.DISBURSED, disbursed_at__isnull=False
            ),
            "disbursed_at",
            start,
            end,
        )
        .values(day=local_day("disbursed_at"), p=F("order__consultant_id"))
        .annotate(n=Count("id"), c=Sum("commission"))
        .order_by()
    )
    add(loans, M.LOANS)
    add(loans, M.FI_COMMISSION, value="c")
    policies = list(
        within_days(Policy.objects.filter(store=store), "created_at", start, end)
        .values(day=local_day("created_at"), p=Coalesce("order__consultant_id", "specialist_id"))
        .annotate(n=Count("id"), c=Sum("commission"))
        .order_by()
    )
    add(policies, M.POLICIES)
    add(policies, M.FI_COMMISSION, value="c")
    arrivals = StockVehicle.objects.filter(store=store, arrived_on__isnull=False)
    if start:
        arrivals = arrivals.filter(arrived_on__gte=start)
    if end:
        arrivals = arrivals.filter(arrived_on__lte=end)
    add(
        arrivals.values(day=F("arrived_on"), model=F("configuration__model_id"))
        .annotate(n=Count("id"))
        .order_by(),
        M.ARRIVALS,
        person=None,
        dim=model_dim,
    )
    return {k: v for k, v in out.items() if v}


METRICS = [
    M.TRAFFIC,
    M.CALLS,
    M.LEADS,
    M.FOLLOW_UPS,
    M.DEFEATS,
    M.TEST_DRIVES,
    M.ORDERS,
    M.CANCELLATIONS,
    M.DELIVERIES,
    M.VEHICLE_REVENUE,
    M.GROSS_PROFIT,
    M.ACCESSORY_REVENUE,
    M.LOANS,
    M.POLICIES,
    M.FI_COMMISSION,
    M.ARRIVALS,
]


def rebuild(store, since: dt.date | None = None, until: dt.date | None = None) -> list[DailySummary]:
    """The store's sales summary rows (unsaved) between two local days, both included (None: all)."""
    return summary_rows(store, DEPARTMENT, summaries_from_documents(store, since, until))
