"""The daily summaries of the after-sales department (售后), kept by the posting services and recomputed
from the documents for ``manage.py rebuild_summaries`` (``fours.core.registry.summary_builders``).

What each posting adds with ``reports.summary_add`` (department service; day = the local date of the field
named; the same definitions ``summaries_from_documents`` recomputes):

  RO_COUNT / RO_FROM_APPOINTMENT  RepairOrder not cancelled (from an appointment), received_at, advisor,
                    "", 1 (接车 adds, 取消 takes back on the day it was received)
  SERVICE_OUTPUT    Settlement (结算单; a reversal's amounts are negative), at, the order's advisor,
                    "payer:<customer|warranty|insurance|internal>", that payer's amount (they sum to total)
  LABOUR_REVENUE / SERVICE_PARTS / SERVICE_DISCOUNT  the same settlement, at, advisor, "", labour_total /
                    parts_total / discount_total
  RO_SETTLED        RepairOrder settled (settled_at set), settled_at, advisor, "appt" (from an appointment)
                    or "", 1 (结算 adds, 反结算 takes back on the day of the settled_at it clears)
  RO_REWORKED       the same orders with rework_count > 0, settled_at, advisor, "", 1
  HOURS_SOLD / HOURS_ACTUAL / JOBS  LabourLine not cancelled of a settled order, the order's settled_at,
                    technician (none for a team line), "", hours / actual_hours / 1 (added and taken back
                    with RO_SETTLED: the lines of a settled order do not change)
  REWORKS           Rework (QC sends a job back), at, technician, "", 1
  RO_DELIVERED / RO_PROMISED / RO_ON_TIME  RepairOrder delivered (交车), delivered_at, advisor, "", 1 (with a
                    promised time / delivered at or before it)
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from fours.reports.choices import Metric
from fours.reports.models import DailySummary
from fours.reports.rebuilding import local_day, summary_rows, within_days
from fours.reports.services import summary_add

from .choices import LabourStatus, Payer, ROStatus
from .models import LabourLine, RepairOrder, Rework, Settlement

M = Metric
ZERO = Decimal("0")
DEPARTMENT = "service"
APPT = "appt"
PAYER_AMOUNTS = {
    Payer.CUSTOMER: "customer_amount",
    Payer.WARRANTY: "warranty_amount",
    Payer.INSURANCE: "insurance_amount",
    Payer.INTERNAL: "internal_amount",
}

METRICS = [
    M.RO_COUNT,
    M.RO_FROM_APPOINTMENT,
    M.SERVICE_OUTPUT,
    M.LABOUR_REVENUE,
    M.SERVICE_PARTS,
    M.SERVICE_DISCOUNT,
    M.RO_SETTLED,
    M.RO_REWORKED,
    M.HOURS_SOLD,
    M.HOURS_ACTUAL,
    M.JOBS,
    M.REWORKS,
    M.RO_DELIVERED,
    M.RO_PROMISED,
    M.RO_ON_TIME,
]


def payer_dim(payer: str) -> str:
    return f"payer:{payer}"


# --- what the posting services add, in their transaction ------------------------------------------------


def _add(store, metric, value, when, person=None, dimension: str = "") -> None:
    summary_add(
        store=store,
        metric=metric,
        value=value,
        day=timezone.localdate(when),
        department=DEPARTMENT,
        person=person,
        dimension=dimension,
    )


def _user(pk):
    return get_user_model()(pk=pk) if pk else None


def add_received(ro, sign: int = 1) -> None:
    """接车 (+1) or 取消 (−1): the order counted on the day it was received."""
    advisor = _user(ro.advisor_id)
    _add(ro.store, M.RO_COUNT, sign, ro.received_at, advisor)
    if ro.appointment_id:
        _add(ro.store, M.RO_FROM_APPOINTMENT, sign, ro.received_at, advisor)


def add_settlement(st) -> None:
    """A 结算单 or its reversal (negative amounts): the output of the day it was posted."""
    advisor = _user(st.ro.advisor_id)
    for payer, field in PAYER_AMOUNTS.items():
        _add(st.store, M.SERVICE_OUTPUT, getattr(st, field), st.at, advisor, payer_dim(payer))
    _add(st.store, M.LABOUR_REVENUE, st.labour_total, st.at, advisor)
    _add(st.store, M.SERVICE_PARTS, st.parts_total, st.at, advisor)
    _add(st.store, M.SERVICE_DISCOUNT, st.discount_total, st.at, advisor)


def add_settled(ro, settled_at, sign: int = 1) -> None:
    """结算 (+1) or 反结算 (−1, with the settled_at it clears): the order, its hours and jobs on that day."""
    advisor = _user(ro.advisor_id)
    _add(ro.store, M.RO_SETTLED, sign, settled_at, advisor, APPT if ro.appointment_id else "")
    if ro.rework_count:
        _add(ro.store, M.RO_REWORKED, sign, settled_at, advisor)
    rows = (
        LabourLine.objects.filter(ro=ro)
        .exclude(status=LabourStatus.CANCELLED)
        .values("technician_id")
        .annotate(h=Sum("hours"), a=Sum("actual_hours"), n=Count("id"))
        .order_by("technician_id")
    )
    for r in rows:
        tech = _user(r["technician_id"])
        _add(ro.store, M.HOURS_SOLD, sign * (r["h"] or ZERO), settled_at, tech)
        _add(ro.store, M.HOURS_ACTUAL, sign * (r["a"] or ZERO), settled_at, tech)
        _add(ro.store, M.JOBS, sign * r["n"], settled_at, tech)


def add_delivered(ro) -> None:
    """交车: delivered, with a promised time, on time."""
    advisor = _user(ro.advisor_id)
    _add(ro.store, M.RO_DELIVERED, 1, ro.delivered_at, advisor)
    if ro.promised_at is not None:
        _add(ro.store, M.RO_PROMISED, 1, ro.delivered_at, advisor)
        if ro.delivered_at <= ro.promised_at:
            _add(ro.store, M.RO_ON_TIME, 1, ro.delivered_at, advisor)


def add_rework(rework) -> None:
    """返工: a job sent back to its technician."""
    _add(rework.store, M.REWORKS, 1, rework.at, _user(rework.technician_id))


# --- the same figures recomputed from the documents ------------------------------------------------------


def summaries_from_documents(store, start: dt.date | None = None, end: dt.date | None = None) -> dict:
    """(day, metric, person_id, dimension) → value of the store's service summaries as the documents give
    them (the table above), between two local days (both included; None = all)."""
    out: dict = defaultdict(lambda: ZERO)

    def add(day, metric, person, value, dim=""):
        if value:
            out[(day, metric, person, dim)] += Decimal(value)

    ros = RepairOrder.objects.filter(store=store)
    has_appt = Q(appointment__isnull=False)
    for r in (
        within_days(ros.exclude(status=ROStatus.CANCELLED), "received_at", start, end)
        .values(day=local_day("received_at"), p=F("advisor_id"))
        .annotate(n=Count("id"), a=Count("id", filter=has_appt))
        .order_by()
    ):
        add(r["day"], M.RO_COUNT, r["p"], r["n"])
        add(r["day"], M.RO_FROM_APPOINTMENT, r["p"], r["a"])
    sums = {f: Sum(f) for f in PAYER_AMOUNTS.values()}
    for r in (
        within_days(Settlement.objects.filter(store=store), "at", start, end)
        .values(day=local_day("at"), p=F("ro__advisor_id"))
        .annotate(
            labour=Sum("labour_total"), parts=Sum("parts_total"), discount=Sum("discount_total"), **sums
        )
        .order_by()
    ):
        for payer, field in PAYER_AMOUNTS.items():
            add(r["day"], M.SERVICE_OUTPUT, r["p"], r[field], payer_dim(payer))
        add(r["day"], M.LABOUR_REVENUE, r["p"], r["labour"])
        add(r["day"], M.SERVICE_PARTS, r["p"], r["parts"])
        add(r["day"], M.SERVICE_DISCOUNT, r["p"], r["discount"])
    for r in (
        within_days(ros.filter(settled_at__isnull=False), "settled_at", start, end)
        .values(day=local_day("settled_at"), p=F("advisor_id"))
        .annotate(n=Count("id"), a=Count("id", filter=has_appt), rw=Count("id", filter=Q(rework_count__gt=0)))
        .order_by()
    ):
        add(r["day"], M.RO_SETTLED, r["p"], r["a"], APPT)
        add(r["day"], M.RO_SETTLED, r["p"], r["n"] - r["a"])
        add(r["day"], M.RO_REWORKED, r["p"], r["rw"])
    for r in (
        within_days(
            LabourLine.objects.filter(ro__store=store, ro__settled_at__isnull=False).exclude(
                status=LabourStatus.CANCELLED
            ),
            "ro__settled_at",
            start,
            end,
        )
        .values(day=local_day("ro__settled_at"), p=F("technician_id"))
        .annotate(h=Sum("hours"), a=Sum("actual_hours"), n=Count("id"))
        .order_by()
    ):
        add(r["day"], M.HOURS_SOLD, r["p"], r["h"])
        add(r["day"], M.HOURS_ACTUAL, r["p"], r["a"])
        add(r["day"], M.JOBS, r["p"], r["n"])
    for r in (
        within_days(Rework.objects.filter(store=store), "at", start, end)
        .values(day=local_day("at"), p=F("technician_id"))
        .annotate(n=Count("id"))
        .order_by()
    ):
        add(r["day"], M.REWORKS, r["p"], r["n"])
    for r in (
        within_days(ros.filter(delivered_at__isnull=False), "delivered_at", start, end)
        .values(day=local_day("delivered_at"), p=F("advisor_id"))
        .annotate(
            n=Count("id"),
            promised=Count("id", filter=Q(promised_at__isnull=False)),
            on_time=Count("id", filter=Q(delivered_at__lte=F("promised_at"))),
        )
        .order_by()
    ):
        add(r["day"], M.RO_DELIVERED, r["p"], r["n"])
        add(r["day"], M.RO_PROMISED, r["p"], r["promised"])
        add(r["day"], M.RO_ON_TIME, r["p"], r["on_time"])
    return {k: v for k, v in out.items() if v}


def rebuild(store, since: dt.date | None = None, until: dt.date | None = None) -> list[DailySummary]:
    """The store's service summary rows (unsaved) between two local days, both included (None: all)."""
    return summary_rows(store, DEPARTMENT, summaries_from_documents(store, since, until))
