from decimal import Decimal

import pytest

from fours.core.errors import BusinessError
from fours.core.roles import Role
from fours.finance.choices import ItemSource
from fours.sales.choices import OrderStatus
from fours.sales.models import VehicleOrder
from fours.sales.selectors.orders import order_items, order_paid
from fours.sales.services import orders as svc

from .factories_orders import authorised_order, configuration, quote, sent_order


@pytest.fixture
def consultant(make_user, store_a):
    return make_user(Role.SALES_CONSULTANT, store_a, "sc_a")


@pytest.fixture
def mgr(make_user, store_a):
    return make_user(Role.SALES_MANAGER, store_a, "sm_a")


def test_quote_takes_list_price_and_totals(store_a, consultant):
    o = quote(store_a, consultant, discount="3000", registration_fee="1500", other_fees="500")
    assert o.list_price == Decimal("200000.00")
    assert o.total == Decimal("199000.00")
    assert o.discount_pct == Decimal("1.50")
    assert not o.needs_approval
    assert o.number.startswith("XD-")
    assert o.status == OrderStatus.QUOTE


def test_discount_over_limit_needs_reason(store_a, consultant):
    with pytest.raises(BusinessError) as e:
        quote(store_a, consultant, discount="10000")
    assert e.value.error_code == "discount_limit"
    assert not VehicleOrder.objects.exists()
    o = quote(store_a, consultant, discount="10000", discount_reason="老客户转介绍")
    assert o.needs_approval


def test_authorise_posts_receivable(store_a, consultant, mgr):
    o = authorised_order(store_a, consultant, discount="2000", manager=mgr)
    assert o.status == OrderStatus.AUTHORISED
    items = order_items(o)
    assert len(items) == 1
    it = items[0]
    assert it.source == ItemSource.VEHICLE_SALE and it.amount == Decimal("198000.00")
    assert it.net_amount + it.tax_amount == it.amount
    assert it.net_amount == Decimal("175221.24")
    assert order_paid(o) == (Decimal("198000.00"), Decimal("0.00"))


def test_manager_limit_covers_discount(store_a, consultant, mgr):
    o = sent_order(store_a, consultant, discount="20000", discount_reason="清库")  # 10% > 8%
    with pytest.raises(BusinessError) as e:
        svc.order_authorise(actor=mgr, order=o)
    assert e.value.error_code == "over_limit"
    o.refresh_from_db()
    assert o.status == OrderStatus.AWAITING_APPROVAL
    assert order_items(o) == []


def test_price_from_configuration_required(store_a, consultant):
    conf = configuration("1", name="无价配置")
    conf.msrp = None
    conf.save()
    with pytest.raises(BusinessError) as e:
        quote(store_a, consultant, configuration=conf)
    assert e.value.error_code == "required"


def test_gifts_count_towards_the_limit(store_a, consultant):
    # 2 % of 200,000 is 4,000: a 3,000 discount and 1,500 of gifts go beyond it
    with pytest.raises(BusinessError) as e:
        quote(store_a, consultant, discount="3000", gift_value="1500", gifts="加油卡")
    assert e.value.error_code == "discount_limit"
    o = quote(store_a, consultant, discount="3000", gift_value="1500", gifts="加油卡", discount_reason="店庆")
    assert o.needs_approval and o.discount_pct == Decimal("2.25")
