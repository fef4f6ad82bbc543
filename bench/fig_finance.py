"""Finance figures.

cashier_payment_per_s  payments/s from 8 cashier processes on PostgreSQL, each taking one bill at a time
                       through the money door (fours.finance.services.payment_take: one open item, allocated
                       in whole, paid in two methods, WeChat and cash), every payment on a different item;
                       beside the same rows written with hand-written SQL through psycopg in the same run, one
                       transaction per payment from 8 connections: lock the item, take the number (the counter
                       row's upsert), check the books are open (no month close, day close or hand-over: one
                       statement, as the ledger does), insert the payment, its two method lines and its
                       allocation, update the item, insert the audit row. The two paths take turns over 3 rounds (value, baseline
                       and ratio are the medians). Also reports statements per payment and check_money.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from .fig_parts import _bench_store
from .util import run_processes

PROCESSES = 8
PER_PROCESS = 60
ROUNDS = 3
WARM = 10
AMOUNT = Decimal("880.00")
LINES = [("wechat", Decimal("500.00")), ("cash", Decimal("380.00"))]


# --- fixtures ---------------------------------------------------------------------------------------


def _cashiers(store, n):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from fours.core.models import Membership
    from fours.core.roles import Role

    out = []
    for p in range(n):
        user, _ = get_user_model().objects.get_or_create(
            username=f"bench.cashier.{p}", defaults={"first_name": f"收银{p}"}
        )
        Membership.objects.get_or_create(user=user, role=Group.objects.get(name=Role.CASHIER), store=store)
        out.append(user.pk)
    return out


def _bills(store, actor_id, processes, per_process, tag):
    """per process: its own customer and per_process open bills of ¥880 (ids, in the order taken)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from fours.core.choices import DepartmentKind
    from fours.finance.choices import Direction, ItemSource, PartyKind
    from fours.finance.services import ItemRow, items_post, party_for

    actor = get_user_model().objects.get(pk=actor_id)
    out = []
    with transaction.atomic():
        for p in range(processes):
            party = party_for(store=store, kind=PartyKind.CUSTOMER, ref=f"bench:{p}", name=f"压测客户{p}")
            row = ItemRow(
                party=party,
                direction=Direction.RECEIVABLE,
                source=ItemSource.RO_CUSTOMER,
                department=DepartmentKind.SERVICE,
                amount=AMOUNT,
            )
            items = items_post(actor=actor, store=store, doc_number=f"BENCH-{tag}", rows=[row] * per_process)
            out.append((party.pk, [i.pk for i in items]))
    return out


# --- service client ---------------------------------------------------------------------------------


def _service_client(phase, args, ctx):
    store_id, users, bills, p = args
    if phase == "setup":
        from django.contrib.auth import get_user_model

        from fours.core.models import Store
        from fours.finance.models import Party

        store = Store.objects.get(pk=store_id)
        user = get_user_model().objects.get(pk=users[p])
        user.has_perm("finance.add_payment")  # warm the permission cache, as a logged-in session would
        party_id, items = bills[p]
        return store, user, Party.objects.get(pk=party_id), items
    from fours.finance.services import payment_take

    (store, user, party, items), i = ctx
    payment_take(actor=user, store=store, party=party, lines=LINES, allocations=[(items[i], AMOUNT)])


# --- raw SQL baseline -------------------------------------------------------------------------------

_RAW_BOOKS = (
    "SELECT EXISTS(SELECT 1 FROM finance_periodclose WHERE store_id = %s AND year = %s AND month = %s), "
    "EXISTS(SELECT 1 FROM finance_dayclose WHERE store_id = %s AND business_date = current_date), "
    "EXISTS(SELECT 1 FROM finance_handover WHERE store_id = %s AND business_date = current_date AND cashier_id = %s)"
)
_RAW_LOCK = "SELECT amount, allocated FROM finance_openitem WHERE id = %s FOR UPDATE"
_RAW_NUMBER = (
    "INSERT INTO core_numbersequence (store_id, kind, year, last) VALUES (%s, 'SK', 2099, 1) "
    "ON CONFLICT (store_id, kind, year) DO UPDATE SET last = core_numbersequence.last + 1 RETURNING last"
)
_RAW_PAYMENT = (
    "INSERT INTO finance_payment (store_id, number, direction, kind, party_id, amount, allocated, business_date, "
    "at, cashier_id, note, reversal_of_id, request_id, export_id) "
    "VALUES (%s, %s, 'ar', 'receipt', %s, %s, %s, current_date, now(), %s, '', NULL, NULL, NULL) RETURNING id"
)
_RAW_LINES = "INSERT INTO finance_paymentline (payment_id, method, amount, reference) VALUES (%s, %s, %s, ''), (%s, %s, %s, '')"
_RAW_ALLOC = (
    "INSERT INTO finance_allocation (store_id, payment_id, item_id, amount, at, actor_id) "
    "VALUES (%s, %s, %s, %s, now(), %s)"
)
_RAW_ITEM = "UPDATE finance_openitem SET allocated = %s, status = %s WHERE id = %s"
_RAW_AUDIT = (
    "INSERT INTO core_auditevent (at, actor_id, store_id, content_type_id, object_id, object_repr, verb, changes, "
    "note, ip, request_id) VALUES (now(), %s, %s, %s, %s, %s, 'received', %s, '', NULL, '')"
)


def _raw_client(phase, args, ctx):
    store_id, users, bills, p = args
    if phase == "setup":
        from django.contrib.contenttypes.models import ContentType
        from django.db import connection

        from fours.finance.models import Payment

        connection.ensure_connection()
        conn = connection.connection
        conn.autocommit = True
        return conn, ContentType.objects.get_for_model(Payment).id
    (conn, ct_payment), i = ctx
    user_id = users[p]
    party_id, items = bills[p]
    item_id = items[i]
    (m1, a1), (m2, a2) = LINES
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(_RAW_LOCK, [item_id])
        amount, allocated = cur.fetchone()
        if AMOUNT > amount - allocated:
            raise ValueError("over-allocated")
        cur.execute(_RAW_NUMBER, [store_id])
        number = f"SK-2099-{cur.fetchone()[0]:06d}"
        today = date.today()
        cur.execute(_RAW_BOOKS, [store_id, today.year, today.month, store_id, store_id, user_id])
        if any(cur.fetchone()):
            raise ValueError("books closed")
        cur.execute(_RAW_PAYMENT, [store_id, number, party_id, AMOUNT, AMOUNT, user_id])
        pay_id = cur.fetchone()[0]
        cur.execute(_RAW_LINES, [pay_id, m1, a1, pay_id, m2, a2])
        cur.execute(_RAW_ALLOC, [store_id, pay_id, item_id, AMOUNT, user_id])
        now = allocated + AMOUNT
        cur.execute(_RAW_ITEM, [now, "settled" if now >= amount else "partial", item_id])
        cur.execute(
            _RAW_AUDIT,
            [
                user_id,
                store_id,
                ct_payment,
                str(pay_id),
                number,
                json.dumps({"amount": [None, str(AMOUNT)], "allocated": [None, str(AMOUNT)]}),
            ],
        )


def _statements_per_payment(store, user_id, bills) -> int:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fours.finance.models import Party
    from fours.finance.services import payment_take

    user = get_user_model().objects.get(pk=user_id)
    user.has_perm("finance.add_payment")
    party_id, (first, second) = bills[0]
    party = Party.objects.get(pk=party_id)
    payment_take(actor=user, store=store, party=party, lines=LINES, allocations=[(first, AMOUNT)])
    with CaptureQueriesContext(connection) as ctx:
        payment_take(actor=user, store=store, party=party, lines=LINES, allocations=[(second, AMOUNT)])
    skip = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT")
    return sum(1 for q in ctx.captured_queries if not q["sql"].startswith(skip))


def cashier_payment_per_s() -> dict:
    import statistics

    from fours.finance.models import OpenItem
    from fours.finance.selectors.checks import money_differences

    store = _bench_store("FBENCH", "FBENCH")
    users = _cashiers(store, PROCESSES)
    spq = _statements_per_payment(store, users[0], _bills(store, users[0], 1, 2, "Q"))

    tags = []

    def run(client, tag, processes, per_process):
        tags.append(f"BENCH-{tag}")
        bills = _bills(store, users[0], processes, per_process, tag)
        return run_processes(client, (store.pk, users, bills), processes=processes, per_process=per_process)

    run(_service_client, "W1", 2, WARM)  # warm both paths
    run(_raw_client, "W2", 2, WARM)
    # the two paths take turns, so a neighbour's load on a shared machine falls on both alike
    rounds = []
    for r in range(ROUNDS):
        base = run(_raw_client, f"RAW{r}", PROCESSES, PER_PROCESS)
        value = run(_service_client, f"DOOR{r}", PROCESSES, PER_PROCESS)
        rounds.append((value, base))
    diffs = money_differences(store)
    open_left = OpenItem.objects.filter(store=store, doc_number__in=tags).exclude(status="settled").count()
    value = statistics.median(v for v, _b in rounds)
    base = statistics.median(b for _v, b in rounds)
    return {
        "value": round(value, 1),
        "unit": "payments/s",
        "baseline": round(base, 1),
        "ratio": round(statistics.median(v / b for v, b in rounds), 3),
        "goal": "ratio >= 0.4",
        "rounds": [[round(v, 1), round(b, 1)] for v, b in rounds],
        "statements_per_payment": spq,
        "statements_goal": "<= 8",
        "money_check": "clean" if not diffs else f"{len(diffs)} differences: {diffs[:3]}",
        "bills_not_settled": open_left,
        "processes": PROCESSES,
    }


FIGURES = {"cashier_payment_per_s": cashier_payment_per_s}
