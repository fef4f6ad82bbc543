"""结算收银: the cashier's page and the service receivables."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.views import FoursListView, perm_or_403, work_store

from .. import filters, reports, selectors, tables
from ..models import (
    ServiceReceivable,
)


@login_required
def cashier(request):
    perm_or_403(request, "service.settle_repairorder")
    store = work_store(request)
    day = parse_date(request.GET.get("date") or "") or timezone.localdate()
    waiting = selectors.orders_to_settle(store)
    unpaid = selectors.orders_unpaid(store)
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


class ReceivableListView(FoursListView):
    model = ServiceReceivable
    table_class = tables.ReceivableTable
    filterset_class = filters.ReceivableFilter
    title = gettext_lazy("售后应收")

    def base_queryset(self):
        return ServiceReceivable.objects.select_related("ro")
