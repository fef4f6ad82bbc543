"""Two desks at once on PostgreSQL: the ledger's row locks let one through and refuse the other, and
the books add up after every race.

- two cashiers take the same bill: one payment, the other refused on its allocation's amount;
- an advance and a new payment both aimed at the last open amount: never over-allocated;
- two refunds of one advance: never more than the advance;
- two sales on account (credit_check, then item_post, in one transaction): never beyond the limit.

Each race runs several rounds so a lock that only sometimes holds shows up."""

from decimal import Decimal as D

import pytest
from django.db import connection, transaction

from fours.core.choices import DepartmentKind
from fours.core.errors import BusinessError
from fours.core.roles import Role
from fours.finance.choices import Direction, ItemSource, ItemStatus
from fours.finance.models import Allocation, OpenItem, Payment
from fours.finance.selectors.checks import money_differences
from fours.finance.services import (
    advance_allocate,
    advance_of,
    credit_check,
    item_post,
    party_balance,
    payment_refund,
    payment_take,
)
from tests.race import race

from .factories import PartyFactory, post_item

ROUNDS = 4

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proven on PostgreSQL")


@pytest.fixture
def cashiers(make_user, store_a):
    return make_user(Role.CASHIER, store_a, "cashier_r1"), make_user(Role.CASHIER, store_a, "cashier_r2")


def _field(err: BusinessError) -> str:
    return next(iter(err.message_dict))


def test_two_cashiers_take_the_same_bill(cashiers, store_a):
    c1, c2 = cashiers
    for n in range(ROUNDS):
        party = PartyFactory(store=store_a, name=f"同单客户{n}")
        item = post_item(actor=c1, party=party, amount="880.00", doc_number=f"RO-T-{n}")

        def pay(cashier, item=item, party=party):
            return payment_take(
                actor=cashier,
                store=store_a,
                party=party,
                lines=[("wechat", "500"), ("cash", "380")],
                allocations=[(item.pk, "880.00")],
            )

        ok, refused, errors = race(lambda: pay(c1), lambda: pay(c2), refusal=BusinessError)
        assert errors == []
        assert len(ok) == 1 and len(refused) == 1
        assert refused[0].error_code == "over_allocation"
        assert _field(refused[0]) == "allocations.0.amount"
        item.refresh_from_db()
        assert item.allocated == D("880.00") and item.status == ItemStatus.SETTLED
        assert Allocation.objects.filter(item=item).count() == 1
        assert Payment.objects.filter(party=party).count() == 1
        assert advance_of(party) == 0 and party_balance(party) == 0
    assert money_differences() == []


def test_advance_and_payment_race_for_the_last_open_amount(cashiers, store_a):
    c1, c2 = cashiers
    for n in range(ROUNDS):
        party = PartyFactory(store=store_a, name=f"尾款客户{n}")
        item = post_item(actor=c1, party=party, amount="1000.00")
        # 700 paid on the bill, 300 left open; the party also has 300 of advance from an earlier visit
        payment_take(
            actor=c1, store=store_a, party=party, lines=[("cash", "700")], allocations=[(item, "700")]
        )
        payment_take(actor=c1, store=store_a, party=party, lines=[("card", "300")])
        assert advance_of(party) == D("300.00")

        ok, refused, errors = race(
            lambda item=item: advance_allocate(actor=c1, item=item, amount="300"),
            lambda item=item, party=party: payment_take(
                actor=c2, store=store_a, party=party, lines=[("cash", "300")], allocations=[(item, "300")]
            ),
            refusal=BusinessError,
        )
        assert errors == []
        assert len(ok) == 1 and len(refused) == 1
        assert refused[0].error_code == "over_allocation"
        item.refresh_from_db()
        assert item.allocated == D("1000.00") and item.status == ItemStatus.SETTLED
        assert sum(Allocation.objects.filter(item=item).values_list("amount", flat=True)) == D("1000.00")
        # the advance won: it is used up; the new payment won: the advance is still there
        advance_won = isinstance(ok[0], list)
        assert advance_of(party) == (D("0.00") if advance_won else D("300.00"))
        assert party_balance(party) == -advance_of(party)
    assert money_differences() == []


def test_two_refunds_of_one_advance(cashiers, store_a):
    c1, c2 = cashiers
    for n in range(ROUNDS):
        party = PartyFactory(store=store_a, name=f"退款客户{n}")
        payment_take(actor=c1, store=store_a, party=party, lines=[("cash", "500")], note="预收定金")

        def refund(cashier, party=party):
            return payment_refund(
                actor=cashier, store=store_a, party=party, lines=[("cash", "300")], reason="客户取消"
            )

        ok, refused, errors = race(lambda: refund(c1), lambda: refund(c2), refusal=BusinessError)
        assert errors == []
        assert len(ok) == 1 and len(refused) == 1
        assert refused[0].error_code == "over_refund" and _field(refused[0]) == "amount"
        assert advance_of(party) == D("200.00")
        assert Payment.objects.filter(party=party, amount__lt=0).count() == 1
    assert money_differences() == []


def test_two_sales_on_account_against_one_credit_limit(make_user, store_a):
    clerk = make_user(Role.PARTS_SALES, store_a, "parts_r1")
    for n in range(ROUNDS):
        party = PartyFactory(store=store_a, name=f"修理厂{n}", credit_limit=D("1000.00"))
        post_item(actor=clerk, party=party, amount="300.00", source=ItemSource.WHOLESALE)

        def sell_on_account(party=party):
            with transaction.atomic():
                credit_check(party, D("600.00"))
                return item_post(
                    actor=clerk,
                    store=store_a,
                    party=party,
                    direction=Direction.RECEIVABLE,
                    source=ItemSource.WHOLESALE,
                    department=DepartmentKind.PARTS,
                    amount=D("600.00"),
                )

        ok, refused, errors = race(sell_on_account, sell_on_account, refusal=BusinessError)
        assert errors == []
        assert len(ok) == 1 and len(refused) == 1
        assert refused[0].error_code == "over_credit" and _field(refused[0]) == "party"
        assert party_balance(party) == D("900.00") <= party.credit_limit
        assert OpenItem.objects.filter(party=party).count() == 2
    assert money_differences() == []
