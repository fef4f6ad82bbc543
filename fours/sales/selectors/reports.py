"""Reads of the sales reports: the dashboard (销售看板), the sales manager's daily report to the GM (销售日报),
the monthly sales analysis (月度销售分析), consultant statistics (顾问统计), defeats (战败分析) and stock with
its days of supply and age (库存分析), each against its target.

Figures of a period come from the daily summaries (``reports.DailySummary``) the posting services keep,
in a fixed number of grouped queries whatever the number of documents; only the lists of documents
(today's plan, the aged vehicles, the competitors named in defeats) and the stock on hand read the sales
tables, with one grouped query each. ``fours.sales.summaries`` recomputes the summaries from the
documents for ``manage.py rebuild_summaries``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fours.core.audit import display_name
from fours.customers.models import VehicleModel
from fours.reports import selectors as rs
from fours.reports.choices import Metric
from fours.reports.selectors import ZERO, month_end, month_start, per_unit, progress, ratio

from ..choices import DriveStatus, LeadStatus, OrderStatus, VehicleStatus
from ..models import Lead, StockVehicle, TestDrive, VehicleOrder

M = Metric

# vehicles the store holds (库存), by where they stand
IN_TRANSIT = [VehicleStatus.IN_TRANSIT]
ON_HAND = [VehicleStatus.IN_STOCK, VehicleStatus.PDI]
COMMITTED = [VehicleStatus.RESERVED, VehicleStatus.SOLD]
AT_OUTLET = [VehicleStatus.AT_OUTLET]
STOCK_STATUSES = IN_TRANSIT + ON_HAND + COMMITTED + AT_OUTLET
AGE_BUCKETS = [(0, 30, "0–30"), (31, 60, "31–60"), (61, 90, "61–90"), (91, None, ">90")]

KPI_METRICS = [
    M.DELIVERIES,
    M.ORDERS,
    M.TRAFFIC,
    M.TEST_DRIVES,
    M.GROSS_PROFIT,
    M.VEHICLE_REVENUE,
    M.ACCESSORY_REVENUE,
    M.FI_COMMISSION,
    M.LOANS,
    M.POLICIES,
]


def _model_id(dimension: str) -> int | None:
    if dimension.startswith("model:"):
        try:
            return int(dimension[6:])
        except ValueError:
            return None
    return None


def _model_names(ids) -> dict:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(VehicleModel.objects.filter(pk__in=ids).values_list("id", "name"))


def rates(t: dict, targets: dict | None = None) -> list[dict]:
    """The ratios of the trade from a period's totals: 单车毛利, 成交率, 试驾率, 按揭/保险渗透率, 单车精品; each
    beside the same ratio of the targets when the targets name both of its figures."""
    targets = targets or {}

    def tgt(fn, a, b):
        return fn(targets[a], targets[b]) if targets.get(a) is not None and targets.get(b) else None

    spec = [
        ("gp_per_unit", _("单车毛利"), per_unit, M.GROSS_PROFIT, M.DELIVERIES, True),
        ("closing", _("成交率（订单/到店）"), ratio, M.ORDERS, M.TRAFFIC, False),
        ("drive_rate", _("试驾率（试驾/到店）"), ratio, M.TEST_DRIVES, M.TRAFFIC, False),
        ("loan_pen", _("按揭渗透率"), ratio, M.LOANS, M.DELIVERIES, False),
        ("policy_pen", _("新车保险渗透率"), ratio, M.POLICIES, M.DELIVERIES, False),
        ("accessory_per_unit", _("单车精品"), per_unit, M.ACCESSORY_REVENUE, M.DELIVERIES, True),
    ]
    out = []
    for key, label, fn, a, b, money in spec:
        value = fn(t.get(a, ZERO), t.get(b, ZERO))
        target = tgt(fn, a, b)
        out.append(
            {
                "key": key,
                "label": label,
                "value": value,
                "target": target,
                "money": money,
                "tone": "secondary"
                if value is None or target is None
                else ("success" if value >= target else "danger"),
            }
        )
    return out


def dashboard(user, store, month: dt.date) -> dict:
    """销售看板 of a month: the figures against target, the daily trend and the consultants' ranking, read from
    the summaries in three queries (by day; by person with their names; the targets with the people's names)."""
    start, end = month_start(month), month_end(month)
    by_day = rs.totals_by(user, store, start, end, "day")
    by_person, names = rs.person_totals(user, store, start, end)
    dept_t, people_t, targeted = rs.month_targets_named(user, store, start)
    names = {**targeted, **names}
    totals: dict = defaultdict(lambda: ZERO)
    for (_day, metric), v in by_day.items():
        totals[metric] += v
    targets = {m: rs.target_of(dept_t, people_t, m) for m in Metric.values}
    pace = rs.month_pace(start)
    kpis = [progress(totals[m], targets[m], m, pace) for m in KPI_METRICS]
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    chart = {
        "days": [f"{d:%m-%d}" for d in days],
        "series": [
            {"name": str(M(m).label), "data": [float(by_day[(d, m)]) for d in days]}
            for m in (M.TRAFFIC, M.ORDERS, M.DELIVERIES)
        ],
    }
    ranking = []
    for pid, person in names.items():
        row = {m: by_person[(pid, m)] for m in (M.DELIVERIES, M.ORDERS, M.TRAFFIC, M.GROSS_PROFIT)}
        ranking.append(
            {
                "person": person,
                "name": display_name(person),
                "deliveries": progress(
                    row[M.DELIVERIES], people_t.get((pid, M.DELIVERIES)), M.DELIVERIES, pace
                ),
                "orders": progress(row[M.ORDERS], people_t.get((pid, M.ORDERS)), M.ORDERS, pace),
                "traffic": row[M.TRAFFIC],
                "gross_profit": row[M.GROSS_PROFIT],
                "gp_per_unit": per_unit(row[M.GROSS_PROFIT], row[M.DELIVERIES]),
                "closing": ratio(row[M.ORDERS], row[M.TRAFFIC]),
            }
        )
    ranking.sort(key=lambda r: (-r["deliveries"]["actual"], -r["orders"]["actual"], r["name"]))
    return {
        "month": start,
        "kpis": kpis,
        "rates": rates(totals, targets),
        "chart": chart,
        "ranking": ranking,
        "time_pct": pace,
        "totals": totals,
    }


def daily_report(user, store, day: dt.date) -> dict:
    """销售日报 to the GM on the morning of ``day``: yesterday's results and the month to date against target
    (summaries), and today's plan (documents): follow-ups due per consultant, test drives booked, deliveries
    scheduled."""
    yesterday = day - dt.timedelta(days=1)
    start = month_start(yesterday)
    y = rs.totals(user, store, yesterday, yesterday)
    mtd = rs.totals(user, store, start, yesterday)
    dept_t, people_t = rs.month_targets(user, store, start)
    pace = rs.month_pace(start, yesterday)
    results = [
        {
            **progress(mtd[m], rs.target_of(dept_t, people_t, m), m, pace),
            "yesterday": y[m],
        }
        for m in (
            M.TRAFFIC,
            M.CALLS,
            M.LEADS,
            M.TEST_DRIVES,
            M.ORDERS,
            M.DELIVERIES,
            M.DEFEATS,
            M.CANCELLATIONS,
            M.VEHICLE_REVENUE,
            M.GROSS_PROFIT,
            M.LOANS,
            M.POLICIES,
        )
    ]
    leads = Lead.objects.for_user(user).filter(store=store, status=LeadStatus.OPEN, next_follow_up__lte=day)
    due = (
        leads.values("owner_id")
        .annotate(n=Count("id"), overdue=Count("id", filter=Q(next_follow_up__lt=day)))
        .order_by()
    )
    names = rs.people_named([r["owner_id"] for r in due])
    follow_ups = sorted(
        (
            {"person": names.get(r["owner_id"]), "name": display_name(names.get(r["owner_id"])), **r}
            for r in due
        ),
        key=lambda r: (-r["n"], r["name"]),
    )
    tz = timezone.get_current_timezone()
    day_start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    drives = list(
        TestDrive.objects.for_user(user)
        .filter(
            store=store,
            status__in=[DriveStatus.BOOKED, DriveStatus.DRIVING],
            starts_at__gte=day_start,
            starts_at__lt=day_start + dt.timedelta(days=1),
        )
        .select_related("lead", "consultant", "vehicle__configuration__model")
        .order_by("starts_at")
    )
    deliveries = list(
        VehicleOrder.objects.for_user(user)
        .filter(
            store=store,
            expected_delivery__lte=day,
            status__in=[OrderStatus.ORDERED, OrderStatus.ALLOCATED, OrderStatus.READY],
        )
        .select_related("customer", "consultant", "configuration__model", "vehicle")
        .order_by("expected_delivery", "id")
    )
    return {
        "day": day,
        "yesterday": yesterday,
        "month": start,
        "results": results,
        "rates": rates(mtd, {m: rs.target_of(dept_t, people_t, m) for m in Metric.values}),
        "follow_ups": follow_ups,
        "follow_ups_total": sum(r["n"] for r in follow_ups),
        "overdue_total": sum(r["overdue"] for r in follow_ups),
        "drives": drives,
        "deliveries": deliveries,
    }


def month_analysis(user, store, month: dt.date) -> dict:
    """月度销售分析: the month against target and against the month before and the same month a year before,
    the last twelve months' trend, and the month by vehicle model (units, revenue, GP per unit, test drives,
    leads, arrivals)."""
    start = month_start(month)
    first = rs.add_months(start, -12)
    by_month = rs.monthly_totals(user, store, first, start)
    dept_t, people_t = rs.month_targets(user, store, start)
    targets = {m: rs.target_of(dept_t, people_t, m) for m in Metric.values}
    cur = {m: by_month[(start, m)] for m in Metric.values}
    prev_m, year_m = rs.add_months(start, -1), first
    figures = []
    pace = rs.month_pace(start)
    for m in rs.DEPARTMENT_METRICS["sales"]:
        p = progress(cur[m], targets[m], m, pace)
        p["prev"] = by_month[(prev_m, m)]
        p["year"] = by_month[(year_m, m)]
        p["mom"] = ratio(cur[m] - p["prev"], p["prev"]) if p["prev"] else None
        p["yoy"] = ratio(cur[m] - p["year"], p["year"]) if p["year"] else None
        figures.append(p)
    months = [rs.add_months(first, i) for i in range(13)]
    trend = {
        "months": [f"{m:%Y-%m}" for m in months],
        "deliveries": [float(by_month[(m, M.DELIVERIES)]) for m in months],
        "orders": [float(by_month[(m, M.ORDERS)]) for m in months],
        "gross_profit": [float(by_month[(m, M.GROSS_PROFIT)]) for m in months],
    }
    dims = rs.totals_by(
        user,
        store,
        start,
        month_end(start),
        "dimension",
        metrics=[
            M.DELIVERIES,
            M.ORDERS,
            M.VEHICLE_REVENUE,
            M.GROSS_PROFIT,
            M.TEST_DRIVES,
            M.LEADS,
            M.ARRIVALS,
        ],
    )
    model_ids = {_model_id(d) for d, _m in dims}
    names = _model_names(model_ids)
    models = []
    for mid in sorted((i for i in model_ids if i), key=lambda i: names.get(i, "")):
        key = f"model:{mid}"
        units = dims[(key, M.DELIVERIES)]
        models.append(
            {
                "id": mid,
                "name": names.get(mid, "—"),
                "leads": dims[(key, M.LEADS)],
                "test_drives": dims[(key, M.TEST_DRIVES)],
                "orders": dims[(key, M.ORDERS)],
                "deliveries": units,
                "revenue": dims[(key, M.VEHICLE_REVENUE)],
                "gross_profit": dims[(key, M.GROSS_PROFIT)],
                "gp_per_unit": per_unit(dims[(key, M.GROSS_PROFIT)], units),
                "arrivals": dims[(key, M.ARRIVALS)],
            }
        )
    return {
        "month": start,
        "figures": figures,
        "rates": rates(cur, targets),
        "trend": trend,
        "models": models,
    }


def consultant_stats(user, store, month: dt.date) -> list[dict]:
    """顾问统计: per consultant the month's traffic, calls, leads, follow-ups, test drives, orders, deliveries,
    defeats, GP and F&I, the closing ratio (订单/到店) and the test-drive rate, against each one's targets."""
    start, end = month_start(month), month_end(month)
    by_person = rs.totals_by(user, store, start, end, "person")
    _dept, people_t = rs.month_targets(user, store, start)
    staff = {u.pk: u for u in rs.department_people(store)}
    staff.update(rs.people_named({pid for pid, _m in by_person if pid not in staff}))
    pace = rs.month_pace(start)
    rows = []
    for pid, person in staff.items():
        v = {m: by_person[(pid, m)] for m in Metric.values}
        rows.append(
            {
                "person": person,
                "name": display_name(person),
                "traffic": progress(v[M.TRAFFIC], people_t.get((pid, M.TRAFFIC)), M.TRAFFIC, pace),
                "calls": v[M.CALLS],
                "leads": progress(v[M.LEADS], people_t.get((pid, M.LEADS)), M.LEADS, pace),
                "follow_ups": v[M.FOLLOW_UPS],
                "test_drives": v[M.TEST_DRIVES],
                "orders": progress(v[M.ORDERS], people_t.get((pid, M.ORDERS)), M.ORDERS, pace),
                "deliveries": progress(
                    v[M.DELIVERIES], people_t.get((pid, M.DELIVERIES)), M.DELIVERIES, pace
                ),
                "defeats": v[M.DEFEATS],
                "cancellations": v[M.CANCELLATIONS],
                "gross_profit": progress(
                    v[M.GROSS_PROFIT], people_t.get((pid, M.GROSS_PROFIT)), M.GROSS_PROFIT, pace
                ),
                "gp_per_unit": per_unit(v[M.GROSS_PROFIT], v[M.DELIVERIES]),
                "loans": v[M.LOANS],
                "policies": v[M.POLICIES],
                "fi_commission": v[M.FI_COMMISSION],
                "closing": ratio(v[M.ORDERS], v[M.TRAFFIC]),
                "drive_rate": ratio(v[M.TEST_DRIVES], v[M.TRAFFIC]),
                "loan_pen": ratio(v[M.LOANS], v[M.DELIVERIES]),
            }
        )
    rows.sort(key=lambda r: (-r["deliveries"]["actual"], -r["orders"]["actual"], r["name"]))
    return rows


def defeat_analysis(user, store, month: dt.date) -> dict:
    """战败分析: the month's approved defeats by reason (summaries) and per consultant against their orders,
    and the competitor models the defeated leads went to (the leads themselves, one grouped query)."""
    from ..choices import DefeatReason

    start, end = month_start(month), month_end(month)
    dims = rs.totals_by(user, store, start, end, "dimension", metrics=[M.DEFEATS])
    by_person = rs.totals_by(user, store, start, end, "person", metrics=[M.DEFEATS, M.ORDERS])
    dept_t, people_t = rs.month_targets(user, store, start)
    total = sum((v for (_d, _m), v in dims.items()), ZERO)
    labels = dict(DefeatReason.choices)
    reasons = sorted(
        (
            {
                "code": d[7:],
                "label": labels.get(d[7:], _("未注明")),
                "count": v,
                "share": ratio(v, total),
            }
            for (d, _m), v in dims.items()
            if v
        ),
        key=lambda r: -r["count"],
    )
    names = rs.people_named({pid for pid, _m in by_person})
    people = sorted(
        (
            {
                "person": u,
                "name": display_name(u),
                "defeats": by_person[(pid, M.DEFEATS)],
                "orders": by_person[(pid, M.ORDERS)],
                "rate": ratio(
                    by_person[(pid, M.DEFEATS)], by_person[(pid, M.DEFEATS)] + by_person[(pid, M.ORDERS)]
                ),
            }
            for pid, u in names.items()
        ),
        key=lambda r: (-r["defeats"], r["name"]),
    )
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    competitors = list(
        Lead.objects.for_user(user)
        .filter(store=store, status=LeadStatus.DEFEATED, defeat_decided_at__gte=lo, defeat_decided_at__lt=hi)
        .exclude(competitor_model="")
        .values("competitor_model")
        .annotate(n=Count("id"))
        .order_by("-n", "competitor_model")[:20]
    )
    orders = sum((v for (_p, m), v in by_person.items() if m == M.ORDERS), ZERO)
    return {
        "month": start,
        "total": progress(total, rs.target_of(dept_t, people_t, M.DEFEATS), M.DEFEATS, rs.month_pace(start)),
        "rate": ratio(total, total + orders),
        "reasons": reasons,
        "people": people,
        "competitors": competitors,
    }


def stock_report(user, store, today: dt.date | None = None) -> dict:
    """库存分析: the vehicles held by model (in transit, on hand, committed to an order, at outlets), their age
    buckets from arrival, days of supply at the last 30 days' delivery pace (summaries) and at the month's
    target pace, and the aged list (over 90 days) with its clearance plan."""
    today = today or timezone.localdate()
    vehicles = StockVehicle.objects.for_user(user).filter(store=store, status__in=STOCK_STATUSES)
    age = {
        label: Q(arrived_on__lte=today - dt.timedelta(days=lo))
        & (Q(arrived_on__gte=today - dt.timedelta(days=hi)) if hi is not None else Q())
        for lo, hi, label in AGE_BUCKETS
    }
    held = Q(status__in=ON_HAND + COMMITTED + AT_OUTLET)
    rows = (
        vehicles.values(model_id=F("configuration__model_id"))
        .annotate(
            transit=Count("id", filter=Q(status__in=IN_TRANSIT)),
            on_hand=Count("id", filter=Q(status__in=ON_HAND)),
            committed=Count("id", filter=Q(status__in=COMMITTED)),
            outlet=Count("id", filter=Q(status__in=AT_OUTLET)),
            value=Sum("purchase_net", filter=held),
            **{f"age_{i}": Count("id", filter=held & q) for i, q in enumerate(age.values())},
        )
        .order_by()
    )
    pace = rs.totals_by(
        user,
        store,
        today - dt.timedelta(days=30),
        today - dt.timedelta(days=1),
        "dimension",
        metrics=[M.DELIVERIES],
    )
    dept_t, people_t = rs.month_targets(user, store, month_start(today))
    target_units = rs.target_of(dept_t, people_t, M.DELIVERIES)
    rows = list(rows)
    names = _model_names({r["model_id"] for r in rows} | {_model_id(d) for d, _m in pace})
    out = []
    total_held = 0
    total_sold = ZERO
    for r in rows:
        held_n = r["on_hand"] + r["committed"] + r["outlet"]
        sold = pace[(f"model:{r['model_id']}", M.DELIVERIES)]
        total_held += held_n
        total_sold += sold
        out.append(
            {
                "id": r["model_id"],
                "name": names.get(r["model_id"], "—"),
                "transit": r["transit"],
                "on_hand": r["on_hand"],
                "committed": r["committed"],
                "outlet": r["outlet"],
                "held": held_n,
                "value": r["value"] or ZERO,
                "ages": [r[f"age_{i}"] for i in range(len(AGE_BUCKETS))],
                "sold_30": sold,
                "days_supply": (Decimal(held_n) * 30 / sold).quantize(Decimal("0.1")) if sold else None,
            }
        )
    out.sort(key=lambda r: (-r["held"], r["name"]))
    days_in_month = month_end(today).day
    aged = list(
        vehicles.filter(status__in=ON_HAND + AT_OUTLET, arrived_on__lt=today - dt.timedelta(days=90))
        .select_related("configuration__model", "outlet")
        .order_by("arrived_on", "id")[:50]
    )
    for v in aged:
        v.age_days = (today - v.arrived_on).days
    ages = [sum(r["ages"][i] for r in out) for i in range(len(AGE_BUCKETS))]
    return {
        "today": today,
        "age_rows": list(zip([label for _lo, _hi, label in AGE_BUCKETS], ages, strict=True)),
        "buckets": [label for _lo, _hi, label in AGE_BUCKETS],
        "models": out,
        "held": total_held,
        "ages": ages,
        "value": sum((r["value"] for r in out), ZERO),
        "days_supply": (Decimal(total_held) * 30 / total_sold).quantize(Decimal("0.1"))
        if total_sold
        else None,
        "target_days_supply": (Decimal(total_held) * days_in_month / target_units).quantize(Decimal("0.1"))
        if target_units
        else None,
        "target_units": target_units,
        "aged": aged,
    }


def month_progress(user, store, month: dt.date, metrics) -> list[dict]:
    """This month's figures against target for the home page (two queries)."""
    start = month_start(month)
    t = rs.totals(user, store, start, month_end(start), metrics=metrics)
    dept_t, people_t = rs.month_targets(user, store, start)
    pace = rs.month_pace(start)
    return [progress(t[m], rs.target_of(dept_t, people_t, m), m, pace) for m in metrics]
