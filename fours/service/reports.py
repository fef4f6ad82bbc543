"""Service KPIs (产值, on-time delivery, rework rate, appointment rate…) for the dashboard and home page.

Every figure of a period reads the daily summaries the posting services keep (``fours.service.summaries``
lists what each posting adds), through ``fours.reports.selectors``: a period is at most a row per day and
figure, whatever the years of orders behind it. Periods are local days, both included. Only the live
counts of the workshop (``ro_counts``) read the orders, bounded to the open statuses and today."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from fours.reports import selectors as sums
from fours.reports.choices import Metric as M

from .choices import ROStatus
from .models import RepairOrder
from .summaries import APPT, DEPARTMENT

ZERO = Decimal("0")
OPEN_STATUSES = [
    ROStatus.RECEIVED,
    ROStatus.AWAITING_APPROVAL,
    ROStatus.IN_PROGRESS,
    ROStatus.AWAITING_QC,
    ROStatus.REWORK,
    ROStatus.AWAITING_SETTLEMENT,
]
OUTPUT = [M.LABOUR_REVENUE, M.SERVICE_PARTS, M.SERVICE_DISCOUNT, M.SERVICE_OUTPUT, M.RO_SETTLED]
ADVISOR = [M.RO_SETTLED, M.SERVICE_OUTPUT]
TECHNICIAN = [M.HOURS_SOLD, M.HOURS_ACTUAL, M.JOBS, M.REWORKS]
STORE = [
    *OUTPUT,
    M.HOURS_SOLD,
    M.RO_REWORKED,
    M.RO_PROMISED,
    M.RO_ON_TIME,
    M.RO_COUNT,
    M.RO_FROM_APPOINTMENT,
]


def period(days: int = 30) -> tuple[dt.date, dt.date]:
    """The last ``days`` local days, today included."""
    end = timezone.localdate()
    return end - dt.timedelta(days=days - 1), end


def _totals(user, store, start, end, metrics) -> dict:
    return sums.totals(user, store, start, end, department=DEPARTMENT, metrics=metrics)


def _output_of(t) -> dict:
    return {
        "labour": t[M.LABOUR_REVENUE],
        "parts": t[M.SERVICE_PARTS],
        "discount": t[M.SERVICE_DISCOUNT],
        "total": t[M.SERVICE_OUTPUT],
        "n": int(t[M.RO_SETTLED]),
    }


def output(user, store, start, end) -> dict:
    """产值: labour + parts revenue settled in the period (reversals net out), and the orders settled."""
    return _output_of(_totals(user, store, start, end, OUTPUT))


def today_output(user, store) -> dict:
    today = timezone.localdate()
    return output(user, store, today, today)


def hours_sold(user, store, start, end) -> Decimal:
    return _totals(user, store, start, end, [M.HOURS_SOLD])[M.HOURS_SOLD]


def ro_counts(store) -> dict:
    """The workshop now: open orders, in progress, late, and received today. Reads the open orders only
    (the (store, status) index) and today's receptions (the received_at index), never the delivered ones."""
    now = timezone.now()
    counts = RepairOrder.objects.filter(store=store, status__in=OPEN_STATUSES).aggregate(
        open=Count("id"),
        in_progress=Count("id", filter=Q(status__in=[ROStatus.IN_PROGRESS, ROStatus.REWORK])),
        late=Count("id", filter=Q(promised_at__lt=now)),
    )
    t0 = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
    counts["received_today"] = RepairOrder.objects.filter(
        store=store, received_at__gte=t0, received_at__lt=t0 + dt.timedelta(days=1)
    ).count()
    return counts


def _pct(a, b):
    return None if not b else round(Decimal(a) * 100 / Decimal(b), 1)


def _on_time(t):
    return _pct(t[M.RO_ON_TIME], t[M.RO_PROMISED])


def _rework(t):
    return _pct(t[M.RO_REWORKED], t[M.RO_SETTLED])


def _appointments(t):
    return _pct(t[M.RO_FROM_APPOINTMENT], t[M.RO_COUNT])


def on_time_rate(user, store, start, end):
    """准时交车率: delivered at or before the promised time / delivered with a promised time."""
    return _on_time(_totals(user, store, start, end, [M.RO_ON_TIME, M.RO_PROMISED]))


def rework_rate(user, store, start, end):
    """返工率: orders settled in the period that QC sent back at least once / orders settled."""
    return _rework(_totals(user, store, start, end, [M.RO_REWORKED, M.RO_SETTLED]))


def appointment_rate(user, store, start, end):
    """预约率: orders that came from an appointment / all orders received in the period (not cancelled)."""
    return _appointments(_totals(user, store, start, end, [M.RO_FROM_APPOINTMENT, M.RO_COUNT]))


def _by_person(user, store, start, end, metrics) -> tuple[dict, dict]:
    """((person id, metric, dimension) → sum, person id → name) in one grouped query."""
    rows = (
        sums.summaries(user, store, start, end, department=DEPARTMENT, metrics=metrics)
        .filter(person__isnull=False)
        .values("person", "person__first_name", "person__username", "metric", "dimension")
        .annotate(v=Sum("value"))
        .order_by()
    )
    out: dict = defaultdict(lambda: ZERO)
    names: dict = {}
    for r in rows:
        out[(r["person"], r["metric"], r["dimension"])] += r["v"] or ZERO
        names[r["person"]] = r["person__first_name"] or r["person__username"]
    return out, names


def _sum(by, pid, metric) -> Decimal:
    return sum((v for (p, m, _d), v in by.items() if p == pid and m == metric), ZERO)


def _advisors(by, names) -> list[dict]:
    rows = []
    for pid, name in names.items():
        n, total = _sum(by, pid, M.RO_SETTLED), _sum(by, pid, M.SERVICE_OUTPUT)
        if n or total:
            rows.append(
                {"name": name, "n": int(n), "appts": int(by[(pid, M.RO_SETTLED, APPT)]), "total": total}
            )
    return sorted(rows, key=lambda r: (-r["total"], r["name"]))


def _technicians(by, names) -> list[dict]:
    rows = []
    for pid, name in names.items():
        jobs = _sum(by, pid, M.JOBS)
        if not jobs:
            continue
        sold, actual = _sum(by, pid, M.HOURS_SOLD), _sum(by, pid, M.HOURS_ACTUAL)
        rows.append(
            {
                "name": name,
                "sold": sold,
                "actual": actual,
                "jobs": int(jobs),
                "reworks": int(_sum(by, pid, M.REWORKS)),
                "efficiency": _pct(sold, actual),
            }
        )
    return sorted(rows, key=lambda r: (-r["sold"], r["name"]))


def per_advisor(user, store, start, end) -> list[dict]:
    """Each advisor's orders settled (of them from an appointment) and output in the period."""
    return _advisors(*_by_person(user, store, start, end, ADVISOR))


def per_technician(user, store, start, end) -> list[dict]:
    """Each technician's jobs, hours sold and clocked on the orders settled in the period, and reworks."""
    return _technicians(*_by_person(user, store, start, end, TECHNICIAN))


def _chart(by_day, start, days) -> list[dict]:
    out = []
    for i in range(days):
        day = start + dt.timedelta(days=i)
        out.append(
            {
                "day": day.isoformat(),
                "labour": str(by_day.get((day, M.LABOUR_REVENUE), 0)),
                "parts": str(by_day.get((day, M.SERVICE_PARTS), 0)),
            }
        )
    return out


def daily_output(user, store, days: int = 30) -> list[dict]:
    """Labour and parts settled on each of the last ``days`` days (for the chart)."""
    start, end = period(days)
    by_day = sums.totals_by(
        user, store, start, end, "day", department=DEPARTMENT, metrics=[M.LABOUR_REVENUE, M.SERVICE_PARTS]
    )
    return _chart(by_day, start, days)


def dashboard(user, store, days: int = 30) -> dict:
    """Every figure of the service dashboard in four queries: the period's summaries by day (today's and
    the period's totals and the chart), by person (advisors and technicians), and the live counts."""
    start, today = period(days)
    by_day = sums.totals_by(user, store, start, today, "day", department=DEPARTMENT, metrics=STORE)
    period_t: dict = defaultdict(lambda: ZERO)
    today_t: dict = defaultdict(lambda: ZERO)
    for (day, metric), v in by_day.items():
        period_t[metric] += v
        if day == today:
            today_t[metric] += v
    by, names = _by_person(user, store, start, today, [*ADVISOR, *TECHNICIAN])
    return {
        "today": _output_of(today_t),
        "counts": ro_counts(store),
        "hours_today": today_t[M.HOURS_SOLD],
        "hours_30": period_t[M.HOURS_SOLD],
        "on_time": _on_time(period_t),
        "rework": _rework(period_t),
        "appt_rate": _appointments(period_t),
        "advisors": _advisors(by, names),
        "technicians": _technicians(by, names),
        "chart": _chart(by_day, start, days),
    }
