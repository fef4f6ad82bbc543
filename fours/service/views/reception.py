"""接车开单: reception on a tablet (the vehicle panel and the new order)."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.views import error_text, perm_or_403, work_store

from .. import selectors, services
from ..choices import (
    BELONGINGS,
    DAMAGE_KINDS,
    WARNING_LIGHTS,
    FuelLevel,
    ROKind,
)
from ..models import (
    Appointment,
    LabourOperation,
    MaintenancePackage,
)
from ._common import _dt

# --- reception ------------------------------------------------------------------------------------


def _package_due_at(pkg, km: int) -> int | None:
    """The first mileage at or above ``km`` at which the package is done: its mileage, then every interval."""
    base = pkg.mileage_km or 0
    if km <= base:
        return base
    if not pkg.interval_km:
        return None
    return base + -(-(km - base) // pkg.interval_km) * pkg.interval_km


def _suggest_package(vehicle):
    """The packages for the vehicle's series and the one of its next maintenance: at the vehicle's
    next maintenance mileage (下次保养里程, unless a whole interval behind the odometer), else at the first
    package mileage above the odometer. Of the packages due there the fullest (highest mileage) is taken."""
    qs = MaintenancePackage.objects.filter(group=vehicle.group, is_active=True)
    series_id = vehicle.model.series_id if vehicle.model_id else None
    pkgs = list(qs.filter(series_id=series_id)) or list(qs.filter(series__isnull=True))
    if not pkgs:
        return None, [], None
    odo = vehicle.odometer_km or 0
    step = min((p.interval_km for p in pkgs if p.interval_km), default=5000)
    due = vehicle.next_maintenance_km
    if not due or due + step <= odo:
        due = min((x for p in pkgs if (x := _package_due_at(p, odo + 1)) is not None), default=None)
    if due is None:
        return None, pkgs, None
    due_at = [(x, p) for p in pkgs if (x := _package_due_at(p, due)) is not None]
    best = min(due_at, key=lambda c: (c[0] - due, -(c[1].mileage_km or 0), c[1].pk))[1]
    return best, pkgs, due


@login_required
def reception_vehicle(request):
    """The panel shown once a vehicle is picked: its data, open orders, suggested package (htmx)."""
    perm_or_403(request, "service.add_repairorder")
    from fours.customers.selectors import vehicles_for

    v = (
        vehicles_for(request.user)
        .select_related("owner", "model__series")
        .filter(pk=request.GET.get("vehicle") or 0)
        .first()
    )
    if v is None:
        raise Http404
    best, pkgs, due_km = _suggest_package(v)
    open_ro = selectors.open_order_for(v)
    return render(
        request,
        "service/_reception_vehicle.html",
        {"v": v, "best": best, "packages": pkgs, "due_km": due_km, "open_ro": open_ro},
    )


@login_required
def reception(request):
    perm_or_403(request, "service.add_repairorder")
    store = work_store(request)
    from fours.customers.selectors import vehicles_for

    appt = None
    if request.GET.get("appointment") or request.POST.get("appointment"):
        appt = get_object_or_404(
            Appointment.objects.for_user(request.user).select_related("vehicle__owner", "package"),
            pk=request.GET.get("appointment") or request.POST.get("appointment"),
        )
    if request.method == "POST":
        p = request.POST
        data = {
            "odometer_km": p.get("odometer_km"),
            "complaint": p.get("complaint", ""),
            "fuel_level": p.get("fuel_level"),
            "warning_lights": p.getlist("warning_lights"),
            "belongings": p.getlist("belongings"),
            "belongings_note": p.get("belongings_note", ""),
            "promised_at": _dt(p.get("promised_at")),
            "key_tag": p.get("key_tag", ""),
            "kind": p.get("kind") or ROKind.REPAIR,
            "contact_name": p.get("contact_name", ""),
            "contact_phone": p.get("contact_phone", ""),
            "insurer": p.get("insurer", ""),
            "claim_no": p.get("claim_no", ""),
        }
        try:
            data["damage_marks"] = json.loads(p.get("damage_marks") or "[]")
        except ValueError:
            data["damage_marks"] = []
        package = MaintenancePackage.objects.filter(group=store.group, pk=p.get("package") or 0).first()
        ops = list(
            LabourOperation.objects.filter(
                group=store.group, pk__in=[i for i in p.getlist("operations") if i.isdigit()]
            )
        )
        try:
            if p.get("new_customer") == "1":
                ro = services.ro_receive_new(
                    actor=request.user,
                    store=store,
                    customer_data={"name": p.get("customer_name", ""), "mobile": p.get("mobile", "")},
                    vehicle_data={"vin": p.get("vin", ""), "plate": p.get("plate", "")},
                    data=data,
                    package=package,
                    operations=ops,
                    photos=request.FILES.getlist("photos"),
                )
            else:
                vehicle = vehicles_for(request.user).filter(pk=p.get("vehicle") or 0).first()
                if vehicle is None:
                    raise ValidationError({"vehicle": _("请先查找并选择车辆，或新建客户和车辆")})
                ro = services.ro_receive(
                    actor=request.user,
                    store=store,
                    vehicle=vehicle,
                    data=data,
                    package=package,
                    operations=ops,
                    appointment=appt,
                    photos=request.FILES.getlist("photos"),
                )
        except ValidationError as e:
            messages.error(request, error_text(e))
        except PermissionDenied as e:
            messages.error(request, str(e))
        else:
            messages.success(request, _("已开单 %(no)s") % {"no": ro.number})
            return redirect(ro)
    ctx = {
        "title": _("接车开单"),
        "appt": appt,
        "fuel_levels": FuelLevel.choices,
        "lights": WARNING_LIGHTS,
        "belongings": BELONGINGS,
        "damage_kinds": DAMAGE_KINDS,
        "kinds": ROKind.choices,
        "operations": LabourOperation.objects.filter(group=store.group, is_active=True).order_by("code")[
            :200
        ],
        "default_promised": (timezone.localtime() + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "post": request.POST,
    }
    return render(request, "service/reception.html", ctx)
