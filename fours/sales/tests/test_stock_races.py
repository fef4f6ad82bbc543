"""Two clerks at once on PostgreSQL: the vehicle row lock lets one through.

- two clerks issue the same vehicle's keys: one custody record, the other refused ``already_out``;
- two arrivals of the same vehicle: one, the other refused on its status;
- two moves of one vehicle to 已配车: one reserves it."""

import pytest
from django.db import connection

from fours.core.errors import BusinessError
from fours.core.roles import Role
from fours.sales.choices import VehicleStatus
from fours.sales.models import Custody, Inspection
from fours.sales.services import stock as svc
from tests.race import race

from .factories_orders import configuration
from .factories_stock import clerk, vehicle_in_stock, vehicle_in_transit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
SIG = "data:image/png;base64," + "A" * 40
ROUNDS = 3


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proven on PostgreSQL")


@pytest.fixture
def two(store_a, make_user):
    return clerk(store_a), make_user(Role.VEHICLE_CLERK, store_a, "stock_clerk_2")


def test_two_clerks_issue_the_same_keys(store_a, two):
    c1, c2 = two
    conf = configuration()
    for _n in range(ROUNDS):
        v = vehicle_in_stock(store_a, conf)
        ok, refused, errors = race(
            lambda v=v: svc.custody_issue(actor=c1, vehicle=v, item="keys", person="张三", signature=SIG),
            lambda v=v: svc.custody_issue(actor=c2, vehicle=v, item="keys", person="李四", signature=SIG),
            refusal=BusinessError,
        )
        assert not errors and len(ok) == 1 and len(refused) == 1
        assert refused[0].error_code == "already_out"
        assert Custody.objects.filter(vehicle=v, action="issued").count() == 1


def test_two_arrivals_of_one_vehicle(store_a, two):
    c1, c2 = two
    conf = configuration()
    for _n in range(ROUNDS):
        v = vehicle_in_transit(store_a, conf)
        ok, refused, errors = race(
            *[
                lambda v=v, c=c: svc.vehicle_arrive(actor=c, vehicle=v, vin=v.vin, certificate_no="WDK9")
                for c in (c1, c2)
            ],
            refusal=BusinessError,
        )
        assert not errors and len(ok) == 1 and refused[0].error_code == "bad_transition"
        assert Inspection.objects.filter(vehicle=v).count() == 1


def test_two_reservations_of_one_vehicle(store_a, two):
    c1, c2 = two
    conf = configuration()
    v = vehicle_in_stock(store_a, conf)
    ok, refused, errors = race(
        *[lambda c=c: svc.vehicle_move(actor=c, vehicle=v, to=VehicleStatus.RESERVED) for c in (c1, c2)],
        refusal=BusinessError,
    )
    assert not errors and len(ok) == 1 and refused[0].error_code == "bad_transition"
