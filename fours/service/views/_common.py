"""Helpers the service views share."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime


def _dt(value):
    if not value:
        return None
    v = parse_datetime(value)
    if v is None:
        d = parse_date(value)
        v = dt.datetime.combine(d, dt.time(18, 0)) if d else None
    if v is not None and timezone.is_naive(v):
        v = timezone.make_aware(v)
    return v
