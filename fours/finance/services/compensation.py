"""投诉补偿: a compensation a manager approved for a customer's complaint, through the money door.

- ``compensation_post``: when the complaint is about a repair order whose customer bill can take it, the
  compensation is a credit against that bill (``item_credit``, a price allowance): the desk collects the
  bill less the compensation, and what the customer had already paid beyond it becomes their advance
  (预收), paid back at the desk's 退款. Otherwise it is an amount the store owes the customer (应付, source
  其他, memo 投诉补偿), paid out in cash by the cashier with ``compensation_pay``.
- ``compensation_pay``: the cashier pays such a payable out (付款), allocated to it, never beyond it."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from fours.core.errors import field_error

from ..choices import Direction, ItemSource, ItemStatus
from ..models import OpenItem, Payment
from .ledger import clean_amount, customer_party, item_credit, item_post, payment_take

ZERO = Decimal("0")
MEMO = "投诉补偿"  # the memo prefix that marks a compensation payable (a document number follows)


def creditable_bill(*, store, customer, doc) -> OpenItem | None:
    """The customer's own bill (维修结算·客户) of ``doc`` that is not reversed, or None."""
    if doc is None:
        return None
    from django.contrib.contenttypes.models import ContentType

    party = customer_party(store, customer)
    return (
        OpenItem.objects.filter(
            store=store,
            party=party,
            direction=Direction.RECEIVABLE,
            source=ItemSource.RO_CUSTOMER,
            doc_type=ContentType.objects.get_for_model(doc),
            doc_id=doc.pk,
            amount__gt=0,
        )
        .exclude(status=ItemStatus.REVERSED)
        .order_by("-pk")
        .first()
    )


@transaction.atomic
def compensation_post(
    *, actor, store, customer, amount, doc, doc_number: str, reason: str = "", against=None, department="crm"
) -> OpenItem:
    """Post an approved compensation of ``doc`` (the complaint) for ``customer``: a credit against
    ``against`` (the customer's repair-order bill) when it still comes to at least the amount, else a
    payable to the customer. Returns the credit row or the payable. Refused: an amount that is not
    positive, a closed month; nothing is written then."""
    amount = clean_amount(amount, "compensation", label=_("补偿金额"))
    memo = f"{MEMO} {doc_number} {reason or ''}".strip()[:200]
    if against is not None and against.amount - against.credited >= amount:
        return item_credit(
            actor=actor, item=against, amount=amount, reason=memo, doc=doc, doc_number=doc_number
        )
    return item_post(
        actor=actor,
        store=store,
        doc=doc,
        doc_number=doc_number,
        party=customer_party(store, customer),
        direction=Direction.PAYABLE,
        source=ItemSource.OTHER,
        department=department,
        amount=amount,
        memo=memo,
    )


def compensation_payables(store):
    """The compensations the store still owes its customers (未付), oldest first."""
    return (
        OpenItem.objects.filter(
            store=store,
            direction=Direction.PAYABLE,
            source=ItemSource.OTHER,
            memo__startswith=MEMO,
            status__in=(ItemStatus.OPEN, ItemStatus.PARTIAL),
            amount__gt=0,
        )
        .select_related("party")
        .order_by("posted_on", "pk")
    )


@transaction.atomic
def compensation_pay(*, actor, item: OpenItem, method: str = "cash", reference: str = "") -> Payment:
    """付款: the cashier pays a compensation payable out in full, allocated to it (a payment out in the
    day's cash journal). Refused: an item that is not an open compensation payable."""
    item = OpenItem.objects.select_for_update().get(pk=item.pk)
    if (
        item.direction != Direction.PAYABLE
        or item.source != ItemSource.OTHER
        or not item.memo.startswith(MEMO)
        or item.amount <= 0
    ):
        raise field_error("item", _("该笔不是投诉补偿"), code="mismatch")
    left = item.amount - item.allocated - item.credited
    if item.status not in (ItemStatus.OPEN, ItemStatus.PARTIAL) or left <= 0:
        raise field_error("item", _("该笔补偿已付清"), code="not_pending")
    return payment_take(
        actor=actor,
        store=item.store,
        party=item.party,
        lines=[(method, left, reference)],
        allocations=[(item, left)],
        direction=Direction.PAYABLE,
        note=item.memo,
        verb="paid_out",
    )
