"""Volume data for the bench: one store with five years of history and a dealer group of 30 stores.

five_year_store()  the store BENCH5Y in the archive's group (bench.fig_archive: 200,000 customers, 300,000
                   vehicles): 60,000 repair orders delivered and settled over five years (90,000 labour
                   lines, 300,000 part lines, one settlement each), 100,000 posted counter sales (250,000
                   lines), 2,225 purchase orders received in full (445,000 receipt lines), 5,000 parts with
                   their opening stock, 1,000,000 stock moves with running balances and one StockBalance per
                   part equal to the sum of its moves; then the daily summaries rebuilt from those documents
                   (``rebuild_summaries.rebuild``). No finance rows: the orders, sales and receipts post no
                   open items or payments here.
group_of_30()      the group BENCH30 of 30 stores, each with five years of daily summaries of the service,
                   parts and sales figures written directly (the group pages read summaries) and a few
                   documents (1,000 repair orders, 400 counter sales, 25 receipts, 1,000 parts' stock).
users_by_role(s)   one user per role of a store (password fours.core.demo.DEMO_PASSWORD).

Everything is written once per bench database by set-based SQL (INSERT … SELECT … generate_series) whose
column names come from the models; a store whose documents are not the expected counts is wiped and
written again (a changed volume, an interrupted build), in one transaction per store.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

N_PARTS = 5_000
GROUP_PARTS = 1_000
DAYS = 5 * 365 + 1
TZ = "Asia/Shanghai"
STORE_CODE = "BENCH5Y"
GROUP_CODE = "BENCH30"
GROUP_STORES = 30
ADVISORS = 4
TECHNICIANS = 8


@dataclass(frozen=True)
class Volume:
    ros: int  # delivered and settled orders; labour lines 1 or 2 each, PART_LINES part lines each
    sales: int  # posted counter sales of 1 to 4 lines (2.5 on average: sales divisible by 4)
    receipts: int  # purchase orders received in full, RECEIPT_LINES lines each
    receipt_lines: int
    parts: int  # parts with an opening stock (and a move card)
    part_lines: int = 5

    @property
    def moves(self) -> int:
        return (
            self.parts + self.ros * self.part_lines + self.sales * 5 // 2 + self.receipts * self.receipt_lines
        )


FIVE_YEARS = Volume(ros=60_000, sales=100_000, receipts=2_225, receipt_lines=200, parts=N_PARTS)
GROUP_STORE = Volume(ros=1_000, sales=400, receipts=25, receipt_lines=40, parts=GROUP_PARTS)
assert FIVE_YEARS.moves == 1_000_000


# --- SQL from the models ---------------------------------------------------------------------------------


def _col(model, name: str) -> str:
    return model._meta.get_field(name).column


def _insert(cur, model, values: dict[str, str], source: str) -> int:
    """INSERT INTO <model's table> (…) SELECT <values> FROM <source>: ``values`` maps field names to SQL
    expressions over ``source``; every other column gets the field's default (a parameter cast to the
    column's type), NULL when it may be empty, now() for a timestamp, '' for a blank text; a column with
    none of these is an error (the schema grew a column the bench must fill)."""
    from django.db import connection
    from django.db.models import NOT_PROVIDED

    cols, exprs, params = [], [], []
    unused = set(values)
    for f in model._meta.concrete_fields:
        if (f.primary_key and f.name not in values) or getattr(f, "generated", False):
            continue
        key = f.name if f.name in values else f.attname if f.attname in values else None
        if key is not None:
            expr = values[key]
            unused.discard(key)
        elif getattr(f, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
            continue
        elif f.has_default():
            expr = f"%s::{f.db_type(connection)}"
            params.append(f.get_db_prep_save(f.get_default(), connection))
        elif f.null:
            continue
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            expr = "now()"
        elif f.blank and f.get_internal_type() in ("CharField", "TextField"):
            expr = "''"
        else:
            raise ValueError(f"bench.volume: no value for {model._meta.label}.{f.name}")
        cols.append(f.column)
        exprs.append(expr)
    if unused:
        raise ValueError(f"bench.volume: {model._meta.label} has no field(s) {sorted(unused)}")
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM {source}"
    cur.execute(sql, params or None)
    return cur.rowcount


def _at(day_expr: str, minutes_expr: str) -> str:
    """A local time: the day (an integer offset from the first day, %(base)s) at 08:00 + minutes."""
    return (
        f"((%(base)s::date + ({day_expr})::int) + interval '8 hours' + ({minutes_expr}) * interval '1 minute')"
        f" AT TIME ZONE '{TZ}'"
    )


# --- people and set-up -------------------------------------------------------------------------------------


def _password_hash() -> str:
    from django.contrib.auth.hashers import make_password

    from fours.core.demo import DEMO_PASSWORD

    global _HASH
    try:
        return _HASH
    except NameError:
        _HASH = make_password(DEMO_PASSWORD)
        return _HASH


def _person(username: str, name: str, role, store=None, group=None):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from fours.core.models import Department, Membership
    from fours.core.roles import ROLE_DEPARTMENT

    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"first_name": name, "password": _password_hash()}
    )
    role_group = Group.objects.get(name=role)
    if store is not None:
        dept = Department.objects.filter(store=store, kind=ROLE_DEPARTMENT[role]).first()
        Membership.objects.get_or_create(
            user=user, role=role_group, store=store, defaults={"department": dept}
        )
    else:
        Membership.objects.get_or_create(user=user, role=role_group, dealer_group=group)
    return user


def users_by_role(store) -> dict:
    """Role name → one user of the store in that role (the group manager: of the store's whole group),
    created on first use with the demo password (fours.core.demo.DEMO_PASSWORD)."""
    from fours.core.demo import person_name
    from fours.core.models import Department
    from fours.core.roles import ROLE_SLUGS, Role

    for kind in _department_kinds():
        Department.objects.get_or_create(store=store, kind=kind, defaults={"name": f"{kind.label}部"})
    prefix = store.code.lower()
    out = {}
    for i, role in enumerate(Role):
        username = f"{prefix}.{ROLE_SLUGS[role]}"
        if role == Role.GROUP_MANAGER:
            out[role.value] = _person(username, person_name(i), role, group=store.group)
        else:
            out[role.value] = _person(username, person_name(i + store.pk * 31), role, store=store)
    return out


def _department_kinds():
    from fours.core.choices import DepartmentKind

    return list(DepartmentKind)


def _workers(store) -> tuple[list[int], list[int]]:
    """The store's advisors and technicians who share the generated work (the role's user first)."""
    from fours.core.demo import person_name
    from fours.core.roles import ROLE_SLUGS, Role

    users = users_by_role(store)
    prefix = store.code.lower()
    advisors = [users[Role.SERVICE_ADVISOR.value].pk]
    techs = [users[Role.TECHNICIAN.value].pk]
    for i in range(2, ADVISORS + 1):
        u = _person(
            f"{prefix}.{ROLE_SLUGS[Role.SERVICE_ADVISOR]}{i}", person_name(i * 5), Role.SERVICE_ADVISOR, store
        )
        advisors.append(u.pk)
    for i in range(2, TECHNICIANS + 1):
        u = _person(f"{prefix}.{ROLE_SLUGS[Role.TECHNICIAN]}{i}", person_name(i * 11), Role.TECHNICIAN, store)
        techs.append(u.pk)
    return advisors, techs


def _store(code: str, group, name: str, n: int):
    from fours.core.models import Store
    from fours.core.validators import uscc_check_char

    first = f"91440101B{n:08d}"
    store, _ = Store.objects.get_or_create(
        code=code,
        defaults={
            "group": group,
            "name": name,
            "short_name": name[-6:],
            "brands": "丰田",
            "city": "广州",
            "uscc": first + uscc_check_char(first),
        },
    )
    return store


def _parts(cur, group, n: int) -> None:
    """n parts of the group's master (Y5P000001…), written once."""
    from fours.parts.models import Part

    have = Part.objects.filter(group=group, part_no__startswith="Y5P").count()
    if have >= n:
        return
    cost = "(20 + mod(g * 37, 800) + 0.5)"
    _insert(
        cur,
        Part,
        {
            "group": str(group.pk),
            "part_no": "'Y5P' || lpad(g::text, 6, '0')",
            "display_no": "'Y5P-' || lpad(g::text, 6, '0')",
            "name": "(ARRAY['机油滤清器','空气滤清器','刹车片','火花塞','雨刮片','空调滤芯','正时皮带','减震器'])"
            "[1 + mod(g, 8)] || '-' || g",
            "brand": "'丰田'",
            "purchase_price": cost,
            "list_price": f"round({cost} * 1.13 * 1.4, 2)",
            "retail_price": f"round({cost} * 1.13 * 1.35, 2)",
            "wholesale_price": f"round({cost} * 1.13 * 1.2, 2)",
            "insurance_price": f"round({cost} * 1.13 * 1.5, 2)",
        },
        f"generate_series(1, {n}) g WHERE NOT EXISTS (SELECT 1 FROM {Part._meta.db_table} x WHERE "
        f"x.{_col(Part, 'group')} = {group.pk} AND x.{_col(Part, 'part_no')} = 'Y5P' || lpad(g::text, 6, '0'))",
    )


def _supplier(group):
    from fours.core.validators import uscc_check_char
    from fours.parts.models import Supplier

    first = "914401015Y0000P01"
    supplier, _ = Supplier.objects.get_or_create(
        group=group,
        uscc=first + uscc_check_char(first),
        defaults={"name": "广汽丰田配件中心（压测）", "is_oem": True},
    )
    return supplier


# --- one store's documents ---------------------------------------------------------------------------------


def _complete(store, vol: Volume) -> bool:
    from fours.parts.models import Receipt, Sale, StockMove
    from fours.service.models import RepairOrder

    return (
        RepairOrder.objects.filter(store=store).count() == vol.ros
        and Sale.objects.filter(store=store).count() == vol.sales
        and Receipt.objects.filter(store=store).count() == vol.receipts
        and StockMove.objects.filter(store=store).count() == vol.moves
    )


def _wipe(cur, store) -> None:
    """Delete the store's documents, ledgers and summaries (a bench store only)."""
    from fours.parts.models import (
        PartSetting,
        POLine,
        PurchaseOrder,
        Receipt,
        ReceiptLine,
        Sale,
        SaleLine,
        StockBalance,
        StockMove,
    )
    from fours.reports.models import DailySummary
    from fours.service.models import LabourLine, PartLine, RepairOrder, Settlement

    sid = store.pk
    ro_ids = f"SELECT id FROM {RepairOrder._meta.db_table} WHERE {_col(RepairOrder, 'store')} = {sid}"
    for model, where in (
        (DailySummary, f"{_col(DailySummary, 'store')} = {sid}"),
        (StockMove, f"{_col(StockMove, 'store')} = {sid}"),
        (StockBalance, f"{_col(StockBalance, 'store')} = {sid}"),
        (PartSetting, f"{_col(PartSetting, 'store')} = {sid}"),
        (Settlement, f"{_col(Settlement, 'store')} = {sid}"),
        (PartLine, f"{_col(PartLine, 'ro')} IN ({ro_ids})"),
        (LabourLine, f"{_col(LabourLine, 'ro')} IN ({ro_ids})"),
        (RepairOrder, f"{_col(RepairOrder, 'store')} = {sid}"),
        (
            SaleLine,
            f"{_col(SaleLine, 'sale')} IN (SELECT id FROM {Sale._meta.db_table} WHERE store_id = {sid})",
        ),
        (Sale, f"{_col(Sale, 'store')} = {sid}"),
        (
            ReceiptLine,
            f"{_col(ReceiptLine, 'receipt')} IN (SELECT id FROM {Receipt._meta.db_table} WHERE store_id = {sid})",
        ),
        (Receipt, f"{_col(Receipt, 'store')} = {sid}"),
        (
            POLine,
            f"{_col(POLine, 'order')} IN (SELECT id FROM {PurchaseOrder._meta.db_table} WHERE store_id = {sid})",
        ),
        (PurchaseOrder, f"{_col(PurchaseOrder, 'store')} = {sid}"),
    ):
        cur.execute(f"DELETE FROM {model._meta.db_table} WHERE {where}")


def _documents(store, vol: Volume, *, vehicles_sql: str, today: dt.date) -> None:
    """The store's five years of documents and stock ledger (see the module's docstring)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from fours.core.roles import Role
    from fours.parts.models import (
        Part,
        PartSetting,
        POLine,
        PurchaseOrder,
        Receipt,
        ReceiptLine,
        Sale,
        SaleLine,
        StockBalance,
        StockMove,
    )
    from fours.service.models import LabourLine, PartLine, RepairOrder, Settlement

    users = users_by_role(store)
    advisors, techs = _workers(store)
    cashier = users[Role.CASHIER.value].pk
    keeper = users[Role.STOREKEEPER.value].pk
    seller = users[Role.PARTS_SALES.value].pk
    planner = users[Role.PARTS_PLANNER.value].pk
    supplier = _supplier(store.group).pk
    sid = store.pk
    base = today - dt.timedelta(days=DAYS)
    adv = f"(ARRAY{advisors}::bigint[])"
    tec = f"(ARRAY{techs}::bigint[])"
    ct = {m: ContentType.objects.get_for_model(m).pk for m in (RepairOrder, SaleLine, ReceiptLine)}
    ro, pl, ll = RepairOrder._meta.db_table, PartLine._meta.db_table, LabourLine._meta.db_table

    def run(sql: str) -> None:
        cur.execute(sql.replace("%(base)s", f"'{base.isoformat()}'"))

    def ins(model, values: dict, source: str) -> int:
        n = _insert(
            cur, model, {k: v.replace("%(base)s", f"'{base.isoformat()}'") for k, v in values.items()}, source
        )
        # the rows are this transaction's: fresh statistics so the next joins are planned on them
        cur.execute(f"ANALYZE {model._meta.db_table}")
        return n

    with connection.cursor() as cur:
        _wipe(cur, store)
        # the parts this store stocks, numbered 1..n, and the vehicles it serves
        run("DROP TABLE IF EXISTS y5_parts; DROP TABLE IF EXISTS y5_veh")
        run(
            f"CREATE TEMP TABLE y5_parts AS SELECT row_number() OVER (ORDER BY id) - 1 AS rn, id, "
            f"{_col(Part, 'purchase_price')} AS cost, {_col(Part, 'retail_price')} AS price "
            f"FROM {Part._meta.db_table} WHERE {_col(Part, 'group')} = {store.group_id} "
            f"AND {_col(Part, 'part_no')} LIKE 'Y5P%%' ORDER BY id LIMIT {vol.parts}"
        )
        run("CREATE UNIQUE INDEX ON y5_parts (rn)")
        run(
            f"CREATE TEMP TABLE y5_veh AS SELECT row_number() OVER (ORDER BY id) - 1 AS rn, id, owner_id {vehicles_sql}"
        )
        run("CREATE UNIQUE INDEX ON y5_veh (rn)")
        run("ANALYZE y5_parts; ANALYZE y5_veh")
        cur.execute("SELECT count(*) FROM y5_veh")
        n_veh = cur.fetchone()[0]
        np = vol.parts
        ins(
            PartSetting,
            {
                "store": str(sid),
                "part": "p.id",
                "min_qty": "10",
                "max_qty": "60",
                "safety_qty": "5",
                "abc_class": f"CASE WHEN p.rn < {np // 10} THEN 'A' WHEN p.rn < {np * 3 // 10} THEN 'B' ELSE 'C' END",
            },
            "y5_parts p",
        )

        # repair orders: delivered and settled, spread evenly over the days, 08:00–17:00
        t = _at(f"(g - 1) * {DAYS} / {vol.ros}", "mod(g * 37, 540)")
        ins(
            RepairOrder,
            {
                "store": str(sid),
                "number": f"'RO-' || to_char(({t}) AT TIME ZONE '{TZ}', 'YYYY') || '-' || lpad(g::text, 6, '0')",
                "status": "'delivered'",
                "kind": "CASE WHEN mod(g, 5) < 2 THEN 'maintenance' ELSE 'repair' END",
                "vehicle": "v.id",
                "customer": "v.owner_id",
                "advisor": f"{adv}[1 + mod(g, {len(advisors)})]",
                "received_at": t,
                "promised_at": f"{t} + interval '4 hours'",
                "odometer_km": "5000 + mod(g * 7919, 90000)",
                "estimate_confirmed_at": f"{t} + interval '10 minutes'",
                "settled_at": f"{t} + interval '3 hours'",
                "delivered_at": f"{t} + interval '3 hours 30 minutes'",
                "created_by": f"{adv}[1 + mod(g, {len(advisors)})]",
                "created_at": t,
            },
            f"generate_series(1, {vol.ros}) g JOIN y5_veh v ON v.rn = mod(g * 7919, {n_veh})",
        )
        mine = f"(SELECT * FROM {ro} WHERE {_col(RepairOrder, 'store')} = {sid}) r"
        ro_ids = f"SELECT id FROM {ro} WHERE {_col(RepairOrder, 'store')} = {sid}"
        ins(
            LabourLine,
            {
                "ro": "r.id",
                "code": "'Y5L' || k",
                "name": "CASE WHEN k = 1 THEN '常规保养' ELSE '故障检查' END",
                "hours": "1 + mod(r.id + k, 4) * 0.5",
                "rate": "300",
                "amount": "(1 + mod(r.id + k, 4) * 0.5) * 300",
                "status": "'done'",
                "technician": f"{tec}[1 + mod(r.id + k, {len(techs)})]",
                "actual_hours": "1 + mod(r.id + k, 4) * 0.5",
                "self_checked_at": "r.received_at + interval '2 hours'",
                "sort": "k",
            },
            f"{mine} CROSS JOIN LATERAL generate_series(1, 1 + mod(r.id, 2)) k",
        )
        ins(
            PartLine,
            {
                "ro": "r.id",
                "part": "p.id",
                "qty": "1 + mod(r.id + k, 2)",
                "unit_price": "p.price",
                "amount": "round((1 + mod(r.id + k, 2)) * p.price, 2)",
                "qty_issued": "1 + mod(r.id + k, 2)",
                "cost": "round((1 + mod(r.id + k, 2)) * p.cost, 2)",
                "status": "'issued'",
                "requested_at": "r.received_at + interval '1 hour'",
                "requested_by": f"{tec}[1 + mod(r.id, {len(techs)})]",
                "sort": "k",
            },
            f"{mine} CROSS JOIN LATERAL generate_series(1, {vol.part_lines}) k "
            f"JOIN y5_parts p ON p.rn = mod(r.id * {vol.part_lines} + k * 977, {np})",
        )
        c = {f: _col(RepairOrder, f) for f in ("labour_total", "parts_total", "total", "invoice_no", "store")}
        run(
            f"UPDATE {ro} r SET {c['labour_total']} = l.s, {c['parts_total']} = p.s, {c['total']} = l.s + p.s, "
            f"{c['invoice_no']} = 'Y5' || lpad(r.id::text, 9, '0') "
            f"FROM (SELECT ro_id, sum(amount) s FROM {ll} WHERE ro_id IN ({ro_ids}) GROUP BY ro_id) l, "
            f"(SELECT ro_id, sum(amount) s FROM {pl} WHERE ro_id IN ({ro_ids}) GROUP BY ro_id) p "
            f"WHERE r.{c['store']} = {sid} AND l.ro_id = r.id AND p.ro_id = r.id"
        )
        ins(
            Settlement,
            {
                "store": str(sid),
                "ro": "r.id",
                "number": "'JS' || substr(r.number, 3)",
                "invoice_no": "r.invoice_no",
                "labour_total": "r.labour_total",
                "parts_total": "r.parts_total",
                "discount_total": "0",
                "total": "r.total",
                "net_total": "round(r.total / 1.13, 2)",
                "vat": "r.total - round(r.total / 1.13, 2)",
                "customer_amount": "r.total",
                "warranty_amount": "0",
                "insurance_amount": "0",
                "internal_amount": "0",
                "parts_cost": "p.c",
                "actor": str(cashier),
                "at": "r.settled_at",
            },
            f"{mine} JOIN (SELECT ro_id, sum(cost) c FROM {pl} WHERE ro_id IN ({ro_ids}) GROUP BY ro_id) p "
            "ON p.ro_id = r.id",
        )

        # counter sales: posted, paid at the desk, 1–4 lines
        t = _at(f"(g - 1) * {DAYS} / {vol.sales}", "mod(g * 53, 540)")
        ins(
            Sale,
            {
                "store": str(sid),
                "number": f"'LS-' || to_char(({t}) AT TIME ZONE '{TZ}', 'YYYY') || '-' || lpad(g::text, 6, '0')",
                "channel": "'counter'",
                "status": "'posted'",
                "customer_name": "'散客' || mod(g, 997)",
                "terms": "'cash'",
                "posted_at": t,
                "issued_by": str(keeper),
                "created_at": f"{t} - interval '10 minutes'",
                "created_by": str(seller),
            },
            f"generate_series(1, {vol.sales}) g",
        )
        sale = f"(SELECT * FROM {Sale._meta.db_table} WHERE {_col(Sale, 'store')} = {sid}) s"
        ins(
            SaleLine,
            {
                "sale": "s.id",
                "part": "p.id",
                "qty_requested": "1",
                "qty": "1",
                "unit_price": "p.price",
                "amount": "p.price",
                "tax_rate": "0.13",
                "unit_cost": "p.cost",
                "cost": "round(p.cost, 2)",
            },
            f"{sale} CROSS JOIN LATERAL generate_series(1, 1 + mod(s.id, 4)) k "
            f"JOIN y5_parts p ON p.rn = mod(s.id * 7 + k * 1231, {np})",
        )
        sl = SaleLine._meta.db_table
        run(
            f"UPDATE {Sale._meta.db_table} s SET total = l.a, net_total = round(l.a / 1.13, 2), cost_total = l.c "
            f"FROM (SELECT sale_id, sum(amount) a, sum(cost) c FROM {sl} WHERE sale_id IN "
            f"(SELECT id FROM {Sale._meta.db_table} WHERE store_id = {sid}) GROUP BY sale_id) l "
            f"WHERE s.store_id = {sid} AND l.sale_id = s.id"
        )

        # purchase orders received in full, one receipt each
        t = _at(f"(g - 1) * {DAYS} / {vol.receipts}", "mod(g * 11, 480)")
        ins(
            PurchaseOrder,
            {
                "store": str(sid),
                "number": f"'PO-' || to_char(({t}) AT TIME ZONE '{TZ}', 'YYYY') || '-' || lpad(g::text, 6, '0')",
                "supplier": str(supplier),
                "status": "'received'",
                "ordered_at": f"{t} - interval '3 days'",
                "approved_by": str(planner),
                "approved_at": f"{t} - interval '3 days'",
                "created_at": f"{t} - interval '3 days'",
                "created_by": str(planner),
            },
            f"generate_series(1, {vol.receipts}) g",
        )
        po = f"(SELECT * FROM {PurchaseOrder._meta.db_table} WHERE store_id = {sid}) o"
        ins(
            POLine,
            {
                "order": "o.id",
                "part": "p.id",
                "qty": "2",
                "qty_received": "2",
                "unit_price": "p.cost",
                "tax_rate": "0.13",
            },
            f"{po} CROSS JOIN LATERAL generate_series(0, {vol.receipt_lines - 1}) k "
            f"JOIN y5_parts p ON p.rn = mod(o.id * {vol.receipt_lines} + k, {np})",
        )
        ins(
            Receipt,
            {
                "store": str(sid),
                "order": "o.id",
                "supplier": "o.supplier_id",
                "number": "'RK' || substr(o.number, 3)",
                "received_at": "o.ordered_at + interval '3 days'",
                "created_at": "o.ordered_at + interval '3 days'",
                "created_by": str(keeper),
            },
            po,
        )
        rc = Receipt._meta.db_table
        ins(
            ReceiptLine,
            {
                "receipt": "r.id",
                "po_line": "l.id",
                "part": "l.part_id",
                "qty_noted": "l.qty",
                "qty": "l.qty",
                "unit_price": "l.unit_price",
                "unit_cost": "l.unit_price",
                "amount": "round(l.qty * l.unit_price, 2)",
            },
            f"(SELECT * FROM {rc} WHERE store_id = {sid}) r JOIN {POLine._meta.db_table} l ON l.order_id = r.order_id",
        )
        rl = ReceiptLine._meta.db_table
        run(
            f"UPDATE {rc} r SET net_amount = l.a, tax_amount = round(l.a * 0.13, 2) "
            f"FROM (SELECT receipt_id, sum(amount) a FROM {rl} WHERE receipt_id IN "
            f"(SELECT id FROM {rc} WHERE store_id = {sid}) GROUP BY receipt_id) l "
            f"WHERE r.store_id = {sid} AND l.receipt_id = r.id"
        )

        # the stock ledger: every movement in time order, running balances per part; the balances
        run("DROP TABLE IF EXISTS y5_mv")
        run(
            "CREATE TEMP TABLE y5_mv (part_id bigint, kind varchar(20), at timestamptz, qty numeric(12,3), "
            "unit_cost numeric(14,4), ct integer, obj varchar(64), doc varchar(40), actor bigint)"
        )
        run(
            f"INSERT INTO y5_mv SELECT p.id, 'opening', (%(base)s::date - 1) + interval '8 hours', 50, p.cost, "
            f"NULL, '', '', {keeper} FROM y5_parts p"
        )
        run(
            f"INSERT INTO y5_mv SELECT l.part_id, 'ro_issue', l.requested_at + l.sort * interval '1 minute', "
            f"-l.qty, p.cost, {ct[RepairOrder]}, r.id::text, r.number, {keeper} "
            f"FROM {pl} l JOIN {mine} ON r.id = l.ro_id JOIN y5_parts p ON p.id = l.part_id"
        )
        run(
            f"INSERT INTO y5_mv SELECT l.part_id, 'counter_sale', s.posted_at, -l.qty, l.unit_cost, "
            f"{ct[SaleLine]}, l.id::text, s.number, {keeper} FROM {sl} l JOIN {sale} ON s.id = l.sale_id"
        )
        run(
            f"INSERT INTO y5_mv SELECT l.part_id, 'receipt', r.received_at, l.qty, l.unit_cost, "
            f"{ct[ReceiptLine]}, l.id::text, r.number, {keeper} "
            f"FROM {rl} l JOIN (SELECT * FROM {rc} WHERE store_id = {sid}) r ON r.id = l.receipt_id"
        )
        run("ANALYZE y5_mv")
        ins(
            StockMove,
            {
                "store": str(sid),
                "part": "m.part_id",
                "kind": "m.kind",
                "at": "m.at",
                "qty": "m.qty",
                "unit_cost": "m.unit_cost",
                "value": "m.value",
                "balance_qty": "sum(m.qty) OVER w",
                "balance_value": "sum(m.value) OVER w",
                "avg_cost": "m.unit_cost",
                "content_type": "m.ct",
                "object_id": "m.obj",
                "doc_number": "m.doc",
                "actor": "m.actor",
            },
            "(SELECT *, round(qty * unit_cost, 2) AS value FROM y5_mv) m "
            "WINDOW w AS (PARTITION BY m.part_id ORDER BY m.at, m.kind, m.obj ROWS UNBOUNDED PRECEDING) "
            "ORDER BY m.at, m.kind, m.obj",
        )
        mv = StockMove._meta.db_table
        ins(
            StockBalance,
            {
                "store": str(sid),
                "part": "m.part_id",
                "on_hand": "m.q",
                "reserved": "0",
                "value": "m.v",
                "avg_cost": "p.cost",
                "last_move_at": "m.last_at",
                "last_issue_at": "m.last_issue",
            },
            f"(SELECT part_id, sum(qty) q, sum(value) v, max(at) last_at, max(at) FILTER (WHERE qty < 0) last_issue "
            f"FROM {mv} WHERE store_id = {sid} GROUP BY part_id) m JOIN y5_parts p ON p.id = m.part_id",
        )
        run("DROP TABLE y5_mv; DROP TABLE y5_parts; DROP TABLE y5_veh")


def _analyze() -> None:
    from django.db import connection

    from fours.parts.models import Part, Receipt, ReceiptLine, Sale, SaleLine, StockBalance, StockMove
    from fours.reports.models import DailySummary
    from fours.service.models import LabourLine, PartLine, RepairOrder, Settlement

    with connection.cursor() as cur:
        for m in (RepairOrder, LabourLine, PartLine, Settlement, Sale, SaleLine, Receipt, ReceiptLine):
            cur.execute(f"ANALYZE {m._meta.db_table}")
        for m in (StockMove, StockBalance, Part, DailySummary):
            cur.execute(f"ANALYZE {m._meta.db_table}")


def _build(store, vol: Volume, vehicles_sql: str, parts: int) -> bool:
    """Write the store's documents unless they are there; True when written."""
    from django.db import connection, transaction
    from django.utils import timezone

    if _complete(store, vol):
        return False
    with transaction.atomic():
        with connection.cursor() as cur:
            # one writer at a time (two bench processes starting together): the second finds it written
            cur.execute("SELECT pg_advisory_xact_lock(4242, %s)", [store.pk])
        if _complete(store, vol):
            return False
        with connection.cursor() as cur:
            _parts(cur, store.group, parts)
        _documents(store, vol, vehicles_sql=vehicles_sql, today=timezone.localdate())
    return True


def _summaries(store, rebuilt: bool) -> int:
    """The store's daily summaries: all rebuilt from its documents when they were just written, else only
    those of the apps whose figures have no row yet (an app whose summaries came after the store)."""
    from django.db import transaction

    from fours.core.registry import summary_builders
    from fours.reports.management.commands.rebuild_summaries import fresh_rows, rebuild
    from fours.reports.models import DailySummary

    if rebuilt:
        return rebuild(store)
    missing = [
        b
        for b in summary_builders()
        if not DailySummary.objects.filter(
            store=store, department=b.DEPARTMENT, metric__in=list(b.METRICS)
        ).exists()
    ]
    if not missing:
        return 0
    with transaction.atomic():
        rows = fresh_rows(store, builders=missing)
        DailySummary.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def five_year_store():
    """The five-year store (BENCH5Y), written on first use and kept in the bench database."""
    from fours.customers.models import Vehicle

    from .fig_archive import N_VEHICLES, _archive
    from .fig_core import _store as archive_store

    started = time.monotonic()
    group = archive_store().group
    store = _store(STORE_CODE, group, "压测五年门店", 5)
    written = False
    if not _complete(store, FIVE_YEARS):
        _archive(archive_store())
        vehicles = (
            f"FROM {Vehicle._meta.db_table} WHERE {_col(Vehicle, 'group')} = {group.pk} "
            f"AND left({_col(Vehicle, 'vin')}, 3) = 'LVG' ORDER BY id LIMIT {N_VEHICLES}"
        )
        print(f"bench.volume: writing five years of {store.code} …", flush=True)
        written = _build(store, FIVE_YEARS, vehicles, N_PARTS)
    t_docs = time.monotonic() - started
    n = _summaries(store, written)
    if written or n:
        _analyze()
        print(
            f"bench.volume: {store.code}: documents {t_docs:.0f} s, {n} summary rows from them, "
            f"{time.monotonic() - started:.0f} s in all",
            flush=True,
        )
    return store


# --- the group of 30 -----------------------------------------------------------------------------------------

# (department, metric, daily value of a store: a base × 0.7…1.3[, dimension as the app's summaries keep it])
GROUP_FIGURES = [
    ("service", "ro_count", 33),
    ("service", "ro_settled", 33),
    ("service", "ro_delivered", 33),
    ("service", "ro_promised", 30),
    ("service", "ro_on_time", 27),
    ("service", "ro_reworked", 1),
    ("service", "ro_from_appt", 12),
    ("service", "service_output", 33 * 1650, "payer:customer"),
    ("service", "labour_revenue", 33 * 450),
    ("service", "service_parts", 33 * 1200),
    ("service", "service_discount", 600),
    ("service", "hours_sold", 50),
    ("service", "hours_actual", 45),
    ("service", "jobs", 50),
    ("service", "reworks", 1),
    ("parts", "cogs", 26_000),
    ("parts", "stock_in_value", 28_000),
    ("parts", "stock_out_value", 26_000),
    ("parts", "stock_value_delta", 2_000),
    ("parts", "stock_moves", 550, "kind:ro_issue"),
    ("parts", "parts_revenue", 9_000, "channel:counter"),
    ("parts", "parts_cost", 6_000, "channel:counter"),
    ("parts", "parts_sales", 55, "channel:counter"),
    ("sales", "traffic", 25),
    ("sales", "calls", 15),
    ("sales", "leads", 18),
    ("sales", "follow_ups", 60),
    ("sales", "test_drives", 8),
    ("sales", "orders", 5),
    ("sales", "deliveries", 5),
    ("sales", "defeats", 4),
    ("sales", "cancellations", 1),
    ("sales", "vehicle_revenue", 5 * 180_000),
    ("sales", "gross_profit", 5 * 6_000),
    ("sales", "accessory_revenue", 5 * 3_000),
    ("sales", "loans", 2),
    ("sales", "policies", 4),
    ("sales", "fi_commission", 5 * 900),
    ("sales", "arrivals", 5),
]


def _group_summaries(cur, stores, today: dt.date) -> int:
    """Five years of daily department rows per store and figure (person and dimension empty)."""
    from fours.reports.models import DailySummary

    base = today - dt.timedelta(days=DAYS)
    ids = ",".join(str(s.pk) for s in stores)
    cur.execute(f"DELETE FROM {DailySummary._meta.db_table} WHERE store_id IN ({ids})")
    figures = ", ".join(
        f"({i}, '{d}', '{m}', {v}, '{dim[0] if dim else ''}')"
        for i, (d, m, v, *dim) in enumerate(GROUP_FIGURES)
    )
    return _insert(
        cur,
        DailySummary,
        {
            "store": "s.id",
            "day": f"'{base.isoformat()}'::date + d",
            "department": "f.dept",
            "metric": "f.metric",
            "dimension": "f.dim",
            "value": "round(f.base * (0.7 + mod(d * 31 + s.id * 17 + f.i * 7, 61) / 100.0), "
            "CASE WHEN f.base >= 1000 THEN 2 ELSE 0 END)",
        },
        f"unnest(ARRAY[{ids}]) AS s(id) CROSS JOIN generate_series(0, {DAYS - 1}) d "
        f"CROSS JOIN (VALUES {figures}) AS f(i, dept, metric, base, dim)",
    )


def _group_customers(group, n: int = 600) -> None:
    """n customers, each owning a vehicle, in the group's archive (written once)."""
    import random

    from fours.customers.demo import make_plate, make_vin
    from fours.customers.models import Customer, CustomerPhone, Vehicle

    have = Vehicle.objects.filter(group=group, vin__startswith="LVH").count()
    if have >= n:
        return
    custs = Customer.objects.bulk_create(
        [Customer(group=group, name=f"集团客户{i}", mobile=f"137{i:08d}") for i in range(have, n)]
    )
    CustomerPhone.objects.bulk_create(
        [CustomerPhone(customer=c, number=c.mobile, is_primary=True) for c in custs]
    )
    rnd = random.Random(30)
    used: set = set(Vehicle.objects.filter(group=group).values_list("plate", flat=True))
    Vehicle.objects.bulk_create(
        [
            Vehicle(
                group=group,
                vin=make_vin(rnd, "LVH", 2023, have + i),
                plate=make_plate(rnd, False, used),
                owner=c,
            )
            for i, c in enumerate(custs)
        ]
    )


def group_of_30():
    """The dealer group BENCH30 (30 stores, five years of summaries each), written on first use."""
    from django.db import connection, transaction
    from django.utils import timezone

    from fours.core.models import DealerGroup
    from fours.core.roles import ROLE_SLUGS, Role
    from fours.customers.models import Vehicle
    from fours.reports.models import DailySummary

    started = time.monotonic()
    group, _ = DealerGroup.objects.get_or_create(code=GROUP_CODE, defaults={"name": "压测三十店集团"})
    stores = [
        _store(f"B30S{i:02d}", group, f"压测集团{i:02d}店", 100 + i) for i in range(1, GROUP_STORES + 1)
    ]
    _person(
        f"{GROUP_CODE.lower()}.{ROLE_SLUGS[Role.GROUP_MANAGER]}", "集团经理", Role.GROUP_MANAGER, group=group
    )
    want = GROUP_STORES * DAYS * len(GROUP_FIGURES)
    today = timezone.localdate()
    written = 0
    vehicles = (
        f"FROM {Vehicle._meta.db_table} WHERE {_col(Vehicle, 'group')} = {group.pk} "
        f"AND left({_col(Vehicle, 'vin')}, 3) = 'LVH' ORDER BY id"
    )
    for s in stores:
        if not _complete(s, GROUP_STORE):
            _group_customers(group)
            written += _build(s, GROUP_STORE, vehicles, GROUP_PARTS)
    have = DailySummary.objects.filter(store__in=stores).count()
    if written or have != want:
        print(f"bench.volume: writing {GROUP_CODE}'s summaries …", flush=True)
        with transaction.atomic(), connection.cursor() as cur:
            _group_summaries(cur, stores, today)
        _analyze()
    if written or have != want:
        print(f"bench.volume: {GROUP_CODE} written in {time.monotonic() - started:.0f} s", flush=True)
    return group


def group_manager(group):
    """The group's manager (every store of the group), with the demo password."""
    from fours.core.roles import ROLE_SLUGS, Role

    return _person(
        f"{group.code.lower()}.{ROLE_SLUGS[Role.GROUP_MANAGER]}", "集团经理", Role.GROUP_MANAGER, group=group
    )
