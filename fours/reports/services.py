"""Writes of the reports app: targets, and the daily summaries the posting services of every module keep
in their own transaction (``summary_add``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record
from fours.core.errors import field_error
from fours.core.money import to_decimal

from .choices import Metric
from .models import DailySummary, Target


def summary_add(
    *,
    store,
    metric: str,
    value=1,
    day: dt.date | None = None,
    department: str = "sales",
    person=None,
    dimension: str = "",
) -> None:
    """Add ``value`` (a count or yuan, negative to take back) to one summary row, creating it the first
    time. Call it inside the posting transaction (one statement; see ``summary_add_many``)."""
    summary_add_many(
        store=store,
        department=department,
        rows=[(day or timezone.localdate(), metric, value, person, dimension)],
    )


def summary_add_many(*, store, department: str, rows) -> None:
    """Add many figures of one posting at once: ``rows`` are (day, metric, value, person, dimension).
    One ``INSERT … ON CONFLICT DO UPDATE SET value = value + excluded.value`` per kind of row (with a
    person, without), so concurrent postings add up without a lost update or a failed first insert, and
    the rows are taken in a fixed order (day, metric, dimension, person) so two postings never deadlock."""
    summed: dict[tuple, Decimal] = {}
    for day, metric, value, person, dimension in rows:
        value = Decimal(value)
        if not value:
            continue
        pid = getattr(person, "pk", person) or None
        key = (day, metric, dimension or "", pid)
        summed[key] = summed.get(key, Decimal(0)) + value
    table = DailySummary._meta.db_table
    for with_person in (False, True):
        keys = sorted(
            (k for k in summed if (k[3] is not None) == with_person),
            key=lambda k: (k[0], k[1], k[2], k[3] or 0),
        )
        if not keys:
            continue
        params: list = []
        for day, metric, dimension, pid in keys:
            params += [
                store.pk,
                connection.ops.adapt_datefield_value(day),
                department,
                metric,
                dimension,
                pid,
                summed[(day, metric, dimension, pid)],
            ]
        target = "store_id, day, department, metric, dimension" + (", person_id" if with_person else "")
        where = "person_id IS NOT NULL" if with_person else "person_id IS NULL"
        values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(keys))
        with connection.cursor() as cur:
            cur.execute(
                f"INSERT INTO {table} (store_id, day, department, metric, dimension, person_id, value) "
                f"VALUES {values} ON CONFLICT ({target}) WHERE {where} "
                f"DO UPDATE SET value = {table}.value + excluded.value",
                params,
            )


@transaction.atomic
def target_set(*, actor, store, month: dt.date, department: str, metric: str, value, person=None) -> Target:
    """Set (or change) one monthly target: the department's when ``person`` is empty, else the person's."""
    if not actor.has_perm("reports.set_target"):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    if metric not in Metric.values:
        raise field_error("metric", _("未知指标"), code="invalid")
    try:
        amount = to_decimal(value)
    except (ArithmeticError, ValueError, TypeError):
        raise field_error("value", _("请输入数字"), code="invalid") from None
    if not amount.is_finite() or amount < 0:
        raise field_error("value", _("目标值不能为负数"), code="negative")
    month = month.replace(day=1)
    target, created = Target.objects.update_or_create(
        store=store,
        month=month,
        department=department,
        metric=metric,
        person=person,
        defaults={"value": amount, "updated_by": actor},
    )
    audit_record(
        actor=actor,
        obj=target,
        verb="created" if created else "updated",
        store=store,
        changes={"metric": metric, "value": str(amount)},
    )
    return target
