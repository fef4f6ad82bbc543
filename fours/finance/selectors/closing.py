"""Reads of the closings: a cashier's day by method (交款单), what keeps a day or a month from closing,
the bank journal (银行日记账) and the store's day report (收银日报). Each report is a fixed number of
grouped queries, whatever the number of payments."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import display_name
from fours.core.choices import DepartmentKind

from ..choices import MONEY_METHODS, Direction, HandoverStatus, Method, PaymentKind
from ..models import Allocation, DayClose, Handover, Payment, PaymentLine, PeriodClose

ZERO = Decimal("0")
NON_CASH = (Method.CARD, Method.TRANSFER, Method.WECHAT, Method.ALIPAY)


def _signed_lines(store):
    """Payment lines of the store as money into the till: a receipt in (ar) counts +, a payment out to
    a supplier (ap) counts −; refunds and reversals carry their own sign."""
    return PaymentLine.objects.filter(payment__store=store)


def method_totals(store, day: dt.date, *, cashier=None) -> dict[str, Decimal]:
    """{method: net amount} of one business day (of one cashier), receipts in minus money out; money
    only (a trade-in settled in kind is no cashier's)."""
    qs = _signed_lines(store).filter(payment__business_date=day, method__in=MONEY_METHODS)
    if cashier is not None:
        qs = qs.filter(payment__cashier=cashier)
    out = {m.value: ZERO for m in MONEY_METHODS}
    for r in qs.values("method", "payment__direction").annotate(s=Sum("amount")):
        sign = 1 if r["payment__direction"] == Direction.RECEIVABLE else -1
        out[r["method"]] += sign * r["s"]
    return out


def method_rows(totals: dict) -> list[dict]:
    labels = dict(Method.choices)
    return [{"method": m, "label": labels[m], "amount": totals.get(m, ZERO)} for m in MONEY_METHODS]


def cashier_day(store, user, day: dt.date) -> dict:
    """交款单 before it is submitted: what the cashier's payments of the day add up to per method, and
    the hand-over if there is one."""
    totals = method_totals(store, day, cashier=user)
    handover = Handover.objects.filter(store=store, business_date=day, cashier=user).first()
    n = Payment.objects.filter(store=store, business_date=day, cashier=user).count()
    return {
        "totals": totals,
        "rows": method_rows(totals),
        "expected_cash": totals[Method.CASH],
        "total": sum(totals.values(), ZERO),
        "count": n,
        "handover": handover,
        "closed": DayClose.objects.filter(store=store, business_date=day).exists(),
    }


def handovers(store, *, status: str = "", day: dt.date | None = None):
    qs = Handover.objects.filter(store=store).select_related("cashier", "confirmed_by")
    if status:
        qs = qs.filter(status=status)
    if day:
        qs = qs.filter(business_date=day)
    return qs.order_by("-business_date", "-id")


def day_close_blockers(store, day: dt.date) -> list[str]:
    """Who keeps the day from closing: every cashier who took a payment or paid a refund at the desk
    that day and has not handed over, or whose hand-over finance has not confirmed (names, in words).
    Finance's reversals, supplier payments and the receipts finance records itself need no hand-over."""
    cashier_ids = set(
        Payment.objects.filter(
            store=store,
            business_date=day,
            cashier__isnull=False,
            direction=Direction.RECEIVABLE,
            kind__in=(PaymentKind.RECEIPT, PaymentKind.REFUND),
        )
        .values_list("cashier_id", flat=True)
        .distinct()
    )
    done = dict(Handover.objects.filter(store=store, business_date=day).values_list("cashier_id", "status"))
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=cashier_ids)}
    # money finance itself records (a manufacturer's or an insurer's transfer to the bank) is finance's own
    # book entry, not desk money: it needs no hand-over to finance
    cashier_ids = {c for c in cashier_ids if not users[c].has_perm("finance.confirm_dayclose")}
    cashier_ids |= {c for c, s in done.items() if s != HandoverStatus.CONFIRMED}
    if not cashier_ids:
        return []
    users |= {u.pk: u for u in get_user_model().objects.filter(pk__in=cashier_ids - set(users))}
    out = []
    for cid in sorted(cashier_ids):
        status = done.get(cid)
        if status == HandoverStatus.CONFIRMED:
            continue
        name = display_name(users.get(cid))
        out.append((_("%(n)s（交款单待确认）") if status else _("%(n)s（未交款）")) % {"n": name})
    return out


def unclosed_days(store, *, before: dt.date | None = None) -> list[dt.date]:
    """Business days with payments and no day close (日结), before ``before`` (default today)."""
    before = before or timezone.localdate()
    closed = DayClose.objects.filter(store=store).values("business_date")
    return list(
        Payment.objects.filter(store=store, business_date__lt=before)
        .exclude(business_date__in=closed)
        .values_list("business_date", flat=True)
        .distinct()
        .order_by("business_date")
    )


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def period_blockers(store, year: int, month: int) -> list[dt.date]:
    """The days of a month with payments that are not day-closed (月结 waits for them)."""
    first, last = month_bounds(year, month)
    closed = DayClose.objects.filter(store=store, business_date__range=(first, last)).values("business_date")
    return list(
        Payment.objects.filter(store=store, business_date__range=(first, last))
        .exclude(business_date__in=closed)
        .values_list("business_date", flat=True)
        .distinct()
        .order_by("business_date")
    )


def closed_periods(store):
    return PeriodClose.objects.filter(store=store).select_related("closed_by").order_by("-year", "-month")


def bank_journal(store, date_from: dt.date, date_to: dt.date) -> dict:
    """银行日记账: per day, the non-cash money in (card, transfer, WeChat, Alipay) and out (supplier
    payments, refunds), the cash handed over (banked), and the running balance from ``date_from``.
    Two grouped queries."""
    rows: dict[dt.date, dict] = {}

    def row(day):
        return rows.setdefault(
            day, {"day": day, "by_method": {m: ZERO for m in NON_CASH}, "in": ZERO, "out": ZERO, "cash": ZERO}
        )

    lines = (
        _signed_lines(store)
        .filter(payment__business_date__range=(date_from, date_to), method__in=NON_CASH)
        .values("payment__business_date", "payment__direction", "method")
        .annotate(s=Sum("amount"))
    )
    for r in lines:
        amount = r["s"] if r["payment__direction"] == Direction.RECEIVABLE else -r["s"]
        day = row(r["payment__business_date"])
        day["by_method"][r["method"]] += amount
        if amount >= 0:
            day["in"] += amount
        else:
            day["out"] += amount
    cash = (
        Handover.objects.filter(store=store, business_date__range=(date_from, date_to))
        .values("business_date")
        .annotate(s=Sum("counted_cash"))
    )
    for r in cash:
        row(r["business_date"])["cash"] += r["s"]
    balance = ZERO
    out = []
    for day in sorted(rows):
        r = rows[day]
        r["net"] = r["in"] + r["out"] + r["cash"]
        balance += r["net"]
        r["balance"] = balance
        r["methods"] = [r["by_method"][m] for m in NON_CASH]
        out.append(r)
    labels = dict(Method.choices)
    return {
        "rows": out,
        "methods": [labels[m] for m in NON_CASH],
        "total_in": sum((r["in"] for r in out), ZERO),
        "total_out": sum((r["out"] for r in out), ZERO),
        "total_cash": sum((r["cash"] for r in out), ZERO),
        "balance": balance,
    }


def day_report(store, day: dt.date) -> dict:
    """收银日报: one business day of the store across every department, by method, by department (what
    the payments settled, through their allocations), by cashier, refunds apart. Five queries."""
    labels = dict(Method.choices)
    by_method = {
        m: {"label": labels[m], "receipts": ZERO, "refunds": ZERO, "out": ZERO} for m in Method.values
    }
    per_cashier: dict[int | None, dict] = {}
    lines = (
        _signed_lines(store)
        .filter(payment__business_date=day)
        .values(
            "method",
            "payment__direction",
            "payment__kind",
            "payment__cashier_id",
        )
        .annotate(s=Sum("amount"))
    )
    for r in lines:
        m = by_method[r["method"]]
        if r["payment__direction"] == Direction.PAYABLE:
            m["out"] -= r["s"]
            signed = -r["s"]
        elif r["payment__kind"] == PaymentKind.RECEIPT:
            m["receipts"] += r["s"]
            signed = r["s"]
        else:
            m["refunds"] += r["s"]
            signed = r["s"]
        cid = r["payment__cashier_id"]
        c = per_cashier.setdefault(
            cid,
            {
                "id": cid,
                "by_method": {k: ZERO for k in Method.values},
                "total": ZERO,
            },
        )
        c["by_method"][r["method"]] += signed
        c["total"] += signed
    for m in by_method.values():
        m["net"] = m["receipts"] + m["refunds"] + m["out"]
    counts = Payment.objects.filter(store=store, business_date=day).aggregate(
        n=Count("id"),
        receipts=Count("id", filter=Q(kind=PaymentKind.RECEIPT, direction=Direction.RECEIVABLE)),
        refunds=Count("id", filter=Q(kind=PaymentKind.REFUND)),
        reversals=Count("id", filter=Q(kind=PaymentKind.REVERSAL)),
        received=Sum("amount", filter=Q(direction=Direction.RECEIVABLE)),
        allocated=Sum("allocated", filter=Q(direction=Direction.RECEIVABLE)),
    )
    dept_labels = dict(DepartmentKind.choices)
    by_dept = [
        {"label": dept_labels.get(r["item__department"], r["item__department"]), "amount": r["s"]}
        for r in Allocation.objects.filter(
            payment__store=store, payment__business_date=day, item__direction=Direction.RECEIVABLE
        )
        .values("item__department")
        .annotate(s=Sum("amount"))
        .order_by("item__department")
    ]
    advance = (counts["received"] or ZERO) - (counts["allocated"] or ZERO)
    closed = DayClose.objects.filter(store=store, business_date=day).select_related("closed_by").first()
    methods = [{"method": k, **v} for k, v in by_method.items()]
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=[c for c in per_cashier if c])}
    for c in per_cashier.values():
        c["name"] = display_name(users.get(c["id"]))
    cashiers = sorted(per_cashier.values(), key=lambda c: c["name"])
    for c in cashiers:
        c["methods"] = [c["by_method"][m] for m in Method.values]
    return {
        "day": day,
        "methods": methods,
        "method_labels": [labels[m] for m in Method.values],
        "total": sum((m["net"] for m in methods), ZERO),
        "receipts": sum((m["receipts"] for m in methods), ZERO),
        "refunds": sum((m["refunds"] for m in methods), ZERO),
        "out": sum((m["out"] for m in methods), ZERO),
        "by_department": by_dept,
        "advance": advance,
        "by_cashier": cashiers,
        "count": counts["n"],
        "count_receipts": counts["receipts"],
        "count_refunds": counts["refunds"],
        "count_reversals": counts["reversals"],
        "closed": closed,
    }
