"""The money door: payments allocate to open items in part or whole, the rest is an advance, refunds
and reversals put things back, and the books refuse what a closed day or month may not take."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from fours.core.errors import BusinessError
from fours.finance.choices import ItemStatus, PaymentKind
from fours.finance.models import Allocation, DayClose, OpenItem, Payment, PeriodClose
from fours.finance.selectors.checks import money_differences
from fours.finance.services import (
    advance_allocate,
    advance_of,
    item_reverse,
    party_balance,
    payment_refund,
    payment_reverse,
    payment_take,
)

from .factories import post_item

pytestmark = pytest.mark.django_db


def test_split_payment_settles_an_item_and_keeps_the_rest_as_advance(cashier, party, store_a):
    item = post_item(actor=cashier, party=party, amount="1000.00")
    pay = payment_take(
        actor=cashier,
        store=store_a,
        party=party,
        lines=[("wechat", "500"), ("cash", "600.00")],
        allocations=[(item, "1000.00")],
    )
    item.refresh_from_db()
    assert pay.amount == Decimal("1100.00") and pay.allocated == Decimal("1000.00")
    assert item.status == ItemStatus.SETTLED and item.open_amount == 0
    assert advance_of(party) == Decimal("100.00")
    assert party_balance(party) == Decimal("-100.00")
    assert sorted(pay.lines.values_list("method", "amount")) == [
        ("cash", Decimal("600.00")),
        ("wechat", Decimal("500.00")),
    ]
    assert pay.number.startswith("SK-")
    assert money_differences() == []


def test_over_allocation_is_refused_and_nothing_changes(cashier, party, store_a):
    item = post_item(actor=cashier, party=party, amount="300.00")
    with pytest.raises(BusinessError) as err:
        payment_take(
            actor=cashier, store=store_a, party=party, lines=[("cash", "400")], allocations=[(item, "400")]
        )
    assert "allocations.0.amount" in err.value.message_dict
    item.refresh_from_db()
    assert item.allocated == 0 and item.status == ItemStatus.OPEN
    assert Payment.objects.count() == 0 and Allocation.objects.count() == 0


def test_bad_amount_names_the_field(cashier, party, store_a):
    with pytest.raises(BusinessError) as err:
        payment_take(actor=cashier, store=store_a, party=party, lines=[("cash", "12.345")])
    assert "lines.0.amount" in err.value.message_dict
    assert Payment.objects.count() == 0


def test_refund_only_up_to_the_advance(cashier, party, store_a):
    payment_take(actor=cashier, store=store_a, party=party, lines=[("cash", "200")])
    with pytest.raises(BusinessError) as err:
        payment_refund(actor=cashier, store=store_a, party=party, lines=[("cash", "250")], reason="多收")
    assert err.value.code == "over_refund" or "amount" in err.value.message_dict
    refund = payment_refund(actor=cashier, store=store_a, party=party, lines=[("cash", "150")], reason="多收")
    assert refund.kind == PaymentKind.REFUND and refund.amount == Decimal("-150.00")
    assert advance_of(party) == Decimal("50.00")
    assert money_differences() == []


def test_reversing_a_payment_reopens_its_item(finance_user, cashier, party, store_a):
    item = post_item(actor=cashier, party=party, amount="500")
    pay = payment_take(
        actor=cashier, store=store_a, party=party, lines=[("card", "500")], allocations=[(item, "500")]
    )
    rev = payment_reverse(actor=finance_user, payment=pay, reason="刷错卡")
    item.refresh_from_db()
    assert (
        rev.amount == Decimal("-500.00")
        and item.status == ItemStatus.OPEN
        and item.open_amount == Decimal("500")
    )
    assert money_differences() == []


def test_item_reversal_turns_its_payment_into_advance(cashier, party, store_a):
    item = post_item(actor=cashier, party=party, amount="800")
    payment_take(
        actor=cashier, store=store_a, party=party, lines=[("cash", "800")], allocations=[(item, "800")]
    )
    rev = item_reverse(actor=cashier, item=item, reason="反结算")
    assert rev.amount == Decimal("-800.00")
    assert advance_of(party) == Decimal("800.00")
    again = post_item(actor=cashier, party=party, amount="700")
    advance_allocate(actor=cashier, item=again)
    again.refresh_from_db()
    assert again.status == ItemStatus.SETTLED and advance_of(party) == Decimal("100.00")
    assert money_differences() == []


def test_closed_day_and_closed_month_refuse_payments(cashier, party, store_a):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    DayClose.objects.create(store=store_a, business_date=yesterday)
    with pytest.raises(BusinessError) as err:
        payment_take(
            actor=cashier, store=store_a, party=party, lines=[("cash", "10")], business_date=yesterday
        )
    assert err.value.code == "day_closed" or "business_date" in err.value.message_dict
    today = timezone.localdate()
    PeriodClose.objects.create(store=store_a, year=today.year, month=today.month)
    with pytest.raises(BusinessError):
        post_item(actor=cashier, party=party, amount="10")
    assert Payment.objects.count() == 0 and OpenItem.objects.count() == 0
