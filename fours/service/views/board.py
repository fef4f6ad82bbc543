"""The service manager's dashboard and the workshop board for the TV."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.views import perm_or_403, work_store

from .. import reports, selectors

# --- dashboard and board ----------------------------------------------------------------------------


@login_required
def dashboard(request):
    perm_or_403(request, "service.view_service_dashboard")
    store = work_store(request)
    start, end = reports.period(30)
    today = timezone.localdate()
    t0 = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    ctx = {
        "title": _("售后看板"),
        "store": store,
        "today": reports.today_output(store),
        "counts": reports.ro_counts(store),
        "hours_today": reports.hours_sold(store, t0, t0 + dt.timedelta(days=1)),
        "hours_30": reports.hours_sold(store, start, end),
        "on_time": reports.on_time_rate(store, start, end),
        "rework": reports.rework_rate(store, start, end),
        "appt_rate": reports.appointment_rate(store, start, end),
        "advisors": reports.per_advisor(store, start, end),
        "technicians": reports.per_technician(store, start, end),
        "chart": json.dumps(reports.daily_output(store)),
    }
    return render(request, "service/dashboard.html", ctx)


@login_required
def board(request):
    perm_or_403(request, "service.view_repairorder")
    store = work_store(request)
    return render(
        request,
        "service/board.html",
        {"title": _("车间看板"), "store": store, "rows": selectors.board_rows(store), "now": timezone.now()},
    )


@login_required
def board_rows(request):
    perm_or_403(request, "service.view_repairorder")
    store = work_store(request)
    return render(
        request, "service/_board_rows.html", {"rows": selectors.board_rows(store), "now": timezone.now()}
    )
