"""The service UI: thin views over services and selectors (reception on a tablet, the order page,
the workshop board for the TV, the technician's jobs, the parts desk, the cashier, prints)."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.audit import timeline_for
from fours.core.roles import Role
from fours.core.selectors import users_with_role as _users_with_role
from fours.core.views import FoursListView, error_text, perm_or_403, run, work_store
from fours.core.views import redirect_back as _back

from . import filters, reports, selectors, services, tables
from .choices import (
    BELONGINGS,
    DAMAGE_KINDS,
    DISCOUNTABLE,
    QC_CHECKLIST,
    WARNING_LIGHTS,
    Approval,
    ConfirmMethod,
    FuelLevel,
    OldPartStatus,
    PartStatus,
    PauseReason,
    Payer,
    PaymentMethod,
    ROKind,
    ROStatus,
)
from .forms import AppointmentForm, FollowUpForm
from .models import (
    Appointment,
    Bay,
    DiscountRequest,
    FollowUpTask,
    LabourLine,
    LabourOperation,
    MaintenancePackage,
    PartLine,
    RepairOrder,
    ServiceReceivable,
    Team,
)


def _dt(value):
    if not value:
        return None
    v = parse_datetime(value)
    if v is None:
        d = parse_date(value)
        v = dt.datetime.combine(d, dt.time(18, 0)) if d else None
    if v is not None and timezone.is_naive(v):
        v = timezone.make_aware(v)
    return v


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
    open_ro = RepairOrder.objects.filter(
        vehicle=v,
        status__in=[
            ROStatus.RECEIVED,
            ROStatus.AWAITING_APPROVAL,
            ROStatus.IN_PROGRESS,
            ROStatus.AWAITING_QC,
            ROStatus.REWORK,
        ],
    ).first()
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


# --- repair orders --------------------------------------------------------------------------------


class ROListView(FoursListView):
    model = RepairOrder
    table_class = tables.ROTable
    filterset_class = filters.ROFilter
    title = gettext_lazy("维修工单")

    def base_queryset(self):
        return RepairOrder.objects.select_related("vehicle", "customer", "advisor")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.request.user.has_perm("service.add_repairorder"):
            ctx["create_url"], ctx["create_label"] = reverse("service:reception"), _("接车开单")
        return ctx


@login_required
def ro_detail(request, pk):
    perm_or_403(request, "service.view_repairorder")
    ro = selectors.ro_for_detail(request.user, pk)
    u = request.user
    est = services.pricing.totals(ro, ro.labour_lines, ro.part_lines, estimate=True)
    actual = services.pricing.totals(ro, ro.labour_lines, ro.part_lines)
    refusal = services.delivery_refusal(ro)
    store = ro.store
    ctx = {
        "title": f"{_('维修工单')} {ro.number}",
        "object": ro,
        "ro": ro,
        "est": est,
        "actual": actual,
        "payers": Payer.choices,
        "confirm_methods": ConfirmMethod.choices,
        "pause_reasons": PauseReason.choices,
        "pay_methods": PaymentMethod.choices,
        "old_part_choices": [c for c in OldPartStatus.choices if c[0]],
        "checklist": QC_CHECKLIST,
        "pending_added": [ln for ln in ro.labour_lines + ro.part_lines if ln.approval == Approval.PENDING],
        "to_issue": sum(
            1
            for ln in ro.part_lines
            if ln.approval == Approval.APPROVED
            and ln.status != PartStatus.CANCELLED
            and ln.qty > ln.qty_issued
        ),
        "discount_requests": list(
            DiscountRequest.objects.filter(ro=ro, status="pending").select_related("requested_by")
        ),
        "approvals": list(ro.approvals.select_related("recorded_by")),
        "delays": list(ro.delays.select_related("actor")),
        "photos": list(ro.photos.all()),
        "settlements": list(ro.settlements.select_related("actor")),
        "payments": list(ro.payments.select_related("cashier")),
        "timeline": timeline_for(ro).select_related("actor")[:100],
        "deliver_blocked": refusal[1] if refusal else "",
        "can_deliver": ro.status == ROStatus.SETTLED and refusal is None,
        "discountable": ro.status in DISCOUNTABLE,
        "editable": ro.status
        in {
            ROStatus.RECEIVED,
            ROStatus.AWAITING_APPROVAL,
            ROStatus.IN_PROGRESS,
            ROStatus.AWAITING_QC,
            ROStatus.REWORK,
        },
        "can": {
            "edit": u.has_perm("service.change_repairorder"),
            "dispatch": u.has_perm("service.dispatch_repairorder"),
            "work": u.has_perm("service.work_repairorder"),
            "issue": u.has_perm("service.issue_repairorder"),
            "qc": u.has_perm("service.qc_repairorder"),
            "settle": u.has_perm("service.settle_repairorder"),
            "pay": u.has_perm("service.add_payment"),
            "reverse": u.has_perm("service.reverse_settlement"),
            "deliver": u.has_perm("service.deliver_repairorder"),
        },
        "technicians": _users_with_role(store, Role.TECHNICIAN)
        if u.has_perm("service.dispatch_repairorder")
        else [],
        "teams": Team.objects.filter(store=store) if u.has_perm("service.dispatch_repairorder") else [],
        "bays": Bay.objects.filter(store=store, is_active=True)
        if u.has_perm("service.dispatch_repairorder")
        else [],
        "operations": LabourOperation.objects.filter(group_id=store.group_id, is_active=True).order_by(
            "code"
        )[:300]
        if u.has_perm("service.change_repairorder")
        else [],
        "now": timezone.now(),
    }
    return render(request, "service/ro_detail.html", ctx)


def _line(ro, model, request, key="line"):
    return get_object_or_404(model, ro=ro, pk=request.POST.get(key) or 0)


@login_required
def ro_act(request, pk, step):
    """Every button of the order page posts here: parse, call the service, say what happened."""
    ro = get_object_or_404(RepairOrder.objects.for_user(request.user), pk=pk)
    if request.method != "POST":
        if step == "settle":
            return _settle_confirm(request, ro)
        return redirect(ro)
    p, u = request.POST, request.user
    store = ro.store
    if step == "settle":
        # 结算 posts the invoice: only from the confirmation page, and only for the amounts shown there
        if p.get("confirm") != "1":
            messages.info(request, _("请先核对付费方、金额和税额，再确认结算"))
            return redirect("service:ro-act", ro.pk, "settle")
        if ro.status == ROStatus.AWAITING_SETTLEMENT:
            shown = p.get("total", "")
            full = selectors.ro_for_detail(u, ro.pk)
            now = services.pricing.totals(full, full.labour_lines, full.part_lines).total
            if shown != f"{now:.2f}":
                messages.warning(
                    request, _("结算金额已变为 %(t)s 元，请重新核对后确认") % {"t": f"{now:,.2f}"}
                )
                return redirect("service:ro-act", ro.pk, "settle")

    def part_by_no():
        from fours.parts.models import Part
        from fours.parts.services.catalog import normalize_part_no

        part = Part.objects.filter(group=store.group, part_no=normalize_part_no(p.get("part_no", ""))).first()
        if part is None:
            raise ValidationError({"part_no": _("配件编号 %(no)s 不存在") % {"no": p.get("part_no", "")}})
        return part

    steps = {
        "labour-add": lambda: services.ro_labour_add(
            actor=u,
            ro=ro,
            operation=LabourOperation.objects.filter(group=store.group, pk=p.get("operation") or 0).first(),
            name=p.get("name", ""),
            hours=p.get("hours") or None,
            payer=p.get("payer") or Payer.CUSTOMER,
        ),
        "part-add": lambda: services.ro_part_add(
            actor=u,
            ro=ro,
            part=part_by_no(),
            qty=p.get("qty"),
            payer=p.get("payer") or Payer.CUSTOMER,
            unit_price=p.get("unit_price") or None,
        ),
        "labour-remove": lambda: services.ro_line_remove(actor=u, line=_line(ro, LabourLine, request)),
        "part-remove": lambda: services.ro_line_remove(actor=u, line=_line(ro, PartLine, request)),
        "estimate": lambda: services.ro_estimate_submit(
            actor=u, ro=ro, promised_at=_dt(p.get("promised_at"))
        ),
        "confirm": lambda: services.ro_estimate_confirm(
            actor=u,
            ro=ro,
            signer_name=p.get("signer_name", ""),
            method=p.get("method", ""),
            signature=p.get("signature", ""),
        ),
        "added-confirm": lambda: services.ro_added_confirm(
            actor=u,
            ro=ro,
            signer_name=p.get("signer_name", ""),
            method=p.get("method", ""),
            signature=p.get("signature", ""),
            approved=p.get("approved", "1") == "1",
        ),
        "discount": lambda: services.ro_discount_set(
            actor=u,
            ro=ro,
            labour_pct=p.get("labour_pct") or 0,
            parts_pct=p.get("parts_pct") or 0,
            reason=p.get("reason", ""),
            request_approval=p.get("request_approval") == "1",
        ),
        "discount-decide": lambda: services.discount_decide(
            actor=u,
            request=get_object_or_404(DiscountRequest, ro=ro, pk=p.get("request") or 0),
            approve=p.get("approve") == "1",
        ),
        "delay": lambda: services.ro_delay(
            actor=u, ro=ro, new_promised_at=_dt(p.get("new_promised_at")), reason=p.get("reason", "")
        ),
        "cancel": lambda: services.ro_cancel(actor=u, ro=ro, reason=p.get("reason", "")),
        "dispatch": lambda: services.line_dispatch(
            actor=u,
            line=_line(ro, LabourLine, request),
            technician=_users_with_role(store, Role.TECHNICIAN).filter(pk=p.get("technician") or 0).first(),
            team=Team.objects.filter(store=store, pk=p.get("team") or 0).first(),
            bay=Bay.objects.filter(store=store, pk=p.get("bay") or 0).first(),
        ),
        "clock-on": lambda: services.clock_on(actor=u, line=_line(ro, LabourLine, request)),
        "clock-off": lambda: services.clock_off(
            actor=u, line=_line(ro, LabourLine, request), finished=True, note=p.get("note", "")
        ),
        "pause": lambda: services.clock_off(
            actor=u,
            line=_line(ro, LabourLine, request),
            finished=False,
            reason=p.get("reason", ""),
            note=p.get("note", ""),
        ),
        "request": lambda: services.part_request(actor=u, line=_line(ro, PartLine, request)),
        "issue": lambda: services.part_issue(
            actor=u,
            line=_line(ro, PartLine, request),
            qty=p.get("qty") or None,
            old_part_handed_in=p.get("old_part") == "1",
        ),
        "return": lambda: services.part_return(actor=u, line=_line(ro, PartLine, request), qty=p.get("qty")),
        "old-part": lambda: services.old_part_set(
            actor=u, line=_line(ro, PartLine, request), status=p.get("status", "")
        ),
        "qc": lambda: services.qc_record(
            actor=u,
            ro=ro,
            checklist={k: True for k in p.getlist("checklist")},
            passed=p.get("passed") == "1",
            reason=p.get("reason", ""),
            rework_lines=[i for i in p.getlist("rework_lines") if i.isdigit()],
        ),
        "settle": lambda: services.ro_settle(actor=u, ro=ro, on_account=p.get("on_account") == "1"),
        "pay": lambda: services.ro_pay(
            actor=u,
            ro=ro,
            method=p.get("method", ""),
            amount=p.get("amount") or "0",
            reference=p.get("reference", ""),
        ),
        "refund": lambda: services.ro_refund(
            actor=u,
            ro=ro,
            method=p.get("method", ""),
            amount=p.get("amount") or "0",
            reason=p.get("reason", ""),
            reference=p.get("reference", ""),
        ),
        "reverse": lambda: services.ro_settlement_reverse(actor=u, ro=ro, reason=p.get("reason", "")),
        "deliver": lambda: services.ro_deliver(
            actor=u, ro=ro, next_date=parse_date(p.get("next_date") or ""), next_km=p.get("next_km") or None
        ),
        "reception": lambda: services.ro_reception_update(
            actor=u,
            ro=ro,
            data={"complaint": p.get("complaint", ro.complaint), "key_tag": p.get("key_tag", ro.key_tag)},
        ),
    }
    steps["issue-all"] = lambda: services.ro_parts_issue(
        actor=u, ro=ro, old_part_handed_in=p.get("old_part") == "1"
    )
    steps["photo"] = lambda: services.ro_photos_add(
        actor=u, ro=ro, files=request.FILES.getlist("photos"), caption=p.get("caption", "")
    )
    fn = steps.get(step)
    if fn is None:
        raise Http404
    labels = {
        "issue": _("已发料"),
        "issue-all": _("已发料"),
        "settle": _("已结算"),
        "pay": _("已收款"),
        "refund": _("已退款"),
        "deliver": _("已交车，出门证已开具"),
        "confirm": _("客户已确认估价"),
        "qc": _("质检已记录"),
        "photo": _("照片已上传"),
    }
    run(request, lambda actor: fn(), labels.get(step, _("已保存")))
    if step in ("issue", "issue-all"):
        waiting = PartLine.objects.filter(ro=ro, status=PartStatus.WAITING)
        if step == "issue":
            waiting = waiting.filter(pk=p.get("line") or 0)
        if waiting.exists():
            messages.warning(request, _("库存不足，已登记紧急缺件，工单标记为等待配件"))
    return _back(request, ro)


def _settle_confirm(request, ro):
    """结算确认: the payer split, amounts and VAT the invoice will carry, with the button that posts it."""
    perm_or_403(request, "service.settle_repairorder")
    if ro.status != ROStatus.AWAITING_SETTLEMENT:
        messages.warning(request, _("工单当前为“%(s)s”，不能结算") % {"s": ro.get_status_display()})
        return redirect(ro)
    ro = selectors.ro_for_detail(request.user, ro.pk)
    t = services.pricing.totals(ro, ro.labour_lines, ro.part_lines)
    return render(
        request,
        "service/settle_confirm.html",
        {
            "title": f"{_('确认结算')} {ro.number}",
            "ro": ro,
            "t": t,
            "total": f"{t.total:.2f}",
            "vat_pct": f"{(ro.store.vat_rate * 100).normalize():f}",
            "payers": [(v, label, t.by_payer[v]) for v, label in Payer.choices],
        },
    )


@login_required
def ro_print(request, pk, doc):
    perm_or_403(request, "service.view_repairorder")
    ro = selectors.ro_for_detail(request.user, pk)
    if doc not in ("estimate", "settlement", "picklist", "gatepass"):
        raise Http404
    from .choices import BELONGINGS, WARNING_LIGHTS

    words = dict(BELONGINGS) | dict(WARNING_LIGHTS)
    ctx = {
        "ro": ro,
        "object": ro,
        "store": ro.store,
        "doc": doc,
        "payers": dict(Payer.choices),
        "belongings": [str(words.get(b, b)) for b in ro.belongings or []],
        "lights": [str(words.get(w, w)) for w in ro.warning_lights or []],
    }
    if doc == "estimate":
        ctx["title"] = _("维修委托书")
        ctx["t"] = services.pricing.totals(ro, ro.labour_lines, ro.part_lines, estimate=True)
        ctx["approval"] = ro.approvals.filter(kind="estimate").last()
        ctx["added"] = list(ro.approvals.filter(kind="added"))
    elif doc == "settlement":
        ctx["title"] = _("维修结算单")
        ctx["st"] = ro.settlements.filter(kind="normal", reversed_by__isnull=True).last()
        ctx["t"] = services.pricing.totals(ro, ro.labour_lines, ro.part_lines)
        ctx["payments"] = list(ro.payments.all())
    elif doc == "picklist":
        from fours.parts.selectors import pick_list

        lines = [
            ln
            for ln in ro.part_lines
            if ln.status in (PartStatus.PLANNED, PartStatus.REQUESTED, PartStatus.WAITING)
        ]
        for ln in lines:
            ln.store = ro.store
        return render(
            request,
            "parts/print.html",
            {
                "doc_title": _("维修领料单"),
                "object": ro,
                "store": ro.store,
                "header": [
                    (_("工单号"), ro.number),
                    (_("车牌"), ro.vehicle.plate),
                    (_("服务顾问"), ro.advisor.get_full_name()),
                ],
                "columns": [_("库位"), _("配件编号"), _("名称"), _("数量"), _("付费方"), _("旧件")],
                "rows": [
                    [
                        ln.bin_code or "—",
                        ln.part.display_no or ln.part.part_no,
                        ln.part.name,
                        ln.qty - ln.qty_issued,
                        ln.get_payer_display(),
                        _("须交旧") if ln.payer == Payer.WARRANTY else "",
                    ]
                    for ln in pick_list(lines, store=ro.store)
                ],
                "signatures": [_("领料人"), _("发料人")],
            },
        )
    else:
        ctx["title"] = _("出门证")
    return render(request, "service/print_ro.html", ctx)


# --- appointments ----------------------------------------------------------------------------------


class AppointmentListView(FoursListView):
    model = Appointment
    table_class = tables.AppointmentTable
    filterset_class = filters.AppointmentFilter
    title = gettext_lazy("预约")

    def base_queryset(self):
        return Appointment.objects.select_related("vehicle", "customer", "advisor", "package")

    def get_filterset_kwargs(self, filterset_class):
        kw = super().get_filterset_kwargs(filterset_class)
        if not self.request.GET:
            kw["data"] = {"date": timezone.localdate().isoformat()}
        return kw

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.request.user.has_perm("service.add_appointment"):
            ctx["create_url"], ctx["create_label"] = reverse("service:appointment-create"), _("新建预约")
        return ctx


@login_required
def appointment_create(request):
    perm_or_403(request, "service.add_appointment")
    store = work_store(request)
    from fours.customers.selectors import vehicles_for

    advisors = _users_with_role(store, Role.SERVICE_ADVISOR)
    packages = MaintenancePackage.objects.filter(group=store.group, is_active=True)
    form = AppointmentForm(
        request.POST or None,
        advisors=advisors,
        packages=packages,
        initial={
            "date": timezone.localdate() + dt.timedelta(days=1),
            "slot": "09:00",
            "advisor": request.user.pk,
        },
    )
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        vehicle = vehicles_for(request.user).filter(pk=c["vehicle"]).first()
        try:
            if vehicle is None:
                raise ValidationError({"vehicle": _("请选择车辆")})
            appt = services.appointment_create(
                actor=request.user,
                store=store,
                vehicle=vehicle,
                advisor=advisors.get(pk=c["advisor"]),
                date=c["date"],
                slot=c["slot"],
                package=packages.filter(pk=c["package"] or 0).first(),
                jobs=c["jobs"],
                channel=c["channel"],
                note=c["note"],
            )
        except ValidationError as e:
            from fours.core.views import attach_errors

            attach_errors(form, e)
        else:
            messages.success(request, _("已预约 %(no)s") % {"no": appt.number})
            return redirect(appt)
    return render(request, "service/appointment_form.html", {"form": form, "title": _("新建预约")})


@login_required
def appointment_detail(request, pk):
    perm_or_403(request, "service.view_appointment")
    a = get_object_or_404(
        Appointment.objects.for_user(request.user).select_related(
            "vehicle", "customer", "advisor", "package"
        ),
        pk=pk,
    )
    actions, links = [], []
    if a.status == "booked" and request.user.has_perm("service.change_appointment"):
        base = reverse("service:appointment-act", args=[a.pk, "x"])[:-2]
        actions = [
            {
                "label": _("已提醒"),
                "url": base + "remind/",
                "cls": "btn-outline-primary",
                "fields": (),
                "confirm": "",
            },
            {
                "label": _("爽约"),
                "url": base + "no-show/",
                "cls": "btn-outline-warning",
                "fields": (),
                "confirm": _("确认标记为爽约？"),
            },
            {
                "label": _("取消预约"),
                "url": base + "cancel/",
                "cls": "btn-outline-danger",
                "fields": [("reason", _("取消原因"), "text")],
                "confirm": "",
            },
        ]
    if a.status in ("booked", "no_show") and request.user.has_perm("service.add_repairorder"):
        links.append(
            (_("到店接车"), reverse("service:reception") + f"?appointment={a.pk}", "bi-box-arrow-in-right")
        )
    ro = getattr(a, "repair_order", None)
    if ro:
        links.append((ro.number, ro.get_absolute_url(), "bi-wrench"))
    header = [
        (_("状态"), a.get_status_display()),
        (_("预约时间"), f"{a.date} {a.slot:%H:%M}"),
        (_("客户"), a.customer.name),
        (_("车辆"), f"{a.vehicle.plate or a.vehicle.vin}"),
        (_("服务顾问"), a.advisor.get_full_name() or a.advisor.username),
        (_("保养套餐"), a.package or "—"),
        (_("预约项目"), a.jobs or "—"),
        (_("已预留配件"), _("是") if a.parts_reserved else _("否")),
        (_("提醒时间"), a.reminded_at),
        (_("取消原因"), a.cancel_reason or "—"),
    ]
    from fours.parts.views import doc_page

    return doc_page(
        request,
        obj=a,
        title=f"{_('预约单')} {a.number}",
        header=header,
        columns=[],
        rows=[],
        actions=actions,
        links=links,
    )


@login_required
def appointment_act(request, pk, step):
    a = get_object_or_404(Appointment.objects.for_user(request.user), pk=pk)
    if request.method == "POST":
        fn = {
            "remind": lambda actor: services.appointment_remind(actor=actor, appt=a),
            "no-show": lambda actor: services.appointment_no_show(actor=actor, appt=a),
            "cancel": lambda actor: services.appointment_cancel(
                actor=actor, appt=a, reason=request.POST.get("reason", "")
            ),
        }.get(step)
        if fn is None:
            raise Http404
        run(request, fn, _("已保存"))
    return redirect(a)


@login_required
def appointment_day(request):
    """The daily list, tomorrow's reminder list and recent no-shows on one page."""
    perm_or_403(request, "service.view_appointment")
    store = work_store(request)
    today = timezone.localdate()
    day = parse_date(request.GET.get("date") or "") or today
    return render(
        request,
        "service/appointment_day.html",
        {
            "title": _("预约日程"),
            "day": day,
            "rows": selectors.day_appointments(store, day),
            "tomorrow": selectors.day_appointments(store, today + dt.timedelta(days=1)).filter(
                status="booked"
            ),
            "no_shows": selectors.no_shows(store, today - dt.timedelta(days=14)),
            "prev": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
        },
    )


# --- workshop pages ------------------------------------------------------------------------------------


@login_required
def my_jobs(request):
    perm_or_403(request, "service.work_repairorder")
    store = work_store(request)
    return render(
        request,
        "service/tech.html",
        {
            "title": _("我的作业"),
            "jobs": selectors.my_jobs(request.user, store),
            "pause_reasons": PauseReason.choices,
        },
    )


@login_required
def dispatch(request):
    perm_or_403(request, "service.dispatch_repairorder")
    store = work_store(request)
    lines = (
        LabourLine.objects.filter(
            ro__store=store,
            ro__status__in=[ROStatus.IN_PROGRESS, ROStatus.REWORK],
            approval=Approval.APPROVED,
        )
        .exclude(status__in=["done", "cancelled"])
        .select_related("ro__vehicle", "technician", "team", "bay")
        .order_by("ro__promised_at", "id")
    )
    return render(
        request,
        "service/dispatch.html",
        {
            "title": _("派工"),
            "lines": lines,
            "load": services.technician_load(store),
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
    from fours.parts.selectors import pick_list

    lines = list(
        PartLine.objects.filter(
            ro__store=store,
            ro__status__in=[
                ROStatus.RECEIVED,
                ROStatus.AWAITING_APPROVAL,
                ROStatus.IN_PROGRESS,
                ROStatus.AWAITING_QC,
                ROStatus.REWORK,
            ],
            status__in=[PartStatus.REQUESTED, PartStatus.WAITING],
            approval=Approval.APPROVED,
        ).select_related("ro__vehicle", "part", "requested_by")
    )
    return render(
        request,
        "service/parts_desk.html",
        {"title": _("维修发料"), "lines": pick_list(lines, store=store) if lines else []},
    )


@login_required
def cashier(request):
    perm_or_403(request, "service.settle_repairorder")
    store = work_store(request)
    day = parse_date(request.GET.get("date") or "") or timezone.localdate()
    waiting = RepairOrder.objects.filter(store=store, status=ROStatus.AWAITING_SETTLEMENT).select_related(
        "vehicle", "customer"
    )
    unpaid = [
        ro
        for ro in RepairOrder.objects.filter(store=store, status=ROStatus.SETTLED).select_related(
            "vehicle", "customer"
        )
        if ro.customer_due > ro.paid
    ]
    return render(
        request,
        "service/cashier.html",
        {
            "title": _("结算收银"),
            "day": day,
            "waiting": waiting,
            "unpaid": unpaid,
            "report": reports.cashier_day(store, day),
        },
    )


@login_required
def qc_list(request):
    perm_or_403(request, "service.qc_repairorder")
    store = work_store(request)
    rows = RepairOrder.objects.filter(store=store, status=ROStatus.AWAITING_QC).select_related(
        "vehicle", "advisor"
    )
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


class OperationListView(FoursListView):
    model = LabourOperation
    table_class = tables.OperationTable
    filterset_class = filters.OperationFilter
    current_store_only = False
    title = gettext_lazy("工时项目")
    create_url = reverse_lazy("service:operation-create")
    create_perm = "service.add_labouroperation"


class PackageListView(FoursListView):
    model = MaintenancePackage
    table_class = tables.PackageTable
    current_store_only = False
    filterset_class = filters.PackageFilter
    title = gettext_lazy("保养套餐")
    create_url = reverse_lazy("service:package-create")
    create_perm = "service.add_maintenancepackage"

    def base_queryset(self):
        return MaintenancePackage.objects.select_related("series__brand")


@login_required
def package_detail(request, pk):
    perm_or_403(request, "service.view_maintenancepackage")
    pkg = get_object_or_404(MaintenancePackage.objects.for_user(request.user).select_related("series"), pk=pk)
    from fours.parts.views import doc_page

    rows = [
        [_("工时"), pl.operation.code, pl.operation.name, pl.hours or pl.operation.standard_hours]
        for pl in pkg.labour.select_related("operation")
    ]
    rows += [
        [_("配件"), pp.part.display_no or pp.part.part_no, pp.part.name, pp.qty]
        for pp in pkg.parts.select_related("part")
    ]
    header = [
        (_("套餐代码"), pkg.code),
        (_("适用车系"), pkg.series or _("全部")),
        (_("适用里程"), f"{pkg.mileage_km:,} km"),
        (
            _("保养间隔"),
            _("%(km)s km / %(m)s 个月") % {"km": f"{pkg.interval_km:,}", "m": pkg.interval_months},
        ),
    ]
    return doc_page(
        request,
        obj=pkg,
        title=str(pkg),
        header=header,
        columns=[_("类别"), _("代码"), _("名称"), _("工时/数量")],
        rows=rows,
        links=[(_("编辑"), reverse("service:package-edit", args=[pkg.pk]), "bi-pencil")]
        if request.user.has_perm("service.change_maintenancepackage")
        else [],
    )


class ReceivableListView(FoursListView):
    model = ServiceReceivable
    table_class = tables.ReceivableTable
    filterset_class = filters.ReceivableFilter
    title = gettext_lazy("售后应收")

    def base_queryset(self):
        return ServiceReceivable.objects.select_related("ro")


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


class FollowUpListView(FoursListView):
    model = FollowUpTask
    table_class = tables.FollowUpTable
    filterset_class = filters.FollowUpFilter
    title = gettext_lazy("回访任务")

    def base_queryset(self):
        return FollowUpTask.objects.select_related("ro", "customer", "assignee")

    def get_filterset_kwargs(self, filterset_class):
        kw = super().get_filterset_kwargs(filterset_class)
        kw["request"] = self.request
        return kw


@login_required
def followup_record(request, pk):
    perm_or_403(request, "service.change_followuptask")
    task = get_object_or_404(
        FollowUpTask.objects.for_user(request.user).select_related("ro", "customer"), pk=pk
    )
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.followup_record(actor=request.user, task=task, **form.cleaned_data)
        except ValidationError as e:
            from fours.core.views import attach_errors

            attach_errors(form, e)
        else:
            messages.success(request, _("回访已记录"))
            return redirect("service:followup-list")
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": _("回访：%(c)s %(no)s") % {"c": task.customer.name, "no": task.ro.number},
            "cancel_url": reverse("service:followup-list"),
        },
    )
