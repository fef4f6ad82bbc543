"""The stock demo: made through the services, every age bucket, in transit, outlets, demo cars, both
funding kinds, the books right (each vehicle's purchase posted once in finance)."""

import pytest
from django.db.models import Sum

from fours.core.registry import DemoContext
from fours.finance.choices import ItemSource
from fours.finance.models import OpenItem
from fours.sales.choices import VehicleStatus
from fours.sales.models import OrderPlan, Outlet, StockVehicle, VehicleCount, VehicleTransfer
from fours.sales.selectors import stock as sel


@pytest.mark.django_db(transaction=False)
def test_stock_demo_loads():
    from fours.core import demo as core_demo
    from fours.core.tests.factories import ensure_roles
    from fours.customers.demo import _catalogue
    from fours.sales import demo_stock

    ensure_roles()
    ctx = DemoContext(group=None, stores=[])
    core_demo.load(ctx)
    _catalogue()
    demo_stock.load(ctx)
    ctx.run_steps()
    first, second = ctx.stores[:2]
    for store in (first, second):
        buckets = {b["key"]: b["count"] for b in sel.age_buckets(store)}
        assert all(buckets[k] > 0 for k in ("0_30", "31_60", "61_90", "over_90")), buckets
        statuses = set(StockVehicle.objects.filter(store=store).values_list("status", flat=True))
        assert {VehicleStatus.IN_TRANSIT, VehicleStatus.IN_STOCK, VehicleStatus.PDI} <= statuses
        assert {VehicleStatus.DEMO, VehicleStatus.AT_OUTLET} <= statuses
        assert set(StockVehicle.objects.filter(store=store).values_list("funding", flat=True)) == {
            "own",
            "floor_plan",
        }
        assert Outlet.objects.filter(store=store).count() == 2
        assert OrderPlan.objects.filter(store=store).count() == 3
        assert VehicleCount.objects.filter(store=store).count() == 2
        assert sel.clerk_figures(store)["keys_out"] >= 1
    assert VehicleTransfer.objects.filter(store=first, to_store=second, status="received").exists()
    # each vehicle bought once: its payables add up to its purchase price
    for v in StockVehicle.objects.filter(store=first).exclude(status=VehicleStatus.TRANSFERRED)[:5]:
        total = OpenItem.objects.filter(
            doc_id=v.pk, source__in=[ItemSource.VEHICLE_PURCHASE, ItemSource.FLOOR_PLAN]
        ).aggregate(s=Sum("amount"))["s"]
        assert total == v.purchase_price
    # idempotent
    n = StockVehicle.objects.count()
    ctx2 = DemoContext(group=None, stores=[])
    core_demo.load(ctx2)
    demo_stock.load(ctx2)
    ctx2.run_steps()
    assert StockVehicle.objects.count() == n
