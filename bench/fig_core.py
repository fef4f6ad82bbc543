"""invoice_numbers_per_s: gapless invoice numbers from 8 client processes through the numbering service,
beside the same counter taken with one autocommitted raw SQL UPDATE … RETURNING per number."""

from __future__ import annotations

from .util import run_processes

PROCESSES = 8
PER_PROCESS = 400


def _store():
    from fours.core.models import DealerGroup, Store
    from fours.core.validators import uscc_check_char

    group, _ = DealerGroup.objects.get_or_create(code="BENCH", defaults={"name": "Bench group"})
    first = "91440101BENCH0001"
    store, _ = Store.objects.get_or_create(
        code="BENCH",
        defaults={
            "group": group,
            "name": "Bench store",
            "brands": "丰田",
            "uscc": first + uscc_check_char(first),
        },
    )
    return store


def _service_client(phase, args, ctx):
    store_id, kind, _p = args
    if phase == "setup":
        from fours.core.models import Store

        return Store.objects.get(pk=store_id)
    from django.db import transaction

    from fours.core.numbering import next_number

    store, _i = ctx
    with transaction.atomic():
        next_number(store=store, kind=kind)


def _raw_client(phase, args, ctx):
    store_id, kind, _p = args
    if phase == "setup":
        from django.db import connection

        connection.ensure_connection()
        connection.connection.autocommit = True
        return connection.connection
    conn, _i = ctx
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE core_numbersequence SET last = last + 1 WHERE store_id = %s AND kind = %s AND year = %s "
            "RETURNING last",
            [store_id, kind, 2099],
        )
        cur.fetchone()


def invoice_numbers_per_s() -> dict:
    from django.utils import timezone

    from fours.core.models import NumberSequence

    store = _store()
    year = timezone.localdate().year
    NumberSequence.objects.filter(store=store, kind__in=["INV", "BENCH"]).delete()
    NumberSequence.objects.create(store=store, kind="BENCH", year=2099, last=0)
    # warm both paths once
    run_processes(_service_client, (store.pk, "INV"), processes=2, per_process=20)
    run_processes(_raw_client, (store.pk, "BENCH"), processes=2, per_process=20)
    NumberSequence.objects.filter(store=store).update(last=0)
    base = run_processes(_raw_client, (store.pk, "BENCH"), processes=PROCESSES, per_process=PER_PROCESS)
    value = run_processes(_service_client, (store.pk, "INV"), processes=PROCESSES, per_process=PER_PROCESS)
    last = NumberSequence.objects.get(store=store, kind="INV", year=year).last
    expected = PROCESSES * PER_PROCESS
    return {
        "value": round(value, 1),
        "unit": "numbers/s",
        "baseline": round(base, 1),
        "ratio": round(value / base, 3),
        "goal": "ratio >= 0.4",
        "gapless_check": f"{last} numbers taken, expected {expected}",
    }


FIGURES = {"invoice_numbers_per_s": invoice_numbers_per_s}
