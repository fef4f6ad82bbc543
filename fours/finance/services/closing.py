"""The closings of the books: a cashier hands the day over (交款单: the cash the payments say against
the cash counted, a difference needs a reason), finance confirms it, closes the store's day (日结) once
every cashier of that day has handed over and been confirmed, and closes a month (月结) once every day
with payments in it is closed. The ledger's ``check_books_open`` then refuses what a closed day or month
may no longer take."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record
from fours.core.choices import DocKind
from fours.core.errors import field_error
from fours.core.models import NumberSequence
from fours.core.numbering import next_number
from fours.core.permissions import require_perm

from ..choices import HandoverStatus, Method
from ..models import DayClose, Handover, PeriodClose
from ..selectors.closing import day_close_blockers, method_totals, period_blockers
from .ledger import clean_amount

ZERO = Decimal("0")
PAYMENT_NUMBERS = [DocKind.PAYMENT, DocKind.PAYMENT_OUT, DocKind.REFUND]


def _day(value, field: str = "business_date") -> dt.date:
    today = timezone.localdate()
    if value in (None, ""):
        return today
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise field_error(field, _("日期格式不正确"), code="bad_format") from None
    if isinstance(value, dt.datetime):
        value = value.date()
    if value > today:
        raise field_error(field, _("营业日不能晚于今天"), code="in_future")
    return value


def _month_closed(store, day: dt.date) -> bool:
    return PeriodClose.objects.filter(store=store, year=day.year, month=day.month).exists()


@transaction.atomic
def handover_submit(*, actor, store, business_date=None, counted_cash, reason: str = "") -> Handover:
    """交款: the cashier's own day. Expected per method is what the cashier's payments of the day add
    up to; the cash counted is entered; a difference needs a reason. Afterwards the cashier's day takes
    no payment (``check_books_open``)."""
    require_perm(actor, "finance.add_handover")
    day = _day(business_date)
    counted = clean_amount(counted_cash, "counted_cash", label=_("实点现金"), allow_zero=True)
    reason = (reason or "").strip()
    if DayClose.objects.filter(store=store, business_date=day).exists():
        raise field_error(
            "business_date", _("%(d)s已日结，不能再交款") % {"d": day.isoformat()}, code="day_closed"
        )
    if Handover.objects.filter(store=store, business_date=day, cashier=actor).exists():
        raise field_error(
            "business_date", _("%(d)s您已交款，不能重复交款") % {"d": day.isoformat()}, code="duplicate"
        )
    totals = method_totals(store, day, cashier=actor)
    expected = totals[Method.CASH]
    difference = counted - expected
    if difference and not reason:
        raise field_error(
            "reason",
            _("实点现金与应交现金相差 %(d)s，请填写差异原因") % {"d": f"{difference:,.2f}"},
            code="required",
        )
    handover = Handover(
        store=store,
        business_date=day,
        cashier=actor,
        expected_cash=expected,
        counted_cash=counted,
        difference=difference,
        reason=reason[:200],
        totals={m: f"{a:.2f}" for m, a in totals.items()},
        status=HandoverStatus.SUBMITTED,
    )
    handover.number = next_number(store=store, kind=DocKind.HANDOVER)
    handover.save(force_insert=True)
    audit_record(
        actor=actor,
        obj=handover,
        verb="handed_over",
        changes={"expected_cash": [None, expected], "counted_cash": [None, counted]},
        note=reason,
    )
    return handover


@transaction.atomic
def handover_confirm(*, actor, handover: Handover, note: str = "") -> Handover:
    """Finance confirms a cashier's hand-over (the cash has been received)."""
    require_perm(actor, "finance.change_handover")
    handover = Handover.objects.select_for_update().get(pk=handover.pk)
    if handover.status != HandoverStatus.SUBMITTED:
        raise field_error("status", _("该交款单已确认"), code="not_pending")
    if handover.cashier_id and handover.cashier_id == actor.pk:
        raise field_error("status", _("不能确认自己的交款单"), code="same_person")
    handover.status = HandoverStatus.CONFIRMED
    handover.confirmed_by = actor
    handover.confirmed_at = timezone.now()
    handover.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    audit_record(
        actor=actor,
        obj=handover,
        verb="approved",
        changes={"status": [HandoverStatus.SUBMITTED, HandoverStatus.CONFIRMED]},
        note=note,
    )
    return handover


@transaction.atomic
def day_close(*, actor, store, business_date=None) -> DayClose:
    """日结: refused while a cashier who took payments that day has not handed over, or finance has
    not confirmed the hand-over. Writes the day's totals by method."""
    require_perm(actor, "finance.confirm_dayclose")
    day = _day(business_date)
    # wait for the payments in flight: each holds its number's counter row until it commits and checks
    # the books after taking it (ledger.payment_take), so none slips into the day once it is closed
    list(
        NumberSequence.objects.select_for_update()
        .filter(store=store, year=timezone.localdate().year, kind__in=PAYMENT_NUMBERS)
        .values_list("pk", flat=True)
    )
    if DayClose.objects.filter(store=store, business_date=day).exists():
        raise field_error("business_date", _("%(d)s已日结") % {"d": day.isoformat()}, code="duplicate")
    if _month_closed(store, day):
        raise field_error(
            "business_date",
            _("%(y)s年%(m)s月已月结") % {"y": day.year, "m": day.month},
            code="period_closed",
        )
    blockers = day_close_blockers(store, day)
    if blockers:
        raise field_error(
            "business_date",
            _("以下收银员尚未交款或交款单未确认：%(who)s") % {"who": "、".join(blockers)},
            code="handover_pending",
        )
    totals = method_totals(store, day)
    close = DayClose.objects.create(
        store=store,
        business_date=day,
        closed_by=actor,
        totals={m: f"{a:.2f}" for m, a in totals.items()},
    )
    audit_record(
        actor=actor,
        obj=close,
        verb="day_confirmed",
        changes={"amount": [None, sum(totals.values(), ZERO)]},
        note=day.isoformat(),
    )
    return close


@transaction.atomic
def period_close(*, actor, store, year: int, month: int) -> PeriodClose:
    """月结: a month closes once it is over and every day with payments in it is day-closed; the
    ledger then refuses any posting dated in it."""
    require_perm(actor, "finance.close_period")
    try:
        year, month = int(year), int(month)
        dt.date(year, month, 1)
    except (TypeError, ValueError):
        raise field_error("month", _("请选择月份"), code="bad_format") from None
    today = timezone.localdate()
    if (year, month) >= (today.year, today.month):
        raise field_error("month", _("只能结已经过去的月份"), code="in_future")
    if PeriodClose.objects.filter(store=store, year=year, month=month).exists():
        raise field_error("month", _("%(y)s年%(m)s月已月结") % {"y": year, "m": month}, code="duplicate")
    days = period_blockers(store, year, month)
    if days:
        raise field_error(
            "month",
            _("以下营业日尚未日结：%(days)s") % {"days": "、".join(d.strftime("%m-%d") for d in days)},
            code="day_not_closed",
        )
    close = PeriodClose.objects.create(store=store, year=year, month=month, closed_by=actor)
    audit_record(actor=actor, obj=close, verb="period_closed", note=f"{year}-{month:02d}")
    return close
