"""The stock ledger: the one door through which stock moves.

Every change of on-hand goes through a ``StockPosting``: ``stock_stage`` locks the document's balances once
(select_for_update, in part-id order), checks and applies every line in memory (running balance, moving
average, reservations consumed first, negative stock refused unless the store allows it); the document then
takes its number (after the balances, so every posting locks in the same order) and writes its own rows, and
``StockPosting.write`` writes the balances, the moves (append-only: inserted once, number included) and one
audit event in a few statements. No module outside this file locks a balance or writes a move; an invoice's
gapless number is still taken last by its own posting service.
"""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record
from fours.core.errors import BusinessError, field_error
from fours.core.money import round_cost, round_money, to_decimal
from fours.reports.services import summary_add_many

from ..choices import UNIT_DECIMALS, Channel, MoveKind, Unit
from ..models import FillRateRecord, Part, PurchaseDemand, StockBalance, StockMove, StockReservation
from ..summaries import DEPARTMENT, move_figures

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
        raise field_error(field, _("数量格式不正确"), code="qty_format") from None
    if not value.is_finite():
        raise field_error(field, _("数量格式不正确"), code="qty_format")
    if value < 0 or (value == 0 and not allow_zero):
        raise field_error(field, _("数量必须大于0"), code="qty_positive")
    places = UNIT_DECIMALS.get(part.unit, 3)
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise field_error(
            field,
            _("单位“%(unit)s”的数量最多%(n)s位小数")
            % {"unit": Unit(part.unit).label if part.unit in Unit.values else part.unit, "n": places},
            code="qty_decimals",
        )
    if value >= Decimal("1000000000"):
        raise field_error(field, _("数量过大"), code="qty_range")
    return value


def clean_cost(value, field: str = "unit_cost") -> Decimal:
    try:
        v = to_decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise field_error(field, _("金额格式不正确"), code="bad_format") from None
    if not v.is_finite() or v < 0:
        raise field_error(field, _("成本不能为负数"), code="cost_negative")
    if v >= Decimal("10000000000"):
        raise field_error(field, _("金额过大"), code="out_of_range")
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


def _stage_move(
    bal: StockBalance,
    *,
    actor,
    kind: str,
    qty: Decimal,
    unit_cost: Decimal | None,
    note: str,
    consume_reserved: Decimal,
    reversal_of: StockMove | None,
    at,
) -> tuple[StockMove, list[str]]:
    """Apply one move to a locked balance in memory: (the unsaved move, the balance fields it changed)."""
    move_value, cost, bal.on_hand, bal.value, bal.avg_cost = apply_move(
        bal.on_hand, bal.value, bal.avg_cost, qty, unit_cost
    )
    fields = ["on_hand", "value", "avg_cost", "last_move_at"]
    bal.last_move_at = at
    if qty < 0 and kind in (MoveKind.COUNTER_SALE, MoveKind.WHOLESALE, MoveKind.RO_ISSUE):
        bal.last_issue_at = at
        fields.append("last_issue_at")
    if consume_reserved:
        bal.reserved -= consume_reserved
        fields.append("reserved")
    move = StockMove(
        store=bal.store,
        part=bal.part,
        kind=kind,
        at=at,
        qty=qty,
        unit_cost=cost,
        value=move_value,
        balance_qty=bal.on_hand,
        balance_value=bal.value,
        avg_cost=bal.avg_cost,
        reversal_of=reversal_of,
        actor=actor if getattr(actor, "pk", None) else None,
        note=note[:200],
    )
    return move, fields


def _short_error(bal: StockBalance, available: Decimal, need: Decimal) -> BusinessError:
    return field_error(
        "qty",
        _("库存不足：%(part)s 可用 %(avail)s，需要 %(need)s")
        % {"part": bal.part.part_no, "avail": _fmt(available), "need": _fmt(need)},
        code="insufficient_stock",
    )


@dataclass
class StockLine:
    """One line of a document at the stock door: a signed quantity of a part (+ in, − out), at a net unit
    cost (None: at the current average), booked against ``source`` (the document line, or a (content type,
    object id) pair; default the document itself). ``kind`` and ``note`` default to the posting's."""

    part: Part
    qty: Decimal
    unit_cost: Decimal | None = None
    source: object = None
    kind: str = ""
    note: str = ""
    reversal_of: StockMove | None = None


class StockPosting:
    """The moves of one document, staged in memory on locked balances (see stock_stage) and written once.

    ``moves`` follows the lines (None for a line skipped as short, see ``short``); each move's unit cost and
    value are known before anything is written, so a document can price its own lines first."""

    def __init__(self, *, actor, store, lines, kind, note, bals, held, reserved_ref, at):
        self.actor, self.store, self.lines, self.kind, self.note = actor, store, lines, kind, note
        self.bals, self.at = bals, at
        self.before = {pid: b.on_hand for pid, b in bals.items()}
        self.available = {pid: b.on_hand - b.reserved + held.get(pid, ZERO) for pid, b in bals.items()}
        self.moves: list[StockMove | None] = []
        self.short: dict[int, Decimal] = {}  # line index -> what was available for it
        self.consumed: list[StockReservation] = []
        self.fields: set[str] = set()
        self._held, self._reserved_ref, self._written = held, reserved_ref, False

    def _stage(self, i: int, line: StockLine, *, check: bool, partial: bool) -> None:
        bal = self.bals[line.part.pk]
        consume = ZERO
        if line.qty < 0:
            consume = min(self._held.get(line.part.pk, ZERO), -line.qty)
            if check and not self.store.allow_negative_stock:
                available = bal.on_hand - bal.reserved + consume
                if -line.qty > available:
                    if not partial:
                        raise _short_error(bal, available, -line.qty)
                    self.short[i] = available
                    self.moves.append(None)
                    return
        if consume > 0:
            self._held[line.part.pk] -= consume
            ct, oid = self._reserved_ref
            self.consumed.append(
                StockReservation(
                    store=self.store,
                    part=line.part,
                    qty=-consume,
                    content_type=ct,
                    object_id=oid,
                    actor=self.actor,
                )
            )
        move, changed = _stage_move(
            bal,
            actor=self.actor,
            kind=line.kind or self.kind,
            qty=line.qty,
            unit_cost=line.unit_cost,
            note=line.note or self.note,
            consume_reserved=consume,
            reversal_of=line.reversal_of,
            at=self.at,
        )
        self.fields.update(changed)
        self.moves.append(move)

    def write(self, *, doc, doc_number: str | None = None, verb: str | None = None) -> list[StockMove]:
        """Write the balances, the consumed reservations and the moves in one statement each, every move
        carrying the document's number; with ``verb``, one audit event on the document for all lines."""
        if self._written:
            raise AssertionError("a stock posting is written once")
        self._written = True
        moves = [m for m in self.moves if m is not None]
        if not moves:
            return []
        if doc is None and any(m.qty < 0 for m in moves):
            raise field_error("doc", _("严禁白条出库：出库必须有单据"), code="no_document")
        ct, oid, number = doc_ref(doc, doc_number)
        for line, move in zip(self.lines, self.moves, strict=True):
            if move is None:
                continue
            if line.source is None or line.source is doc:
                move.content_type, move.object_id = ct, oid
            elif isinstance(line.source, tuple):  # (content type, object id), e.g. a reversal's document
                move.content_type, move.object_id = line.source
            else:
                move.content_type = ContentType.objects.get_for_model(line.source, for_concrete_model=False)
                move.object_id = str(line.source.pk)
            move.doc_number = number
        touched = sorted({m.part_id for m in moves})
        if len(touched) == 1:
            self.bals[touched[0]].save(update_fields=sorted(self.fields))
        else:
            StockBalance.objects.bulk_update([self.bals[pid] for pid in touched], sorted(self.fields))
        if self.consumed:
            StockReservation.objects.bulk_create(self.consumed)
        StockMove.objects.bulk_create(moves)
        if verb:
            changes = {
                self.bals[pid].part.part_no: [_fmt(self.before[pid]), _fmt(self.bals[pid].on_hand)]
                for pid in touched
            }
            audit_record(
                actor=self.actor,
                obj=doc if doc is not None else moves[0],
                verb=verb,
                changes=changes,
                store=self.store,
                note=self.note or number,
            )
        stock_summaries_add(store=self.store, moves=moves)
        return moves


def stock_summaries_add(*, store, moves: Iterable[StockMove]) -> None:
    """Add what written moves change in the daily summaries (the table in ``fours.parts.summaries``), in
    the caller's transaction: one statement for all the figures of the posting (``summary_add_many`` takes
    the rows in a fixed order, so concurrent postings never deadlock on them)."""
    by_day: dict = defaultdict(list)
    for m in moves:
        by_day[timezone.localdate(m.at)].append(m)
    summary_add_many(
        store=store,
        department=DEPARTMENT,
        rows=[
            (day, metric, value, None, dim)
            for day, day_moves in by_day.items()
            for (metric, dim), value in move_figures(day_moves).items()
        ],
    )


def stock_stage(
    *,
    actor,
    store,
    lines: Iterable[StockLine],
    kind: str,
    check: bool = True,
    reserved_for=None,
    partial: bool = False,
    note: str = "",
) -> StockPosting:
    """The stock door for a document's lines, step one, inside the document's transaction: lock the balances
    once (part-id order), take a reservation held by ``reserved_for`` first, refuse an outbound line the
    stock cannot serve (unless the store allows negative stock, or ``check`` is off for a count adjustment;
    with ``partial`` the line is skipped and listed in ``short`` instead) and apply every line to the
    running balance and moving average in memory. Nothing is written: the document prices its own lines
    from ``moves``, takes its number, writes its rows, then calls ``write``."""
    lines = list(lines)
    bals = lock_balances(store, [ln.part for ln in lines]) if lines else {}
    held: dict = {}
    ct, oid = None, ""
    if reserved_for is not None:
        ct, oid, _n = doc_ref(reserved_for)
        if any(b.reserved > 0 for b in bals.values()):
            rows = (
                StockReservation.objects.filter(
                    store=store, content_type=ct, object_id=oid, part_id__in=list(bals)
                )
                .values("part_id")
                .annotate(q=Sum("qty"))
            )
            held = {r["part_id"]: r["q"] for r in rows if r["q"] and r["q"] > 0}
    posting = StockPosting(
        actor=actor,
        store=store,
        lines=lines,
        kind=kind,
        note=note,
        bals=bals,
        held=held,
        reserved_ref=(ct, oid),
        at=timezone.now(),
    )
    for i, line in enumerate(lines):
        posting._stage(i, line, check=check, partial=partial)
    return posting


@retry_on_conflict
@transaction.atomic
def stock_post_lines(
    *,
    actor,
    store,
    doc,
    lines: Iterable[StockLine],
    kind: str,
    doc_number: str | None = None,
    check: bool = True,
    verb: str | None = None,
    note: str = "",
) -> list[StockMove]:
    """Both steps at once for a document whose rows are already written (a transfer, a count, a write-off):
    stage the lines, then write the moves with the document's number. All or nothing."""
    return stock_stage(actor=actor, store=store, lines=lines, kind=kind, check=check, note=note).write(
        doc=doc, doc_number=doc_number, verb=verb
    )


def _fmt(d: Decimal) -> str:
    return f"{d.normalize():f}" if d == d.to_integral() else f"{d:f}".rstrip("0")


def _reserved_by(store, part, ct, object_id) -> Decimal:
    if ct is None:
        return ZERO
    got = StockReservation.objects.filter(
        store=store, part=part, content_type=ct, object_id=object_id
    ).aggregate(s=Sum("qty"))["s"]
    return got or ZERO


# --- the public stock services -----------------------------------------------------------------


def stock_receive(
    *, actor, store, part, qty, unit_cost, doc, note: str = "", kind: str = MoveKind.RECEIPT, doc_number=None
) -> StockMove:
    """Into stock at a net unit cost; the moving average is recomputed."""
    line = StockLine(part, clean_qty(part, qty), clean_cost(unit_cost))
    return _post_one(actor, store, doc, line, kind, doc_number, "stock_receive", note)


def _post_one(actor, store, doc, line: StockLine, kind, doc_number, verb, note) -> StockMove:
    kw = {"doc_number": doc_number, "verb": verb, "note": note}
    return stock_post_lines(actor=actor, store=store, doc=doc, lines=[line], kind=kind, **kw)[0]


def stock_issue(
    *, actor, store, part, qty, doc, kind: str = MoveKind.RO_ISSUE, note: str = "", doc_number=None
) -> StockMove:
    """Out of stock at the current average cost. Refused when short unless the store allows negative
    stock. A reservation held by the same document is consumed first."""
    return _issue_for(actor, store, doc, [StockLine(part, -clean_qty(part, qty))], kind, note, doc_number)[0]


@retry_on_conflict
@transaction.atomic
def _issue_for(actor, store, doc, lines, kind, note, doc_number) -> list[StockMove]:
    if doc is None:
        raise field_error("doc", _("严禁白条出库：出库必须有单据"), code="no_document")
    posting = stock_stage(actor=actor, store=store, lines=lines, kind=kind, reserved_for=doc, note=note)
    return posting.write(doc=doc, doc_number=doc_number, verb="stock_issue")


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
    line = StockLine(part, clean_qty(part, qty), None if unit_cost is None else clean_cost(unit_cost))
    return _post_one(actor, store, doc, line, kind, doc_number, "stock_return", note)


@retry_on_conflict
@transaction.atomic
def stock_reserve(*, actor, store, part, qty, doc) -> StockBalance:
    """Move qty from available to reserved for a document (e.g. an appointment's pre-picked parts)."""
    qty = clean_qty(part, qty)
    ct, oid, _n = doc_ref(doc)
    bal = lock_balances(store, [part])[part.pk]
    if not store.allow_negative_stock and qty > bal.on_hand - bal.reserved:
        raise field_error(
            "qty",
            _("可用库存不足，无法预留：可用 %(avail)s") % {"avail": _fmt(bal.on_hand - bal.reserved)},
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
    bal = lock_balances(store, [part])[part.pk]
    held = _reserved_by(store, part, ct, oid)
    if qty > held:
        raise field_error(
            "qty",
            _("释放数量超过该单据的预留数量（%(held)s）") % {"held": _fmt(held)},
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


class StockReserving:
    """The reservations of one document's lines, checked on locked balances (see stock_reserve_stage) and
    written once the document has its id."""

    def __init__(self, *, actor, store, lines, bals):
        self.actor, self.store, self.lines, self.bals = actor, store, lines, bals

    def write(self, *, doc) -> list[StockReservation]:
        ct, oid, _n = doc_ref(doc)
        rows = [
            StockReservation(
                store=self.store, part=ln.part, qty=ln.qty, content_type=ct, object_id=oid, actor=self.actor
            )
            for ln in self.lines
        ]
        for ln in self.lines:
            self.bals[ln.part.pk].reserved += ln.qty
        touched = sorted({ln.part.pk for ln in self.lines})
        if len(touched) == 1:
            self.bals[touched[0]].save(update_fields=["reserved"])
        elif touched:
            StockBalance.objects.bulk_update([self.bals[pid] for pid in touched], ["reserved"])
        return StockReservation.objects.bulk_create(rows)


def stock_reserve_stage(*, actor, store, lines: Iterable[StockLine]) -> StockReserving:
    """Reserve a document's lines (a billed counter slip), step one, inside the document's transaction:
    lock the balances once (part-id order) and refuse a line the available stock (on hand − reserved)
    cannot cover, unless the store allows negative stock. The balances carry the average cost the lines
    would leave at. Nothing is written until ``write(doc=…)``."""
    lines = [ln for ln in lines if ln.qty > 0]
    bals = lock_balances(store, [ln.part for ln in lines]) if lines else {}
    if not store.allow_negative_stock:
        want: dict[int, Decimal] = {}
        for ln in lines:
            want[ln.part.pk] = want.get(ln.part.pk, ZERO) + ln.qty
        for pid, qty in want.items():
            bal = bals[pid]
            if qty > bal.on_hand - bal.reserved:
                raise _short_error(bal, bal.on_hand - bal.reserved, qty)
    return StockReserving(actor=actor, store=store, lines=lines, bals=bals)


@retry_on_conflict
@transaction.atomic
def stock_release_all(*, actor, store, doc) -> list[StockReservation]:
    """Give back everything a document still holds reserved (a cancelled slip), locking its balances in
    part-id order."""
    ct, oid, _n = doc_ref(doc)
    held = {
        r["part_id"]: r["q"]
        for r in StockReservation.objects.filter(store=store, content_type=ct, object_id=oid)
        .values("part_id")
        .annotate(q=Sum("qty"))
        if r["q"] and r["q"] > 0
    }
    if not held:
        return []
    bals = lock_balances(store, list(Part.objects.filter(pk__in=held)))
    rows = []
    for pid in sorted(held):
        bals[pid].reserved -= held[pid]
        rows.append(
            StockReservation(
                store=store, part_id=pid, qty=-held[pid], content_type=ct, object_id=oid, actor=actor
            )
        )
    StockBalance.objects.bulk_update([bals[pid] for pid in sorted(held)], ["reserved"])
    return StockReservation.objects.bulk_create(rows)


@retry_on_conflict
@transaction.atomic
def stock_move_reverse(*, actor, move: StockMove, note: str = "") -> StockMove:
    """冲销: a posted move is never edited; this appends the opposite move at the same unit cost."""
    from fours.core.permissions import require_perm

    require_perm(actor, "parts.reverse_stockmove")
    if move.kind == MoveKind.REVERSAL:
        raise field_error("move", _("冲销记录不能再冲销"), code="reverse_reversal")
    if StockMove.objects.filter(reversal_of=move).exists():
        raise field_error("move", _("该流水已冲销"), code="already_reversed")
    qty = -move.qty
    # Inbound moves come out at their own cost; outbound moves go back at the cost they left at.
    line = StockLine(move.part, qty, move.unit_cost, (move.content_type, move.object_id), reversal_of=move)
    posting = stock_stage(
        actor=actor,
        store=move.store,
        lines=[line],
        kind=MoveKind.REVERSAL,
        note=note or _("冲销 #%(id)s") % {"id": move.pk},
    )
    move_out = posting.write(doc=move, doc_number=move.doc_number)[0]
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
        raise field_error("channel", _("未知渠道"), code="invalid_choice")
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
