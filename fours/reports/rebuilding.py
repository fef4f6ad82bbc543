"""What every app's ``summaries.py`` needs to recompute its daily summaries from its documents: the local
day of a time field, a queryset cut to whole local days, and the unsaved rows of a department."""

from __future__ import annotations

import datetime as dt

from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import DailySummary


def local_day(field: str):
    """The local date (Asia/Shanghai) of a time field, for ``values(day=…)``."""
    return TruncDate(field, tzinfo=timezone.get_current_timezone())


def within_days(qs, field: str, start: dt.date | None, end: dt.date | None):
    """The rows whose ``field`` falls on a local day from ``start`` to ``end`` (both included; None: open)."""
    tz = timezone.get_current_timezone()
    if start:
        qs = qs.filter(**{f"{field}__gte": dt.datetime.combine(start, dt.time.min, tzinfo=tz)})
    if end:
        qs = qs.filter(
            **{f"{field}__lt": dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)}
        )
    return qs


def summary_rows(store, department: str, figures: dict) -> list[DailySummary]:
    """{(day, metric, person id, dimension): value} as unsaved rows of the department."""
    return [
        DailySummary(
            store=store,
            day=day,
            department=department,
            metric=metric,
            person_id=person,
            dimension=dim,
            value=v,
        )
        for (day, metric, person, dim), v in figures.items()
    ]
