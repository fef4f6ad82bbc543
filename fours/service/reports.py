"""Service KPIs (产值, on-time delivery, rework rate, appointment rate…) for the dashboard and home page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from .choices import ROStatus, SettlementKind
from .models import LabourLine, RepairOrder, Rework, Settlement

ZERO = Decimal("0")


def _day_range(day):
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def output(store, start, end) -> dict:
    """产值: labour + parts revenue settled in the period (reversals net out)."""
    agg = Settlement.objects.filter(store=store, at__gte=start, at__lt=end).aggregate(
        labour=Sum("labour_total"),
        parts=Sum("parts_total"),
        discount=Sum("discount_total"),
        total=Sum("total"),
        n=Count("id", filter=Q(kind=SettlementKind.NORMAL)),
    )
    return {k: (v or ZERO) if k != "n" else (v or 0) for k, v in agg.items()}


def today_output(store) -> dict:
    return output(store, *_day_range(timezone.localdate()))


def hours_sold(store, start, end) -> Decimal:
    return (
        LabourLine.objects.filter(ro__store=store, ro__settled_at__gte=start, ro__settled_at__lt=end)
        .exclude(status="cancelled")
        .aggregate(h=Sum("hours"))["h"]
        or ZERO
    )


def ro_counts(store) -> dict:
    now = timezone.now()
    qs = RepairOrder.objects.filter(store=store)
    open_statuses = [
        ROStatus.RECEIVED,
        ROStatus.AWAITING_APPROVAL,
        ROStatus.IN_PROGRESS,
        ROStatus.AWAITING_QC,
        ROStatus.REWORK,
        ROStatus.AWAITING_SETTLEMENT,
    ]
    return qs.aggregate(
        open=Count("id", filter=Q(status__in=open_statuses)),
        in_progress=Count("id", filter=Q(status__in=[ROStatus.IN_PROGRESS, ROStatus.REWORK])),
        late=Count("id", filter=Q(status__in=open_statuses, promised_at__lt=now)),
        received_today=Count("id", filter=Q(received_at__date=timezone.localdate())),
    )


def _pct(a, b):
    return None if not b else round(Decimal(a) * 100 / Decimal(b), 1)


def on_time_rate(store, start, end):
    qs = RepairOrder.objects.filter(
        store=store, delivered_at__gte=start, delivered_at__lt=end, promised_at__isnull=False
    )
    n = qs.count()
    return _pct(qs.filter(delivered_at__lte=F("promised_at")).count(), n)


def rework_rate(store, start, end):
    qs = RepairOrder.objects.filter(store=store, settled_at__gte=start, settled_at__lt=end)
    return _pct(qs.filter(rework_count__gt=0).count(), qs.count())


def appointment_rate(store, start, end):
    """预约率: orders that came from an appointment / all orders received in the period."""
    qs = RepairOrder.objects.filter(store=store, received_at__gte=start, received_at__lt=end).exclude(
        status=ROStatus.CANCELLED
    )
    return _pct(qs.filter(appointment__isnull=False).count(), qs.count())


def per_advisor(store, start, end) -> list[dict]:
    rows = (
        RepairOrder.objects.filter(store=store, settled_at__gte=start, settled_at__lt=end)
        .values("advisor__first_name", "advisor__username")
        .annotate(n=Count("id"), total=Sum("total"), appts=Count("id", filter=Q(appointment__isnull=False)))
        .order_by("-total")
    )
    return [dict(r, name=r["advisor__first_name"] or r["advisor__username"]) for r in rows]


def per_technician(store, start, end) -> list[dict]:
    rows = (
        LabourLine.objects.filter(
            ro__store=store, ro__settled_at__gte=start, ro__settled_at__lt=end, technician__isnull=False
        )
        .values("technician_id", "technician__first_name", "technician__username")
        .annotate(sold=Sum("hours"), actual=Sum("actual_hours"), jobs=Count("id"))
        .order_by("-sold")
    )
    reworks = dict(
        Rework.objects.filter(store=store, at__gte=start, at__lt=end)
        .values("technician_id")
        .annotate(n=Count("id"))
        .values_list("technician_id", "n")
    )
    out = []
    for r in rows:
        out.append(
            dict(
                name=r["technician__first_name"] or r["technician__username"],
                sold=r["sold"] or ZERO,
                actual=r["actual"] or ZERO,
                jobs=r["jobs"],
                reworks=reworks.get(r["technician_id"], 0),
                efficiency=_pct(r["sold"] or 0, r["actual"] or 0),
            )
        )
    return out


def daily_output(store, days=30) -> list[dict]:
    end = timezone.localdate()
    start = end - dt.timedelta(days=days - 1)
    s, _e = _day_range(start)
    rows = {}
    for st in Settlement.objects.filter(store=store, at__gte=s).values(
        "at", "labour_total", "parts_total", "discount_total"
    ):
        d = timezone.localtime(st["at"]).date().isoformat()
        r = rows.setdefault(d, {"labour": ZERO, "parts": ZERO})
        r["labour"] += st["labour_total"]
        r["parts"] += st["parts_total"]
    return [
        {
            "day": (start + dt.timedelta(days=i)).isoformat(),
            **{
                k: str(v)
                for k, v in rows.get(
                    (start + dt.timedelta(days=i)).isoformat(), {"labour": 0, "parts": 0}
                ).items()
            },
        }
        for i in range(days)
    ]


def period(days=30):
    end = timezone.now()
    return end - dt.timedelta(days=days), end
