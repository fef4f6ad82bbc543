"""Workshop pages: the technician's jobs, dispatch, the parts desk, QC, overnight cars, old parts."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from fours.core.roles import Role
from fours.core.selectors import users_with_role as _users_with_role
from fours.core.views import perm_or_403, work_store

from .. import selectors, workflows
from ..choices import LINE_ROW_CLASS, OldPartStatus, PauseReason
from ..models import (
    Bay,
    PartLine,
    Team,
)

# --- workshop pages ------------------------------------------------------------------------------------


@login_required
def my_jobs(request):
    perm_or_403(request, "service.work_repairorder")
    store = work_store(request)
    jobs = selectors.my_jobs(request.user, store)
    for j in jobs:
        j.steps = workflows.LABOUR_LINE.allowed_next(j, request.user)
    return render(
        request,
        "service/tech.html",
        {
            "title": _("我的作业"),
            "jobs": jobs,
            "pause_reasons": PauseReason.choices,
        },
    )


@login_required
def dispatch(request):
    perm_or_403(request, "service.dispatch_repairorder")
    store = work_store(request)
    lines = selectors.lines_to_dispatch(store)
    return render(
        request,
        "service/dispatch.html",
        {
            "title": _("派工"),
            "lines": lines,
            "load": selectors.technician_load(store),
            "technicians": _users_with_role(store, Role.TECHNICIAN),
            "teams": Team.objects.filter(store=store),
            "bays": Bay.objects.filter(store=store, is_active=True),
        },
    )


@login_required
def parts_desk(request):
    """The storekeeper's pick list: requested and waiting lines of open orders, by bin."""
    perm_or_403(request, "service.issue_repairorder")
    store = work_store(request)
    lines = selectors.lines_for_parts_desk(store)
    for ln in lines:
        ln.row_class = LINE_ROW_CLASS.get(ln.status, "")
    return render(
        request,
        "service/parts_desk.html",
        {"title": _("维修发料"), "lines": lines},
    )


@login_required
def qc_list(request):
    perm_or_403(request, "service.qc_repairorder")
    store = work_store(request)
    rows = selectors.orders_to_check(store)
    return render(request, "service/simple_list.html", {"title": _("待质检"), "rows": rows})


@login_required
def overnight(request):
    perm_or_403(request, "service.view_repairorder")
    store = work_store(request)
    return render(
        request,
        "service/simple_list.html",
        {"title": _("留厂车辆与钥匙"), "rows": selectors.overnight(store), "keys": True},
    )


@login_required
def old_parts(request):
    """索赔员: old parts of warranty lines kept for return to the manufacturer."""
    if not (
        request.user.has_perm("service.change_partline") or request.user.has_perm("service.issue_repairorder")
    ):
        raise PermissionDenied
    store = work_store(request)
    rows = (
        PartLine.objects.filter(ro__store=store)
        .exclude(old_part="")
        .select_related("ro__vehicle", "part", "old_part_by")
        .order_by("-old_part_at")[:300]
    )
    return render(
        request,
        "service/old_parts.html",
        {"title": _("旧件台账"), "rows": rows, "choices": [c for c in OldPartStatus.choices if c[0]]},
    )
