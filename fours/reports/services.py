"""Writes of the reports app: targets, and the daily summaries the posting services of every module keep
in their own transaction (``summary_add``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
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
    time. Call it inside the posting transaction: the row is updated with one statement, so concurrent
    postings add up (a first insert that loses the race retries as an update)."""
    value = Decimal(value)
    if not value:
        return
    day = day or timezone.localdate()
    key = {
        "store": store,
        "day": day,
        "department": department,
        "metric": metric,
        "dimension": dimension,
        "person": person if getattr(person, "pk", None) else None,
    }
    if DailySummary.objects.filter(**key).update(value=F("value") + value):
        return
    try:
        with transaction.atomic():
            DailySummary.objects.create(**key, value=value)
    except IntegrityError:
        DailySummary.objects.filter(**key).update(value=F("value") + value)


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
