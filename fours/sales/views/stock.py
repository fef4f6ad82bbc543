"""Pages of vehicle stock (整车库存): the vehicle list and page (arrival, PDI, custody with signature, demo
cars, outlets, transfers, clearance, funding), dispatch entry, order plans (要货计划), transfers (调车单),
counts (盘点), outlets (二网), and the stock report (库龄, 长库龄车, 进销存)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.audit import timeline_for
from fours.core.errors import field_error
from fours.core.registry import NavItem, Widget
from fours.core.roles import Role
from fours.core.selectors import has_role, store_ids_for
from fours.core.stores import current_store
from fours.core.views import (
    FoursListView,
    attach_errors,
    error_text,
    perm_or_403,
    run,
    work_store,
)
from fours.core.workflows import allowed_next

from .. import workflows
from ..choices import CountKind, Funding, PlanStatus, TransferStatus, VehicleStatus
from ..filters_stock import PlanFilter, TransferFilter, VehicleFilter
from ..forms_stock import CountForm, DispatchForm, OutletForm
from ..models import OrderPlan, Outlet, StockVehicle, VehicleCount, VehicleOrder, VehicleTransfer
from ..selectors import stock as sel
from ..services import stock as svc
from ..tables_stock import AgedTable, CountTable, OutletTable, PlanTable, TransferTable, VehicleTable

# --- vehicles ----------------------------------------------------------------------------------------


class VehicleListView(FoursListView):
    model = StockVehicle
    table_class = VehicleTable
    filterset_class = VehicleFilter
    title = gettext_lazy("整车库存")
    create_url_name = "sales:vehicle_create"
    create_label = gettext_lazy("发车登记")

    def base_queryset(self):
        qs = sel.vehicles(self.request.user).order_by("-id")
        if not self.request.GET.get("status"):
            # the stock: without a status chosen, the vehicles gone (delivered, transferred, returned) are left out
            qs = qs.exclude(status__in=sel.GONE)
        return qs

    def get_table_kwargs(self):
        kw = super().get_table_kwargs()
        if not self.request.user.has_perm("sales.see_cost"):
            kw["exclude"] = ("purchase_price",)
        return kw


class AgedListView(VehicleListView):
    table_class = AgedTable
    title = gettext_lazy("长库龄车辆（超过90天）")
    create_url_name = None

    def base_queryset(self):
        return sel.aged_vehicles(self.request.user)


def _vehicle(request, pk) -> StockVehicle:
    perm_or_403(request, "sales.view_stockvehicle")
    return get_object_or_404(sel.vehicles(request.user), pk=pk)


def _finance_items(v):
    return list(svc.vehicle_items(v).select_related("party").order_by("id"))


# not (or not yet, or no longer) in the store's custody
HELD_ELSEWHERE = {VehicleStatus.IN_TRANSIT, VehicleStatus.TRANSFERRED, VehicleStatus.RETURNED}
# on the store's hands and for sale, so a clearance plan applies
FOR_SALE = {VehicleStatus.IN_STOCK, VehicleStatus.AT_OUTLET, VehicleStatus.DEMO, VehicleStatus.PDI}


@login_required
def vehicle_detail(request, pk):
    v = _vehicle(request, pk)
    user = request.user
    steps = allowed_next(v, user)
    ids = store_ids_for(user)
    mine = v.store_id in ids or user.is_superuser
    can_stock = mine and user.has_perm(workflows.STOCK)
    custody = mine and user.has_perm("sales.manage_custody")
    see_cost = user.has_perm("sales.see_cost")
    items = _finance_items(v) if see_cost else []
    requests_asked = svc._open_request_items(i.pk for i in items) if items else set()
    order = VehicleOrder.objects.filter(vehicle=v).first()
    outlets = Outlet.objects.filter(store=v.store, active=True) if can_stock else []
    stores = v.store.group.stores.filter(is_active=True).exclude(pk=v.store_id) if can_stock else []
    return render(
        request,
        "sales/stock_vehicle_detail.html",
        {
            "title": _("整车 %(vin)s") % {"vin": v.vin},
            "v": v,
            "order": order,
            "age": sel.age_days(v),
            "steps": steps,
            "can_stock": can_stock,
            "custody": custody,
            "see_cost": see_cost,
            "items": items,
            "asked": requests_asked,
            "may_remit": see_cost
            and user.has_perm("finance.add_paymentrequest")
            and any(
                i.source == "vehicle_buy" and i.open_amount > 0 and i.pk not in requests_asked for i in items
            ),
            "may_fp_settle": see_cost
            and v.status in (VehicleStatus.SOLD, VehicleStatus.DELIVERED)
            and user.has_perm("finance.add_paymentrequest")
            and any(
                i.source == "floor_plan" and i.open_amount > 0 and i.pk not in requests_asked for i in items
            ),
            "may_fp_paid": can_stock
            and v.funding == Funding.FLOOR_PLAN
            and not v.floor_plan_paid_on
            and items
            and all(i.open_amount <= 0 for i in items if i.source == "floor_plan"),
            "arrival_items": svc.ARRIVAL_ITEMS,
            "pdi_items": svc.PDI_ITEMS,
            "pdi_open": can_stock
            and user.has_perm("sales.add_inspection")
            and v.status
            in (VehicleStatus.PDI, VehicleStatus.IN_STOCK, VehicleStatus.RESERVED, VehicleStatus.SOLD),
            "keys_out": bool(v.keys_out_to),
            "cert_out": v.certificate_at in svc.OUT,
            "custody_log": sel.custody_log(v),
            "inspections": sel.inspections(v),
            "transfers": v.transfers.select_related("to_store").order_by("-id"),
            "ops": can_stock
            and (
                bool(steps & {VehicleStatus.DEMO, VehicleStatus.AT_OUTLET, VehicleStatus.TRANSFERRED})
                or v.status
                in (VehicleStatus.IN_STOCK, VehicleStatus.AT_OUTLET, VehicleStatus.DEMO, VehicleStatus.PDI)
            ),
            # which cards and forms the vehicle's status opens (the template reads these, not the status)
            "arrival_open": can_stock and v.status == VehicleStatus.IN_TRANSIT,
            "custody_open": custody and v.status not in HELD_ELSEWHERE,
            "issue_open": v.status not in HELD_ELSEWHERE | {VehicleStatus.DELIVERED},
            "keys_return_open": bool(v.keys_out_to) and v.status != VehicleStatus.DELIVERED,
            "undemo_open": v.status == VehicleStatus.DEMO and VehicleStatus.IN_STOCK in steps,
            "back_open": v.status == VehicleStatus.AT_OUTLET and VehicleStatus.IN_STOCK in steps,
            "clearance_open": v.status in FOR_SALE,
            "outlets": outlets,
            "stores": stores,
            "today": timezone.localdate(),
            "timeline": timeline_for(v)[:60],
        },
    )


def _checklist(request, names) -> dict:
    """Ticked items are True; an unticked one carries its defect text (or 不合格)."""
    out = {}
    for n, name in enumerate(names):
        if request.POST.get(f"ok_{n}"):
            out[name] = True
        else:
            out[name] = request.POST.get(f"defect_{n}", "").strip() or _("不合格")
    return out


@login_required
def vehicle_act(request, pk, step):
    v = _vehicle(request, pk)
    if request.method != "POST":
        return redirect(v)
    P = request.POST
    if step == "arrive":
        run(
            request,
            svc.vehicle_arrive,
            _("已入库，待PDI"),
            vehicle=v,
            vin=P.get("vin", ""),
            certificate_no=P.get("certificate_no", ""),
            key_count=P.get("key_count") or 2,
            engine_no=P.get("engine_no", ""),
            location=P.get("location", ""),
            arrived_on=P.get("arrived_on") or None,
            checklist=_checklist(request, svc.ARRIVAL_ITEMS),
            defects=P.get("defects", ""),
            odometer_km=P.get("odometer_km") or 0,
        )
    elif step == "pdi":
        run(
            request,
            svc.vehicle_pdi,
            _("已记录PDI检查"),
            vehicle=v,
            checklist=_checklist(request, svc.PDI_ITEMS),
            defects=P.get("defects", ""),
            odometer_km=P.get("odometer_km") or 0,
        )
    elif step == "issue":
        run(
            request,
            svc.custody_issue,
            _("已登记领用"),
            vehicle=v,
            item=P.get("item", ""),
            person=P.get("person", ""),
            purpose=P.get("purpose", ""),
            signature=P.get("signature", ""),
            to_bank=P.get("to_bank") == "1",
        )
    elif step == "return":
        run(
            request,
            svc.custody_return,
            _("已归还"),
            vehicle=v,
            item=P.get("item", ""),
            person=P.get("person", ""),
        )
    elif step in ("demo", "undemo", "back", "return_maker"):
        to = {
            "demo": VehicleStatus.DEMO,
            "undemo": VehicleStatus.IN_STOCK,
            "back": VehicleStatus.IN_STOCK,
            "return_maker": VehicleStatus.RETURNED,
        }[step]
        run(request, svc.vehicle_move, _("状态已更新"), vehicle=v, to=to)
    elif step == "outlet":
        outlet = Outlet.objects.filter(store=v.store, pk=P.get("outlet") or 0).first()
        if outlet is None:
            messages.error(request, _("请选择二级网点"))
        else:
            run(request, svc.vehicle_to_outlet, _("已发往二级网点"), vehicle=v, outlet=outlet)
    elif step == "transfer":
        to_store = v.store.group.stores.filter(is_active=True, pk=P.get("to_store") or 0).first()
        if to_store is None:
            messages.error(request, _("请选择调入门店"))
        else:
            tr = run(
                request,
                svc.transfer_send,
                _("调车单已生成"),
                vehicle=v,
                to_store=to_store,
                price=P.get("price") or None,
            )
            if tr:
                return redirect(tr)
    elif step == "clearance":
        run(
            request,
            svc.vehicle_clearance_plan,
            _("清库方案已保存"),
            vehicle=v,
            plan=P.get("plan", ""),
            price=P.get("price") or None,
        )
    elif step == "remit":
        req = run(request, svc.vehicle_remittance_request, _("已向财务提交汇款申请"), vehicle=v)
        if req:
            return redirect("finance:request-detail", pk=req.pk)
    elif step == "fp_settle":
        req = run(request, svc.vehicle_floor_plan_settle, _("已向财务提交融资还款申请"), vehicle=v)
        if req:
            return redirect("finance:request-detail", pk=req.pk)
    elif step == "fp_paid":
        run(request, svc.vehicle_floor_plan_paid, _("已记录融资还款"), vehicle=v)
    else:
        raise Http404
    return redirect(v)


@login_required
def vehicle_create(request):
    """发车登记: the manufacturer's dispatch of a vehicle (在途), its price and funding."""
    perm_or_403(request, "sales.add_stockvehicle")
    store = work_store(request)
    from fours.customers.models import Configuration
    from fours.finance.choices import PartyKind
    from fours.finance.models import Party

    confs = Configuration.objects.select_related("model__series__brand").order_by(
        "model__series__brand__name", "model__series__name", "model__name", "-year", "name"
    )
    brands = [b.strip() for b in (store.brands or "").replace("，", ",").split(",") if b.strip()]
    if brands:
        confs = confs.filter(model__series__brand__name__in=brands)
    banks = Party.objects.filter(store=store, kind__in=[PartyKind.BANK, PartyKind.FINANCE_CO])
    form = DispatchForm(request.POST or None, configurations=confs, banks=banks)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            v = svc.vehicle_dispatch(
                actor=request.user,
                store=store,
                configuration=d["configuration"],
                vin=d["vin"],
                colour=d["colour"],
                purchase_price=d["purchase_price"],
                funding=d["funding"],
                floor_plan_bank=d.get("floor_plan_bank"),
                floor_plan_amount=d.get("floor_plan_amount"),
                floor_plan_due=d.get("floor_plan_due"),
                dispatched_on=d.get("dispatched_on"),
                engine_no=d.get("engine_no", ""),
                interior=d.get("interior", ""),
                production_date=d.get("production_date"),
                note=d.get("note", ""),
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("已登记在途车辆 %(vin)s") % {"vin": v.vin})
            return redirect(v)
    return render(
        request,
        "core/form.html",
        {"title": _("发车登记"), "form": form, "cancel_url": reverse("sales:vehicle_list")},
    )


# --- stock report: age, by model, 进销存 ------------------------------------------------------------


def _store_or_404(request):
    store = current_store(request)
    if store is None:
        raise Http404(_("请先在右上角选择门店"))
    return store


@login_required
def stock_report(request):
    perm_or_403(request, "sales.view_stockvehicle")
    store = _store_or_404(request)
    raw = request.GET.get("month", "")
    try:
        month = dt.date.fromisoformat(f"{raw}-01") if raw else timezone.localdate().replace(day=1)
    except ValueError:
        month = timezone.localdate().replace(day=1)
    prev = (month - dt.timedelta(days=1)).replace(day=1)
    nxt = (month + dt.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "sales/stock_report.html",
        {
            "title": _("库存报表"),
            "store": store,
            "buckets": sel.age_buckets(store),
            "by_model": sel.stock_by_model(store),
            "figures": sel.sales_figures(store),
            "funding": sel.funding_figures(store),
            "see_cost": request.user.has_perm("sales.see_cost"),
            "jxc": sel.jxc_report(store, month),
            "defects": list(sel.open_defects(request.user).filter(store=store)[:30]),
            "today": timezone.localdate(),
            "month": month,
            "prev": prev,
            "next": nxt if nxt <= timezone.localdate() else None,
        },
    )


# --- order plans --------------------------------------------------------------------------------------


class PlanListView(FoursListView):
    model = OrderPlan
    table_class = PlanTable
    filterset_class = PlanFilter
    title = gettext_lazy("要货计划")
    create_url_name = "sales:plan_create"
    create_label = gettext_lazy("新建要货计划")

    def base_queryset(self):
        return sel.plans(self.request.user).order_by("-month", "-id")


def _plan_lines(request) -> list[dict]:
    from fours.customers.models import Configuration

    lines = []
    for n in range(12):
        conf, qty = request.POST.get(f"conf_{n}"), request.POST.get(f"qty_{n}", "").strip()
        if not conf and not qty:
            continue
        lines.append(
            {
                "configuration": Configuration.objects.filter(pk=conf).first()
                if str(conf).isdigit()
                else None,
                "colour": request.POST.get(f"colour_{n}", ""),
                "qty": qty,
            }
        )
    return lines


def _plan_form(request, store, title, plan=None, errors=None):
    from fours.customers.models import Brand, Configuration

    brands = [b.strip() for b in (store.brands or "").replace("，", ",").split(",") if b.strip()]
    brand_qs = Brand.objects.filter(name__in=brands) if brands else Brand.objects.all()
    confs = Configuration.objects.filter(model__series__brand__in=brand_qs).select_related("model__series")
    existing = list(plan.lines.all()) if plan else []
    rows = []
    for n in range(12):
        if request.method == "POST":
            rows.append(
                {
                    "n": n,
                    "conf": request.POST.get(f"conf_{n}", ""),
                    "colour": request.POST.get(f"colour_{n}", ""),
                    "qty": request.POST.get(f"qty_{n}", ""),
                }
            )
        elif n < len(existing):
            ln = existing[n]
            rows.append({"n": n, "conf": str(ln.configuration_id), "colour": ln.colour, "qty": ln.qty})
        else:
            rows.append({"n": n, "conf": "", "colour": "", "qty": ""})
    nxt = (timezone.localdate().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "sales/stock_plan_form.html",
        {
            "title": title,
            "plan": plan,
            "brands": brand_qs,
            "confs": confs,
            "rows": rows,
            "month": request.POST.get("month") or (plan.month if plan else nxt).strftime("%Y-%m"),
            "brand_id": request.POST.get("brand") or (str(plan.brand_id) if plan else ""),
            "note": request.POST.get("note", plan.note if plan else ""),
            "errors": errors or [],
        },
    )


@login_required
def plan_create(request):
    perm_or_403(request, "sales.add_orderplan")
    store = work_store(request)
    if request.method == "POST":
        from fours.customers.models import Brand

        brand = Brand.objects.filter(pk=request.POST.get("brand") or 0).first()
        try:
            if brand is None:
                raise field_error("brand", _("请选择品牌"), code="required")
            plan = svc.plan_create(
                actor=request.user,
                store=store,
                month=request.POST.get("month", ""),
                brand=brand,
                lines=_plan_lines(request),
                note=request.POST.get("note", ""),
            )
        except (ValidationError, ValueError) as e:
            msgs = error_text(e) if isinstance(e, ValidationError) else _("计划月份格式不正确")
            return _plan_form(request, store, _("新建要货计划"), errors=[msgs])
        messages.success(request, _("要货计划已保存"))
        return redirect(plan)
    return _plan_form(request, store, _("新建要货计划"))


def _plan(request, pk) -> OrderPlan:
    perm_or_403(request, "sales.view_orderplan")
    return get_object_or_404(sel.plans(request.user), pk=pk)


@login_required
def plan_detail(request, pk):
    plan = _plan(request, pk)
    steps = allowed_next(plan, request.user)
    return render(
        request,
        "sales/stock_plan_detail.html",
        {
            "title": _("要货计划 %(n)s") % {"n": plan.number},
            "plan": plan,
            "lines": list(plan.lines.all()),
            "steps": steps,
            "arrived": dict(
                StockVehicle.objects.filter(plan_line__plan=plan)
                .values_list("plan_line_id")
                .annotate(n=Count("id"))
            ),
            "timeline": timeline_for(plan)[:50],
        },
    )


@login_required
def plan_act(request, pk, step):
    plan = _plan(request, pk)
    if request.method != "POST":
        return redirect(plan)
    if step == "edit":
        store = plan.store
        try:
            svc.plan_lines_set(actor=request.user, plan=plan, lines=_plan_lines(request))
        except ValidationError as e:
            return _plan_form(request, store, _("修改要货计划"), plan=plan, errors=[error_text(e)])
        except PermissionDenied:
            raise
        messages.success(request, _("要货计划已保存"))
    elif step == PlanStatus.SUBMITTED:
        run(request, svc.plan_submit, _("已上报厂家"), plan=plan)
    elif step == PlanStatus.CONFIRMED:
        confirmed = {ln.pk: request.POST.get(f"confirmed_{ln.pk}", ln.qty) or 0 for ln in plan.lines.all()}
        run(request, svc.plan_confirm, _("已登记厂家确认"), plan=plan, confirmed=confirmed)
    elif step == PlanStatus.DRAFT:
        run(request, svc.plan_send_back, _("已退回修改"), plan=plan, note=request.POST.get("note", ""))
    else:
        raise Http404
    return redirect(plan)


@login_required
def plan_edit(request, pk):
    plan = _plan(request, pk)
    if "edit" not in allowed_next(plan, request.user):
        raise PermissionDenied
    return _plan_form(request, plan.store, _("修改要货计划"), plan=plan)


# --- transfers ------------------------------------------------------------------------------------------


class TransferListView(FoursListView):
    model = VehicleTransfer
    table_class = TransferTable
    filterset_class = TransferFilter
    title = gettext_lazy("调车单")
    current_store_only = False

    def get_queryset(self):
        qs = sel.transfers(self.request.user).order_by("-id")
        store = current_store(self.request)
        if store is not None:
            from django.db.models import Q

            qs = qs.filter(Q(store=store) | Q(to_store=store))
        return qs


def _transfer(request, pk) -> VehicleTransfer:
    perm_or_403(request, "sales.view_vehicletransfer")
    return get_object_or_404(sel.transfers(request.user), pk=pk)


@login_required
def transfer_detail(request, pk):
    tr = _transfer(request, pk)
    user = request.user
    ids = store_ids_for(user)
    may_receive = TransferStatus.RECEIVED in allowed_next(tr, user) and (
        tr.to_store_id in ids or user.is_superuser
    )
    return render(
        request,
        "sales/stock_transfer_detail.html",
        {
            "title": _("调车单 %(n)s") % {"n": tr.number},
            "tr": tr,
            "may_receive": may_receive,
            "see_cost": user.has_perm("sales.see_cost"),
            "timeline": timeline_for(tr)[:50],
        },
    )


@login_required
def transfer_act(request, pk, step):
    tr = _transfer(request, pk)
    if request.method != "POST" or step != TransferStatus.RECEIVED:
        return redirect(tr)
    done = run(
        request,
        svc.transfer_receive,
        _("已接收调入车辆"),
        transfer=tr,
        location=request.POST.get("location", ""),
    )
    if done and done.received_vehicle_id:
        return redirect("sales:vehicle_detail", pk=done.received_vehicle_id)
    return redirect(tr)


# --- counts ----------------------------------------------------------------------------------------------


class CountListView(FoursListView):
    model = VehicleCount
    table_class = CountTable
    title = gettext_lazy("整车盘点")
    create_url_name = "sales:count_create"
    create_label = gettext_lazy("新建盘点")

    def base_queryset(self):
        return sel.counts(self.request.user).order_by("-counted_on", "-id")


@login_required
def count_create(request):
    perm_or_403(request, "sales.add_vehiclecount")
    store = work_store(request)
    form = CountForm(request.POST or None, initial={"kind": CountKind.DAILY})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        vins = [ln.strip() for ln in d["vins"].replace(",", "\n").splitlines() if ln.strip()]
        try:
            c = svc.count_record(
                actor=request.user,
                store=store,
                vins=vins,
                kind=d["kind"],
                counted_on=d.get("counted_on"),
                note=d.get("note", ""),
            )
        except ValidationError as e:
            # a wrong VIN names its line: vins.<n>
            msgs = []
            for key, errs in e.message_dict.items():
                if key.startswith("vins."):
                    n = int(key.split(".")[1])
                    msgs += [
                        _("第%(n)s行 %(vin)s：%(m)s") % {"n": n + 1, "vin": vins[n], "m": m} for m in errs
                    ]
                else:
                    msgs += errs
            form.add_error("vins", msgs)
        else:
            messages.success(request, _("盘点已完成"))
            return redirect(c)
    return render(
        request,
        "core/form.html",
        {
            "title": _("新建盘点"),
            "form": form,
            "cancel_url": reverse("sales:count_list"),
            "submit_label": _("完成盘点"),
        },
    )


@login_required
def count_detail(request, pk):
    perm_or_403(request, "sales.view_vehiclecount")
    c = get_object_or_404(sel.counts(request.user), pk=pk)
    vins = set(c.missing) | set(c.extra)
    known = {v.vin: v for v in StockVehicle.objects.filter(store=c.store, vin__in=vins).order_by("id")}
    return render(
        request,
        "sales/stock_count_detail.html",
        {
            "title": _("盘点单 %(n)s") % {"n": c.number},
            "c": c,
            "missing": [(vin, known.get(vin)) for vin in c.missing],
            "extra": [(vin, known.get(vin)) for vin in c.extra],
            "timeline": timeline_for(c)[:50],
        },
    )


# --- outlets ---------------------------------------------------------------------------------------------


class OutletListView(FoursListView):
    model = Outlet
    table_class = OutletTable
    title = gettext_lazy("二级网点")
    create_url_name = "sales:outlet_create"
    create_label = gettext_lazy("新建网点")

    def base_queryset(self):
        return sel.outlets(self.request.user).order_by("name")

    def get_table_kwargs(self):
        kw = super().get_table_kwargs()
        if not self.request.user.has_perm("sales.change_outlet"):
            kw["exclude"] = ("edit",)
        return kw


@login_required
def outlet_edit(request, pk=None):
    outlet = None
    if pk is not None:
        perm_or_403(request, "sales.view_outlet")
        outlet = get_object_or_404(Outlet.objects.for_user(request.user), pk=pk)
        perm_or_403(request, "sales.change_outlet")
        store = outlet.store
    else:
        perm_or_403(request, "sales.add_outlet")
        store = work_store(request)
    initial = (
        {
            k: getattr(outlet, k)
            for k in ("name", "contact", "phone", "address", "monthly_target", "last_visit_on", "active")
        }
        if outlet
        else None
    )
    form = OutletForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            svc.outlet_save(actor=request.user, store=store, outlet=outlet, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("网点已保存"))
            return redirect("sales:outlet_list")
    return render(
        request,
        "core/form.html",
        {
            "title": _("修改网点") if outlet else _("新建网点"),
            "form": form,
            "cancel_url": reverse("sales:outlet_list"),
        },
    )


# --- routes, sidebar, home -------------------------------------------------------------------------------

urlpatterns = [
    path("stock/", VehicleListView.as_view(), name="vehicle_list"),
    path("stock/new/", vehicle_create, name="vehicle_create"),
    path("stock/aged/", AgedListView.as_view(), name="vehicle_aged"),
    path("stock/report/", stock_report, name="stock_report"),
    path("stock/<int:pk>/", vehicle_detail, name="vehicle_detail"),
    path("stock/<int:pk>/<str:step>/", vehicle_act, name="vehicle_act"),
    path("plans/", PlanListView.as_view(), name="plan_list"),
    path("plans/new/", plan_create, name="plan_create"),
    path("plans/<int:pk>/", plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", plan_edit, name="plan_edit"),
    path("plans/<int:pk>/<str:step>/", plan_act, name="plan_act"),
    path("vehicle-transfers/", TransferListView.as_view(), name="transfer_list"),
    path("vehicle-transfers/<int:pk>/", transfer_detail, name="transfer_detail"),
    path("vehicle-transfers/<int:pk>/<str:step>/", transfer_act, name="transfer_act"),
    path("vehicle-counts/", CountListView.as_view(), name="count_list"),
    path("vehicle-counts/new/", count_create, name="count_create"),
    path("vehicle-counts/<int:pk>/", count_detail, name="count_detail"),
    path("outlets/", OutletListView.as_view(), name="outlet_list"),
    path("outlets/new/", outlet_edit, name="outlet_create"),
    path("outlets/<int:pk>/", outlet_edit, name="outlet_edit"),
]

NAV = [
    NavItem(
        "sales", gettext_lazy("整车库存"), "sales:vehicle_list", "sales.view_stockvehicle", "bi-car-front", 40
    ),
    NavItem(
        "sales", gettext_lazy("库存报表"), "sales:stock_report", "sales.view_stockvehicle", "bi-bar-chart", 41
    ),
    NavItem(
        "sales",
        gettext_lazy("长库龄车辆"),
        "sales:vehicle_aged",
        "sales.view_stockvehicle",
        "bi-hourglass-split",
        42,
    ),
    NavItem(
        "sales", gettext_lazy("要货计划"), "sales:plan_list", "sales.view_orderplan", "bi-clipboard-check", 43
    ),
    NavItem(
        "sales",
        gettext_lazy("调车单"),
        "sales:transfer_list",
        "sales.view_vehicletransfer",
        "bi-arrow-left-right",
        44,
    ),
    NavItem(
        "sales", gettext_lazy("整车盘点"), "sales:count_list", "sales.view_vehiclecount", "bi-list-check", 45
    ),
    NavItem("sales", gettext_lazy("二级网点"), "sales:outlet_list", "sales.view_outlet", "bi-shop", 46),
]


def widgets(request, store) -> list:
    user = request.user
    if store is None or not user.has_perm("sales.view_stockvehicle"):
        return []
    out = []
    base = reverse("sales:vehicle_list")
    f = sel.clerk_figures(store)
    if has_role(user, store, Role.VEHICLE_CLERK):
        # the vehicle clerk's own work: what arrives, what waits for its PDI, which keys are out
        out += [
            Widget(
                "sales",
                _("预计到车（在途）"),
                f["in_transit"],
                _("台"),
                base + "?status=in_transit",
                mine=True,
            ),
            Widget("sales", _("待PDI"), f["pdi"], _("台"), base + "?status=pdi", tone="warning", mine=True),
            Widget(
                "sales",
                _("钥匙未归还"),
                f["keys_out"],
                _("台"),
                base + "?keys=out",
                tone="danger" if f["keys_out"] else "primary",
                mine=True,
            ),
        ]
    else:
        out.append(Widget("sales", _("在途车辆"), f["in_transit"], _("台"), base + "?status=in_transit"))
    f = sel.sales_figures(store)
    out += [
        Widget("sales", _("在库车辆"), f["held"], _("台"), base + "?stock=held"),
        Widget("sales", _("可售车辆"), f["available"], _("台"), base + "?stock=available"),
        Widget(
            "sales",
            _("库龄超90天"),
            f["aged"],
            _("台"),
            reverse("sales:vehicle_aged"),
            tone="danger" if f["aged"] else "primary",
        ),
        Widget("sales", _("库存融资车辆"), f["floor_plan"], _("台"), base + "?stock=held&funding=floor_plan"),
    ]
    return out
