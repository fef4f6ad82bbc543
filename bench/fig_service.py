"""Service figures.

ro_cycle_per_s  a whole repair-order cycle per second from 4 client processes on PostgreSQL: receive a
                vehicle (odometer appended), 10 part lines + 1 labour line, estimate, customer confirmation,
                dispatch, clock on/off (self-check), issue the 10 parts from stock as one pick list (ro_parts_issue →
                stock_stage + StockPosting.write), QC pass,
                settle (settlement, one finance open item per payer, the customer's invoice in finance's
                gapless register), and the customer's payment at the cashier desk (finance payment_take,
                allocated to the order's item). Baseline: bench.fig_parts.
                raw_issue_baseline for documents of the same number of stock lines (10) in raw SQL from the
                same number of processes. Also reports statements per cycle (goal <= 120).
"""

from __future__ import annotations

from decimal import Decimal

from .fig_parts import _bench_store, _stocked_parts, raw_issue_baseline
from .util import run_processes

PROCESSES = 4
PER_PROCESS = 40
LINES = 10
OK = {
    "items_done": True,
    "no_leak": True,
    "fasteners": True,
    "test_drive": True,
    "lights": True,
    "clean": True,
    "reset": True,
}


def _setup(store, processes):
    """Per process: a technician-superuser (one open clock each) and a vehicle of its own."""
    import random

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from fours.core.models import Membership
    from fours.core.roles import Role
    from fours.customers.demo import make_vin
    from fours.customers.models import Customer, Vehicle
    from fours.service.models import LabourOperation

    LabourOperation.objects.get_or_create(
        group=store.group, code="BENCH1", defaults={"name": "压测工时", "standard_hours": Decimal("1")}
    )
    users, vehicles = [], []
    rnd = random.Random(9)
    for p in range(processes):
        u, _ = get_user_model().objects.get_or_create(
            username=f"bench.svc.{p}", defaults={"is_superuser": True, "first_name": f"压测{p}"}
        )
        Membership.objects.get_or_create(user=u, role=Group.objects.get(name=Role.TECHNICIAN), store=store)
        c, _ = Customer.objects.get_or_create(
            group=store.group, name=f"压测客户{p}", defaults={"mobile": f"1390000{p:04d}"}
        )
        v = Vehicle.objects.filter(group=store.group, owner=c).first()
        if v is None:
            v = Vehicle.objects.create(
                group=store.group, owner=c, vin=make_vin(rnd, "LVG", 2024, 900000 + p), plate=""
            )
        users.append(u.pk)
        vehicles.append(v.pk)
    return users, vehicles


def cycle(store, user, vehicle, parts, op):
    from fours.service import services

    vehicle.refresh_from_db(fields=["odometer_km"])
    ro = services.ro_receive(
        actor=user,
        store=store,
        vehicle=vehicle,
        data={"odometer_km": vehicle.odometer_km + 10, "promised_at": None},
    )
    services.ro_labour_add(actor=user, ro=ro, operation=op)
    for p in parts:
        services.ro_part_add(actor=user, ro=ro, part=p, qty=1)
    from django.utils import timezone

    services.ro_estimate_submit(actor=user, ro=ro, promised_at=timezone.now() + timezone.timedelta(hours=2))
    services.ro_estimate_confirm(actor=user, ro=ro, signer_name="压测", method="print")
    labour = ro.labour.get()
    services.line_dispatch(actor=user, line=labour, technician=user)
    services.ro_parts_issue(actor=user, ro=ro, old_part_handed_in=True)
    assert all(ln.status == "issued" for ln in ro.parts.all()), "every line issued"
    services.clock_on(actor=user, line=labour)
    services.clock_off(actor=user, line=labour, finished=True)
    services.qc_record(actor=user, ro=ro, checklist=OK, passed=True)
    st = services.ro_settle(actor=user, ro=ro)
    _pay_at_desk(store, user, st)
    return st


def _pay_at_desk(store, user, st):
    """The customer pays their item at the cashier desk (finance payment_take, one allocation)."""
    from fours.finance.services import payment_take

    item = next(i for i in st.items if i.source == "ro_customer")
    payment_take(
        actor=user,
        store=store,
        party=item.party,
        lines=[("wechat", item.amount)],
        allocations=[(item, item.amount)],
    )


def _client(phase, args, ctx):
    store_id, users, vehicles, part_ids, p = args
    if phase == "setup":
        from django.contrib.auth import get_user_model

        from fours.core.models import Store
        from fours.customers.models import Vehicle
        from fours.parts.models import Part
        from fours.service.models import LabourOperation

        store = Store.objects.select_related("group").get(pk=store_id)
        user = get_user_model().objects.get(pk=users[p])
        vehicle = Vehicle.objects.select_related("owner").get(pk=vehicles[p])
        parts = list(Part.objects.filter(pk__in=part_ids).order_by("id"))
        op = LabourOperation.objects.get(group=store.group, code="BENCH1")
        return store, user, vehicle, parts, op
    (store, user, vehicle, parts, op), i = ctx
    chosen = [parts[(p * 37 + i * LINES + k) % len(parts)] for k in range(LINES)]
    cycle(store, user, vehicle, chosen, op)


def _queries_per_cycle(store, user_id, vehicle_id, parts) -> int:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fours.customers.models import Vehicle
    from fours.service.models import LabourOperation

    user = get_user_model().objects.get(pk=user_id)
    vehicle = Vehicle.objects.select_related("owner").get(pk=vehicle_id)
    op = LabourOperation.objects.get(group=store.group, code="BENCH1")
    cycle(store, user, vehicle, parts[:LINES], op)
    with CaptureQueriesContext(connection) as ctx:
        cycle(store, user, vehicle, parts[LINES : 2 * LINES], op)
    skip = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT")
    return sum(1 for q in ctx.captured_queries if not q["sql"].startswith(skip))


def ro_cycle_per_s() -> dict:
    from fours.finance.selectors.checks import money_differences
    from fours.parts.selectors import stock_differences

    store = _bench_store("SBENCH", "SBENCH")
    parts = _stocked_parts(store, 400)
    ids = [p.pk for p in parts]
    users, vehicles = _setup(store, PROCESSES)
    qpc = _queries_per_cycle(store, users[0], vehicles[0], parts)
    run_processes(_client, (store.pk, users, vehicles, ids), processes=2, per_process=3)  # warm up
    raw_issue_baseline(LINES, 2, 5, store=store)
    base = raw_issue_baseline(LINES, PROCESSES, PER_PROCESS, store=store)
    value = run_processes(
        _client, (store.pk, users, vehicles, ids), processes=PROCESSES, per_process=PER_PROCESS
    )
    diffs = [d for d in stock_differences(store) if d["part_id"] in set(ids)]
    return {
        "value": round(value, 2),
        "unit": "cycles/s",
        "baseline": round(base, 2),
        "ratio": round(value / base, 3),
        "goal": "queries per cycle <= 120",
        "queries_per_cycle": qpc,
        "queries_goal": "<= 120",
        "lines": LINES,
        "processes": PROCESSES,
        "ledger_check": "clean" if not diffs else f"{len(diffs)} balances differ",
        "money_check": "clean" if not (money := money_differences(store)) else f"{len(money)} differences",
    }


FIGURES = {"ro_cycle_per_s": ro_cycle_per_s}
