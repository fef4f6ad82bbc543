"""Home figures of the sales manager and the GM: this month's units, GP, traffic and orders against target."""

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.registry import Widget
from fours.core.templatetags.fours import pct, qty, yuan

from .choices import Metric

HOME_METRICS = [Metric.DELIVERIES, Metric.GROSS_PROFIT, Metric.TRAFFIC, Metric.ORDERS]
UNITS = {
    Metric.DELIVERIES: gettext_lazy("台"),
    Metric.TRAFFIC: gettext_lazy("批"),
    Metric.ORDERS: gettext_lazy("台"),
}


def widgets(request, store):
    user = request.user
    if store is None or not (
        user.has_perm("reports.view_dailysummary") and user.has_perm("sales.view_vehicleorder")
    ):
        return []
    from fours.sales.selectors.reports import month_progress

    try:
        url = reverse("sales:report_dashboard")
    except NoReverseMatch:
        url = ""
    month = timezone.localdate().replace(day=1)
    out = []
    for p in month_progress(user, store, month, HOME_METRICS):
        money = p["money"]
        value = yuan(p["actual"]) if money else qty(p["actual"])
        if p["target"] is None:
            note = _("未设目标")
        else:
            target = yuan(p["target"]) if money else qty(p["target"])
            note = _("目标 %(t)s · 完成 %(p)s") % {"t": target, "p": pct(p["pct"])}
        out.append(
            Widget(
                "sales",
                _("本月%(m)s") % {"m": p["label"]},
                value,
                "" if money else UNITS.get(p["metric"], ""),
                url,
                tone={"secondary": "primary"}.get(p["tone"], p["tone"]),
                note=note,
            )
        )
    return out
