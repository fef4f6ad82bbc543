"""Reads of 往来单位, 账龄 and 对账单.

- ``parties_with_balances``: parties with their 应收 and 应付 balance (``party_balance``) in the one query
  of the list;
- ``ageing``: per party, the open amount as of a date in 0–30 / 31–60 / 61–90 / over 90 days, by posting
  date (记账日期) or by due date (到期日, overdue days, with what is not due yet apart): three grouped
  queries whatever the number of parties or items;
- ``statement``: a party's 对账单 over a date range: opening balance, every item and payment in date order
  with the running balance, closing balance.

A party's balance is its open items less their allocations less its advance; summed over every row,
that is the items' amounts (a reversal row is negative) less the payments' amounts (a refund or a
reversal is negative), which is what the statement adds up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, DecimalField, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import Direction, ItemStatus
from ..models import Allocation, OpenItem, Party, Payment, item_open_expr

ZERO = Decimal("0")
MONEY = DecimalField(max_digits=14, decimal_places=2)

BUCKETS = [
    ("b0", _("0–30天"), 0, 30),
    ("b1", _("31–60天"), 31, 60),
    ("b2", _("61–90天"), 61, 90),
    ("b3", _("90天以上"), 91, None),
]
BASIS = {"posted": _("记账日期"), "due": _("到期日")}


# --- parties ---------------------------------------------------------------------------------------


def _party_sum(model, direction: str, **filters):
    what = item_open_expr() if model is OpenItem else F("amount") - F("allocated")
    rows = (
        model.objects.filter(party=OuterRef("pk"), direction=direction, **filters)
        .values("party")
        .annotate(s=Sum(what))
        .values("s")
    )
    return Coalesce(Subquery(rows, output_field=MONEY), Value(ZERO), output_field=MONEY)


def _open_items(direction: str):
    return _party_sum(OpenItem, direction, amount__gt=0, status__in=[ItemStatus.OPEN, ItemStatus.PARTIAL])


def with_balances(qs):
    """Annotate parties with ``ar_balance`` and ``ap_balance`` (what ``party_balance`` gives: open items
    less allocations less the advance), in the same query."""
    return qs.annotate(
        ar_balance=_open_items(Direction.RECEIVABLE) - _party_sum(Payment, Direction.RECEIVABLE),
        ap_balance=_open_items(Direction.PAYABLE) - _party_sum(Payment, Direction.PAYABLE),
    )


def parties_with_balances():
    return with_balances(Party.objects.all())


def party_open_items(party: Party, direction: str | None = None):
    qs = OpenItem.objects.filter(
        party=party, amount__gt=0, status__in=[ItemStatus.OPEN, ItemStatus.PARTIAL]
    ).order_by("posted_on", "pk")
    return qs.filter(direction=direction) if direction else qs


# --- ageing ----------------------------------------------------------------------------------------


@dataclass
class AgeingRow:
    party_id: int
    name: str
    kind: str
    kind_label: str = ""
    store: str = ""  # the party's store, when the ageing spans several
    buckets: list = field(default_factory=list)  # amounts in BUCKETS order (not_due first when by due date)
    open: Decimal = ZERO
    advance: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.open - self.advance


@dataclass
class Ageing:
    direction: str
    as_of: dt.date
    basis: str
    columns: list
    rows: list
    totals: list
    total_open: Decimal
    total_advance: Decimal
    several_stores: bool = False

    @property
    def total_net(self) -> Decimal:
        return self.total_open - self.total_advance

    @property
    def basis_label(self):
        return BASIS[self.basis]


def _end_of(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` in the store's time zone."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def _bucket_conditions(prefix: str, basis: str, as_of: dt.date) -> list[tuple[str, Q]]:
    """(key, condition on the item's date) per column: a 0–30 item is dated within 30 days of as_of."""
    col = f"{prefix}{'posted_on' if basis == 'posted' else 'due_date'}"
    out = []
    if basis == "due":
        out.append(("nd", Q(**{f"{col}__gt": as_of})))
    for key, _label, lo, hi in BUCKETS:
        q = Q(**{f"{col}__lte": as_of - dt.timedelta(days=lo)})
        if hi is not None:
            q &= Q(**{f"{col}__gte": as_of - dt.timedelta(days=hi)})
        out.append((key, q))
    return out


def _sums(conds, amount="amount") -> dict:
    return {
        key: Coalesce(
            Sum(Case(When(q, then=F(amount)), default=Value(ZERO), output_field=MONEY)), Value(ZERO)
        )
        for key, q in conds
    }


def ageing(
    *, stores, direction: str = Direction.RECEIVABLE, as_of=None, basis: str = "posted", kinds=(), party=None
) -> Ageing:
    """账龄分析 of the given stores as of a date. An item counts when posted by then and not reversed by
    then; what was credited (贷项) or allocated to it by then is taken off. The advance is what the party
    had paid by then beyond its allocations. Three queries."""
    as_of = as_of or timezone.localdate()
    basis = basis if basis in BASIS else "posted"
    end = _end_of(as_of)
    scope = Q(store__in=stores, direction=direction)
    if kinds:
        scope &= Q(party__kind__in=list(kinds))
    if party is not None:
        scope &= Q(party=party)
    live = Q(amount__gt=0, posted_on__lte=as_of) & (
        Q(reversed_by__isnull=True) | Q(reversed_by__posted_on__gt=as_of)
    )
    # credit rows (贷项) posted by then take their part off, in the column of the item they credit
    credit_live = Q(amount__lt=0, credit_of__isnull=False, posted_on__lte=as_of) & (
        Q(credit_of__reversed_by__isnull=True) | Q(credit_of__reversed_by__posted_on__gt=as_of)
    )
    conds = [
        (k, (Q(credit_of__isnull=True) & own) | (Q(credit_of__isnull=False) & parent))
        for (k, own), (_k, parent) in zip(
            _bucket_conditions("", basis, as_of), _bucket_conditions("credit_of__", basis, as_of), strict=True
        )
    ]
    items = {
        r["party_id"]: r
        for r in OpenItem.objects.filter(scope & (live | credit_live))
        .values("party_id", "party__name", "party__kind", "party__store_id")
        .annotate(**_sums(conds))
        .order_by()
    }
    # allocations made by then: to the items that count, per column, and in all (for the advance)
    a_scope = Q(store__in=stores, item__direction=direction, at__lt=end)
    if kinds:
        a_scope &= Q(item__party__kind__in=list(kinds))
    if party is not None:
        a_scope &= Q(item__party=party)
    a_live = Q(item__amount__gt=0, item__posted_on__lte=as_of) & (
        Q(item__reversed_by__isnull=True) | Q(item__reversed_by__posted_on__gt=as_of)
    )
    a_conds = [(k, a_live & q) for k, q in _bucket_conditions("item__", basis, as_of)]
    allocs = {
        r["item__party_id"]: r
        for r in Allocation.objects.filter(a_scope)
        .values("item__party_id")
        .annotate(all=Coalesce(Sum("amount"), Value(ZERO), output_field=MONEY), **_sums(a_conds))
        .order_by()
    }
    p_scope = Q(store__in=stores, direction=direction, business_date__lte=as_of)
    if kinds:
        p_scope &= Q(party__kind__in=list(kinds))
    if party is not None:
        p_scope &= Q(party=party)
    paid = {
        r["party_id"]: r
        for r in Payment.objects.filter(p_scope)
        .values("party_id", "party__name", "party__kind", "party__store_id")
        .annotate(s=Sum("amount"))
        .order_by()
    }
    from ..choices import PartyKind

    kind_labels = dict(PartyKind.choices)
    store_names = {getattr(st, "pk", st): str(st) for st in stores}
    several = len(store_names) > 1
    keys = [k for k, _q in conds]
    rows = []
    for pid in set(items) | set(paid):
        it, al, pa = items.get(pid, {}), allocs.get(pid, {}), paid.get(pid, {})
        src = it or pa
        buckets = [(it.get(k) or ZERO) - (al.get(k) or ZERO) for k in keys]
        advance = (pa.get("s") or ZERO) - (al.get("all") or ZERO)
        row = AgeingRow(
            party_id=pid,
            name=src["party__name"],
            kind=src["party__kind"],
            kind_label=str(kind_labels.get(src["party__kind"], "")),
            store=store_names.get(src["party__store_id"], "") if several else "",
            buckets=buckets,
            open=sum(buckets, ZERO),
            advance=advance,
        )
        if row.open or row.advance:
            rows.append(row)
    rows.sort(key=lambda r: (r.store, -r.net, r.name, r.party_id))
    columns = ([_("未到期")] if basis == "due" else []) + [label for _k, label, _lo, _hi in BUCKETS]
    totals = [sum((r.buckets[i] for r in rows), ZERO) for i in range(len(keys))]
    return Ageing(
        direction=direction,
        as_of=as_of,
        basis=basis,
        columns=columns,
        rows=rows,
        totals=totals,
        total_open=sum(totals, ZERO),
        total_advance=sum((r.advance for r in rows), ZERO),
        several_stores=several,
    )


# --- statement -------------------------------------------------------------------------------------


@dataclass
class StatementLine:
    day: dt.date
    at: dt.datetime
    kind: str  # "item" or "payment"
    number: str
    label: str
    memo: str
    debit: Decimal
    credit: Decimal
    balance: Decimal = ZERO
    status: str = ""
    detail: str = ""  # what a payment settled (核销), or an item's due date and open amount
    obj: object = None


@dataclass
class Statement:
    party: Party
    direction: str
    date_from: dt.date
    date_to: dt.date
    opening: Decimal
    lines: list
    debit: Decimal
    credit: Decimal
    closing: Decimal
    open_now: Decimal


def statement(*, party: Party, direction: str, date_from: dt.date, date_to: dt.date) -> Statement:
    """对账单: what the party owed before ``date_from``, every open item (借: what it came to owe) and
    payment (贷: what it paid, a refund negative) from ``date_from`` to ``date_to`` in date order with the
    running balance, and the closing balance. Four queries."""
    items = OpenItem.objects.filter(party=party, direction=direction)
    pays = Payment.objects.filter(party=party, direction=direction)
    before = items.filter(posted_on__lt=date_from).aggregate(s=Sum("amount"))["s"] or ZERO
    paid_before = pays.filter(business_date__lt=date_from).aggregate(s=Sum("amount"))["s"] or ZERO
    opening = before - paid_before
    lines = []
    for i in items.filter(posted_on__gte=date_from, posted_on__lte=date_to).order_by("posted_on", "at", "pk"):
        detail = ""
        if i.amount > 0 and i.status != ItemStatus.REVERSED:
            detail = str(
                _("到期 %(d)s，未结 %(o)s") % {"d": i.due_date.isoformat(), "o": f"{i.open_amount:,.2f}"}
            )
        lines.append(
            StatementLine(
                day=i.posted_on,
                at=i.at,
                kind="item",
                number=i.doc_number,
                label=i.get_source_display() if i.amount > 0 else f"{i.get_source_display()}·{_('冲销')}",
                memo=i.memo,
                debit=i.amount,
                credit=ZERO,
                status=i.get_status_display(),
                detail=detail,
                obj=i,
            )
        )
    for p in (
        pays.filter(business_date__gte=date_from, business_date__lte=date_to)
        .prefetch_related("allocations__item", "lines")
        .order_by("business_date", "at", "pk")
    ):
        settled = "、".join(
            f"{a.item.doc_number or a.item.get_source_display()} {a.amount:,.2f}" for a in p.allocations.all()
        )
        methods = "、".join(ln.get_method_display() for ln in p.lines.all())
        lines.append(
            StatementLine(
                day=p.business_date,
                at=p.at,
                kind="payment",
                number=p.number,
                label=f"{p.get_kind_display()}（{methods}）" if methods else p.get_kind_display(),
                memo=p.note,
                debit=ZERO,
                credit=p.amount,
                detail=str(_("核销：%(s)s") % {"s": settled}) if settled else "",
                obj=p,
            )
        )
    lines.sort(key=lambda ln: (ln.day, ln.at, 0 if ln.kind == "item" else 1))
    balance = opening
    for ln in lines:
        balance += ln.debit - ln.credit
        ln.balance = balance
    debit = sum((ln.debit for ln in lines), ZERO)
    credit = sum((ln.credit for ln in lines), ZERO)
    from ..services import party_balance

    return Statement(
        party=party,
        direction=direction,
        date_from=date_from,
        date_to=date_to,
        opening=opening,
        lines=lines,
        debit=debit,
        credit=credit,
        closing=balance,
        open_now=party_balance(party, direction),
    )
