"""Reads of the workshop's tools and equipment, QC paperwork and comebacks, and the parts-shortage
tracker: store-scoped, taking ``user`` (and the store the page works in)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone

from .choices import IN_WORKSHOP, LabourStatus, PartStatus, ROStatus, ShortageStatus, ToolStatus
from .models import (
    Equipment,
    PartShortage,
    RepairOrder,
    Tool,
    ToolLoan,
)

# --- working day ---------------------------------------------------------------------------------


def workday_end(store, when=None) -> dt.datetime:
    """The end of the working day of ``when`` (local time; ``FOURS_WORKDAY_END``, default 18:00): a tool
    lent that day is due back then (借出工具当天必须归还). Lent after the end, it is due at midnight."""
    when = timezone.localtime(when or timezone.now())
    hh, mm = (int(x) for x in str(getattr(settings, "FOURS_WORKDAY_END", "18:00")).split(":"))
    end = when.replace(hour=hh, minute=mm, second=0, microsecond=0)
    if end <= when:
        end = when.replace(hour=23, minute=59, second=59, microsecond=0)
    return end


# --- tools -----------------------------------------------------------------------------------------


def tools_for(user, store) -> QuerySet[Tool]:
    return Tool.objects.for_user(user).filter(store=store).select_related("brand")


def loans_open(user, store) -> QuerySet[ToolLoan]:
    """Tools out now (借出未还), the longest out first."""
    return (
        ToolLoan.objects.for_user(user)
        .filter(store=store, returned_at__isnull=True, lost=False)
        .select_related("tool", "technician", "ro", "lent_by")
        .order_by("due_at", "pk")
    )


def loans_overdue(user, store, at=None) -> QuerySet[ToolLoan]:
    """超期未还: out past their due time (a tool lent in the morning is overdue that night)."""
    return loans_open(user, store).filter(due_at__lt=at or timezone.now())


def tools_missing(user, store) -> QuerySet[Tool]:
    """缺失: tools recorded lost, and tools out past their due time (not back by the daily check)."""
    overdue = loans_overdue(user, store).values("tool_id")
    return tools_for(user, store).filter(status=ToolStatus.LOST) | tools_for(user, store).filter(
        pk__in=overdue
    )


def loans_for(user, store) -> QuerySet[ToolLoan]:
    return (
        ToolLoan.objects.for_user(user)
        .filter(store=store)
        .select_related("tool", "technician", "ro", "lent_by")
    )


def equipment_for(user, store) -> QuerySet[Equipment]:
    return Equipment.objects.for_user(user).filter(store=store).select_related("keeper")


def equipment_due(user, store, within_days: int = 7) -> list[Equipment]:
    """设备 whose upkeep or calibration falls due within ``within_days`` (or is past due)."""
    limit = timezone.localdate() + dt.timedelta(days=within_days)
    rows = []
    for eq in equipment_for(user, store).filter(active=True):
        dues = [d for d in (eq.next_upkeep, eq.next_calibration) if d is not None and d <= limit]
        if dues:
            eq.due_on = min(dues)
            eq.overdue = eq.due_on < timezone.localdate()
            rows.append(eq)
    return sorted(rows, key=lambda e: e.due_on)


# --- parts-shortage tracker --------------------------------------------------------------------------


def shortages_with_orders(rows: list[PartShortage]) -> list[PartShortage]:
    """Each shortage with the purchase order bringing its part (``po_number``, ``po_expected``,
    ``expected``): its own when recorded, else the order of the plan that took its demand."""
    from fours.parts.models import POLine, PurchaseDemand

    ct = ContentType.objects.get_for_model(RepairOrder)
    need = [s for s in rows if s.purchase_order_id is None]
    by_key: dict = {}
    if need:
        demands = PurchaseDemand.objects.filter(
            content_type=ct,
            object_id__in=sorted({str(s.ro_id) for s in need}),
            part_id__in=sorted({s.part_id for s in need}),
            plan_line__isnull=False,
        ).values("object_id", "part_id", "plan_line__plan_id")
        plans = {(d["object_id"], d["part_id"]): d["plan_line__plan_id"] for d in demands}
        pos = POLine.objects.filter(
            order__plan_id__in=sorted(set(plans.values())), part_id__in=sorted({s.part_id for s in need})
        ).values("order__plan_id", "part_id", "order_id", "order__number", "order__expected_date")
        po_of = {(p["order__plan_id"], p["part_id"]): p for p in pos}
        for key, plan_id in plans.items():
            if (plan_id, key[1]) in po_of:
                by_key[key] = po_of[(plan_id, key[1])]
    today = timezone.localdate()
    for s in rows:
        if s.purchase_order_id:
            s.po_id, s.po_number, s.po_expected = (
                s.purchase_order_id,
                s.purchase_order.number,
                s.purchase_order.expected_date,
            )
        else:
            p = by_key.get((str(s.ro_id), s.part_id))
            s.po_id, s.po_number, s.po_expected = (
                (p["order_id"], p["order__number"], p["order__expected_date"]) if p else (None, "", None)
            )
        s.expected = s.expected_on or s.po_expected
        s.late = bool(s.status == ShortageStatus.OPEN and s.expected and s.expected < today)
    return rows


def shortages_list(user, store, *, status: str | None = ShortageStatus.OPEN, mine: bool = False):
    """《维修车辆待缺料配件采购跟踪表》: per car waiting, the part, its order, expected date and arrival."""
    qs = (
        PartShortage.objects.for_user(user)
        .filter(store=store)
        .select_related("ro__vehicle", "ro__advisor", "part", "purchase_order", "part_line")
        .order_by("status", "expected_on", "created_at", "pk")
    )
    if status:
        qs = qs.filter(status=status)
    if status == ShortageStatus.OPEN:
        # a line taken off the order, or an order cancelled, no longer waits for its part
        qs = qs.exclude(part_line__status=PartStatus.CANCELLED).exclude(ro__status=ROStatus.CANCELLED)
    if mine:
        qs = qs.filter(ro__advisor=user)
    return shortages_with_orders(list(qs[:500]))


def shortages_arrived_for(user, store) -> list[PartShortage]:
    """The advisor's cars whose missing part has arrived and waits to be issued (到货待领)."""
    qs = (
        PartShortage.objects.for_user(user)
        .filter(
            store=store,
            status=ShortageStatus.ARRIVED,
            ro__advisor=user,
            ro__status__in=IN_WORKSHOP,
            part_line__status=PartStatus.REQUESTED,
        )
        .select_related("ro__vehicle", "part")
        .order_by("-arrived_at")
    )
    return list(qs)


# --- QC paperwork and comebacks ----------------------------------------------------------------------


def comeback_candidates(ro) -> list[RepairOrder]:
    """Earlier settled orders of the same vehicle whose quality guarantee still covered this visit."""
    from .services.quality import guarantee_end

    rows = []
    earlier = (
        RepairOrder.objects.filter(
            store=ro.store,
            vehicle=ro.vehicle,
            status__in=[ROStatus.SETTLED, ROStatus.DELIVERED],
            received_at__lt=ro.received_at,
        )
        .prefetch_related("labour__operation", "labour__technician")
        .order_by("-received_at")[:10]
    )
    day = timezone.localtime(ro.received_at).date()
    for o in earlier:
        end_day, end_km = guarantee_end(o)
        if end_day and day <= end_day and (not ro.odometer_km or ro.odometer_km <= end_km):
            o.guarantee_until, o.guarantee_km = end_day, end_km
            rows.append(o)
    return rows


def comebacks_for(user, store) -> QuerySet:
    from .models import Comeback

    return (
        Comeback.objects.for_user(user)
        .filter(store=store)
        .select_related("ro__vehicle", "original", "original_line", "technician", "actor")
    )


def dispatch_slips(ro) -> list[dict]:
    """派工单 per technician (or team) of an order: their lines with scope, hours, bay and the promised time."""
    slips: dict = {}
    for ln in ro.labour.exclude(status=LabourStatus.CANCELLED).select_related(
        "technician", "team", "bay", "operation"
    ):
        if ln.technician_id:
            key, who = f"t{ln.technician_id}", ln.technician
        elif ln.team_id:
            key, who = f"g{ln.team_id}", ln.team
        else:
            continue
        slip = slips.setdefault(key, {"key": key, "who": who, "lines": [], "hours": 0})
        slip["lines"].append(ln)
        slip["hours"] += ln.hours
    return list(slips.values())
