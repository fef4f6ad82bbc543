"""The parts dashboard and the group view."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from fours.core.selectors import stores_for
from fours.core.views import perm_or_403, work_store

from .. import reports


@login_required
def dashboard(request):
    perm_or_403(request, "parts.view_stockbalance")
    store = work_store(request)
    t = reports.turnover(store)
    by_class, by_age = reports.value_by_class(store), reports.value_by_age(store)
    ctx = {
        "title": _("配件看板"),
        "store": store,
        "value": reports.stock_value(store),
        "turnover": t,
        "by_class": by_class,
        "by_age": by_age,
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
                "by_class": {k: str(v) for k, v in by_class.items()},
                "by_age": {k: str(v) for k, v in by_age.items()},
            }
        ),
        **reports.open_work(store),
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
