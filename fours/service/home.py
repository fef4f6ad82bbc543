from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.registry import Widget
from fours.core.roles import Role
from fours.core.selectors import has_role
from fours.core.templatetags.fours import yuan

from . import reports
from .choices import IN_WORKSHOP, ROStatus


def _own_work(request, store) -> list[Widget]:
    """What waits for this person: the technician's jobs, the cashier's orders to settle with their
    amounts, the advisor's appointments, open orders and cars promised today."""
    from .models import Appointment, RepairOrder
    from .selectors import my_jobs, unpaid_at_desk

    user = request.user
    out = []
    if user.has_perm("service.work_repairorder") and has_role(user, store, Role.TECHNICIAN):
        jobs = my_jobs(user, store)
        running = sum(1 for ln in jobs if ln.status == "in_progress")
        out.append(
            Widget(
                "service",
                _("我的作业"),
                len(jobs),
                _("项"),
                reverse("service:my-jobs"),
                note=_("施工中 %(n)s") % {"n": running},
                mine=True,
            )
        )
    if user.has_perm("service.settle_repairorder"):
        from .services.pricing import totals

        ros = RepairOrder.objects.filter(store=store)
        to_settle = (
            ros.filter(status=ROStatus.AWAITING_SETTLEMENT)
            .select_related("store")
            .prefetch_related("labour", "parts__part")
        )
        # the amount each order will settle at: what was done and issued (the total is set on settling)
        waiting = {"n": 0, "total": 0}
        for ro in to_settle:
            waiting["n"] += 1
            waiting["total"] += totals(ro, ro.labour.all(), ro.parts.all()).total
        unpaid = unpaid_at_desk(store)
        out += [
            Widget(
                "service",
                _("待结算"),
                yuan(waiting["total"] or 0),
                "",
                reverse("service:cashier"),
                tone="warning",
                note=_("%(n)s 台") % {"n": waiting["n"]},
                mine=True,
            ),
            Widget(
                "service",
                _("已结算待收款"),
                yuan(unpaid["due"] or 0),
                "",
                reverse("service:cashier"),
                tone="danger",
                note=_("%(n)s 台") % {"n": unpaid["n"]},
                mine=True,
            ),
        ]
    if has_role(user, store, Role.SERVICE_ADVISOR):
        today = timezone.localdate()
        appts = Appointment.objects.filter(store=store, date=today, advisor=user)
        mine = RepairOrder.objects.filter(store=store, advisor=user, status__in=IN_WORKSHOP)
        ro_list = reverse("service:ro-list") + "?mine=true&in_workshop=true"
        out += [
            Widget(
                "service",
                _("我的今日预约"),
                appts.count(),
                _("台"),
                reverse("service:appointment-list") + f"?date={today:%Y-%m-%d}&advisor={user.pk}",
                note=_("待到店 %(n)s") % {"n": appts.filter(status="booked").count()},
                mine=True,
            ),
            Widget("service", _("我的在厂工单"), mine.count(), _("台"), ro_list, mine=True),
            Widget(
                "service",
                _("今日应交车"),
                mine.filter(promised_at__date=today).count(),
                _("台"),
                ro_list + f"&promised={today:%Y-%m-%d}",
                tone="warning",
                mine=True,
            ),
        ]
    if user.has_perm("service.qc_repairorder") and has_role(user, store, Role.QC_INSPECTOR):
        n = RepairOrder.objects.filter(store=store, status=ROStatus.AWAITING_QC).count()
        out.append(Widget("service", _("待质检"), n, _("台"), reverse("service:qc-list"), mine=True))
    return out


def widgets(request, store):
    user = request.user
    if store is None:
        return []
    from .urls import PAGES

    out = _own_work(request, store)
    out += [w for page in PAGES for w in page.widgets(request, store)]
    if user.has_perm("service.view_service_dashboard"):
        t = reports.today_output(user, store)
        c = reports.ro_counts(store)
        out += [
            Widget("service", _("今日产值"), yuan(t["total"]), "", reverse("service:dashboard")),
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
                mine=n > 0 or has_role(user, store, Role.CRM_SPECIALIST),
            )
        )
    return out
