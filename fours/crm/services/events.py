"""客户活动 (seed 004 §3 三: 活动之前客户的邀约 …) and 节日关怀: an event of the store with its day, place and
capacity; invitations to a segment of the archive or to customers picked one by one, sent as SMS through
the one sender (the customer's marketing consent respected: without it the customer is not invited), each
with a phone link on which the customer answers; the answers (参加/不参加/待定) recorded by care or through
the link, the capacity kept; the check-in on the day; and the festivals whose care tasks the daily job
queues (``care.py``)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from fours.core.audit import audit_record
from fours.core.errors import field_error
from fours.core.permissions import require_perm
from fours.customers.models import Customer, CustomerAssignment

from ..choices import Rsvp, RsvpVia
from ..models import CustomerEvent, EventInvite, Festival
from .campaigns import clean_segment, segment_customers
from .common import text


def _when(value) -> dt.datetime:
    if isinstance(value, str):
        value = parse_datetime(value.strip()) if value.strip() else None
    if not isinstance(value, dt.datetime):
        raise field_error("starts_at", _("请填写活动时间"), code="required")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _capacity(value) -> int:
    try:
        n = int(value or 0)
    except (TypeError, ValueError):
        raise field_error("capacity", _("名额请填写整数"), code="bad_format") from None
    if n < 0:
        raise field_error("capacity", _("名额不能为负数"), code="negative")
    return n


@transaction.atomic
def event_create(
    *, actor, store, name: str, starts_at, place: str, capacity=0, segment: dict | None = None, note=""
) -> CustomerEvent:
    """A new customer event; its time may not be in the past."""
    require_perm(actor, "crm.add_customerevent")
    name = text(name, "name", _("请填写活动名称"), limit=100)
    when = _when(starts_at)
    if when < timezone.now():
        raise field_error("starts_at", _("活动时间不能早于现在"), code="in_past")
    place = text(place, "place", _("请填写活动地点"), limit=100)
    ev = CustomerEvent.objects.create(
        store=store,
        name=name,
        starts_at=when,
        place=place,
        capacity=_capacity(capacity),
        segment=clean_segment(segment or {}),
        note=(note or "")[:300],
        created_by=actor,
    )
    audit_record(actor=actor, obj=ev, verb="created", changes={"name": [None, name]})
    return ev


def _open(ev: CustomerEvent, field: str = "event"):
    if timezone.localdate(ev.starts_at) < timezone.localdate():
        raise field_error(field, _("活动已结束"), code="event_over")


def _body(ev: CustomerEvent, customer, url: str, body: str = "") -> str:
    when = timezone.localtime(ev.starts_at)
    head = body.strip() or _(
        "【%(store)s】%(name)s您好，诚邀您参加“%(event)s”，时间 %(when)s，地点 %(place)s。"
    ) % {
        "store": ev.store.name,
        "name": customer.name,
        "event": ev.name,
        "when": f"{when:%m-%d %H:%M}",
        "place": ev.place,
    }
    return _("%(head)s 请点此回复是否参加：%(url)s") % {"head": head, "url": url}


@transaction.atomic
def event_invite(*, actor, event: CustomerEvent, customers=None, body: str = "", base: str = "") -> dict:
    """邀请: the picked ``customers`` (or, without them, the event's segment) who are not invited yet get
    the invitation SMS with their answer link. A customer without marketing consent or a mobile is left out
    (not invited). Returns how many were invited, left out, and already invited."""
    from .links import link_make, link_url
    from .messages import consent_refusal, message_send

    require_perm(actor, "crm.add_eventinvite")
    ev = CustomerEvent.objects.select_for_update().select_related("store").get(pk=event.pk)
    _open(ev)
    if customers is None:
        targets = list(segment_customers(ev.store, ev.segment))
    else:
        targets = list(customers)
        mine = set(
            CustomerAssignment.objects.filter(
                store=ev.store, customer_id__in=[c.pk for c in targets]
            ).values_list("customer_id", flat=True)
        )
        if not targets:
            raise field_error("customers", _("请选择要邀请的客户"), code="required")
        for c in targets:
            if c.pk not in mine:
                raise field_error("customers", _("%(n)s 不是本店客户") % {"n": c.name}, code="out_of_scope")
    have = set(ev.invites.values_list("customer_id", flat=True))
    invited = skipped = already = 0
    now = timezone.now()
    for cust in targets:
        if cust.pk in have:
            already += 1
            continue
        if consent_refusal(cust, marketing=True):
            skipped += 1
            continue
        inv = EventInvite.objects.create(store=ev.store, event=ev, customer=cust, invited_at=now)
        token = link_make(actor=actor, store=ev.store, purpose="rsvp", customer=cust, doc=inv)
        msg = message_send(
            actor=actor,
            customer=cust,
            purpose="event",
            body=_body(ev, cust, link_url(token, base), body),
            doc=inv,
            store=ev.store,
            now=now,
        )
        inv.message = msg
        inv.save(update_fields=["message"])
        have.add(cust.pk)
        invited += 1
    audit_record(
        actor=actor,
        obj=ev,
        verb="invited",
        changes={"invited": [None, invited], "skipped": [None, skipped]},
    )
    return {"invited": invited, "skipped": skipped, "already": already}


def _taken(ev: CustomerEvent, exclude=None) -> int:
    qs = ev.invites.filter(rsvp=Rsvp.YES)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    row = qs.aggregate(n=Count("id"), g=Sum("guests"))
    return (row["n"] or 0) + (row["g"] or 0)


@transaction.atomic
def event_rsvp(*, actor, invite: EventInvite, answer: str, guests=0, via: str = RsvpVia.STAFF) -> EventInvite:
    """回复: 参加 / 不参加 / 待定, recorded by care (``actor``) or by the customer on the phone link (``actor``
    None, ``via`` 手机链接). Refused: another answer, an event that is over, a 参加 beyond the capacity (the
    guests count too)."""
    if via == RsvpVia.STAFF:
        require_perm(actor, "crm.change_eventinvite")
    ev = CustomerEvent.objects.select_for_update().get(pk=invite.event_id)
    inv = EventInvite.objects.select_for_update().get(pk=invite.pk)
    if answer not in (Rsvp.YES, Rsvp.NO, Rsvp.MAYBE):
        raise field_error("rsvp", _("请选择参加、不参加或待定"), code="invalid_choice")
    _open(ev, "rsvp")
    if ev.starts_at <= timezone.now():
        raise field_error("rsvp", _("活动已开始，不能再回复"), code="event_started")
    try:
        guests = int(guests or 0)
    except (TypeError, ValueError):
        raise field_error("guests", _("同行人数请填写整数"), code="bad_format") from None
    if not 0 <= guests <= 9:
        raise field_error("guests", _("同行人数为 0 到 9 人"), code="out_of_range")
    if answer != Rsvp.YES:
        guests = 0
    if answer == Rsvp.YES and ev.capacity and _taken(ev, exclude=inv) + 1 + guests > ev.capacity:
        raise field_error("rsvp", _("名额已满（共 %(n)s 个）") % {"n": ev.capacity}, code="full")
    old = inv.rsvp
    inv.rsvp, inv.guests, inv.rsvp_at, inv.rsvp_via = answer, guests, timezone.now(), via
    inv.rsvp_by = actor if via == RsvpVia.STAFF else None
    inv.save(update_fields=["rsvp", "guests", "rsvp_at", "rsvp_via", "rsvp_by"])
    audit_record(
        actor=actor,
        obj=ev,
        verb="rsvp",
        changes={"rsvp": [str(Rsvp(old).label), str(Rsvp(answer).label)]},
        note=f"{inv.customer.name} · {RsvpVia(via).label}",
    )
    return inv


@transaction.atomic
def event_check_in(*, actor, invite: EventInvite) -> EventInvite:
    """签到 on the event's day: the invited customer came (a 不参加 who came anyway too). Refused: another
    day, twice."""
    require_perm(actor, "crm.change_eventinvite")
    inv = EventInvite.objects.select_for_update().select_related("event", "customer").get(pk=invite.pk)
    if timezone.localdate(inv.event.starts_at) != timezone.localdate():
        raise field_error("attended_at", _("只能在活动当天签到"), code="not_today")
    if inv.attended_at is not None:
        raise field_error("attended_at", _("该客户已签到"), code="not_pending")
    inv.attended_at, inv.checked_in_by = timezone.now(), actor
    inv.save(update_fields=["attended_at", "checked_in_by"])
    audit_record(actor=actor, obj=inv.event, verb="checked_in", note=inv.customer.name)
    return inv


def event_counts(events):
    """Each event's 邀请/参加/不参加/待定/未回复/签到 counts (and guests), one query for the lot."""
    ids = [e.pk for e in events]
    rows = (
        EventInvite.objects.filter(event_id__in=ids)
        .values("event_id")
        .annotate(
            invited=Count("id"),
            yes=Count("id", filter=Q(rsvp=Rsvp.YES)),
            no=Count("id", filter=Q(rsvp=Rsvp.NO)),
            maybe=Count("id", filter=Q(rsvp=Rsvp.MAYBE)),
            pending=Count("id", filter=Q(rsvp=Rsvp.PENDING)),
            attended=Count("id", filter=Q(attended_at__isnull=False)),
            guests=Sum("guests", filter=Q(rsvp=Rsvp.YES)),
        )
    )
    empty = dict.fromkeys(("invited", "yes", "no", "maybe", "pending", "attended", "guests"), 0)
    by = {r["event_id"]: {**empty, **{k: v or 0 for k, v in r.items() if k != "event_id"}} for r in rows}
    for e in events:
        e.counts = by.get(e.pk, empty)
    return events


# --- 节日关怀 ----------------------------------------------------------------------------------------


@transaction.atomic
def festival_add(*, actor, store, name: str, on, greeting: str = "", segment: dict | None = None) -> Festival:
    """A festival of the year (春节 2027-02-06 …) whose care tasks the daily job queues before it."""
    require_perm(actor, "crm.add_festival")
    name = text(name, "name", _("请填写节日名称"), limit=40)
    day = parse_date(on.strip()) if isinstance(on, str) and on.strip() else on
    if not isinstance(day, dt.date):
        raise field_error("on", _("请填写节日日期"), code="required")
    if day < timezone.localdate():
        raise field_error("on", _("节日日期不能早于今天"), code="in_past")
    if Festival.objects.filter(store=store, name=name, on=day).exists():
        raise field_error("name", _("该节日已登记"), code="duplicate")
    f = Festival.objects.create(
        store=store, name=name, on=day, greeting=(greeting or "")[:300], segment=clean_segment(segment or {})
    )
    audit_record(actor=actor, obj=f, verb="created", store=store, changes={"name": [None, f"{name} {day}"]})
    return f


def festival_customers(store, festival: Festival):
    if festival.segment:
        return segment_customers(store, festival.segment)
    return Customer.objects.filter(
        pk__in=CustomerAssignment.objects.filter(store=store).values("customer_id"), merged_into__isnull=True
    ).order_by("pk")
