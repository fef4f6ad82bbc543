"""回访工作台: the care specialist's queue (due and overdue, their own first), the call page with the script's
questions and branches, the task list, the 《回访记录表》 and the hand-over of a task."""

from __future__ import annotations

import datetime as dt

import django_filters
import django_tables2 as tables
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.audit import display_name, timeline_for
from fours.core.registry import NavItem, Widget
from fours.core.roles import Role
from fours.core.selectors import users_with_role
from fours.core.tables import DateColumn, DateTimeColumn
from fours.core.views import FoursListView, error_text, perm_or_403, run, work_store
from fours.customers.models import CareKind, CareStatus, CareTask
from fours.customers.selectors import shown_mobile

from .. import selectors as sel
from .. import services
from ..choices import CallResult, Satisfaction
from ..models import Call
from ..services.common import in_quiet_hours, rule_for
from ..services.complaints import DEPARTMENT_CODES, department_label
from ..workflows import CARE_TASK


class PersonColumn(tables.Column):
    def render(self, value):
        return display_name(value)


class TaskFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=gettext_lazy("状态"), choices=CareStatus.choices)
    kind = django_filters.ChoiceFilter(label=gettext_lazy("类型"), choices=CareKind.choices)
    due_date = django_filters.DateFromToRangeFilter(label=gettext_lazy("应回访日期"))
    q = django_filters.CharFilter(
        label=gettext_lazy("客户"), field_name="customer__name", lookup_expr="icontains"
    )

    class Meta:
        model = CareTask
        fields = ["status", "kind", "due_date", "q"]


class TaskTable(tables.Table):
    customer = tables.Column(
        verbose_name=gettext_lazy("客户"), linkify=lambda record: reverse("crm:task", args=[record.pk])
    )
    assignee = PersonColumn(verbose_name=gettext_lazy("客服专员"))
    due_date = DateColumn(verbose_name=gettext_lazy("应回访日期"), format="Y-m-d")

    class Meta:
        model = CareTask
        fields = ("customer", "kind", "subject", "doc_number", "due_date", "status", "attempts", "assignee")


class TaskListView(FoursListView):
    model = CareTask
    table_class = TaskTable
    filterset_class = TaskFilter
    title = gettext_lazy("回访任务")
    permission_required = ("crm.view_call",)

    def base_queryset(self):
        return CareTask.objects.select_related("customer", "assignee")


class CallFilter(django_filters.FilterSet):
    result = django_filters.ChoiceFilter(label=gettext_lazy("结果"), choices=CallResult.choices)
    satisfaction = django_filters.ChoiceFilter(label=gettext_lazy("满意度"), choices=Satisfaction.choices)
    at = django_filters.DateFromToRangeFilter(label=gettext_lazy("时间"), field_name="at__date")

    class Meta:
        model = Call
        fields = ["result", "satisfaction", "at"]


class CallTable(tables.Table):
    at = DateTimeColumn(verbose_name=gettext_lazy("时间"), format="Y-m-d H:i")
    customer = tables.Column(
        verbose_name=gettext_lazy("客户"),
        accessor="task__customer__name",
        linkify=lambda record: reverse("crm:task", args=[record.task_id]),
    )
    kind = tables.Column(verbose_name=gettext_lazy("回访类型"), accessor="task__kind")
    doc = tables.Column(verbose_name=gettext_lazy("单据号"), accessor="task__doc_number")
    actor = PersonColumn(verbose_name=gettext_lazy("回访人"))

    class Meta:
        model = Call
        fields = ("at", "customer", "kind", "doc", "result", "satisfaction", "problem", "note", "actor")


class CallListView(FoursListView):
    """《回访记录表》."""

    model = Call
    table_class = CallTable
    filterset_class = CallFilter
    title = gettext_lazy("回访记录表")

    def base_queryset(self):
        return Call.objects.select_related("task", "task__customer", "actor")


@login_required
def queue(request):
    """The day's queue: tasks due by tomorrow whose next try has come, the user's own first."""
    perm_or_403(request, "crm.view_call")
    store = work_store(request)
    mine = request.GET.get("mine") == "1"
    rows = sel.queue(request.user, store, mine_only=mine)
    for t in rows:
        t.phone = shown_mobile(request.user, t.customer.mobile)
    return render(
        request,
        "crm/queue.html",
        {
            "title": _("回访工作台"),
            "rows": rows,
            "waiting": sel.waiting(request.user, store),
            "counts": sel.queue_counts(request.user, store),
            "day": sel.specialist_day(request.user, store),
            "mine": mine,
            "quiet": in_quiet_hours(rule_for(store, CareKind.SERVICE_DELIVERY), timezone.now()),
        },
    )


def _task(request, pk) -> CareTask:
    return get_object_or_404(
        CareTask.objects.for_user(request.user).select_related(
            "customer", "vehicle", "assignee", "store", "parent"
        ),
        pk=pk,
    )


@login_required
def task_detail(request, pk):
    """The call page: the customer, the script (opening, questions, branches), past calls, the form."""
    perm_or_403(request, "crm.view_call")
    task = _task(request, pk)
    return _task_page(request, task)


def _task_page(request, task, form=None, errors=None, status=200):
    steps = CARE_TASK.allowed_next(task, request.user)
    script = services.script_for(task)
    specialists = users_with_role(task.store, Role.CRM_SPECIALIST) if "reassign" in steps else []
    return render(
        request,
        "crm/task.html",
        {
            "title": _("回访：%(c)s") % {"c": task.customer.name},
            "task": task,
            "phone": shown_mobile(request.user, task.customer.mobile),
            "script": script,
            "calls": sel.task_calls(task),
            "may_call": "call" in steps and task.customer.consent_call,
            "no_consent": not task.customer.consent_call,
            "may_reassign": "reassign" in steps,
            "specialists": specialists,
            "results": CallResult.choices,
            "satisfactions": Satisfaction.choices,
            "departments": [(c, department_label(c)) for c in DEPARTMENT_CODES],
            "form": form or {},
            "errors": errors or {},
            "complaints": list(task.customer.complaints.filter(store=task.store).order_by("-id")[:5]),
            "timeline": timeline_for(task)[:30],
            "quiet": in_quiet_hours(rule_for(task.store, task.kind), timezone.now()),
            "task_ro": _ro_of(task),
            "link_purposes": [
                ("survey", _("满意度问卷")),
                ("booking", _("在线预约")),
                ("status", _("车辆状态与维修记录")),
            ],
        },
        status=status,
    )


def _ro_of(task) -> int | None:
    """The repair order a task is about (its phone links point at it)."""
    if task.doc_type_id and task.doc_type.model == "repairorder":
        return task.doc_id
    return None


@login_required
def task_call(request, pk):
    perm_or_403(request, "crm.add_call")
    task = _task(request, pk)
    if request.method != "POST":
        return redirect("crm:task", pk=task.pk)
    p = request.POST
    script = services.script_for(task)
    answers = {
        q["key"]: p.get(f"a_{q['key']}", "") for q in (script.questions if script else []) if q.get("key")
    }
    when = p.get("call_back_at") or ""
    call_back_at = parse_datetime(when) if when else None
    try:
        call = services.call_record(
            actor=request.user,
            task=task,
            result=p.get("result", ""),
            satisfaction=p.get("satisfaction", "") if p.get("result") == CallResult.REACHED else "",
            answers=answers,
            note=p.get("note", ""),
            problem=p.get("problem", ""),
            problem_department=p.get("problem_department", ""),
            call_back_at=call_back_at,
            recording=p.get("recording", ""),
        )
    except ValidationError as e:
        messages.error(request, error_text(e))
        errs = {k: "；".join(v) for k, v in e.message_dict.items()} if hasattr(e, "error_dict") else {}
        return _task_page(request, _task(request, pk), form=p, errors=errs, status=400)
    if getattr(call, "complaint_made", None) is not None:
        c = call.complaint_made
        messages.success(request, _("已记录回访，并登记投诉 %(n)s") % {"n": c.number})
        return redirect("crm:complaint_detail", pk=c.pk)
    task.refresh_from_db()
    if task.status == CareStatus.OPEN:
        messages.success(
            request, _("已记录，%(t)s 再拨") % {"t": f"{timezone.localtime(task.next_try_at):%m-%d %H:%M}"}
        )
    else:
        messages.success(request, _("回访已记录：%(s)s") % {"s": task.get_status_display()})
    return redirect("crm:queue")


@login_required
def task_reassign(request, pk):
    task = _task(request, pk)
    if request.method == "POST":
        from django.contrib.auth import get_user_model

        uid = request.POST.get("assignee", "")
        user = get_user_model().objects.filter(pk=uid).first() if uid.isdigit() else None
        run(request, services.care_task_reassign, _("已改派"), task=task, assignee=user)
    return redirect("crm:task", pk=task.pk)


urlpatterns = [
    path("", queue, name="queue"),
    path("tasks/", TaskListView.as_view(), name="task_list"),
    path("tasks/<int:pk>/", task_detail, name="task"),
    path("tasks/<int:pk>/call/", task_call, name="task_call"),
    path("tasks/<int:pk>/reassign/", task_reassign, name="task_reassign"),
    path("calls/", CallListView.as_view(), name="call_list"),
]

NAV = [
    NavItem("crm", gettext_lazy("回访工作台"), "crm:queue", "crm.add_call", "bi-telephone-outbound", 10),
    NavItem("crm", gettext_lazy("回访任务"), "crm:task_list", "crm.view_call", "bi-list-check", 11),
    NavItem("crm", gettext_lazy("回访记录表"), "crm:call_list", "crm.view_call", "bi-journal-text", 12),
]


def widgets(request, store):
    user = request.user
    if store is None or not user.has_perm("crm.view_call"):
        return []
    counts = sel.queue_counts(user, store)
    out = []
    if user.has_perm("crm.add_call"):
        out.append(
            Widget(
                "crm",
                _("我的待回访"),
                counts["mine_due"],
                _("个"),
                reverse("crm:queue") + "?mine=1",
                mine=True,
            )
        )
    out.append(
        Widget(
            "crm",
            _("逾期回访任务"),
            counts["overdue"],
            _("个"),
            reverse("crm:task_list")
            + "?status=open&due_date_before="
            + f"{timezone.localdate() - dt.timedelta(days=1):%Y-%m-%d}",
            tone="danger" if counts["overdue"] else "success",
        )
    )
    return out
