"""The stock ledger: the one door through which stock moves.

Every change of on-hand goes through ``_post`` on a StockBalance row locked with select_for_update;
a document locks its balances in part-id order (``lock_balances``) and takes its number last.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record
from fours.core.errors import BusinessError
from fours.core.money import round_cost, round_money, to_decimal

from ..choices import UNIT_DECIMALS, Channel, MoveKind, Unit
from ..models import FillRateRecord, Part, PurchaseDemand, StockBalance, StockMove, StockReservation

ZERO = Decimal("0")
RETRY_SQLSTATES = {"40P01", "40001"}  # deadlock detected, serialization failure


# --- helpers -----------------------------------------------------------------------------------


def retry_on_conflict(fn):
    """Retry a top-level service when PostgreSQL reports a deadlock or serialization failure.

    Inside an outer transaction the caller owns the transaction, so the error propagates to it."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if connection.in_atomic_block:
            return fn(*args, **kwargs)
        for attempt in range(5):
            try:
                return fn(*args, **kwargs)
            except OperationalError as exc:
                state = getattr(exc.__cause__, "sqlstate", None) or getattr(exc.__cause__, "pgcode", None)
                if state not in RETRY_SQLSTATES or attempt == 4:
                    raise
                time.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    return wrapper


def clean_qty(part: Part, qty, field: str = "qty", *, allow_zero: bool = False) -> Decimal:
    """A positive quantity with no more decimals than the part's unit allows."""
    try:
        value = to_decimal(qty)
    except (InvalidOperation, ValueError, TypeError):
        raise BusinessError({field: _("数量格式不正确")}, code="qty_format") from None
    if not value.is_finite():
        raise BusinessError({field: _("数量格式不正确")}, code="qty_format")
    if value < 0 or (value == 0 and not allow_zero):
        raise BusinessError({field: _("数量必须大于0")}, code="qty_positive")
    places = UNIT_DECIMALS.get(part.unit, 3)
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise BusinessError(
            {
                field: _("单位“%(unit)s”的数量最多%(n)s位小数")
                % {"unit": Unit(part.unit).label if part.unit in Unit.values else part.unit, "n": places}
            },
            code="qty_decimals",
        )
    if value >= Decimal("1000000000"):
        raise BusinessError({field: _("数量过大")}, code="qty_range")
    return value


def clean_cost(value, field: str = "unit_cost") -> Decimal:
    try:
        v = to_decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise BusinessError({field: _("金额格式不正确")}) from None
    if not v.is_finite() or v < 0:
        raise BusinessError({field: _("成本不能为负数")}, code="cost_negative")
    if v >= Decimal("10000000000"):
        raise BusinessError({field: _("金额过大")})
    return round_cost(v)


_CT_CACHE: dict = {}


def doc_ref(doc, doc_number: str | None = None) -> tuple[ContentType | None, str, str]:
    """(content type, object id, number for display) of the document a move belongs to."""
    if doc is None:
        return None, "", doc_number or ""
    ct = ContentType.objects.get_for_model(doc, for_concrete_model=False)
    if doc_number is None:
        doc_number = getattr(doc, "doc_number", None) or getattr(doc, "number", None) or ""
    return ct, str(doc.pk), str(doc_number)[:40]


def lock_balance(store, part) -> StockBalance:
    """The store × part balance, locked until commit (created first when missing)."""
    rows = list(StockBalance.objects.select_for_update().filter(store=store, part=part)[:1])
    if not rows:
        StockBalance.objects.bulk_create([StockBalance(store=store, part=part)], ignore_conflicts=True)
        rows = list(StockBalance.objects.select_for_update().filter(store=store, part=part)[:1])
    bal = rows[0]
    bal.store, bal.part = store, part
    return bal


def lock_balances(store, parts: Iterable[Part]) -> dict[int, StockBalance]:
    """Lock the balances of several parts in part-id order (the fixed order that prevents deadlocks).
    Missing balances (a part never stocked here) are created first and then everything is locked again;
    a deadlock that this rare path can meet is retried by retry_on_conflict."""
    by_id = {p.pk: p for p in parts}
    ids = sorted(by_id)

    def locked():
        return list(
            StockBalance.objects.select_for_update().filter(store=store, part_id__in=ids).order_by("part_id")
        )

    rows = locked()
    if len(rows) < len(ids):
        have = {b.part_id for b in rows}
        missing = [StockBalance(store=store, part_id=i) for i in ids if i not in have]
        StockBalance.objects.bulk_create(missing, ignore_conflicts=True)
        rows = locked()
    out = {}
    for bal in rows:
        bal.store, bal.part = store, by_id[bal.part_id]
        out[bal.part_id] = bal
    return out


def apply_move(on_hand: Decimal, value: Decimal, avg: Decimal, qty: Decimal, unit_cost: Decimal | None):
    """The moving-average rule, as a pure function: (move value, unit cost, new on_hand, value, avg).

    Inbound at a cost: value += round(qty × cost); avg = value / on_hand (when both are positive).
    Outbound without a cost: taken at the current average, avg unchanged.
    Outbound at a cost (a reversal of a receipt): value -= round(qty × cost); avg recomputed.
    A move that brings on_hand to zero takes the whole remaining value, so nothing is left over.
    """
    cost = avg if unit_cost is None else unit_cost
    new_on_hand = on_hand + qty
    if new_on_hand == 0:
        move_value = -value
    else:
        move_value = round_money(qty * cost)
    new_value = value + move_value
    if qty < 0 and unit_cost is None:
        new_avg = avg
    elif new_on_hand > 0 and new_value > 0:
        new_avg = round_cost(new_value / new_on_hand)
    else:
        new_avg = cost
    return move_value, cost, new_on_hand, new_value, new_avg


def stage_move(
    bal: StockBalance,
    *,
    actor,
    kind: str,
    qty: Decimal,
    unit_cost: Decimal | None = None,
    ct=None,
    object_id: str = "",
    doc_number: str = "",
    note: str = "",
    check: bool = True,
    consume_reserved: Decimal = ZERO,
    reversal_of: StockMove | None = None,
    at=None,
) -> tuple[StockMove, list[str]]:
    """Apply one move to a locked balance in memory: (the unsaved move, the balance fields it changed).
    qty is signed (+ in, − out). post_move saves both; a document of many lines saves them in bulk."""
    if qty < 0 and check and not bal.store.allow_negative_stock:
        available = bal.on_hand - bal.reserved + consume_reserved
        if -qty > available:
            raise BusinessError(
                {
                    "qty": _("库存不足：%(part)s 可用 %(avail)s，需要 %(need)s")
                    % {"part": bal.part.part_no, "avail": _fmt(available), "need": _fmt(-qty)}
                },
                code="insufficient_stock",
            )
    move_value, cost, bal.on_hand, bal.value, bal.avg_cost = apply_move(
        bal.on_hand, bal.value, bal.avg_cost, qty, unit_cost
    )
    now = at or timezone.now()
    fields = ["on_hand", "value", "avg_cost", "last_move_at"]
    bal.last_move_at = now
    if qty < 0 and kind in (MoveKind.COUNTER_SALE, MoveKind.WHOLESALE, MoveKind.RO_ISSUE):
        bal.last_issue_at = now
        fields.append("last_issue_at")
    if consume_reserved:
        bal.reserved -= consume_reserved
        fields.append("reserved")
    move = StockMove(
        store=bal.store,
        part=bal.part,
        kind=kind,
        at=now,
        qty=qty,
        unit_cost=cost,
        value=move_value,
        balance_qty=bal.on_hand,
        balance_value=bal.value,
        avg_cost=bal.avg_cost,
        content_type=ct,
        object_id=object_id,
        doc_number=doc_number,
        reversal_of=reversal_of,
        actor=actor if getattr(actor, "pk", None) else None,
        note=note[:200],
    )
    return move, fields


def post_move(bal: StockBalance, **kw) -> StockMove:
    """Append one move to a locked balance (see stage_move for the arguments)."""
    move, fields = stage_move(bal, **kw)
    bal.save(update_fields=fields)
    move.save(force_insert=True)
    return move


def _fmt(d: Decimal) -> str:
    return f"{d.normalize():f}" if d == d.to_integral() else f"{d:f}".rstrip("0")


def _reserved_by(store, part, ct, object_id) -> Decimal:
    if ct is None:
        return ZERO
    got = StockReservation.objects.filter(
        store=store, part=part, content_type=ct, object_id=object_id
    ).aggregate(s=Sum("qty"))["s"]
    return got or ZERO


def _audit(actor, doc, store, verb, move: StockMove | None = None, note=""):
    changes = {}
    if move is not None:
        changes = {"part": move.part.part_no, "qty": move.qty, "balance": move.balance_qty}
    audit_record(
        actor=actor, obj=doc if doc is not None else move, verb=verb, changes=changes, store=store, note=note
    )


# --- the public stock services -----------------------------------------------------------------


@retry_on_conflict
@transaction.atomic
def stock_receive(
    *, actor, store, part, qty, unit_cost, doc, note: str = "", kind: str = MoveKind.RECEIPT, doc_number=None
) -> StockMove:
    """Into stock at a net unit cost; the moving average is recomputed."""
    qty = clean_qty(part, qty)
    cost = clean_cost(unit_cost)
    ct, oid, number = doc_ref(doc, doc_number)
    bal = lock_balance(store, part)
    move = post_move(
        bal,
        actor=actor,
        kind=kind,
        qty=qty,
        unit_cost=cost,
        ct=ct,
        object_id=oid,
        doc_number=number,
        note=note,
    )
    _audit(actor, doc, store, "stock_receive", move, note)
    return move


def stock_issue(
    *, actor, store, part, qty, doc, kind: str = MoveKind.RO_ISSUE, note: str = "", doc_number=None
) -> StockMove:
    """Out of stock at the current average cost. Refused when short unless the store allows negative
    stock. A reservation held by the same document is consumed first. (A one-line stock_issue_lines.)"""
    return stock_issue_lines(
        actor=actor, store=store, doc=doc, lines=[(part, qty)], kind=kind, note=note, doc_number=doc_number
    )[0]


@retry_on_conflict
@transaction.atomic
def stock_issue_lines(
    *, actor, store, doc, lines, kind: str = MoveKind.RO_ISSUE, note: str = "", doc_number=None
) -> list[StockMove]:
    """Several parts out for one document at once (a whole pick list), all or nothing: the balances are
    locked in part-id order, each line takes the current average cost, a reservation held by the document
    is consumed first, and the balances, moves and one audit event are written in a few statements.
    ``lines`` is a list of (part, qty); the moves come back in the same order."""
    if doc is None:
        raise BusinessError({"doc": _("严禁白条出库：出库必须有单据")}, code="no_document")
    cleaned = [(part, clean_qty(part, qty)) for part, qty in lines]
    if not cleaned:
        return []
    ct, oid, number = doc_ref(doc, doc_number)
    bals = lock_balances(store, [part for part, _q in cleaned])
    held: dict = {}
    if ct is not None and any(b.reserved > 0 for b in bals.values()):
        rows = (
            StockReservation.objects.filter(
                store=store, content_type=ct, object_id=oid, part_id__in=list(bals)
            )
            .values("part_id")
            .annotate(q=Sum("qty"))
        )
        held = {r["part_id"]: r["q"] for r in rows if r["q"] and r["q"] > 0}
    now = timezone.now()
    before = {pid: b.on_hand for pid, b in bals.items()}
    moves, fields, consumed = [], {"on_hand", "value", "avg_cost", "last_move_at"}, []
    for part, qty in cleaned:
        consume = min(held.get(part.pk, ZERO), qty)
        if consume > 0:
            held[part.pk] -= consume
            consumed.append(
                StockReservation(
                    store=store, part=part, qty=-consume, content_type=ct, object_id=oid, actor=actor
                )
            )
        move, changed = stage_move(
            bals[part.pk],
            actor=actor,
            kind=kind,
            qty=-qty,
            ct=ct,
            object_id=oid,
            doc_number=number,
            note=note,
            consume_reserved=consume,
            at=now,
        )
        fields.update(changed)
        moves.append(move)
    StockBalance.objects.bulk_update(list(bals.values()), sorted(fields))
    if consumed:
        StockReservation.objects.bulk_create(consumed)
    StockMove.objects.bulk_create(moves)
    changes = {bals[pid].part.part_no: [_fmt(before[pid]), _fmt(bals[pid].on_hand)] for pid in sorted(bals)}
    audit_record(actor=actor, obj=doc, verb="stock_issue", changes=changes, store=store, note=note or number)
    return moves


@retry_on_conflict
@transaction.atomic
def stock_return(
    *,
    actor,
    store,
    part,
    qty,
    doc,
    unit_cost=None,
    kind: str = MoveKind.RO_RETURN,
    note: str = "",
    doc_number=None,
) -> StockMove:
    """Back into stock (维修退料 / customer return) at the given cost, or the current average."""
    qty = clean_qty(part, qty)
    cost = None if unit_cost is None else clean_cost(unit_cost)
    ct, oid, number = doc_ref(doc, doc_number)
    bal = lock_balance(store, part)
    move = post_move(
        bal,
        actor=actor,
        kind=kind,
        qty=qty,
        unit_cost=cost if cost is not None else bal.avg_cost,
        ct=ct,
        object_id=oid,
        doc_number=number,
        note=note,
    )
    _audit(actor, doc, store, "stock_return", move, note)
    return move


@retry_on_conflict
@transaction.atomic
def stock_reserve(*, actor, store, part, qty, doc) -> StockBalance:
    """Move qty from available to reserved for a document (e.g. an appointment's pre-picked parts)."""
    qty = clean_qty(part, qty)
    ct, oid, _n = doc_ref(doc)
    bal = lock_balance(store, part)
    if not store.allow_negative_stock and qty > bal.on_hand - bal.reserved:
        raise BusinessError(
            {
                "qty": _("可用库存不足，无法预留：可用 %(avail)s")
                % {"avail": _fmt(bal.on_hand - bal.reserved)}
            },
            code="insufficient_stock",
        )
    StockReservation.objects.create(
        store=store, part=part, qty=qty, content_type=ct, object_id=oid, actor=actor
    )
    bal.reserved += qty
    bal.save(update_fields=["reserved"])
    audit_record(
        actor=actor, obj=doc, verb="stock_reserve", changes={"part": part.part_no, "qty": qty}, store=store
    )
    return bal


@retry_on_conflict
@transaction.atomic
def stock_release(*, actor, store, part, qty, doc) -> StockBalance:
    """Give back a reservation held by a document."""
    qty = clean_qty(part, qty)
    ct, oid, _n = doc_ref(doc)
    bal = lock_balance(store, part)
    held = _reserved_by(store, part, ct, oid)
    if qty > held:
        raise BusinessError(
            {"qty": _("释放数量超过该单据的预留数量（%(held)s）") % {"held": _fmt(held)}},
            code="release_exceeds",
        )
    StockReservation.objects.create(
        store=store, part=part, qty=-qty, content_type=ct, object_id=oid, actor=actor
    )
    bal.reserved -= qty
    bal.save(update_fields=["reserved"])
    audit_record(
        actor=actor, obj=doc, verb="stock_release", changes={"part": part.part_no, "qty": qty}, store=store
    )
    return bal


@retry_on_conflict
@transaction.atomic
def stock_move_reverse(*, actor, move: StockMove, note: str = "") -> StockMove:
    """冲销: a posted move is never edited; this appends the opposite move at the same unit cost."""
    from fours.core.permissions import require_perm

    require_perm(actor, "parts.reverse_stockmove")
    if move.kind == MoveKind.REVERSAL:
        raise BusinessError({"move": _("冲销记录不能再冲销")}, code="reverse_reversal")
    if StockMove.objects.filter(reversal_of=move).exists():
        raise BusinessError({"move": _("该流水已冲销")}, code="already_reversed")
    bal = lock_balance(move.store, move.part)
    qty = -move.qty
    # Inbound moves come out at their own cost; outbound moves go back at the cost they left at.
    move_out = post_move(
        bal,
        actor=actor,
        kind=MoveKind.REVERSAL,
        qty=qty,
        unit_cost=move.unit_cost,
        ct=move.content_type,
        object_id=move.object_id,
        doc_number=move.doc_number,
        note=note or _("冲销 #%(id)s") % {"id": move.pk},
        reversal_of=move,
    )
    audit_record(actor=actor, obj=move, verb="reversed", changes={"qty": qty}, store=move.store, note=note)
    return move_out


@transaction.atomic
def purchase_demand_add(
    *, actor, store, part, qty, doc, emergency: bool = True, note: str = "", doc_number=None
) -> PurchaseDemand:
    """Record a demand (backorder) the purchase plan picks up; follows the supersession chain."""
    from .catalog import part_current

    qty = clean_qty(part, qty)
    ct, oid, number = doc_ref(doc, doc_number)
    demand = PurchaseDemand.objects.create(
        store=store,
        part=part_current(part),
        qty=qty,
        emergency=emergency,
        content_type=ct,
        object_id=oid,
        doc_number=number,
        note=note[:200],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(actor=actor, obj=demand, verb="demand_added", changes={"qty": qty}, store=store)
    return demand


def fill_rate_record(*, store, part, channel, qty_requested, qty_served_from_stock, doc) -> FillRateRecord:
    """One requested line for the first-request fill rate (满足率)."""
    return fill_rate_records(
        store=store, channel=channel, doc=doc, lines=[(part, qty_requested, qty_served_from_stock)]
    )[0]


def fill_rate_records(*, store, channel, doc, lines) -> list[FillRateRecord]:
    """Several first requests of one document at once: ``lines`` of (part, requested, served from stock)."""
    if channel not in Channel.values:
        raise BusinessError({"channel": _("未知渠道")})
    ct, oid, _n = doc_ref(doc)
    now = timezone.now()
    return FillRateRecord.objects.bulk_create(
        [
            FillRateRecord(
                store=store,
                part=part,
                channel=channel,
                qty_requested=to_decimal(requested),
                qty_served=min(to_decimal(served), to_decimal(requested)),
                content_type=ct,
                object_id=oid,
                at=now,
            )
            for part, requested, served in lines
        ]
    )
