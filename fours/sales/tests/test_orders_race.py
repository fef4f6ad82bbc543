"""Two people allocating one VIN to two orders at once (PostgreSQL row locks): exactly one gets it."""

import pytest
from django.db import connection

from fours.core.errors import BusinessError
from fours.core.roles import Role
from fours.sales.choices import OrderStatus, VehicleStatus
from fours.sales.models import VehicleOrder
from fours.sales.services.orders import order_allocate
from tests.race import race

from . import factories_orders as f
from .factories_stock import vehicle_in_stock

ROUNDS = 3

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proven on PostgreSQL")


def test_two_allocations_of_one_vin(store_a, make_user):
    consultant1 = make_user(Role.SALES_CONSULTANT, store_a, "race_sc1")
    consultant2 = make_user(Role.SALES_CONSULTANT, store_a, "race_sc2")
    # 配车 is a step of roles holding sales.allocate_vehicle (整车库管, 销售经理); consultants too once granted
    a1 = consultant1 if consultant1.has_perm("sales.allocate_vehicle") else f.allocator(store_a)
    a2 = consultant2 if consultant2.has_perm("sales.allocate_vehicle") else f.manager(store_a)
    conf = f.configuration()
    for n in range(ROUNDS):
        o1 = f.ordered_order(store_a, consultant1, configuration=conf)
        o2 = f.ordered_order(store_a, consultant2, configuration=conf)
        vehicle = vehicle_in_stock(store_a, conf, "白色")

        ok, refused, errors = race(
            lambda o1=o1, v=vehicle: order_allocate(actor=a1, order=o1, vehicle=v),
            lambda o2=o2, v=vehicle: order_allocate(actor=a2, order=o2, vehicle=v),
            refusal=BusinessError,
        )
        assert errors == [], errors
        assert len(ok) == 1 and len(refused) == 1, (n, ok, refused)
        assert refused[0].error_code == "already_allocated"
        vehicle.refresh_from_db()
        assert vehicle.status == VehicleStatus.RESERVED
        holders = VehicleOrder.objects.filter(vehicle=vehicle)
        assert holders.count() == 1 and holders.get().status == OrderStatus.ALLOCATED
        loser = o2 if holders.get().pk == o1.pk else o1
        loser.refresh_from_db()
        assert loser.status == OrderStatus.ORDERED and loser.vehicle_id is None
