"""The service manager's dashboard and the workshop board for the TV."""

from __future__ import annotations

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
    ctx = {"title": _("售后看板"), "store": store, **reports.dashboard(request.user, store)}
    ctx["chart"] = json.dumps(ctx["chart"])
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
