from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AuditEvent, Membership
from .registry import Widget


def widgets(request, store):
    user = request.user
    if not user.has_perm("core.view_auditevent"):
        return []
    today = timezone.localdate()
    events = AuditEvent.objects.filter(at__date=today)
    staff = Membership.objects.filter(is_active=True)
    if store:
        events = events.filter(store=store)
        staff = staff.filter(store=store)
    return [
        Widget(
            "management",
            _("今日业务操作"),
            events.count(),
            _("笔"),
            reverse("audit-list") + f"?at_min={today:%Y-%m-%d}&at_max={today:%Y-%m-%d}",
        ),
        Widget("management", _("在岗员工"), staff.values("user").distinct().count(), _("人")),
    ]
