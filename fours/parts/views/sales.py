"""Parts sales pages: counter and wholesale sales, delivery, receivables and payments."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.stores import current_store
from fours.core.views import FoursDetailView, error_text, perm_or_403, work_store
from fours.core.workflows import allowed_next

from .. import filters, selectors, services, tables
from ..choices import DeliveryStatus, PaymentTerms, SaleStatus
from ..forms import CustomerPaymentForm
from ..models import Receivable, Sale, TradeCustomer
from ._common import _scoped, action, doc_page, parse_lines, simple_list, step_view

SaleListView = simple_list(
    Sale,
    tables.SaleTable,
    filters.SaleFilter,
    gettext_lazy("配件销售单"),
    create=("parts:sale-create", "parts.add_sale"),
    create_label=gettext_lazy("柜台零售"),
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
    perm_or_403(request, "parts.add_customerpayment")
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
        steps = allowed_next(s, self.request.user)
        lines = list(s.lines.select_related("part"))
        actions = []
        if SaleStatus.POSTED in steps:
            actions.append(action(_("确认出库"), reverse("parts:sale-post", args=[s.pk])))
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
            extra={"signature_pad": awaits_signature},
        )


sale_post = step_view(Sale, "sale", {None: ("sale_post", gettext_lazy("已出库"), {})})
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
