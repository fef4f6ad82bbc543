"""客户投诉: the register (《顾客投诉登记表》), one page per complaint with the step its status allows for the
user's role (judge, investigate and propose, 批示, carried out, the customer's confirmation, close), and the
《顾客投诉分类统计表》."""

from __future__ import annotations

import datetime as dt

import django_filters
import django_tables2 as tables
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.audit import display_name, timeline_for
from fours.core.registry import NavItem, Widget
from fours.core.views import FoursListView, error_text, perm_or_403, work_store
from fours.customers.models import Customer, Vehicle

from .. import selectors as sel
from .. import services
from ..choices import ComplaintCategory, ComplaintChannel, ComplaintStatus, ConfirmMethod, Severity
from ..models import Complaint
from ..services.complaints import (
    DEPARTMENT_CODES,
    approver_limit,
    compensation_of,
    department_label,
    follow_up_satisfied,
)
from ..workflows import COMPLAINT


class ComplaintFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=gettext_lazy("状态"), choices=ComplaintStatus.choices)
    category = django_filters.ChoiceFilter(label=gettext_lazy("投诉类别"), choices=ComplaintCategory.choices)
    severity = django_filters.ChoiceFilter(label=gettext_lazy("严重程度"), choices=Severity.choices)
    escalated = django_filters.BooleanFilter(
        label=gettext_lazy("已升级"), field_name="escalated_at", lookup_expr="isnull", exclude=True
    )
    created_at = django_filters.DateFromToRangeFilter(
        label=gettext_lazy("登记日期"), field_name="created_at__date"
    )

    open = django_filters.BooleanFilter(label=gettext_lazy("处理中"), method="filter_open")

    class Meta:
        model = Complaint
        fields = ["status", "category", "severity", "escalated", "created_at", "open"]

    def filter_open(self, qs, name, value):
        if value is None:
            return qs
        return (
            qs.filter(status__in=sel.OPEN_COMPLAINT) if value else qs.exclude(status__in=sel.OPEN_COMPLAINT)
        )


class ComplaintTable(tables.Table):
    number = tables.Column(linkify=True)
    customer = tables.Column(verbose_name=gettext_lazy("客户"))
    created_at = tables.DateTimeColumn(verbose_name=gettext_lazy("登记时间"), format="Y-m-d H:i")
    due_at = tables.DateTimeColumn(verbose_name=gettext_lazy("本步骤期限"), format="Y-m-d H:i")
    department = tables.Column(verbose_name=gettext_lazy("责任部门"))
    handler = tables.Column(verbose_name=gettext_lazy("受理人"))

    class Meta:
        model = Complaint
        fields = (
            "number",
            "customer",
            "channel",
            "severity",
            "content",
            "status",
            "category",
            "department",
            "created_at",
            "due_at",
            "handler",
        )

    def render_department(self, value):
        return department_label(value)

    def render_handler(self, value):
        return display_name(value)

    def render_content(self, value):
        return value[:40]


class ComplaintListView(FoursListView):
    model = Complaint
    table_class = ComplaintTable
    filterset_class = ComplaintFilter
    title = gettext_lazy("客户投诉")
    create_url_name = "crm:complaint_create"
    create_label = gettext_lazy("登记投诉")

    def base_queryset(self):
        return Complaint.objects.select_related("customer", "handler")


def _scoped(request, pk) -> Complaint:
    return get_object_or_404(sel.complaints_for(request.user), pk=pk)


@login_required
def complaint_create(request):
    perm_or_403(request, "crm.add_complaint")
    store = work_store(request)
    p = request.POST
    errors = {}
    cust_id = p.get("customer") or request.GET.get("customer") or ""
    customer = Customer.objects.filter(group=store.group, pk=cust_id).first() if cust_id.isdigit() else None
    vehicles = list(Vehicle.objects.filter(owner=customer)) if customer else []
    q = request.GET.get("q", "").strip()
    found = []
    if q and customer is None:
        found = list(Customer.objects.filter(group=store.group, name__icontains=q)[:20])
    if request.method == "POST":
        vid = p.get("vehicle", "")
        vehicle = next((v for v in vehicles if str(v.pk) == vid), None)
        try:
            c = services.complaint_register(
                actor=request.user,
                store=store,
                customer=customer,
                channel=p.get("channel", ""),
                content=p.get("content", ""),
                vehicle=vehicle,
                severity=p.get("severity", Severity.NORMAL),
                department=p.get("department", ""),
            )
        except ValidationError as e:
            errors = {k: "；".join(v) for k, v in e.message_dict.items()}
        else:
            messages.success(request, _("投诉已登记 %(n)s") % {"n": c.number})
            return redirect("crm:complaint_detail", pk=c.pk)
    return render(
        request,
        "crm/complaint_form.html",
        {
            "title": _("登记投诉"),
            "customer": customer,
            "found": found,
            "q": q,
            "vehicles": vehicles,
            "channels": ComplaintChannel.choices,
            "severities": Severity.choices,
            "departments": [(c, department_label(c)) for c in DEPARTMENT_CODES],
            "form": p,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
def complaint_detail(request, pk):
    perm_or_403(request, "crm.view_complaint")
    return _page(request, _scoped(request, pk))


def _page(request, c, errors=None, status=200):
    steps = COMPLAINT.allowed_next(c, request.user)
    limit = approver_limit(request.user, c.store) if ComplaintStatus.APPROVED in steps else None
    staff = []
    if ComplaintStatus.PROPOSED in steps:
        staff = list(
            get_user_model()
            .objects.filter(memberships__store=c.store, memberships__is_active=True, is_active=True)
            .distinct()
            .order_by("last_name", "first_name", "username")
        )
    follow_ups = sel.complaint_follow_ups(c)
    return render(
        request,
        "crm/complaint_detail.html",
        {
            "title": _("投诉 %(n)s") % {"n": c.number},
            "c": c,
            "steps": steps,
            "may_judge": ComplaintStatus.INVESTIGATING in steps and c.status == ComplaintStatus.REGISTERED,
            "may_propose": ComplaintStatus.PROPOSED in steps,
            "may_approve": ComplaintStatus.APPROVED in steps,
            "over_limit": limit is not None and c.compensation > limit,
            "limit": limit,
            "may_done": ComplaintStatus.DONE in steps,
            "may_confirm": ComplaintStatus.CONFIRMED in steps,
            "may_close": ComplaintStatus.CLOSED in steps,
            "satisfied": follow_up_satisfied(c) if c.status == ComplaintStatus.CONFIRMED else False,
            "department": department_label(c.department),
            "departments": [(d, department_label(d)) for d in DEPARTMENT_CODES],
            "categories": ComplaintCategory.choices,
            "methods": [m for m in ConfirmMethod.choices if m[0] != ConfirmMethod.PHONE_LINK],
            "staff": staff,
            "follow_ups": follow_ups,
            "show_follow_ups": bool(follow_ups) or c.status == ComplaintStatus.CONFIRMED,
            "errors": errors or {},
            "form": request.POST,
            "timeline": timeline_for(c)[:50],
            "paid_item": compensation_of(c) if c.compensation and c.done_at else None,
        },
        status=status,
    )


STEPS = {
    "judge": lambda r, c, p: services.complaint_judge(
        actor=r.user,
        complaint=c,
        valid=p.get("valid") == "1",
        department=p.get("department", ""),
        note=p.get("note", ""),
    ),
    "propose": lambda r, c, p: services.complaint_investigate(
        actor=r.user,
        complaint=c,
        cause=p.get("cause", ""),
        category=p.get("category", ""),
        solution=p.get("solution", ""),
        person=get_user_model().objects.filter(pk=p.get("person") or 0).first()
        if (p.get("person") or "").isdigit()
        else None,
        compensation=p.get("compensation") or 0,
    ),
    "approve": lambda r, c, p: services.complaint_approve(
        actor=r.user, complaint=c, approve=p.get("approve", "1") == "1", note=p.get("note", "")
    ),
    "done": lambda r, c, p: services.complaint_done(actor=r.user, complaint=c, note=p.get("note", "")),
    "confirm": lambda r, c, p: services.complaint_confirm(
        actor=r.user,
        complaint=c,
        method=p.get("method", ""),
        signature=p.get("signature", ""),
        recording=p.get("recording", ""),
    ),
    "close": lambda r, c, p: services.complaint_close(actor=r.user, complaint=c, note=p.get("note", "")),
}

DONE = {
    "judge": gettext_lazy("已判定"),
    "propose": gettext_lazy("处理方案已提交批示"),
    "approve": gettext_lazy("已批示"),
    "done": gettext_lazy("已处理，待客户确认"),
    "confirm": gettext_lazy("客户已确认，已安排二次回访"),
    "close": gettext_lazy("已结案"),
}


@login_required
def complaint_act(request, pk, step):
    if step not in STEPS:
        raise Http404
    c = _scoped(request, pk)
    if request.method != "POST":
        return redirect("crm:complaint_detail", pk=c.pk)
    try:
        STEPS[step](request, c, request.POST)
    except ValidationError as e:
        messages.error(request, error_text(e))
        errors = {k: "；".join(v) for k, v in e.message_dict.items()} if hasattr(e, "error_dict") else {}
        return _page(request, _scoped(request, pk), errors=errors, status=400)
    except PermissionDenied as e:
        messages.error(request, str(e) or _("您没有此操作的权限"))
        return redirect("crm:complaint_detail", pk=c.pk)
    messages.success(request, DONE[step])
    return redirect("crm:complaint_detail", pk=c.pk)


def _period(request):
    today = timezone.localdate()
    start = parse_date(request.GET.get("start") or "") or today.replace(day=1)
    end = parse_date(request.GET.get("end") or "") or today
    if end < start:
        start, end = end, start
    return start, min(end, start + dt.timedelta(days=366))


@login_required
def complaint_stats(request):
    """《顾客投诉分类统计表》."""
    perm_or_403(request, "crm.view_complaint")
    store = work_store(request)
    start, end = _period(request)
    return render(
        request,
        "crm/complaint_stats.html",
        {
            "title": _("顾客投诉分类统计表"),
            "s": sel.complaint_stats(store, start, end),
            "start": start,
            "end": end,
        },
    )


urlpatterns = [
    path("complaints/", ComplaintListView.as_view(), name="complaint_list"),
    path("complaints/new/", complaint_create, name="complaint_create"),
    path("complaints/stats/", complaint_stats, name="complaint_stats"),
    path("complaints/<int:pk>/", complaint_detail, name="complaint_detail"),
    path("complaints/<int:pk>/<str:step>/", complaint_act, name="complaint_act"),
]

NAV = [
    NavItem(
        "crm",
        gettext_lazy("客户投诉"),
        "crm:complaint_list",
        "crm.view_complaint",
        "bi-exclamation-octagon",
        20,
    ),
    NavItem(
        "crm", gettext_lazy("投诉分类统计"), "crm:complaint_stats", "crm.view_complaint", "bi-pie-chart", 21
    ),
]


def widgets(request, store):
    user = request.user
    if store is None or not user.has_perm("crm.view_complaint"):
        return []
    w = sel.complaints_waiting(store)
    out = []
    if COMPLAINT.can_ever(user, ComplaintStatus.APPROVED) and w["to_approve"]:
        out.append(
            Widget(
                "crm",
                _("待批示投诉"),
                w["to_approve"],
                _("件"),
                reverse("crm:complaint_list") + "?status=proposed",
                tone="warning",
                mine=True,
            )
        )
    if COMPLAINT.can_ever(user, ComplaintStatus.APPROVED) and w["escalated"]:
        out.append(
            Widget(
                "crm",
                _("超时/重大投诉"),
                w["escalated"],
                _("件"),
                reverse("crm:complaint_list") + "?escalated=true&open=true",
                tone="danger",
                mine=True,
            )
        )
    out.append(
        Widget("crm", _("处理中投诉"), w["open"], _("件"), reverse("crm:complaint_list") + "?open=true")
    )
    return out
