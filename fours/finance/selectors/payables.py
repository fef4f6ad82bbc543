"""Reads of 付款通知书, 发票未到 备查簿 and 发票登记."""

from __future__ import annotations

from django.db.models import Count, Q

from ..choices import Direction, ItemStatus, RequestStatus
from ..models import Invoice, OpenItem, PaymentRequest
from ..workflows import OPEN_REQUEST


def requests_list():
    return (
        PaymentRequest.objects.select_related("party", "requested_by", "approved_by")
        .annotate(n_items=Count("items"))
        .order_by("-at", "-id")
    )


def request_lines(req: PaymentRequest):
    """The payables a request asks to pay, each with the amount asked for it, oldest first."""
    return req.lines.select_related("openitem").order_by("openitem__posted_on", "openitem__pk")


def payable_items_open(party) -> list[OpenItem]:
    """The party's payables a new request may ask to pay: open (in part or whole) and not in another
    pending or approved request."""
    busy = PaymentRequest.items.through.objects.filter(
        paymentrequest__status__in=OPEN_REQUEST, openitem__party=party
    ).values("openitem_id")
    return list(
        OpenItem.objects.filter(
            party=party,
            direction=Direction.PAYABLE,
            amount__gt=0,
            status__in=[ItemStatus.OPEN, ItemStatus.PARTIAL],
        )
        .exclude(pk__in=busy)
        .order_by("posted_on", "pk")
    )


def pending_invoices():
    """发票未到: the payables (purchase receipts) whose supplier invoice number is not entered yet."""
    return (
        OpenItem.objects.filter(direction=Direction.PAYABLE, amount__gt=0, invoice_no="")
        .exclude(status=ItemStatus.REVERSED)
        .select_related("party")
        .prefetch_related("doc")
    )


def pending_invoice_count(store) -> int:
    return pending_invoices().filter(store=store).count()


def requests_waiting_count(store, user=None) -> int:
    """待审批: pending requests of the store; for ``user``, only those within their payment limit and not
    their own (the ones they can approve)."""
    qs = PaymentRequest.objects.filter(store=store, status=RequestStatus.PENDING)
    if user is not None:
        qs = approvable_by(qs, user, store)
    return qs.count()


def approvable_by(qs, user, store):
    """The pending requests of ``qs`` that ``user`` may approve in ``store``: within their payment limit
    and not their own."""
    from fours.core.roles import LimitKind
    from fours.core.selectors import limit_for

    return qs.filter(
        store=store,
        status=RequestStatus.PENDING,
        amount__lte=limit_for(user, store, LimitKind.PAYMENT_AMOUNT),
    ).exclude(requested_by=user)


def invoices_list():
    return Invoice.objects.select_related("party", "issued_by", "red_of")


def invoice_reds(inv: Invoice):
    return Invoice.objects.filter(red_of=inv).select_related("issued_by").order_by("pk")


def invoice_years(qs) -> list[int]:
    return sorted({d.year for d in qs.dates("at", "year")}, reverse=True)


def suppliers_with_payables(store):
    """Parties of the store that have open payables (the 付款通知书 form's choice of payee)."""
    from ..models import Party

    return (
        Party.objects.filter(store=store)
        .filter(
            Q(
                items__direction=Direction.PAYABLE,
                items__amount__gt=0,
                items__status__in=[ItemStatus.OPEN, ItemStatus.PARTIAL],
            )
        )
        .distinct()
        .order_by("name")
    )
