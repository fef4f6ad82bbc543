"""Parts figures.

parts_issue_per_s      one-line counter sales/s from 8 client processes, each sale the seeds' way in three
                       transactions: the slip (fours.parts.services.counter_sale_create: number, sale, line,
                       reservation, the walk-in's open item in finance, fill rate, audit), the payment at the
                       cashier's desk (fours.finance.services.payment_take: number, payment, method line,
                       allocation, item, audit) and the issue (fours.parts.services.sale_issue: stock move,
                       balance, consumed reservation, line cost, sale, audit); beside the same rows written
                       with hand-written SQL through psycopg in the same three transactions per sale, from 8
                       connections. Also reports the queries of each step; check_stock and check_money on the
                       bench rows after the run.
parts_hot_issue_per_s  the same with every client selling the same part.
price_import_lines_per_s  a 100,000-line CSV price file through the import service (parse, check, write, with
                       a progress callback), beside bulk_create of the same parts.
stock_valuation_ms     stock value as of a past date on 2 years of moves for 20,000 parts, beside the
                       current-value query (sum of balances); ratio = current-value ms / as-of ms.

raw_issue_baseline(n_lines, processes, per_process) is reusable by other figures (the service module's
ro_cycle_per_s): issues/s of n_lines-line documents written in raw SQL.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
from decimal import Decimal

from .util import run_processes

PROCESSES = 8
PER_PROCESS = 150
N_PARTS = 400


# --- fixtures ---------------------------------------------------------------------------------------


def _bench_store(code="PBENCH", group_code="PBENCH"):
    from fours.core.models import DealerGroup, Store
    from fours.core.validators import uscc_check_char

    group, _ = DealerGroup.objects.get_or_create(code=group_code, defaults={"name": "Parts bench group"})
    first = f"91440101{code:0>9}"[:17].upper()
    first = "".join(c if c in "0123456789ABCDEFGHJKLMNPQRTUWXY" else "0" for c in first)
    store, _ = Store.objects.get_or_create(
        code=code,
        defaults={
            "group": group,
            "name": f"Bench {code}",
            "brands": "丰田",
            "uscc": first + uscc_check_char(first),
        },
    )
    return store


def _bench_user(store):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from fours.core.models import Membership
    from fours.core.roles import Role

    user, _ = get_user_model().objects.get_or_create(username=f"bench.parts.{store.code.lower()}")
    # the parts manager bills and issues; the same person takes the money as the store's cashier
    for role in (Role.PARTS_MANAGER, Role.CASHIER):
        Membership.objects.get_or_create(user=user, role=Group.objects.get(name=role), store=store)
    return user


def _stocked_parts(store, n):
    """n parts with a large opening stock (ledger-consistent: one OPENING move per part)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction

    from fours.parts.choices import MoveKind
    from fours.parts.models import Part, StockBalance, StockMove

    existing = list(Part.objects.filter(group=store.group, part_no__startswith="BENCHP").order_by("id")[:n])
    if len(existing) >= n:
        return existing
    with transaction.atomic():
        Part.objects.bulk_create(
            [
                Part(
                    group=store.group,
                    part_no=f"BENCHP{i:05d}",
                    name=f"压测配件{i}",
                    brand="丰田",
                    retail_price=Decimal("100"),
                    wholesale_price=Decimal("90"),
                    purchase_price=Decimal("60"),
                )
                for i in range(len(existing), n)
            ]
        )
        parts = list(Part.objects.filter(group=store.group, part_no__startswith="BENCHP").order_by("id")[:n])
        have = set(StockBalance.objects.filter(store=store, part__in=parts).values_list("part_id", flat=True))
        qty, cost = Decimal("1000000"), Decimal("60.0000")
        value = qty * cost
        ct = ContentType.objects.get_for_model(store)
        new = [p for p in parts if p.pk not in have]
        StockBalance.objects.bulk_create(
            [StockBalance(store=store, part=p, on_hand=qty, value=value, avg_cost=cost) for p in new]
        )
        StockMove.objects.bulk_create(
            [
                StockMove(
                    store=store,
                    part=p,
                    kind=MoveKind.OPENING,
                    qty=qty,
                    unit_cost=cost,
                    value=value,
                    balance_qty=qty,
                    balance_value=value,
                    avg_cost=cost,
                    content_type=ct,
                    object_id=str(store.pk),
                    doc_number="期初",
                )
                for p in new
            ]
        )
    return parts


# --- service client -----------------------------------------------------------------------------------


def _service_client(phase, args, ctx):
    store_id, user_id, part_ids, hot, p = args
    if phase == "setup":
        from django.contrib.auth import get_user_model

        from fours.core.models import Store
        from fours.parts.models import Part

        store = Store.objects.select_related("group").get(pk=store_id)
        user = get_user_model().objects.get(pk=user_id)
        user.has_perm("parts.add_sale")  # warm the permission cache, as a logged-in session would
        parts = list(Part.objects.filter(pk__in=part_ids).order_by("id"))
        return store, user, parts
    (store, user, parts), i = ctx
    part = parts[0] if hot else parts[(p * 37 + i) % len(parts)]
    _counter_cycle(store, user, part)


def _counter_cycle(store, user, part):
    """One counter sale the seeds' way: slip, payment at the cashier's desk, issue (three transactions)."""
    from fours.finance.services import payment_take
    from fours.parts.selectors import sale_open_item
    from fours.parts.services import counter_sale_create, sale_issue

    sale = counter_sale_create(actor=user, store=store, lines=[{"part": part, "qty": 1}])
    item = sale_open_item(sale)
    payment_take(
        actor=user,
        store=store,
        party=item.party,
        lines=[("cash", item.amount)],
        allocations=[(item, item.amount)],
    )
    sale_issue(actor=user, sale=sale)


# --- raw SQL baseline ----------------------------------------------------------------------------------

_RAW_SALE = (
    "INSERT INTO parts_sale (number, created_at, created_by_id, note, store_id, channel, status, customer_id, "
    "customer_name, customer_phone, terms, total, net_total, cost_total, posted_at, delivery_status, delivery_address, "
    "signed_by, signed_at, signature) VALUES ('', now(), %s, '', %s, 'counter', 'posted', NULL, '', '', 'cash', %s, %s, "
    "0, now(), 'none', '', '', NULL, '') RETURNING id"
)
_RAW_LINE = (
    "INSERT INTO parts_saleline (sale_id, part_id, qty_requested, qty, unit_price, discount_pct, amount, tax_rate, "
    "unit_cost, cost) VALUES (%s, %s, 1, 1, 100, 0, 100, 0.13, 0, 0) RETURNING id"
)
_RAW_LOCK = "SELECT id, on_hand, value, avg_cost FROM parts_stockbalance WHERE store_id = %s AND part_id = %s FOR UPDATE"
_RAW_BAL = "UPDATE parts_stockbalance SET on_hand = %s, value = %s, last_move_at = now(), last_issue_at = now() WHERE id = %s"
_RAW_MOVE = (
    "INSERT INTO parts_stockmove (store_id, part_id, kind, at, qty, unit_cost, value, balance_qty, balance_value, "
    "avg_cost, content_type_id, object_id, doc_number, reversal_of_id, actor_id, note) "
    "VALUES (%s, %s, 'counter_sale', now(), -1, %s, %s, %s, %s, %s, %s, %s, '', NULL, %s, '') RETURNING id"
)
_RAW_AUDIT = (
    "INSERT INTO core_auditevent (at, actor_id, store_id, content_type_id, object_id, object_repr, verb, changes, note, "
    "ip, request_id) VALUES (now(), %s, %s, %s, %s, %s, 'posted', %s, '', NULL, '')"
)
_RAW_NUMBER = (
    "INSERT INTO core_numbersequence (store_id, kind, year, last) VALUES (%s, %s, %s, 1) "
    "ON CONFLICT (store_id, kind, year) DO UPDATE SET last = core_numbersequence.last + 1 RETURNING last"
)


def _raw_client(phase, args, ctx):
    store_id, user_id, part_ids, hot, n_lines, p = args
    if phase == "setup":
        from django.contrib.contenttypes.models import ContentType
        from django.db import connection

        from fours.parts.models import Sale, SaleLine

        connection.ensure_connection()
        conn = connection.connection
        conn.autocommit = True
        return (
            conn,
            ContentType.objects.get_for_model(Sale).id,
            ContentType.objects.get_for_model(SaleLine).id,
        )
    (conn, ct_sale, ct_line), i = ctx
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(_RAW_SALE, [user_id, store_id, 100 * n_lines, Decimal("88.50") * n_lines])
        sale_id = cur.fetchone()[0]
        chosen = sorted(
            {part_ids[0] if hot else part_ids[(p * 37 + i + k) % len(part_ids)] for k in range(n_lines)}
        )
        move_ids = []
        for part_id in chosen:
            cur.execute(_RAW_LINE, [sale_id, part_id])
            line_id = cur.fetchone()[0]
            cur.execute(_RAW_LOCK, [store_id, part_id])
            bal_id, on_hand, value, avg = cur.fetchone()
            out = (avg * 1).quantize(Decimal("0.01"))
            cur.execute(_RAW_BAL, [on_hand - 1, value - out, bal_id])
            cur.execute(
                _RAW_MOVE,
                [store_id, part_id, avg, -out, on_hand - 1, value - out, avg, ct_line, str(line_id), user_id],
            )
            move_ids.append(cur.fetchone()[0])
        cur.execute(
            _RAW_AUDIT,
            [
                user_id,
                store_id,
                ct_sale,
                str(sale_id),
                f"sale {sale_id}",
                json.dumps({"total": "100.00", "lines": len(chosen)}),
            ],
        )
        cur.execute(_RAW_NUMBER, [store_id, "CS", 2099])
        number = f"CS-2099-{cur.fetchone()[0]:06d}"
        cur.execute("UPDATE parts_sale SET number = %s WHERE id = %s", [number, sale_id])
        cur.execute("UPDATE parts_stockmove SET doc_number = %s WHERE id = ANY(%s)", [number, move_ids])


def raw_issue_baseline(
    n_lines: int = 1, processes: int = PROCESSES, per_process: int = PER_PROCESS, *, hot=False, store=None
) -> float:
    """Issues/s of n_lines-line documents written in raw SQL (document + number, lines, moves, balances, audit),
    one transaction each, from `processes` connections. Creates its own stocked bench parts."""
    store = store or _bench_store()
    user = _bench_user(store)
    parts = _stocked_parts(store, max(N_PARTS, n_lines * 4))
    ids = [p.pk for p in parts]
    return run_processes(
        _raw_client, (store.pk, user.pk, ids, hot, n_lines), processes=processes, per_process=per_process
    )


# --- raw SQL baseline of the whole counter sale: slip, payment, issue ------------------------------------

_C_SALE = (
    "INSERT INTO parts_sale (number, created_at, created_by_id, note, store_id, channel, status, customer_id, "
    "buyer_id, customer_name, customer_phone, terms, total, net_total, cost_total, posted_at, issued_by_id, "
    "delivery_status, delivery_address, signed_by, signed_at, signature) VALUES (%s, now(), %s, '', %s, 'counter', "
    "'billed', NULL, NULL, '', '', 'cash', 100, 88.50, %s, NULL, NULL, 'none', '', '', NULL, '') RETURNING id"
)
_C_LINE = (
    "INSERT INTO parts_saleline (sale_id, part_id, qty_requested, qty, unit_price, discount_pct, amount, tax_rate, "
    "unit_cost, cost) VALUES (%s, %s, 1, 1, 100, 0, 100, 0.13, %s, %s) RETURNING id"
)
_C_LOCK = (
    "SELECT id, on_hand, reserved, value, avg_cost FROM parts_stockbalance WHERE store_id = %s AND part_id = %s "
    "FOR UPDATE"
)
_C_RESERVE = (
    "INSERT INTO parts_stockreservation (store_id, part_id, qty, content_type_id, object_id, at, actor_id) "
    "VALUES (%s, %s, %s, %s, %s, now(), %s)"
)
_C_RESERVED = "UPDATE parts_stockbalance SET reserved = reserved + %s WHERE id = %s"
_C_ITEM = (
    "INSERT INTO finance_openitem (store_id, doc_type_id, doc_id, doc_number, direction, party_id, source, "
    "department, amount, net_amount, tax_amount, cost_amount, allocated, status, posted_on, due_date, at, "
    "reversal_of_id, memo, invoice_no, invoice_date, export_id, created_by_id) VALUES (%s, %s, %s, %s, 'ar', %s, "
    "'counter_sale', 'parts', 100, 88.50, 11.50, %s, 0, 'open', current_date, current_date, now(), NULL, '零售', '', "
    "NULL, NULL, %s) RETURNING id"
)
_C_FILL = (
    "INSERT INTO parts_fillraterecord (store_id, part_id, channel, qty_requested, qty_served, at, content_type_id, "
    "object_id) VALUES (%s, %s, 'counter', 1, 1, now(), %s, %s)"
)
_C_OPEN = (
    "SELECT EXISTS(SELECT 1 FROM finance_periodclose WHERE store_id = %s AND year = %s AND month = %s), "
    "EXISTS(SELECT 1 FROM finance_dayclose WHERE store_id = %s AND business_date = current_date), "
    "EXISTS(SELECT 1 FROM finance_handover WHERE store_id = %s AND business_date = current_date AND cashier_id = %s)"
)
_C_ITEM_LOCK = "SELECT amount, allocated FROM finance_openitem WHERE id = %s FOR UPDATE"
_C_PAY = (
    "INSERT INTO finance_payment (store_id, number, direction, kind, party_id, amount, allocated, business_date, at, "
    "cashier_id, note, reversal_of_id, request_id, export_id) VALUES (%s, %s, 'ar', 'receipt', %s, 100, 100, "
    "current_date, now(), %s, '', NULL, NULL, NULL) RETURNING id"
)
_C_PAYLINE = (
    "INSERT INTO finance_paymentline (payment_id, method, amount, reference) VALUES (%s, 'cash', 100, '')"
)
_C_ALLOC = (
    "INSERT INTO finance_allocation (store_id, payment_id, item_id, amount, at, actor_id) "
    "VALUES (%s, %s, %s, 100, now(), %s)"
)
_C_SETTLE = "UPDATE finance_openitem SET allocated = 100, status = 'settled' WHERE id = %s"
_C_SALE_LOCK = "SELECT id, status FROM parts_sale WHERE id = %s FOR UPDATE"
_C_ITEM_STATUS = (
    "SELECT status FROM finance_openitem WHERE doc_type_id = %s AND doc_id = %s AND direction = 'ar' AND amount > 0 "
    "ORDER BY id DESC LIMIT 1"
)
_C_ISSUE_BAL = (
    "UPDATE parts_stockbalance SET on_hand = %s, value = %s, reserved = reserved - 1, last_move_at = now(), "
    "last_issue_at = now() WHERE id = %s"
)
_C_MOVE = (
    "INSERT INTO parts_stockmove (store_id, part_id, kind, at, qty, unit_cost, value, balance_qty, balance_value, "
    "avg_cost, content_type_id, object_id, doc_number, reversal_of_id, actor_id, note) "
    "VALUES (%s, %s, 'counter_sale', now(), -1, %s, %s, %s, %s, %s, %s, %s, %s, NULL, %s, '')"
)
_C_LINE_COST = "UPDATE parts_saleline SET unit_cost = %s, cost = %s WHERE id = %s"
_C_POSTED = "UPDATE parts_sale SET status = 'posted', posted_at = now(), issued_by_id = %s, cost_total = %s WHERE id = %s"


def _raw_cycle_client(phase, args, ctx):
    store_id, user_id, party_id, part_ids, hot, p = args
    if phase == "setup":
        from django.contrib.contenttypes.models import ContentType
        from django.db import connection

        from fours.finance.models import Payment
        from fours.parts.models import Sale, SaleLine

        connection.ensure_connection()
        conn = connection.connection
        conn.autocommit = True
        cts = [ContentType.objects.get_for_model(m).id for m in (Sale, SaleLine, Payment)]
        return conn, cts
    (conn, (ct_sale, ct_line, ct_pay)), i = ctx
    part_id = part_ids[0] if hot else part_ids[(p * 37 + i) % len(part_ids)]
    audit = (
        "INSERT INTO core_auditevent (at, actor_id, store_id, content_type_id, object_id, object_repr, verb, changes, "
        "note, ip, request_id) VALUES (now(), %s, %s, %s, %s, %s, %s, %s, '', NULL, '')"
    )
    # 1. the slip: lock the balance, reserve, number, sale, line, open item, fill rate, audit
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(_C_LOCK, [store_id, part_id])
        bal_id, on_hand, reserved, value, avg = cur.fetchone()
        assert on_hand - reserved >= 1
        cost = (avg * 1).quantize(Decimal("0.01"))
        cur.execute(_RAW_NUMBER, [store_id, "CS", 2098])
        number = f"CS-2098-{cur.fetchone()[0]:06d}"
        cur.execute(_C_SALE, [number, user_id, store_id, cost])
        sale_id = cur.fetchone()[0]
        cur.execute(_C_LINE, [sale_id, part_id, avg, cost])
        line_id = cur.fetchone()[0]
        cur.execute(_C_RESERVE, [store_id, part_id, 1, ct_sale, str(sale_id), user_id])
        cur.execute(_C_RESERVED, [1, bal_id])
        cur.execute(_C_ITEM, [store_id, ct_sale, sale_id, number, party_id, cost, user_id])
        item_id = cur.fetchone()[0]
        cur.execute(_C_FILL, [store_id, part_id, ct_line, str(line_id)])
        cur.execute(
            audit, [user_id, store_id, ct_sale, str(sale_id), number, "billed", '{"total": "100.00"}']
        )
    # 2. the payment at the cashier's desk: books open, lock the item, number, payment, line, allocation
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(_C_OPEN, [store_id, 2098, 1, store_id, store_id, user_id])
        assert cur.fetchone() == (False, False, False)
        cur.execute(_C_ITEM_LOCK, [item_id])
        amount, allocated = cur.fetchone()
        assert amount - allocated >= 100
        cur.execute(_RAW_NUMBER, [store_id, "SK", 2098])
        pay_no = f"SK-2098-{cur.fetchone()[0]:06d}"
        cur.execute(_C_PAY, [store_id, pay_no, party_id, user_id])
        pay_id = cur.fetchone()[0]
        cur.execute(_C_PAYLINE, [pay_id])
        cur.execute(_C_ALLOC, [store_id, pay_id, item_id, user_id])
        cur.execute(_C_SETTLE, [item_id])
        cur.execute(
            audit, [user_id, store_id, ct_pay, str(pay_id), pay_no, "received", '{"amount": "100.00"}']
        )
    # 3. the issue: lock the sale, read the item, lock the balance, move, consume the reservation, audit
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(_C_SALE_LOCK, [sale_id])
        cur.execute(_C_ITEM_STATUS, [ct_sale, sale_id])
        assert cur.fetchone()[0] == "settled"
        cur.execute(_C_LOCK, [store_id, part_id])
        bal_id, on_hand, reserved, value, avg = cur.fetchone()
        out = (avg * 1).quantize(Decimal("0.01"))
        cur.execute(_C_ISSUE_BAL, [on_hand - 1, value - out, bal_id])
        cur.execute(_C_RESERVE, [store_id, part_id, -1, ct_sale, str(sale_id), user_id])
        cur.execute(
            _C_MOVE,
            [
                store_id,
                part_id,
                avg,
                -out,
                on_hand - 1,
                value - out,
                avg,
                ct_line,
                str(line_id),
                number,
                user_id,
            ],
        )
        cur.execute(_C_LINE_COST, [avg, out, line_id])
        cur.execute(_C_POSTED, [user_id, out, sale_id])
        cur.execute(audit, [user_id, store_id, ct_sale, str(sale_id), number, "issued", '{"cost": "60.00"}'])


def raw_counter_cycle_baseline(
    processes=PROCESSES, per_process=PER_PROCESS, *, hot=False, store=None
) -> float:
    """Counter sales/s (slip, payment, issue in three transactions) written in raw SQL from `processes`
    connections: the same rows as the services write (numbers, sale, line, reservation, open item, fill
    rate, payment with its line and allocation, move, balance, audit events)."""
    from fours.finance.services import walk_in_party

    store = store or _bench_store()
    user = _bench_user(store)
    parts = _stocked_parts(store, N_PARTS)
    ids = [p.pk for p in parts]
    party = walk_in_party(store)
    return run_processes(
        _raw_cycle_client,
        (store.pk, user.pk, party.pk, ids, hot),
        processes=processes,
        per_process=per_process,
    )


def _queries_per_sale(store, user, part) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fours.finance.services import payment_take
    from fours.parts.selectors import sale_open_item
    from fours.parts.services import counter_sale_create, sale_issue

    _counter_cycle(store, user, part)  # warm the caches
    skip = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT")

    def n(ctx):
        return sum(1 for q in ctx.captured_queries if not q["sql"].startswith(skip))  # statements only

    with CaptureQueriesContext(connection) as slip:
        sale = counter_sale_create(actor=user, store=store, lines=[{"part": part, "qty": 1}])
    item = sale_open_item(sale)
    with CaptureQueriesContext(connection) as pay:
        payment_take(
            actor=user,
            store=store,
            party=item.party,
            lines=[("cash", item.amount)],
            allocations=[(item, item.amount)],
        )
    with CaptureQueriesContext(connection) as issue:
        sale_issue(actor=user, sale=sale)
    return {"slip": n(slip), "payment": n(pay), "issue": n(issue), "total": n(slip) + n(pay) + n(issue)}


def _issue_figure(hot: bool, goal: str) -> dict:
    from fours.finance.selectors.checks import money_differences
    from fours.parts.selectors import stock_differences

    store = _bench_store()
    user = _bench_user(store)
    parts = _stocked_parts(store, N_PARTS)
    ids = [p.pk for p in parts]
    # warm both paths
    run_processes(_service_client, (store.pk, user.pk, ids, hot), processes=2, per_process=10)
    raw_counter_cycle_baseline(2, 10, hot=hot, store=store)
    base = raw_counter_cycle_baseline(PROCESSES, PER_PROCESS, hot=hot, store=store)
    value = run_processes(
        _service_client, (store.pk, user.pk, ids, hot), processes=PROCESSES, per_process=PER_PROCESS
    )
    qps = _queries_per_sale(store, user, parts[0])
    diffs = [d for d in stock_differences(store) if d["part_id"] in set(ids)]
    money = money_differences(store)
    # the raw baseline writes moves, reservations, balances, items and allocations consistently too, so the
    # ledger checks cover both paths
    return {
        "value": round(value, 1),
        "unit": "sales/s",
        "baseline": round(base, 1),
        "ratio": round(value / base, 3),
        "goal": goal,
        "flow": "slip + payment_take + issue (3 transactions per sale)",
        "queries_per_sale": qps["total"],
        "queries_by_step": qps,
        "queries_goal": "<= 31 (slip <= 12, payment <= 8, issue <= 13 with its daily summaries)",
        "ledger_check": "clean" if not diffs else f"{len(diffs)} balances differ",
        "money_check": "clean" if not money else f"{len(money)} differences",
        "processes": PROCESSES,
    }


def parts_issue_per_s() -> dict:
    return _issue_figure(False, "ratio >= 0.35")


def parts_hot_issue_per_s() -> dict:
    return _issue_figure(True, "ratio >= 0.3")


# --- price import ---------------------------------------------------------------------------------------

IMPORT_LINES = 100_000


def price_import_lines_per_s() -> dict:
    from django.db import transaction

    from fours.core.models import DealerGroup
    from fours.parts.models import Part, PartPriceChange
    from fours.parts.services import price_import, read_rows

    store = _bench_store()
    user = _bench_user(store)  # 配件经理: may import price files
    g_service, _ = DealerGroup.objects.get_or_create(
        code="PIMPORT", defaults={"name": "Import bench (service)"}
    )
    g_base, _ = DealerGroup.objects.get_or_create(
        code="PBULK", defaults={"name": "Import bench (bulk_create)"}
    )
    for g in (g_service, g_base):
        PartPriceChange.objects.filter(part__group=g).delete()
        Part.objects.filter(group=g).delete()
    rnd = random.Random(5)
    rows = []
    for i in range(IMPORT_LINES):
        price = Decimal(rnd.randint(1000, 500000)) / 100
        rows.append(
            (
                f"{90000 + i % 9000:05d}-{i:07d}",
                f"配件{i}",
                "件",
                "丰田",
                f"{price}",
                f"{price}",
                f"{(price * Decimal('0.9')).quantize(Decimal('0.01'))}",
                f"{(price * Decimal('0.6')).quantize(Decimal('0.0001'))}",
                "13%",
            )
        )
    fd, path = tempfile.mkstemp(suffix=".csv")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("配件编号,配件名称,单位,品牌,厂家指导价,零售价,批发价,采购价,税率\n")
        for r in rows:
            f.write(",".join(r) + "\n")
    try:
        t0 = time.perf_counter()
        Part.objects.bulk_create(
            [
                Part(
                    group=g_base,
                    part_no=r[0].replace("-", ""),
                    display_no=r[0],
                    name=r[1],
                    brand=r[3],
                    unit="PCS",
                    list_price=Decimal(r[4]),
                    retail_price=Decimal(r[5]),
                    wholesale_price=Decimal(r[6]),
                    purchase_price=Decimal(r[7]),
                    tax_rate=Decimal("0.13"),
                )
                for r in rows
            ],
            batch_size=2000,
        )
        base_s = time.perf_counter() - t0
        ticks = []
        t0 = time.perf_counter()
        with open(path, "rb") as fh:
            res = price_import(
                actor=user,
                group=g_service,
                rows=read_rows(fh, path),
                commit=True,
                source="bench",
                progress=ticks.append,
            )
        value_s = time.perf_counter() - t0
        assert res.committed and res.added == IMPORT_LINES, (res.added, res.errors[:3])
        # a second file changing every price: the price-history path
        with open(path, "w", encoding="utf-8") as f:
            f.write("配件编号,零售价\n")
            for r in rows:
                f.write(f"{r[0]},{Decimal(r[5]) + 1}\n")
        t0 = time.perf_counter()
        with open(path, "rb") as fh, transaction.atomic():
            res2 = price_import(
                actor=user, group=g_service, rows=read_rows(fh, path), commit=True, source="bench2"
            )
        change_s = time.perf_counter() - t0
    finally:
        os.unlink(path)
        for g in (g_service, g_base):
            PartPriceChange.objects.filter(part__group=g).delete()
            Part.objects.filter(group=g).delete()
    value, base = IMPORT_LINES / value_s, IMPORT_LINES / base_s
    return {
        "value": round(value, 1),
        "unit": "lines/s",
        "baseline": round(base, 1),
        "ratio": round(value / base, 3),
        "goal": "ratio >= 0.25",
        "lines": IMPORT_LINES,
        "import_seconds": round(value_s, 1),
        "price_change_lines_per_s": round(res2.changed / change_s, 1),
        "progress_callbacks": len(ticks),
    }


# --- stock valuation ------------------------------------------------------------------------------------

VAL_PARTS = 20_000
VAL_MOVES_PER_PART = 40  # 800,000 moves over two years


def _valuation_data(store):
    from django.db import connection

    from fours.parts.models import Part, StockMove

    if StockMove.objects.filter(store=store).count() >= VAL_PARTS * VAL_MOVES_PER_PART:
        return
    StockMove.objects.filter(store=store).delete()
    from fours.parts.models import StockBalance

    StockBalance.objects.filter(store=store).delete()
    have = Part.objects.filter(group=store.group, part_no__startswith="VAL").count()
    Part.objects.bulk_create(
        [
            Part(group=store.group, part_no=f"VAL{i:06d}", name=f"估值配件{i}", brand="丰田")
            for i in range(have, VAL_PARTS)
        ],
        batch_size=5000,
    )
    with connection.cursor() as cur:
        # moves spread over two years, per part in time order; running balance is a deterministic walk
        cur.execute(
            """
            INSERT INTO parts_stockmove (store_id, part_id, kind, at, qty, unit_cost, value, balance_qty, balance_value,
                                         avg_cost, content_type_id, object_id, doc_number, reversal_of_id, actor_id, note)
            SELECT %s, p.id, CASE WHEN k %% 3 = 0 THEN 'receipt' ELSE 'counter_sale' END,
                   now() - interval '730 days' + (k * interval '730 days' / %s) + (p.id %% 1000) * interval '1 minute',
                   CASE WHEN k %% 3 = 0 THEN 4 ELSE -1 END, 50, CASE WHEN k %% 3 = 0 THEN 200 ELSE -50 END,
                   10 + (k / 3) * 2, (10 + (k / 3) * 2) * 50, 50, NULL, '', '', NULL, NULL, ''
            FROM generate_series(0, %s - 1) AS k
            CROSS JOIN (SELECT id FROM parts_part WHERE group_id = %s AND part_no LIKE 'VAL%%') AS p
            ORDER BY k, p.id
            """,
            [store.pk, VAL_MOVES_PER_PART, VAL_MOVES_PER_PART, store.group_id],
        )
        cur.execute(
            """
            INSERT INTO parts_stockbalance (store_id, part_id, on_hand, reserved, value, avg_cost, last_move_at, last_issue_at)
            SELECT DISTINCT ON (part_id) store_id, part_id, balance_qty, 0, balance_value, avg_cost, at, NULL
            FROM parts_stockmove WHERE store_id = %s ORDER BY part_id, id DESC
            """,
            [store.pk],
        )
        cur.execute("ANALYZE parts_stockmove")
        cur.execute("ANALYZE parts_stockbalance")


def stock_valuation_ms() -> dict:
    from datetime import timedelta

    from django.utils import timezone

    from fours.parts.models import StockMove
    from fours.parts.reports import stock_value, stock_value_as_of

    store = _bench_store("PVALUE", "PVALUE")
    _valuation_data(store)
    n_moves = StockMove.objects.filter(store=store).count()
    when = timezone.now() - timedelta(days=365)

    def timed(fn, n=5):
        fn()
        out = []
        for _ in range(n):
            t0 = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t0) * 1000)
        return statistics.median(out)

    as_of = timed(lambda: stock_value_as_of(store, when))
    current = timed(lambda: stock_value(store))
    return {
        "value": round(as_of, 1),
        "unit": "ms",
        "baseline": round(current, 1),
        "ratio": round(current / as_of, 3),
        "goal": "report (ratio = current-value ms / as-of ms)",
        "moves": n_moves,
        "parts": VAL_PARTS,
        "as_of_value": str(stock_value_as_of(store, when)),
    }


FIGURES = {
    "parts_issue_per_s": parts_issue_per_s,
    "parts_hot_issue_per_s": parts_hot_issue_per_s,
    "price_import_lines_per_s": price_import_lines_per_s,
    "stock_valuation_ms": stock_valuation_ms,
}
