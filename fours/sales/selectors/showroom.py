"""Reads of the showroom: store-scoped traffic, leads, follow-ups and test drives, the grade rules, the
defeat queue, the demo cars' calendar and the home figures."""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from fours.core.roles import Role
from fours.core.selectors import users_with_role

from ..choices import (
    DEFAULT_FOLLOW_UP_DAYS,
    DriveStatus,
    Grade,
    LeadSource,
    LeadStatus,
    VehicleStatus,
    VisitKind,
)
from ..models import FollowUp, GradeRule, Lead, StockVehicle, TestDrive, Visit

OPEN = (LeadStatus.OPEN, LeadStatus.DEFEAT_PENDING)


def follow_up_days(store, grade: str) -> int:
    """The days between follow-ups of a grade: the store's rule, else DEFAULT_FOLLOW_UP_DAYS."""
    days = GradeRule.objects.filter(store=store, grade=grade).values_list("follow_up_days", flat=True).first()
    return days or DEFAULT_FOLLOW_UP_DAYS[Grade(grade)]


def grade_rules(store) -> list[dict]:
    """Every grade with its interval and whether the store set it (or the default applies)."""
    set_ = dict(GradeRule.objects.filter(store=store).values_list("grade", "follow_up_days"))
    return [
        {
            "grade": g.value,
            "label": g.label,
            "days": set_.get(g.value, DEFAULT_FOLLOW_UP_DAYS[g]),
            "default": DEFAULT_FOLLOW_UP_DAYS[g],
            "is_set": g.value in set_,
        }
        for g in Grade
    ]


def open_lead_by_mobile(store, mobile: str) -> Lead | None:
    if not mobile:
        return None
    return (
        Lead.objects.filter(store=store, mobile=mobile, status__in=OPEN)
        .select_related("owner")
        .order_by("id")
        .first()
    )


def archive_customer_by_mobile(store, mobile: str):
    """The archive's customer (of the store's group) whose primary or other number is the mobile."""
    from fours.customers.models import Customer

    if not mobile:
        return None
    return (
        Customer.objects.filter(group_id=store.group_id, merged_into__isnull=True)
        .filter(Q(mobile=mobile) | Q(phones__number=mobile))
        .order_by("id")
        .first()
    )


def sellers(store):
    """The consultants (and managers) of the store a lead may belong to."""
    from django.contrib.auth import get_user_model

    ids = set(users_with_role(store, Role.SALES_CONSULTANT).values_list("id", flat=True))
    ids |= set(users_with_role(store, Role.SALES_MANAGER).values_list("id", flat=True))
    return get_user_model().objects.filter(id__in=ids).order_by("first_name", "id")


# --- leads ---------------------------------------------------------------------------------------


def leads_for(user) -> QuerySet[Lead]:
    return Lead.objects.for_user(user)


def lead_list(user, *, mine: bool = False) -> QuerySet[Lead]:
    """The lead list: owner, model and store joined (one query per page whatever the rows), overdue
    flagged (next follow-up before today while open)."""
    today = timezone.localdate()
    qs = leads_for(user).select_related("owner", "intended_model__series__brand", "store", "customer")
    if mine:
        qs = qs.filter(owner=user)
    return qs.annotate(
        overdue=Case(
            When(status__in=OPEN, next_follow_up__lt=today, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        ended=Case(When(status__in=OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()),
    ).order_by("ended", F("next_follow_up").asc(nulls_last=True), "-id")


def is_overdue(lead: Lead) -> bool:
    """An open lead whose next follow-up is before today."""
    return bool(lead.status in OPEN and lead.next_follow_up and lead.next_follow_up < timezone.localdate())


def lead_follow_ups(lead: Lead):
    return FollowUp.objects.filter(lead=lead).select_related("actor").order_by("-at", "-id")


def lead_visits(lead: Lead):
    return Visit.objects.filter(lead=lead).select_related("consultant").order_by("-arrived_at")


def lead_drives(lead: Lead):
    return (
        TestDrive.objects.filter(lead=lead)
        .select_related("vehicle__configuration__model__series__brand", "consultant")
        .order_by("-starts_at")
    )


def defeat_queue(user) -> QuerySet[Lead]:
    return (
        leads_for(user)
        .filter(status=LeadStatus.DEFEAT_PENDING)
        .select_related("owner", "intended_model__series__brand", "store")
        .order_by("defeat_requested_at", "id")
    )


def follow_ups_due(store, user=None) -> tuple[int, int]:
    """(due today, overdue) open leads of the store, of one consultant when ``user`` is given."""
    today = timezone.localdate()
    qs = Lead.objects.filter(store=store, status__in=OPEN, next_follow_up__lte=today)
    if user is not None:
        qs = qs.filter(owner=user)
    r = qs.aggregate(
        today=Count("id", filter=Q(next_follow_up=today)),
        over=Count("id", filter=Q(next_follow_up__lt=today)),
    )
    return r["today"], r["over"]


def follow_ups_for(user) -> QuerySet[FollowUp]:
    return FollowUp.objects.for_user(user).select_related("lead", "actor")


# --- traffic -------------------------------------------------------------------------------------


def visits_for(user) -> QuerySet[Visit]:
    return Visit.objects.for_user(user).select_related(
        "consultant", "intended_model__series__brand", "lead", "store"
    )


def visits_today(store) -> QuerySet[Visit]:
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    return (
        Visit.objects.filter(store=store, arrived_at__gte=start, arrived_at__lt=start + dt.timedelta(days=1))
        .select_related("consultant", "intended_model__series__brand", "lead")
        .order_by("-arrived_at", "-id")
    )


def traffic_by_consultant(store, day: dt.date) -> list[dict]:
    """The day's walk-ins, calls and leads made, per consultant (展厅客流日报)."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = start + dt.timedelta(days=1)
    rows = (
        Visit.objects.filter(store=store, arrived_at__gte=start, arrived_at__lt=end)
        .values("consultant", "consultant__first_name", "consultant__last_name", "consultant__username")
        .annotate(
            walk_ins=Count("id", filter=Q(kind=VisitKind.WALK_IN)),
            calls=Count("id", filter=Q(kind=VisitKind.CALL)),
            first=Count("id", filter=Q(first_visit=True, kind=VisitKind.WALK_IN)),
            with_lead=Count("id", filter=Q(lead__isnull=False)),
        )
        .order_by("consultant__first_name")
    )
    out = []
    for r in rows:
        name = (
            f"{r['consultant__last_name'] or ''}{r['consultant__first_name'] or ''}"
            or r["consultant__username"]
        )
        out.append({**r, "name": name or "—"})
    return out


def month_start(today: dt.date | None = None) -> dt.datetime:
    today = today or timezone.localdate()
    return timezone.make_aware(dt.datetime.combine(today.replace(day=1), dt.time.min))


def traffic_by_source(store, since: dt.datetime) -> list[tuple[str, int]]:
    """Walk-ins and calls since a time by source (the marketing view), largest first."""
    labels = dict(LeadSource.choices)
    rows = (
        Visit.objects.filter(store=store, arrived_at__gte=since)
        .values("source")
        .annotate(n=Count("id"))
        .order_by("-n", "source")
    )
    return [(str(labels.get(r["source"], r["source"])), r["n"]) for r in rows]


def leads_by_campaign(store, since: dt.datetime) -> list[tuple[str, int]]:
    rows = (
        Lead.objects.filter(store=store, created_at__gte=since)
        .exclude(campaign="")
        .values("campaign")
        .annotate(n=Count("id"))
        .order_by("-n", "campaign")
    )
    return [(r["campaign"], r["n"]) for r in rows]


# --- test drives ---------------------------------------------------------------------------------


def drives_for(user) -> QuerySet[TestDrive]:
    return TestDrive.objects.for_user(user).select_related(
        "lead", "vehicle__configuration__model__series__brand", "consultant", "store"
    )


def demo_vehicles(store) -> QuerySet[StockVehicle]:
    return (
        StockVehicle.objects.filter(store=store, status=VehicleStatus.DEMO)
        .select_related("configuration__model__series__brand")
        .order_by("configuration__model__series__name", "vin")
    )


DRIVE_TONES = {DriveStatus.DONE: "secondary", DriveStatus.DRIVING: "warning", DriveStatus.BOOKED: "primary"}


def drive_calendar(store, start: dt.date, days: int = 7) -> dict:
    """The demo cars × days of a week with each day's bookings (cancelled left out)."""
    begin = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    end = begin + dt.timedelta(days=days)
    cars = list(demo_vehicles(store))
    drives = (
        TestDrive.objects.filter(store=store, starts_at__lt=end, ends_at__gt=begin)
        .exclude(status=DriveStatus.CANCELLED)
        .select_related("lead", "consultant")
        .order_by("starts_at")
    )
    cells: dict[tuple[int, dt.date], list] = {}
    for d in drives:
        d.tone = DRIVE_TONES.get(d.status, "primary")
        cells.setdefault((d.vehicle_id, timezone.localdate(d.starts_at)), []).append(d)
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    return {
        "dates": dates,
        "rows": [{"car": c, "cells": [cells.get((c.pk, day), []) for day in dates]} for c in cars],
    }


def drives_today(store, user=None) -> int:
    today = timezone.localdate()
    begin = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    qs = TestDrive.objects.filter(
        store=store,
        starts_at__gte=begin,
        starts_at__lt=begin + dt.timedelta(days=1),
        status__in=[DriveStatus.BOOKED, DriveStatus.DRIVING],
    )
    if user is not None:
        qs = qs.filter(consultant=user)
    return qs.count()
