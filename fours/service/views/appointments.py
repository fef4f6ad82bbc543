"""预约: the list, booking, the appointment page and its steps, the day's schedule."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.errors import NotAllowed
from fours.core.roles import Role
from fours.core.selectors import users_with_role as _users_with_role
from fours.core.views import FoursListView, perm_or_403, run, work_store
from fours.core.workflows import allowed_next

from .. import filters, selectors, services, tables, workflows
from ..choices import ApptStatus
from ..forms import AppointmentForm
from ..models import (
    Appointment,
    MaintenancePackage,
)

# --- appointments ----------------------------------------------------------------------------------


class AppointmentListView(FoursListView):
    model = Appointment
    table_class = tables.AppointmentTable
    filterset_class = filters.AppointmentFilter
    title = gettext_lazy("预约")
    create_url_name = "service:appointment-create"
    create_label = gettext_lazy("新建预约")

    def base_queryset(self):
        return Appointment.objects.select_related("vehicle", "customer", "advisor", "package")

    def get_filterset_kwargs(self, filterset_class):
        kw = super().get_filterset_kwargs(filterset_class)
        if not self.request.GET:
            kw["data"] = {"date": timezone.localdate().isoformat()}
        return kw


@login_required
def appointment_create(request):
    perm_or_403(request, "service.add_appointment")
    store = work_store(request)
    from fours.customers.selectors import vehicles_for

    advisors = _users_with_role(store, Role.SERVICE_ADVISOR)
    packages = MaintenancePackage.objects.filter(group=store.group, is_active=True)
    form = AppointmentForm(
        request.POST or None,
        advisors=advisors,
        packages=packages,
        initial={
            "date": timezone.localdate() + dt.timedelta(days=1),
            "slot": "09:00",
            "advisor": request.user.pk,
        },
    )
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        vehicle = vehicles_for(request.user).filter(pk=c["vehicle"]).first()
        try:
            if vehicle is None:
                raise ValidationError({"vehicle": _("请选择车辆")})
            appt = services.appointment_create(
                actor=request.user,
                store=store,
                vehicle=vehicle,
                advisor=advisors.get(pk=c["advisor"]),
                date=c["date"],
                slot=c["slot"],
                package=packages.filter(pk=c["package"] or 0).first(),
                jobs=c["jobs"],
                channel=c["channel"],
                note=c["note"],
            )
        except ValidationError as e:
            from fours.core.views import attach_errors

            attach_errors(form, e)
        else:
            messages.success(request, _("已预约 %(no)s") % {"no": appt.number})
            return redirect(appt)
    return render(request, "service/appointment_form.html", {"form": form, "title": _("新建预约")})


# The appointment page's buttons: url step -> (workflow step, label, style, fields, confirmation)
APPOINTMENT_STEPS = {
    "remind": ("remind", gettext_lazy("已提醒"), "btn-outline-primary", (), ""),
    "no-show": (
        ApptStatus.NO_SHOW,
        gettext_lazy("爽约"),
        "btn-outline-warning",
        (),
        gettext_lazy("确认标记为爽约？"),
    ),
    "cancel": (
        ApptStatus.CANCELLED,
        gettext_lazy("取消预约"),
        "btn-outline-danger",
        [("reason", gettext_lazy("取消原因"), "text")],
        "",
    ),
}


@login_required
def appointment_detail(request, pk):
    perm_or_403(request, "service.view_appointment")
    a = get_object_or_404(
        Appointment.objects.for_user(request.user).select_related(
            "vehicle", "customer", "advisor", "package"
        ),
        pk=pk,
    )
    steps = allowed_next(a, request.user)
    actions = [
        {
            "label": label,
            "url": reverse("service:appointment-act", args=[a.pk, name]),
            "cls": cls,
            "fields": fields,
            "confirm": confirm,
        }
        for name, (step, label, cls, fields, confirm) in APPOINTMENT_STEPS.items()
        if step in steps
    ]
    links = []
    if ApptStatus.ARRIVED in steps:
        links.append(
            (_("到店接车"), reverse("service:reception") + f"?appointment={a.pk}", "bi-box-arrow-in-right")
        )
    ro = getattr(a, "repair_order", None)
    if ro:
        links.append((ro.number, ro.get_absolute_url(), "bi-wrench"))
    header = [
        (_("状态"), a.get_status_display()),
        (_("预约时间"), f"{a.date} {a.slot:%H:%M}"),
        (_("客户"), a.customer.name),
        (_("车辆"), f"{a.vehicle.plate or a.vehicle.vin}"),
        (_("服务顾问"), a.advisor.get_full_name() or a.advisor.username),
        (_("保养套餐"), a.package or "—"),
        (_("预约项目"), a.jobs or "—"),
        (_("已预留配件"), _("是") if a.parts_reserved else _("否")),
        (_("提醒时间"), a.reminded_at),
        (_("取消原因"), a.cancel_reason or "—"),
    ]
    from fours.parts.views import doc_page

    return doc_page(
        request,
        obj=a,
        title=f"{_('预约单')} {a.number}",
        header=header,
        columns=[],
        rows=[],
        actions=actions,
        links=links,
    )


@login_required
def appointment_act(request, pk, step):
    a = get_object_or_404(Appointment.objects.for_user(request.user), pk=pk)
    if step not in APPOINTMENT_STEPS:
        raise Http404
    if request.method == "POST":
        run(request, lambda actor: _appointment_step(request, a, step, actor), _("已保存"))
    return redirect(a)


def _appointment_step(request, a, step, actor):
    if not workflows.APPOINTMENT.can_ever(actor, APPOINTMENT_STEPS[step][0]):
        raise NotAllowed(_("您的岗位不能执行此操作"))
    if step == "remind":
        return services.appointment_remind(actor=actor, appt=a)
    if step == "no-show":
        return services.appointment_no_show(actor=actor, appt=a)
    return services.appointment_cancel(actor=actor, appt=a, reason=request.POST.get("reason", ""))


@login_required
def appointment_day(request):
    """The daily list, tomorrow's reminder list and recent no-shows on one page."""
    perm_or_403(request, "service.view_appointment")
    store = work_store(request)
    today = timezone.localdate()
    day = parse_date(request.GET.get("date") or "") or today
    tomorrow = list(selectors.to_remind(store, today + dt.timedelta(days=1)))
    for a in tomorrow:
        a.steps = allowed_next(a, request.user)
    return render(
        request,
        "service/appointment_day.html",
        {
            "title": _("预约日程"),
            "day": day,
            "rows": selectors.day_appointments(store, day),
            "tomorrow": tomorrow,
            "no_shows": selectors.no_shows(store, today - dt.timedelta(days=14)),
            "prev": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
        },
    )
