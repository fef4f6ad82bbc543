"""Open items, payments and allocations: the money ledger's door.

- ``items_post`` / ``item_post``: a module's posting service makes an amount owed (应收/应付), linked
  to its document; ``item_reverse`` cancels one by a reversal row (its allocations go back to the
  party's advance); ``item_credit`` takes part of one off by a credit row (贷项/红冲, parts returned):
  what was paid beyond what the item now comes to goes back to the party's advance.
- ``payment_take``: money in (or out, for a payable) in one or several methods, allocated (核销) to
  one or many open items in part or in whole; what is not allocated is kept as the party's advance
  (预收/预付). ``advance_allocate`` applies an advance later, ``payment_refund`` pays an advance back,
  ``payment_reverse`` cancels a payment by a reversal document.

Locks: open items in id order, then the payment being allocated, then the party for a refund; the
number counter last of all but the audit row. The books must be open for the date: not in a closed
month (月结), not on a closed day (日结) nor on a day the cashier has handed over (交款)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record
from fours.core.choices import DocKind
from fours.core.errors import field_error
from fours.core.money import round_money
from fours.core.numbering import next_number
from fours.core.permissions import require_perm

from ..choices import IN_KIND, MONEY_METHODS, Direction, ItemStatus, PartyKind, PaymentKind
from ..models import (
    Allocation,
    DayClose,
    Handover,
    OpenItem,
    Party,
    Payment,
    PaymentLine,
    PeriodClose,
    item_open_expr,
)

ZERO = Decimal("0")
MAX_AMOUNT = Decimal("999999999999.99")


# --- input -----------------------------------------------------------------------------------------


def clean_amount(
    value, field: str = "amount", *, label: str | None = None, allow_zero: bool = False
) -> Decimal:
    """A money amount typed by a person or sent by an integrator: a number to the fen, above 0."""
    label = label or _("金额")
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip().replace(",", "")) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise field_error(field, _("%(f)s须为数字（元）") % {"f": label}, code="bad_format")
    if amount != amount.quantize(Decimal("0.01")):
        raise field_error(field, _("%(f)s最多两位小数（到分）") % {"f": label}, code="bad_format")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise field_error(field, _("%(f)s必须大于0") % {"f": label}, code="not_positive")
    if amount > MAX_AMOUNT:
        raise field_error(field, _("%(f)s过大") % {"f": label}, code="out_of_range")
    return round_money(amount)


def clean_lines(lines, *, in_kind: bool = False) -> list[tuple[str, Decimal, str]]:
    """[(method, amount, reference)] or [{"method", "amount", "reference"}]: the methods of one payment.
    Zero-amount rows are dropped (a desk form shows every method); at least one must remain. Money methods
    only, or (``in_kind``) only the settlements in goods (置换抵款) a module posts."""
    allowed = IN_KIND if in_kind else MONEY_METHODS
    out = []
    for i, row in enumerate(lines or []):
        if isinstance(row, dict):
            method, amount, ref = row.get("method"), row.get("amount"), row.get("reference", "")
        else:
            method, amount, ref = (tuple(row) + ("",))[:3]
        if amount in (None, "") or (str(amount).strip() in ("0", "0.0", "0.00")):
            continue
        if method not in allowed:
            raise field_error(f"lines.{i}.method", _("请选择收款方式"), code="invalid_choice")
        out.append((method, clean_amount(amount, f"lines.{i}.amount"), (ref or "").strip()[:60]))
    if not out:
        raise field_error("amount", _("请填写收款金额"), code="required")
    return out


# --- parties ---------------------------------------------------------------------------------------


def party_for(*, store, kind: str, name: str, ref: str = "", **defaults) -> Party:
    """The store's party for a record of another module (found by ``ref``), made on first use."""
    if ref:
        party, _made = Party.objects.get_or_create(
            store=store, kind=kind, ref=ref, defaults={"name": name[:100], **defaults}
        )
        return party
    party = Party.objects.filter(store=store, kind=kind, ref="", name=name[:100]).first()
    return party or Party.objects.create(store=store, kind=kind, name=name[:100], **defaults)


def customer_party(store, customer) -> Party:
    """The store's party for an archive customer (客户)."""
    return party_for(
        store=store,
        kind=PartyKind.CUSTOMER,
        ref=f"customers.customer:{customer.pk}",
        name=customer.name,
        phone=getattr(customer, "mobile", "") or "",
    )


def maker_party(store, brand) -> Party:
    """The manufacturer (厂家) a warranty claim is owed by: the one of the vehicle's brand."""
    return party_for(
        store=store, kind=PartyKind.MANUFACTURER, ref=f"customers.brand:{brand.pk}", name=f"{brand.name}厂家"
    )


def walk_in_party(store) -> Party:
    """散客: the counter's anonymous buyer; pays before the goods leave, never on credit."""
    return party_for(store=store, kind=PartyKind.WALK_IN, ref="walkin", name=_("散客"))


def money_sum(value) -> Decimal:
    """A database sum of money to the fen (SQLite adds decimals as floats: 0.00999999999999979)."""
    return round_money(value) if value is not None else ZERO


def _net_allocations(qs, by: str, *, keep) -> list[dict]:
    rows = [{**r, "s": money_sum(r["s"])} for r in qs.values(by).annotate(s=Sum("amount")).order_by(by)]
    return [r for r in rows if keep(r["s"])]


def party_balance(party: Party, direction: str = Direction.RECEIVABLE) -> Decimal:
    """What the party owes (or is owed): its open items less their credits and allocations, less its
    advance."""
    row = (
        OpenItem.objects.filter(party=party, direction=direction)
        .exclude(status=ItemStatus.REVERSED)
        .filter(amount__gt=0)
        .aggregate(a=Sum(item_open_expr()))
    )
    return money_sum(row["a"]) - advance_of(party, direction)


def credit_check(party: Party, amount: Decimal, *, field: str = "party") -> None:
    """挂账: refuse a sale on account beyond the party's credit limit (0: no credit, 先款后货). Locks
    the party so two sales on account at once cannot both slip under the limit."""
    party = Party.objects.select_for_update().get(pk=party.pk)
    if party.credit_limit <= 0:
        raise field_error(
            field, _("%(p)s 未设信用额度，须先付款后提货") % {"p": party.name}, code="no_credit"
        )
    owed = party_balance(party)
    if owed + amount > party.credit_limit:
        raise field_error(
            field,
            _("%(p)s 信用额度 %(l)s，已欠 %(o)s，本单 %(a)s，超出额度")
            % {
                "p": party.name,
                "l": f"{party.credit_limit:,.2f}",
                "o": f"{owed:,.2f}",
                "a": f"{amount:,.2f}",
            },
            code="over_credit",
        )


# --- the books are open ----------------------------------------------------------------------------


_BOOKS_OPEN_SQL = (
    f"SELECT EXISTS(SELECT 1 FROM {PeriodClose._meta.db_table} WHERE store_id = %s AND year = %s AND month = %s), "
    f"EXISTS(SELECT 1 FROM {DayClose._meta.db_table} WHERE store_id = %s AND business_date = %s) AND %s, "
    f"EXISTS(SELECT 1 FROM {Handover._meta.db_table} WHERE store_id = %s AND business_date = %s AND cashier_id = %s)"
)


def check_books_open(store, day: dt.date, *, cashier=None, field: str = "business_date") -> None:
    """Refuse a posting into a closed month, or a payment into a closed day or a day the cashier has
    already handed over. One fixed statement (it runs on every payment: building it with the ORM's
    subqueries cost a quarter of a payment's time)."""
    with connection.cursor() as cur:
        cur.execute(
            _BOOKS_OPEN_SQL,
            [store.pk, day.year, day.month, store.pk, day, cashier is not None]
            + [store.pk, day, getattr(cashier, "pk", None)],
        )
        m, d, h = cur.fetchone()
    if m:
        raise field_error(
            field,
            _("%(y)s年%(m)s月已月结，不能再记账") % {"y": day.year, "m": day.month},
            code="period_closed",
        )
    if d:
        raise field_error(field, _("%(d)s已日结，不能再收付款") % {"d": day.isoformat()}, code="day_closed")
    if h:
        raise field_error(field, _("%(d)s您已交款，不能再收款") % {"d": day.isoformat()}, code="handed_over")


def _business_date(business_date) -> dt.date:
    today = timezone.localdate()
    if business_date in (None, ""):
        return today
    if isinstance(business_date, str):
        try:
            business_date = dt.date.fromisoformat(business_date)
        except ValueError:
            raise field_error("business_date", _("日期格式不正确"), code="bad_format") from None
    if business_date > today:
        raise field_error("business_date", _("营业日不能晚于今天"), code="in_future")
    return business_date


# --- open items ------------------------------------------------------------------------------------


@dataclass
class ItemRow:
    """One amount owed, as a posting service hands it over."""

    party: Party
    direction: str
    source: str
    department: str
    amount: Decimal
    net_amount: Decimal | None = None
    tax_amount: Decimal = ZERO
    cost_amount: Decimal = ZERO
    due_date: dt.date | None = None
    memo: str = ""
    invoice_no: str = ""
    invoice_date: dt.date | None = None


def items_post(
    *, actor, store, doc=None, doc_number: str = "", rows: list[ItemRow], posted_on=None
) -> list[OpenItem]:
    """Post the open items of one document (a settlement has one per payer). Call it inside the
    document's posting transaction."""
    posted_on = posted_on or timezone.localdate()
    check_books_open(store, posted_on, field="posted_on")
    ct = ContentType.objects.get_for_model(doc) if doc is not None else None
    now = timezone.now()
    items = []
    for r in rows:
        amount = round_money(r.amount)
        if amount <= 0:
            raise field_error("amount", _("应收应付金额必须大于0"), code="not_positive")
        if r.party.store_id != store.pk:
            raise field_error("party", _("往来单位不属于本门店"), code="out_of_scope")
        items.append(
            OpenItem(
                store=store,
                direction=r.direction,
                party=r.party,
                source=r.source,
                department=r.department,
                amount=amount,
                net_amount=amount if r.net_amount is None else round_money(r.net_amount),
                tax_amount=round_money(r.tax_amount),
                cost_amount=round_money(r.cost_amount),
                posted_on=posted_on,
                due_date=r.due_date or posted_on + dt.timedelta(days=r.party.payment_days),
                at=now,
                doc_type=ct,
                doc_id=doc.pk if doc is not None else None,
                doc_number=doc_number,
                memo=r.memo[:200],
                invoice_no=(r.invoice_no or "")[:40],
                invoice_date=r.invoice_date,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
        )
    return OpenItem.objects.bulk_create(items)


def item_post(*, actor, store, doc=None, doc_number: str = "", posted_on=None, **row) -> OpenItem:
    return items_post(
        actor=actor, store=store, doc=doc, doc_number=doc_number, posted_on=posted_on, rows=[ItemRow(**row)]
    )[0]


def _lock_items(ids) -> dict[int, OpenItem]:
    return {
        i.pk: i for i in OpenItem.objects.select_for_update().filter(pk__in=sorted(set(ids))).order_by("pk")
    }


def _apply(item: OpenItem, delta: Decimal) -> None:
    item.allocated += delta
    item.status = (
        ItemStatus.SETTLED
        if item.allocated + item.credited >= item.amount
        else ItemStatus.PARTIAL
        if item.allocated > 0
        else ItemStatus.OPEN
    )


@transaction.atomic
def item_reverse(*, actor, item: OpenItem, reason: str, posted_on=None) -> OpenItem:
    """冲销 an open item: its allocations are undone (the money becomes the party's advance, to be
    allocated again or refunded) and a reversal row with the opposite amount is posted into the open
    month. Called by the module whose document is reversed (反结算, a returned sale). An item credited in
    part (``item_credit``) is reversed for what its credits left."""
    item = _lock_items([item.pk])[item.pk]
    if item.status == ItemStatus.REVERSED or item.amount < 0:
        raise field_error("item", _("该笔已冲销"), code="not_pending")
    posted_on = posted_on or timezone.localdate()
    check_books_open(item.store, posted_on, field="posted_on")
    # undo each payment's net allocation to the item (a reversed payment and its reversal net to 0)
    allocations = _net_allocations(Allocation.objects.filter(item=item), "payment_id", keep=lambda s: s != 0)
    if allocations:
        pays = {
            p.pk: p
            for p in Payment.objects.select_for_update().filter(pk__in=[a["payment_id"] for a in allocations])
        }
        now = timezone.now()
        Allocation.objects.bulk_create(
            [
                Allocation(
                    store=item.store,
                    payment_id=a["payment_id"],
                    item=item,
                    amount=-a["s"],
                    at=now,
                    actor=actor,
                )
                for a in allocations
            ]
        )
        for a in allocations:
            pays[a["payment_id"]].allocated -= a["s"]
        Payment.objects.bulk_update(pays.values(), ["allocated"])
    # what credit rows took off already is not reversed twice
    done = _credited(item)
    rev = OpenItem.objects.create(
        store=item.store,
        direction=item.direction,
        party=item.party,
        source=item.source,
        department=item.department,
        amount=-(item.amount - done["amount"]),
        net_amount=-(item.net_amount - done["net"]),
        tax_amount=-(item.tax_amount - done["tax"]),
        cost_amount=-(item.cost_amount - done["cost"]),
        posted_on=posted_on,
        due_date=posted_on,
        doc_type=item.doc_type,
        doc_id=item.doc_id,
        doc_number=item.doc_number,
        reversal_of=item,
        status=ItemStatus.REVERSED,
        memo=(reason or "")[:200],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    item.allocated = ZERO
    item.status = ItemStatus.REVERSED
    item.save(update_fields=["allocated", "status"])
    return rev


def _credited(item: OpenItem) -> dict[str, Decimal]:
    """What the item's credit rows took off so far, as positive figures."""
    row = OpenItem.objects.filter(credit_of=item).aggregate(
        a=Sum("amount"), n=Sum("net_amount"), t=Sum("tax_amount"), c=Sum("cost_amount")
    )
    return {
        "amount": -money_sum(row["a"]),
        "net": -money_sum(row["n"]),
        "tax": -money_sum(row["t"]),
        "cost": -money_sum(row["c"]),
    }


def _release(item: OpenItem, excess: Decimal, actor) -> None:
    """Undo ``excess`` of the item's allocations, the latest payments' first: the money goes back to
    those payments' unallocated part, the party's advance (预收/预付)."""
    allocations = _net_allocations(Allocation.objects.filter(item=item), "payment_id", keep=lambda s: s > 0)
    pays = {
        p.pk: p
        for p in Payment.objects.select_for_update()
        .filter(pk__in=[a["payment_id"] for a in allocations])
        .order_by("pk")
    }
    now, rows, left = timezone.now(), [], excess
    for a in sorted(allocations, key=lambda a: a["payment_id"], reverse=True):
        if left <= 0:
            break
        take = min(left, a["s"])
        left -= take
        pays[a["payment_id"]].allocated -= take
        rows.append(
            Allocation(
                store=item.store, payment_id=a["payment_id"], item=item, amount=-take, at=now, actor=actor
            )
        )
    Allocation.objects.bulk_create(rows)
    Payment.objects.bulk_update([pays[r.payment_id] for r in rows], ["allocated"])
    _apply(item, -(excess - left))


@transaction.atomic
def item_credit(
    *,
    actor,
    item: OpenItem,
    amount,
    reason: str,
    doc=None,
    doc_number: str = "",
    posted_on=None,
    cost_amount=None,
) -> OpenItem:
    """贷项/红冲 in part: take ``amount`` off a receivable that is still owed in whole or in part (parts
    returned, a price allowance), by a credit row with the negative amount, linked to ``doc`` (the
    return) and posted into the open month. The item then comes to less; what was already paid on it
    beyond that is no longer allocated to it and becomes the party's advance (预收), which the cashier
    refunds (``payment_refund``) or applies to another item. VAT is credited in the item's proportion;
    ``cost_amount`` is the cost of goods that came back into stock (none for an allowance).

    Refused: an amount that is not positive or above what the item still comes to after its credits, a
    reversed item, a payable, a closed month. Returns the credit row."""
    amount = clean_amount(amount, "amount", label=_("红冲金额"))
    item = _lock_items([item.pk]).get(item.pk)
    if item is None:
        raise field_error("item", _("应收应付明细不存在"), code="not_found")
    if item.status == ItemStatus.REVERSED or item.amount < 0:
        raise field_error("item", _("该笔已冲销"), code="not_pending")
    if item.direction != Direction.RECEIVABLE:
        raise field_error("item", _("只能红冲应收款"), code="mismatch")
    remaining = item.amount - item.credited
    if amount > remaining:
        raise field_error(
            "amount",
            _("红冲金额 %(a)s 超过可红冲金额 %(o)s") % {"a": f"{amount:,.2f}", "o": f"{remaining:,.2f}"},
            code="out_of_range",
        )
    done = _credited(item)
    if cost_amount in (None, ""):
        cost = ZERO
    else:
        cost = clean_amount(cost_amount, "cost_amount", label=_("成本"), allow_zero=True)
        if cost > item.cost_amount - done["cost"]:
            raise field_error(
                "cost_amount",
                _("退回成本 %(a)s 超过原单剩余成本 %(o)s")
                % {"a": f"{cost:,.2f}", "o": f"{item.cost_amount - done['cost']:,.2f}"},
                code="out_of_range",
            )
    posted_on = posted_on or timezone.localdate()
    check_books_open(item.store, posted_on, field="posted_on")
    if amount == remaining:  # the last of it: what is left, so the credits add up to the item exactly
        tax, net = item.tax_amount - done["tax"], item.net_amount - done["net"]
    else:
        tax = round_money(item.tax_amount * amount / item.amount) if item.amount else ZERO
        net = round_money(item.net_amount * amount / item.amount) if item.amount else ZERO
    ct = ContentType.objects.get_for_model(doc) if doc is not None else item.doc_type
    credit = OpenItem.objects.create(
        store=item.store,
        direction=item.direction,
        party=item.party,
        source=item.source,
        department=item.department,
        amount=-amount,
        net_amount=-net,
        tax_amount=-tax,
        cost_amount=-cost,
        posted_on=posted_on,
        due_date=posted_on,
        doc_type=ct,
        doc_id=doc.pk if doc is not None else item.doc_id,
        doc_number=(doc_number or item.doc_number)[:40],
        credit_of=item,
        status=ItemStatus.REVERSED,
        memo=f"{_('红冲')} {item.doc_number} {reason or ''}".strip()[:200],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    item.credited += amount
    excess = item.allocated - (item.amount - item.credited)
    if excess > 0:
        _release(item, excess, actor)
    else:
        _apply(item, ZERO)
    item.save(update_fields=["credited", "allocated", "status"])
    audit_record(
        actor=actor,
        obj=item.party,
        verb="credited",
        changes={"amount": [None, -amount], "advance": [None, max(excess, ZERO)]},
        note=f"{item.doc_number} → {credit.doc_number} {reason or ''}"[:500],
    )
    return credit


# --- payments --------------------------------------------------------------------------------------


def _pay_kind(direction: str, kind: str) -> DocKind:
    if kind == PaymentKind.RECEIPT:
        return DocKind.PAYMENT if direction == Direction.RECEIVABLE else DocKind.PAYMENT_OUT
    return DocKind.REFUND


def _clean_allocations(
    allocations, party, direction, items: dict[int, OpenItem]
) -> list[tuple[OpenItem, Decimal]]:
    out = []
    for i, (item_ref, amount) in enumerate(allocations):
        item = items.get(getattr(item_ref, "pk", item_ref))
        field = f"allocations.{i}.amount"
        if item is None:
            raise field_error(f"allocations.{i}.item", _("应收应付明细不存在"), code="not_found")
        if item.party_id != party.pk or item.direction != direction:
            raise field_error(f"allocations.{i}.item", _("该明细不属于此往来单位"), code="mismatch")
        amount = clean_amount(amount, field, label=_("核销金额"))
        if amount > item.open_amount:
            raise field_error(
                field,
                _("核销金额 %(a)s 超过未结金额 %(o)s")
                % {"a": f"{amount:,.2f}", "o": f"{item.open_amount:,.2f}"},
                code="over_allocation",
            )
        _apply(item, amount)
        out.append((item, amount))
    return out


@transaction.atomic
def payment_take(
    *,
    actor,
    store,
    party: Party,
    lines,
    allocations=(),
    direction: str = Direction.RECEIVABLE,
    business_date=None,
    note: str = "",
    request=None,
    verb: str | None = None,
    in_kind: bool = False,
) -> Payment:
    """收款 (or 付款 for a payable): ``lines`` are the methods and amounts, ``allocations`` the open items
    it settles [(item, amount)]. Allocations above an item's open amount are refused; the payment
    beyond its allocations is the party's advance (预收/预付). Two cashiers taking the same bill at once:
    the item lock lets one through and refuses the other's allocation.

    ``in_kind``: a settlement in goods agreed by a module (a trade-in's 作价 paying part of a vehicle order),
    posted by that module's service, which checks its own permission: no cashier took it, so no
    hand-over waits for it."""
    if not in_kind:
        require_perm(actor, "finance.add_payment")
    if party.store_id != store.pk:
        raise field_error("party", _("往来单位不属于本门店"), code="out_of_scope")
    if direction not in Direction.values:
        raise field_error("direction", _("方向不正确"), code="invalid_choice")
    day = _business_date(business_date)
    lines = clean_lines(lines, in_kind=in_kind)
    total = sum((a for _m, a, _r in lines), ZERO)
    allocations = list(allocations)
    items = _lock_items([getattr(i, "pk", i) for i, _a in allocations]) if allocations else {}
    applied = _clean_allocations(allocations, party, direction, items)
    allocated = sum((a for _i, a in applied), ZERO)
    if allocated > total:
        raise field_error(
            "amount",
            _("核销合计 %(a)s 超过收款金额 %(t)s") % {"a": f"{allocated:,.2f}", "t": f"{total:,.2f}"},
            code="over_allocation",
        )
    pay = Payment(
        store=store,
        direction=direction,
        kind=PaymentKind.RECEIPT,
        party=party,
        amount=total,
        allocated=allocated,
        business_date=day,
        cashier=None if in_kind else actor,
        note=(note or "")[:200],
        request=request,
    )
    pay.number = next_number(store=store, kind=_pay_kind(direction, PaymentKind.RECEIPT))
    # after the number: its counter row is the lock a day close takes, so this sees a close committed
    # while this payment waited, and a close waits for this payment
    check_books_open(store, day, cashier=actor)
    pay.save(force_insert=True)
    PaymentLine.objects.bulk_create(
        [PaymentLine(payment=pay, method=m, amount=a, reference=r) for m, a, r in lines]
    )
    if applied:
        Allocation.objects.bulk_create(
            [
                Allocation(store=store, payment=pay, item=i, amount=a, at=pay.at, actor=actor)
                for i, a in applied
            ]
        )
        if len(applied) == 1:  # the usual bill: a plain UPDATE, not bulk_update's CASE WHEN
            item = applied[0][0]
            OpenItem.objects.filter(pk=item.pk).update(allocated=item.allocated, status=item.status)
        else:
            OpenItem.objects.bulk_update([i for i, _a in applied], ["allocated", "status"])
    audit_record(
        actor=actor,
        obj=pay,
        verb=verb or ("received" if direction == Direction.RECEIVABLE else "paid_out"),
        changes={"amount": [None, total], "allocated": [None, allocated]},
        note=", ".join(i.doc_number for i, _a in applied if i.doc_number)[:500],
    )
    return pay


def advance_of(party: Party, direction: str = Direction.RECEIVABLE) -> Decimal:
    """预收/预付: what the party has paid that no open item has taken yet."""
    row = Payment.objects.filter(party=party, direction=direction).aggregate(
        a=Sum("amount"), b=Sum("allocated")
    )
    return money_sum(row["a"]) - money_sum(row["b"])


@transaction.atomic
def advance_allocate(
    *, actor, item: OpenItem, amount=None, field: str = "amount", transfer: bool = False
) -> list[Allocation]:
    """Apply the party's advance to an open item, oldest payment first (all of it that fits when
    ``amount`` is None). Refused beyond the item's open amount or the advance. ``transfer``: a module
    re-posting its own document's receivable (a loan splitting a vehicle order's item between the customer
    and the bank) moves what was paid on the reversed item onto its replacement, in the same transaction;
    no money is taken, so the cashier's permission is not asked."""
    if not transfer:
        require_perm(actor, "finance.add_payment")
    item = _lock_items([item.pk])[item.pk]
    Party.objects.select_for_update().filter(pk=item.party_id).get()
    pays = list(
        Payment.objects.select_for_update(of=("self",))
        .filter(party_id=item.party_id, direction=item.direction, amount__gt=0, reversed_by__isnull=True)
        .order_by("pk")
    )
    pays = [p for p in pays if p.unallocated > 0]
    # refunds are separate negative rows: the advance is what is left after them
    available = min(
        sum((p.unallocated for p in pays), ZERO), max(advance_of(item.party, item.direction), ZERO)
    )
    want = (
        min(available, item.open_amount)
        if amount is None
        else clean_amount(amount, field, label=_("核销金额"))
    )
    if want > item.open_amount:
        raise field_error(
            field, _("核销金额超过未结金额 %(o)s") % {"o": f"{item.open_amount:,.2f}"}, code="over_allocation"
        )
    if want > available:
        raise field_error(
            field, _("核销金额超过预收余额 %(o)s") % {"o": f"{available:,.2f}"}, code="over_allocation"
        )
    out, left, now = [], want, timezone.now()
    for p in pays:
        if left <= 0:
            break
        take = min(left, p.unallocated)
        p.allocated += take
        left -= take
        out.append(Allocation(store=item.store, payment=p, item=item, amount=take, at=now, actor=actor))
    if not out:
        return []
    _apply(item, want)
    Allocation.objects.bulk_create(out)
    Payment.objects.bulk_update([a.payment for a in out], ["allocated"])
    item.save(update_fields=["allocated", "status"])
    audit_record(
        actor=actor, obj=item.party, verb="allocated", changes={"amount": [None, want]}, note=item.doc_number
    )
    return out


@transaction.atomic
def payment_refund(
    *,
    actor,
    store,
    party: Party,
    lines,
    reason: str,
    direction: str = Direction.RECEIVABLE,
    business_date=None,
) -> Payment:
    """退款: pay back part of the party's advance (what was paid beyond its open items), with a reason.
    More than the advance is refused."""
    require_perm(actor, "finance.refund_payment")
    if party.store_id != store.pk:
        raise field_error("party", _("往来单位不属于本门店"), code="out_of_scope")
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", _("请填写退款原因"), code="required")
    day = _business_date(business_date)
    lines = clean_lines(lines)
    total = sum((a for _m, a, _r in lines), ZERO)
    Party.objects.select_for_update().filter(pk=party.pk).get()
    available = advance_of(party, direction)
    if total > available:
        raise field_error(
            "amount",
            _("退款金额 %(a)s 超过可退余额 %(o)s")
            % {"a": f"{total:,.2f}", "o": f"{max(available, ZERO):,.2f}"},
            code="over_refund",
        )
    pay = Payment(
        store=store,
        direction=direction,
        kind=PaymentKind.REFUND,
        party=party,
        amount=-total,
        allocated=ZERO,
        business_date=day,
        cashier=actor,
        note=reason[:200],
    )
    pay.number = next_number(store=store, kind=DocKind.REFUND)
    check_books_open(store, day, cashier=actor)  # after the number, as in payment_take
    pay.save(force_insert=True)
    PaymentLine.objects.bulk_create(
        [PaymentLine(payment=pay, method=m, amount=-a, reference=r) for m, a, r in lines]
    )
    audit_record(actor=actor, obj=pay, verb="refunded", changes={"amount": [None, -total]}, note=reason)
    return pay


@transaction.atomic
def payment_reverse(
    *, actor, payment: Payment, reason: str, business_date=None, in_kind: bool = False
) -> Payment:
    """冲销 a payment taken by mistake: a reversal document with the opposite amount, method lines and
    allocations; the items it settled are open again. The original is kept. ``in_kind``: the module that
    posted a settlement in goods (a trade-in) takes it back with its document (checking its own
    permission); refused for a payment with money in it."""
    if not in_kind:
        require_perm(actor, "finance.reverse_payment")
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", _("请填写冲销原因"), code="required")
    pay = Payment.objects.select_for_update().get(pk=payment.pk)
    if in_kind and (pay.cashier_id or pay.lines.exclude(method__in=IN_KIND).exists()):
        raise field_error("reason", _("只能冲销实物抵款"), code="not_in_kind")
    if pay.kind == PaymentKind.REVERSAL or Payment.objects.filter(reversal_of=pay).exists():
        raise field_error("reason", _("该单已冲销"), code="not_pending")
    day = _business_date(business_date)
    allocs = _net_allocations(Allocation.objects.filter(payment=pay), "item_id", keep=lambda s: s > 0)
    items = _lock_items([a["item_id"] for a in allocs])
    rev = Payment(
        store=pay.store,
        direction=pay.direction,
        kind=PaymentKind.REVERSAL,
        party=pay.party,
        amount=-pay.amount,
        allocated=-pay.allocated,
        business_date=day,
        cashier=None if in_kind else actor,
        note=reason[:200],
        reversal_of=pay,
    )
    if pay.unallocated != 0 and pay.amount > 0:
        # the advance this payment left must still be there to take back
        available = advance_of(pay.party, pay.direction)
        if available < pay.unallocated:
            raise field_error("reason", _("该笔预收已被使用或退回，不能冲销"), code="partly_paid")
    rev.number = next_number(store=pay.store, kind=_pay_kind(pay.direction, PaymentKind.REVERSAL))
    check_books_open(pay.store, day, cashier=actor)  # after the number, as in payment_take
    rev.save(force_insert=True)
    PaymentLine.objects.bulk_create(
        [
            PaymentLine(payment=rev, method=ln.method, amount=-ln.amount, reference=ln.reference)
            for ln in pay.lines.all()
        ]
    )
    now = timezone.now()
    Allocation.objects.bulk_create(
        [
            Allocation(
                store=pay.store, payment=rev, item_id=a["item_id"], amount=-a["s"], at=now, actor=actor
            )
            for a in allocs
        ]
    )
    for a in allocs:
        _apply(items[a["item_id"]], -a["s"])
    OpenItem.objects.bulk_update(list(items.values()), ["allocated", "status"])
    audit_record(
        actor=actor,
        obj=pay,
        verb="reversed",
        changes={"amount": [pay.amount, ZERO]},
        note=f"{rev.number} {reason}",
    )
    return rev
