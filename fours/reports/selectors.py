"""Reads of targets (目标) and daily summaries (日汇总): a month of a store as a handful of grouped
queries, never a scan of the documents. Every read is scoped to the stores the user may see."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fours.core.audit import display_name
from fours.core.roles import Role

from .choices import Metric
from .models import DailySummary, Target

ZERO = Decimal("0")

# the figures a department sets targets for, in the order its pages show them
DEPARTMENT_METRICS = {
    "sales": [
        Metric.DELIVERIES,
        Metric.ORDERS,
        Metric.TRAFFIC,
        Metric.CALLS,
        Metric.LEADS,
        Metric.FOLLOW_UPS,
        Metric.TEST_DRIVES,
        Metric.DEFEATS,
        Metric.VEHICLE_REVENUE,
        Metric.GROSS_PROFIT,
        Metric.ACCESSORY_REVENUE,
        Metric.LOANS,
        Metric.POLICIES,
        Metric.FI_COMMISSION,
        Metric.ARRIVALS,
    ],
    "service": [Metric.RO_COUNT, Metric.SERVICE_OUTPUT, Metric.SATISFACTION],
    "parts": [Metric.PARTS_REVENUE],
    "crm": [Metric.SATISFACTION, Metric.REACH_RATE, Metric.COMPLAINT_RATE],
}

# the roles whose people get a target row of their own in a department
DEPARTMENT_ROLES = {
    "sales": [Role.SALES_CONSULTANT, Role.FINANCE_INSURANCE],
    "service": [Role.SERVICE_ADVISOR],
    "parts": [Role.PARTS_SALES],
    "crm": [Role.CRM_SPECIALIST],
}

DEPARTMENT_LABELS = {
    "sales": _("销售"),
    "service": _("售后"),
    "parts": _("配件"),
    "crm": _("客服"),
}

METRICS = frozenset(Metric.values)
MONEY = frozenset(Metric.money())

# figures where less is better (a target is a ceiling)
LOWER_IS_BETTER = {Metric.DEFEATS, Metric.CANCELLATIONS}


def departments_for(user, store) -> list[str]:
    """The departments whose targets the user sets or reads on the targets page: every one for the GM, the
    group manager and finance, else the departments of the user's roles in the store (sales first when none)."""
    from fours.core.roles import MANAGERS, ROLE_DEPARTMENT
    from fours.core.selectors import roles_of

    names = roles_of(user, store)
    if user.is_superuser or names & {str(r) for r in MANAGERS} or str(Role.FINANCE) in names:
        return list(DEPARTMENT_LABELS)
    mine = {ROLE_DEPARTMENT[Role(n)] for n in names if n in Role.values}
    return [d for d in DEPARTMENT_LABELS if d in mine] or ["sales"]


def month_start(day: dt.date | None = None) -> dt.date:
    return (day or timezone.localdate()).replace(day=1)


def month_end(month: dt.date) -> dt.date:
    """The last day of the month ``month`` falls in."""
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def add_months(month: dt.date, n: int) -> dt.date:
    y, m = divmod(month.year * 12 + month.month - 1 + n, 12)
    return dt.date(y, m + 1, 1)


def parse_month(value: str | None) -> dt.date:
    """``2026-12`` → 2026-12-01; anything else → this month."""
    try:
        year, mon = (int(x) for x in (value or "").split("-")[:2])
        return dt.date(year, mon, 1)
    except (TypeError, ValueError):
        return month_start()


def parse_day(value: str | None, default: dt.date | None = None) -> dt.date:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return default or timezone.localdate()


def summaries(user, store, start: dt.date, end: dt.date, *, department: str = "sales", metrics=None):
    """The summary rows of a store between two days (both included), scoped to the user."""
    qs = DailySummary.objects.for_user(user).filter(
        store=store, department=department, day__gte=start, day__lte=end
    )
    # every figure named, so the (store, metric, day) index ranges over the days of each figure
    return qs.filter(metric__in=list(Metric.values if metrics is None else metrics))


def totals(user, store, start, end, *, department="sales", metrics=None) -> dict[str, Decimal]:
    """metric → sum over the days (one grouped query)."""
    rows = (
        summaries(user, store, start, end, department=department, metrics=metrics)
        .values("metric")
        .annotate(v=Sum("value"))
        .order_by()
    )
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for r in rows:
        out[r["metric"]] = r["v"] or ZERO
    return out


def totals_by(user, store, start, end, key: str, *, department="sales", metrics=None) -> dict:
    """(key value, metric) → sum, grouped by ``key`` (``day``, ``person`` or ``dimension``): one query."""
    rows = (
        summaries(user, store, start, end, department=department, metrics=metrics)
        .values(key, "metric")
        .annotate(v=Sum("value"))
        .order_by()
    )
    out: dict = defaultdict(lambda: ZERO)
    for r in rows:
        out[(r[key], r["metric"])] = r["v"] or ZERO
    return out


PERSON_FIELDS = ("person__username", "person__first_name", "person__last_name")


def _person(row, prefix: str = "person__"):
    """An unsaved user carrying the names ``display_name`` reads, from a row of values."""
    return get_user_model()(
        pk=row["person"],
        username=row[f"{prefix}username"],
        first_name=row[f"{prefix}first_name"],
        last_name=row[f"{prefix}last_name"],
    )


def person_totals(user, store, start, end, *, department="sales", metrics=None) -> tuple[dict, dict]:
    """((person id, metric) → sum, person id → the person with their names) in one grouped query."""
    rows = (
        summaries(user, store, start, end, department=department, metrics=metrics)
        .filter(person__isnull=False)
        .values("person", *PERSON_FIELDS, "metric")
        .annotate(v=Sum("value"))
        .order_by()
    )
    out: dict = defaultdict(lambda: ZERO)
    people: dict = {}
    for r in rows:
        out[(r["person"], r["metric"])] = r["v"] or ZERO
        if r["person"] not in people:
            people[r["person"]] = _person(r)
    return out, people


def monthly_totals(user, store, first_month, last_month, *, department="sales", metrics=None) -> dict:
    """(month, metric) → sum for each month from ``first_month`` to ``last_month``: one query grouped by day,
    folded into months here (at most a few hundred rows per figure)."""
    by_day = totals_by(
        user, store, first_month, month_end(last_month), "day", department=department, metrics=metrics
    )
    out: dict = defaultdict(lambda: ZERO)
    for (day, metric), v in by_day.items():
        out[(day.replace(day=1), metric)] += v
    return out


def month_targets(user, store, month, *, department="sales") -> tuple[dict, dict]:
    """The month's targets of a department in one query: (metric → value for the department,
    (person_id, metric) → value for each person)."""
    rows = Target.objects.for_user(user).filter(store=store, month=month_start(month), department=department)
    dept: dict[str, Decimal] = {}
    people: dict = {}
    for t in rows.values("person_id", "metric", "value"):
        if t["person_id"] is None:
            dept[t["metric"]] = t["value"]
        else:
            people[(t["person_id"], t["metric"])] = t["value"]
    return dept, people


def month_targets_named(user, store, month, *, department="sales") -> tuple[dict, dict, dict]:
    """``month_targets`` and the people the targets name (person id → the person), in the same query."""
    rows = Target.objects.for_user(user).filter(store=store, month=month_start(month), department=department)
    dept: dict[str, Decimal] = {}
    people: dict = {}
    named: dict = {}
    for t in rows.values("person", *PERSON_FIELDS, "metric", "value"):
        if t["person"] is None:
            dept[t["metric"]] = t["value"]
        else:
            people[(t["person"], t["metric"])] = t["value"]
            named.setdefault(t["person"], _person(t))
    return dept, people, named


def target_of(dept: dict, people: dict, metric: str, person_ids=None):
    """The department's target, else the sum of its people's (a manager may set only the people's)."""
    if metric in dept:
        return dept[metric]
    values = [
        v for (pid, m), v in people.items() if m == metric and (person_ids is None or pid in person_ids)
    ]
    return sum(values, ZERO) if values else None


def month_pace(month: dt.date, upto: dt.date | None = None) -> Decimal:
    """The share of ``month`` gone by the end of ``upto`` (today), in percent: 100 for a past month."""
    start, end = month_start(month), month_end(month)
    upto = upto or timezone.localdate()
    if upto >= end:
        return Decimal(100)
    if upto < start:
        return Decimal(0)
    return ratio((upto - start).days + 1, (end - start).days + 1)


def ratio(part, whole, scale: int = 100) -> Decimal | None:
    """part / whole in percent (one decimal), or None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(part) * scale / Decimal(whole)).quantize(Decimal("0.1"))


def per_unit(amount, units) -> Decimal | None:
    if not units:
        return None
    return (Decimal(amount) / Decimal(units)).quantize(Decimal("0.01"))


def progress(actual, target, metric: str = "", pace=None) -> dict:
    """One figure against its target: achieved %, the gap, and a tone for the page. ``pace`` is the share of
    the period gone (percent): a month in progress is on track when its figures keep up with the calendar."""
    actual = actual or ZERO
    pct = ratio(actual, target) if target else None
    due = Decimal(100) if pace is None else Decimal(pace)
    if target is None or not target:
        tone = "secondary"
    elif metric in LOWER_IS_BETTER:
        tone = "success" if actual <= target * due / 100 else "danger"
    else:
        tone = "success" if pct >= due else ("warning" if pct >= due * Decimal("0.8") else "danger")
    return {
        "metric": metric,
        "label": Metric(metric).label if metric in METRICS else "",
        "money": metric in MONEY,
        "actual": actual,
        "target": target,
        "pct": pct,
        "gap": (target - actual) if target is not None else None,
        "bar": min(int(pct), 100) if pct is not None else 0,
        "tone": tone,
    }


def department_people(store, department: str = "sales") -> list:
    """The active people of a store holding a role that gets a target of its own, by name."""
    roles = [str(r) for r in DEPARTMENT_ROLES.get(department, [])]
    users = (
        get_user_model()
        .objects.filter(
            memberships__store=store, memberships__is_active=True, memberships__role__name__in=roles
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    return list(users)


def people_named(ids) -> dict:
    """person id → the person (one query; ``None`` ids skipped)."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.pk: u for u in get_user_model().objects.filter(pk__in=ids)}


def target_grid(user, store, month, department: str = "sales") -> dict:
    """The targets page: one row for the department and one per person, a column per figure, each cell
    its target and what the summaries show so far this month."""
    metrics = DEPARTMENT_METRICS.get(department, [])
    start, end = month_start(month), month_end(month)
    dept, people = month_targets(user, store, start, department=department)
    actual = totals(user, store, start, end, department=department, metrics=metrics)
    by_person = totals_by(user, store, start, end, "person", department=department, metrics=metrics)
    staff = department_people(store, department)
    known = {u.pk for u in staff}
    extra = people_named({pid for pid, _m in people} - known)
    staff += sorted(extra.values(), key=display_name)
    rows = [
        {
            "key": "dept",
            "person": None,
            "name": _("部门合计"),
            "cells": [
                {**progress(actual[m], dept.get(m), m), "field": f"t-dept-{m}", "value": dept.get(m)}
                for m in metrics
            ],
        }
    ]
    for u in staff:
        rows.append(
            {
                "key": str(u.pk),
                "person": u,
                "name": display_name(u),
                "cells": [
                    {
                        **progress(by_person[(u.pk, m)], people.get((u.pk, m)), m),
                        "field": f"t-{u.pk}-{m}",
                        "value": people.get((u.pk, m)),
                    }
                    for m in metrics
                ],
            }
        )
    return {
        "month": start,
        "department": department,
        "metrics": [{"key": m, "label": Metric(m).label, "money": m in Metric.money()} for m in metrics],
        "rows": rows,
        "staff": staff,
    }


# --- 集团对比: the stores of a group side by side --------------------------------------------------

# each department's key figures, in the order the group comparison shows them: (department, metric)
GROUP_FIGURES = [
    ("sales", Metric.DELIVERIES),
    ("sales", Metric.VEHICLE_REVENUE),
    ("sales", Metric.GROSS_PROFIT),
    ("sales", Metric.FI_COMMISSION),
    ("service", Metric.RO_SETTLED),
    ("service", Metric.SERVICE_OUTPUT),
    ("service", Metric.HOURS_SOLD),
    ("parts", Metric.PARTS_REVENUE),
    ("parts", Metric.COGS),
]
# the few of them the group manager's home page shows
HOME_FIGURES = [
    ("sales", Metric.DELIVERIES),
    ("sales", Metric.GROSS_PROFIT),
    ("service", Metric.SERVICE_OUTPUT),
    ("parts", Metric.PARTS_REVENUE),
]


def _figure_key(department: str, metric: str) -> str:
    return f"{department}.{metric}"


def group_month(user, stores, month, figures) -> tuple[dict, dict]:
    """What the stores did in the month and what they were set, in two grouped queries whatever the number
    of stores: ((store id, department, metric) → sum of the daily summaries, (store id, department, metric)
    → the month's target: the department's, else the sum of its people's)."""
    from fours.core.selectors import store_ids_for

    start, end = month_start(month), month_end(month)
    # the user's scope applied here, once: a second ``store IN`` (``for_user``) would square the planner's
    # estimate of the stores' share and make it range over every figure and day of the stores' index
    mine = None if getattr(user, "is_superuser", False) else store_ids_for(user)
    ids = [s.pk for s in stores if mine is None or s.pk in mine]
    metrics = sorted({m for _d, m in figures})
    departments = sorted({d for d, _m in figures})
    actual: dict = defaultdict(lambda: ZERO)
    rows = (
        DailySummary.objects.filter(store_id__in=ids, metric__in=metrics, department__in=departments)
        .filter(day__gte=start, day__lte=end)
        .values("store_id", "department", "metric")
        .annotate(v=Sum("value"))
        .order_by()
    )
    for r in rows:
        actual[(r["store_id"], r["department"], r["metric"])] = r["v"] or ZERO
    dept: dict = {}
    people: dict = defaultdict(lambda: ZERO)
    targets = Target.objects.filter(
        store_id__in=ids, month=start, metric__in=metrics, department__in=departments
    ).values_list("store_id", "department", "metric", "person_id", "value")
    for store_id, department, metric, person_id, value in targets:
        key = (store_id, department, metric)
        if person_id is None:
            dept[key] = value
        else:
            people[key] += value
    return actual, {**people, **dept}


def _sort_key(sort: str, keys: set[str]) -> tuple[str, str, bool]:
    """``?sort=`` → (what, figure, descending): ``store`` or a figure's key for its value, ``pct-`` + the
    key for its share of target; a leading ``-`` sorts from the highest. Anything else: the stores' order."""
    desc = sort.startswith("-")
    name = sort.lstrip("-")
    what = "pct" if name.startswith("pct-") else "value"
    figure = name.removeprefix("pct-")
    if figure not in keys:
        return "store", "", False
    return what, figure, desc


def group_comparison(user, stores, month, *, figures=None, sort: str = "", upto=None) -> dict:
    """集团对比: one row per store with each department's key figures of the month beside their targets
    and the share done, the group's total, and the month's pace (the share of the month gone); sorted by
    ``sort`` (see ``_sort_key``). Two queries, whatever the number of stores."""
    figures = GROUP_FIGURES if figures is None else figures
    start = month_start(month)
    pace = month_pace(start, upto)
    actual, targets = group_month(user, stores, start, figures)
    columns = [
        {
            "key": _figure_key(d, m),
            "department": d,
            "department_label": DEPARTMENT_LABELS[d],
            "metric": m,
            "label": Metric(m).label,
            "money": m in MONEY,
        }
        for d, m in figures
    ]
    rows = []
    for s in stores:
        cells = [progress(actual[(s.pk, d, m)], targets.get((s.pk, d, m)), m, pace) for d, m in figures]
        rows.append(
            {"store": s, "cells": cells, "by_key": dict(zip([c["key"] for c in columns], cells, strict=True))}
        )
    total_cells = []
    for d, m in figures:
        set_ = [targets[(s.pk, d, m)] for s in stores if (s.pk, d, m) in targets]
        total = sum((actual[(s.pk, d, m)] for s in stores), ZERO)
        total_cells.append(progress(total, sum(set_, ZERO) if set_ else None, m, pace))
    what, figure, desc = _sort_key(sort or "", {c["key"] for c in columns})
    if what != "store":

        def key(row):
            cell = row["by_key"][figure]
            value = cell["pct"] if what == "pct" else cell["actual"]
            # stores without a target sort last either way
            return (value is None, -value if (desc and value is not None) else (value or ZERO))

        rows.sort(key=key)
    sort_name = "" if what == "store" else ("-" if desc else "") + ("pct-" if what == "pct" else "") + figure
    for c in columns:
        for what_, prefix in (("value", ""), ("pct", "pct-")):
            name = prefix + c["key"]
            c[f"sort_{what_}"] = name if sort_name == f"-{name}" else f"-{name}"
            c[f"sorted_{what_}"] = {f"-{name}": "down", name: "up"}.get(sort_name, "")
    departments = []
    for c in columns:
        if departments and departments[-1]["key"] == c["department"]:
            departments[-1]["span"] += 1
        else:
            departments.append({"key": c["department"], "label": c["department_label"], "span": 1})
    return {
        "month": start,
        "pace": pace,
        "columns": columns,
        "departments": departments,
        "rows": rows,
        "total": total_cells,
        "sort": sort_name,
    }
