# ruff: noqa: F403
"""The F&I demo over two months of orders: loans in every status made through the services, policies,
the books in balance."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from fours.core.registry import DemoContext
from fours.core.roles import Role
from fours.finance.choices import ItemSource
from fours.finance.models import OpenItem
from fours.finance.selectors.checks import money_differences
from fours.sales import demo_fi
from fours.sales.choices import LoanStatus
from fours.sales.models import LoanApplication, Policy, Product

from . import factories_orders
from .factories_fi import *  # fixtures and helpers of the F&I tests


def _aware(day, hour):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def test_demo_makes_two_months_of_fi_business(store_a, make_user, fi_user, consultant, cashier):
    ctx = DemoContext(group=store_a.group, stores=[store_a], stdout=None)
    ctx.users = {(store_a.code, Role.FINANCE_INSURANCE): fi_user, (store_a.code, Role.CASHIER): cashier}
    today = timezone.localdate()
    made = []

    def order_on(back):
        def step():
            o = factories_orders.authorised_order(store_a, consultant, pay_plan="loan")
            factories_orders.pay(o, o.deposit, by=cashier)
            from fours.sales.services.orders import order_confirm

            made.append(order_confirm(actor=consultant, order=o))

        when = _aware(today - dt.timedelta(days=back), 10)
        ctx.at(min(when, timezone.now() - dt.timedelta(minutes=30)), step)

    for back in (40, 33, 26, 19, 12, 9, 6, 4, 2, 0):
        order_on(back)
    demo_fi.load(ctx)
    ctx.run_steps()
    assert Product.objects.filter(store=store_a).count() == 9
    statuses = set(LoanApplication.objects.values_list("status", flat=True))
    assert {
        LoanStatus.DISBURSED,
        LoanStatus.APPROVED,
        LoanStatus.SUBMITTED,
        LoanStatus.COLLECTING,
    } <= statuses
    disbursed = LoanApplication.objects.filter(status=LoanStatus.DISBURSED)
    assert all(x.commission > 0 for x in disbursed)
    assert (
        OpenItem.objects.filter(source=ItemSource.COMMISSION).count()
        == disbursed.count() + Policy.objects.count()
    )
    assert Policy.objects.count() >= 5
    assert money_differences(store_a) == []
    # idempotent
    demo_fi.load(ctx)
    assert ctx.run_steps() == 0
