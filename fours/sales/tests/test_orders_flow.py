"""The order from authorisation to delivery, refusals with nothing changed, cancellation, and the
gross profit against a hand computation."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from fours.core.errors import BusinessError
from fours.core.roles import Role
from fours.finance.choices import ItemSource, ItemStatus
from fours.finance.models import OpenItem
from fours.reports.models import DailySummary
from fours.sales.choices import OrderStatus, VehicleStatus
from fours.sales.models import VehicleOrder
from fours.sales.selectors.orders import order_items, order_paid
from fours.sales.services import orders as svc

from . import factories_orders as f
from .factories_stock import vehicle_in_stock

D = Decimal


@pytest.fixture
def consultant(make_user, store_a):
    return make_user(Role.SALES_CONSULTANT, store_a, "sc_a")


@pytest.fixture
def mgr(make_user, store_a):
    return make_user(Role.SALES_MANAGER, store_a, "sm_a")


def snapshot(order):
    order = VehicleOrder.objects.get(pk=order.pk)
    return (
        {k: v for k, v in order.__dict__.items() if not k.startswith("_")},
        list(OpenItem.objects.values_list("id", "amount", "allocated", "status").order_by("id")),
        list(DailySummary.objects.values_list("metric", "value").order_by("id")),
    )


def test_confirm_refused_until_deposit_paid(store_a, consultant, mgr):
    order = f.authorised_order(store_a, consultant, deposit="5000")
    f.pay(order, "3000")
    before = snapshot(order)
    with pytest.raises(BusinessError) as e:
        svc.order_confirm(actor=consultant, order=order)
    assert e.value.error_code == "unpaid"
    assert snapshot(order) == before
    f.pay(order, "2000")
    order = svc.order_confirm(actor=consultant, order=order)
    assert order.status == OrderStatus.ORDERED and order.ordered_at
    assert DailySummary.objects.get(metric="orders").value == 1


def test_allocate_checks_colour_and_status(store_a, consultant):
    order = f.ordered_order(store_a, consultant, colour="白色")
    red = vehicle_in_stock(store_a, order.configuration, "红色")
    with pytest.raises(BusinessError) as e:
        svc.order_allocate(actor=f.allocator(store_a), order=order, vehicle=red)
    assert e.value.error_code == "mismatch"
    white = vehicle_in_stock(store_a, order.configuration, "白色")
    order = svc.order_allocate(actor=f.allocator(store_a), order=order, vehicle=white)
    white.refresh_from_db()
    assert order.status == OrderStatus.ALLOCATED and white.status == VehicleStatus.RESERVED
    other = f.ordered_order(store_a, consultant, colour="白色", configuration=order.configuration)
    with pytest.raises(BusinessError) as e:
        svc.order_allocate(actor=f.allocator(store_a), order=other, vehicle=white)
    assert e.value.error_code == "already_allocated"


def test_full_flow_with_accessories_and_gross_profit(store_a, consultant, mgr):
    conf = f.configuration("200000.00")
    film = f.accessory_part(store_a, "全车防爆膜", retail="3800.00", cost="1500")
    mats = f.accessory_part(store_a, "脚垫", retail="600.00", cost="200")
    order = f.quote(
        store_a,
        consultant,
        configuration=conf,
        discount="3000",
        registration_fee="1500",
        other_fees="500",
        gift_value="300",
        gifts="加油卡",
    )
    svc.accessory_add(actor=consultant, order=order, part=film)
    svc.accessory_add(actor=consultant, order=order, part=mats, is_gift=True)
    order.refresh_from_db()
    assert order.accessories_amount == D("3800.00")
    assert order.total == D("202800.00")  # 200000 − 3000 + 3800 + 1500 + 500
    order = svc.order_send(actor=consultant, order=order)
    order = svc.order_authorise(actor=mgr, order=order)
    f.pay(order, order.deposit)
    order = svc.order_confirm(actor=consultant, order=order)
    vehicle = vehicle_in_stock(store_a, conf, "白色", purchase_price=D("180000.00"))
    order = svc.order_allocate(actor=f.allocator(store_a), order=order, vehicle=vehicle)
    with pytest.raises(BusinessError) as e:
        svc.order_ready(actor=consultant, order=order)
    assert e.value.error_code == "parts_pending"
    order = f.fit(order)
    ro = order.fitting_order
    assert ro.kind == "internal" and all(ln.payer == "internal" for ln in ro.parts.all())
    assert all(ln.qty_issued == ln.qty for ln in ro.parts.all())
    with pytest.raises(BusinessError) as e:
        svc.order_ready(actor=consultant, order=order)
    assert e.value.error_code == "unpaid"
    f.pay(order)
    order = svc.order_ready(actor=consultant, order=order)
    assert order.status == OrderStatus.READY
    order = svc.order_deliver(actor=f.allocator(store_a), order=order, checklist=f.DELIVERY_OK)
    assert order.status == OrderStatus.DELIVERED
    vehicle.refresh_from_db()
    assert vehicle.status == VehicleStatus.DELIVERED and vehicle.delivered_on
    # the gross profit by hand, VAT 13 %: net = round(x / 1.13)
    net_vehicle = D("174336.28")  # (200000 − 3000) / 1.13
    purchase_net = D("159292.04")  # 180000 / 1.13
    net_acc = D("3362.83")  # 3800 / 1.13
    acc_cost = D("1700.00")  # 1500 film + 200 mats at issue
    net_fees = D("1769.91")  # 2000 / 1.13
    gift = D("300.00")
    expected = net_vehicle - purchase_net + net_acc - acc_cost + D("0") + net_fees - gift
    assert expected == D("18176.98")
    assert vehicle.purchase_net == purchase_net
    assert order.accessories_cost == acc_cost
    assert order.gross_profit == expected
    # the archive
    av = order.archive_vehicle
    assert av.vin == vehicle.vin and av.owner_id == order.customer_id
    assert av.sale_date == vehicle.delivered_on and av.selling_store_id == store_a.pk
    brand = conf.model.series.brand
    assert av.warranty_km == brand.warranty_km and av.next_maintenance_km == brand.first_service_km
    assert av.warranty_end.year == av.sale_date.year + brand.warranty_months // 12
    # customer care calls on day 1, 3 and 7
    from fours.customers.models import CareTask

    tasks = CareTask.objects.filter(doc_id=order.pk, kind="vehicle_delivery").order_by("due_date")
    assert [(t.due_date - vehicle.delivered_on).days for t in tasks] == [1, 3, 7]
    # the summaries
    sums = dict(DailySummary.objects.values_list("metric", "value"))
    assert sums["deliveries"] == 1
    assert sums["vehicle_revenue"] == D("202800.00")
    assert sums["gross_profit"] == expected
    assert sums["accessory_revenue"] == D("3800.00")
    # invoice
    inv = svc.order_invoice(actor=f.cashier(store_a), order=order)
    assert inv.kind == "vehicle" and inv.amount == D("197000.00")
    with pytest.raises(BusinessError) as e:
        svc.order_invoice(actor=f.cashier(store_a), order=order)
    assert e.value.error_code == "duplicate"


def test_delivery_refused_unpaid_nothing_changed(store_a, consultant, mgr):
    from fours.core.tests.factories import user_with_role
    from fours.finance.services import payment_reverse

    order = f.allocated_order(store_a, consultant)
    pay = f.pay(order)
    order = svc.order_ready(actor=consultant, order=order)
    fin = user_with_role(Role.FINANCE, store_a, "fin_a")
    payment_reverse(actor=fin, payment=pay, reason="刷错卡")
    before = snapshot(order)
    vehicle_status = order.vehicle.status
    with pytest.raises(BusinessError) as e:
        svc.order_deliver(actor=f.allocator(store_a), order=order, checklist=f.DELIVERY_OK)
    assert e.value.error_code == "unpaid"
    assert snapshot(order) == before
    order.vehicle.refresh_from_db()
    assert order.vehicle.status == vehicle_status == VehicleStatus.RESERVED


def test_delivery_checklist_required(store_a, consultant):
    order = f.allocated_order(store_a, consultant)
    f.pay(order)
    order = svc.order_ready(actor=consultant, order=order)
    with pytest.raises(BusinessError) as e:
        svc.order_deliver(actor=f.allocator(store_a), order=order, checklist={"keys": True})
    assert e.value.error_code == "checklist_incomplete"
    order.refresh_from_db()
    assert order.status == OrderStatus.READY


def test_cancel_with_approved_refund(store_a, consultant, mgr):
    order = f.allocated_order(store_a, consultant, deposit="5000")
    vehicle = order.vehicle
    with pytest.raises(BusinessError) as e:
        svc.order_cancel_request(actor=consultant, order=order, reason="客户资金问题", refund="6000")
    assert e.value.error_code == "over_refund"
    order = svc.order_cancel_request(actor=consultant, order=order, reason="客户资金问题", refund="3000")
    assert order.status == OrderStatus.CANCEL_PENDING
    with pytest.raises(PermissionDenied):
        svc.order_cancel_approve(actor=consultant, order=order)
    order = svc.order_cancel_approve(actor=mgr, order=order)
    assert order.status == OrderStatus.CANCELLED and order.vehicle_id is None
    vehicle.refresh_from_db()
    assert vehicle.status == VehicleStatus.IN_STOCK
    assert order_items(order) == []
    assert order_paid(order) == (D("0.00"), D("0.00"))
    kept = OpenItem.objects.get(source=ItemSource.FORFEIT, doc_id=order.pk)
    # the forfeited deposit is the store's (settled from what was paid), the rest waits to be refunded
    assert kept.amount == D("2000.00") and kept.status == ItemStatus.SETTLED
    from fours.finance.services import advance_of

    assert advance_of(kept.party) == D("3000.00")
    assert DailySummary.objects.get(metric="cancellations").value == 1


def test_lead_won_at_deposit_and_reopened_at_cancellation(client, store_a, consultant, mgr):
    from fours.sales.choices import LeadStatus

    from .factories_showroom import lead as make_lead

    conf = f.configuration()
    lead = make_lead(
        store_a, consultant, name="周强", mobile="13711112222", configuration=conf, colour="白色"
    )
    client.force_login(consultant)
    from django.urls import reverse

    html = client.get(reverse("sales:order_create") + f"?lead={lead.pk}").content.decode()
    assert "周强" in html and "13711112222" in html
    order = f.quote(store_a, consultant, lead=lead, configuration=conf)
    assert order.customer.name == "周强" and order.customer.mobile == "13711112222"
    order = svc.order_send(actor=consultant, order=order)
    order = svc.order_authorise(actor=mgr, order=order)
    f.pay(order, order.deposit)
    svc.order_confirm(actor=consultant, order=order)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.ORDERED
    order = svc.order_cancel_request(actor=consultant, order=order, reason="客户改主意", refund="5000")
    svc.order_cancel_approve(actor=mgr, order=order)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.OPEN and lead.next_follow_up
