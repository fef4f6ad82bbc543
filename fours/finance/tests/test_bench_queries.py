"""The cashier's payment is cheap: one ``payment_take`` of one bill, split over two methods, is 8
statements whatever the size of the books (the bench figure ``cashier_payment_per_s`` measures its
speed on PostgreSQL):

1. the item, locked (SELECT … FOR UPDATE);
2. the payment's number (the counter's upsert, which holds the counter row to the commit);
3. the books are open for the day (no month close, day close or hand-over): one SELECT, after the
   number, so a day close committed meanwhile is seen;
4. the payment (INSERT);
5. its two method lines (one INSERT);
6. its allocation to the item (INSERT);
7. the item's allocated and status (UPDATE);
8. the audit row (INSERT).

Django also logs the transaction's two control commands (BEGIN and COMMIT from a desk's request;
SAVEPOINT and RELEASE SAVEPOINT inside a test's transaction), on PostgreSQL and SQLite alike, so
``django_assert_max_num_queries`` sees 10; the statements, counted as the parts bench counts them
(not transaction control), are exactly 8."""

from decimal import Decimal

import pytest

from fours.finance.choices import ItemStatus
from fours.finance.models import PaymentLine
from fours.finance.services import payment_take

from .factories import post_item

STATEMENTS = 8
TX_CONTROL = 2  # the ledger's atomic: SAVEPOINT + RELEASE here, BEGIN + COMMIT in a request
TX = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")


def _take(cashier, store, party, item):
    return payment_take(
        actor=cashier,
        store=store,
        party=party,
        lines=[("wechat", "500.00"), ("cash", "380.00")],
        allocations=[(item, "880.00")],
    )


@pytest.mark.django_db
def test_one_payment_of_one_bill_in_two_methods(cashier, party, store_a, django_assert_max_num_queries):
    cashier.has_perm("finance.add_payment")  # a logged-in cashier's permissions are cached
    _take(cashier, store_a, party, post_item(actor=cashier, party=party, amount="880.00"))  # warm
    for _ in range(20):  # more books do not make it dearer
        post_item(actor=cashier, party=party, amount="10.00")
    item = post_item(actor=cashier, party=party, amount="880.00", doc_number="RO-2026-000001")
    with django_assert_max_num_queries(STATEMENTS + TX_CONTROL) as ctx:
        pay = _take(cashier, store_a, party, item)
    statements = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(TX)]
    assert len(statements) == STATEMENTS, "\n".join(statements)
    item.refresh_from_db()
    assert item.status == ItemStatus.SETTLED and pay.allocated == Decimal("880.00")
    assert PaymentLine.objects.filter(payment=pay).count() == 2
