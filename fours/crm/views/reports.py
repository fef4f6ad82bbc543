"""Reports of customer care: the period's 《回访总结报告》 (reach rate, satisfaction, problems by department),
the manager's month against target (reach rate, satisfaction, complaints per 100 repair orders and per 100
sales, overdue tasks) and 客户流失与贡献度 per service advisor."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.registry import NavItem
from fours.core.views import perm_or_403, work_store

from .. import selectors as sel
from .complaints import _period

# the seed's rules (every member called: 100 %) until the store sets its 目标 (reach_rate, satisfaction,
# complaint_rate of department crm)
REACH_TARGET = Decimal("100")
SATISFACTION_TARGET = Decimal("90")
COMPLAINTS_PER_100_TARGET = Decimal("2")


def _vs(actual, target, *, lower_is_better=False) -> dict:
    if actual is None:
        return {"actual": None, "target": target, "ok": None}
    ok = actual <= target if lower_is_better else actual >= target
    return {"actual": actual, "target": target, "ok": ok}


@login_required
def summary(request):
    """《回访总结报告》 of a period (default: this month)."""
    perm_or_403(request, "crm.view_call")
    store = work_store(request)
    start, end = _period(request)
    s = sel.care_summary(store, start, end)
    from fours.reports.selectors import month_targets

    dept, _people = month_targets(request.user, store, start, department="crm")
    sat_target = dept.get("satisfaction") or SATISFACTION_TARGET
    complaint_target = dept.get("complaint_rate") or COMPLAINTS_PER_100_TARGET
    figures = [
        (_("回访接通率（%）"), _vs(s.reach_rate, dept.get("reach_rate") or REACH_TARGET)),
        (_("满意率（%）"), _vs(s.satisfied_rate, sat_target)),
        (
            _("每百台维修投诉数"),
            _vs(s.complaints_per_100_ro, complaint_target, lower_is_better=True),
        ),
        (
            _("每百台销售投诉数"),
            _vs(s.complaints_per_100_sales, complaint_target, lower_is_better=True),
        ),
        (_("逾期回访任务"), _vs(Decimal(s.overdue), Decimal("0"), lower_is_better=True)),
    ]
    return render(
        request,
        "crm/summary.html",
        {"title": _("回访总结报告"), "s": s, "start": start, "end": end, "figures": figures},
    )


@login_required
def loss(request):
    """客户流失与贡献度: per service advisor, customers without a visit in 12 months and the revenue per customer."""
    perm_or_403(request, "crm.view_call")
    store = work_store(request)
    return render(
        request,
        "crm/loss.html",
        {
            "title": _("客户流失与贡献度"),
            "rows": sel.loss_and_contribution(store),
            "today": timezone.localdate(),
        },
    )


urlpatterns = [
    path("reports/summary/", summary, name="summary"),
    path("reports/loss/", loss, name="loss"),
]

NAV = [
    NavItem("crm", gettext_lazy("回访总结报告"), "crm:summary", "crm.view_call", "bi-clipboard-data", 30),
    NavItem("crm", gettext_lazy("客户流失与贡献度"), "crm:loss", "crm.view_call", "bi-person-dash", 31),
]


def widgets(request, store):
    return []
