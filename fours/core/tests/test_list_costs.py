"""What a list page costs: the same queries for 3 rows as for 40, one COUNT per list (none on a ledger
list, which pages by keyset inside a date window), and on PostgreSQL the default pages of the big
lists read an index, not the whole table."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from fours.core.models import AuditEvent
from fours.core.registry import nav_items
from fours.core.views import FoursListView, LedgerListView
from fours.customers.demo import make_vin
from fours.customers.models import Customer, Vehicle
from fours.parts.models import StockMove
from fours.parts.tests.factories import PartFactory
from fours.service.models import RepairOrder

_rnd = random.Random(13)
_serial = [0]


def bulk_orders(store, advisor, n, *, start=None, minutes=37):
    """n repair orders with their own customer and vehicle, received ``minutes`` apart (bulk rows)."""
    base = _serial[0]
    _serial[0] += n
    customers = Customer.objects.bulk_create(
        [
            Customer(group=store.group, name=f"批量客户{base + i}", mobile=f"137{base + i:08d}")
            for i in range(n)
        ]
    )
    vehicles = Vehicle.objects.bulk_create(
        [
            Vehicle(
                group=store.group,
                vin=make_vin(_rnd, "LFV", 2023, 700000 + base + i),
                plate=f"粤B{base + i:05d}",
                owner=c,
            )
            for i, c in enumerate(customers)
        ]
    )
    start = start or timezone.now()
    return RepairOrder.objects.bulk_create(
        [
            RepairOrder(
                store=store,
                number=f"RO-2026-{base + i + 1:06d}",
                vehicle=v,
                customer=v.owner,
                advisor=advisor,
                created_by=advisor,
                received_at=start - dt.timedelta(minutes=minutes * i),
            )
            for i, v in enumerate(vehicles)
        ],
        batch_size=1000,
    )


def bulk_moves(store, n, *, start=None, minutes=7, part=None):
    part = part or PartFactory(group=store.group)
    start = start or timezone.now()
    return StockMove.objects.bulk_create(
        [
            StockMove(
                store=store,
                part=part,
                kind="receipt",
                at=start - dt.timedelta(minutes=minutes * i),
                qty=1,
                unit_cost=10,
                value=10,
                balance_qty=i,
                balance_value=10 * i,
                avg_cost=10,
                doc_number=f"GR-{i}",
            )
            for i in range(n)
        ],
        batch_size=2000,
    )


def bulk_audit(store, actor, n):
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(store)
    now = timezone.now()
    events = AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor,
                store=store,
                content_type=ct,
                object_id=str(store.pk),
                object_repr=str(store),
                verb="updated",
            )
            for _ in range(n)
        ]
    )
    for i, e in enumerate(events):  # auto_now_add: date them apart afterwards
        AuditEvent.objects.filter(pk=e.pk).update(at=now - dt.timedelta(minutes=i))
    return events


def main_lists():
    """The sidebar's lists: every nav entry whose page is a FoursListView."""
    from django.contrib.auth import get_user_model

    admin = get_user_model()(is_superuser=True, is_staff=True)
    found = {}
    for _dept, _label, _icon, items in nav_items(admin):
        for item in items:
            url = item["url"].split("?")[0]
            try:
                match = resolve(url)
            except Resolver404:
                continue
            cls = getattr(match.func, "view_class", None)
            if cls and issubclass(cls, FoursListView):
                found[url] = cls
    return found


def _run(client, url):
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    sql = [q["sql"] for q in ctx.captured_queries]
    return resp, sql


def _counts(sql):
    return sum(1 for s in sql if re.search(r"SELECT COUNT\(\*\)", s))


@pytest.fixture
def boss(make_user, store_a):
    from fours.core.roles import Role

    user = make_user(Role.GENERAL_MANAGER, store_a, "boss")
    user.is_superuser = True
    user.save()
    return user


def test_the_nav_has_the_main_lists():
    lists = main_lists()
    for name in (
        "service:ro-list",
        "parts:move-list",
        "parts:balance-list",
        "audit-list",
        "customers:vehicle-list",
    ):
        assert reverse(name) in lists, name
    assert len(lists) >= 25


def test_every_main_list_counts_once_and_ledgers_not_at_all(boss, store_a, client_for):
    """Each list reads COUNT(*) once (the table's paginator; the list view no longer pages again);
    a ledger list reads none and no OFFSET."""
    client = client_for(boss)
    for url, cls in main_lists().items():
        _resp, sql = _run(client, url)
        if issubclass(cls, LedgerListView):
            assert _counts(sql) == 0, (url, [s for s in sql if "COUNT" in s])
            assert not any(" OFFSET " in s for s in sql), url
        else:
            assert _counts(sql) <= 1, (url, [s for s in sql if "COUNT" in s])


@pytest.mark.parametrize(
    "name", ["service:ro-list", "parts:move-list", "audit-list", "customers:vehicle-list"]
)
def test_list_queries_are_the_same_for_3_and_40_rows(name, boss, store_a, client_for):
    client = client_for(boss)

    def fill(n):
        if name in ("service:ro-list", "customers:vehicle-list"):
            bulk_orders(store_a, boss, n)
        elif name == "parts:move-list":
            bulk_moves(store_a, n, part=PartFactory(group=store_a.group))
        else:
            bulk_audit(store_a, boss, n)

    url = reverse(name) + "?per_page=50"
    fill(3)
    client.get(url)  # warm the session and the per-process caches
    resp, few = _run(client, url)
    fill(37)
    resp, many = _run(client, url)
    assert len(many) == len(few), "\n".join(many)
    assert resp.content.decode().count("<tr") >= 41


def test_the_ro_list_renders_times_in_local_time(boss, store_a, client_for):
    at = dt.datetime(2026, 3, 1, 1, 30, tzinfo=dt.UTC)  # 09:30 in Shanghai
    bulk_orders(store_a, boss, 1, start=at)
    body = client_for(boss).get(reverse("service:ro-list")).content.decode()
    assert "03-01 09:30" in body


def test_the_moves_list_shows_the_last_30_days_and_pages_by_keyset(boss, store_a, client_for):
    client = client_for(boss)
    now = timezone.now()
    part = PartFactory(group=store_a.group)
    recent = bulk_moves(store_a, 60, start=now, minutes=60, part=part)  # 2.5 days
    old = bulk_moves(store_a, 5, start=now - dt.timedelta(days=90), part=part)
    url = reverse("parts:move-list")
    resp = client.get(url)
    ctx = resp.context
    since = (timezone.localdate() - dt.timedelta(days=29)).isoformat()
    assert ctx["filter"].form["at"].value()[0] == since  # the window is shown in the filter
    first = [m.pk for m in ctx["table"].data]
    assert first == [m.pk for m in recent[:25]]  # newest first
    assert ctx["keyset"]["newer"] is None and ctx["keyset"]["older"]

    second = client.get(url + ctx["keyset"]["older"]).context
    assert [m.pk for m in second["table"].data] == [m.pk for m in recent[25:50]]
    third = client.get(url + second["keyset"]["older"]).context
    assert [m.pk for m in third["table"].data] == [m.pk for m in recent[50:]]
    assert third["keyset"]["older"] is None  # the old moves are outside the window
    back = client.get(url + third["keyset"]["newer"]).context
    assert [m.pk for m in back["table"].data] == [m.pk for m in recent[25:50]]

    wide = client.get(url, {"at_after": "2000-01-01", "per_page": 100}).context
    assert {m.pk for m in old} <= {m.pk for m in wide["table"].data}


# --- PostgreSQL: the default pages read an index ------------------------------------------------------

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN plans are PostgreSQL's")


def explain(sql: str) -> str:
    with connection.cursor() as cur:
        cur.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cur.fetchall())


def page_query(sql, table):
    return next(s for s in sql if s.startswith("SELECT") and f'FROM "{table}"' in s and "LIMIT" in s)


def analyze(*tables):
    with connection.cursor() as cur:
        for t in tables:
            cur.execute(f"ANALYZE {t}")


@on_postgres
def test_ro_list_default_page_uses_an_index(boss, store_a, store_b, client_for):
    bulk_orders(store_a, boss, 3000, minutes=11)
    bulk_orders(store_b, boss, 3000, minutes=11)
    analyze("service_repairorder", "customers_vehicle", "customers_customer")
    _resp, sql = _run(client_for(boss), reverse("service:ro-list"))
    plan = explain(page_query(sql, "service_repairorder"))
    assert "ro_store_received_idx" in plan, plan
    assert "Seq Scan on service_repairorder" not in plan, plan


@on_postgres
def test_moves_list_default_page_uses_an_index(boss, store_a, store_b, client_for):
    bulk_moves(store_a, 5000, minutes=3)
    bulk_moves(store_b, 5000, minutes=3)
    analyze("parts_stockmove")
    _resp, sql = _run(client_for(boss), reverse("parts:move-list"))
    plan = explain(page_query(sql, "parts_stockmove"))
    assert "Index" in plan and "Seq Scan on parts_stockmove" not in plan, plan
