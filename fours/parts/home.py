from django.urls import reverse
from django.utils.translation import gettext as _

from fours.core.registry import Widget
from fours.core.templatetags.fours import yuan

from . import reports, selectors


def widgets(request, store):
    user = request.user
    if store is None or not user.has_perm("parts.view_stockbalance"):
        return []
    out = [
        Widget("parts", _("库存金额"), yuan(reports.stock_value(store)), "", reverse("parts:dashboard")),
        Widget(
            "parts",
            _("低于保险储备"),
            reports.below_safety(store),
            _("种"),
            reverse("parts:balance-list") + "?below_safety=true",
            tone="warning",
        ),
    ]
    if user.has_perm("parts.view_purchaseorder"):
        out.append(
            Widget(
                "parts",
                _("在途采购订单"),
                reports.open_pos(store),
                _("张"),
                reverse("parts:po-list") + "?open=true",
            )
        )
    if user.has_perm("parts.issue_sale"):
        out.append(
            Widget(
                "parts",
                _("待出库"),
                selectors.sales_to_issue(user, store).count(),
                _("张"),
                reverse("parts:issue-queue"),
                tone="warning",
                note=_("已付款或挂账的销售单"),
            )
        )
    if user.has_perm("parts.view_sale"):
        t = reports.today_counter_sales(store)
        out.append(
            Widget(
                "parts",
                _("今日柜台零售"),
                yuan(t["total"]),
                "",
                reverse("parts:sale-list"),
                note=_("%(n)s 单") % {"n": t["count"]},
            )
        )
    fr = reports.fill_rate(store)
    out.append(
        Widget(
            "parts",
            _("满足率（30天）"),
            "—" if fr is None else f"{fr}",
            "%",
            reverse("parts:dashboard"),
            tone="success",
        )
    )
    return out
