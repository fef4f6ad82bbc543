"""客户活动 and 节日关怀: the store's customer events with their counts (邀请、参加、不参加、待定、未回复、签到),
one page per event (invite a segment or picked customers, record an answer, check in on the day), and the
festivals whose care tasks the daily job queues."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.registry import NavItem
from fours.core.views import error_text, perm_or_403, run, work_store
from fours.customers.models import Customer, CustomerAssignment
from fours.customers.selectors import shown_mobile

from .. import services
from ..choices import Rsvp
from ..models import CustomerEvent, EventInvite, Festival

VIEW = "crm.view_customerevent"


def _segment(p) -> dict:
    return {k: p.get(k, "") for k in ("age_min", "age_max", "no_visit_months", "kind", "tag")}


@login_required
def event_list(request):
    perm_or_403(request, VIEW)
    store = work_store(request)
    events = services.event_counts(
        list(CustomerEvent.objects.filter(store=store).order_by("-starts_at")[:100])
    )
    festivals = list(Festival.objects.filter(store=store, on__gte=timezone.localdate()).order_by("on")[:20])
    errors, form = {}, {}
    if request.method == "POST":
        form = request.POST
        kind = request.POST.get("form")
        try:
            if kind == "festival":
                services.festival_add(
                    actor=request.user,
                    store=store,
                    name=form.get("name", ""),
                    on=form.get("on", ""),
                    greeting=form.get("greeting", ""),
                )
                messages.success(request, _("已登记节日，节日前一天生成关怀任务"))
                return redirect("crm:event_list")
            ev = services.event_create(
                actor=request.user,
                store=store,
                name=form.get("name", ""),
                starts_at=form.get("starts_at", ""),
                place=form.get("place", ""),
                capacity=form.get("capacity") or 0,
                segment=_segment(form),
                note=form.get("note", ""),
            )
        except ValidationError as e:
            errors = {k: " ".join(str(m) for m in v) for k, v in e.message_dict.items()}
            errors["form"] = kind
        else:
            messages.success(request, _("已创建客户活动"))
            return redirect("crm:event_detail", pk=ev.pk)
    return render(
        request,
        "crm/event_list.html",
        {
            "title": _("客户活动"),
            "events": events,
            "festivals": festivals,
            "errors": errors,
            "form": form,
            "now": timezone.now(),
        },
        status=400 if errors else 200,
    )


def _event(request, pk) -> CustomerEvent:
    return get_object_or_404(CustomerEvent.objects.filter(store=work_store(request)), pk=pk)


@login_required
def event_detail(request, pk):
    perm_or_403(request, VIEW)
    ev = _event(request, pk)
    services.event_counts([ev])
    invites = list(
        ev.invites.select_related("customer", "rsvp_by", "checked_in_by").order_by("customer__name", "pk")
    )
    for inv in invites:
        inv.mobile = shown_mobile(request.user, inv.customer.mobile)
    today = timezone.localdate()
    day = timezone.localdate(ev.starts_at)
    may_change = request.user.has_perm("crm.change_eventinvite")
    return render(
        request,
        "crm/event_detail.html",
        {
            "title": ev.name,
            "ev": ev,
            "invites": invites,
            "answers": [(Rsvp.YES, Rsvp.YES.label), (Rsvp.MAYBE, Rsvp.MAYBE.label), (Rsvp.NO, Rsvp.NO.label)],
            "may_invite": request.user.has_perm("crm.add_eventinvite") and day >= today,
            "may_rsvp": may_change and ev.starts_at > timezone.now(),
            "may_check_in": may_change and day == today,
            "left": max(ev.capacity - ev.counts["yes"] - ev.counts["guests"], 0) if ev.capacity else None,
        },
    )


def _picked(store, raw: str):
    """Customers of the store picked by mobile numbers (one per line or separated by commas)."""
    mobiles = [m for m in re.split(r"[\s,，;；]+", raw or "") if m]
    if not mobiles:
        return None
    mine = CustomerAssignment.objects.filter(store=store).values("customer_id")
    found = {c.mobile: c for c in Customer.objects.filter(pk__in=mine, mobile__in=mobiles)}
    missing = [m for m in mobiles if m not in found]
    if missing:
        raise ValidationError({"customers": _("本店没有这些手机号的客户：%(m)s") % {"m": "、".join(missing)}})
    return list(found.values())


@login_required
def event_act(request, pk, step):
    if step not in ("invite", "rsvp", "checkin"):
        raise Http404
    ev = _event(request, pk)
    if request.method != "POST":
        return redirect("crm:event_detail", pk=ev.pk)
    p = request.POST
    if step == "invite":
        try:
            picked = _picked(ev.store, p.get("mobiles", ""))
        except ValidationError as e:
            messages.error(request, error_text(e))
            return redirect("crm:event_detail", pk=ev.pk)
        r = run(
            request,
            services.event_invite,
            _("已发送邀请"),
            event=ev,
            customers=picked,
            body=p.get("body", ""),
            base=request.build_absolute_uri("/"),
        )
        if r:
            messages.info(
                request,
                _("邀请 %(i)s 人，未授权营销短信未邀请 %(s)s 人，已邀请过 %(a)s 人")
                % {"i": r["invited"], "s": r["skipped"], "a": r["already"]},
            )
        return redirect("crm:event_detail", pk=ev.pk)
    inv = get_object_or_404(EventInvite.objects.filter(event=ev), pk=p.get("invite") or 0)
    if step == "rsvp":
        run(
            request,
            services.event_rsvp,
            _("已登记回复"),
            invite=inv,
            answer=p.get("answer", ""),
            guests=p.get("guests") or 0,
        )
    else:
        run(request, services.event_check_in, _("已签到"), invite=inv)
    return redirect("crm:event_detail", pk=ev.pk)


urlpatterns = [
    path("events/", event_list, name="event_list"),
    path("events/<int:pk>/", event_detail, name="event_detail"),
    path("events/<int:pk>/<str:step>/", event_act, name="event_act"),
]

NAV = [NavItem("crm", gettext_lazy("客户活动"), "crm:event_list", VIEW, "bi-calendar-event", 52)]


def widgets(request, store):
    return []
