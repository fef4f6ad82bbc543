"""Parts sales pages: counter and wholesale slips, the storekeeper's issue queue, delivery, trade customers.
Money is finance's: a slip's payment state is read from its open item, paid at the cashier's desk."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.views import (
    FoursDetailView,
    FoursListView,
    attach_errors,
    error_text,
    perm_or_403,
    work_store,
)
from fours.core.workflows import allowed_next

from .. import filters, selectors, services, tables
from ..choices import DeliveryStatus, SaleStatus, SaleTerms
from ..forms import TradeCustomerForm
from ..models import Sale, TradeCustomer
from ._common import _scoped, action, doc_page, finance_url, parse_lines, step_view


class SaleListView(FoursListView):
    """配件销售单 with each slip's payment state read from finance (one subquery, not one per row)."""

    model = Sale
    table_class = tables.SaleTable
    filterset_class = filters.SaleFilter
    title = gettext_lazy("配件销售单")
    create_url_name = "parts:sale-create"
    create_perm = "parts.add_sale"
    create_label = gettext_lazy("柜台零售")

    def base_queryset(self):
        return selectors.with_payment(Sale.objects.all()).order_by("-id")


class IssueQueueView(FoursListView):
    """待出库: the storekeeper's queue of slips finance shows paid (or on account), oldest first."""

    model = Sale
    table_class = tables.IssueQueueTable
    filterset_class = filters.SaleQueueFilter
    title = gettext_lazy("待出库")
    permission_required = ("parts.issue_sale",)

    def base_queryset(self):
        return selectors.sales_to_issue(self.request.user)


class TradeCustomerListView(FoursListView):
    """批发客户 with the credit limit and the balance finance keeps for them."""

    model = TradeCustomer
    table_class = tables.TradeCustomerTable
    filterset_class = filters.TradeCustomerFilter
    title = gettext_lazy("批发客户")
    create_url_name = "parts:tradecustomer-create"

    def base_queryset(self):
        return selectors.with_terms(TradeCustomer.objects.all()).order_by("name", "id")

    def get_table_kwargs(self):
        # the name opens the edit form only for a role that may edit
        return {
            **super().get_table_kwargs(),
            "can_edit": self.request.user.has_perm("parts.change_tradecustomer"),
        }


@login_required
def tradecustomer_form(request, pk=None):
    """新建/编辑批发客户. Its credit limit and payment days are finance's terms of its party: shown to
    everyone, edited here only by a user finance lets change parties."""
    store = work_store(request)
    customer = None
    if pk is not None:
        perm_or_403(request, "parts.change_tradecustomer")
        customer = _scoped(TradeCustomer, request, pk)
        store = customer.store
    else:
        perm_or_403(request, "parts.add_tradecustomer")
    terms = request.user.has_perm("finance.change_party")
    initial = {}
    if customer is not None:
        row = selectors.with_terms(TradeCustomer.objects.filter(pk=customer.pk)).get()
        initial = {
            "name": customer.name,
            "contact": customer.contact,
            "phone": customer.phone,
            "address": customer.address,
            "credit_limit": row.credit_limit or 0,
            "payment_days": row.payment_days if row.payment_days is not None else 30,
        }
    form = TradeCustomerForm(request.POST or None, initial=initial, terms=terms)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.trade_customer_save(
                actor=request.user, store=store, customer=customer, **form.cleaned_data
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("已保存"))
            return redirect("parts:tradecustomer-list")
    return render(
        request,
        "parts/form.html",
        {
            "form": form,
            "title": _("编辑批发客户") if customer else _("新建批发客户"),
            "cancel_url": reverse("parts:tradecustomer-list"),
        },
    )


@login_required
def sale_create(request, channel="counter"):
    perm_or_403(request, "parts.add_sale")
    store = work_store(request)
    customers = (
        selectors.with_terms(TradeCustomer.objects.filter(store=store)).order_by("name", "id")
        if channel == "wholesale"
        else None
    )
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
                terms=request.POST.get("terms") or SaleTerms.CASH,
                post=request.POST.get("draft") != "1",
                delivery_address=request.POST.get("delivery_address", ""),
                note=request.POST.get("note", ""),
            )
        except ValidationError as e:
            messages.error(request, error_text(e))
        else:
            messages.success(
                request,
                _("已开单 %(no)s，请客户到收银台付款") % {"no": sale.number}
                if sale.number and not services.sale_is_payable_done(sale)
                else _("已开单 %(no)s，待库管员出库") % {"no": sale.number}
                if sale.number
                else _("已保存草稿"),
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
            "terms": SaleTerms.choices,
            "post": request.POST,
        },
    )


class SaleDetailView(FoursDetailView):
    model = Sale

    def base_queryset(self):
        return Sale.objects.select_related("customer", "store", "created_by", "issued_by")

    def render_to_response(self, context, **kw):
        s = self.object
        steps = allowed_next(s, self.request.user)
        lines = list(s.lines.select_related("part"))
        money = selectors.sale_money(s)
        item = money.item
        paid = item.allocated if item is not None else None
        actions = []
        if SaleStatus.BILLED in steps:
            actions.append(action(_("开单"), reverse("parts:sale-post", args=[s.pk])))
        if SaleStatus.POSTED in steps and money.cleared:
            actions.append(action(_("确认出库"), reverse("parts:sale-issue", args=[s.pk]), "btn-success"))
        if SaleStatus.CANCELLED in steps and not paid:
            actions.append(
                action(
                    _("作废"),
                    reverse("parts:sale-cancel", args=[s.pk]),
                    "btn-outline-danger",
                    fields=[("reason", _("作废原因"), "text")],
                    confirm=_("作废后应收冲销、预留释放，确定吗？"),
                )
            )
        awaits_signature = "deliver" in steps and s.delivery_status == DeliveryStatus.PENDING
        if awaits_signature:
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
        if "return" in steps:
            links.append(
                (_("登记退货"), reverse("parts:return-create") + f"?sale={s.pk}", "bi-arrow-return-left")
            )
        user = self.request.user
        if money.waiting_payment and item is not None and user.has_perm("finance.add_payment"):
            desk = finance_url("desk", query=f"item={item.pk}")
            if desk:  # the money is taken at the cashier's desk in finance
                links.insert(0, (_("到收银台收款"), desk, "bi-cash-coin"))
        if item is not None and user.has_perm("finance.view_party"):
            party = finance_url("party-detail", item.party_id)
            if party:
                links.append((_("往来单位"), party, "bi-person-vcard"))
        invoice = selectors.sale_invoice_of(s)
        if "invoice" in steps and invoice is None:
            url = reverse("parts:sale-invoice", args=[s.pk])
            actions.append(action(_("开普通发票"), f"{url}?kind=vat_ordinary", "btn-outline-primary"))
            actions.append(action(_("开专用发票"), f"{url}?kind=vat_special", "btn-outline-primary"))
        if invoice is not None and user.has_perm("finance.view_invoice"):
            link = finance_url("invoice-detail", invoice.pk)
            if link:
                links.append((_("发票 %(n)s") % {"n": invoice.number}, link, "bi-receipt-cutoff"))
        header = [
            (_("渠道"), s.get_channel_display()),
            (_("状态"), s.get_status_display()),
            (_("付款"), money.label),
            (_("客户"), s.customer_name),
            (_("电话"), s.customer_phone),
            (_("结算方式"), s.get_terms_display()),
            (_("金额（含税）"), s.total),
            (_("不含税金额"), s.net_total),
        ]
        if item is not None:
            header += [(_("已收金额"), item.allocated), (_("未收金额"), item.open_amount)]
        if invoice is not None:
            header.append((_("发票"), f"{invoice.get_kind_display()} {invoice.number}"))
        header += [
            (_("开单人"), s.created_by),
            (_("出库人"), s.issued_by),
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
        note = ""
        if money.waiting_payment:
            note = _("待付款：请客户持单到收银台付款，付款后由库管员出库。")
        elif money.waiting_issue:
            note = _("已付款（或挂账），待库管员出库。")
        return doc_page(
            self.request,
            obj=s,
            title=f"{s.get_channel_display()} {s.number or _('草稿')}",
            header=header,
            columns=[_("配件编号"), _("名称"), _("需求"), _("出库"), _("单价"), _("折扣"), _("金额")],
            rows=rows,
            actions=actions,
            links=links,
            extra={"signature_pad": awaits_signature, "doc_note": note},
        )


sale_post = step_view(Sale, "sale", {None: ("sale_post", gettext_lazy("已开单，请客户到收银台付款"), {})})
sale_issue = step_view(Sale, "sale", {None: ("sale_issue", gettext_lazy("已出库"), {})})
sale_cancel = step_view(Sale, "sale", {None: ("sale_cancel", gettext_lazy("已作废"), {"reason": "reason"})})
sale_invoice = step_view(
    Sale,
    "sale",
    {None: ("sale_invoice", gettext_lazy("已开票"), {"kind": lambda request: request.GET.get("kind", "")})},
)
sale_deliver = step_view(
    Sale,
    "sale",
    {None: ("sale_deliver", gettext_lazy("已签收"), {"signed_by": "signed_by", "signature": "signature"})},
)


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
                (_("付款"), selectors.payment_label(s)),
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
