"""Demo targets (目标): this month's and last month's figures for each demo store, by department, and the
sales consultant's own, set by the general manager, so every dashboard shows 完成率."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from fours.core.roles import Role

from .choices import Metric
from .services import target_set

ORDER = 5

STORE_TARGETS = {
    "sales": {
        Metric.TRAFFIC: 320,
        Metric.CALLS: 150,
        Metric.LEADS: 160,
        Metric.TEST_DRIVES: 90,
        Metric.ORDERS: 45,
        Metric.DELIVERIES: 40,
        Metric.GROSS_PROFIT: 360000,
        Metric.VEHICLE_REVENUE: 6400000,
        Metric.ACCESSORY_REVENUE: 120000,
        Metric.LOANS: 16,
        Metric.POLICIES: 34,
        Metric.FI_COMMISSION: 90000,
    },
    "service": {Metric.RO_COUNT: 900, Metric.SERVICE_OUTPUT: 1200000},
    "parts": {Metric.PARTS_REVENUE: 450000},
    "crm": {Metric.REACH_RATE: 95, Metric.SATISFACTION: 95, Metric.COMPLAINT_RATE: 2},
}
# the consultant's share of the sales figures (one demo consultant per store carries about a third)
PERSON = {
    Metric.TRAFFIC: 110,
    Metric.LEADS: 55,
    Metric.TEST_DRIVES: 30,
    Metric.ORDERS: 15,
    Metric.DELIVERIES: 14,
    Metric.GROSS_PROFIT: 120000,
}


def load(ctx) -> None:
    this = timezone.localdate().replace(day=1)
    months = [this, (this - dt.timedelta(days=1)).replace(day=1)]
    for n, store in enumerate(ctx.stores):
        gm = ctx.users.get((store.code, Role.GENERAL_MANAGER))
        if gm is None:
            continue
        scale = Decimal(1) if n == 0 else Decimal("0.8")
        consultant = ctx.users.get((store.code, Role.SALES_CONSULTANT))
        for month in months:
            for department, figures in STORE_TARGETS.items():
                for metric, value in figures.items():
                    v = (
                        value
                        if metric in (Metric.REACH_RATE, Metric.SATISFACTION, Metric.COMPLAINT_RATE)
                        else value * scale
                    )
                    target_set(
                        actor=gm,
                        store=store,
                        month=month,
                        department=department,
                        metric=metric,
                        value=round(v),
                    )
            if consultant is not None:
                for metric, value in PERSON.items():
                    target_set(
                        actor=gm,
                        store=store,
                        month=month,
                        department="sales",
                        metric=metric,
                        value=round(value * scale),
                        person=consultant,
                    )
    ctx.log(f"目标: {len(ctx.stores)} 家门店 × 2 个月")
