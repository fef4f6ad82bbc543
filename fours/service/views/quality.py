"""质检单据与返修 pages: an order's inspections (过程检验单, 钣金喷漆前检验, 竣工检验单) with the printed 出厂合格证
and the 派工单 per technician; comebacks (返修) linked to the first order; the quality guarantee periods;
the parts-shortage tracker (待缺料配件采购跟踪表)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.registry import NavItem, Widget
from fours.core.roles import Role
from fours.core.selectors import has_role
from fours.core.views import perm_or_403, redirect_back, run, work_store

from .. import selectors_workshop as sel
from .. import workflows_workshop as wf
from ..choices import InspectionStage, LabourCategory, LabourStatus, ShortageStatus
from ..models import Comeback, LabourLine, PartShortage, RepairOrder
from ..selectors_performance import month_bounds, workshop_performance
from ..services import quality as q
from ..services import shortages as sh_svc


def _ro(request, pk) -> RepairOrder:
    return get_object_or_404(
        RepairOrder.objects.for_user(request.user).select_related(
            "vehicle__model", "customer", "advisor", "store"
        ),
        pk=pk,
    )


@login_required
def ro_quality(request, pk):
    perm_or_403(request, "service.view_repairorder")
    ro = _ro(request, pk)
    inspections = list(ro.stage_inspections.select_related("inspector"))
    labels = {stage: dict(items) for stage, items in q.CHECKLISTS.items()}
    for i in inspections:
        i.items = [(labels[i.stage].get(k, k), ok) for k, ok in i.checklist.items()]
        i.values = [(label, i.data[k]) for k, label in q.DATA_FIELDS if k in i.data]
    comeback = Comeback.objects.filter(ro=ro).select_related("original", "technician").first()
    return render(
        request,
        "service/ro_quality.html",
        {
            "title": _("质检单据"),
            "ro": ro,
            "inspections": inspections,
            "stages": [
                (s, InspectionStage(s).label, items)
                for s, items in q.CHECKLISTS.items()
                if q.stage_open(ro, s)
            ],
            "data_fields": q.DATA_FIELDS,
            "certificate": next((i for i in inspections if i.certificate_no), None),
            "slips": sel.dispatch_slips(ro),
            "comeback": comeback,
            "comebacks": list(ro.comebacks.select_related("ro", "technician")),
            "candidates": sel.comeback_candidates(ro) if comeback is None else [],
            "can_inspect": request.user.has_perm("service.add_stageinspection"),
            "can_comeback": request.user.has_perm("service.add_comeback"),
        },
    )


@login_required
def ro_quality_act(request, pk, step):
    if request.method != "POST":
        raise PermissionDenied
    ro = _ro(request, pk)
    p = request.POST
    if step == "inspect":
        stage = p.get("stage", "")
        items = [k for k, _l in q.CHECKLISTS.get(stage, [])]
        run(
            request,
            q.stage_inspect,
            _("检验已记录"),
            ro=ro,
            stage=stage,
            checklist={k: bool(p.get(f"c_{k}")) for k in items},
            passed=p.get("passed") == "1",
            data={k: p.get(f"d_{k}", "") for k, _l in q.DATA_FIELDS},
            note=p.get("note", ""),
        )
    elif step == "comeback":
        original = (
            RepairOrder.objects.for_user(request.user).filter(pk=p.get("original")).first()
            if str(p.get("original", "")).isdigit()
            else None
        )
        line = (
            LabourLine.objects.filter(ro=original, pk=p.get("original_line")).first()
            if original and str(p.get("original_line", "")).isdigit()
            else None
        )
        run(
            request,
            q.comeback_record,
            _("已登记返修"),
            ro=ro,
            original=original,
            original_line=line,
            reason=p.get("reason", ""),
            handling=p.get("handling", ""),
        )
    else:
        raise Http404
    return redirect("service:ro-quality", pk=ro.pk)


@login_required
def ro_certificate(request, pk):
    """出厂合格证 (A4): printed from the passed completion inspection."""
    perm_or_403(request, "service.view_repairorder")
    ro = _ro(request, pk)
    insp = (
        ro.stage_inspections.filter(stage=InspectionStage.COMPLETION, passed=True)
        .select_related("inspector")
        .last()
    )
    if insp is None:
        raise Http404(_("竣工检验合格后才能打印出厂合格证"))
    labels = dict(q.CHECKLISTS[InspectionStage.COMPLETION])
    end_day, end_km = q.guarantee_end(ro) if (ro.delivered_at or ro.settled_at) else (None, 0)
    return render(
        request,
        "service/print_certificate.html",
        {
            "title": _("机动车维修竣工出厂合格证"),
            "ro": ro,
            "store": ro.store,
            "insp": insp,
            "items": [(labels.get(k, k), ok) for k, ok in insp.checklist.items()],
            "values": [(label, insp.data[k]) for k, label in q.DATA_FIELDS if k in insp.data],
            "lines": ro.labour.exclude(status=LabourStatus.CANCELLED).select_related("operation"),
            "guarantee": [
                (LabourCategory(c).label, *q.guarantee_of(ro.store, c))
                for c in sorted(
                    {ln.operation.category for ln in ro.labour.select_related("operation") if ln.operation_id}
                )
            ],
            "end_day": end_day,
            "end_km": end_km,
        },
    )


@login_required
def ro_dispatch_slip(request, pk, key):
    """派工单 of one technician (t<id>) or team (g<id>) on the order (A4)."""
    perm_or_403(request, "service.view_repairorder")
    ro = _ro(request, pk)
    slip = next((s for s in sel.dispatch_slips(ro) if s["key"] == key), None)
    if slip is None:
        raise Http404
    return render(
        request,
        "service/print_dispatch_slip.html",
        {"title": _("派工单"), "ro": ro, "store": ro.store, "slip": slip},
    )


@login_required
def comebacks_page(request):
    perm_or_403(request, "service.view_comeback")
    store = work_store(request)
    start, end = month_bounds(timezone.localdate())
    perf = workshop_performance(store, start, end)["store"]
    return render(
        request,
        "service/comebacks.html",
        {"title": _("返修记录"), "rows": sel.comebacks_for(request.user, store)[:200], "month": perf},
    )


@login_required
def guarantee_page(request):
    perm_or_403(request, "service.view_guaranteeperiod")
    store = work_store(request)
    if request.method == "POST":
        perm_or_403(request, "service.change_guaranteeperiod")
        for c in LabourCategory.values:
            d, k = request.POST.get(f"days_{c}"), request.POST.get(f"km_{c}")
            if d or k:
                if (
                    run(request, q.guarantee_period_set, _("已保存"), store=store, category=c, days=d, km=k)
                    is None
                ):
                    break
        return redirect("service:guarantee")
    return render(
        request,
        "service/guarantee.html",
        {
            "title": _("质量保证期"),
            "rows": [(c, LabourCategory(c).label, *q.guarantee_of(store, c)) for c in LabourCategory.values],
            "can_edit": request.user.has_perm("service.change_guaranteeperiod"),
        },
    )


@login_required
def shortages_page(request):
    perm_or_403(request, "service.view_partshortage")
    store = work_store(request)
    status = request.GET.get("status", ShortageStatus.OPEN)
    if status not in ShortageStatus.values and status != "all":
        status = ShortageStatus.OPEN
    mine = request.GET.get("mine") == "1"
    rows = sel.shortages_list(request.user, store, status=None if status == "all" else status, mine=mine)
    for r in rows:
        r.steps = wf.SHORTAGE.allowed_next(r, request.user)
    return render(
        request,
        "service/shortages.html",
        {
            "title": _("缺料跟踪"),
            "rows": rows,
            "chosen": status,
            "mine": mine,
            "statuses": ShortageStatus.choices,
        },
    )


@login_required
def shortage_act(request, pk, step):
    if request.method != "POST":
        raise PermissionDenied
    sh = get_object_or_404(PartShortage.objects.for_user(request.user), pk=pk)
    p = request.POST
    if step == "track":
        from fours.parts.models import PurchaseOrder

        po = None
        if p.get("po_number"):
            po = PurchaseOrder.objects.filter(store=sh.store, number=p["po_number"].strip()).first()
            if po is None:
                from django.contrib import messages

                messages.error(request, _("采购订单 %(no)s 不存在") % {"no": p["po_number"]})
                return redirect_back(request, "service:shortages")
        run(
            request,
            sh_svc.shortage_track,
            _("已更新跟踪"),
            shortage=sh,
            purchase_order=po,
            expected_on=p.get("expected_on") or None,
            note=p.get("note"),
        )
    elif step == ShortageStatus.CANCELLED:
        run(request, sh_svc.shortage_cancel, _("已取消"), shortage=sh, reason=p.get("reason", ""))
    else:
        raise Http404
    return redirect_back(request, "service:shortages")


urlpatterns = [
    path("qc/orders/<int:pk>/", ro_quality, name="ro-quality"),
    path("qc/orders/<int:pk>/<str:step>/", ro_quality_act, name="ro-quality-act"),
    path("qc/orders/<int:pk>/certificate/print/", ro_certificate, name="ro-certificate"),
    path("qc/orders/<int:pk>/dispatch-slip/<str:key>/", ro_dispatch_slip, name="ro-dispatch-slip"),
    path("comebacks/", comebacks_page, name="comebacks"),
    path("settings/guarantee/", guarantee_page, name="guarantee"),
    path("shortages/", shortages_page, name="shortages"),
    path("shortages/<int:pk>/<str:step>/", shortage_act, name="shortage-act"),
]

NAV = [
    NavItem(
        "service",
        gettext_lazy("缺料跟踪"),
        "service:shortages",
        perm="service.view_partshortage",
        icon="bi-hourglass-split",
        order=46,
    ),
    NavItem(
        "service",
        gettext_lazy("返修记录"),
        "service:comebacks",
        perm="service.view_comeback",
        icon="bi-arrow-repeat",
        order=52,
    ),
    NavItem(
        "service",
        gettext_lazy("质量保证期"),
        "service:guarantee",
        perm="service.change_guaranteeperiod",
        icon="bi-shield-check",
        order=83,
    ),
]


def widgets(request, store):
    """The advisor's own: cars of theirs whose missing part has arrived (到货待领)."""
    user = request.user
    if (
        store is None
        or not user.has_perm("service.view_partshortage")
        or not has_role(user, store, Role.SERVICE_ADVISOR)
    ):
        return []
    arrived = sel.shortages_arrived_for(user, store)
    waiting = len(sel.shortages_list(user, store, mine=True))
    return [
        Widget(
            "service",
            _("我的缺件已到货"),
            len(arrived),
            _("台"),
            reverse("service:shortages") + "?status=arrived&mine=1",
            tone="success" if arrived else "primary",
            note=_("仍在等料 %(n)s") % {"n": waiting},
            mine=True,
        )
    ]
