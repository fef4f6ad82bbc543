"""Two consultants booking one demo car for overlapping times at the same moment: the vehicle row is
locked, so exactly one booking is made and the other is refused as double booked (PostgreSQL)."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from fours.core.errors import BusinessError
from fours.core.roles import Role
from fours.sales.services.showroom import drive_book
from tests.race import race

from .factories_showroom import catalogue, demo_car, lead


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_demo_car_booked_twice_at_once_makes_one_booking(make_user, store_a):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proven on PostgreSQL (run by ./dev test)")
    _m, conf = catalogue()
    car = demo_car(store_a, conf)
    people = [make_user(Role.SALES_CONSULTANT, store_a, f"race{i}") for i in range(2)]
    leads = [lead(store_a, p) for p in people]
    start = timezone.now() + dt.timedelta(hours=2)

    def book(i):
        return lambda: drive_book(
            actor=people[i],
            lead=leads[i],
            vehicle=car,
            starts_at=start + dt.timedelta(minutes=10 * i),
            ends_at=start + dt.timedelta(minutes=60 + 10 * i),
            driver_name="试驾人",
            licence_no="440101199001011234",
            licence_expiry=timezone.localdate() + dt.timedelta(days=400),
        )

    ok, refused, errors = race(book(0), book(1), refusal=BusinessError)
    assert not errors
    assert len(ok) == 1 and len(refused) == 1
    assert refused[0].error_code == "double_booked"
    assert car.drives.count() == 1
