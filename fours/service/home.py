from django.urls import reverse
from django.utils.translation import gettext as _

from fours.core.registry import Widget

from . import reports


def widgets(request, store):
    user = request.user
    if store is None:
        return []
    out = []
    if user.has_perm("service.view_service_dashboard"):
        t = reports.today_output(store)
        c = reports.ro_counts(store)
        out += [
            Widget("service", _("今日产值"), f"{t['total']:,.0f}", _("元"), reverse("service:dashboard")),
            Widget(
                "service",
                _("在厂工单"),
                c["open"],
                _("台"),
                reverse("service:board"),
                note=_("在修 %(n)s") % {"n": c["in_progress"]},
            ),
            Widget("service", _("超时工单"), c["late"], _("台"), reverse("service:board"), tone="danger"),
        ]
    if user.has_perm("service.view_followuptask"):
        from .models import FollowUpTask

        n = FollowUpTask.objects.filter(store=store, status="open", assignee=user).count()
        out.append(
            Widget(
                "crm",
                _("我的待回访"),
                n,
                _("个"),
                reverse("service:followup-list") + "?mine=true&status=open",
                tone="warning",
            )
        )
    return out
