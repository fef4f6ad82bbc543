"""贷项/红冲 in part (``item_credit``): a receivable comes to less; what was paid beyond it is the party's
advance, which the cashier refunds."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from fours.core.errors import BusinessError
from fours.finance.choices import Direction, InvoiceKind, InvoiceStatus, ItemSource, ItemStatus
from fours.finance.models import Allocation, Invoice, OpenItem, Payment, PeriodClose
from fours.finance.selectors.accounts import ageing, statement, with_balances
from fours.finance.selectors.checks import money_differences
from fours.finance.selectors.desk import collect_parties, desk_summary, doc_credits
from fours.finance.selectors.vouchers import account_map, build_vouchers
from fours.finance.services import (
    advance_of,
    invoice_credit,
    invoice_issue,
    item_credit,
    item_reverse,
    party_balance,
    payment_refund,
    payment_take,
)

from .factories import post_item

pytestmark = pytest.mark.django_db


def _state():
    return (
        list(OpenItem.objects.order_by("pk").values_list("pk", "amount", "allocated", "credited", "status")),
        list(Payment.objects.order_by("pk").values_list("pk", "amount", "allocated")),
        Allocation.objects.count(),
    )


def _pay(cashier, party, item, amount):
    return payment_take(
        actor=cashier, store=party.store, party=party, lines=[("cash", amount)], allocations=[(item, amount)]
    )


def test_credit_on_an_unpaid_item_lowers_what_is_owed(cashier, party, store_a):
    item = post_item(
        actor=cashier,
        party=party,
        amount="113",
        source=ItemSource.COUNTER_SALE,
        tax_amount=D("13"),
        cost_amount=D("60"),
    )
    row = item_credit(
        actor=cashier, item=item, amount="56.50", reason="退货", doc_number="RT-1", cost_amount="30"
    )
    item.refresh_from_db()
    assert (row.amount, row.tax_amount, row.cost_amount, row.credit_of) == (
        D("-56.50"),
        D("-6.50"),
        D("-30"),
        item,
    )
    assert row.status == ItemStatus.REVERSED and row.doc_number == "RT-1"
    assert (item.credited, item.allocated, item.status) == (D("56.50"), D("0"), ItemStatus.OPEN)
    assert item.open_amount == D("56.50") and item.net_due == D("56.50")
    assert party_balance(party) == D("56.50") and advance_of(party) == 0
    # the desk asks for what is still owed, the lists agree
    assert desk_summary(store_a)["open"] == D("56.50")
    assert [r["open"] for r in collect_parties(store_a) if r["id"] == party.pk] == [D("56.50")]
    assert with_balances(type(party).objects.filter(pk=party.pk)).get().ar_balance == D("56.50")
    assert ageing(stores=[store_a]).total_open == D("56.50")
    today = timezone.localdate()
    st = statement(party=party, direction=Direction.RECEIVABLE, date_from=today, date_to=today)
    assert st.closing == st.open_now == D("56.50")
    # the credit is a red-letter voucher of the sale's accounts, balanced
    v = build_vouchers([row], [], account_map(store_a))[0]
    assert v.balanced and v.debit == D("-86.50")  # 应收 −56.50, 成本 −30
    assert money_differences() == []
    # the rest can be credited too, to the fen: then nothing is owed
    item_credit(actor=cashier, item=item, amount="56.50", reason="退货")
    item.refresh_from_db()
    assert item.status == ItemStatus.SETTLED and item.open_amount == 0 and party_balance(party) == 0
    assert sum(OpenItem.objects.filter(credit_of=item).values_list("tax_amount", flat=True)) == D("-13")
    assert money_differences() == []


def test_credit_on_a_paid_item_makes_an_advance_the_cashier_refunds(cashier, party, store_a):
    item = post_item(actor=cashier, party=party, amount="196")
    _pay(cashier, party, item, "196")
    item_credit(actor=cashier, item=item, amount="98", reason="退货 1 件")
    item.refresh_from_db()
    assert (item.credited, item.allocated, item.status) == (D("98"), D("98"), ItemStatus.SETTLED)
    assert advance_of(party) == D("98") and party_balance(party) == D("-98")
    assert money_differences() == []
    refund = payment_refund(
        actor=cashier, store=store_a, party=party, lines=[("cash", "98")], reason="退货退款"
    )
    assert refund.amount == D("-98")
    assert advance_of(party) == 0 and party_balance(party) == 0
    assert money_differences() == []
    # vouchers of the day: every one balances (the released allocation is a red transfer)
    from fours.finance.selectors.vouchers import vouchers_between

    today = timezone.localdate()
    assert all(v.balanced for v in vouchers_between(store_a, today, today))


def test_credit_on_a_part_paid_item_releases_only_the_excess(cashier, party, store_a):
    item = post_item(actor=cashier, party=party, amount="100")
    first = _pay(cashier, party, item, "40")
    second = _pay(cashier, party, item, "20")
    item_credit(actor=cashier, item=item, amount="30", reason="折让")
    item.refresh_from_db()
    assert (item.open_amount, item.status, advance_of(party)) == (D("10"), ItemStatus.PARTIAL, 0)
    item_credit(actor=cashier, item=item, amount="25", reason="退货")  # comes to 45, 60 paid
    item.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (item.allocated, item.status, item.open_amount) == (D("45"), ItemStatus.SETTLED, 0)
    assert (first.allocated, second.allocated) == (D("40"), D("5"))  # the latest payment's first
    assert advance_of(party) == D("15") and party_balance(party) == D("-15")
    assert money_differences() == []


def test_reversing_a_credited_item_reverses_what_is_left(cashier, party):
    item = post_item(actor=cashier, party=party, amount="100", tax_amount=D("10"))
    _pay(cashier, party, item, "100")
    item_credit(actor=cashier, item=item, amount="30", reason="退货")
    rev = item_reverse(actor=cashier, item=item, reason="整单退货")
    assert (rev.amount, rev.tax_amount) == (D("-70"), D("-7"))
    assert sum(OpenItem.objects.filter(party=party).values_list("amount", flat=True)) == 0
    assert advance_of(party) == D("100") and party_balance(party) == D("-100")
    assert money_differences() == []


@pytest.mark.parametrize(
    ("amount", "code"),
    [("0", "not_positive"), ("-5", "not_positive"), ("abc", "bad_format"), ("70.01", "out_of_range")],
)
def test_credit_refused_beyond_the_item_or_not_positive(cashier, party, amount, code):
    item = post_item(actor=cashier, party=party, amount="100")
    item_credit(actor=cashier, item=item, amount="30", reason="退货")
    before = _state()
    with pytest.raises(BusinessError) as err:
        item_credit(actor=cashier, item=item, amount=amount, reason="退货")
    assert err.value.error_code == code and "amount" in err.value.message_dict
    assert _state() == before


def test_credit_refused_on_a_reversed_item_a_payable_or_a_closed_month(cashier, party, store_a):
    gone = post_item(actor=cashier, party=party, amount="100")
    item_reverse(actor=cashier, item=gone, reason="作废")
    payable = post_item(actor=cashier, party=party, amount="100", direction=Direction.PAYABLE)
    last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    old = post_item(actor=cashier, party=party, amount="100", posted_on=last_month)
    PeriodClose.objects.create(store=store_a, year=last_month.year, month=last_month.month)
    before = _state()
    cases = [
        ({"item": gone}, "item", "not_pending"),
        ({"item": payable}, "item", "mismatch"),
        ({"item": old, "posted_on": last_month}, "posted_on", "period_closed"),
        ({"item": old, "amount": "10", "cost_amount": "1"}, "cost_amount", "out_of_range"),
    ]
    for kw, field, code in cases:
        kw = {"amount": "10", **kw}
        with pytest.raises(BusinessError) as err:
            item_credit(actor=cashier, reason="退货", **kw)
        assert err.value.error_code == code and field in err.value.message_dict, kw
        assert _state() == before
    # the old month's item is credited into the open month
    row = item_credit(actor=cashier, item=old, amount="10", reason="退货")
    assert row.posted_on == timezone.localdate()
    assert money_differences() == []


def test_doc_credits_and_partial_red_invoice(cashier, party, store_a):
    item = post_item(actor=cashier, party=party, amount="226")
    inv = invoice_issue(
        actor=cashier,
        store=store_a,
        party=party,
        kind=InvoiceKind.VAT_ORDINARY,
        department=item.department,
        amount=D("226"),
        tax_amount=D("26"),
    )
    row = item_credit(actor=cashier, item=item, amount="113", reason="退货", doc=inv, doc_number=inv.number)
    assert doc_credits(inv) == [row]
    red = invoice_credit(actor=cashier, invoice=inv, amount="113", reason="退货退款")
    assert (red.amount, red.tax_amount, red.status, red.red_of) == (
        D("-113"),
        D("-13"),
        InvoiceStatus.RED,
        inv,
    )
    before = Invoice.objects.count()
    with pytest.raises(BusinessError) as err:
        invoice_credit(actor=cashier, invoice=inv, amount="113.01", reason="x")
    assert err.value.error_code == "out_of_range" and Invoice.objects.count() == before
