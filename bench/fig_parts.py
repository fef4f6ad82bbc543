"""Parts figures.

parts_issue_per_s      one-line counter sales/s from 8 client processes through the stock service
                       (fours.parts.services.counter_sale_create), beside the same rows (document + number,
                       line, stock move, balance, audit event) written with hand-written SQL through psycopg,
                       one transaction per sale, from 8 connections. Also reports queries per sale.
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
    Membership.objects.get_or_create(user=user, role=Group.objects.get(name=Role.PARTS_MANAGER), store=store)
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
    from fours.parts.services import counter_sale_create

    (store, user, parts), i = ctx
    part = parts[0] if hot else parts[(p * 37 + i) % len(parts)]
    counter_sale_create(actor=user, store=store, lines=[{"part": part, "qty": 1}])


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


def _queries_per_sale(store, user, part) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fours.parts.services import counter_sale_create

    counter_sale_create(actor=user, store=store, lines=[{"part": part, "qty": 1}])
    with CaptureQueriesContext(connection) as ctx:
        counter_sale_create(actor=user, store=store, lines=[{"part": part, "qty": 1}])
    skip = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT")
    return sum(1 for q in ctx.captured_queries if not q["sql"].startswith(skip))  # statements, not tx control


def _issue_figure(hot: bool, goal: str) -> dict:
    from fours.parts.selectors import stock_differences

    store = _bench_store()
    user = _bench_user(store)
    parts = _stocked_parts(store, N_PARTS)
    ids = [p.pk for p in parts]
    # warm both paths
    run_processes(_service_client, (store.pk, user.pk, ids, hot), processes=2, per_process=10)
    raw_issue_baseline(1, 2, 10, hot=hot, store=store)
    base = raw_issue_baseline(1, PROCESSES, PER_PROCESS, hot=hot, store=store)
    value = run_processes(
        _service_client, (store.pk, user.pk, ids, hot), processes=PROCESSES, per_process=PER_PROCESS
    )
    qps = _queries_per_sale(store, user, parts[0])
    diffs = [d for d in stock_differences(store) if d["part_id"] in set(ids)]
    # the raw baseline writes moves and balances consistently too, so the ledger check covers both paths
    return {
        "value": round(value, 1),
        "unit": "sales/s",
        "baseline": round(base, 1),
        "ratio": round(value / base, 3),
        "goal": goal,
        "queries_per_sale": qps,
        "queries_goal": "<= 10",
        "ledger_check": "clean" if not diffs else f"{len(diffs)} balances differ",
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
