"""The money ledger adds up: every running figure equals the rows it sums.

- an open item's ``allocated`` is the sum of its allocations, its ``credited`` the sum of its credit
  rows (贷项), the two never above its amount;
- a payment's ``allocated`` is the sum of its allocations, its amount the sum of its method lines;
- per party and direction, the balance (open items less allocations) equals what the open items
  still show open, less the unallocated payments (预收/预付)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from fours.core.money import round_money

from ..choices import ItemStatus
from ..models import Allocation, OpenItem, Payment, PaymentLine

ZERO = Decimal("0")
_MONEY = DecimalField(max_digits=14, decimal_places=2)


def _sum(model, fk: str, field: str = "amount"):
    rows = model.objects.filter(**{fk: OuterRef("pk")}).values(fk).annotate(s=Sum(field)).values("s")
    return Coalesce(Subquery(rows, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


def money_differences(store=None) -> list[str]:
    """Every row whose running figures disagree with the rows they sum, as readable lines (empty: the
    books add up)."""
    scope = Q(store=store) if store is not None else Q()
    out: list[str] = []
    items = (
        OpenItem.objects.filter(scope)
        .annotate(alloc=_sum(Allocation, "item"), cred=_sum(OpenItem, "credit_of"))
        .values("pk", "doc_number", "amount", "allocated", "credited", "status", "alloc", "cred")
    )
    for i in items:
        i["alloc"], i["cred"] = round_money(i["alloc"]), -round_money(i["cred"])
        if i["credited"] != i["cred"]:
            out.append(
                f"open item {i['pk']} {i['doc_number']}: credited {i['credited']} vs credit rows {i['cred']}"
            )
        if i["allocated"] != i["alloc"]:
            out.append(
                f"open item {i['pk']} {i['doc_number']}: allocated {i['allocated']} vs allocations {i['alloc']}"
            )
        if i["amount"] > 0 and i["status"] != ItemStatus.REVERSED:
            want = (
                ItemStatus.SETTLED
                if i["alloc"] + i["cred"] >= i["amount"]
                else ItemStatus.PARTIAL
                if i["alloc"] > 0
                else ItemStatus.OPEN
            )
            if want != i["status"]:
                out.append(
                    f"open item {i['pk']} {i['doc_number']}: status {i['status']} but allocated {i['alloc']}"
                )
        if i["alloc"] + i["cred"] > max(i["amount"], ZERO):
            out.append(
                f"open item {i['pk']} {i['doc_number']}: over-allocated {i['alloc']} + credited {i['cred']}"
                f" > {i['amount']}"
            )
    pays = (
        Payment.objects.filter(scope)
        .annotate(alloc=_sum(Allocation, "payment"), lines_sum=_sum(PaymentLine, "payment"))
        .values("pk", "number", "amount", "allocated", "alloc", "lines_sum")
    )
    for p in pays:
        p["alloc"], p["lines_sum"] = round_money(p["alloc"]), round_money(p["lines_sum"])
        if p["allocated"] != p["alloc"]:
            out.append(f"payment {p['number']}: allocated {p['allocated']} vs allocations {p['alloc']}")
        if p["amount"] != p["lines_sum"]:
            out.append(f"payment {p['number']}: amount {p['amount']} vs method lines {p['lines_sum']}")
    # per party: what the items show open equals items less allocations
    per_party = (
        OpenItem.objects.filter(scope)
        .values("party_id", "direction")
        .annotate(amount=Sum("amount"), allocated=Sum("allocated"))
    )
    allocs = {
        (r["item__party_id"], r["item__direction"]): r["s"]
        for r in Allocation.objects.filter(scope)
        .values("item__party_id", "item__direction")
        .annotate(s=Sum("amount"))
    }
    for r in per_party:
        a = round_money(allocs.get((r["party_id"], r["direction"]), ZERO))
        if round_money(r["allocated"] or ZERO) != a:
            out.append(
                f"party {r['party_id']} {r['direction']}: items allocated {r['allocated']} vs allocations {a}"
            )
    return out
