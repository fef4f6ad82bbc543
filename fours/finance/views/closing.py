"""The closings: the cashier's 交款单, finance's confirmation and 日结, the bank journal (银行日记账),
the store's day report (收银日报) and 月结."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fours.core.registry import NavItem, Widget
from fours.core.roles import Role
from fours.core.selectors import has_role
from fours.core.views import attach_errors, error_text, perm_or_403, redirect_back, work_store

from .. import services
from ..choices import HandoverStatus
from ..forms import DayCloseForm, HandoverForm, PeriodCloseForm
from ..models import Handover
from ..selectors import closing as sel


def _day(request, name: str = "date") -> dt.date:
    day = parse_date(request.GET.get(name) or "") or timezone.localdate()
    return min(day, timezone.localdate())


@login_required
def handover(request):
    """交款单: the cashier's own day, expected per method against the cash counted."""
    perm_or_403(request, "finance.add_handover")
    store = work_store(request)
    src = request.POST if request.method == "POST" else request.GET
    day = parse_date(src.get("business_date") or src.get("date") or "") or timezone.localdate()
    day = min(day, timezone.localdate())
    if request.method == "POST":
        form = HandoverForm(request.POST)
        if form.is_valid():
            try:
                h = services.handover_submit(
                    actor=request.user,
                    store=store,
                    business_date=day,
                    counted_cash=form.cleaned_data["counted_cash"],
                    reason=form.cleaned_data.get("reason") or "",
                )
            except ValidationError as e:
                attach_errors(form, e)
            else:
                messages.success(request, _("已提交交款单 %(n)s，待财务确认") % {"n": h.number})
                return redirect(f"{reverse('finance:handover')}?date={day.isoformat()}")
    else:
        form = HandoverForm(initial={"business_date": day})
    data = sel.cashier_day(store, request.user, day)
    return render(request, "finance/handover.html", {"title": _("交款单"), "day": day, "form": form, **data})


@login_required
def handover_list(request):
    """交款单一览: finance confirms the hand-overs (a cashier sees their own)."""
    perm_or_403(request, "finance.view_handover")
    store = work_store(request)
    status = request.GET.get("status", "")
    if status not in HandoverStatus.values:
        status = ""
    rows = sel.handovers(store, status=status)
    if not request.user.has_perm("finance.change_handover"):
        rows = rows.filter(cashier=request.user)
    return render(
        request,
        "finance/handover_list.html",
        {
            "title": _("交款单一览"),
            "rows": rows[:200],
            "status": status,
            "statuses": HandoverStatus.choices,
            "can_confirm": request.user.has_perm("finance.change_handover"),
        },
    )


@login_required
@require_POST
def handover_confirm(request, pk):
    perm_or_403(request, "finance.change_handover")
    store = work_store(request)
    h = get_object_or_404(Handover.objects.filter(store=store), pk=pk)
    try:
        services.handover_confirm(actor=request.user, handover=h)
    except ValidationError as e:
        messages.error(request, error_text(e))
    else:
        messages.success(request, _("已确认交款单 %(n)s") % {"n": h.number})
    return redirect_back(request, reverse("finance:handover-list"))


@login_required
def day_close(request):
    """日结: the day's cashiers and their hand-overs, what still blocks the close, the totals."""
    perm_or_403(request, "finance.confirm_dayclose")
    store = work_store(request)
    if request.method == "POST":
        form = DayCloseForm(request.POST)
        if form.is_valid():
            day = form.cleaned_data["business_date"]
            try:
                services.day_close(actor=request.user, store=store, business_date=day)
            except ValidationError as e:
                attach_errors(form, e)
            else:
                messages.success(request, _("%(d)s 已日结") % {"d": day.isoformat()})
                return redirect(f"{reverse('finance:day-close')}?date={day.isoformat()}")
        day = parse_date(request.POST.get("business_date") or "") or timezone.localdate()
    else:
        day = _day(request)
        form = DayCloseForm(initial={"business_date": day})
    report = sel.day_report(store, day)
    unclosed = sel.unclosed_days(store)
    return render(
        request,
        "finance/closing_day.html",
        {
            "title": _("日结"),
            "day": day,
            "form": form,
            "report": report,
            "handovers": list(sel.handovers(store, day=day)),
            "blockers": sel.day_close_blockers(store, day),
            "unclosed": unclosed[:62],
            "unclosed_n": len(unclosed),
            "can_confirm": request.user.has_perm("finance.change_handover"),
        },
    )


@login_required
def bank_journal(request):
    """银行日记账 over a date range (this month by default)."""
    perm_or_403(request, "finance.view_periodclose")
    store = work_store(request)
    today = timezone.localdate()
    date_to = min(parse_date(request.GET.get("to") or "") or today, today)
    date_from = parse_date(request.GET.get("from") or "") or date_to.replace(day=1)
    if date_from > date_to:
        date_from, date_to = date_to, date_from
    if (date_to - date_from).days > 366:
        date_from = date_to - dt.timedelta(days=366)
    return render(
        request,
        "finance/bank_journal.html",
        {
            "title": _("银行日记账"),
            "date_from": date_from,
            "date_to": date_to,
            **sel.bank_journal(store, date_from, date_to),
        },
    )


@login_required
def day_report(request):
    """收银日报: one day of the store, every department, by method, department and cashier."""
    perm_or_403(request, "finance.view_paymentline")
    store = work_store(request)
    day = _day(request)
    return render(
        request,
        "finance/dayreport.html",
        {"title": _("收银日报"), "day": day, "report": sel.day_report(store, day)},
    )


@login_required
def period_close(request):
    """月结: close a month once every day with payments in it is day-closed."""
    perm_or_403(request, "finance.close_period")
    store = work_store(request)
    today = timezone.localdate()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    if request.method == "POST":
        form = PeriodCloseForm(request.POST)
        if form.is_valid():
            year, month = form.year_month()
            try:
                services.period_close(actor=request.user, store=store, year=year, month=month)
            except ValidationError as e:
                attach_errors(form, e)
            else:
                messages.success(request, _("%(m)s 已月结") % {"m": form.cleaned_data["month"]})
                return redirect("finance:period-close")
        chosen = request.POST.get("month") or last_month
    else:
        chosen = request.GET.get("month") or last_month
        form = PeriodCloseForm(initial={"month": chosen})
    blockers, is_closed = [], False
    try:
        y, m = (int(x) for x in chosen.split("-"))
        blockers = sel.period_blockers(store, y, m)
        is_closed = sel.closed_periods(store).filter(year=y, month=m).exists()
    except ValueError:
        pass
    return render(
        request,
        "finance/period_close.html",
        {
            "title": _("月结"),
            "form": form,
            "month": chosen,
            "blockers": blockers,
            "is_closed": is_closed,
            "closed": sel.closed_periods(store)[:24],
        },
    )


urlpatterns = [
    path("handover/", handover, name="handover"),
    path("handovers/", handover_list, name="handover-list"),
    path("handovers/<int:pk>/confirm/", handover_confirm, name="handover-confirm"),
    path("day-close/", day_close, name="day-close"),
    path("day-report/", day_report, name="day-report"),
    path("bank-journal/", bank_journal, name="bank-journal"),
    path("period-close/", period_close, name="period-close"),
]

NAV = [
    NavItem(
        "service",
        gettext_lazy("交款"),
        "finance:handover",
        perm="finance.add_handover",
        icon="bi-box-arrow-up",
        order=62,
    ),
    NavItem(
        "service",
        gettext_lazy("收银日报"),
        "finance:day-report",
        perm="finance.view_paymentline",
        icon="bi-journal-text",
        order=63,
    ),
    NavItem(
        "management",
        gettext_lazy("交款确认"),
        "finance:handover-list",
        perm="finance.change_handover",
        icon="bi-check2-square",
        order=41,
    ),
    NavItem(
        "management",
        gettext_lazy("日结"),
        "finance:day-close",
        perm="finance.confirm_dayclose",
        icon="bi-calendar-check",
        order=42,
    ),
    NavItem(
        "management",
        gettext_lazy("银行日记账"),
        "finance:bank-journal",
        perm="finance.view_periodclose",
        icon="bi-bank",
        order=43,
    ),
    NavItem(
        "management",
        gettext_lazy("月结"),
        "finance:period-close",
        perm="finance.close_period",
        icon="bi-lock",
        order=44,
    ),
]


def widgets(request, store):
    """For finance: hand-overs waiting for confirmation and past days not yet closed."""
    if store is None:
        return []
    user = request.user
    out = []
    mine = has_role(user, store, Role.FINANCE)
    if user.has_perm("finance.change_handover"):
        n = Handover.objects.filter(store=store, status=HandoverStatus.SUBMITTED).count()
        out.append(
            Widget(
                "management",
                _("待确认交款单"),
                n,
                _("张"),
                f"{reverse('finance:handover-list')}?status={HandoverStatus.SUBMITTED}",
                tone="warning" if n else "success",
                mine=mine,
            )
        )
    if user.has_perm("finance.confirm_dayclose"):
        days = sel.unclosed_days(store)
        out.append(
            Widget(
                "management",
                _("未日结天数"),
                len(days),
                _("天"),
                reverse("finance:day-close") + (f"?date={days[0].isoformat()}" if days else ""),
                tone="danger" if days else "success",
                note=_("最早 %(d)s") % {"d": days[0].isoformat()} if days else "",
                mine=mine,
            )
        )
    return out
