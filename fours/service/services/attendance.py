"""考勤: a technician's attended hours on a day, for productivity (clocked ÷ attended)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.audit import audit_record, register_verbs
from fours.core.errors import field_error
from fours.core.permissions import require_perm
from fours.core.roles import Role
from fours.core.selectors import has_role

from ..models import Attendance

register_verbs({"attendance": gettext_lazy("考勤")})


@transaction.atomic
def attendance_set(*, actor, store, person, day, hours) -> Attendance | None:
    """The hours a person of the workshop attended on a day (0 removes the day); not for a future day."""
    require_perm(actor, "service.add_attendance")
    if person is None or not has_role(person, store, Role.TECHNICIAN, Role.FOREMAN, Role.QC_INSPECTOR):
        raise field_error("person", _("不是本店车间人员"), code="not_staff")
    if day > timezone.localdate():
        raise field_error("day", _("不能登记未来日期的考勤"), code="in_future")
    try:
        value = Decimal(str(hours).strip() or "0")
    except InvalidOperation:
        raise field_error("hours", _("出勤工时须为数字"), code="bad_format") from None
    if not value.is_finite() or value < 0 or value > 24:
        raise field_error("hours", _("出勤工时须在 0–24 之间"), code="out_of_range")
    value = value.quantize(Decimal("0.01"))
    row = Attendance.objects.select_for_update().filter(store=store, person=person, day=day).first()
    old = row.hours if row else None
    if value == 0:
        if row:
            row.delete()
            audit_record(
                actor=actor, obj=store, verb="attendance", changes={"hours": [old, 0]}, note=str(person)
            )
        return None
    if row is None:
        row = Attendance.objects.create(store=store, person=person, day=day, hours=value)
    elif row.hours != value:
        row.hours = value
        row.save(update_fields=["hours"])
    else:
        return row
    audit_record(actor=actor, obj=row, verb="attendance", changes={"hours": [old, value]})
    return row
