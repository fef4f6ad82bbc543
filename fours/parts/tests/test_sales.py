from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fours.core.errors import BusinessError, NotAllowed
from fours.core.models import AuditEvent
from fours.core.roles import Role
from fours.parts.choices import Channel, DeliveryStatus, MoveKind, OpenItemStatus, PaymentTerms, ReturnKind
from fours.parts.models import FillRateRecord, PurchaseDemand, Receivable, Sale, StockMove
from fours.parts.selectors import balance_of, stock_differences
from fours.parts.services import (
    counter_sale_create,
    customer_payment_create,
    return_create,
    return_resolve,
    sale_deliver,
    sale_post,
    stock_receive,
    transfer_create,
    transfer_receive,
    transfer_ship,
)

from .factories import PartFactory, SupplierFactory, TradeCustomerFactory
from .test_stock import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(make_user, store_a):
    return make_user(Role.PARTS_SALES, store_a, "sales_a")


@pytest.fixture
def stocked(store_a, part, keeper):
    stock_receive(actor=keeper, store=store_a, part=part, qty=10, unit_cost=D("50"), doc=part)
    return part


def test_counter_sale_posts_moves_number_fill_rate(store_a, stocked, seller):
    sale = counter_sale_create(actor=seller, store=store_a, lines=[{"part": stocked, "qty": 2}])
    sale.refresh_from_db()
    assert sale.number.startswith("CS-") and sale.status == "posted"
    assert sale.total == D("196.00") and sale.cost_total == D("100.00")
    assert sale.net_total == D("173.45")
    move = StockMove.objects.get(kind=MoveKind.COUNTER_SALE)
    assert move.doc_number == sale.number and move.qty == -2
    assert FillRateRecord.objects.get().qty_served == 2
    assert balance_of(store_a, stocked).on_hand == 8
    assert stock_differences() == []


def test_one_line_sale_query_count(store_a, stocked, seller):
    counter_sale_create(actor=seller, store=store_a, lines=[{"part": stocked, "qty": 1}])  # warm caches
    with CaptureQueriesContext(connection) as ctx:
        counter_sale_create(actor=seller, store=store_a, lines=[{"part": stocked, "qty": 1}])
    real = [q for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(real) <= 8, [q["sql"][:80] for q in real]


def test_short_line_records_demand_and_fill_rate(store_a, stocked, seller):
    counter_sale_create(
        actor=seller, store=store_a, lines=[{"part": stocked, "qty": 10, "qty_requested": 12}]
    )
    fr = FillRateRecord.objects.get()
    assert (fr.qty_requested, fr.qty_served) == (12, 10)
    assert PurchaseDemand.objects.get().qty == 2


def test_selling_more_than_stock_changes_nothing(store_a, stocked, seller):
    before = snapshot(), Sale.objects.count()
    with pytest.raises(BusinessError) as e:
        counter_sale_create(actor=seller, store=store_a, lines=[{"part": stocked, "qty": 11}])
    assert "qty" in e.value.message_dict
    assert (snapshot(), Sale.objects.count()) == before


def test_discount_above_limit_refused(store_a, stocked, seller):
    with pytest.raises(BusinessError) as e:
        counter_sale_create(
            actor=seller, store=store_a, lines=[{"part": stocked, "qty": 1, "discount_pct": 20}]
        )
    assert "lines" in e.value.message_dict
    assert Sale.objects.count() == 0


def test_keeper_cannot_sell(store_a, stocked, keeper):
    with pytest.raises(NotAllowed):
        counter_sale_create(actor=keeper, store=store_a, lines=[{"part": stocked, "qty": 1}])


def test_draft_then_post(store_a, stocked, seller):
    sale = counter_sale_create(actor=seller, store=store_a, lines=[{"part": stocked, "qty": 1}], post=False)
    assert sale.status == "draft" and StockMove.objects.filter(kind=MoveKind.COUNTER_SALE).count() == 0
    sale_post(actor=seller, sale=sale)
    sale.refresh_from_db()
    assert sale.status == "posted"
    with pytest.raises(BusinessError):
        sale_post(actor=seller, sale=sale)


def test_wholesale_on_account_receivable_and_payment(store_a, stocked, seller):
    garage = TradeCustomerFactory(store=store_a, credit_limit=D("500"))
    sale = counter_sale_create(
        actor=seller,
        store=store_a,
        channel=Channel.WHOLESALE,
        customer=garage,
        terms=PaymentTerms.ACCOUNT,
        lines=[{"part": stocked, "qty": 2}],
        delivery_address="天河区某路1号",
    )
    assert sale.number.startswith("WS-")
    rec = Receivable.objects.get(sale=sale)
    assert rec.amount == D("170.00")
    with pytest.raises(BusinessError):  # over the credit limit
        counter_sale_create(
            actor=seller,
            store=store_a,
            channel=Channel.WHOLESALE,
            customer=garage,
            terms=PaymentTerms.ACCOUNT,
            lines=[{"part": stocked, "qty": 5}],
        )
    with pytest.raises(BusinessError):
        customer_payment_create(actor=seller, store=store_a, customer=garage, amount=D("999"))
    customer_payment_create(actor=seller, store=store_a, customer=garage, amount=D("100"))
    rec.refresh_from_db()
    assert rec.collected == D("100") and rec.status == OpenItemStatus.PARTIAL
    sale_deliver(actor=seller, sale=sale, signed_by="王师傅", signature="data:image/png;base64,AAAA")
    sale.refresh_from_db()
    assert sale.delivery_status == DeliveryStatus.DELIVERED and sale.signed_at


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


def test_customer_return_good_and_defective(store_a, stocked, seller):
    sale = counter_sale_create(actor=seller, store=store_a, lines=[{"part": stocked, "qty": 3}])
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
    return_create(
        actor=keeper,
        store=store_a,
        kind=ReturnKind.SUPPLIER,
        supplier=sup,
        reason="质量问题",
        lines=[{"part": stocked, "qty": 2}],
    )
    assert balance_of(store_a, stocked).on_hand == 8
    assert AuditEvent.objects.filter(verb="created").exists()


def test_other_part_not_in_sale(store_a, stocked, seller, group):
    sale = counter_sale_create(actor=seller, store=store_a, lines=[{"part": stocked, "qty": 1}])
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
