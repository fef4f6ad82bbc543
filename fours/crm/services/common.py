"""Small helpers of the customer care services."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fours.core.errors import field_error
from fours.customers.models import CareKind

from ..models import CareRule

# what the daily job does for a store without its own rule rows (an admin edits them per store)
DEFAULT_RULES = {
    CareKind.VEHICLE_DELIVERY: {"offsets": [1, 3, 7]},
    CareKind.SERVICE_DELIVERY: {"offsets": [3]},
    CareKind.HIGH_VALUE: {"offsets": [7], "min_amount": 5000},
    CareKind.MAINTENANCE_DUE: {"offsets": [7]},
    CareKind.INSURANCE_DUE: {"offsets": [30, 15, 7]},
    CareKind.BIRTHDAY: {"offsets": [0]},
    CareKind.NEW_OWNER: {"offsets": [7]},
    CareKind.SECOND_CALL: {"offsets": [1]},
    CareKind.FESTIVAL: {"offsets": [1]},  # 节日关怀 the day before the festival
}


def rule_for(store, kind: str) -> CareRule:
    """The store's rule of a kind, or an unsaved one with the defaults."""
    rule = CareRule.objects.filter(store=store, kind=kind).first()
    if rule is None:
        rule = CareRule(store=store, kind=kind, **DEFAULT_RULES.get(kind, {"offsets": [0]}))
    return rule


def text(value, field: str, message=None, *, limit: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise field_error(field, message or _("此项为必填"), code="required")
    return value[:limit] if limit else value


def in_quiet_hours(rule: CareRule, when) -> bool:
    """Whether a local time falls in the rule's 免打扰 window (which may run over midnight)."""
    from django.utils import timezone

    t = timezone.localtime(when).time()
    start, end = rule.quiet_start, rule.quiet_end
    if isinstance(start, str):  # an unsaved rule keeps the field's string default
        import datetime as dt

        start, end = dt.time.fromisoformat(start), dt.time.fromisoformat(end)
    if start == end:
        return False
    if start < end:
        return start <= t < end
    return t >= start or t < end


def quiet_end_after(rule: CareRule, when):
    """The first moment after ``when`` outside the quiet window (when a queued message may go)."""
    import datetime as dt

    from django.utils import timezone

    end = rule.quiet_end
    if isinstance(end, str):
        end = dt.time.fromisoformat(end)
    local = timezone.localtime(when)
    candidate = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if candidate <= local:
        candidate += dt.timedelta(days=1)
    return candidate
