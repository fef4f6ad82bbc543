"""Reads of the cashier desk (收银台): what waits to be collected, one party's open items and advance,
the day's payments, a receipt's lines, and the amount in Chinese capitals (大写金额)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, Prefetch, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..choices import Direction, ItemSource, ItemStatus
from ..models import Allocation, OpenItem, Party, Payment, PaymentLine, item_open_expr

ZERO = Decimal("0")
_MONEY = DecimalField(max_digits=14, decimal_places=2)

# what a customer pays at the desk; insurers' and manufacturers' items are collected by party (回款)
DESK_SOURCES = (
    ItemSource.COUNTER_SALE,
    ItemSource.RO_CUSTOMER,
    ItemSource.STAFF_CHARGE,
    ItemSource.WHOLESALE,
    ItemSource.VEHICLE_SALE,
    ItemSource.VEHICLE_LOAN,
    ItemSource.OTHER,
)
OPEN_STATUSES = (ItemStatus.OPEN, ItemStatus.PARTIAL)


# --- 大写金额 ----------------------------------------------------------------------------------------

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_POS = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")


def amount_in_words(value) -> str:
    """An amount in Chinese capitals as written on a receipt or a cheque: 1657.00 → 壹仟陆佰伍拾柒元整,
    1005.07 → 壹仟零伍元零柒分, 0.50 → 伍角整, a refund −20 → 负贰拾元整."""
    amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "负" if amount < 0 else ""
    amount = abs(amount)
    yuan = int(amount)
    fen_total = int((amount - yuan) * 100)
    jiao, fen = divmod(fen_total, 10)
    out = []
    digits = str(yuan)
    n = len(digits)
    zero_pending = False
    group_has = False
    for i, ch in enumerate(digits):
        p = n - 1 - i  # position from the right
        d = int(ch)
        if d == 0:
            if out:
                zero_pending = True
        else:
            if zero_pending:
                out.append("零")
                zero_pending = False
            out.append(_DIGITS[d] + _POS[p % 4])
            group_has = True
        if p % 4 == 0:
            if group_has:
                out.append(_GROUPS[p // 4])
            group_has = False
    words = "".join(out)
    if yuan:
        words += "元"
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif fen and yuan:
        words += "零"
    if fen:
        words += _DIGITS[fen] + "分"
    if not words:
        return "零元整"
    if not fen:
        words += "整"
    return sign + words


# --- the queue -------------------------------------------------------------------------------------


def open_items(store):
    """The store's receivables still to collect (未结/部分核销), newest first."""
    return (
        OpenItem.objects.filter(
            store=store, direction=Direction.RECEIVABLE, status__in=OPEN_STATUSES, amount__gt=0
        )
        .select_related("party")
        .order_by("-posted_on", "-id")
    )


def _search(qs, q: str):
    q = (q or "").strip()
    if not q:
        return qs
    return qs.filter(
        Q(doc_number__icontains=q)
        | Q(party__name__icontains=q)
        | Q(party__phone__icontains=q)
        | Q(memo__icontains=q)
    )


def desk_queue(store, q: str = "", *, limit: int = 200) -> list[OpenItem]:
    """收银台: the counter slips, repair-order customer shares, staff charges… waiting for the customer
    at the desk, with their documents (one query per kind of document)."""
    qs = _search(open_items(store).filter(source__in=DESK_SOURCES), q)
    return list(qs.prefetch_related("doc")[:limit])


def collect_parties(store, q: str = "", *, limit: int = 50):
    """往来单位回款: parties with receivables open (insurers, manufacturers, trade customers…), the sum
    open and the number of items, largest first; with ``q``, the parties of that name or phone too."""
    from ..choices import PartyKind

    items = open_items(store).exclude(party__kind=PartyKind.WALK_IN)  # 散客 pay slip by slip
    q = (q or "").strip()
    if q:
        items = items.filter(Q(party__name__icontains=q) | Q(party__phone__icontains=q))
    rows = (
        items.order_by()
        .values("party_id", "party__name", "party__kind")
        .annotate(open=Sum(item_open_expr()), n=Count("id"))
        .order_by("-open")[:limit]
    )
    labels = dict(PartyKind.choices)
    out = [
        {
            "id": r["party_id"],
            "name": r["party__name"],
            "kind": labels.get(r["party__kind"], ""),
            "open": r["open"],
            "n": r["n"],
        }
        for r in rows
    ]
    if q:  # a party found by name or phone that owes nothing now may still pay in advance (预收)
        seen = {r["id"] for r in out}
        more = (
            Party.objects.filter(store=store, active=True)
            .exclude(kind=PartyKind.WALK_IN)
            .filter(Q(name__icontains=q) | Q(phone__icontains=q))
            .order_by("name")[:10]
        )
        out += [
            {"id": p.pk, "name": p.name, "kind": labels.get(p.kind, ""), "open": ZERO, "n": 0}
            for p in more
            if p.pk not in seen
        ]
    return out


def desk_summary(store) -> dict:
    """待收款: how many desk items are open and how much they still owe (one query)."""
    row = (
        open_items(store).filter(source__in=DESK_SOURCES).aggregate(n=Count("id"), open=Sum(item_open_expr()))
    )
    return {"n": row["n"] or 0, "open": row["open"] or ZERO}


def party_open_items(store, party: Party, ids=None) -> list[OpenItem]:
    qs = open_items(store).filter(party=party)
    if ids:
        qs = qs.filter(pk__in=ids)
    return list(qs.order_by("posted_on", "id").prefetch_related("doc"))


def advance_amount(party: Party, direction: str = Direction.RECEIVABLE) -> Decimal:
    """预收: the party's payments not yet allocated."""
    row = Payment.objects.filter(party=party, direction=direction).aggregate(
        a=Sum("amount"), b=Sum("allocated")
    )
    return (row["a"] or ZERO) - (row["b"] or ZERO)


def doc_credits(doc) -> list[OpenItem]:
    """The credit rows (贷项/红冲) a document (a parts return) posted against receivables, with their party."""
    from django.contrib.contenttypes.models import ContentType

    return list(
        OpenItem.objects.filter(
            doc_type=ContentType.objects.get_for_model(doc), doc_id=doc.pk, credit_of__isnull=False
        )
        .select_related("party", "credit_of")
        .order_by("pk")
    )


def parties_with_advance(store):
    """Parties of the store holding an advance (预收) that could be refunded."""
    return (
        Party.objects.filter(store=store, payments__direction=Direction.RECEIVABLE)
        .annotate(
            adv=Coalesce(Sum("payments__amount"), Value(ZERO), output_field=_MONEY)
            - Coalesce(Sum("payments__allocated"), Value(ZERO), output_field=_MONEY)
        )
        .filter(adv__gt=0)
        .order_by("name")
    )


# pages any member of the store may open without a view permission (the store's own profile)
OPEN_PAGES = {"core.store"}


def doc_url(obj, user=None) -> str:
    """The page of the document an open item comes from, when it has one and ``user`` (when given) may
    view that kind of document (``{app_label}.view_{model}``); else "" and the number is shown as text."""
    doc = getattr(obj, "doc", None)
    if doc is not None and user is not None:
        meta = doc._meta
        label = f"{meta.app_label}.{meta.model_name}"
        if label not in OPEN_PAGES and not user.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
            return ""
    fn = getattr(doc, "get_absolute_url", None)
    try:
        return fn() if fn else ""
    except Exception:
        return ""


# --- payments --------------------------------------------------------------------------------------


def day_payments(store, *, day: dt.date | None = None, cashier=None, method: str = ""):
    """The store's payments of one business day (收付款, refunds and reversals), newest first, with
    their method lines, their reversal and the cashier."""
    day = day or timezone.localdate()
    qs = Payment.objects.filter(store=store, business_date=day)
    if cashier:
        qs = qs.filter(cashier=cashier)
    if method:
        qs = qs.filter(lines__method=method).distinct()
    return (
        qs.select_related("party", "cashier", "reversal_of")
        .prefetch_related(Prefetch("lines", queryset=PaymentLine.objects.order_by("id")))
        .order_by("-at", "-id")
    )


def reversed_ids(payments) -> set[int]:
    """Which of these payments have been reversed already (one query)."""
    ids = [p.pk for p in payments]
    return set(Payment.objects.filter(reversal_of_id__in=ids).values_list("reversal_of_id", flat=True))


def receipt(payment: Payment) -> dict:
    """收据: the payment's methods and the items it settled, with their document numbers."""
    lines = list(payment.lines.all())
    allocs = list(
        Allocation.objects.filter(payment=payment)
        .select_related("item")
        .order_by("id")
        .values("item_id", "item__doc_number", "item__source", "item__amount", "item__memo")
        .annotate(s=Sum("amount"))
    )
    labels = dict(ItemSource.choices)
    items = [
        {
            "doc_number": a["item__doc_number"],
            "source": labels.get(a["item__source"], ""),
            "memo": a["item__memo"],
            "item_amount": a["item__amount"],
            "amount": a["s"],
        }
        for a in allocs
    ]
    allocated = sum((a["amount"] for a in items), ZERO)
    return {
        "lines": lines,
        "items": items,
        "advance": payment.amount - allocated if payment.amount > 0 else ZERO,
        "words": amount_in_words(payment.amount),
    }
