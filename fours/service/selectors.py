"""Reads of the workshop, scoped by the user's stores."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import DecimalField, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from fours.core.roles import Role
from fours.core.selectors import users_with_role

from .choices import (
    BOARD_TONE,
    IN_WORKSHOP,
    OPEN_FOR_WORK,
    WORKING,
    Approval,
    ApptStatus,
    LabourStatus,
    PartStatus,
    ROStatus,
)
from .models import (
    AdvisorCapacity,
    Appointment,
    LabourLine,
    MaintenancePackage,
    PartLine,
    RepairOrder,
    TimeLog,
    WorkshopCapacity,
)

ZERO = Decimal("0")
HOUR = Decimal(3600)


def _with_lines(qs):
    return qs.prefetch_related(
        Prefetch("labour", queryset=LabourLine.objects.select_related("technician", "bay")),
        Prefetch("parts", queryset=PartLine.objects.select_related("part")),
    )


# --- the order's money: its finance open items ------------------------------------------------------
# Settlement posts one finance item per payer (应收), linked to the order by content type and id; the
# cashier desk allocates payments to them. The order keeps no money of its own: what the customer owes
# (customer_due) and has paid (paid) is read from its live customer items.

_MONEY = DecimalField(max_digits=14, decimal_places=2)


def _ro_type_id() -> int:
    return ContentType.objects.get_for_model(RepairOrder).pk  # cached after the first call


def _live_items(**filters) -> QuerySet:
    from fours.finance.choices import Direction, ItemStatus
    from fours.finance.models import OpenItem

    return (
        OpenItem.objects.filter(doc_type_id=_ro_type_id(), direction=Direction.RECEIVABLE, amount__gt=0)
        .exclude(status=ItemStatus.REVERSED)
        .filter(**filters)
    )


def with_money(qs: QuerySet) -> QuerySet:
    """Orders annotated with ``customer_due`` and ``paid`` from their live customer items (subqueries of
    the same statement: no query per order)."""
    from fours.finance.choices import ItemSource

    mine = _live_items(doc_id=OuterRef("pk"), source=ItemSource.RO_CUSTOMER).values("doc_id")

    def total(field):
        rows = mine.annotate(s=Sum(field)).values("s")
        return Coalesce(Subquery(rows, output_field=_MONEY), Value(ZERO), output_field=_MONEY)

    return qs.annotate(customer_due=total(F("amount") - F("credited")), paid=total("allocated"))


@dataclass
class ROMoney:
    customer_due: Decimal = ZERO  # the customer's share of the current settlement (0 before)
    paid: Decimal = ZERO  # what the cashier desk has allocated to it
    others_open: Decimal = ZERO  # warranty, insurance and internal shares still open

    @property
    def balance(self) -> Decimal:
        return self.customer_due - self.paid


def ro_money(ro) -> ROMoney:
    """The order's money from its live finance items, in one query; also set on the order as
    ``customer_due`` and ``paid`` (what ``delivery_refusal`` and the pages read)."""
    from fours.finance.choices import ItemSource

    own = Q(source=ItemSource.RO_CUSTOMER)
    row = _live_items(doc_id=ro.pk).aggregate(
        due=Sum(F("amount") - F("credited"), filter=own),
        paid=Sum("allocated", filter=own),
        others=Sum(F("amount") - F("credited") - F("allocated"), filter=~own),
    )
    money = ROMoney(row["due"] or ZERO, row["paid"] or ZERO, row["others"] or ZERO)
    ro.customer_due, ro.paid = money.customer_due, money.paid
    return money


def ro_items(ro, *, lock: bool = False) -> list:
    """The order's live finance items (one per payer of its current settlement), oldest first."""
    qs = _live_items(doc_id=ro.pk).order_by("pk")
    return list(qs.select_for_update() if lock else qs.select_related("party"))


def ro_payments(ro) -> list:
    """The cashier desk's allocations (核销) to the order's items, with their payment and cashier, oldest
    first: the order page's 收款记录. One query."""
    from fours.finance.models import Allocation

    return list(
        Allocation.objects.filter(item__doc_type_id=_ro_type_id(), item__doc_id=ro.pk)
        .select_related("payment__cashier", "item")
        .order_by("at", "id")
    )


def repair_orders_for(user, *, with_lines: bool = False) -> QuerySet[RepairOrder]:
    """The user's stores' orders, newest first, with their money (``with_lines``: their labour and part
    lines too)."""
    qs = RepairOrder.objects.for_user(user).select_related("store", "vehicle", "customer", "advisor")
    qs = with_money(qs.order_by("-id"))
    return _with_lines(qs) if with_lines else qs


def repair_order_with_lines(pk) -> RepairOrder:
    """One order with its lines and money, as the API answers it after a step."""
    qs = RepairOrder.objects.select_related("store", "vehicle", "customer", "advisor")
    return _with_lines(with_money(qs)).get(pk=pk)


def appointments_for(user) -> QuerySet[Appointment]:
    qs = Appointment.objects.for_user(user).select_related("vehicle", "customer", "advisor", "package")
    return qs.order_by("date", "slot", "id")


def labour_lines_for(user) -> QuerySet[LabourLine]:
    return LabourLine.objects.filter(ro__in=RepairOrder.objects.for_user(user)).select_related(
        "ro", "technician", "bay"
    )


def part_lines_for(user) -> QuerySet[PartLine]:
    return PartLine.objects.filter(ro__in=RepairOrder.objects.for_user(user)).select_related("ro", "part")


def ro_for_detail(user, pk) -> RepairOrder:
    from django.shortcuts import get_object_or_404

    ro = get_object_or_404(
        with_money(
            RepairOrder.objects.for_user(user).select_related(
                "store",
                "vehicle__model__series",
                "vehicle__configuration",
                "customer",
                "advisor",
                "appointment",
            )
        ),
        pk=pk,
    )
    ro.labour_lines = list(
        ro.labour.select_related("technician", "team", "bay", "operation").prefetch_related(
            Prefetch(
                "clocks",
                queryset=TimeLog.objects.filter(ended_at__isnull=True).select_related("technician"),
                to_attr="open_clocks",
            )
        )
    )
    ro.part_lines = list(ro.parts.select_related("part", "old_part_by"))
    return ro


def board_rows(store) -> list[RepairOrder]:
    """Every vehicle in the workshop: status, technicians, bays, promised time, late and waiting-for-parts
    flags. Three queries whatever the number of vehicles or lines."""
    waiting = PartLine.objects.filter(ro=OuterRef("pk"), status=PartStatus.WAITING)
    rows = list(
        RepairOrder.objects.filter(store=store, status__in=IN_WORKSHOP)
        .exclude(status=ROStatus.SETTLED)
        .select_related("vehicle", "advisor")
        .annotate(waiting_parts=Exists(waiting))
        .prefetch_related(
            Prefetch(
                "labour",
                queryset=LabourLine.objects.exclude(status=LabourStatus.CANCELLED).select_related(
                    "technician", "team", "bay"
                ),
                to_attr="board_lines",
            )
        )
        .order_by("promised_at", "id")
    )
    for ro in rows:
        techs, bays = [], []
        for ln in ro.board_lines:
            who = (
                ln.technician.get_full_name() or ln.technician.username
                if ln.technician_id
                else (ln.team.name if ln.team_id else "")
            )
            if who and who not in techs:
                techs.append(who)
            if ln.bay_id and ln.bay.code not in bays:
                bays.append(ln.bay.code)
        ro.techs, ro.bays = techs, bays
        ro.tone = BOARD_TONE.get(ro.status, "secondary")
        ro.done_lines = sum(1 for ln in ro.board_lines if ln.status == LabourStatus.DONE)
    return rows


def my_jobs(user, store) -> list[LabourLine]:
    from django.db.models import Q

    qs = (
        LabourLine.objects.filter(ro__store=store, ro__status__in=[ROStatus.IN_PROGRESS, ROStatus.REWORK])
        .filter(Q(technician=user) | Q(team__members=user))
        .exclude(status=LabourStatus.CANCELLED)
        .select_related("ro__vehicle", "bay", "team")
        .prefetch_related(
            Prefetch(
                "clocks",
                queryset=TimeLog.objects.filter(technician=user, ended_at__isnull=True),
                to_attr="my_open",
            ),
            Prefetch("part_lines", queryset=PartLine.objects.select_related("part")),
        )
        .distinct()
        .order_by("ro__promised_at", "id")
    )
    return list(qs)


def overnight(store) -> list[RepairOrder]:
    """Every vehicle still on site (留厂车辆) with its key tag: received today or earlier and not yet
    delivered, so it stays the night and its key is collected (seed 004 §1)."""
    return list(
        RepairOrder.objects.filter(store=store, status__in=IN_WORKSHOP)
        .select_related("vehicle", "advisor")
        .order_by("key_tag", "id")
    )


def day_appointments(store, day):
    return (
        Appointment.objects.filter(store=store, date=day)
        .select_related("vehicle", "customer", "advisor", "package")
        .order_by("slot", "id")
    )


def no_shows(store, since):
    return (
        day_appointments(store, None)
        .model.objects.filter(store=store, status=ApptStatus.NO_SHOW, date__gte=since)
        .select_related("vehicle", "customer", "advisor")
    )


# --- appointments: capacity and free places ------------------------------------------------------

SLOT_MINUTES = 30
DAY_START = dt.time(8, 0)
DAY_END = dt.time(17, 30)
DEFAULT_PER_DAY = 8
DEFAULT_PER_SLOT = 1


def capacity_of(store, advisor) -> tuple[int, int]:
    """(per day, per slot) of an advisor: their own row, else the store's default row, else 8 / 1."""
    row = (
        AdvisorCapacity.objects.filter(store=store)
        .filter(Q(advisor=advisor) | Q(advisor__isnull=True))
        .order_by(F("advisor").asc(nulls_last=True))
        .first()
    )
    return (row.per_day, row.per_slot) if row else (DEFAULT_PER_DAY, DEFAULT_PER_SLOT)


def workshop_capacity(store) -> WorkshopCapacity:
    """The store's workshop capacity (the defaults until the manager sets it)."""
    return WorkshopCapacity.objects.filter(store=store).first() or WorkshopCapacity(store=store)


def slots() -> list[dt.time]:
    out, t = [], dt.datetime.combine(dt.date.today(), DAY_START)
    end = dt.datetime.combine(dt.date.today(), DAY_END)
    while t <= end:
        out.append(t.time())
        t += dt.timedelta(minutes=SLOT_MINUTES)
    return out


def free_slots(store, advisor, day) -> list[tuple[dt.time, int]]:
    """[(slot, places left)] of an advisor's day: the advisor's own places, within the workshop's."""
    per_day, per_slot = capacity_of(store, advisor)
    shop = workshop_capacity(store)
    booked = list(
        Appointment.objects.filter(store=store, date=day, status=ApptStatus.BOOKED).values_list(
            "advisor_id", "slot"
        )
    )
    mine = [slot for adv, slot in booked if adv == advisor.pk]
    if len(mine) >= per_day or len(booked) >= shop.per_day:
        return [(s, 0) for s in slots()]
    every = [slot for _adv, slot in booked]
    return [(s, max(0, min(per_slot - mine.count(s), shop.per_slot - every.count(s)))) for s in slots()]


# --- the workshop -----------------------------------------------------------------------------------


def technician_load(store, day=None):
    """Hours clocked today and open jobs per technician (the foreman's view of the load)."""

    day = day or timezone.localdate()
    techs = list(users_with_role(store, Role.TECHNICIAN))
    open_jobs = dict(
        LabourLine.objects.filter(
            ro__store=store,
            technician__in=techs,
            status__in=[LabourStatus.ASSIGNED, LabourStatus.IN_PROGRESS, LabourStatus.PAUSED],
        )
        .values("technician")
        .annotate(h=Sum("hours"))
        .values_list("technician", "h")
    )
    logs = TimeLog.objects.filter(store=store, technician__in=techs, started_at__date=day).select_related(
        "line__ro"
    )
    clocked: dict = {}
    current: dict = {}
    now = timezone.now()
    for log in logs:
        end = log.ended_at or now
        clocked[log.technician_id] = (
            clocked.get(log.technician_id, ZERO) + Decimal((end - log.started_at).total_seconds()) / HOUR
        )
        if log.ended_at is None:
            current[log.technician_id] = log
    for t in techs:
        t.booked_hours = open_jobs.get(t.pk) or ZERO
        t.clocked_hours = (clocked.get(t.pk) or ZERO).quantize(Decimal("0.1"))
        t.current = current.get(t.pk)
    return techs


def next_maintenance_for(ro) -> tuple[dt.date, int]:
    """The next service after this one: the package's interval, else 6 months / 5,000 km."""
    pkg_id = ro.labour.exclude(package__isnull=True).values_list("package", flat=True).first()
    pkg = MaintenancePackage.objects.filter(pk=pkg_id).first() if pkg_id else None
    months = pkg.interval_months if pkg else 6
    km = pkg.interval_km if pkg else 5000
    base = timezone.localdate()
    year, month = divmod(base.month - 1 + months, 12)
    day = min(base.day, 28)
    return dt.date(base.year + year, month + 1, day), ro.odometer_km + km


def pending_discount_requests(ro) -> list:
    """折扣申请 of an order still waiting for a manager."""
    from .models import DiscountRequest

    return list(DiscountRequest.objects.filter(ro=ro, status="pending").select_related("requested_by"))


def lines_to_pick(ro) -> list[PartLine]:
    """The order's part lines still to be picked (领料单): planned, requested or waiting for stock."""
    wanted = (PartStatus.PLANNED, PartStatus.REQUESTED, PartStatus.WAITING)
    return [ln for ln in ro.part_lines if ln.status in wanted]


def open_order_for(vehicle) -> RepairOrder | None:
    """The vehicle's order still in the workshop's hands (the reception panel names it)."""
    return RepairOrder.objects.filter(vehicle=vehicle, status__in=OPEN_FOR_WORK).first()


def lines_to_dispatch(store) -> QuerySet[LabourLine]:
    """派工: approved jobs of orders being worked on that are not finished."""
    return (
        LabourLine.objects.filter(ro__store=store, ro__status__in=WORKING, approval=Approval.APPROVED)
        .exclude(status__in=[LabourStatus.DONE, LabourStatus.CANCELLED])
        .select_related("ro__vehicle", "technician", "team", "bay")
        .order_by("ro__promised_at", "id")
    )


def lines_for_parts_desk(store) -> list[PartLine]:
    """The storekeeper's pick list: requested and waiting approved lines of open orders, by bin."""
    from fours.parts.selectors import pick_list

    lines = list(
        PartLine.objects.filter(
            ro__store=store,
            ro__status__in=OPEN_FOR_WORK,
            status__in=[PartStatus.REQUESTED, PartStatus.WAITING],
            approval=Approval.APPROVED,
        ).select_related("ro__vehicle", "part", "requested_by")
    )
    return pick_list(lines, store=store) if lines else []


def orders_to_settle(store) -> QuerySet[RepairOrder]:
    return repair_orders_for_store(store, ROStatus.AWAITING_SETTLEMENT)


def orders_unpaid(store) -> QuerySet[RepairOrder]:
    """Settled orders whose customer still owes at the cashier desk (their cars wait), with their money."""
    return with_money(repair_orders_for_store(store, ROStatus.SETTLED)).filter(customer_due__gt=F("paid"))


def unpaid_at_desk(store) -> dict:
    """已结算待收款: settled orders (cars not yet gone) whose customer still owes at the cashier desk, and
    how much; one query over their finance items."""
    from django.db.models import Count

    from fours.finance.choices import ItemSource

    settled = RepairOrder.objects.filter(store=store, status=ROStatus.SETTLED).values("pk")
    row = (
        _live_items(store=store, source=ItemSource.RO_CUSTOMER, doc_id__in=settled)
        .filter(allocated__lt=F("amount") - F("credited"))
        .aggregate(n=Count("doc_id", distinct=True), due=Sum(F("amount") - F("credited") - F("allocated")))
    )
    return {"n": row["n"] or 0, "due": row["due"] or ZERO}


def orders_to_check(store) -> QuerySet[RepairOrder]:
    """待质检."""
    return repair_orders_for_store(store, ROStatus.AWAITING_QC)


def repair_orders_for_store(store, status) -> QuerySet[RepairOrder]:
    return RepairOrder.objects.filter(store=store, status=status).select_related(
        "vehicle", "customer", "advisor"
    )


def to_remind(store, day) -> QuerySet[Appointment]:
    """The day's appointments still booked (the reminder list)."""
    return day_appointments(store, day).filter(status=ApptStatus.BOOKED)
