"""Reads of the parts department: scoped by the user's stores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from fours.core.money import round_money, round_qty
from fours.core.selectors import store_ids_for

from .choices import USAGE_KINDS, ABCClass, POStatus
from .models import (
    Part,
    PartSetting,
    POLine,
    PurchaseOrder,
    Receipt,
    Sale,
    SaleLine,
    StockBalance,
    StockMove,
    StockReservation,
    Stocktake,
    Supplier,
)
from .services.catalog import config_for, normalize_part_no, part_current

ZERO = Decimal("0")


def balance_of(store, part) -> StockBalance:
    """The balance of a part in a store (an unsaved zero balance when it never moved)."""
    bal = StockBalance.objects.filter(store=store, part=part).first()
    return bal or StockBalance(store=store, part=part)


def parts_for(user) -> QuerySet[Part]:
    return Part.objects.for_user(user)


def catalog_for(user) -> QuerySet[Part]:
    """The parts catalogue as the API lists it: by number, with the replacing part."""
    return parts_for(user).select_related("superseded_by").order_by("part_no")


def balances_for(user) -> QuerySet[StockBalance]:
    return StockBalance.objects.for_user(user).select_related("store", "part").order_by("id")


def moves_for(user) -> QuerySet[StockMove]:
    return StockMove.objects.for_user(user).select_related("store", "part").order_by("-id")


def purchase_orders_for(user) -> QuerySet[PurchaseOrder]:
    return (
        PurchaseOrder.objects.for_user(user)
        .select_related("store")
        .prefetch_related(Prefetch("lines", queryset=POLine.objects.select_related("part")))
        .order_by("-id")
    )


def receipts_for(user) -> QuerySet[Receipt]:
    return Receipt.objects.for_user(user).select_related("order").prefetch_related("lines").order_by("-id")


def sales_for(user) -> QuerySet[Sale]:
    return (
        Sale.objects.for_user(user)
        .select_related("store")
        .prefetch_related(Prefetch("lines", queryset=SaleLine.objects.select_related("part")))
        .order_by("-id")
    )


def parts_by_number(group, numbers) -> dict[str, Part]:
    """{normalised part number: part} of the group's parts among ``numbers`` (typed any way:
    04152-yzza6 finds 04152YZZA6); numbers that match no part are absent."""
    wanted = {normalize_part_no(n) for n in numbers if n}
    wanted.discard("")
    if not wanted:
        return {}
    return {p.part_no: p for p in Part.objects.filter(group=group, part_no__in=wanted)}


def part_by_number(group, part_no) -> Part | None:
    """The group's part with this number (normalised as it is stored), or None."""
    return parts_by_number(group, [part_no]).get(normalize_part_no(part_no or ""))


def stock_card(user, store, part) -> QuerySet[StockMove]:
    """卡片账: every move of a part in a store with running balance and cost, oldest first."""
    if not getattr(user, "is_superuser", False) and store.pk not in store_ids_for(user):
        return StockMove.objects.none()
    return (
        StockMove.objects.filter(store=store, part=part)
        .select_related("actor", "content_type")
        .order_by("id")
    )


def pick_list(lines, store=None) -> list:
    """Lines sorted by the default bin of their part (parts without a bin last), for the picker's walk.

    Each line needs ``part``/``part_id``; the store is taken from ``store`` or ``line.store``.
    Returns the lines with ``bin_code`` set."""
    lines = list(lines)
    if not lines:
        return []
    store_id = store.pk if store is not None else getattr(lines[0], "store_id", None) or lines[0].store.pk
    part_ids = {line.part_id for line in lines}
    bins = dict(
        PartSetting.objects.filter(
            store_id=store_id, part_id__in=part_ids, default_bin__isnull=False
        ).values_list("part_id", "default_bin__code")
    )
    missing = part_ids - set(bins)
    if missing:
        from .models import PartBin

        for pid, code in (
            PartBin.objects.filter(store_id=store_id, part_id__in=missing)
            .order_by("bin__code")
            .values_list("part_id", "bin__code")
        ):
            bins.setdefault(pid, code)
    for line in lines:
        line.bin_code = bins.get(line.part_id, "")
    return sorted(lines, key=lambda ln: (ln.bin_code == "", ln.bin_code, ln.part_id))


def part_search(user, q: str, *, store=None, limit: int = 20) -> list[Part]:
    """Parts by number (normalised, prefix) or name; a superseded part leads to its replacement.

    Each part gets ``balance`` (in ``store`` when given) and ``replaced`` (the part searched for, when
    the hit was superseded)."""
    q = (q or "").strip()
    if not q:
        return []
    number = normalize_part_no(q)
    qs = parts_for(user).filter(is_active=True)
    cond = Q(name__icontains=q)
    if number:
        cond |= Q(part_no__startswith=number)
    hits = list(qs.filter(cond).select_related("superseded_by").order_by("part_no")[:limit])
    out, seen = [], set()
    for p in hits:
        cur = part_current(p) if p.superseded_by_id else p
        if cur.pk != p.pk:
            cur.replaced = p
        if cur.pk in seen:
            continue
        seen.add(cur.pk)
        out.append(cur)
    if store is not None and out:
        bals = {b.part_id: b for b in StockBalance.objects.filter(store=store, part__in=[p.pk for p in out])}
        for p in out:
            p.balance = bals.get(p.pk) or StockBalance(store=store, part=p)
    return out


def stock_differences(store=None) -> list[dict]:
    """check_stock: every balance whose on-hand, value or reserved differs from the sum of its moves."""
    moves = StockMove.objects.all()
    bals = StockBalance.objects.all()
    res = StockReservation.objects.all()
    if store is not None:
        moves, bals, res = moves.filter(store=store), bals.filter(store=store), res.filter(store=store)
    # SQLite sums decimals as floats: round the sums back to the columns' places.
    sums = {
        (r["store_id"], r["part_id"]): (round_qty(r["q"] or 0), round_money(r["v"] or 0))
        for r in moves.values("store_id", "part_id").annotate(q=Sum("qty"), v=Sum("value"))
    }
    reserved = {
        (r["store_id"], r["part_id"]): round_qty(r["q"] or 0)
        for r in res.values("store_id", "part_id").annotate(q=Sum("qty"))
    }
    out = []
    seen = set()
    for b in bals.values("store_id", "part_id", "on_hand", "value", "reserved"):
        key = (b["store_id"], b["part_id"])
        seen.add(key)
        q, v = sums.get(key, (ZERO, ZERO))
        r = reserved.get(key) or ZERO
        if q != b["on_hand"] or v != b["value"] or r != b["reserved"]:
            out.append(
                {
                    "store_id": key[0],
                    "part_id": key[1],
                    "on_hand": b["on_hand"],
                    "moves_qty": q,
                    "value": b["value"],
                    "moves_value": v,
                    "reserved": b["reserved"],
                    "reservations": r,
                }
            )
    for key, (q, v) in sums.items():
        if key not in seen:
            out.append(
                {
                    "store_id": key[0],
                    "part_id": key[1],
                    "on_hand": None,
                    "moves_qty": q,
                    "value": None,
                    "moves_value": v,
                    "reserved": None,
                    "reservations": reserved.get(key),
                }
            )
    return out


# --- purchasing -----------------------------------------------------------------------------------


def default_supplier(group) -> Supplier | None:
    return Supplier.objects.filter(group=group, is_active=True).order_by("-is_oem", "id").first()


def on_order(store, part_ids=None) -> dict[int, Decimal]:
    qs = POLine.objects.filter(
        order__store=store,
        order__status__in=[POStatus.DRAFT, POStatus.PENDING, POStatus.ORDERED, POStatus.PARTIAL],
    )
    if part_ids is not None:
        qs = qs.filter(part_id__in=part_ids)
    return {
        r["part_id"]: (r["q"] or ZERO) - (r["r"] or ZERO)
        for r in qs.values("part_id").annotate(q=Sum("qty"), r=Sum("qty_received"))
    }


def reorder_suggestions(store) -> list[dict]:
    """Reorder point = average daily usage × lead time + safety stock; order up to the max (or twice the
    reorder point) when available + on order falls to the reorder point or the minimum."""
    cfg = config_for(store)
    since = timezone.now() - timedelta(days=cfg.usage_days)
    usage = {
        r["part_id"]: -(r["q"] or ZERO)
        for r in StockMove.objects.filter(store=store, kind__in=USAGE_KINDS, at__gte=since)
        .values("part_id")
        .annotate(q=Sum("qty"))
    }
    settings = {s.part_id: s for s in PartSetting.objects.filter(store=store).select_related("part")}
    bals = {b.part_id: b for b in StockBalance.objects.filter(store=store)}
    ordered = on_order(store)
    supplier = default_supplier(store.group)
    lead = supplier.lead_time_days if supplier else 3
    out = []
    for part_id in set(settings) | set(usage):
        s = settings.get(part_id)
        daily = (usage.get(part_id, ZERO) / cfg.usage_days) if usage.get(part_id) else ZERO
        safety = s.safety_qty if s else ZERO
        rop = daily * lead + safety
        min_qty = s.min_qty if s else ZERO
        trigger = max(rop, min_qty)
        if trigger <= 0:
            continue
        bal = bals.get(part_id)
        position = (bal.on_hand - bal.reserved if bal else ZERO) + ordered.get(part_id, ZERO)
        # order when the position reaches the reorder point, or falls below the minimum
        if not ((rop > 0 and position <= rop) or position < min_qty):
            continue
        target = s.max_qty if s and s.max_qty > 0 else max(rop * 2, trigger + daily * 30)
        if target - position <= 0:
            continue
        out.append(
            {
                "part_id": part_id,
                "daily": daily,
                "rop": rop,
                "position": position,
                "target": target,
                "qty": target - position,
                "abc": s.abc_class if s else ABCClass.C,
            }
        )
    return out


# --- counting -------------------------------------------------------------------------------------


def stocktake_accuracy(stocktake: Stocktake) -> Decimal | None:
    """库存准确率: lines counted equal to the book / lines counted, in %."""
    lines = list(stocktake.lines.exclude(counted_qty__isnull=True).values_list("book_qty", "counted_qty"))
    if not lines:
        return None
    ok = sum(1 for b, c in lines if b == c)
    return round_money(Decimal(ok) * 100 / len(lines))


def below_safety(balances: QuerySet, below: bool = True) -> QuerySet:
    """Balances whose on-hand is below the part's safety stock or minimum in their store: the one
    definition that the stock list's filter, the home tile and the parts dashboard count."""
    from django.db.models import DecimalField, F, FilteredRelation, Value
    from django.db.models.functions import Coalesce, Greatest

    # one join to the part's setting in the balance's store (not a subquery per balance row)
    zero = Value(0, output_field=DecimalField())
    qs = balances.annotate(
        _setting=FilteredRelation("part__settings", condition=Q(part__settings__store=F("store"))),
        _floor=Greatest(Coalesce(F("_setting__safety_qty"), zero), Coalesce(F("_setting__min_qty"), zero)),
    )
    cond = Q(_floor__gt=0, on_hand__lt=F("_floor"))
    return qs.filter(cond) if below else qs.exclude(cond)


# --- money: read from finance (parts keeps no money table of its own) --------------------------------


def _sale_items(sale_ids=None):
    """The sales' receivables in finance (the posted rows, not their reversals)."""
    from django.contrib.contenttypes.models import ContentType

    from fours.finance.choices import Direction
    from fours.finance.models import OpenItem

    qs = OpenItem.objects.filter(
        doc_type=ContentType.objects.get_for_model(Sale), direction=Direction.RECEIVABLE, amount__gt=0
    )
    return qs if sale_ids is None else qs.filter(doc_id__in=sale_ids)


def receipt_payable(receipt):
    """The supplier's payable (应付) a receipt posted in finance, or None."""
    from django.contrib.contenttypes.models import ContentType

    from fours.finance.choices import Direction
    from fours.finance.models import OpenItem

    return (
        OpenItem.objects.filter(
            doc_type=ContentType.objects.get_for_model(Receipt),
            doc_id=receipt.pk,
            direction=Direction.PAYABLE,
            amount__gt=0,
        )
        .order_by("-id")
        .first()
    )


def writeoff_charges(wo) -> list:
    """员工赔偿 of a write-off: the open items it posted on the staff's parties in finance."""
    from django.contrib.contenttypes.models import ContentType

    from fours.finance.models import OpenItem

    return list(
        OpenItem.objects.filter(doc_type=ContentType.objects.get_for_model(wo), doc_id=wo.pk, amount__gt=0)
        .select_related("party")
        .order_by("id")
    )


def sale_open_item(sale, *, lock: bool = False):
    """The open item a billed slip posted in finance (None for a draft, a free slip, or once reversed)."""
    from fours.finance.choices import ItemStatus

    qs = _sale_items([sale.pk]).exclude(status=ItemStatus.REVERSED).order_by("-id")
    if lock:
        qs = qs.select_for_update()
    else:
        qs = qs.select_related("party")  # the desk and the pages show whose it is
    return qs.first()


def sale_cleared(sale, item=None) -> bool:
    """May the goods leave? On account: yes (the credit check was made at billing); else the slip's open
    item must be settled in finance (nothing is owed on a free slip)."""
    from fours.finance.choices import ItemStatus

    from .choices import SaleTerms

    if sale.terms == SaleTerms.ACCOUNT:
        return True
    item = item if item is not None else sale_open_item(sale)
    if item is None:
        return sale.total <= 0
    return item.status == ItemStatus.SETTLED


@dataclass
class SaleMoney:
    """A slip as the cashier's desk sees it: its open item, 待付款/已付款…, and whether it waits for the
    money (billed, not cleared) or for the storekeeper (billed, cleared)."""

    item: object
    label: str
    cleared: bool
    waiting_payment: bool
    waiting_issue: bool


def sale_money(sale) -> SaleMoney:
    from .choices import SaleStatus

    billed = sale.status == SaleStatus.BILLED
    item = sale_open_item(sale) if sale.status != SaleStatus.DRAFT else None
    cleared = billed and sale_cleared(sale, item)
    return SaleMoney(
        item=item,
        label=payment_label(sale),
        cleared=cleared,
        waiting_payment=billed and not cleared,
        waiting_issue=cleared,
    )


def with_payment(qs: QuerySet[Sale]) -> QuerySet[Sale]:
    """Sales annotated with their finance receivable: ``item_status`` (open/partial/settled/reversed or
    None) and ``item_open`` (what is still owed). One subquery each, whatever the number of rows."""
    from django.db.models import DecimalField, OuterRef, Subquery

    from fours.finance.models import item_open_expr

    items = _sale_items().filter(doc_id=OuterRef("pk")).order_by("-id")
    return qs.annotate(
        item_status=Subquery(items.values("status")[:1]),
        item_open=Subquery(
            items.annotate(o=item_open_expr()).values("o")[:1],
            output_field=DecimalField(max_digits=14, decimal_places=2),
        ),
    )


def payment_label(sale) -> str:
    """待付款 / 部分付款 / 已付款 / 挂账 / 已作废 as the cashier's desk sees the slip."""
    from django.utils.translation import gettext as _

    from fours.finance.choices import ItemStatus

    from .choices import SaleStatus, SaleTerms

    if sale.status == SaleStatus.DRAFT:
        return "—"
    if hasattr(sale, "item_status"):  # annotated by with_payment
        status = sale.item_status
    else:
        item = _sale_items([sale.pk]).order_by("-id").values("status").first()
        status = item["status"] if item else None
    if status == ItemStatus.REVERSED:
        return _("已作废")
    if status == ItemStatus.SETTLED or (status is None and sale.total <= 0):
        return _("已付款")
    if sale.terms == SaleTerms.ACCOUNT:
        return _("挂账")
    if status == ItemStatus.PARTIAL:
        return _("部分付款")
    return _("待付款")


def sales_to_issue(user, store=None) -> QuerySet[Sale]:
    """The storekeeper's queue (待出库): billed slips that finance shows paid, or that are on account."""
    from fours.finance.choices import ItemStatus

    from .choices import SaleStatus, SaleTerms

    qs = with_payment(Sale.objects.for_user(user).filter(status=SaleStatus.BILLED))
    if store is not None:
        qs = qs.filter(store=store)
    return qs.filter(
        Q(terms=SaleTerms.ACCOUNT) | Q(item_status=ItemStatus.SETTLED) | Q(item_status__isnull=True, total=0)
    ).order_by("id")


def with_terms(qs):
    """Trade customers annotated from finance: ``credit_limit`` and ``payment_days`` of their party (None
    before finance has one) and ``balance`` (what they owe less their advance). Subqueries: the same
    number of queries for any number of rows, and sortable."""
    from django.db.models import CharField, DecimalField, F, OuterRef, Subquery, Value
    from django.db.models.functions import Cast, Coalesce, Concat

    from fours.finance.choices import Direction, ItemStatus, PartyKind
    from fours.finance.models import OpenItem, Party, Payment, item_open_expr

    money = DecimalField(max_digits=14, decimal_places=2)
    party = Party.objects.filter(store=OuterRef("store"), kind=PartyKind.TRADE, ref=OuterRef("party_ref"))
    owed = (
        OpenItem.objects.filter(party=OuterRef("party_pk"), direction=Direction.RECEIVABLE, amount__gt=0)
        .exclude(status=ItemStatus.REVERSED)
        .values("party")
        .annotate(s=Sum(item_open_expr()))
        .values("s")
    )
    advance = (
        Payment.objects.filter(party=OuterRef("party_pk"), direction=Direction.RECEIVABLE)
        .values("party")
        .annotate(s=Sum(F("amount") - F("allocated")))
        .values("s")
    )
    zero = Value(ZERO, output_field=money)
    return (
        qs.annotate(party_ref=Concat(Value("parts.tradecustomer:"), Cast("pk", CharField())))
        .annotate(
            party_pk=Subquery(party.values("pk")[:1]),
            credit_limit=Coalesce(Subquery(party.values("credit_limit")[:1], output_field=money), zero),
            payment_days=Subquery(party.values("payment_days")[:1]),
        )
        .annotate(
            balance=Coalesce(Subquery(owed, output_field=money), zero)
            - Coalesce(Subquery(advance, output_field=money), zero)
        )
    )


def sale_invoice_of(sale):
    """The invoice registered in finance for an issued sale (not a voided one, not its red-letter notes)."""
    from django.contrib.contenttypes.models import ContentType

    from fours.finance.choices import InvoiceStatus
    from fours.finance.models import Invoice

    return (
        Invoice.objects.filter(
            doc_type=ContentType.objects.get_for_model(sale), doc_id=sale.pk, red_of__isnull=True
        )
        .exclude(status=InvoiceStatus.VOID)
        .first()
    )
