"""archive_search_ms: p95 of the one search box (search_archive) on 100,000 customers and vehicles,
for plate tails, VIN tails and phone tails, beside the same lookups as hand-written indexed SQL
(one ``LIKE 'x%'`` on the reversed column) in the same run. Lower is better; ratio = baseline/value.

archive_import_rows_per_s: a 100,000-row customer import through the all-or-nothing import
(read the workbook, check every row, duplicates against the archive, bulk insert of customers,
phones and round-robin store assignments), beside plain bulk_create of the same rows."""

from __future__ import annotations

import io
import random
import time

from .fig_core import _store
from .util import percentile

N = 100_000
QUERIES = 300


def _archive(store):
    """100k customers with one vehicle each, written once per bench database."""
    from fours.customers.demo import make_plate, make_vin
    from fours.customers.models import Customer, CustomerPhone, Vehicle

    have = Vehicle.objects.filter(group=store.group).count()
    if have >= N:
        _analyze()
        return
    rnd = random.Random(42)
    used_plates: set[str] = set()
    batch = 5000
    for start in range(have, N, batch):
        custs = [
            Customer(
                group=store.group,
                name=f"客户{i}",
                mobile=f"139{i:08d}",
                mobile_rev=f"139{i:08d}"[::-1],
                created_store=store,
            )
            for i in range(start, min(N, start + batch))
        ]
        Customer.objects.bulk_create(custs)
        CustomerPhone.objects.bulk_create(
            [
                CustomerPhone(customer=c, number=c.mobile, number_rev=c.mobile_rev, is_primary=True)
                for c in custs
            ]
        )
        vs = []
        for k, c in enumerate(custs):
            vin = make_vin(rnd, "LVG", 2024, start + k)
            plate = make_plate(rnd, False, used_plates)
            vs.append(
                Vehicle(
                    group=store.group, vin=vin, vin_rev=vin[::-1], plate=plate, plate_rev=plate[::-1], owner=c
                )
            )
        Vehicle.objects.bulk_create(vs)
    _analyze()


def _analyze() -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would give a live database."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for table in ("customers_customer", "customers_customerphone", "customers_vehicle"):
                cur.execute(f"ANALYZE {table}")


def archive_search_ms() -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries

    from fours.core.models import Membership
    from fours.core.roles import Role
    from fours.customers.models import Vehicle
    from fours.customers.selectors import search_archive

    store = _store()
    _archive(store)
    from django.contrib.auth.models import Group

    user, _ = get_user_model().objects.get_or_create(username="bench.advisor")
    Membership.objects.get_or_create(
        user=user, store=store, role=Group.objects.get(name=Role.SERVICE_ADVISOR)
    )
    user = get_user_model().objects.get(pk=user.pk)
    rnd = random.Random(7)
    sample = list(
        Vehicle.objects.filter(group=store.group).values_list("vin", "plate", "owner__mobile")[
            :: N // QUERIES
        ]
    )
    terms = []
    for vin, plate, mobile in sample:
        terms += [("vin", vin[-6:]), ("plate", plate[-5:]), ("phone", mobile[-4:])]
    rnd.shuffle(terms)

    times, found = [], 0
    for _kind, q in terms:
        t = time.perf_counter()
        hits = search_archive(user, q, limit=10)
        times.append((time.perf_counter() - t) * 1000)
        found += bool(hits)
    value = percentile(times, 95)

    sql = {
        "vin": "SELECT id, owner_id FROM customers_vehicle WHERE group_id = %s AND vin_rev LIKE %s LIMIT 10",
        "plate": "SELECT id, owner_id FROM customers_vehicle WHERE group_id = %s AND plate_rev LIKE %s LIMIT 10",
        "phone": "SELECT p.customer_id FROM customers_customerphone p JOIN customers_customer c ON c.id = p.customer_id "
        "WHERE c.group_id = %s AND p.number_rev LIKE %s LIMIT 10",
    }
    base_times = []
    with connection.cursor() as cur:
        for kind, q in terms:
            t = time.perf_counter()
            cur.execute(sql[kind], [store.group_id, q[::-1] + "%"])
            cur.fetchall()
            base_times.append((time.perf_counter() - t) * 1000)
    base = percentile(base_times, 95)
    reset_queries()
    return {
        "value": round(value, 2),
        "unit": "ms (p95)",
        "baseline": round(base, 2),
        "ratio": round(base / value, 3),
        "goal": "p95 under 50 ms on 100k vehicles",
        "queries": len(terms),
        "found": f"{found}/{len(terms)} searches found their record",
    }


def _drop_imported() -> None:
    """Remove the bench's imported customers (and their phones and assignments) in plain SQL: they
    have nothing else pointing at them, and the ORM's cascade would visit every app's tables."""
    from django.db import connection

    pick = "SELECT id FROM customers_customer WHERE name LIKE %s"
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM customers_customerphone WHERE customer_id IN ({pick})", ["导入客户%"])
        cur.execute(f"DELETE FROM customers_customerassignment WHERE customer_id IN ({pick})", ["导入客户%"])
        cur.execute("DELETE FROM customers_customer WHERE name LIKE %s", ["导入客户%"])


def archive_import_rows_per_s() -> dict:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from openpyxl import Workbook

    from fours.customers import imports
    from fours.customers.models import Customer, CustomerAssignment, CustomerPhone, ImportJob

    store = _store()
    rows = 100_000
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append([h for h, _f in imports.COLUMNS["customers"]])
    for i in range(rows):
        ws.append([f"导入客户{i}", "个人", f"137{i:08d}", "", "广州", "", "", ""])
    buf = io.BytesIO()
    wb.save(buf)
    _drop_imported()
    actor = get_user_model().objects.get(username="bench.advisor")
    job = ImportJob.objects.create(
        group=store.group, store=store, kind="customers", file_name="bench.xlsx", actor=actor
    )
    t = time.perf_counter()
    job = imports.run_import(job, buf.getvalue())
    value = rows / (time.perf_counter() - t)
    assert job.status == "done", job.errors[:3]
    _drop_imported()
    # baseline: the same rows (customer, primary phone, store assignment) by plain bulk_create,
    # without reading the workbook, checking a thing or numbering
    t = time.perf_counter()
    with transaction.atomic():
        for start in range(0, rows, 2000):
            custs = Customer.objects.bulk_create(
                [
                    Customer(group=store.group, name=f"导入客户{i}", mobile=f"137{i:08d}")
                    for i in range(start, min(rows, start + 2000))
                ]
            )
            CustomerPhone.objects.bulk_create(
                [CustomerPhone(customer=c, number=c.mobile, number_rev=c.mobile[::-1]) for c in custs]
            )
            CustomerAssignment.objects.bulk_create(
                [CustomerAssignment(customer=c, store=store, service_advisor=actor) for c in custs]
            )
    base = rows / (time.perf_counter() - t)
    _drop_imported()
    return {
        "value": round(value, 1),
        "unit": "rows/s",
        "baseline": round(base, 1),
        "ratio": round(value / base, 3),
        "goal": "ratio >= 0.25",
    }


FIGURES = {"archive_search_ms": archive_search_ms, "archive_import_rows_per_s": archive_import_rows_per_s}
