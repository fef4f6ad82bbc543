"""The parts UI: thin views over services and selectors."""

from __future__ import annotations

import json
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from fours.core.audit import timeline_for
from fours.core.models import Store
from fours.core.roles import Role
from fours.core.selectors import has_role, store_ids_for, stores_for
from fours.core.stores import current_store
from fours.core.views import (
    FoursDetailView,
    FoursListView,
    error_text,
    perm_or_403,
    redirect_back,
    run,
    work_store,
)

from . import filters, reports, selectors, services, tables
from .choices import (
    ClaimAgainst,
    DiscrepancyKind,
    PaymentTerms,
    PlanStatus,
    Responsible,
    ReturnCondition,
    ReturnKind,
    StocktakeKind,
    StocktakeStatus,
    VarianceReason,
    WriteOffReason,
)
from .forms import (
    BinForm,
    CustomerPaymentForm,
    ImportForm,
    PartForm,
    PartSettingForm,
    StocktakeForm,
    SupplierForm,
    WarehouseForm,
)
from .models import (
    Bin,
    Discrepancy,
    Part,
    PartSetting,
    Payable,
    PriceImportJob,
    PurchaseDemand,
    PurchaseOrder,
    PurchasePlan,
    Receipt,
    Receivable,
    ReturnOrder,
    Sale,
    StockBalance,
    StockMove,
    Stocktake,
    Supplier,
    TradeCustomer,
    Transfer,
    WriteOff,
)
from .services.catalog import normalize_part_no
from .services.imports import price_import_confirm, price_import_start

# --- helpers --------------------------------------------------------------------------------------


def parse_lines(request, group, *fields) -> list[dict]:
    """Rows of a line-entry form: part_no[] plus the named fields[]; blank rows skipped."""
    nos = request.POST.getlist("part_no")
    cols = {f: request.POST.getlist(f) for f in fields}
    wanted = [normalize_part_no(n) for n in nos]
    parts = {p.part_no: p for p in Part.objects.filter(group=group, part_no__in=[w for w in wanted if w])}
    out = []
    for i, no in enumerate(wanted):
        if not no:
            continue
        part = parts.get(no)
        if part is None:
            raise ValidationError(
                {"lines": _("第%(n)s行：配件编号 %(no)s 不存在") % {"n": i + 1, "no": nos[i]}}
            )
        row = {"part": part}
        for f in fields:
            vals = cols[f]
            row[f] = vals[i].strip() if i < len(vals) else ""
        out.append(row)
    return out


def doc_page(
    request, *, obj, title, header, columns, rows, actions=(), links=(), extra=None, template="parts/doc.html"
):
    ctx = {
        "object": obj,
        "title": title,
        "header": header,
        "columns": columns,
        "rows": rows,
        "actions": actions,
        "links": links,
        "timeline": timeline_for(obj)[:100],
    }
    ctx.update(extra or {})
    return render(request, template, ctx)


def action(label, url, cls="btn-primary", fields=(), confirm=""):
    return {"label": label, "url": url, "cls": cls, "fields": fields, "confirm": confirm}


# --- part master ----------------------------------------------------------------------------------


class PartListView(FoursListView):
    model = Part
    table_class = tables.PartTable
    filterset_class = filters.PartFilter
    current_store_only = False
    title = gettext_lazy("配件档案")

    def base_queryset(self):
        return Part.objects.select_related("superseded_by")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.request.user.has_perm("parts.add_part"):
            ctx["create_url"] = reverse("parts:part-create")
        return ctx


class PartDetailView(FoursDetailView):
    model = Part
    template_name = "parts/part_detail.html"

    def base_queryset(self):
        return Part.objects.select_related("superseded_by", "group")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        part, store = self.object, current_store(self.request)
        ctx["store"] = store
        if store is not None:
            ctx["balance"] = selectors.balance_of(store, part)
            ctx["setting"] = (
                PartSetting.objects.filter(store=store, part=part).select_related("default_bin").first()
            )
            ctx["bins"] = part.bins.filter(store=store).select_related("bin")
        ctx["balances"] = StockBalance.objects.filter(
            part=part, store_id__in=store_ids_for(self.request.user)
        ).select_related("store")
        ctx["price_changes"] = part.price_changes.select_related("actor")[:20]
        ctx["supersedes"] = part.supersedes.all()
        ctx["current"] = services.part_current(part)
        return ctx


class PartFormView(LoginRequiredMixin, View):
    def dispatch(self, request, *args, pk=None, **kwargs):
        self.part = get_object_or_404(Part.objects.for_user(request.user), pk=pk) if pk else None
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, **kw):
        perm_or_403(request, "parts.change_part" if self.part else "parts.add_part")
        return self.show(PartForm(instance=self.part))

    def show(self, form):
        title = _("编辑配件") if self.part else _("新建配件")
        return render(
            self.request,
            "parts/form.html",
            {"form": form, "title": title, "cancel_url": reverse("parts:part-list")},
        )

    def post(self, request, **kw):
        perm_or_403(request, "parts.change_part" if self.part else "parts.add_part")
        form = PartForm(request.POST, instance=self.part)
        if not form.is_valid():
            return self.show(form)
        data = {k: v for k, v in form.cleaned_data.items()}
        try:
            if self.part:
                data.pop("part_no")
                part = services.part_update(actor=request.user, part=self.part, source=_("手工修改"), **data)
            else:
                store = work_store(request)
                part = services.part_create(actor=request.user, group=store.group, **data)
        except ValidationError as e:
            from fours.core.views import attach_errors

            attach_errors(form, e)
            return self.show(form)
        messages.success(request, _("已保存"))
        return redirect(part)


class PartSettingView(LoginRequiredMixin, View):
    def dispatch(self, request, *args, pk=None, **kwargs):
        self.part = get_object_or_404(Part.objects.for_user(request.user), pk=pk)
        return super().dispatch(request, *args, **kwargs)

    def form(self, data=None):
        store = work_store(self.request)
        inst = PartSetting.objects.filter(store=store, part=self.part).first()
        return PartSettingForm(data, instance=inst, store=store)

    def get(self, request, **kw):
        perm_or_403(request, "parts.change_partsetting")
        return render(
            request,
            "parts/form.html",
            {"form": self.form(), "title": _("库存定额与库位：%(p)s") % {"p": self.part}},
        )

    def post(self, request, **kw):
        perm_or_403(request, "parts.change_partsetting")
        form = self.form(request.POST)
        if form.is_valid():
            ok = run(
                request,
                services.part_setting_save,
                _("已保存"),
                store=work_store(request),
                part=self.part,
                **form.cleaned_data,
            )
            if ok:
                return redirect(self.part)
        return render(
            request,
            "parts/form.html",
            {"form": form, "title": str(self.part), "cancel_url": self.part.get_absolute_url()},
        )


@login_required
def stock_card(request, pk):
    """卡片账: every move of a part in the current store with running balance and cost."""
    perm_or_403(request, "parts.view_stockmove")
    part = get_object_or_404(Part.objects.for_user(request.user), pk=pk)
    store = work_store(request)
    moves = list(selectors.stock_card(request.user, store, part).order_by("-id")[:500])
    moves.reverse()
    ctx = {
        "part": part,
        "store": store,
        "moves": moves,
        "balance": selectors.balance_of(store, part),
        "title": _("卡片账"),
        "can_reverse": request.user.has_perm("parts.reverse_stockmove"),
        "reversed": set(
            StockMove.objects.filter(reversal_of__in=[m.pk for m in moves]).values_list(
                "reversal_of_id", flat=True
            )
        ),
    }
    return render(request, "parts/stock_card.html", ctx)


@login_required
def move_reverse(request, pk):
    if request.method != "POST":
        raise Http404
    move = get_object_or_404(StockMove.objects.for_user(request.user), pk=pk)
    run(request, services.stock_move_reverse, _("已冲销"), move=move, note=request.POST.get("note", ""))
    return redirect("parts:stock-card", pk=move.part_id)


@login_required
def part_search(request):
    """htmx picker: parts matching ?q= with stock of the current store (superseded parts lead to their
    replacement)."""
    if not request.user.has_perm("parts.view_part"):
        raise PermissionDenied
    store = current_store(request)
    q = request.GET.get("q") or request.GET.get("part_no") or ""
    parts = selectors.part_search(request.user, q, store=store, limit=15)
    return render(
        request,
        "parts/_search_results.html",
        {"parts": parts, "store": store, "target": request.GET.get("target", "")},
    )


# --- stock lists -----------------------------------------------------------------------------------


class BalanceListView(FoursListView):
    model = StockBalance
    table_class = tables.BalanceTable
    filterset_class = filters.BalanceFilter
    title = gettext_lazy("库存查询")

    def base_queryset(self):
        return StockBalance.objects.select_related("part").order_by("part__part_no", "id")


class MoveListView(FoursListView):
    model = StockMove
    table_class = tables.MoveTable
    filterset_class = filters.MoveFilter
    title = gettext_lazy("库存流水")

    def base_queryset(self):
        return StockMove.objects.select_related("part").order_by("-id")


def simple_list(
    model_, table, filt, title, *, related=(), create=None, create_label=None, perm=None, store_only=True
):
    attrs = {
        "model": model_,
        "table_class": table,
        "filterset_class": filt,
        "title": title,
        "current_store_only": store_only,
        "base_queryset": lambda self: model_.objects.select_related(*related),
    }
    if perm:
        attrs["permission_required"] = perm

    def get_context_data(self, **kwargs):
        ctx = super(cls, self).get_context_data(**kwargs)
        if create and self.request.user.has_perm(create[1]):
            ctx["create_url"], ctx["create_label"] = reverse(create[0]), create_label
        return ctx

    attrs["get_context_data"] = get_context_data
    cls = type(f"{model_.__name__}ListView", (FoursListView,), attrs)
    return cls


SaleListView = simple_list(
    Sale,
    tables.SaleTable,
    filters.SaleFilter,
    gettext_lazy("配件销售单"),
    create=("parts:sale-create", "parts.add_sale"),
    create_label=gettext_lazy("柜台零售"),
)
PlanListView = simple_list(
    PurchasePlan,
    tables.PlanTable,
    filters.PlanFilter,
    gettext_lazy("采购计划"),
    related=("created_by", "approved_by"),
)
POListView = simple_list(
    PurchaseOrder,
    tables.POTable,
    filters.POFilter,
    gettext_lazy("采购订单"),
    related=("supplier",),
    create=("parts:po-create", "parts.add_purchaseorder"),
    create_label=gettext_lazy("新建订单"),
)
ReceiptListView = simple_list(
    Receipt, tables.ReceiptTable, filters.ReceiptFilter, gettext_lazy("入库单"), related=("order", "supplier")
)
DiscrepancyListView = simple_list(
    Discrepancy,
    tables.DiscrepancyTable,
    filters.DiscrepancyFilter,
    gettext_lazy("差损单"),
    related=("receipt",),
)
PayableListView = simple_list(
    Payable,
    tables.PayableTable,
    filters.PayableFilter,
    gettext_lazy("应付账款"),
    related=("supplier", "receipt"),
)
ReceivableListView = simple_list(
    Receivable,
    tables.ReceivableTable,
    filters.ReceivableFilter,
    gettext_lazy("应收账款"),
    related=("customer", "sale"),
    create=("parts:customer-payment", "parts.add_customerpayment"),
    create_label=gettext_lazy("登记收款"),
)


@login_required
def customer_payment(request):
    """收款: the customer's payment is applied to the oldest open receivables (FIFO)."""
    if not request.user.has_perm("parts.add_customerpayment"):
        raise PermissionDenied
    store = current_store(request)
    if store is None:
        raise Http404
    form = CustomerPaymentForm(
        request.POST or None, store=store, initial={"customer": request.GET.get("customer")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            pay = services.customer_payment_create(
                actor=request.user,
                store=store,
                customer=form.cleaned_data["customer"],
                amount=form.cleaned_data["amount"],
                method=form.cleaned_data["method"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as e:
            from fours.core.views import attach_errors

            attach_errors(form, e)
        else:
            messages.success(request, _("已收款 %(n)s") % {"n": pay.number})
            return redirect("parts:receivable-list")
    return render(
        request,
        "core/form.html",
        {"form": form, "title": _("登记收款"), "cancel_url": reverse("parts:receivable-list")},
    )


@login_required
def payable_pay(request, pk):
    """财务付款 against one open payable, from the payables list."""
    payable = _scoped(Payable, request, pk)
    if request.method == "POST":
        run(
            request,
            services.payable_pay,
            _("已付款"),
            payable=payable,
            amount=request.POST.get("amount") or "0",
        )
    return redirect("parts:payable-list")


DemandListView = simple_list(
    PurchaseDemand, tables.DemandTable, filters.DemandFilter, gettext_lazy("缺件需求"), related=("part",)
)
ReturnListView = simple_list(
    ReturnOrder,
    tables.ReturnTable,
    filters.ReturnFilter,
    gettext_lazy("退货台账"),
    create=("parts:return-create", "parts.add_returnorder"),
    create_label=gettext_lazy("登记退货"),
)
StocktakeListView = simple_list(
    Stocktake,
    tables.StocktakeTable,
    filters.StocktakeFilter,
    gettext_lazy("盘点单"),
    related=("approved_by",),
    create=("parts:stocktake-create", "parts.add_stocktake"),
    create_label=gettext_lazy("新建盘点"),
)
WriteOffListView = simple_list(
    WriteOff,
    tables.WriteOffTable,
    filters.WriteOffFilter,
    gettext_lazy("报损单"),
    create=("parts:writeoff-create", "parts.add_writeoff"),
    create_label=gettext_lazy("新建报损"),
)
SupplierListView = simple_list(
    Supplier,
    tables.SupplierTable,
    filters.SupplierFilter,
    gettext_lazy("供应商"),
    store_only=False,
    create=("parts:supplier-create", "parts.add_supplier"),
)


class TransferListView(FoursListView):
    model = Transfer
    table_class = tables.TransferTable
    filterset_class = filters.TransferFilter
    title = gettext_lazy("调拨单")
    current_store_only = False

    def base_queryset(self):
        return Transfer.objects.select_related("store", "to_store")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.request.user.has_perm("parts.add_transfer"):
            ctx["create_url"], ctx["create_label"] = reverse("parts:transfer-create"), _("新建调拨")
        return ctx


# --- suppliers, bins ------------------------------------------------------------------------------


class SupplierDetailView(FoursDetailView):
    model = Supplier
    template_name = "parts/doc.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        s = self.object
        ctx.update(
            title=s.name,
            header=[
                (_("统一社会信用代码"), s.uscc),
                (_("联系人"), s.contact),
                (_("电话"), s.phone),
                (_("到货周期（天）"), s.lead_time_days),
                (_("账期（天）"), s.payment_days),
                (_("结算条款"), s.terms),
                (_("主机厂"), _("是") if s.is_oem else _("否")),
            ],
            columns=[],
            rows=[],
        )
        return ctx


@login_required
def supplier_create(request):
    perm_or_403(request, "parts.add_supplier")
    form = SupplierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            s = services.supplier_create(
                actor=request.user, group=work_store(request).group, **form.cleaned_data
            )
        except ValidationError as e:
            from fours.core.views import attach_errors

            attach_errors(form, e)
        else:
            messages.success(request, _("已保存"))
            return redirect(s)
    return render(
        request,
        "parts/form.html",
        {"form": form, "title": _("新建供应商"), "cancel_url": reverse("parts:supplier-list")},
    )


@login_required
def bin_list(request):
    perm_or_403(request, "parts.view_bin")
    store = work_store(request)
    bins = Bin.objects.filter(store=store).select_related("warehouse").order_by("code")
    counts = {}
    for b_id in PartSetting.objects.filter(store=store, default_bin__isnull=False).values_list(
        "default_bin_id", flat=True
    ):
        counts[b_id] = counts.get(b_id, 0) + 1
    for b in bins:
        b.n_parts = counts.get(b.pk, 0)
    if request.method == "POST":
        if "name" in request.POST:
            perm_or_403(request, "parts.add_warehouse")
            f = WarehouseForm(request.POST)
            if f.is_valid():
                run(request, services.warehouse_create, _("仓库已建立"), store=store, **f.cleaned_data)
        else:
            perm_or_403(request, "parts.add_bin")
            f = BinForm(request.POST)
            if f.is_valid():
                run(request, services.bin_create, _("库位已建立"), store=store, code=f.cleaned_data["code"])
        return redirect("parts:bin-list")
    return render(
        request,
        "parts/bins.html",
        {"bins": bins[:1000], "bin_form": BinForm(), "wh_form": WarehouseForm(), "title": _("仓库与库位")},
    )


# --- sales ----------------------------------------------------------------------------------------


@login_required
def sale_create(request, channel="counter"):
    perm_or_403(request, "parts.add_sale")
    store = work_store(request)
    customers = TradeCustomer.objects.filter(store=store) if channel == "wholesale" else None
    if request.method == "POST":
        try:
            lines = parse_lines(request, store.group, "qty", "qty_requested", "unit_price", "discount_pct")
            for ln in lines:
                for k in ("qty_requested", "unit_price", "discount_pct"):
                    if ln[k] == "":
                        ln.pop(k)
            customer = None
            if channel == "wholesale":
                customer = TradeCustomer.objects.filter(
                    store=store, pk=request.POST.get("customer") or 0
                ).first()
            sale = services.counter_sale_create(
                actor=request.user,
                store=store,
                channel=channel,
                lines=lines,
                customer=customer,
                customer_name=request.POST.get("customer_name", ""),
                customer_phone=request.POST.get("customer_phone", ""),
                terms=request.POST.get("terms") or PaymentTerms.CASH,
                post=request.POST.get("draft") != "1",
                delivery_address=request.POST.get("delivery_address", ""),
                note=request.POST.get("note", ""),
            )
        except ValidationError as e:
            messages.error(request, error_text(e))
        else:
            messages.success(
                request, _("销售单 %(no)s 已出库") % {"no": sale.number} if sale.number else _("已保存草稿")
            )
            return redirect(sale)
    return render(
        request,
        "parts/sale_form.html",
        {
            "title": _("批发销售") if channel == "wholesale" else _("柜台零售"),
            "channel": channel,
            "customers": customers,
            "rows": range(6),
            "terms": PaymentTerms.choices,
            "post": request.POST,
        },
    )


class SaleDetailView(FoursDetailView):
    model = Sale

    def base_queryset(self):
        return Sale.objects.select_related("customer", "store", "created_by")

    def render_to_response(self, context, **kw):
        s = self.object
        lines = list(s.lines.select_related("part"))
        actions = []
        if s.status == "draft" and self.request.user.has_perm("parts.add_sale"):
            actions.append(action(_("确认出库"), reverse("parts:sale-post", args=[s.pk])))
        if (
            s.status == "posted"
            and s.delivery_status == "pending"
            and self.request.user.has_perm("parts.change_sale")
        ):
            actions.append(
                action(
                    _("配送签收"),
                    reverse("parts:sale-deliver", args=[s.pk]),
                    "btn-success",
                    fields=[("signed_by", _("签收人"), "text")],
                )
            )
        links = [
            (_("打印销售小票"), reverse("parts:sale-print", args=[s.pk]), "bi-printer"),
            (_("拣货单"), reverse("parts:sale-picklist", args=[s.pk]), "bi-list-check"),
        ]
        if s.status == "posted" and self.request.user.has_perm("parts.add_returnorder"):
            links.append(
                (_("登记退货"), reverse("parts:return-create") + f"?sale={s.pk}", "bi-arrow-return-left")
            )
        header = [
            (_("渠道"), s.get_channel_display()),
            (_("状态"), s.get_status_display()),
            (_("客户"), s.customer_name),
            (_("结算方式"), s.get_terms_display()),
            (_("金额（含税）"), s.total),
            (_("不含税金额"), s.net_total),
            (_("出库时间"), s.posted_at),
            (_("配送"), s.get_delivery_status_display()),
        ]
        if s.signed_by:
            header.append((_("签收人"), f"{s.signed_by} {timezone.localtime(s.signed_at):%Y-%m-%d %H:%M}"))
        rows = [
            [
                ln.part.display_no or ln.part.part_no,
                ln.part.name,
                ln.qty_requested,
                ln.qty,
                ln.unit_price,
                f"{ln.discount_pct}%",
                ln.amount,
            ]
            for ln in lines
        ]
        return doc_page(
            self.request,
            obj=s,
            title=f"{s.get_channel_display()} {s.number or _('草稿')}",
            header=header,
            columns=[_("配件编号"), _("名称"), _("需求"), _("出库"), _("单价"), _("折扣"), _("金额")],
            rows=rows,
            actions=actions,
            links=links,
            extra={"signature_pad": s.status == "posted" and s.delivery_status == "pending"},
        )


def _scoped(model_, request, pk, related=()):
    return get_object_or_404(model_.objects.for_user(request.user).select_related(*related), pk=pk)


@login_required
def sale_post(request, pk):
    sale = _scoped(Sale, request, pk)
    if request.method == "POST":
        run(request, services.sale_post, _("已出库"), sale=sale)
    return redirect(sale)


@login_required
def sale_deliver(request, pk):
    sale = _scoped(Sale, request, pk)
    if request.method == "POST":
        run(
            request,
            services.sale_deliver,
            _("已签收"),
            sale=sale,
            signed_by=request.POST.get("signed_by", ""),
            signature=request.POST.get("signature", ""),
        )
    return redirect(sale)


@login_required
def sale_print(request, pk):
    s = _scoped(Sale, request, pk, ("store",))
    lines = list(s.lines.select_related("part"))
    return render(
        request,
        "parts/print.html",
        {
            "doc_title": _("配件销售单") if s.channel == "wholesale" else _("配件零售小票"),
            "object": s,
            "store": s.store,
            "header": [
                (_("单号"), s.number),
                (_("客户"), s.customer_name),
                (_("日期"), s.posted_at),
                (_("结算方式"), s.get_terms_display()),
            ],
            "columns": [_("配件编号"), _("名称"), _("数量"), _("单价"), _("金额")],
            "rows": [[ln.part.display_no, ln.part.name, ln.qty, ln.unit_price, ln.amount] for ln in lines],
            "totals": [(_("合计（含税）"), s.total), (_("其中税额"), s.total - s.net_total)],
            "signatures": [_("经办人"), _("客户签字")],
        },
    )


@login_required
def sale_picklist(request, pk):
    s = _scoped(Sale, request, pk, ("store",))
    lines = selectors.pick_list(s.lines.select_related("part"), store=s.store)
    return render(
        request,
        "parts/print.html",
        {
            "doc_title": _("拣货单"),
            "object": s,
            "store": s.store,
            "header": [(_("单号"), s.number or _("草稿")), (_("客户"), s.customer_name)],
            "columns": [_("库位"), _("配件编号"), _("名称"), _("数量"), _("实拣")],
            "rows": [[ln.bin_code or "—", ln.part.display_no, ln.part.name, ln.qty, ""] for ln in lines],
            "signatures": [_("拣货人"), _("复核人")],
        },
    )


# --- transfers and returns ------------------------------------------------------------------------


@login_required
def transfer_create(request):
    perm_or_403(request, "parts.add_transfer")
    store = work_store(request)
    targets = Store.objects.filter(group=store.group, is_active=True).exclude(pk=store.pk)
    if request.method == "POST":
        try:
            lines = parse_lines(request, store.group, "qty")
            to = targets.filter(pk=request.POST.get("to_store") or 0).first()
            if to is None:
                raise ValidationError({"to_store": _("请选择调入门店")})
            tr = services.transfer_create(
                actor=request.user, store=store, to_store=to, lines=lines, note=request.POST.get("note", "")
            )
        except ValidationError as e:
            messages.error(request, error_text(e))
        else:
            return redirect(tr)
    return render(
        request,
        "parts/lines_form.html",
        {
            "title": _("新建调拨"),
            "rows": range(6),
            "cols": [("qty", _("数量"))],
            "selects": [("to_store", _("调入门店"), [(s.pk, s) for s in targets])],
        },
    )


class TransferDetailView(FoursDetailView):
    model = Transfer

    def base_queryset(self):
        return Transfer.objects.select_related("store", "to_store")

    def render_to_response(self, context, **kw):
        t = self.object
        ids = store_ids_for(self.request.user)
        actions = []
        if self.request.user.has_perm("parts.change_transfer"):
            if t.status == "draft" and (t.store_id in ids or self.request.user.is_superuser):
                actions.append(action(_("发货（调出）"), reverse("parts:transfer-act", args=[t.pk, "ship"])))
            if t.status == "shipped" and (t.to_store_id in ids or self.request.user.is_superuser):
                actions.append(
                    action(
                        _("收货（调入）"),
                        reverse("parts:transfer-act", args=[t.pk, "receive"]),
                        "btn-success",
                    )
                )
        rows = [
            [ln.part.display_no, ln.part.name, ln.qty, ln.unit_cost] for ln in t.lines.select_related("part")
        ]
        return doc_page(
            self.request,
            obj=t,
            title=_("调拨单 %(no)s") % {"no": t.number},
            header=[
                (_("调出门店"), t.store),
                (_("调入门店"), t.to_store),
                (_("状态"), t.get_status_display()),
                (_("发出时间"), t.shipped_at),
                (_("收货时间"), t.received_at),
            ],
            columns=[_("配件编号"), _("名称"), _("数量"), _("调拨成本")],
            rows=rows,
            actions=actions,
        )


@login_required
def transfer_act(request, pk, step):
    if step not in ("ship", "receive"):
        raise Http404
    t = _scoped(Transfer, request, pk)
    if request.method == "POST":
        fn = services.transfer_ship if step == "ship" else services.transfer_receive
        run(request, fn, _("已发货") if step == "ship" else _("已收货"), transfer=t)
    return redirect(t)


@login_required
def return_create(request):
    perm_or_403(request, "parts.add_returnorder")
    store = work_store(request)
    sale = Sale.objects.filter(
        store=store, pk=request.GET.get("sale") or request.POST.get("sale") or 0
    ).first()
    suppliers = Supplier.objects.filter(group=store.group, is_active=True)
    if request.method == "POST":
        try:
            lines = parse_lines(request, store.group, "qty", "condition", "unit_price")
            kind = request.POST.get("kind") or ReturnKind.CUSTOMER
            supplier = suppliers.filter(pk=request.POST.get("supplier") or 0).first()
            order = services.return_create(
                actor=request.user,
                store=store,
                kind=kind,
                lines=lines,
                sale=sale,
                supplier=supplier,
                reason=request.POST.get("reason", ""),
                partner_name=request.POST.get("partner_name", ""),
            )
        except ValidationError as e:
            messages.error(request, error_text(e))
        else:
            return redirect(order)
    return render(
        request,
        "parts/lines_form.html",
        {
            "title": _("登记退货") + (f"（{sale.number}）" if sale else ""),
            "rows": range(5),
            "cols": [("qty", _("数量")), ("unit_price", _("单价"))],
            "row_selects": [("condition", _("状况"), ReturnCondition.choices)],
            "selects": [
                ("kind", _("类型"), ReturnKind.choices),
                ("supplier", _("供应商（退供应商时）"), [("", "—")] + [(s.pk, s) for s in suppliers]),
            ],
            "texts": [("reason", _("退货原因")), ("partner_name", _("退货方"))],
            "hidden": {"sale": sale.pk if sale else ""},
            "prefill": [
                (ln.part.display_no or ln.part.part_no, ln.qty) for ln in sale.lines.select_related("part")
            ]
            if sale
            else [],
        },
    )


class ReturnDetailView(FoursDetailView):
    model = ReturnOrder

    def render_to_response(self, context, **kw):
        r = self.object
        actions = []
        if r.status == "open" and self.request.user.has_perm("parts.change_returnorder"):
            actions.append(
                action(
                    _("处理完毕"),
                    reverse("parts:return-resolve", args=[r.pk]),
                    "btn-success",
                    fields=[
                        ("resolution", _("处理结果"), "text"),
                        ("refund_amount", _("退款/索赔金额"), "number"),
                    ],
                )
            )
        rows = [
            [
                ln.part.display_no,
                ln.part.name,
                ln.qty,
                ln.get_condition_display(),
                ln.unit_price,
                ln.unit_cost,
            ]
            for ln in r.lines.select_related("part")
        ]
        return doc_page(
            self.request,
            obj=r,
            title=_("退货单 %(no)s") % {"no": r.number},
            header=[
                (_("类型"), r.get_kind_display()),
                (_("状态"), r.get_status_display()),
                (_("退货方"), r.partner_name),
                (_("原因"), r.reason),
                (_("处理结果"), r.resolution),
            ],
            columns=[_("配件编号"), _("名称"), _("数量"), _("状况"), _("单价"), _("成本")],
            rows=rows,
            actions=actions,
        )


@login_required
def return_resolve(request, pk):
    r = _scoped(ReturnOrder, request, pk)
    if request.method == "POST":
        run(
            request,
            services.return_resolve,
            _("已处理"),
            order=r,
            resolution=request.POST.get("resolution", ""),
            refund_amount=request.POST.get("refund_amount") or 0,
        )
    return redirect(r)


# --- purchasing -----------------------------------------------------------------------------------


@login_required
def plan_propose(request):
    perm_or_403(request, "parts.add_purchaseplan")
    if request.method != "POST":
        return redirect("parts:plan-list")
    plans = run(request, services.plan_propose, _("已生成采购计划"), store=work_store(request))
    if plans:
        return redirect(plans[0])
    if plans is not None:
        messages.info(request, _("没有需要订货的配件"))
    return redirect("parts:plan-list")


class PlanDetailView(FoursDetailView):
    model = PurchasePlan
    template_name = "parts/plan_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        plan = self.object
        ctx["lines"] = list(
            plan.lines.select_related("part", "supplier").prefetch_related("quotes__supplier")
        )
        ctx["total"] = sum((ln.amount for ln in ctx["lines"]), Decimal(0))
        ctx["suppliers"] = Supplier.objects.filter(group=plan.store.group, is_active=True)
        ctx["editable"] = plan.status in (
            PlanStatus.DRAFT,
            PlanStatus.REJECTED,
        ) and self.request.user.has_perm("parts.change_purchaseplan")
        ctx["can_approve"] = plan.status == PlanStatus.SUBMITTED and self.request.user.has_perm(
            "parts.approve_purchaseplan"
        )
        ctx["can_order"] = plan.status == PlanStatus.APPROVED and self.request.user.has_perm(
            "parts.add_purchaseorder"
        )
        return ctx


@login_required
def plan_act(request, pk, step):
    plan = _scoped(PurchasePlan, request, pk, ("store",))
    if request.method != "POST":
        return redirect(plan)
    if step == "line":
        try:
            lines = parse_lines(request, plan.store.group, "qty", "unit_price")
        except ValidationError as e:
            messages.error(request, error_text(e))
            return redirect(plan)
        for ln in lines:
            run(
                request,
                services.plan_line_save,
                _("已保存"),
                plan=plan,
                part=ln["part"],
                qty=ln["qty"] or 0,
                unit_price=ln["unit_price"] or None,
            )
    elif step == "quote":
        line = get_object_or_404(plan.lines, pk=request.POST.get("line"))
        supplier = get_object_or_404(
            Supplier.objects.filter(group=plan.store.group), pk=request.POST.get("supplier")
        )
        run(
            request,
            services.plan_quote_add,
            _("已记录报价"),
            line=line,
            supplier=supplier,
            unit_price=request.POST.get("unit_price") or "0",
            lead_time_days=int(request.POST.get("lead_time_days") or 0),
            chosen=bool(request.POST.get("chosen")),
        )
    elif step == "submit":
        run(request, services.plan_submit, _("已提交审批"), plan=plan)
    elif step == "approve":
        run(request, services.plan_approve, _("已审批"), plan=plan)
    elif step == "reject":
        run(request, services.plan_reject, _("已退回"), plan=plan, reason=request.POST.get("reason", ""))
    elif step == "order":
        orders = run(request, services.plan_to_orders, _("已生成采购订单"), plan=plan)
        if orders:
            return redirect(orders[0])
    return redirect(plan)


@login_required
def po_create(request):
    perm_or_403(request, "parts.add_purchaseorder")
    store = work_store(request)
    suppliers = Supplier.objects.filter(group=store.group, is_active=True)
    if request.method == "POST":
        try:
            lines = parse_lines(request, store.group, "qty", "unit_price")
            supplier = suppliers.filter(pk=request.POST.get("supplier") or 0).first()
            if supplier is None:
                raise ValidationError({"supplier": _("请选择供应商")})
            po = services.po_create(actor=request.user, store=store, supplier=supplier, lines=lines)
        except ValidationError as e:
            messages.error(request, error_text(e))
        else:
            if po.status == "pending":
                messages.info(request, _("订单金额超过您的采购限额，已提交配件经理复核，复核后发出"))
            else:
                messages.success(request, _("采购订单已发出"))
            return redirect(po)
    return render(
        request,
        "parts/lines_form.html",
        {
            "title": _("新建采购订单"),
            "rows": range(8),
            "cols": [("qty", _("数量")), ("unit_price", _("单价（不含税）"))],
            "selects": [("supplier", _("供应商"), [(s.pk, s) for s in suppliers])],
        },
    )


class PODetailView(FoursDetailView):
    model = PurchaseOrder

    def base_queryset(self):
        return PurchaseOrder.objects.select_related("supplier", "plan")

    def render_to_response(self, context, **kw):
        po = self.object
        user = self.request.user
        actions, links = [], [(_("打印/导出订单"), reverse("parts:po-print", args=[po.pk]), "bi-printer")]
        if po.status in ("ordered", "partial") and user.has_perm("parts.add_receipt"):
            links.insert(
                0, (_("验收入库"), reverse("parts:receipt-create", args=[po.pk]), "bi-box-arrow-in-down")
            )
        if (
            po.status == "pending"
            and user.has_perm("parts.approve_purchaseorder")
            and po.created_by_id != user.pk
        ):
            actions.append(
                action(_("复核通过并发出"), reverse("parts:po-approve", args=[po.pk]), "btn-success")
            )
        if po.status in ("draft", "pending", "ordered", "partial", "received") and user.has_perm(
            "parts.change_purchaseorder"
        ):
            actions.append(
                action(
                    _("关闭订单"),
                    reverse("parts:po-close", args=[po.pk]),
                    "btn-outline-danger",
                    confirm=_("关闭后未到货部分不再等待，确定？"),
                )
            )
        rows = [
            [ln.part.display_no, ln.part.name, ln.qty, ln.qty_received, ln.qty_open, ln.unit_price, ln.amount]
            for ln in po.lines.select_related("part")
        ]
        receipts = ", ".join(r.number for r in po.receipts.all())
        return doc_page(
            self.request,
            obj=po,
            title=_("采购订单 %(no)s") % {"no": po.number},
            header=[
                (_("供应商"), po.supplier),
                (_("类型"), po.get_kind_display()),
                (_("状态"), po.get_status_display()),
                (_("下单时间"), po.ordered_at),
                (_("预计到货"), po.expected_date),
                (_("采购计划"), po.plan.number if po.plan else "—"),
                (_("复核"), _approval_text(po)),
                (_("入库单"), receipts or "—"),
            ],
            columns=[_("配件编号"), _("名称"), _("订货"), _("已收"), _("未到"), _("单价"), _("金额")],
            rows=rows,
            actions=actions,
            links=links,
        )


def _approval_text(po) -> str:
    from fours.core.templatetags.fours import staff

    if po.approved_by_id is None:
        return _("待配件经理复核") if po.status == "pending" else "—"
    who = staff(po.approved_by)
    if po.plan_id:
        return _("%(who)s（审批采购计划）") % {"who": who}
    if po.approved_by_id == po.created_by_id:
        return _("%(who)s（采购限额内）") % {"who": who}
    return who


@login_required
def po_approve(request, pk):
    po = _scoped(PurchaseOrder, request, pk)
    if request.method == "POST":
        run(request, services.po_approve, _("订单已复核并发出"), po=po)
    return redirect(po)


@login_required
def po_close(request, pk):
    po = _scoped(PurchaseOrder, request, pk)
    if request.method == "POST":
        run(request, services.po_close, _("订单已关闭"), po=po)
    return redirect(po)


@login_required
def po_print(request, pk):
    po = _scoped(PurchaseOrder, request, pk, ("store", "supplier"))
    lines = list(po.lines.select_related("part"))
    if request.GET.get("format") == "xlsx":
        return _xlsx(
            f"{po.number}.xlsx",
            [_("配件编号"), _("名称"), _("数量"), _("单价（不含税）"), _("金额")],
            [
                [ln.part.display_no or ln.part.part_no, ln.part.name, ln.qty, ln.unit_price, ln.amount]
                for ln in lines
            ],
        )
    return render(
        request,
        "parts/print.html",
        {
            "doc_title": _("配件采购订单"),
            "object": po,
            "store": po.store,
            "header": [
                (_("单号"), po.number),
                (_("供应商"), po.supplier),
                (_("统一社会信用代码"), po.supplier.uscc),
                (_("下单日期"), po.ordered_at),
                (_("要求到货"), po.expected_date),
                (_("复核"), _approval_text(po)),
            ],
            "columns": [_("序号"), _("配件编号"), _("名称"), _("数量"), _("单价（不含税）"), _("金额")],
            "rows": [
                [i + 1, ln.part.display_no, ln.part.name, ln.qty, ln.unit_price, ln.amount]
                for i, ln in enumerate(lines)
            ],
            "totals": [(_("合计（不含税）"), sum((ln.amount for ln in lines), Decimal(0)))],
            "signatures": [_("计划员"), _("配件经理")],
            "xlsx": reverse("parts:po-print", args=[po.pk]) + "?format=xlsx",
        },
    )


def _xlsx(filename, header, rows):
    from io import BytesIO

    from django.http import HttpResponse
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append([str(h) for h in header])
    for r in rows:
        ws.append([str(v) if isinstance(v, Decimal) else v for v in r])
    buf = BytesIO()
    wb.save(buf)
    resp = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    resp["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


@login_required
def receipt_create(request, pk):
    """验收入库: count against the delivery note; differences make a discrepancy note."""
    perm_or_403(request, "parts.add_receipt")
    po = _scoped(PurchaseOrder, request, pk, ("supplier", "store"))
    lines = list(po.lines.select_related("part"))
    lines = selectors.pick_list(lines, store=po.store)
    if request.method == "POST":
        rows = []
        for ln in lines:
            get = lambda f, ln=ln: request.POST.get(f"{f}_{ln.pk}", "").strip()  # noqa: E731
            if not any(get(f) for f in ("qty", "qty_noted", "qty_damaged", "qty_wrong")):
                continue
            rows.append(
                {
                    "po_line": ln,
                    "qty": get("qty") or 0,
                    "qty_noted": get("qty_noted") or None,
                    "qty_damaged": get("qty_damaged") or 0,
                    "qty_wrong": get("qty_wrong") or 0,
                    "unit_price": get("unit_price") or None,
                }
            )
        receipt = run(
            request,
            services.receipt_post,
            _("已入库"),
            order=po,
            lines=rows,
            delivery_note=request.POST.get("delivery_note", ""),
            freight=request.POST.get("freight") or 0,
            claim_against=request.POST.get("claim_against") or ClaimAgainst.SUPPLIER,
            carrier=request.POST.get("carrier", ""),
        )
        if receipt:
            return redirect(receipt)
    return render(
        request,
        "parts/receipt_form.html",
        {
            "title": _("验收入库：%(no)s") % {"no": po.number},
            "po": po,
            "lines": lines,
            "claim_choices": ClaimAgainst.choices,
            "post": request.POST,
        },
    )


class ReceiptDetailView(FoursDetailView):
    model = Receipt

    def base_queryset(self):
        return Receipt.objects.select_related("order", "supplier")

    def render_to_response(self, context, **kw):
        r = self.object
        rows = [
            [
                ln.part.display_no,
                ln.part.name,
                ln.qty_noted,
                ln.qty,
                ln.qty_damaged,
                ln.unit_price,
                ln.unit_cost,
                ln.amount,
            ]
            for ln in r.lines.select_related("part")
        ]
        links = [(_("采购订单"), r.order.get_absolute_url(), "bi-cart")]
        d = Discrepancy.objects.filter(receipt=r).first()
        if d:
            links.append(
                (_("差损单 %(no)s") % {"no": d.number}, d.get_absolute_url(), "bi-exclamation-triangle")
            )
        pay = Payable.objects.filter(receipt=r).first()
        return doc_page(
            self.request,
            obj=r,
            title=_("入库单 %(no)s") % {"no": r.number},
            header=[
                (_("供应商"), r.supplier),
                (_("送货单号"), r.delivery_note),
                (_("不含税金额"), r.net_amount),
                (_("税额"), r.tax_amount),
                (_("运费"), r.freight),
                (_("应付金额"), pay.amount if pay else "—"),
                (_("入库时间"), r.received_at),
            ],
            columns=[
                _("配件编号"),
                _("名称"),
                _("送货单"),
                _("实收"),
                _("破损"),
                _("发票单价"),
                _("入库成本"),
                _("金额"),
            ],
            rows=rows,
            links=links,
        )


class DiscrepancyDetailView(FoursDetailView):
    model = Discrepancy

    def base_queryset(self):
        return Discrepancy.objects.select_related("receipt", "receipt__supplier")

    def render_to_response(self, context, **kw):
        d = self.object
        actions = []
        if self.request.user.has_perm("parts.change_discrepancy"):
            if d.status == "open":
                actions.append(
                    action(
                        _("发出索赔"), reverse("parts:discrepancy-act", args=[d.pk, "claim"]), "btn-warning"
                    )
                )
            if d.status in ("open", "claimed"):
                actions.append(
                    action(
                        _("结案"),
                        reverse("parts:discrepancy-act", args=[d.pk, "close"]),
                        "btn-success",
                        fields=[
                            ("settled_amount", _("实际赔付"), "number"),
                            ("resolution", _("处理结果"), "text"),
                        ],
                    )
                )
        rows = [
            [ln.part.display_no, ln.part.name, ln.get_kind_display(), ln.qty, ln.amount, ln.note]
            for ln in d.lines.select_related("part")
        ]
        return doc_page(
            self.request,
            obj=d,
            title=_("差损单 %(no)s") % {"no": d.number},
            header=[
                (_("入库单"), d.receipt.number),
                (_("供应商"), d.receipt.supplier),
                (_("索赔对象"), d.get_claim_against_display() + (f" {d.carrier}" if d.carrier else "")),
                (_("状态"), d.get_status_display()),
                (_("索赔金额"), d.claim_amount),
                (_("实际赔付"), d.settled_amount),
                (_("处理结果"), d.resolution),
            ],
            columns=[_("配件编号"), _("名称"), _("差异类型"), _("数量"), _("金额"), _("说明")],
            rows=rows,
            actions=actions,
            links=[(_("入库单"), d.receipt.get_absolute_url(), "bi-box-arrow-in-down")],
        )


@login_required
def discrepancy_act(request, pk, step):
    d = _scoped(Discrepancy, request, pk)
    if request.method == "POST":
        if step == "claim":
            run(request, services.discrepancy_claim, _("已发出索赔"), discrepancy=d)
        else:
            run(
                request,
                services.discrepancy_close,
                _("已结案"),
                discrepancy=d,
                settled_amount=request.POST.get("settled_amount") or 0,
                resolution=request.POST.get("resolution", ""),
            )
    return redirect(d)


# --- stocktake and write-off ----------------------------------------------------------------------


@login_required
def stocktake_create(request):
    perm_or_403(request, "parts.add_stocktake")
    form = StocktakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        st = run(
            request,
            services.stocktake_create,
            _("盘点清单已冻结"),
            store=work_store(request),
            **form.cleaned_data,
        )
        if st:
            return redirect(st)
    return render(
        request,
        "parts/form.html",
        {"form": form, "title": _("新建盘点（冻结盘点清单）"), "cancel_url": reverse("parts:stocktake-list")},
    )


class StocktakeDetailView(FoursDetailView):
    model = Stocktake
    template_name = "parts/stocktake_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        st = self.object
        lines = list(st.lines.select_related("part"))
        ctx["lines"] = lines
        ctx["reasons"] = [c for c in VarianceReason.choices if c[0]]
        ctx["counted"] = sum(1 for ln in lines if ln.counted_qty is not None)
        ctx["diff_lines"] = [ln for ln in lines if ln.variance]
        ctx["gain"] = sum(
            (ln.variance * ln.unit_cost for ln in ctx["diff_lines"] if ln.variance > 0), Decimal(0)
        )
        ctx["loss"] = sum(
            (-ln.variance * ln.unit_cost for ln in ctx["diff_lines"] if ln.variance < 0), Decimal(0)
        )
        ctx["accuracy"] = services.stocktake_accuracy(st)
        ctx["can_count"] = st.status == StocktakeStatus.COUNTING and self.request.user.has_perm(
            "parts.change_stocktake"
        )
        ctx["can_approve"] = st.status == StocktakeStatus.SUBMITTED and self.request.user.has_perm(
            "parts.approve_stocktake"
        )
        ctx["finance_needed"] = st.kind == StocktakeKind.QUARTERLY and st.finance_by_id is None
        ctx["can_confirm_finance"] = (
            st.status == StocktakeStatus.SUBMITTED
            and st.finance_by_id is None
            and (self.request.user.is_superuser or has_role(self.request.user, st.store, Role.FINANCE))
        )
        return ctx


@login_required
def stocktake_act(request, pk, step):
    st = _scoped(Stocktake, request, pk, ("store",))
    if request.method != "POST":
        return redirect(st)
    if step == "count":
        counts = {}
        for key, val in request.POST.items():
            if key.startswith("c_") and val.strip() != "":
                lid = key[2:]
                counts[lid] = (val.strip(), request.POST.get(f"r_{lid}") or None)
        n = run(request, services.stocktake_count, _("已保存盘点数量"), stocktake=st, counts=counts)
        if n is not None:
            return redirect_back(request, st)
    elif step == "submit":
        run(request, services.stocktake_submit, _("已提交审批"), stocktake=st)
    elif step == "finance":
        run(request, services.stocktake_finance_confirm, _("财务已确认盘点结果"), stocktake=st)
    elif step == "approve":
        run(request, services.stocktake_approve, _("盘点差异已审批并调整库存"), stocktake=st)
    elif step == "reopen":
        run(request, services.stocktake_reopen, _("已退回重盘"), stocktake=st)
    return redirect(st)


@login_required
def stocktake_sheet(request, pk):
    st = _scoped(Stocktake, request, pk, ("store",))
    lines = list(st.lines.select_related("part"))
    blind = request.GET.get("blind") == "1"
    return render(
        request,
        "parts/print.html",
        {
            "doc_title": _("盘点表"),
            "object": st,
            "store": st.store,
            "header": [
                (_("单号"), st.number),
                (_("盘点类型"), st.get_kind_display()),
                (_("范围"), f"{st.get_scope_display()} {st.scope_value}"),
                (_("冻结时间"), st.frozen_at),
            ],
            "columns": [_("库位"), _("配件编号"), _("名称"), _("单位")]
            + ([] if blind else [_("账面")])
            + [_("实盘"), _("差异原因")],
            "rows": [
                [ln.bin_code or "—", ln.part.display_no, ln.part.name, ln.part.get_unit_display()]
                + ([] if blind else [ln.book_qty])
                + ["", ""]
                for ln in lines
            ],
            "signatures": [_("盘点人"), _("监盘人"), _("配件经理")]
            + ([_("财务")] if st.kind == StocktakeKind.QUARTERLY else []),
        },
    )


@login_required
def writeoff_create(request):
    perm_or_403(request, "parts.add_writeoff")
    store = work_store(request)
    if request.method == "POST":
        try:
            lines = parse_lines(request, store.group, "qty")
            shares = []
            for party, name, amount in zip(
                request.POST.getlist("party"),
                request.POST.getlist("party_name"),
                request.POST.getlist("amount"),
                strict=False,
            ):
                if party and amount.strip():
                    shares.append({"party": party, "name": name, "amount": amount})
            responsible = None
            if request.POST.get("responsible"):
                responsible = _store_staff(store).filter(pk=request.POST["responsible"]).first()
                if responsible is None:
                    raise ValidationError({"responsible": _("责任人须为本店员工")})
            wo = services.writeoff_create(
                actor=request.user,
                store=store,
                reason=request.POST.get("reason", ""),
                lines=lines,
                shares=shares or None,
                note=request.POST.get("note", ""),
                responsible=responsible,
            )
        except ValidationError as e:
            messages.error(request, error_text(e))
        else:
            return redirect(wo)
    return render(
        request,
        "parts/writeoff_form.html",
        {
            "title": _("新建报损"),
            "rows": range(5),
            "reasons": WriteOffReason.choices,
            "parties": Responsible.choices,
            "staff": _store_staff(store),
            "split": services.config_for(store).writeoff_split,
            "party_labels": dict(Responsible.choices),
        },
    )


def _store_staff(store):
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(memberships__store=store, memberships__is_active=True, is_active=True)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def _writeoff_split_rows(wo) -> list[tuple[str, str]]:
    """The loss split as header rows: party (%) → who, amount; then what is charged to whom."""
    from fours.core.templatetags.fours import staff, yuan

    out = []
    for s in wo.shares.select_related("user"):
        pct = f"（{s.pct}%）" if s.pct is not None else ""
        who = staff(s.user) if s.user_id else s.name
        out.append((_("责任分摊") + f"·{s.get_party_display()}{pct}", f"{who} {yuan(s.amount)}".strip()))
    for c in wo.charges.select_related("employee"):
        out.append((_("员工赔偿"), f"{staff(c.employee)} {yuan(c.amount)} · {c.get_status_display()}"))
    return out


class WriteOffDetailView(FoursDetailView):
    model = WriteOff

    def render_to_response(self, context, **kw):
        from fours.core.selectors import roles_of

        from .services.counting import WRITE_OFF_ROLES

        wo = self.object
        have = {a.role: a for a in wo.approvals.select_related("user")}
        my_roles = roles_of(self.request.user, wo.store)
        actions = []
        if wo.status == "draft":
            if self.request.user.has_perm("parts.approve_writeoff"):
                for role in WRITE_OFF_ROLES:
                    if role not in have and (role.value in my_roles or self.request.user.is_superuser):
                        actions.append(
                            action(
                                _("以%(r)s身份确认") % {"r": role.label},
                                reverse("parts:writeoff-act", args=[wo.pk, "approve"])
                                + f"?role={role.value}",
                                "btn-warning",
                            )
                        )
            if len(have) == 3 and self.request.user.has_perm("parts.change_writeoff"):
                label = _("出库并记责任人赔偿") if wo.responsible_id else _("报损出库")
                actions.append(action(label, reverse("parts:writeoff-act", args=[wo.pk, "post"])))
        header = [
            (_("原因"), wo.get_reason_display()),
            (_("状态"), wo.get_status_display()),
            (_("损失金额"), wo.total_cost),
        ]
        if wo.responsible_id:
            header.append(
                (_("责任人（人为因素，不予报损）"), wo.responsible.get_full_name() or wo.responsible)
            )
        for role in WRITE_OFF_ROLES:
            a = have.get(role.value)
            header.append(
                (
                    role.label,
                    f"✔ {a.user.get_full_name() or a.user} {timezone.localtime(a.at):%m-%d %H:%M}"
                    if a
                    else _("待确认"),
                )
            )
        header += _writeoff_split_rows(wo)
        rows = [
            [ln.part.display_no, ln.part.name, ln.qty, ln.unit_cost] for ln in wo.lines.select_related("part")
        ]
        return doc_page(
            self.request,
            obj=wo,
            title=_("报损单 %(no)s") % {"no": wo.number},
            header=header,
            columns=[_("配件编号"), _("名称"), _("数量"), _("成本单价")],
            rows=rows,
            actions=actions,
            links=[(_("打印报损单"), reverse("parts:writeoff-print", args=[wo.pk]), "bi-printer")],
        )


@login_required
def writeoff_print(request, pk):
    wo = _scoped(WriteOff, request, pk, ("store", "responsible"))
    lines = list(wo.lines.select_related("part"))
    header = [
        (_("单号"), wo.number),
        (_("原因"), wo.get_reason_display()),
        (_("状态"), wo.get_status_display()),
        (_("说明"), wo.note or "—"),
    ]
    if wo.responsible_id:
        header.append((_("责任人（人为因素，不予报损）"), wo.responsible.get_full_name() or wo.responsible))
    return render(
        request,
        "parts/print.html",
        {
            "doc_title": _("配件报损申请单"),
            "object": wo,
            "store": wo.store,
            "header": header + _writeoff_split_rows(wo),
            "columns": [_("序号"), _("配件编号"), _("名称"), _("数量"), _("成本单价"), _("金额")],
            "rows": [
                [i + 1, ln.part.display_no, ln.part.name, ln.qty, ln.unit_cost, ln.qty * ln.unit_cost]
                for i, ln in enumerate(lines)
            ],
            "totals": [(_("损失金额"), wo.total_cost)],
            "signatures": [_("服务经理"), _("索赔员"), _("配件经理")],
        },
    )


@login_required
def writeoff_act(request, pk, step):
    wo = _scoped(WriteOff, request, pk)
    if request.method == "POST":
        if step == "approve":
            run(
                request, services.writeoff_approve, _("已确认"), writeoff=wo, role=request.GET.get("role", "")
            )
        else:
            run(request, services.writeoff_post, _("已报损出库"), writeoff=wo)
    return redirect(wo)


# --- price import ---------------------------------------------------------------------------------


@login_required
def price_import(request):
    """Upload a price file: a background task checks it and summarises it on the job's page."""
    perm_or_403(request, "parts.import_prices")
    store = work_store(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        up = form.cleaned_data["file"]
        job = run(
            request,
            price_import_start,
            _("价格文件已上传，正在检查"),
            group=store.group,
            store=store,
            file_name=up.name,
            content=up.read(),
        )
        if job is not None:
            return redirect(job)
    jobs = PriceImportJob.objects.for_user(request.user).filter(group=store.group).defer("content")[:10]
    return render(request, "parts/import.html", {"title": _("导入厂家价格文件"), "form": form, "jobs": jobs})


@login_required
def price_import_job(request, pk):
    """The job's progress and summary (htmx polls it while a task runs); POST confirms the import."""
    perm_or_403(request, "parts.import_prices")
    job = get_object_or_404(PriceImportJob.objects.for_user(request.user).defer("content"), pk=pk)
    if request.method == "POST":
        run(request, price_import_confirm, _("已确认，正在导入"), job=job)
        return redirect(job)
    template = "parts/_import_job.html" if request.htmx else "parts/import_job.html"
    return render(request, template, {"job": job, "title": _("导入厂家价格文件")})


# --- dashboard ------------------------------------------------------------------------------------


@login_required
def dashboard(request):
    perm_or_403(request, "parts.view_stockbalance")
    store = work_store(request)
    t = reports.turnover(store)
    ctx = {
        "title": _("配件看板"),
        "store": store,
        "value": reports.stock_value(store),
        "turnover": t,
        "by_class": reports.value_by_class(store),
        "by_age": reports.value_by_age(store),
        "slow": reports.slow_moving(store),
        "fill": reports.fill_rate_by_channel(store),
        "fill_all": reports.fill_rate(store),
        "margin": reports.margin_by_channel(store),
        "below_safety": reports.below_safety(store),
        "open_pos": reports.open_pos(store),
        "today": reports.today_counter_sales(store),
        "chart": json.dumps(
            {
                "daily": reports.daily_moves(store),
                "by_class": {k: str(v) for k, v in reports.value_by_class(store).items()},
                "by_age": {k: str(v) for k, v in reports.value_by_age(store).items()},
            }
        ),
        "open_claims": Discrepancy.objects.filter(store=store).exclude(status="closed").count(),
        "open_returns": ReturnOrder.objects.filter(store=store, status="open").count(),
        "open_demands": PurchaseDemand.objects.filter(store=store, status="open").count(),
        "dead_parts": reports.slow_moving_parts(store, reports.config_for(store).slow_months)[:15],
    }
    return render(request, "parts/dashboard.html", ctx)


@login_required
def group_view(request):
    perm_or_403(request, "parts.view_stockbalance")
    stores = list(stores_for(request.user).order_by("code"))
    return render(
        request, "parts/group.html", {"title": _("集团配件对比"), "rows": reports.store_comparison(stores)}
    )


@login_required
def count_entry(request, pk):
    """Count entry on a phone: one bin group at a time, big inputs."""
    st = _scoped(Stocktake, request, pk)
    perm_or_403(request, "parts.change_stocktake")
    prefix = request.GET.get("bin", "")
    lines = st.lines.select_related("part").order_by("bin_code", "part_id")
    if prefix:
        lines = lines.filter(bin_code__startswith=prefix)
    racks = sorted({"-".join(ln.split("-")[:2]) for ln in st.lines.values_list("bin_code", flat=True) if ln})
    return render(
        request,
        "parts/count_entry.html",
        {
            "title": _("盘点录入"),
            "st": st,
            "lines": lines[:200],
            "racks": racks,
            "prefix": prefix,
            "reasons": [c for c in VarianceReason.choices if c[0]],
        },
    )


DISCREPANCY_KINDS = DiscrepancyKind.choices
