"""The smaller steps: send back, drop a quote, accessories after authorisation (a further receivable),
removing one from a quote, taking a vehicle back before fitting, the filter's drill-down parameters."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from fours.core.errors import BusinessError
from fours.core.roles import Role
from fours.sales.choices import OrderStatus, VehicleStatus
from fours.sales.selectors.orders import order_items, order_paid
from fours.sales.services import orders as svc

from . import factories_orders as f

D = Decimal


@pytest.fixture
def consultant(make_user, store_a):
    return make_user(Role.SALES_CONSULTANT, store_a, "sc_s")


@pytest.fixture
def mgr(make_user, store_a):
    return make_user(Role.SALES_MANAGER, store_a, "sm_s")


def test_send_back_needs_reason_and_reopens_quote(store_a, consultant, mgr):
    order = f.sent_order(store_a, consultant)
    with pytest.raises(BusinessError) as e:
        svc.order_send_back(actor=mgr, order=order, note=" ")
    assert e.value.error_code == "required"
    order = svc.order_send_back(actor=mgr, order=order, note="优惠过大，请重新报价")
    assert order.status == OrderStatus.QUOTE and order.approval_note
    order = svc.order_update(actor=consultant, order=order, data={"discount": "1000"})
    assert order.total == D("199000.00")


def test_own_order_cannot_be_authorised_by_its_consultant(store_a, mgr):
    order = f.sent_order(store_a, mgr)
    with pytest.raises(BusinessError) as e:
        svc.order_authorise(actor=mgr, order=order)
    assert e.value.error_code == "own_order"


def test_drop_a_quote_only(store_a, consultant, mgr):
    order = svc.order_drop(actor=consultant, order=f.quote(store_a, consultant), reason="客户不买了")
    assert order.status == OrderStatus.CANCELLED
    other = f.authorised_order(store_a, consultant, manager=mgr)
    with pytest.raises(BusinessError) as e:
        svc.order_drop(actor=consultant, order=other)
    assert e.value.error_code == "bad_transition"


def test_accessory_after_authorisation_is_a_further_receivable(store_a, consultant, mgr):
    order = f.authorised_order(store_a, consultant, manager=mgr)
    film = f.accessory_part(store_a, "隔热膜", retail="2800.00", cost="900")
    svc.accessory_add(actor=consultant, order=order, part=film, qty=1)
    order.refresh_from_db()
    assert order.total == D("202800.00")
    assert [i.amount for i in order_items(order)] == [D("200000.00"), D("2800.00")]
    assert order_paid(order) == (D("202800.00"), D("0.00"))
    # after authorisation the quote's figures are fixed: no removal
    acc = order.accessories.get()
    with pytest.raises(BusinessError) as e:
        svc.accessory_remove(actor=consultant, accessory=acc)
    assert e.value.error_code == "bad_transition"


def test_accessory_must_be_an_accessory(store_a, consultant):
    from fours.parts.tests.factories import PartFactory

    order = f.quote(store_a, consultant)
    oil = PartFactory(group=store_a.group, name="机油")
    with pytest.raises(BusinessError) as e:
        svc.accessory_add(actor=consultant, order=order, part=oil)
    assert e.value.error_code == "invalid_choice"
    mats = f.accessory_part(store_a, "脚垫", retail="600.00", qty=0)
    acc = svc.accessory_add(actor=consultant, order=order, part=mats, qty=2)
    order.refresh_from_db()
    assert order.accessories_amount == D("1200.00")
    svc.accessory_remove(actor=consultant, accessory=acc)
    order.refresh_from_db()
    assert order.accessories_amount == 0 and order.total == D("200000.00")


def test_unallocate_returns_the_vehicle(store_a, consultant):
    order = f.allocated_order(store_a, consultant)
    vehicle = order.vehicle
    order = svc.order_unallocate(actor=consultant, order=order)
    vehicle.refresh_from_db()
    assert order.status == OrderStatus.ORDERED and order.vehicle_id is None
    assert vehicle.status == VehicleStatus.IN_STOCK


def test_ready_needs_pdi(store_a, consultant):
    from fours.sales.services.orders import order_allocate

    from .factories_stock import vehicle_in_stock

    order = f.ordered_order(store_a, consultant)
    v = vehicle_in_stock(store_a, order.configuration, order.colour)
    type(v).objects.filter(pk=v.pk).update(pdi_passed_at=None)
    order = order_allocate(actor=consultant, order=order, vehicle=v)
    f.pay(order)
    with pytest.raises(BusinessError) as e:
        svc.order_ready(actor=consultant, order=order)
    assert e.value.error_code == "pdi_pending"


def test_list_filters_of_the_drill_downs(client, store_a, consultant, mgr):
    ordered = f.ordered_order(store_a, consultant)
    f.quote(store_a, consultant)
    client.force_login(mgr)
    today = timezone.localdate().isoformat()
    url = reverse("sales:order_list")
    html = client.get(url, {"ordered_at_after": today, "ordered_at_before": today}).content.decode()
    assert ordered.number in html and "共 1 条" in html
    html = client.get(
        url, {"consultant": consultant.pk, "model": ordered.configuration.model_id}
    ).content.decode()
    assert "共 2 条" in html
    html = client.get(url, {"waiting": "on"}).content.decode()  # the manager's: nothing waits for approval
    assert "共 0 条" in html
    client.force_login(consultant)
    html = client.get(url, {"mine": "on", "waiting": "on"}).content.decode()
    assert "共 2 条" in html


def test_gift_after_authorisation_within_the_limit_only(store_a, consultant, mgr):
    order = f.authorised_order(store_a, consultant, manager=mgr, discount="3000")  # 1.5 %
    tint = f.accessory_part(store_a, "隔热膜", retail="2000.00", qty=0)  # +1 % as a gift
    with pytest.raises(BusinessError) as e:
        svc.accessory_add(actor=consultant, order=order, part=tint, is_gift=True)
    assert e.value.error_code == "discount_limit"
    assert not order.accessories.exists()
    svc.accessory_add(actor=mgr, order=order, part=tint, is_gift=True)
    order.refresh_from_db()
    assert order.discount_pct == D("2.50") and order.total == D("197000.00")
    assert [i.amount for i in order_items(order)] == [D("197000.00")]  # a gift is not owed
