"""投诉补偿付款: the compensations approved on complaints that the store owes its customers in cash (no
repair-order bill could take them), listed for the cashier, who pays each out through finance."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.registry import NavItem, Widget
from fours.core.templatetags.fours import yuan
from fours.core.views import perm_or_403, run, work_store
from fours.finance.choices import Method
from fours.finance.services.compensation import compensation_pay, compensation_payables

PAY = "finance.add_payment"


@login_required
def payouts(request):
    perm_or_403(request, PAY)
    store = work_store(request)
    rows = list(compensation_payables(store)[:200])
    return render(
        request,
        "crm/payouts.html",
        {"title": _("投诉补偿付款"), "rows": rows, "methods": Method.choices},
    )


@login_required
def payout_pay(request, pk):
    perm_or_403(request, PAY)
    store = work_store(request)
    item = get_object_or_404(compensation_payables(store), pk=pk)
    if request.method == "POST":
        pay = run(
            request,
            compensation_pay,
            _("已付补偿 %(p)s %(a)s") % {"p": item.party.name, "a": yuan(item.open_amount)},
            item=item,
            method=request.POST.get("method") or Method.CASH,
            reference=request.POST.get("reference", ""),
        )
        if pay is not None:
            return redirect("finance:receipt", pk=pay.pk)
    return redirect("crm:payouts")


urlpatterns = [
    path("payouts/", payouts, name="payouts"),
    path("payouts/<int:pk>/pay/", payout_pay, name="payout_pay"),
]

NAV = [
    NavItem("service", gettext_lazy("投诉补偿付款"), "crm:payouts", perm=PAY, icon="bi-cash-coin", order=61),
]


def widgets(request, store):
    if not request.user.has_perm(PAY):
        return []
    rows = compensation_payables(store)
    n = rows.count()
    if not n:
        return []
    return [
        Widget(
            "service",
            _("待付投诉补偿"),
            n,
            _("笔"),
            url=reverse("crm:payouts"),
            tone="warning",
            mine=True,
        )
    ]
