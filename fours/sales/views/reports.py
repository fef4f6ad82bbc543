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

from fours.core.registry import NavItem, Widget
from fours.core.templatetags.fours import pct, qty, yuan
from fours.core.views import perm_or_403, work_store
from fours.reports import selectors as rs
from fours.reports.choices import Metric

from ..selectors import reports as sel

PERM = "reports.view_dailysummary"
# the sales reports are for the roles that see the sales documents their figures count
PERMS = (PERM, "sales.view_vehicleorder")
AGE_KEYS = ["0_30", "31_60", "61_90", "over_90"]  # the stock list's ?age= of each age bucket

# the lists the figures drill down to (owned by the showroom, orders, stock and F&I pages)
LISTS = {
    "visits": "sales:visit_list",
    "leads": "sales:lead_list",
    "drives": "sales:drive_list",
    "orders": "sales:order_list",
    "vehicles": "sales:vehicle_list",
    "aged": "sales:vehicle_aged",
    "loans": "sales:fi_loans",
    "policies": "sales:fi_policies",
}
# the permission each list asks for: a figure links to it only for a user who holds it
LIST_PERMS = {
    "visits": "sales.view_visit",
    "leads": "sales.view_lead",
    "drives": "sales.view_testdrive",
    "orders": "sales.view_vehicleorder",
    "vehicles": "sales.view_stockvehicle",
    "aged": "sales.view_stockvehicle",
    "loans": "sales.view_loanapplication",
    "policies": "sales.view_policy",
}

# which list a figure opens: (list, fixed filter, the list's date-range parameters or None, the list's
# parameter naming the person or None). The lists' own filters decide what can be narrowed: the lead list
# has no date range, the test-drive list no consultant, the loan list only the application's date.
DELIVERED = ("orders", {"status": "delivered"}, ("delivered_at_after", "delivered_at_before"), "consultant")
DRILL = {
    "traffic": ("visits", {"kind": "walk_in"}, ("day_after", "day_before"), "consultant"),
    "calls": ("visits", {"kind": "call"}, ("day_after", "day_before"), "consultant"),
    "leads": ("leads", {}, None, "owner"),
    "follow_ups": ("leads", {}, None, "owner"),
    "defeats": ("leads", {"status": "defeated"}, None, "owner"),
    "test_drives": ("drives", {"status": "done"}, ("day_after", "day_before"), None),
    "orders": ("orders", {}, ("ordered_at_after", "ordered_at_before"), "consultant"),
    "cancellations": (
        "orders",
        {"status": "cancelled"},
        ("cancelled_at_after", "cancelled_at_before"),
        "consultant",
    ),
    "deliveries": DELIVERED,
    "vehicle_revenue": DELIVERED,
    "gross_profit": DELIVERED,
    "accessory_revenue": DELIVERED,
    "loans": ("loans", {"status": "disbursed"}, None, None),
    "fi_commission": ("loans", {"status": "disbursed"}, None, None),
    "policies": ("policies", {}, None, None),
    "arrivals": ("vehicles", {}, None, None),
}
MODEL_LISTS = {"orders", "vehicles"}  # the lists that filter by vehicle model (?model=<id>)


def list_url(which: str, /, *, for_user=None, **params) -> str:
    """The URL of another area's list with its filter, or "" while that list does not exist or
    ``for_user`` (when given) may not open it."""
    if for_user is not None and not for_user.has_perm(LIST_PERMS.get(which, "")):
        return ""
    try:
        url = reverse(LISTS[which])
    except (NoReverseMatch, KeyError):
        return ""
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{url}?{urlencode(params)}" if params else url


def detail_url(obj, user=None) -> str:
    """A document's page, or "" while its area has not published it or ``user`` (when given) may not
    view that kind of document."""
    meta = obj._meta
    if user is not None and not user.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
        return ""
    try:
        return obj.get_absolute_url()
    except NoReverseMatch:
        return ""


def drill_url(metric: str, start, end, *, person=None, model=None, user=None) -> str:
    """The documents behind a figure of the period ``start``–``end`` (of one person or model when given),
    as far as the list's filter can narrow them; "" when ``user`` (when given) may not open the list."""
    if metric not in DRILL:
        return ""
    which, fixed, dates, person_param = DRILL[metric]
    params = dict(fixed)
    if dates:
        params[dates[0]], params[dates[1]] = f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}"
    if person is not None and person_param:
        params[person_param] = person
    if model is not None and which in MODEL_LISTS:
        params["model"] = model
    return list_url(which, for_user=user, **params)


def _with_links(items, start, end, user):
    for it in items:
        it["url"] = drill_url(it["metric"], start, end, user=user) if it["actual"] else ""
    return items


def _gate(request):
    for perm in PERMS:
        perm_or_403(request, perm)


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
    _gate(request)
    user = request.user
    store = work_store(request)
    ctx = _month_ctx(request)
    data = sel.dashboard(request.user, store, ctx["month"])
    _with_links(data["kpis"], ctx["month"], ctx["month_last"], user)
    for r in data["ranking"]:
        r["orders_url"] = drill_url(
            "orders", ctx["month"], ctx["month_last"], person=r["person"].pk, user=user
        )
        r["deliveries_url"] = drill_url(
            "deliveries", ctx["month"], ctx["month_last"], person=r["person"].pk, user=user
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
    _gate(request)
    user = request.user
    store = work_store(request)
    day = rs.parse_day(request.GET.get("date"))
    data = sel.daily_report(request.user, store, day)
    _with_links(data["results"], data["month"], data["yesterday"], user)
    for r in data["results"]:
        r["yesterday_url"] = (
            drill_url(r["metric"], data["yesterday"], data["yesterday"], user=user) if r["yesterday"] else ""
        )
    for r in data["follow_ups"]:
        r["url"] = list_url("leads", for_user=user, due="due", owner=r["owner_id"])
    for doc in data["drives"] + data["deliveries"]:
        doc.url = detail_url(doc, user)
    return render(
        request,
        "sales/reports_daily.html",
        {"title": _("销售日报"), "store": store, "data": data, "day": day},
    )


@login_required
def report_month(request):
    _gate(request)
    user = request.user
    store = work_store(request)
    ctx = _month_ctx(request)
    data = sel.month_analysis(request.user, store, ctx["month"])
    _with_links(data["figures"], ctx["month"], ctx["month_last"], user)
    for m in data["models"]:
        m["url"] = drill_url("deliveries", ctx["month"], ctx["month_last"], model=m["id"], user=user)
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
    _gate(request)
    user = request.user
    store = work_store(request)
    ctx = _month_ctx(request)
    rows = sel.consultant_stats(request.user, store, ctx["month"])
    lo, hi = ctx["month"], ctx["month_last"]
    for r in rows:
        pid = r["person"].pk
        r["urls"] = {
            "traffic": drill_url("traffic", lo, hi, person=pid, user=user),
            "leads": drill_url("leads", lo, hi, person=pid, user=user),
            "orders": drill_url("orders", lo, hi, person=pid, user=user),
            "deliveries": drill_url("deliveries", lo, hi, person=pid, user=user),
            "defeats": drill_url("defeats", lo, hi, person=pid, user=user),
        }
    return render(
        request,
        "sales/reports_consultants.html",
        {"title": _("顾问统计"), "store": store, **ctx, "rows": rows},
    )


@login_required
def report_defeats(request):
    _gate(request)
    user = request.user
    store = work_store(request)
    ctx = _month_ctx(request)
    data = sel.defeat_analysis(request.user, store, ctx["month"])
    lo, hi = ctx["month"], ctx["month_last"]
    data["total"]["url"] = drill_url("defeats", lo, hi, user=user)
    # the lead list filters defeats by status and consultant, not by reason or competitor: those rows
    # open the month's defeats
    for r in data["reasons"]:
        r["url"] = data["total"]["url"]
    for r in data["people"]:
        r["url"] = drill_url("defeats", lo, hi, person=r["person"].pk, user=user)
    for r in data["competitors"]:
        r["url"] = data["total"]["url"]
    return render(
        request,
        "sales/reports_defeats.html",
        {"title": _("战败分析"), "store": store, **ctx, "data": data},
    )


@login_required
def report_stock(request):
    _gate(request)
    user = request.user
    store = work_store(request)
    data = sel.stock_report(request.user, store, timezone.localdate())
    for m in data["models"]:
        m["url"] = list_url("vehicles", for_user=user, model=m["id"])
        m["age_cells"] = [
            (n, list_url("vehicles", for_user=user, model=m["id"], age=key) if n else "")
            for n, key in zip(m["ages"], AGE_KEYS, strict=True)
        ]
    for v in data["aged"]:
        v.url = detail_url(v, user)
    data["aged_url"] = list_url("aged", for_user=user)
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
        perm=PERMS,
        icon="bi-speedometer2",
        order=70,
    ),
    NavItem(
        "sales", gettext_lazy("销售日报"), "sales:report_daily", perm=PERMS, icon="bi-journal-text", order=71
    ),
    NavItem(
        "sales", gettext_lazy("月度销售分析"), "sales:report_month", perm=PERMS, icon="bi-bar-chart", order=72
    ),
    NavItem(
        "sales", gettext_lazy("顾问统计"), "sales:report_consultants", perm=PERMS, icon="bi-people", order=73
    ),
    NavItem(
        "sales", gettext_lazy("战败分析"), "sales:report_defeats", perm=PERMS, icon="bi-x-octagon", order=74
    ),
    NavItem("sales", gettext_lazy("库存分析"), "sales:report_stock", perm=PERMS, icon="bi-boxes", order=75),
    NavItem(
        "management",
        gettext_lazy("销售日报"),
        "sales:report_daily",
        perm=PERMS,
        icon="bi-car-front",
        order=40,
    ),
]


HOME_METRICS = [Metric.DELIVERIES, Metric.GROSS_PROFIT, Metric.TRAFFIC, Metric.ORDERS]
HOME_UNITS = {
    Metric.DELIVERIES: gettext_lazy("台"),
    Metric.TRAFFIC: gettext_lazy("批"),
    Metric.ORDERS: gettext_lazy("台"),
}


def widgets(request, store) -> list:
    """Home figures of the sales manager and the GM: this month's units, GP, traffic and orders against
    target (two queries: the month's summaries and its targets)."""
    user = request.user
    if store is None or not (user.has_perm(PERM) and user.has_perm("sales.view_vehicleorder")):
        return []
    url = reverse("sales:report_dashboard")
    out = []
    for p in sel.month_progress(user, store, timezone.localdate(), HOME_METRICS):
        money = p["money"]
        if p["target"] is None:
            note = _("未设目标")
        else:
            target = yuan(p["target"]) if money else qty(p["target"])
            note = _("目标 %(t)s · 完成 %(p)s") % {"t": target, "p": pct(p["pct"])}
        out.append(
            Widget(
                "sales",
                _("本月%(m)s") % {"m": p["label"]},
                yuan(p["actual"]) if money else qty(p["actual"]),
                "" if money else HOME_UNITS.get(p["metric"], ""),
                url,
                tone={"secondary": "primary"}.get(p["tone"], p["tone"]),
                note=note,
            )
        )
    return out
