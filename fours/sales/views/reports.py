"""Pages of the sales desk: reports. The dashboard (销售看板), the sales manager's daily report to the GM
(销售日报, also the daily sales bulletin), the monthly sales analysis, consultant statistics, defeats and
stock (days of supply, age). Figures come from the daily summaries through ``selectors.reports``; each
figure links to the list of its documents on the showroom, orders and stock pages, filtered."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.registry import NavItem
from fours.core.views import perm_or_403, work_store
from fours.reports import selectors as rs

from ..selectors import reports as sel

PERM = "reports.view_dailysummary"

# the lists the figures drill down to (owned by the showroom, orders, stock and F&I pages)
LISTS = {
    "visits": "sales:visit_list",
    "leads": "sales:lead_list",
    "follow_ups": "sales:followup_list",
    "drives": "sales:drive_list",
    "orders": "sales:order_list",
    "vehicles": "sales:vehicle_list",
    "loans": "sales:loan_list",
    "policies": "sales:policy_list",
}

# which list a figure opens, and the date field its filter ranges over
DRILL = {
    "traffic": ("visits", "arrived_at", {"kind": "walk_in"}),
    "calls": ("visits", "arrived_at", {"kind": "call"}),
    "leads": ("leads", "created_at", {}),
    "follow_ups": ("follow_ups", "at", {}),
    "defeats": ("leads", "defeat_decided_at", {"status": "defeated"}),
    "test_drives": ("drives", "finished_at", {"status": "done"}),
    "orders": ("orders", "ordered_at", {}),
    "cancellations": ("orders", "cancelled_at", {"status": "cancelled"}),
    "deliveries": ("orders", "delivered_at", {"status": "delivered"}),
    "vehicle_revenue": ("orders", "delivered_at", {"status": "delivered"}),
    "gross_profit": ("orders", "delivered_at", {"status": "delivered"}),
    "accessory_revenue": ("orders", "delivered_at", {"status": "delivered"}),
    "loans": ("loans", "disbursed_at", {"status": "disbursed"}),
    "policies": ("policies", "created_at", {}),
    "fi_commission": ("loans", "disbursed_at", {"status": "disbursed"}),
    "arrivals": ("vehicles", "arrived_on", {}),
}


def list_url(which: str, /, **params) -> str:
    """The URL of another area's list with its filter, or "" while that list does not exist."""
    try:
        url = reverse(LISTS[which])
    except (NoReverseMatch, KeyError):
        return ""
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{url}?{urlencode(params)}" if params else url


def detail_url(obj) -> str:
    """A document's page, or "" while its area has not published it."""
    try:
        return obj.get_absolute_url()
    except NoReverseMatch:
        return ""


def drill_url(metric: str, start, end, **extra) -> str:
    """The documents behind a figure of the period ``start``–``end``."""
    if metric not in DRILL:
        return ""
    kind, field, fixed = DRILL[metric]
    return list_url(
        kind,
        **fixed,
        **{f"{field}_after": f"{start:%Y-%m-%d}", f"{field}_before": f"{end:%Y-%m-%d}"},
        **extra,
    )


def _with_links(items, start, end, **extra):
    for it in items:
        it["url"] = drill_url(it["metric"], start, end, **extra)
    return items


def _month_ctx(request):
    month = rs.parse_month(request.GET.get("month"))
    return {
        "month": month,
        "month_last": rs.month_end(month),
        "prev_month": rs.add_months(month, -1),
        "next_month": rs.add_months(month, 1),
    }


@login_required
def report_dashboard(request):
    perm_or_403(request, PERM)
    store = work_store(request)
    ctx = _month_ctx(request)
    data = sel.dashboard(request.user, store, ctx["month"])
    _with_links(data["kpis"], ctx["month"], ctx["month_last"])
    for r in data["ranking"]:
        r["orders_url"] = drill_url("orders", ctx["month"], ctx["month_last"], consultant=r["person"].pk)
        r["deliveries_url"] = drill_url(
            "deliveries", ctx["month"], ctx["month_last"], consultant=r["person"].pk
        )
    return render(
        request,
        "sales/reports_dashboard.html",
        {
            "title": _("销售看板"),
            "store": store,
            **ctx,
            "data": data,
            "chart": json.dumps(data["chart"], ensure_ascii=False),
        },
    )


@login_required
def report_daily(request):
    perm_or_403(request, PERM)
    store = work_store(request)
    day = rs.parse_day(request.GET.get("date"))
    data = sel.daily_report(request.user, store, day)
    _with_links(data["results"], data["month"], data["yesterday"])
    for r in data["results"]:
        r["yesterday_url"] = drill_url(r["metric"], data["yesterday"], data["yesterday"])
    for r in data["follow_ups"]:
        r["url"] = list_url(
            "leads", status="open", owner=r["owner_id"], next_follow_up_before=f"{day:%Y-%m-%d}"
        )
    for doc in data["drives"] + data["deliveries"]:
        doc.url = detail_url(doc)
    return render(
        request,
        "sales/reports_daily.html",
        {"title": _("销售日报"), "store": store, "data": data, "day": day},
    )


@login_required
def report_month(request):
    perm_or_403(request, PERM)
    store = work_store(request)
    ctx = _month_ctx(request)
    data = sel.month_analysis(request.user, store, ctx["month"])
    _with_links(data["figures"], ctx["month"], ctx["month_last"])
    for m in data["models"]:
        m["url"] = drill_url("deliveries", ctx["month"], ctx["month_last"], model=m["id"])
    return render(
        request,
        "sales/reports_month.html",
        {
            "title": _("月度销售分析"),
            "store": store,
            **ctx,
            "data": data,
            "chart": json.dumps(data["trend"], ensure_ascii=False),
        },
    )


@login_required
def report_consultants(request):
    perm_or_403(request, PERM)
    store = work_store(request)
    ctx = _month_ctx(request)
    rows = sel.consultant_stats(request.user, store, ctx["month"])
    lo, hi = ctx["month"], ctx["month_last"]
    for r in rows:
        pid = r["person"].pk
        r["urls"] = {
            "traffic": drill_url("traffic", lo, hi, consultant=pid),
            "leads": drill_url("leads", lo, hi, owner=pid),
            "orders": drill_url("orders", lo, hi, consultant=pid),
            "deliveries": drill_url("deliveries", lo, hi, consultant=pid),
            "defeats": drill_url("defeats", lo, hi, owner=pid),
        }
    return render(
        request,
        "sales/reports_consultants.html",
        {"title": _("顾问统计"), "store": store, **ctx, "rows": rows},
    )


@login_required
def report_defeats(request):
    perm_or_403(request, PERM)
    store = work_store(request)
    ctx = _month_ctx(request)
    data = sel.defeat_analysis(request.user, store, ctx["month"])
    lo, hi = ctx["month"], ctx["month_last"]
    data["total"]["url"] = drill_url("defeats", lo, hi)
    for r in data["reasons"]:
        r["url"] = drill_url("defeats", lo, hi, defeat_reason=r["code"])
    for r in data["people"]:
        r["url"] = drill_url("defeats", lo, hi, owner=r["person"].pk)
    for r in data["competitors"]:
        r["url"] = drill_url("defeats", lo, hi, competitor_model=r["competitor_model"])
    return render(
        request,
        "sales/reports_defeats.html",
        {"title": _("战败分析"), "store": store, **ctx, "data": data},
    )


@login_required
def report_stock(request):
    perm_or_403(request, PERM)
    store = work_store(request)
    data = sel.stock_report(request.user, store, timezone.localdate())
    for m in data["models"]:
        m["url"] = list_url("vehicles", model=m["id"])
    for v in data["aged"]:
        v.url = detail_url(v)
    data["aged_url"] = list_url("vehicles", age="90")
    return render(
        request,
        "sales/reports_stock.html",
        {"title": _("库存分析"), "store": store, "data": data},
    )


urlpatterns = [
    path("reports/", report_dashboard, name="report_dashboard"),
    path("reports/daily/", report_daily, name="report_daily"),
    path("reports/month/", report_month, name="report_month"),
    path("reports/consultants/", report_consultants, name="report_consultants"),
    path("reports/defeats/", report_defeats, name="report_defeats"),
    path("reports/stock/", report_stock, name="report_stock"),
]

NAV = [
    NavItem(
        "sales",
        gettext_lazy("销售看板"),
        "sales:report_dashboard",
        perm=PERM,
        icon="bi-speedometer2",
        order=70,
    ),
    NavItem(
        "sales", gettext_lazy("销售日报"), "sales:report_daily", perm=PERM, icon="bi-journal-text", order=71
    ),
    NavItem(
        "sales", gettext_lazy("月度销售分析"), "sales:report_month", perm=PERM, icon="bi-bar-chart", order=72
    ),
    NavItem(
        "sales", gettext_lazy("顾问统计"), "sales:report_consultants", perm=PERM, icon="bi-people", order=73
    ),
    NavItem(
        "sales", gettext_lazy("战败分析"), "sales:report_defeats", perm=PERM, icon="bi-x-octagon", order=74
    ),
    NavItem("sales", gettext_lazy("库存分析"), "sales:report_stock", perm=PERM, icon="bi-boxes", order=75),
    NavItem(
        "management", gettext_lazy("销售日报"), "sales:report_daily", perm=PERM, icon="bi-car-front", order=40
    ),
]


def widgets(request, store) -> list:
    """The sales figures of the home page are the reports app's (fours/reports/home.py)."""
    return []
