"""Finance demo: the books of the demo stores after the parts and service history has taken its
payments through the money door.

- each store's account mapping (科目对照) written out from the 企业会计准则 defaults; the second store
  keeps its bank money on a sub-account of its own (set through ``accounts_set``, audited);
- in the first store, every past business day with payments at the desk is handed over by its cashier
  (交款单: the cash counted against what the day's payments say), confirmed by finance and closed (日结);
  one recent day has a small cash shortfall with its reason; today is left open for the desk;
- a supplier payment request (付款通知书) for the first store's oldest unpaid purchases, waiting for
  approval.

The trade customers' credit limits (挂账额度) are set by the parts demo through ``party_update``.
Runs after every other app's dated steps (on a clock frozen at each day's evening and the next
morning), so no payment of a closed day comes after its close. Idempotent: a closed day, a hand-over or
a pending request already there is left as it is."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from fours.core.errors import BusinessError
from fours.core.roles import Role

from .choices import (
    DEFAULT_ACCOUNTS,
    AccountKey,
    Direction,
    HandoverStatus,
    ItemSource,
    ItemStatus,
    Method,
    PartyKind,
    PaymentKind,
    RequestStatus,
)
from .models import AccountMapping, DayClose, Handover, OpenItem, Payment, PaymentRequest
from .selectors.closing import method_totals

ORDER = 40

SHORTFALL = Decimal("2.00")
SHORTFALL_REASON = "找零时多找给客户2元，已登记短款"
BANK_SUB_ACCOUNT = ("100201", "银行存款-工商银行番禺支行")
REQUEST_REASON = "支付配件采购货款（供应商对账确认）"


def _aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _accounts(ctx, store, n: int) -> None:
    """科目对照: every key of the store written out at its default code; the second store's bank money
    on a sub-account of its own."""
    have = set(AccountMapping.objects.filter(store=store).values_list("key", flat=True))
    AccountMapping.objects.bulk_create(
        [
            AccountMapping(store=store, key=key, code=code, name=str(AccountKey(key).label))
            for key, code in DEFAULT_ACCOUNTS.items()
            if key not in have
        ]
    )
    finance = ctx.users.get((store.code, Role.FINANCE))
    if n == 1 and finance is not None:
        from .services.vouchers import accounts_set

        accounts_set(actor=finance, store=store, rows={AccountKey.BANK: BANK_SUB_ACCOUNT})


def _desk_cashiers(store, day: dt.date) -> list[int]:
    """Who took money at the desk that day (receipts and refunds of receivables): each hands over."""
    return sorted(
        set(
            Payment.objects.filter(
                store=store,
                business_date=day,
                cashier__isnull=False,
                direction=Direction.RECEIVABLE,
                kind__in=(PaymentKind.RECEIPT, PaymentKind.REFUND),
            ).values_list("cashier_id", flat=True)
        )
    )


def _close_the_days(ctx, store) -> None:
    """Every past day with payments: hand-over, finance's confirmation, day close; one short day."""
    from django.contrib.auth import get_user_model

    from .services.closing import day_close, handover_confirm, handover_submit

    finance = ctx.users.get((store.code, Role.FINANCE))
    if finance is None:
        return
    today = timezone.localdate()
    closed = set(DayClose.objects.filter(store=store).values_list("business_date", flat=True))
    days = sorted(
        set(
            Payment.objects.filter(store=store, business_date__lt=today)
            .exclude(business_date__in=closed)
            .values_list("business_date", flat=True)
        )
    )
    if not days:
        return
    users = {
        u.pk: u
        for u in get_user_model().objects.filter(pk__in={c for d in days for c in _desk_cashiers(store, d)})
    }
    # the short day: the most recent past day whose cashier took enough cash to be short of ¥2
    short_day = None
    if not Handover.objects.filter(store=store).exclude(difference=0).exists():
        for day in reversed(days):
            cashiers = _desk_cashiers(store, day)
            if (
                cashiers
                and method_totals(store, day, cashier=users[cashiers[0]])[Method.CASH] >= 10 * SHORTFALL
            ):
                short_day = day
                break
    real_now = timezone.now()
    for day in days:
        evening = _aware(day, 20, 30)
        morning = min(_aware(day + dt.timedelta(days=1), 8, 45), real_now - dt.timedelta(minutes=10))
        try:
            with transaction.atomic():
                cashiers = _desk_cashiers(store, day)
                with mock.patch("django.utils.timezone.now", return_value=evening):
                    for k, cid in enumerate(cashiers):
                        if Handover.objects.filter(store=store, business_date=day, cashier_id=cid).exists():
                            continue
                        cashier = users[cid]
                        expected = method_totals(store, day, cashier=cashier)[Method.CASH]
                        short = day == short_day and k == 0
                        handover_submit(
                            actor=cashier,
                            store=store,
                            business_date=day,
                            counted_cash=expected - SHORTFALL if short else expected,
                            reason=SHORTFALL_REASON if short else "",
                        )
                with mock.patch("django.utils.timezone.now", return_value=morning):
                    for h in Handover.objects.filter(
                        store=store, business_date=day, status=HandoverStatus.SUBMITTED
                    ):
                        handover_confirm(
                            actor=finance, handover=h, note="现金已收" if not h.difference else "短款已核实"
                        )
                    day_close(actor=finance, store=store, business_date=day)
        except (BusinessError, PermissionDenied) as err:  # the day stays open on the closing page
            ctx.log(f"finance: {day} not closed: {err}")


def _payment_request(ctx, store) -> None:
    """A supplier payment request for the supplier owed most, its two oldest unpaid purchases in full,
    asked by the parts manager and waiting for approval."""
    from .services.payables import OPEN_REQUEST, request_create

    if PaymentRequest.objects.filter(
        store=store, status=RequestStatus.PENDING, party__kind=PartyKind.SUPPLIER
    ).exists():
        return
    asker = ctx.users.get((store.code, Role.PARTS_MANAGER))
    if asker is None:
        return
    busy = PaymentRequest.items.through.objects.filter(paymentrequest__status__in=OPEN_REQUEST).values(
        "openitem_id"
    )
    open_ap = OpenItem.objects.filter(
        store=store,
        direction=Direction.PAYABLE,
        status__in=(ItemStatus.OPEN, ItemStatus.PARTIAL),
        amount__gt=0,
        source=ItemSource.PURCHASE,
    ).exclude(pk__in=busy)
    top = open_ap.values("party_id").annotate(s=Sum("amount")).order_by("-s").first()
    if top is None:
        return
    items = list(open_ap.filter(party_id=top["party_id"]).order_by("posted_on", "id")[:2])
    request_create(
        actor=asker,
        store=store,
        party=items[0].party,
        lines=[(i, i.open_amount) for i in items],
        reason=REQUEST_REASON,
    )


def load(ctx) -> None:
    if not ctx.stores:
        return
    for n, store in enumerate(ctx.stores):
        _accounts(ctx, store, n)
    first = ctx.stores[0]
    # after every dated step and every other app's last steps: all the days' payments are in
    ctx.at(None, lambda: _close_the_days(ctx, first))
    ctx.at(None, lambda: _payment_request(ctx, first))
    ctx.log(f"finance: {first.short_name or first.name} days closed, payment request pending")
