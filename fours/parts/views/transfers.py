"""Stock transfer pages between the stores of a group."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.models import Store
from fours.core.selectors import store_ids_for
from fours.core.views import FoursDetailView, FoursListView, error_text, perm_or_403, work_store
from fours.core.workflows import allowed_next

from .. import filters, services, tables
from ..choices import TransferStatus
from ..models import Transfer
from ._common import action, doc_page, parse_lines, step_view


class TransferListView(FoursListView):
    model = Transfer
    table_class = tables.TransferTable
    filterset_class = filters.TransferFilter
    title = gettext_lazy("调拨单")
    current_store_only = False
    create_url_name = "parts:transfer-create"
    create_label = gettext_lazy("新建调拨")

    def base_queryset(self):
        return Transfer.objects.select_related("store", "to_store")


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
        user = self.request.user
        ids = store_ids_for(user)
        steps = allowed_next(t, user)
        actions = []
        # the sending store ships, the receiving store receives
        if TransferStatus.SHIPPED in steps and (t.store_id in ids or user.is_superuser):
            actions.append(action(_("发货（调出）"), reverse("parts:transfer-act", args=[t.pk, "ship"])))
        if TransferStatus.RECEIVED in steps and (t.to_store_id in ids or user.is_superuser):
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


transfer_act = step_view(
    Transfer,
    "transfer",
    {
        "ship": ("transfer_ship", gettext_lazy("已发货"), {}),
        "receive": ("transfer_receive", gettext_lazy("已收货"), {}),
    },
)
