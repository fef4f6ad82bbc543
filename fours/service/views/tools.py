"""专用工具与设备 pages: the tool register with the loans out (overdue in red), lending against a repair order,
return, loss, the foreman's daily check; the equipment register with its upkeep and calibration cards."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.registry import NavItem, Widget
from fours.core.roles import Role
from fours.core.selectors import has_role
from fours.core.selectors import users_with_role as _users_with_role
from fours.core.views import perm_or_403, redirect_back, run, work_store

from .. import selectors_workshop as sel
from .. import workflows_workshop as wf
from ..choices import IN_WORKSHOP, CardKind, ToolStatus
from ..models import Equipment, RepairOrder, Tool, ToolCheck
from ..services import tools as svc


def _technicians(store):
    return list(_users_with_role(store, Role.TECHNICIAN))


def _values(data, obj, fields, defaults) -> dict:
    """A form's values: what was posted, else the object's, else the defaults (dates as YYYY-MM-DD)."""
    out = {}
    for f in fields:
        if f in data:
            out[f] = data.get(f)
        elif obj is not None and getattr(obj, f) is not None:
            val = getattr(obj, f)
            out[f] = val.isoformat() if hasattr(val, "isoformat") else val
        else:
            out[f] = defaults.get(f, "")
    return out


@login_required
def tools_page(request):
    perm_or_403(request, "service.view_tool")
    store = work_store(request)
    user = request.user
    now = timezone.now()
    tools = list(sel.tools_for(user, store))
    open_loans = list(sel.loans_open(user, store))
    out = {ln.tool_id: ln for ln in open_loans}
    for t in tools:
        t.loan = out.get(t.pk)
        t.steps = wf.TOOL.allowed_next(t, user)
        t.is_lost = t.status == ToolStatus.LOST
        t.in_use = t.status != ToolStatus.SCRAPPED
        # back in the cabinet from repair or found again (a tool out comes back by its loan's return)
        t.back_in = ToolStatus.IN in t.steps and t.status != ToolStatus.OUT
    for ln in open_loans:
        ln.overdue = ln.due_at < now
        ln.steps = wf.TOOL.allowed_next(ln.tool, user)
    return render(
        request,
        "service/tools.html",
        {
            "title": _("专用工具"),
            "tools": tools,
            "loans": open_loans,
            "overdue": [ln for ln in open_loans if ln.overdue],
            "lost": [t for t in tools if t.status == ToolStatus.LOST],
            "recent": sel.loans_for(user, store).exclude(returned_at__isnull=True)[:30],
            "checks": ToolCheck.objects.for_user(user).filter(store=store).select_related("actor")[:10],
            "technicians": _technicians(store),
            "orders": RepairOrder.objects.filter(store=store, status__in=IN_WORKSHOP).select_related(
                "vehicle"
            )[:200],
            "can_add": user.has_perm("service.add_tool"),
            "can_check": user.has_perm("service.add_toolcheck"),
            "statuses": ToolStatus,
            "today": timezone.localdate(),
        },
    )


@login_required
def tool_edit(request, pk=None):
    tool = get_object_or_404(Tool.objects.for_user(request.user), pk=pk) if pk else None
    perm_or_403(request, "service.change_tool" if tool else "service.add_tool")
    store = work_store(request)
    errors = {}
    data = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            svc.tool_save(actor=request.user, store=store, tool=tool, data=data.dict())
        except ValidationError as e:
            errors = e.message_dict if hasattr(e, "error_dict") else {"general": e.messages}
        else:
            return redirect("service:tools")
    return render(
        request,
        "service/tool_form.html",
        {
            "title": _("编辑工具") if tool else _("新建工具"),
            "v": _values(data, tool, ["code", "name", "location", "value"], {"value": "0"}),
            "errors": errors,
        },
    )


@login_required
def tool_act(request, pk, step):
    """One step of a tool: lend, return, lost, or a register status (repair, in, scrapped)."""
    if request.method != "POST":
        raise PermissionDenied
    tool = get_object_or_404(Tool.objects.for_user(request.user), pk=pk)
    p = request.POST
    if step == "lend":
        User = get_user_model()
        tech = (
            User.objects.filter(pk=p.get("technician")).first()
            if str(p.get("technician", "")).isdigit()
            else None
        )
        ro = (
            RepairOrder.objects.for_user(request.user).filter(store=tool.store, pk=p.get("ro")).first()
            if str(p.get("ro", "")).isdigit()
            else None
        )
        run(request, svc.tool_lend, _("已借出"), tool=tool, technician=tech, ro=ro)
    elif step == "return":
        run(
            request,
            svc.tool_return,
            _("已归还"),
            tool=tool,
            condition=p.get("condition", ""),
            damaged=bool(p.get("damaged")),
        )
    elif step == "lost":
        run(
            request,
            svc.tool_lost,
            _("已登记丢失并计入员工赔偿"),
            tool=tool,
            charge=p.get("charge"),
            note=p.get("note", ""),
        )
    elif step in ToolStatus.values:
        run(request, svc.tool_status_set, _("已更新"), tool=tool, to=step, note=p.get("note", ""))
    else:
        raise PermissionDenied
    return redirect_back(request, "service:tools")


@login_required
def tool_check(request):
    perm_or_403(request, "service.add_toolcheck")
    if request.method != "POST":
        raise PermissionDenied
    store = work_store(request)
    run(
        request,
        svc.tool_check_record,
        _("已记录今日工具检查"),
        store=store,
        missing=request.POST.getlist("missing"),
        damaged=request.POST.getlist("damaged"),
        note=request.POST.get("note", ""),
    )
    return redirect("service:tools")


@login_required
def equipment_page(request):
    perm_or_403(request, "service.view_equipment")
    store = work_store(request)
    rows = list(sel.equipment_for(request.user, store).prefetch_related("cards__actor"))
    due = {e.pk: e for e in sel.equipment_due(request.user, store)}
    for e in rows:
        e.due = due.get(e.pk)
    return render(
        request,
        "service/equipment.html",
        {
            "title": _("设备台账"),
            "rows": rows,
            "kinds": CardKind.choices,
            "can_add": request.user.has_perm("service.add_equipment"),
            "can_card": request.user.has_perm("service.add_equipmentcard"),
            "today": timezone.localdate(),
        },
    )


@login_required
def equipment_edit(request, pk=None):
    eq = get_object_or_404(Equipment.objects.for_user(request.user), pk=pk) if pk else None
    perm_or_403(request, "service.change_equipment" if eq else "service.add_equipment")
    store = work_store(request)
    errors = {}
    data = request.POST if request.method == "POST" else {}
    staff = list(_users_with_role(store, Role.FOREMAN)) + _technicians(store)
    if request.method == "POST":
        keeper = next((u for u in staff if str(u.pk) == data.get("keeper")), None)
        try:
            svc.equipment_save(
                actor=request.user,
                store=store,
                equipment=eq,
                data={**data.dict(), "keeper": keeper, "active": bool(data.get("active"))},
            )
        except ValidationError as e:
            errors = e.message_dict if hasattr(e, "error_dict") else {"general": e.messages}
        else:
            return redirect("service:equipment")
    return render(
        request,
        "service/equipment_form.html",
        {
            "title": _("编辑设备") if eq else _("新建设备"),
            "eq": eq,
            "data": data,
            "errors": errors,
            "staff": staff,
        },
    )


@login_required
def equipment_card(request, pk):
    perm_or_403(request, "service.add_equipmentcard")
    if request.method != "POST":
        raise PermissionDenied
    eq = get_object_or_404(Equipment.objects.for_user(request.user), pk=pk)
    p = request.POST
    run(
        request,
        svc.equipment_card_add,
        _("已登记保养卡"),
        equipment=eq,
        kind=p.get("kind", ""),
        done_on=p.get("done_on") or None,
        result=p.get("result", ""),
        cost=p.get("cost") or 0,
    )
    return redirect("service:equipment")


urlpatterns = [
    path("tools/", tools_page, name="tools"),
    path("tools/new/", tool_edit, name="tool-create"),
    path("tools/check/", tool_check, name="tool-check"),
    path("tools/<int:pk>/", tool_edit, name="tool-edit"),
    path("tools/<int:pk>/<str:step>/", tool_act, name="tool-act"),
    path("equipment/", equipment_page, name="equipment"),
    path("equipment/new/", equipment_edit, name="equipment-create"),
    path("equipment/<int:pk>/", equipment_edit, name="equipment-edit"),
    path("equipment/<int:pk>/card/", equipment_card, name="equipment-card"),
]

NAV = [
    NavItem(
        "service",
        gettext_lazy("专用工具"),
        "service:tools",
        perm="service.view_tool",
        icon="bi-wrench",
        order=66,
    ),
    NavItem(
        "service",
        gettext_lazy("设备台账"),
        "service:equipment",
        perm="service.view_equipment",
        icon="bi-gear-wide",
        order=67,
    ),
]


def widgets(request, store):
    """The foreman's own: tools out and overdue, equipment due."""
    user = request.user
    if store is None or not user.has_perm("service.view_toolloan") or not has_role(user, store, Role.FOREMAN):
        return []
    out = list(sel.loans_open(user, store))
    late = sum(1 for ln in out if ln.due_at < timezone.now())
    due = sel.equipment_due(user, store)
    return [
        Widget(
            "service",
            _("借出工具"),
            len(out),
            _("件"),
            reverse("service:tools"),
            tone="danger" if late else "primary",
            note=_("超期未还 %(n)s") % {"n": late},
            mine=True,
        ),
        Widget(
            "service",
            _("设备待保养/标定"),
            len(due),
            _("台"),
            reverse("service:equipment"),
            tone="warning" if due else "primary",
            note=_("已超期 %(n)s") % {"n": sum(1 for e in due if e.overdue)},
            mine=True,
        ),
    ]
