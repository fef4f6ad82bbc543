"""Workshop performance (车间绩效) by period, per technician and team, from the rows: the orders settled
in the period, their labour and part lines, the time clocked (TimeLog), the attendance record, reworks
and comebacks; and the monthly piece-rate and commission report (计件工资/提成) by the store's rules.

Definitions (each figure is a sum over the rows named, so the report's test recomputes them by hand):

- the period's orders: settled (已结算/已交车) with ``settled_at`` in [start, end) (local days);
- a counted labour line: approved and not cancelled; its revenue is its amount after the order's labour
  discount when the customer pays it (as the 结算单 charges it), tax included;
- hours sold (售出工时) of a technician: the hours of their solo lines, and of a team line (班组作业) the share
  of each member in proportion to the time each clocked on it (equal shares when nobody clocked);
- efficiency (工作效率) = hours sold ÷ hours clocked on those lines; productivity (生产率) = hours clocked in
  the period (TimeLog started in it) ÷ hours attended (考勤);
- rework rate (返工率) = reworks of the period's lines ÷ lines; comeback rate (返修率) = comebacks of the
  period's orders ÷ orders; first-time fix (一次修复率) = orders without a rework or a comeback ÷ orders;
- effective labour rate (有效工时单价) by payer = labour revenue ÷ hours sold;
- labour revenue by trade (LabourOperation.category; a line without an operation counts as 其他);
- output per advisor: orders, hours, labour and parts revenue of the orders they received.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import display_name
from fours.core.money import line_amount, round_money

from .choices import Approval, LabourCategory, LabourStatus, PartStatus, Payer, ROStatus
from .models import Attendance, Comeback, LabourLine, PartLine, RepairOrder, Rework, Team, TimeLog

ZERO = Decimal("0")
HOUR = Decimal(3600)
OTHER = "other"

# 计件/提成规则 per store (settings.FOURS_PIECE_RATES: {"default": {...}, "<store code>": {...}}): yuan per
# hour sold by trade, deductions per rework and per comeback, the advisor's commission on labour and parts
DEFAULT_RULES = {
    "hour_rate": {"maint": 20, "mech": 25, "elec": 25, "body": 30, "paint": 30, "diag": 25, OTHER: 20},
    "rework_deduct": 30,
    "comeback_deduct": 100,
    "advisor_labour_pct": 3,
    "advisor_parts_pct": 1,
}


def rules_for(store) -> dict:
    conf = getattr(settings, "FOURS_PIECE_RATES", {}) or {}
    rules = {**DEFAULT_RULES, **conf.get("default", {}), **conf.get(store.code, {})}
    rules["hour_rate"] = {**DEFAULT_RULES["hour_rate"], **rules.get("hour_rate", {})}
    return rules


def day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) local days as aware datetimes (end exclusive)."""
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(dt.datetime.combine(start, dt.time.min), tz),
        timezone.make_aware(dt.datetime.combine(end, dt.time.min), tz),
    )


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt


def _pct(a, b):
    return (Decimal(a) * 100 / Decimal(b)).quantize(Decimal("0.1")) if b else None


def _ratio(a, b):
    return (Decimal(a) / Decimal(b)).quantize(Decimal("0.01")) if b else None


def _hours(td) -> Decimal:
    return Decimal(td.total_seconds()) / HOUR


def labour_revenue(ro, line) -> Decimal:
    pct = ro.labour_discount_pct if line.payer == Payer.CUSTOMER else ZERO
    return line_amount(1, line.amount, pct)


def parts_revenue(ro, line) -> Decimal:
    qty = line.qty_issued - line.qty_returned
    if qty <= 0:
        return ZERO
    pct = ro.parts_discount_pct if line.payer == Payer.CUSTOMER else ZERO
    return line_amount(qty, line.unit_price, pct)


def period_orders(store, start: dt.date, end: dt.date):
    s, e = day_bounds(start, end)
    return (
        RepairOrder.objects.filter(
            store=store,
            settled_at__gte=s,
            settled_at__lt=e,
            status__in=[ROStatus.SETTLED, ROStatus.DELIVERED],
        )
        .select_related("advisor", "vehicle")
        .prefetch_related(
            Prefetch(
                "labour",
                queryset=LabourLine.objects.filter(approval=Approval.APPROVED)
                .exclude(status=LabourStatus.CANCELLED)
                .select_related("operation", "team", "technician")
                .prefetch_related("clocks__technician", "team__members"),
            ),
            Prefetch(
                "parts",
                queryset=PartLine.objects.filter(approval=Approval.APPROVED).exclude(
                    status=PartStatus.CANCELLED
                ),
            ),
        )
        .order_by("settled_at", "pk")
    )


def _shares(line) -> dict:
    """{technician: share of the line (0–1)}: the solo technician, or the team's members by time clocked."""
    if line.team_id is None:
        return {line.technician: Decimal(1)} if line.technician_id else {}
    clocked = defaultdict(lambda: ZERO)
    for log in line.clocks.all():
        if log.ended_at:
            clocked[log.technician] += _hours(log.ended_at - log.started_at)
    total = sum(clocked.values(), ZERO)
    if total > 0:
        return {t: h / total for t, h in clocked.items()}
    members = list(line.team.members.all())
    return {m: Decimal(1) / len(members) for m in members} if members else {}


def workshop_performance(store, start: dt.date, end: dt.date) -> dict:
    """Every figure of the performance page for [start, end): per technician, team, payer, trade and
    advisor, and the store's totals (see the module's definitions)."""
    orders = list(period_orders(store, start, end))
    ro_ids = [ro.pk for ro in orders]
    tech: dict = {}

    def row(person):
        return tech.setdefault(
            person.pk,
            {
                "person": person,
                "name": display_name(person),
                "sold": ZERO,
                "revenue": ZERO,
                "on_jobs": ZERO,
                "clocked": ZERO,
                "attended": ZERO,
                "lines": ZERO,
                "ros": set(),
                "reworks": 0,
                "comebacks": 0,
                "by_trade": defaultdict(lambda: ZERO),
            },
        )

    by_payer = {
        p: {"payer": p, "label": Payer(p).label, "hours": ZERO, "revenue": ZERO} for p in Payer.values
    }
    trades = {c: {"category": c, "label": c.label, "hours": ZERO, "revenue": ZERO} for c in LabourCategory}
    trades[OTHER] = {"category": OTHER, "label": _("其他"), "hours": ZERO, "revenue": ZERO}
    advisors: dict = {}
    line_ids = []
    for ro in orders:
        adv = advisors.setdefault(
            ro.advisor_id,
            {
                "person": ro.advisor,
                "name": display_name(ro.advisor),
                "ros": 0,
                "hours": ZERO,
                "labour": ZERO,
                "parts": ZERO,
            },
        )
        adv["ros"] += 1
        for ln in ro.labour.all():
            line_ids.append(ln.pk)
            revenue = labour_revenue(ro, ln)
            cat = ln.operation.category if ln.operation_id else OTHER
            by_payer[ln.payer]["hours"] += ln.hours
            by_payer[ln.payer]["revenue"] += revenue
            trades[cat]["hours"] += ln.hours
            trades[cat]["revenue"] += revenue
            adv["hours"] += ln.hours
            adv["labour"] += revenue
            for person, share in _shares(ln).items():
                r = row(person)
                r["sold"] += ln.hours * share
                r["revenue"] += revenue * share
                r["lines"] += share
                r["ros"].add(ro.pk)
                r["by_trade"][cat] += ln.hours * share
            for log in ln.clocks.all():
                if log.ended_at:
                    row(log.technician)["on_jobs"] += _hours(log.ended_at - log.started_at)
        for pl in ro.parts.all():
            adv["parts"] += parts_revenue(ro, pl)
    s, e = day_bounds(start, end)
    for log in TimeLog.objects.filter(
        store=store, started_at__gte=s, started_at__lt=e, ended_at__isnull=False
    ).select_related("technician"):
        row(log.technician)["clocked"] += _hours(log.ended_at - log.started_at)
    for a in Attendance.objects.filter(store=store, day__gte=start, day__lt=end).select_related("person"):
        row(a.person)["attended"] += a.hours
    for rw in Rework.objects.filter(line_id__in=line_ids, technician__isnull=False).select_related(
        "technician"
    ):
        row(rw.technician)["reworks"] += 1
    comebacks = list(Comeback.objects.filter(original_id__in=ro_ids).select_related("technician"))
    for cb in comebacks:
        if cb.technician_id:
            row(cb.technician)["comebacks"] += 1
    rules = rules_for(store)
    people = []
    for r in sorted(tech.values(), key=lambda x: (-x["sold"], x["name"])):
        ros = len(r["ros"])
        r.update(
            sold=r["sold"].quantize(Decimal("0.01")),
            revenue=round_money(r["revenue"]),
            on_jobs=r["on_jobs"].quantize(Decimal("0.01")),
            clocked=r["clocked"].quantize(Decimal("0.01")),
            ros=ros,
            efficiency=_pct(r["sold"], r["on_jobs"]),
            productivity=_pct(r["clocked"], r["attended"]),
            hours_per_ro=_ratio(r["sold"], ros),
            rework_rate=_pct(r["reworks"], r["lines"]),
            comeback_rate=_pct(r["comebacks"], ros),
            piece_pay=piece_pay(r, rules),
        )
        people.append(r)
    teams = []
    for team in Team.objects.filter(store=store).prefetch_related("members").order_by("name"):
        members = [tech[m.pk] for m in team.members.all() if m.pk in tech]
        sold = sum((m["sold"] for m in members), ZERO)
        on_jobs = sum((m["on_jobs"] for m in members), ZERO)
        clocked = sum((m["clocked"] for m in members), ZERO)
        attended = sum((m["attended"] for m in members), ZERO)
        teams.append(
            {
                "team": team,
                "name": team.name,
                "members": len(members),
                "sold": sold,
                "on_jobs": on_jobs,
                "clocked": clocked,
                "attended": attended,
                "efficiency": _pct(sold, on_jobs),
                "productivity": _pct(clocked, attended),
                "reworks": sum(m["reworks"] for m in members),
                "comebacks": sum(m["comebacks"] for m in members),
                "revenue": sum((m["revenue"] for m in members), ZERO),
            }
        )
    for p in by_payer.values():
        p["rate"] = round_money(p["revenue"] / p["hours"]) if p["hours"] else None
    adv_rows = []
    for a in sorted(advisors.values(), key=lambda x: -(x["labour"] + x["parts"])):
        a["total"] = a["labour"] + a["parts"]
        a["hours_per_ro"] = _ratio(a["hours"], a["ros"])
        a["commission"] = round_money(
            a["labour"] * Decimal(str(rules["advisor_labour_pct"])) / 100
            + a["parts"] * Decimal(str(rules["advisor_parts_pct"])) / 100
        )
        adv_rows.append(a)
    n = len(orders)
    with_comeback = {cb.original_id for cb in comebacks}
    fixed_first = sum(1 for ro in orders if ro.rework_count == 0 and ro.pk not in with_comeback)
    hours = sum((p["hours"] for p in by_payer.values()), ZERO)
    return {
        "start": start,
        "end": end,
        "orders": orders,
        "technicians": people,
        "teams": teams,
        "by_payer": [p for p in by_payer.values() if p["hours"] or p["revenue"]],
        "by_trade": [t for t in trades.values() if t["hours"] or t["revenue"]],
        "advisors": adv_rows,
        "rules": rules,
        "store": {
            "ros": n,
            "hours": hours,
            "labour": sum((p["revenue"] for p in by_payer.values()), ZERO),
            "hours_per_ro": _ratio(hours, n),
            "rework_rate": _pct(sum(1 for ro in orders if ro.rework_count), n),
            "comeback_rate": _pct(len(with_comeback), n),
            "first_time_fix": _pct(fixed_first, n),
        },
    }


def piece_pay(r: dict, rules: dict) -> Decimal:
    """计件工资: hours sold × the trade's rate, less the deductions for reworks and comebacks (not below 0)."""
    pay = sum(
        (
            h * Decimal(str(rules["hour_rate"].get(cat, rules["hour_rate"][OTHER])))
            for cat, h in r["by_trade"].items()
        ),
        ZERO,
    )
    pay -= (
        Decimal(str(rules["rework_deduct"])) * r["reworks"]
        + Decimal(str(rules["comeback_deduct"])) * r["comebacks"]
    )
    return max(round_money(pay), ZERO)


def first_time_fix(store, start, end) -> Decimal | None:
    return workshop_performance(store, start, end)["store"]["first_time_fix"]
