"""Reads of vehicle stock (整车库存): the FIFO candidates of an order, the vehicle list, stock age (库龄)
buckets, the aged-stock list, the monthly 进销存 report and the figures of the home page."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import CustodyAction, Funding, InspectionKind, VehicleStatus
from ..models import Custody, Inspection, OrderPlan, Outlet, StockVehicle, VehicleCount, VehicleTransfer

# statuses of a vehicle the store holds (its own stock, wherever it stands)
HELD = (
    VehicleStatus.IN_STOCK,
    VehicleStatus.PDI,
    VehicleStatus.RESERVED,
    VehicleStatus.SOLD,
    VehicleStatus.AT_OUTLET,
    VehicleStatus.DEMO,
)
GONE = (VehicleStatus.DELIVERED, VehicleStatus.TRANSFERRED, VehicleStatus.RETURNED)
# for sale: not yet promised to a customer
AVAILABLE = (VehicleStatus.IN_STOCK, VehicleStatus.PDI, VehicleStatus.AT_OUTLET)
AGE_BUCKETS = (("0_30", 0, 30), ("31_60", 31, 60), ("61_90", 61, 90), ("over_90", 91, None))
AGED_DAYS = 90
AGE_LABELS = {
    "0_30": _("0–30天"),
    "31_60": _("31–60天"),
    "61_90": _("61–90天"),
    "over_90": _("90天以上"),
}


def fifo_candidates(order) -> QuerySet:
    """先进先出: the order's store's vehicles in stock with the order's configuration and colour, oldest
    arrival first (the first one is the suggestion)."""
    return (
        StockVehicle.objects.filter(
            store_id=order.store_id,
            status=VehicleStatus.IN_STOCK,
            configuration_id=order.configuration_id,
            colour=order.colour,
        )
        .select_related("configuration__model__series")
        .order_by("arrived_on", "id")
    )


def vehicles(user) -> QuerySet:
    """The vehicles the user may see, with what a list shows (one query for any number of rows)."""
    return StockVehicle.objects.for_user(user).select_related(
        "store", "configuration__model__series__brand", "outlet", "floor_plan_bank"
    )


def vehicle_for(user, pk: int) -> StockVehicle:
    return vehicles(user).get(pk=pk)


def age_days(vehicle, today: dt.date | None = None) -> int | None:
    if not vehicle.arrived_on:
        return None
    end = vehicle.delivered_on or today or timezone.localdate()
    return (end - vehicle.arrived_on).days


def age_bucket(days: int | None) -> str:
    if days is None:
        return ""
    for key, low, high in AGE_BUCKETS:
        if days >= low and (high is None or days <= high):
            return key
    return ""


def _held(store) -> QuerySet:
    return StockVehicle.objects.filter(store=store, status__in=HELD, arrived_on__isnull=False)


def age_filter(qs: QuerySet, bucket: str, today: dt.date | None = None) -> QuerySet:
    """Vehicles whose stock age (days since arrival) falls in the bucket."""
    today = today or timezone.localdate()
    for key, low, high in AGE_BUCKETS:
        if key == bucket:
            qs = qs.filter(arrived_on__lte=today - dt.timedelta(days=low))
            if high is not None:
                qs = qs.filter(arrived_on__gte=today - dt.timedelta(days=high))
            return qs
    return qs


def age_buckets(store, today: dt.date | None = None) -> list[dict]:
    """库龄: held vehicles per age bucket, with their cost, one query."""
    today = today or timezone.localdate()
    aggregates = {}
    for key, low, high in AGE_BUCKETS:
        cond = Q(arrived_on__lte=today - dt.timedelta(days=low))
        if high is not None:
            cond &= Q(arrived_on__gte=today - dt.timedelta(days=high))
        aggregates[key] = Count("id", filter=cond)
    row = _held(store).aggregate(**aggregates)
    total = sum(row.values()) or 0
    return [
        {
            "key": key,
            "label": AGE_LABELS[key],
            "count": row[key],
            "pct": round(100 * row[key] / total) if total else 0,
        }
        for key, _low, _high in AGE_BUCKETS
    ]


def aged_vehicles(user, store=None, days: int = AGED_DAYS, today: dt.date | None = None) -> QuerySet:
    """长库龄车: held and not yet sold, in stock more than ``days`` days, oldest first."""
    today = today or timezone.localdate()
    qs = vehicles(user).filter(
        status__in=AVAILABLE + (VehicleStatus.DEMO,), arrived_on__lt=today - dt.timedelta(days=days)
    )
    if store is not None:
        qs = qs.filter(store=store)
    return qs.order_by("arrived_on", "id")


def stock_by_model(store) -> list[dict]:
    """Held vehicles per model (车型), with the own-funds and floor-plan split."""
    rows = (
        _held(store)
        .values("configuration__model_id", "configuration__model__name", "configuration__model__series__name")
        .annotate(
            n=Count("id"),
            own=Count("id", filter=Q(funding=Funding.OWN)),
            fp=Count("id", filter=Q(funding=Funding.FLOOR_PLAN)),
        )
        .order_by("configuration__model__series__name", "configuration__model__name")
    )
    out = []
    for r in rows:
        series, name = r["configuration__model__series__name"], r["configuration__model__name"]
        out.append(
            {
                "model_id": r["configuration__model_id"],
                "model": series if name == series else f"{series} {name}",
                "count": r["n"],
                "own": r["own"],
                "floor_plan": r["fp"],
            }
        )
    return out


def funding_figures(store, today: dt.date | None = None) -> dict:
    """自有资金 / 库存融资 of the held vehicles: units, cost, average stock age (the turnover of own funds),
    and the floor plans due within 15 days or overdue; one query."""
    today = today or timezone.localdate()
    rows = list(
        _held(store).values_list(
            "funding", "purchase_price", "arrived_on", "floor_plan_due", "floor_plan_paid_on"
        )
    )
    out = {}
    for kind in (Funding.OWN, Funding.FLOOR_PLAN):
        mine = [r for r in rows if r[0] == kind]
        ages = [(today - r[2]).days for r in mine]
        out[kind] = {
            "count": len(mine),
            "cost": sum((r[1] for r in mine), Decimal("0")),
            "avg_age": round(sum(ages) / len(ages)) if ages else 0,
        }
    due = [r[3] for r in rows if r[0] == Funding.FLOOR_PLAN and r[3] and not r[4]]
    out["due_soon"] = sum(1 for d in due if today <= d <= today + dt.timedelta(days=15))
    out["overdue"] = sum(1 for d in due if d < today)
    return out


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def _out_day(v) -> dt.date | None:
    """The day a vehicle left the store's book: delivered, transferred out or returned."""
    if v["delivered_on"]:
        return v["delivered_on"]
    if v["status"] in (VehicleStatus.TRANSFERRED, VehicleStatus.RETURNED):
        return v["left_on"]
    return None


def jxc_report(store, month: dt.date) -> dict:
    """进销存 of a month by model: opening (on the book at the start), in (arrived), out (delivered,
    transferred out, returned), closing. Two queries whatever the number of vehicles."""
    first, last = month_bounds(month)
    moved = dict(VehicleTransfer.objects.filter(store=store).values_list("vehicle_id", "created_at"))
    rows = (
        StockVehicle.objects.filter(store=store, arrived_on__isnull=False, arrived_on__lte=last)
        .exclude(delivered_on__lt=first)
        .values(
            "id",
            "status",
            "arrived_on",
            "delivered_on",
            "configuration__model_id",
            "configuration__model__name",
            "configuration__model__series__name",
        )
    )
    table = defaultdict(lambda: {"model": "", "opening": 0, "in": 0, "out": 0, "closing": 0})
    for v in rows:
        left = moved.get(v["id"])
        v["left_on"] = timezone.localdate(left) if left else None
        out = _out_day(v)
        if v["status"] == VehicleStatus.RETURNED and out is None:
            out = v["arrived_on"]
        if out is not None and out < first:
            continue
        series, name = v["configuration__model__series__name"], v["configuration__model__name"]
        r = table[v["configuration__model_id"]]
        r["model"] = series if name == series else f"{series} {name}"
        if v["arrived_on"] < first:
            r["opening"] += 1
        else:
            r["in"] += 1
        if out is not None and out <= last:
            r["out"] += 1
        else:
            r["closing"] += 1
    lines = sorted(table.values(), key=lambda r: r["model"])
    total = {k: sum(r[k] for r in lines) for k in ("opening", "in", "out", "closing")}
    return {"month": first, "lines": lines, "total": total}


# --- the home page ----------------------------------------------------------------------------------


def clerk_figures(store) -> dict:
    """整车库管's work: arrivals expected (在途), PDIs waiting, keys out; one query."""
    row = StockVehicle.objects.filter(store=store).aggregate(
        in_transit=Count("id", filter=Q(status=VehicleStatus.IN_TRANSIT)),
        pdi=Count("id", filter=Q(status=VehicleStatus.PDI)),
        keys_out=Count(
            "id",
            filter=~Q(keys_out_to="") & ~Q(status__in=[VehicleStatus.DELIVERED, VehicleStatus.TRANSFERRED]),
        ),
    )
    return row


def sales_figures(store, today: dt.date | None = None) -> dict:
    """The sales department's stock figures: held, available, in transit, aged (> 90 days), floor plan."""
    today = today or timezone.localdate()
    row = StockVehicle.objects.filter(store=store).aggregate(
        held=Count("id", filter=Q(status__in=HELD)),
        available=Count("id", filter=Q(status__in=AVAILABLE)),
        in_transit=Count("id", filter=Q(status=VehicleStatus.IN_TRANSIT)),
        at_outlet=Count("id", filter=Q(status=VehicleStatus.AT_OUTLET)),
        demo=Count("id", filter=Q(status=VehicleStatus.DEMO)),
        aged=Count(
            "id",
            filter=Q(status__in=AVAILABLE + (VehicleStatus.DEMO,))
            & Q(arrived_on__lt=today - dt.timedelta(days=AGED_DAYS)),
        ),
        floor_plan=Count("id", filter=Q(status__in=HELD, funding=Funding.FLOOR_PLAN)),
    )
    return row


def custody_log(vehicle) -> list[Custody]:
    return list(vehicle.custody.select_related("actor").order_by("-at", "-id"))


def inspections(vehicle) -> list[Inspection]:
    return list(vehicle.inspections.select_related("inspector").order_by("-at", "-id"))


def open_defects(user) -> QuerySet:
    """Failed inspections of vehicles still waiting (their fix-by date)."""
    return (
        Inspection.objects.for_user(user)
        .filter(passed=False, vehicle__status=VehicleStatus.PDI)
        .select_related("vehicle__configuration__model__series")
        .order_by("fix_by")
    )


def keys_out(user) -> QuerySet:
    return (
        vehicles(user)
        .exclude(keys_out_to="")
        .exclude(status__in=[VehicleStatus.DELIVERED, VehicleStatus.TRANSFERRED])
        .order_by("keys_out_at")
    )


def certificates_out(user) -> QuerySet:
    return vehicles(user).filter(
        certificate_at__in=[CustodyAction.ISSUED, CustodyAction.TO_BANK], status__in=HELD
    )


def plans(user) -> QuerySet:
    return (
        OrderPlan.objects.for_user(user)
        .select_related("brand", "created_by")
        .prefetch_related("lines__configuration__model__series")
    )


def transfers(user) -> QuerySet:
    from fours.core.selectors import store_ids_for

    ids = store_ids_for(user)
    qs = (
        VehicleTransfer.objects.all()
        if getattr(user, "is_superuser", False)
        else VehicleTransfer.objects.filter(Q(store_id__in=ids) | Q(to_store_id__in=ids))
    )
    return qs.select_related("store", "to_store", "vehicle__configuration__model__series", "received_vehicle")


def counts(user) -> QuerySet:
    return VehicleCount.objects.for_user(user).select_related("created_by")


def outlets(user) -> QuerySet:
    return Outlet.objects.for_user(user).annotate(
        held=Count("vehicles", filter=Q(vehicles__status=VehicleStatus.AT_OUTLET))
    )


def last_arrival_inspection(vehicle) -> Inspection | None:
    return vehicle.inspections.filter(kind=InspectionKind.ARRIVAL).order_by("-at").first()
