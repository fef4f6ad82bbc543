from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fours.core.errors import BusinessError, NotAllowed
from fours.core.models import AuditEvent
from fours.core.roles import Role
from fours.finance.choices import Direction, ItemSource, ItemStatus, PartyKind
from fours.finance.models import OpenItem
from fours.finance.selectors.checks import money_differences
from fours.finance.services import party_balance
from fours.parts.choices import Channel, DeliveryStatus, MoveKind, ReturnKind, SaleStatus, SaleTerms
from fours.parts.models import FillRateRecord, PurchaseDemand, Sale, StockMove
from fours.parts.selectors import balance_of, payment_label, sale_open_item, sales_to_issue, stock_differences
from fours.parts.services import (
    counter_sale_create,
    return_create,
    return_resolve,
    sale_cancel,
    sale_deliver,
    sale_issue,
    sale_post,
    stock_receive,
    trade_party,
    transfer_create,
    transfer_receive,
    transfer_ship,
)

from .factories import PartFactory, SupplierFactory, TradeCustomerFactory, pay_sale
from .test_stock import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(make_user, store_a):
    return make_user(Role.PARTS_SALES, store_a, "sales_a")


@pytest.fixture
def stocked(store_a, part, keeper):
    stock_receive(actor=keeper, store=store_a, part=part, qty=10, unit_cost=D("50"), doc=part)
    return part


def _items():
    return list(OpenItem.objects.values_list("id", "amount", "allocated", "status").order_by("id"))


def test_slip_posts_an_open_item_and_reserves(store_a, stocked, seller):
    sale = counter_sale_create(
        actor=seller,
        store=store_a,
        customer_name="王先生",
        customer_phone="13800138000",
        lines=[{"part": stocked, "qty": 2}],
    )
    sale.refresh_from_db()
    assert sale.number.startswith("CS-") and sale.status == SaleStatus.BILLED
    assert sale.total == D("196.00") and sale.net_total == D("173.45")
    item = sale_open_item(sale)
    assert item.amount == D("196.00") and item.direction == Direction.RECEIVABLE
    assert (item.net_amount, item.tax_amount, item.cost_amount) == (D("173.45"), D("22.55"), D("100.00"))
    assert item.source == ItemSource.COUNTER_SALE and item.department == "parts"
    assert item.party.kind == PartyKind.WALK_IN and item.doc == sale and item.doc_number == sale.number
    assert "王先生" in item.memo and "13800138000" in item.memo
    bal = balance_of(store_a, stocked)
    assert (bal.on_hand, bal.reserved) == (10, 2)  # reserved, not issued
    assert not StockMove.objects.filter(kind=MoveKind.COUNTER_SALE).exists()
    assert FillRateRecord.objects.get().qty_served == 2
    assert payment_label(sale) == "待付款"
    assert stock_differences() == [] and money_differences() == []


def test_issue_refused_before_payment(store_a, stocked, seller, keeper, cashier):
    sale = counter_sale_create(actor=seller, store=store_a, lines=[{"part": stocked, "qty": 2}])
    before = snapshot(), _items(), Sale.objects.get(pk=sale.pk).status
    with pytest.raises(BusinessError) as e:
        sale_issue(actor=keeper, sale=sale)
    assert "status" in e.value.message_dict and e.value.error_code == "not_settled"
    assert (snapshot(), _items(), Sale.objects.get(pk=sale.pk).status) == before
    # part paid is not paid
    pay_sale(sale, cashier, amount="100")
    with pytest.raises(BusinessError):
        sale_issue(actor=keeper, sale=sale)
    assert not StockMove.objects.filter(kind=MoveKind.COUNTER_SALE).exists()


def test_issue_after_payment(store_a, stocked, seller, keeper, cashier):
    sale = counter_sale_create(actor=seller, store=store_a, lines=[{"part": stocked, "qty": 2}])
    pay_sale(sale, cashier, method="wechat")
    assert payment_label(Sale.objects.get(pk=sale.pk)) == "已付款"
    assert list(sales_to_issue(keeper)) == [sale]
    sale_issue(actor=keeper, sale=sale)
    sale.refresh_from_db()
    assert sale.status == SaleStatus.POSTED and sale.issued_by == keeper and sale.posted_at
    assert sale.cost_total == D("100.00")
    move = StockMove.objects.get(kind=MoveKind.COUNTER_SALE)
    assert move.doc_number == sale.number and move.qty == -2
    bal = balance_of(store_a, stocked)
    assert (bal.on_hand, bal.reserved) == (8, 0)
    assert list(sales_to_issue(keeper)) == []
    with pytest.raises(BusinessError):  # issued once
        sale_issue(actor=keeper, sale=sale)
    assert stock_differences() == [] and money_differences() == []


def test_seller_cannot_issue(store_a, stocked, seller, cashier):
    sale = counter_sale_create(actor=seller, store=store_a, lines=[{"part": stocked, "qty": 1}])
    pay_sale(sale, cashier)
    with pytest.raises(NotAllowed):
        sale_issue(actor=seller, sale=sale)


def test_cancel_unpaid_slip_reverses_the_item(store_a, stocked, seller):
    sale = counter_sale_create(actor=seller, store=store_a, lines=[{"part": stocked, "qty": 3}])
    item = sale_open_item(sale)
    sale_cancel(actor=seller, sale=sale, reason="客户不要了")
    sale.refresh_from_db()
    item.refresh_from_db()
    assert sale.status == SaleStatus.CANCELLED and item.status == ItemStatus.REVERSED
    assert OpenItem.objects.get(reversal_of=item).amount == -item.amount
    assert sale_open_item(sale) is None and party_balance(item.party) == 0
    bal = balance_of(store_a, stocked)
    assert (bal.on_hand, bal.reserved) == (10, 0)  # the reservation is released
    assert stock_differences() == [] and money_differences() == []


def test_cancel_paid_slip_refused(store_a, stocked, seller, cashier):
    sale = counter_sale_create(actor=seller, store=store_a, lines=[{"part": stocked, "qty": 1}])
    pay_sale(sale, cashier, amount="50")
    before = snapshot(), _items()
    with pytest.raises(BusinessError) as e:
        sale_cancel(actor=seller, sale=sale)
    assert "status" in e.value.message_dict and e.value.error_code == "partly_paid"
    assert (snapshot(), _items()) == before and Sale.objects.get(pk=sale.pk).status == SaleStatus.BILLED


def test_one_line_slip_query_count(store_a, stocked, seller):
    counter_sale_create(actor=seller, store=store_a, lines=[{"part": stocked, "qty": 1}])  # warm caches
    with CaptureQueriesContext(connection) as ctx:
        counter_sale_create(actor=seller, store=store_a, lines=[{"part": stocked, "qty": 1}])
    real = [q for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(real) <= 12, [q["sql"][:80] for q in real]


def test_short_line_records_demand_and_fill_rate(store_a, stocked, seller):
    counter_sale_create(
        actor=seller, store=store_a, lines=[{"part": stocked, "qty": 10, "qty_requested": 12}]
    )
    fr = FillRateRecord.objects.get()
    assert (fr.qty_requested, fr.qty_served) == (12, 10)
    assert PurchaseDemand.objects.get().qty == 2


def test_selling_more_than_stock_changes_nothing(store_a, stocked, seller):
    counter_sale_create(actor=seller, store=store_a, lines=[{"part": stocked, "qty": 8}])
    before = snapshot(), Sale.objects.count(), _items()
    with pytest.raises(BusinessError) as e:  # 2 left available: 8 of 10 are reserved for the first slip
        counter_sale_create(actor=seller, store=store_a, lines=[{"part": stocked, "qty": 3}])
    assert "qty" in e.value.message_dict and e.value.error_code == "insufficient_stock"
    assert (snapshot(), Sale.objects.count(), _items()) == before


def test_discount_above_limit_refused(store_a, stocked, seller):
    with pytest.raises(BusinessError) as e:
        counter_sale_create(
            actor=seller, store=store_a, lines=[{"part": stocked, "qty": 1, "discount_pct": 20}]
        )
    assert "lines" in e.value.message_dict
    assert Sale.objects.count() == 0 and OpenItem.objects.count() == 0


def test_keeper_cannot_sell(store_a, stocked, keeper):
    with pytest.raises(NotAllowed):
        counter_sale_create(actor=keeper, store=store_a, lines=[{"part": stocked, "qty": 1}])


def test_draft_then_bill(store_a, stocked, seller):
    sale = counter_sale_create(actor=seller, store=store_a, lines=[{"part": stocked, "qty": 1}], post=False)
    assert sale.status == "draft" and OpenItem.objects.count() == 0
    assert balance_of(store_a, stocked).reserved == 0
    sale_post(actor=seller, sale=sale)
    sale.refresh_from_db()
    assert sale.status == SaleStatus.BILLED and sale_open_item(sale).amount == D("98.00")
    assert balance_of(store_a, stocked).reserved == 1
    with pytest.raises(BusinessError):
        sale_post(actor=seller, sale=sale)


def _wholesale(seller, store, customer, part, qty, terms=SaleTerms.ACCOUNT, **kw):
    return counter_sale_create(
        actor=seller,
        store=store,
        channel=Channel.WHOLESALE,
        customer=customer,
        terms=terms,
        lines=[{"part": part, "qty": qty}],
        **kw,
    )


def test_wholesale_on_account_issues_at_once_within_the_limit(store_a, stocked, seller, keeper):
    garage = TradeCustomerFactory(store=store_a, credit_limit=D("500"))
    sale = _wholesale(seller, store_a, garage, stocked, 2, delivery_address="天河区某路1号")
    assert sale.number.startswith("WS-")
    item = sale_open_item(sale)
    assert item.amount == D("170.00") and item.source == ItemSource.WHOLESALE
    assert item.party == trade_party(garage) and item.party.kind == PartyKind.TRADE
    assert payment_label(sale) == "挂账"
    sale_issue(actor=keeper, sale=sale)  # on account: no payment first
    assert party_balance(item.party) == D("170.00")
    sale_deliver(actor=seller, sale=sale, signed_by="王师傅", signature="data:image/png;base64,AAAA")
    sale.refresh_from_db()
    assert sale.status == SaleStatus.POSTED and sale.delivery_status == DeliveryStatus.DELIVERED


def test_wholesale_beyond_credit_refused(store_a, stocked, seller):
    garage = TradeCustomerFactory(store=store_a, credit_limit=D("300"))
    _wholesale(seller, store_a, garage, stocked, 2)  # owes 170 of 300
    before = snapshot(), Sale.objects.count(), _items()
    with pytest.raises(BusinessError) as e:  # 170 + 255 > 300
        _wholesale(seller, store_a, garage, stocked, 3)
    assert "terms" in e.value.message_dict and e.value.error_code == "over_credit"
    assert "300.00" in e.value.message_dict["terms"][0]
    assert (snapshot(), Sale.objects.count(), _items()) == before


def test_wholesale_with_no_limit_must_pay_first(store_a, stocked, seller, keeper, cashier):
    garage = TradeCustomerFactory(store=store_a)  # no credit limit: 先收款后付货
    before = snapshot(), Sale.objects.count(), _items()
    with pytest.raises(BusinessError) as e:
        _wholesale(seller, store_a, garage, stocked, 1)
    assert "terms" in e.value.message_dict and e.value.error_code == "no_credit"
    assert (snapshot(), Sale.objects.count(), _items()) == before
    sale = _wholesale(seller, store_a, garage, stocked, 1, terms=SaleTerms.CASH)
    with pytest.raises(BusinessError) as e:
        sale_issue(actor=keeper, sale=sale)
    assert e.value.error_code == "not_settled"
    pay_sale(sale, cashier, method="transfer")
    sale_issue(actor=keeper, sale=sale)
    assert Sale.objects.get(pk=sale.pk).status == SaleStatus.POSTED
    assert money_differences() == []


def test_transfer_in_transit_then_received(store_a, store_b, stocked, make_user, keeper):
    kb = make_user(Role.STOREKEEPER, store_b, "keeper_b")
    tr = transfer_create(actor=keeper, store=store_a, to_store=store_b, lines=[{"part": stocked, "qty": 3}])
    transfer_ship(actor=keeper, transfer=tr)
    assert balance_of(store_a, stocked).on_hand == 7
    assert balance_of(store_b, stocked).on_hand == 0
    with pytest.raises(NotAllowed):
        transfer_receive(actor=keeper, transfer=tr)
    transfer_receive(actor=kb, transfer=tr)
    b = balance_of(store_b, stocked)
    assert b.on_hand == 3 and b.avg_cost == D("50.0000")
    assert stock_differences() == []


def _issued(store, seller, keeper, cashier, part, qty):
    sale = counter_sale_create(actor=seller, store=store, lines=[{"part": part, "qty": qty}])
    pay_sale(sale, cashier)
    return sale_issue(actor=keeper, sale=sale)


def test_customer_return_good_and_defective(store_a, stocked, seller, keeper, cashier):
    sale = _issued(store_a, seller, keeper, cashier, stocked, 3)
    order = return_create(
        actor=seller,
        store=store_a,
        kind=ReturnKind.CUSTOMER,
        sale=sale,
        reason="买错",
        lines=[{"part": stocked, "qty": 1, "condition": "good"}],
    )
    assert balance_of(store_a, stocked).on_hand == 8
    return_create(
        actor=seller,
        store=store_a,
        kind=ReturnKind.CUSTOMER,
        sale=sale,
        reason="异响",
        lines=[{"part": stocked, "qty": 1, "condition": "defective"}],
    )
    assert balance_of(store_a, stocked).on_hand == 8  # defective parts stay on the returns ledger
    with pytest.raises(BusinessError):
        return_create(
            actor=seller,
            store=store_a,
            kind=ReturnKind.CUSTOMER,
            sale=sale,
            reason="x",
            lines=[{"part": stocked, "qty": 2}],
        )
    return_resolve(actor=seller, order=order, resolution="已退款", refund_amount=D("98"))
    order.refresh_from_db()
    assert order.status == "resolved"


def test_supplier_return_takes_stock_out(store_a, stocked, keeper, group):
    sup = SupplierFactory(group=group)
    order = return_create(
        actor=keeper,
        store=store_a,
        kind=ReturnKind.SUPPLIER,
        supplier=sup,
        reason="质量问题",
        lines=[{"part": stocked, "qty": 2}],
    )
    assert balance_of(store_a, stocked).on_hand == 8
    assert AuditEvent.objects.filter(verb="created").exists()
    # the supplier's credit for the returned parts is owed to the store, in finance
    return_resolve(actor=keeper, order=order, resolution="供应商退款", refund_amount=D("100"))
    item = OpenItem.objects.get(doc_number=order.number)
    assert (item.direction, item.amount, item.doc) == (Direction.RECEIVABLE, D("100.00"), order)
    assert item.party.ref == f"parts.supplier:{sup.pk}" and money_differences() == []


def test_other_part_not_in_sale(store_a, stocked, seller, group, keeper, cashier):
    sale = _issued(store_a, seller, keeper, cashier, stocked, 1)
    other = PartFactory(group=group)
    with pytest.raises(BusinessError):
        return_create(
            actor=seller,
            store=store_a,
            kind=ReturnKind.CUSTOMER,
            sale=sale,
            reason="x",
            lines=[{"part": other, "qty": 1}],
        )
