"""Purchasing pages: plans, purchase orders, receipts and discrepancies (the payables are finance's)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.views import FoursDetailView, error_text, perm_or_403, run, work_store
from fours.core.workflows import allowed_next

from .. import filters, selectors, services, tables, workflows
from ..choices import ClaimAgainst, ClaimStatus, DiscrepancyKind, POStatus
from ..models import Discrepancy, PurchaseDemand, PurchaseOrder, PurchasePlan, Receipt, Supplier
from ._common import _scoped, _xlsx, action, doc_page, finance_url, parse_lines, simple_list, step_view

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


DemandListView = simple_list(
    PurchaseDemand, tables.DemandTable, filters.DemandFilter, gettext_lazy("缺件需求"), related=("part",)
)


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
        ctx["steps"] = allowed_next(plan, self.request.user)
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
            if po.awaits_review:
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
        steps = allowed_next(po, user)
        actions, links = [], [(_("打印/导出订单"), reverse("parts:po-print", args=[po.pk]), "bi-printer")]
        if "receive" in steps:
            links.insert(
                0, (_("验收入库"), reverse("parts:receipt-create", args=[po.pk]), "bi-box-arrow-in-down")
            )
        # the author may not review his own order
        if po.awaits_review and POStatus.ORDERED in steps and po.created_by_id != user.pk:
            actions.append(
                action(_("复核通过并发出"), reverse("parts:po-approve", args=[po.pk]), "btn-success")
            )
        if workflows.po_close_step(po) in steps:
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
        return _("待配件经理复核") if po.awaits_review else "—"
    who = staff(po.approved_by)
    if po.plan_id:
        return _("%(who)s（审批采购计划）") % {"who": who}
    if po.approved_by_id == po.created_by_id:
        return _("%(who)s（采购限额内）") % {"who": who}
    return who


po_approve = step_view(PurchaseOrder, "po", {None: ("po_approve", gettext_lazy("订单已复核并发出"), {})})
po_close = step_view(PurchaseOrder, "po", {None: ("po_close", gettext_lazy("订单已关闭"), {})})


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
            invoice_no=request.POST.get("invoice_no", ""),
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
        pay = selectors.receipt_payable(r)
        if pay is not None and self.request.user.has_perm("finance.view_party"):
            party = finance_url("party-detail", pay.party_id)
            if party:  # the supplier's payables are finance's (付款通知书, pay-out)
                links.append((_("供应商往来"), party, "bi-wallet2"))
        return doc_page(
            self.request,
            obj=r,
            title=_("入库单 %(no)s") % {"no": r.number},
            header=[
                (_("供应商"), r.supplier),
                (_("送货单号"), r.delivery_note),
                (_("供应商发票号"), r.invoice_no or (pay.invoice_no if pay else "") or _("发票未到")),
                (_("不含税金额"), r.net_amount),
                (_("税额"), r.tax_amount),
                (_("运费"), r.freight),
                (_("应付金额"), pay.amount if pay else "—"),
                (_("已付金额"), pay.allocated if pay else "—"),
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
        steps = allowed_next(d, self.request.user)
        actions = []
        if ClaimStatus.CLAIMED in steps:
            actions.append(
                action(_("发出索赔"), reverse("parts:discrepancy-act", args=[d.pk, "claim"]), "btn-warning")
            )
        if ClaimStatus.CLOSED in steps:
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


discrepancy_act = step_view(
    Discrepancy,
    "discrepancy",
    {
        "claim": ("discrepancy_claim", gettext_lazy("已发出索赔"), {}),
        "close": (
            "discrepancy_close",
            gettext_lazy("已结案"),
            {"settled_amount": ("settled_amount", 0), "resolution": "resolution"},
        ),
    },
)


DISCREPANCY_KINDS = DiscrepancyKind.choices
