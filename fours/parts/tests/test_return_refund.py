"""A customer's return of parts of a sale, refunded: a credit (贷项) on the sale's receivable in finance,
the paid part becoming the customer's advance that the cashier refunds, and a red-letter invoice."""

from decimal import Decimal as D

import pytest

from fours.core.errors import BusinessError
from fours.core.roles import Role
from fours.finance.choices import InvoiceKind, InvoiceStatus, ItemStatus
from fours.finance.models import Invoice, OpenItem
from fours.finance.selectors.checks import money_differences
from fours.finance.services import advance_of, party_balance, payment_refund
from fours.parts.choices import ReturnKind, ReturnStatus, SaleTerms
from fours.parts.models import ReturnOrder
from fours.parts.selectors import sale_invoice_of, sale_open_item
from fours.parts.services import (
    counter_sale_create,
    return_create,
    return_resolve,
    sale_invoice,
    sale_issue,
    stock_receive,
)

from .factories import TradeCustomerFactory, pay_sale

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(make_user, store_a):
    return make_user(Role.PARTS_SALES, store_a, "sales_a")


@pytest.fixture
def stocked(store_a, part, keeper):
    stock_receive(actor=keeper, store=store_a, part=part, qty=10, unit_cost=D("50"), doc=part)
    return part


def _return_one(seller, store, sale, part, condition="good"):
    return return_create(
        actor=seller,
        store=store,
        kind=ReturnKind.CUSTOMER,
        sale=sale,
        reason="买多了",
        lines=[{"part": part, "qty": 1, "condition": condition}],
    )


def test_paid_issued_invoiced_sale_returned_in_part_and_refunded(store_a, stocked, seller, keeper, cashier):
    sale = counter_sale_create(actor=seller, store=store_a, lines=[{"part": stocked, "qty": 2}])
    pay_sale(sale, cashier)
    sale = sale_issue(actor=keeper, sale=sale)
    sale_invoice(actor=cashier, sale=sale, kind=InvoiceKind.VAT_ORDINARY)
    invoice = sale_invoice_of(sale)
    item = sale_open_item(sale)
    party = item.party
    assert item.amount == D("196.00") and party_balance(party) == 0

    order = _return_one(seller, store_a, sale, stocked)
    return_resolve(actor=seller, order=order, resolution="退款", refund_amount="98")

    item.refresh_from_db()
    credit = OpenItem.objects.get(credit_of=item)
    assert (credit.amount, credit.doc, credit.doc_number) == (D("-98.00"), order, order.number)
    assert credit.cost_amount == D("-50.00")  # the good part came back into stock
    assert (item.credited, item.allocated, item.status) == (D("98.00"), D("98.00"), ItemStatus.SETTLED)
    assert advance_of(party) == D("98.00") and party_balance(party) == D("-98.00")
    # the invoice is reddened for the refund
    red = Invoice.objects.get(red_of=invoice)
    assert (red.amount, red.status) == (D("-98.00"), InvoiceStatus.RED)
    assert red.tax_amount == -(invoice.tax_amount / 2).quantize(D("0.01"))
    assert sale_invoice_of(sale) == invoice
    assert money_differences() == []

    # the cashier pays the advance back at the desk
    payment_refund(actor=cashier, store=store_a, party=party, lines=[("cash", "98")], reason="退货退款")
    assert advance_of(party) == 0 and party_balance(party) == 0
    assert money_differences() == []


def test_refund_on_account_lowers_what_the_trade_customer_owes(store_a, stocked, seller, keeper):
    from fours.parts.choices import Channel

    garage = TradeCustomerFactory(store=store_a, credit_limit=D("500"))
    sale = counter_sale_create(
        actor=seller,
        store=store_a,
        channel=Channel.WHOLESALE,
        customer=garage,
        terms=SaleTerms.ACCOUNT,
        lines=[{"part": stocked, "qty": 2}],
    )
    sale = sale_issue(actor=keeper, sale=sale)
    item = sale_open_item(sale)
    order = _return_one(seller, store_a, sale, stocked, condition="defective")
    return_resolve(actor=seller, order=order, resolution="冲减货款", refund_amount="85")
    item.refresh_from_db()
    assert item.open_amount == D("85.00") and party_balance(item.party) == D("85.00")
    assert advance_of(item.party) == 0
    assert OpenItem.objects.get(credit_of=item).cost_amount == 0  # a defective part is not back in stock
    assert money_differences() == []


def test_refund_above_the_returned_lines_refused(store_a, stocked, seller, keeper, cashier):
    sale = counter_sale_create(actor=seller, store=store_a, lines=[{"part": stocked, "qty": 2}])
    pay_sale(sale, cashier)
    sale = sale_issue(actor=keeper, sale=sale)
    order = _return_one(seller, store_a, sale, stocked)
    before = list(OpenItem.objects.values_list("pk", "allocated", "credited", "status").order_by("pk"))
    with pytest.raises(BusinessError) as err:
        return_resolve(actor=seller, order=order, resolution="退款", refund_amount="98.01")
    assert err.value.error_code == "over_refund" and "refund_amount" in err.value.message_dict
    order.refresh_from_db()
    assert order.status == ReturnStatus.OPEN and order.refund_amount == 0
    assert (
        list(OpenItem.objects.values_list("pk", "allocated", "credited", "status").order_by("pk")) == before
    )
    # no refund: the return is closed with nothing moved in finance
    return_resolve(actor=seller, order=order, resolution="换货", refund_amount="0")
    assert not OpenItem.objects.filter(credit_of__isnull=False).exists()


def test_return_page_shows_the_advance_and_the_way_to_the_desk(
    client, store_a, stocked, seller, keeper, cashier
):
    sale = counter_sale_create(actor=seller, store=store_a, lines=[{"part": stocked, "qty": 2}])
    pay_sale(sale, cashier)
    sale = sale_issue(actor=keeper, sale=sale)
    order = _return_one(seller, store_a, sale, stocked)
    return_resolve(actor=seller, order=order, resolution="退款", refund_amount="98")
    order = ReturnOrder.objects.get(pk=order.pk)
    party = sale_open_item(sale).party
    client.force_login(seller)  # a seller sees the advance and the customer's finance page
    page = client.get(order.get_absolute_url()).content.decode()
    assert "预收余额（待退款）" in page and "¥98.00" in page
    assert f"/parties/{party.pk}/" in page and "/desk/refund/" not in page
    # one who may refund (the cashier's permission) is sent to the desk's refund page for the customer
    from django.contrib.auth.models import Permission

    seller.user_permissions.add(Permission.objects.get(codename="refund_payment"))
    seller = type(seller).objects.get(pk=seller.pk)
    client.force_login(seller)
    page = client.get(order.get_absolute_url()).content.decode()
    assert f"/desk/refund/?party={party.pk}" in page
