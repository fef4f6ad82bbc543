"""Reads of the workshop, scoped by the user's stores."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from .choices import IN_WORKSHOP, ApptStatus, PartStatus, ROStatus
from .models import Appointment, LabourLine, PartLine, RepairOrder, TimeLog


def repair_orders_for(user, *, status: str | None = None) -> QuerySet[RepairOrder]:
    qs = RepairOrder.objects.for_user(user).select_related("vehicle", "customer", "advisor")
    return qs.filter(status=status) if status else qs


def appointments_for(user) -> QuerySet[Appointment]:
    return Appointment.objects.for_user(user).select_related("vehicle", "customer", "advisor", "package")


def ro_for_detail(user, pk) -> RepairOrder:
    from django.shortcuts import get_object_or_404

    ro = get_object_or_404(
        RepairOrder.objects.for_user(user).select_related(
            "store", "vehicle__model__series", "vehicle__configuration", "customer", "advisor", "appointment"
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
                queryset=LabourLine.objects.exclude(status="cancelled").select_related(
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
        ro.done_lines = sum(1 for ln in ro.board_lines if ln.status == "done")
    return rows


def my_jobs(user, store) -> list[LabourLine]:
    from django.db.models import Q

    qs = (
        LabourLine.objects.filter(ro__store=store, ro__status__in=[ROStatus.IN_PROGRESS, ROStatus.REWORK])
        .filter(Q(technician=user) | Q(team__members=user))
        .exclude(status__in=["cancelled"])
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
