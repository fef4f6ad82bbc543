"""Document numbers per store × kind × year: RO-2026-000123.

One statement takes the number: an upsert that increments the counter and returns it. On
PostgreSQL it locks the counter row until the surrounding transaction commits, which makes
invoice numbers gapless (a rolled-back posting gives its number back). Call next_number as the
*last* write of a posting transaction so the hot row is held for as short a time as possible.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from .choices import DocKind
from .models import NumberSequence

WIDTH = 6
_SQL = (
    f"INSERT INTO {NumberSequence._meta.db_table} (store_id, kind, year, last) VALUES (%s, %s, %s, 1) "
    "ON CONFLICT (store_id, kind, year) DO UPDATE SET last = "
    f"{NumberSequence._meta.db_table}.last + 1 RETURNING last"
)


def format_number(kind: str, year: int, value: int, store_code: str | None = None) -> str:
    return f"{kind}-{year}-{value:0{WIDTH}d}"


def next_value(*, store_id: int, kind: str, year: int) -> int:
    with connection.cursor() as cur:
        cur.execute(_SQL, [store_id, kind, year])
        return cur.fetchone()[0]


def next_number(*, store, kind: DocKind | str, when=None) -> str:
    """The next number of a document kind in a store, e.g. ``INV-2026-000042``."""
    year = timezone.localdate(when).year if when else timezone.localdate().year
    kind = DocKind(kind)
    return format_number(kind.value, year, next_value(store_id=store.pk, kind=kind.value, year=year))
