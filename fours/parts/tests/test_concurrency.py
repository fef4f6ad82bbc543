"""8 threads selling and receiving the same parts at once on PostgreSQL: no lost update, no deadlock
error reaching the caller, balances equal to the moves at the end."""

import random
from decimal import Decimal as D

import pytest
from django.db import connection

from fours.core.errors import BusinessError
from fours.core.roles import Role
from fours.parts.choices import Channel, MoveKind
from fours.parts.models import Sale, StockBalance, StockMove
from fours.parts.selectors import stock_differences
from fours.parts.services import stock_issue, stock_receive
from tests.race import together

from .factories import PartFactory

THREADS = 8
ROUNDS = 25


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sales_and_receipts(store_a, group, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proven on PostgreSQL")
    from fours.finance.selectors.checks import money_differences
    from fours.finance.services import payment_take
    from fours.parts.selectors import sale_open_item
    from fours.parts.services import counter_sale_create, sale_issue

    user = make_user(Role.PARTS_MANAGER, store_a, "pm_conc")
    cashiers = [make_user(Role.CASHIER, store_a, f"cashier_conc{i}") for i in range(THREADS)]
    parts = [PartFactory(group=group) for _ in range(3)]
    for p in parts:
        stock_receive(actor=user, store=store_a, part=p, qty=50, unit_cost=D("10"), doc=p)
    errors: list[BaseException] = []
    refused = []

    def worker(seed):
        rnd = random.Random(seed)
        try:
            for _ in range(ROUNDS):
                action = rnd.random()
                chosen = rnd.sample(parts, k=rnd.randint(1, 3))
                try:
                    if action < 0.5:
                        # a multi-line counter sale: lines in random order, locks taken in part-id order;
                        # the slip reserves, the cashier takes the money, the storekeeper issues
                        sale = counter_sale_create(
                            actor=user,
                            store=store_a,
                            channel=Channel.COUNTER,
                            lines=[{"part": p, "qty": rnd.randint(1, 3)} for p in chosen],
                            post=True,
                        )
                        item = sale_open_item(sale)
                        payment_take(
                            actor=cashiers[seed],
                            store=store_a,
                            party=item.party,
                            lines=[("cash", item.amount)],
                            allocations=[(item, item.amount)],
                        )
                        sale_issue(actor=user, sale=sale)
                    elif action < 0.8:
                        p = chosen[0]
                        stock_receive(
                            actor=user,
                            store=store_a,
                            part=p,
                            qty=rnd.randint(1, 4),
                            unit_cost=D(rnd.randint(8, 14)),
                            doc=p,
                        )
                    else:
                        p = chosen[0]
                        stock_issue(actor=user, store=store_a, part=p, qty=1, doc=p, kind=MoveKind.RO_ISSUE)
                except BusinessError as e:
                    refused.append(e)
        except BaseException as e:  # any DB error (deadlock, serialization) is a failure
            errors.append(e)

    together(*(lambda i=i: worker(i) for i in range(THREADS)))
    assert errors == []
    assert stock_differences(store_a) == []
    assert money_differences(store_a) == []
    for p in parts:
        bal = StockBalance.objects.get(store=store_a, part=p)
        assert bal.on_hand >= 0
        assert bal.on_hand == sum(
            StockMove.objects.filter(store=store_a, part=p).values_list("qty", flat=True)
        )
    numbers = list(Sale.objects.filter(store=store_a).values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) and all(numbers)
    # running balances are consistent per part: each move's balance = previous + qty
    for p in parts:
        running = D(0)
        for m in StockMove.objects.filter(store=store_a, part=p).order_by("id"):
            running += m.qty
            assert m.balance_qty == running
