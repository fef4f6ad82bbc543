"""Parts return pages: customer and supplier returns and their resolution."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.views import FoursDetailView, error_text, perm_or_403, work_store
from fours.core.workflows import allowed_next

from .. import filters, services, tables
from ..choices import ReturnCondition, ReturnKind, ReturnStatus
from ..models import ReturnOrder, Sale, Supplier
from ._common import action, doc_page, finance_url, parse_lines, simple_list, step_view

ReturnListView = simple_list(
    ReturnOrder,
    tables.ReturnTable,
    filters.ReturnFilter,
    gettext_lazy("退货台账"),
    create=("parts:return-create", "parts.add_returnorder"),
    create_label=gettext_lazy("登记退货"),
)


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
        if ReturnStatus.RESOLVED in allowed_next(r, self.request.user):
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
        header = [
            (_("类型"), r.get_kind_display()),
            (_("状态"), r.get_status_display()),
            (_("退货方"), r.partner_name),
            (_("原因"), r.reason),
            (_("处理结果"), r.resolution),
        ]
        header_refund, links = _refund_rows(r, self.request.user)
        return doc_page(
            self.request,
            obj=r,
            title=_("退货单 %(no)s") % {"no": r.number},
            header=header + header_refund,
            columns=[_("配件编号"), _("名称"), _("数量"), _("状况"), _("单价"), _("成本")],
            rows=rows,
            actions=actions,
            links=links,
        )


def _refund_rows(order, user):
    """A customer's refund credited in finance (贷项): the amount, the customer's advance (预收) it made,
    and, for the cashier, the way to the desk's refund page."""
    from fours.core.money import round_money
    from fours.finance.selectors.desk import advance_amount, doc_credits

    if order.kind != ReturnKind.CUSTOMER or not order.refund_amount:
        return [], []
    credits = doc_credits(order)
    if not credits:
        return [], []
    party = credits[0].party
    advance = round_money(advance_amount(party))
    header = [
        (_("退款金额（冲减应收）"), order.refund_amount),
        (_("%(p)s 预收余额（待退款）") % {"p": party.name}, max(advance, round_money(0))),
    ]
    links = []
    refund = finance_url("refund", query=f"party={party.pk}")
    detail = finance_url("party-detail", party.pk)
    if advance > 0 and refund and user.has_perm("finance.refund_payment"):
        links.append((_("到收银台退款"), refund, "bi-cash-coin"))
    elif detail and user.has_perm("finance.view_party"):
        links.append((_("往来单位"), detail, "bi-person-vcard"))
    return header, links


return_resolve = step_view(
    ReturnOrder,
    "order",
    {
        None: (
            "return_resolve",
            gettext_lazy("已处理"),
            {"resolution": "resolution", "refund_amount": ("refund_amount", 0)},
        )
    },
)
