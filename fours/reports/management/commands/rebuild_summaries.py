"""Recompute the daily summaries (日汇总) from the documents: each app's ``summaries.py``
(``fours.core.registry.summary_builders``) gives the rows of its department and figures between two days
(``rebuild(store, since, until)``, unsaved rows; ``DEPARTMENT`` and ``METRICS`` name what it keeps). For
each store (or the ones named) the stored rows of those figures in the range are replaced by the union, in
one transaction per store; other departments' and figures' rows are left alone. ``--check`` only
compares and lists the differences (exit status 1 when there are any)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q

from fours.core.models import Store
from fours.core.registry import summary_builders
from fours.reports.models import DailySummary


def _date(value: str | None):
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as e:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from e


def _key(row) -> tuple:
    return (row.day, row.department, row.metric, row.person_id, row.dimension)


def _stored(store, builders, since=None, until=None):
    covered = Q(pk__in=[])
    for b in builders:
        covered |= Q(department=b.DEPARTMENT, metric__in=list(b.METRICS))
    qs = DailySummary.objects.filter(covered, store=store)
    if since:
        qs = qs.filter(day__gte=since)
    if until:
        qs = qs.filter(day__lte=until)
    return qs


def fresh_rows(store, since=None, until=None, builders=None) -> list[DailySummary]:
    """Every builder's rows of the store (unsaved), zeros left out."""
    builders = summary_builders() if builders is None else builders
    return [r for b in builders for r in b.rebuild(store, since, until) if r.value]


def kept(store, since=None, until=None, builders=None) -> dict:
    """key → value of the stored rows the builders cover (zeros left out)."""
    builders = summary_builders() if builders is None else builders
    return {_key(r): r.value for r in _stored(store, builders, since, until) if r.value}


def differences(store, since=None, until=None) -> list[tuple]:
    """(key, stored, from the documents) for every summary that differs."""
    builders = summary_builders()
    old = kept(store, since, until, builders)
    new: dict = {}
    for r in fresh_rows(store, since, until, builders):
        new[_key(r)] = new.get(_key(r), 0) + r.value
    keys = sorted(set(old) | set(new), key=str)
    return [(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)]


@transaction.atomic
def rebuild(store, since=None, until=None) -> int:
    """Replace the store's summaries the builders cover between ``since`` and ``until`` by the documents'."""
    builders = summary_builders()
    rows = fresh_rows(store, since, until, builders)
    _stored(store, builders, since, until).delete()
    DailySummary.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


class Command(BaseCommand):
    help = "Recompute the daily summaries from the documents (or --check them)."

    def add_arguments(self, parser):
        parser.add_argument("--store", action="append", default=[], help="store code (repeat for several)")
        parser.add_argument("--from", dest="since", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="until", help="last day, YYYY-MM-DD")
        parser.add_argument("--check", action="store_true", help="compare only; exit 1 on a difference")

    def handle(self, *args, **opts):
        since, until = _date(opts["since"]), _date(opts["until"])
        stores = Store.objects.order_by("code")
        if opts["store"]:
            stores = stores.filter(code__in=opts["store"])
            missing = set(opts["store"]) - set(stores.values_list("code", flat=True))
            if missing:
                raise CommandError(f"unknown store(s): {', '.join(sorted(missing))}")
        bad = 0
        for store in stores:
            if opts["check"]:
                diff = differences(store, since, until)
                bad += len(diff)
                for (day, dept, metric, person, dim), old, new in diff[:50]:
                    self.stdout.write(
                        f"{store.code} {day} {dept} {metric} person={person} {dim!r}: stored {old} documents {new}"
                    )
                self.stdout.write(f"{store.code}: {len(diff)} difference(s)")
            else:
                self.stdout.write(f"{store.code}: {rebuild(store, since, until)} summary row(s)")
        if opts["check"] and bad:
            raise SystemExit(1)
