"""Recompute the sales daily summaries (日汇总) from the documents: for each store (or the ones named), the
rows of the sales figures between two days are replaced by what the visits, leads, follow-ups, test
drives, orders, loans, policies and arrivals give, in one transaction per store. ``--check`` only
compares and lists the differences (exit status 1 when there are any)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from fours.core.models import Store
from fours.reports.models import DailySummary
from fours.sales.selectors.reports import REBUILT_METRICS, summaries_from_documents, summaries_kept


def _date(value: str | None):
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as e:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from e


def differences(store, start=None, end=None) -> list[tuple]:
    """(key, kept, from documents) for every summary that differs."""
    kept = summaries_kept(store, start, end)
    fresh = summaries_from_documents(store, start, end)
    return [
        (k, kept.get(k), fresh.get(k))
        for k in sorted(set(kept) | set(fresh), key=str)
        if kept.get(k) != fresh.get(k)
    ]


@transaction.atomic
def rebuild(store, start=None, end=None) -> int:
    """Replace the store's sales summaries between ``start`` and ``end`` by the documents' figures."""
    fresh = summaries_from_documents(store, start, end)
    old = DailySummary.objects.filter(store=store, department="sales", metric__in=REBUILT_METRICS)
    if start:
        old = old.filter(day__gte=start)
    if end:
        old = old.filter(day__lte=end)
    old.delete()
    DailySummary.objects.bulk_create(
        [
            DailySummary(
                store=store,
                day=day,
                department="sales",
                metric=metric,
                person_id=person,
                dimension=dim,
                value=value,
            )
            for (day, metric, person, dim), value in fresh.items()
        ],
        batch_size=2000,
    )
    return len(fresh)


class Command(BaseCommand):
    help = "Recompute the sales daily summaries from the documents (or --check them)."

    def add_arguments(self, parser):
        parser.add_argument("--store", action="append", default=[], help="store code (repeat for several)")
        parser.add_argument("--from", dest="start", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="last day, YYYY-MM-DD")
        parser.add_argument("--check", action="store_true", help="compare only; exit 1 on a difference")

    def handle(self, *args, **opts):
        start, end = _date(opts["start"]), _date(opts["end"])
        stores = Store.objects.order_by("code")
        if opts["store"]:
            stores = stores.filter(code__in=opts["store"])
            missing = set(opts["store"]) - set(stores.values_list("code", flat=True))
            if missing:
                raise CommandError(f"unknown store(s): {', '.join(sorted(missing))}")
        bad = 0
        for store in stores:
            if opts["check"]:
                diff = differences(store, start, end)
                bad += len(diff)
                for (day, metric, person, dim), kept, fresh in diff[:50]:
                    self.stdout.write(
                        f"{store.code} {day} {metric} person={person} {dim!r}: kept {kept} documents {fresh}"
                    )
                self.stdout.write(f"{store.code}: {len(diff)} difference(s)")
            else:
                n = rebuild(store, start, end)
                self.stdout.write(f"{store.code}: {n} summary row(s)")
        if opts["check"] and bad:
            raise SystemExit(1)
