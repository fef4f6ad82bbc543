"""A payment and the day close at once on PostgreSQL: never both. Either the payment lands and the close
is refused (its cashier has not handed over), or the day closes and the payment is refused."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from fours.core.errors import BusinessError
from fours.core.roles import Role
from fours.finance.models import DayClose, Payment
from fours.finance.services import day_close, payment_take
from tests.race import race

from .factories import PartyFactory, post_item

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proven on PostgreSQL")


def test_a_payment_never_lands_in_a_day_closed_at_the_same_moment(make_user, store_a):
    cashier = make_user(Role.CASHIER, store_a, "cashier_dc")
    finance = make_user(Role.FINANCE, store_a, "finance_dc")
    party = PartyFactory(store=store_a, name="日结客户")
    # the counter rows exist from an earlier payment, as on any working day
    payment_take(actor=cashier, store=store_a, party=party, lines=[("cash", "1")])
    for n in range(6):
        day = timezone.localdate() - dt.timedelta(days=n + 2)
        item = post_item(actor=cashier, party=party, amount="50.00", posted_on=day)

        def pay(day=day, item=item):
            return payment_take(
                actor=cashier,
                store=store_a,
                party=party,
                lines=[("cash", "50")],
                allocations=[(item.pk, "50")],
                business_date=day,
            )

        ok, refused, errors = race(
            pay,
            lambda day=day: day_close(actor=finance, store=store_a, business_date=day),
            refusal=BusinessError,
        )
        assert errors == []
        assert len(ok) == 1 and len(refused) == 1
        paid = Payment.objects.filter(business_date=day).exists()
        closed = DayClose.objects.filter(store=store_a, business_date=day).exists()
        assert paid != closed
        code = refused[0].error_code
        assert code == ("handover_pending" if paid else "day_closed")
