"""Stock pages: balances, moves, the stock card and reversing a move."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.views import LedgerListView, perm_or_403, run, work_store

from .. import filters, selectors, services, tables
from ..models import Part, StockBalance, StockMove
from ._common import simple_list


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


BalanceListView = simple_list(
    StockBalance,
    tables.BalanceTable,
    filters.BalanceFilter,
    gettext_lazy("库存查询"),
    related=("part",),
    order=("part__part_no", "id"),
)


class MoveListView(LedgerListView):
    """库存流水: the store's moves of the last 30 days by default, newest first, paged by (time, id)."""

    model = StockMove
    table_class = tables.MoveTable
    filterset_class = filters.MoveFilter
    title = gettext_lazy("库存流水")

    def base_queryset(self):
        return StockMove.objects.select_related("part")
