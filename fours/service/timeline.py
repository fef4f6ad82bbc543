"""Repair orders and appointments on the vehicle's and customer's history (车辆/客户 360)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fours.core.registry import TimelineEntry
from fours.core.templatetags.fours import yuan

from .models import Appointment, RepairOrder


def _ro_entries(qs):
    out = []
    for ro in qs.select_related("store", "vehicle")[:100]:
        out.append(
            TimelineEntry(
                when=ro.received_at,
                title=_("维修工单 %(no)s · %(s)s") % {"no": ro.number, "s": ro.get_status_display()},
                detail=f"{ro.vehicle.plate or ro.vehicle.vin} · {ro.odometer_km} km · {ro.get_kind_display()}"
                + (f" · {yuan(ro.total)}" if ro.total else ""),
                url=ro.get_absolute_url(),
                store=str(ro.store),
                kind="repair_order",
            )
        )
    return out


def _appt_entries(qs):
    import datetime as dt

    from django.utils import timezone

    out = []
    for a in qs.select_related("store", "package")[:50]:
        out.append(
            TimelineEntry(
                when=timezone.make_aware(dt.datetime.combine(a.date, a.slot)),
                title=_("预约 %(no)s · %(s)s") % {"no": a.number, "s": a.get_status_display()},
                detail=str(a.package or a.jobs),
                url=a.get_absolute_url(),
                store=str(a.store),
                kind="appointment",
            )
        )
    return out


def vehicle_events(vehicle, user) -> list[TimelineEntry]:
    if not user.has_perm("service.view_repairorder"):
        return []
    return _ro_entries(RepairOrder.objects.for_user(user).filter(vehicle=vehicle)) + _appt_entries(
        Appointment.objects.for_user(user).filter(vehicle=vehicle)
    )


def customer_events(customer, user) -> list[TimelineEntry]:
    if not user.has_perm("service.view_repairorder"):
        return []
    return _ro_entries(RepairOrder.objects.for_user(user).filter(customer=customer)) + _appt_entries(
        Appointment.objects.for_user(user).filter(customer=customer)
    )
