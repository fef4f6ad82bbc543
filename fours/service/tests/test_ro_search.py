"""The RO list's search box (?q=): the order's number or its last digits, the plate or its last
characters, the VIN's last characters, the customer's name: each finds the order through a prefix key
(the number and its reversed copy, the archive's plate and VIN keys), not a scan of the orders."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fours.core.roles import Role
from fours.core.tests.test_list_costs import analyze, bulk_orders, explain, on_postgres
from fours.service.models import RepairOrder


@pytest.fixture
def advisor(make_user, store_a):
    return make_user(Role.SERVICE_ADVISOR, store_a, "sa_search")


@pytest.fixture
def target(advisor, store_a):
    bulk_orders(store_a, advisor, 30)
    ro = bulk_orders(store_a, advisor, 1)[0]
    ro.vehicle.plate = "粤A7Q3K9"
    ro.vehicle.save(update_fields=["plate"])
    RepairOrder.objects.filter(pk=ro.pk).update(number="RO-2026-048213")
    ro.refresh_from_db()
    ro.vehicle.refresh_from_db()
    return ro


def _found(client, q):
    resp = client.get(reverse("service:ro-list"), {"q": q})
    assert resp.status_code == 200
    return [r.pk for r in resp.context["table"].data]


@pytest.mark.parametrize(
    "q",
    [
        "48213",  # the number's last digits
        "RO-2026-048213",  # the whole number
        "Q3K9",  # the plate's last characters
        "粤A7Q3K9",  # the whole plate
        "a7q3k9",  # the plate without its province, in lower case
    ],
)
def test_search_finds_the_order_by_number_or_plate(q, target, advisor, client_for):
    assert _found(client_for(advisor), q) == [target.pk]


def test_search_finds_the_order_by_the_vin_tail(target, advisor, client_for):
    assert _found(client_for(advisor), target.vehicle.vin[-8:].lower()) == [target.pk]


def test_search_does_not_cross_stores(target, store_b, make_user, client_for):
    other = make_user(Role.SERVICE_ADVISOR, store_b, "sa_b")
    assert _found(client_for(other), "48213") == []


@on_postgres
@pytest.mark.parametrize("q", ["48213", "Q3K9", "VIN"])
def test_search_sql_uses_the_keys_not_a_scan(q, target, advisor, store_b, client_for):
    bulk_orders(store_b, advisor, 4000, minutes=3)
    bulk_orders(target.store, advisor, 2000, minutes=3)
    analyze("service_repairorder", "customers_vehicle", "customers_customer")
    if q == "VIN":
        q = target.vehicle.vin[-8:]
    client = client_for(advisor)
    with CaptureQueriesContext(connection) as ctx:
        found = _found(client, q)
    assert found == [target.pk]
    page = next(
        s["sql"]
        for s in ctx.captured_queries
        if s["sql"].startswith("SELECT") and 'FROM "service_repairorder"' in s["sql"] and "LIMIT" in s["sql"]
    )
    plan = explain(page)
    assert "Seq Scan on service_repairorder" not in plan, plan
    assert "ro_number_rev" in plan or "repairorder_number" in plan, plan
    for s in ctx.captured_queries:
        if 'FROM "customers_vehicle"' in s["sql"] and "plate_rev" in s["sql"]:
            vplan = explain(s["sql"])
            assert "Seq Scan on customers_vehicle" not in vplan, vplan
