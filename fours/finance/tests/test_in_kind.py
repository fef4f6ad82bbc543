"""A trade-in (置换) pays part of a vehicle in kind: the module that agreed the used car's value posts it
through the money door as a receipt of method 置换抵款, which settles the customer's item like money but is
no cashier's money (no 交款单, no bank journal, no hand-over keeps the day open) and lands on the used-car
stock account in the voucher. The cashier desk and the API cannot take it. A forfeited deposit (违约金)
is income of its own account, not sales revenue."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from fours.core.choices import DepartmentKind
from fours.core.errors import BusinessError
from fours.core.models import AuditEvent
from fours.core.roles import Role
from fours.finance.choices import ItemSource, ItemStatus
from fours.finance.models import Payment, PaymentLine
from fours.finance.selectors.closing import bank_journal, cashier_day, day_close_blockers, method_totals
from fours.finance.selectors.vouchers import vouchers_between
from fours.finance.services import payment_take

from .factories import post_item

pytestmark = pytest.mark.django_db
D = Decimal


def _lines(v):
    return [(ln.code, ln.debit, ln.credit) for ln in v.lines]


@pytest.fixture
def manager(make_user, store_a):
    return make_user(Role.SALES_MANAGER, store_a, "sales_mgr_a")


def test_a_trade_in_settles_the_item_in_kind_and_is_no_cashiers_money(finance_user, manager, party, store_a):
    item = post_item(
        actor=finance_user,
        party=party,
        amount="113000.00",
        tax_amount=D("13000.00"),
        net_amount=D("100000.00"),
        source=ItemSource.VEHICLE_SALE,
        department=DepartmentKind.SALES,
        doc_number="SO-2026-000007",
    )
    pay = payment_take(
        actor=manager,  # the sales manager agreed the used car's value; no cashier permission is asked
        store=store_a,
        party=party,
        lines=[("trade_in", "40000.00", "粤A12345")],
        allocations=[(item, "40000.00")],
        in_kind=True,
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.PARTIAL and item.open_amount == D("73000.00")
    assert pay.cashier is None
    today = timezone.localdate()
    assert "trade_in" not in method_totals(store_a, today)
    assert day_close_blockers(store_a, today) == []
    assert cashier_day(store_a, manager, today)["total"] == 0
    assert bank_journal(store_a, today, today)["total_in"] == 0
    receipt = [v for v in vouchers_between(store_a, today, today) if v.source == "payment"][0]
    assert _lines(receipt) == [("140502", D("40000.00"), 0), ("1122", 0, D("40000.00"))]


def test_the_desk_cannot_take_a_trade_in(cashier, party, store_a, finance_user):
    item = post_item(actor=finance_user, party=party, amount="500.00")
    before = (Payment.objects.count(), PaymentLine.objects.count(), AuditEvent.objects.count())
    with pytest.raises(BusinessError) as e:
        payment_take(
            actor=cashier,
            store=store_a,
            party=party,
            lines=[("trade_in", "500")],
            allocations=[(item, "500")],
        )
    assert "lines.0.method" in e.value.message_dict
    with pytest.raises(BusinessError):  # nor money passed off as goods
        payment_take(actor=cashier, store=store_a, party=party, lines=[("cash", "500")], in_kind=True)
    assert (Payment.objects.count(), PaymentLine.objects.count(), AuditEvent.objects.count()) == before
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


def test_the_api_offers_only_money_methods(api_for, cashier, party):
    r = api_for(cashier).post(
        reverse("api-finance-payment-list"),
        {"party": party.pk, "lines": [{"method": "trade_in", "amount": "10.00"}], "allocations": []},
        format="json",
    )
    assert r.status_code == 400, r.content
    assert any(k.startswith("lines") for k in r.json()["error"]["fields"])
    assert not Payment.objects.exists()


def test_a_forfeited_deposit_is_income_of_its_own(finance_user, party, store_a):
    post_item(
        actor=finance_user,
        party=party,
        amount="5000.00",
        source=ItemSource.FORFEIT,
        department=DepartmentKind.SALES,
        doc_number="SO-2026-000009",
    )
    today = timezone.localdate()
    (v,) = vouchers_between(store_a, today, today)
    assert _lines(v) == [("1122", D("5000.00"), 0), ("6301", 0, D("5000.00"))]
