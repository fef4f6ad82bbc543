"""目标 pages: the monthly targets of a store by department and person, each beside what the daily
summaries show so far; a manager with ``reports.set_target`` edits the grid and saves it at once.
集团对比: the stores of a group side by side, each department's key figures of a month against targets."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.registry import NavItem
from fours.core.stores import user_stores
from fours.core.views import error_text, perm_or_403, work_store

from . import selectors as sel
from . import services


def _department(request, allowed: list[str]) -> str:
    dept = request.GET.get("department") or request.POST.get("department") or allowed[0]
    return dept if dept in allowed else allowed[0]


def _cell_value(raw: str):
    raw = (raw or "").strip().replace(",", "").replace("¥", "")
    if raw == "":
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        return raw  # target_set refuses it with its message


@transaction.atomic
def _save_grid(request, store, month, department, grid) -> int:
    """Every changed cell of the grid through ``target_set``; all of them or none."""
    changed = 0
    for row in grid["rows"]:
        for cell in row["cells"]:
            if cell["field"] not in request.POST:
                continue
            value = _cell_value(request.POST[cell["field"]])
            if value is None or (isinstance(value, Decimal) and value == cell["value"]):
                continue
            try:
                services.target_set(
                    actor=request.user,
                    store=store,
                    month=month,
                    department=department,
                    metric=cell["metric"],
                    value=value,
                    person=row["person"],
                )
            except ValidationError as e:
                raise ValidationError(f"{row['name']} · {cell['label']}：{error_text(e)}") from e
            changed += 1
    return changed


@login_required
def targets(request):
    perm_or_403(request, "reports.view_target")
    store = work_store(request)
    month = sel.parse_month(request.GET.get("month") or request.POST.get("month"))
    allowed = sel.departments_for(request.user, store)
    department = _department(request, allowed)
    can_set = request.user.has_perm("reports.set_target")
    grid = sel.target_grid(request.user, store, month, department)
    if request.method == "POST":
        if not can_set:
            raise PermissionDenied
        try:
            changed = _save_grid(request, store, month, department, grid)
        except ValidationError as e:
            messages.error(request, error_text(e))
        else:
            messages.success(request, _("已保存 %(n)s 项目标") % {"n": changed})
            return redirect(f"{reverse('reports:targets')}?month={month:%Y-%m}&department={department}")
    return render(
        request,
        "reports/targets.html",
        {
            "title": _("目标"),
            "store": store,
            "grid": grid,
            "month": month,
            "prev_month": sel.add_months(month, -1),
            "next_month": sel.add_months(month, 1),
            "department": department,
            "departments": [(d, sel.DEPARTMENT_LABELS[d]) for d in allowed],
            "can_set": can_set,
        },
    )


@login_required
def group(request):
    """集团对比: every store the user may see, one row each, the month's figures against their targets."""
    perm_or_403(request, "reports.view_group")
    stores = sorted(user_stores(request), key=lambda s: s.code)
    month = sel.parse_month(request.GET.get("month"))
    data = sel.group_comparison(request.user, stores, month, sort=request.GET.get("sort", ""))
    return render(
        request,
        "reports/group.html",
        {
            "title": _("集团对比"),
            "data": data,
            "month": month,
            "prev_month": sel.add_months(month, -1),
            "next_month": sel.add_months(month, 1),
            "this_month": sel.month_start(),
        },
    )


urlpatterns = [
    path("targets/", targets, name="targets"),
    path("group/", group, name="group"),
]

NAV = [
    NavItem(
        "sales",
        gettext_lazy("目标"),
        "reports:targets",
        perm="reports.view_target",
        icon="bi-bullseye",
        order=80,
    ),
    NavItem(
        "management",
        gettext_lazy("集团对比"),
        "reports:group",
        perm="reports.view_group",
        icon="bi-building",
        order=10,
    ),
    NavItem(
        "management",
        gettext_lazy("目标"),
        "reports:targets",
        perm="reports.set_target",
        icon="bi-bullseye",
        order=50,
    ),
]
