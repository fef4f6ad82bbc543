"""结算收银: the orders waiting to be settled and the settled ones waiting for the customer's payment.
Payments are taken at finance's cashier desk (收银台); this page links each order there. The day report
is finance's (收银日报 across all departments)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from fours.core.views import perm_or_403, work_store

from .. import selectors

DESK = "finance:desk"  # finance's cashier desk (收银台); ?q= finds an order's items by its number


def desk_url(user, ro=None) -> str:
    """The cashier desk, searched for the order's number; empty for a role that takes no payment (or
    before the desk exists)."""
    if not user.has_perm("finance.add_payment"):
        return ""
    try:
        url = reverse(DESK)
    except NoReverseMatch:
        return ""
    return f"{url}?{urlencode({'q': ro.number})}" if ro is not None else url


@login_required
def cashier(request):
    perm_or_403(request, "service.settle_repairorder")
    store = work_store(request)
    unpaid = list(selectors.orders_unpaid(store))
    for ro in unpaid:
        ro.desk_url = desk_url(request.user, ro)
    return render(
        request,
        "service/cashier.html",
        {
            "title": _("结算收银"),
            "waiting": selectors.orders_to_settle(store),
            "unpaid": unpaid,
            "desk": desk_url(request.user),
        },
    )
