"""Pages of the showroom (展厅): the traffic log at the door (tablet), the 展厅客流量表, leads (mine for the
consultant, all for the manager, overdue follow-ups in red) with their card, follow-up log and actions,
the defeat approval queue, the grade rules, the lead import and test drives (calendar, booking, the
drive with the signed agreement)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.audit import timeline_for
from fours.core.registry import NavItem, Widget
from fours.core.views import FoursListView, attach_errors, error_text, perm_or_403, run, work_store

from .. import filters_showroom as filters
from .. import tables_showroom as tables
from ..choices import LeadStatus
from ..forms_showroom import (
    AssignForm,
    DefeatForm,
    DriveBookForm,
    FollowUpForm,
    LeadForm,
    VisitForm,
    read_lead_rows,
)
from ..models import Lead, TestDrive, Visit
from ..selectors import showroom as sel
from ..services import showroom as svc
from ..workflows import DRIVE, LEAD

WORK_STEPS = {"follow_up", "edit", "test_drive", "quote", LeadStatus.DEFEAT_PENDING}


# --- the door (客流登记) ---------------------------------------------------------------------------


@login_required
def visit_door(request):
    """The tablet at the door: one form, logged in seconds, then the day's visits below."""
    perm_or_403(request, "sales.add_visit")
    store = work_store(request)
    form = VisitForm(request.POST or None, store=store, initial={"consultant": request.user.pk})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            visit = svc.visit_log(
                actor=request.user,
                store=store,
                kind=d["kind"],
                consultant=d["consultant"],
                source=d["source"],
                name=d["name"],
                mobile=d["mobile"],
                intended_model=d["intended_model"],
                first_visit=d["first_visit"],
                party_size=d["party_size"],
                grade=d["grade"],
                note=d["note"],
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            msg = _("已登记：%(v)s") % {"v": visit.name or visit.get_kind_display()}
            if visit.lead_id:
                msg += " · " + _("潜客 %(l)s") % {"l": visit.lead}
            messages.success(request, msg)
            return redirect("sales:visit_door")
    today = list(sel.visits_today(store))
    return render(
        request,
        "sales/showroom_door.html",
        {
            "title": _("客流登记"),
            "form": form,
            "door_fields": [
                form[n]
                for n in (
                    "name",
                    "mobile",
                    "intended_model",
                    "consultant",
                    "source",
                    "grade",
                    "party_size",
                    "note",
                )
            ],
            "visits": today,
            "walk_ins": sum(1 for v in today if v.kind == "walk_in"),
            "calls": sum(1 for v in today if v.kind == "call"),
            "may_leave": request.user.has_perm("sales.change_visit"),
            "per_consultant": sel.traffic_by_consultant(store, timezone.localdate()),
        },
    )


@login_required
def visit_lookup(request):
    """As the mobile is typed at the door: the open lead it joins, or the archive customer it is."""
    from fours.core.validators import MOBILE_RE, normalize_mobile

    perm_or_403(request, "sales.add_visit")
    store = work_store(request)
    mobile = normalize_mobile(request.GET.get("mobile", ""))
    hit = {"valid": bool(MOBILE_RE.match(mobile))}
    if hit["valid"]:
        hit["lead"] = sel.open_lead_by_mobile(store, mobile)
        hit["customer"] = None if hit["lead"] else sel.archive_customer_by_mobile(store, mobile)
    return render(request, "sales/showroom_door_hit.html", hit)


@login_required
def visit_leave(request, pk):
    perm_or_403(request, "sales.change_visit")
    visit = get_object_or_404(Visit.objects.for_user(request.user), pk=pk)
    if request.method == "POST":
        run(request, svc.visit_leave, _("已登记离店"), visit=visit)
    return redirect("sales:visit_door")


class VisitListView(FoursListView):
    model = Visit
    table_class = tables.VisitTable
    filterset_class = filters.VisitFilter
    title = gettext_lazy("展厅客流量表")
    create_url_name = "sales:visit_door"
    create_label = gettext_lazy("客流登记")

    def base_queryset(self):
        return sel.visits_for(self.request.user)


# --- leads (潜客) ---------------------------------------------------------------------------------


def _sees_all(user) -> bool:
    """The manager (分配潜客) and read-only roles see every lead of the store; a consultant his own."""
    return LEAD.can_ever(user, "assign") or not user.has_perm("sales.add_lead")


class LeadListView(FoursListView):
    model = Lead
    table_class = tables.LeadTable
    filterset_class = filters.LeadFilter
    template_name = "sales/showroom_lead_list.html"
    create_url_name = "sales:lead_create"
    create_label = gettext_lazy("新建潜客")

    def mine(self) -> bool:
        return not _sees_all(self.request.user) or self.request.GET.get("scope") == "mine"

    def get_title(self):
        return _("我的潜客") if self.mine() else _("潜客")

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        if not _sees_all(self.request.user):
            for name in ("owner", "unassigned"):
                filterset.form.fields.pop(name, None)
        return filterset

    def base_queryset(self):
        return sel.lead_list(self.request.user, mine=self.mine())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = self.get_title()
        ctx["mine"] = self.mine()
        ctx["may_switch"] = _sees_all(self.request.user) and self.request.user.has_perm("sales.add_lead")
        ctx["may_import"] = self.request.user.has_perm("sales.import_lead")
        ctx["today"] = timezone.localdate()
        return ctx


def _lead_values(d: dict) -> dict:
    return {k: d[k] for k in svc.LEAD_FIELDS if k in d}


@login_required
def lead_create(request):
    perm_or_403(request, "sales.add_lead")
    store = work_store(request)
    chooses = LEAD.can_ever(request.user, "assign")
    form = LeadForm(
        request.POST or None, store=store, owner_choice=chooses, initial={"owner": request.user.pk}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            ld = svc.lead_create(
                actor=request.user, store=store, owner=d.get("owner") or request.user, **_lead_values(d)
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("已登记潜客 %(l)s") % {"l": ld})
            return redirect("sales:lead_detail", pk=ld.pk)
    return render(
        request,
        "core/form.html",
        {"title": _("新建潜客"), "form": form, "cancel_url": reverse("sales:lead_list")},
    )


def _lead(request, pk) -> Lead:
    qs = Lead.objects.for_user(request.user).select_related(
        "owner",
        "intended_model__series__brand",
        "configuration__model__series__brand",
        "customer",
        "store",
        "defeat_decided_by",
    )
    return get_object_or_404(qs, pk=pk)


def _steps(lead: Lead, user) -> set[str]:
    steps = LEAD.allowed_next(lead, user)
    if lead.owner_id != user.pk and not LEAD.can_ever(user, "assign"):
        steps -= WORK_STEPS
    return steps


def _lead_page(request, lead: Lead, bound: dict | None = None, status: int = 200):
    user = request.user
    steps = _steps(lead, user)
    forms = {}
    if "follow_up" in steps:
        forms["follow_up"] = FollowUpForm(initial={"grade": lead.grade, "channel": "call"})
    if "assign" in steps:
        forms["assign"] = AssignForm(store=lead.store)
    if LeadStatus.DEFEAT_PENDING in steps:
        forms["defeat"] = DefeatForm()
    forms.update(bound or {})
    quote_url = None
    if "quote" in steps:
        try:
            quote_url = reverse("sales:order_create") + f"?lead={lead.pk}"
        except NoReverseMatch:
            quote_url = None
    return render(
        request,
        "sales/showroom_lead_detail.html",
        {
            "title": _("潜客 %(n)s") % {"n": lead.number or lead.name},
            "lead": lead,
            "steps": steps,
            "forms": forms,
            "overdue": sel.is_overdue(lead),
            "follow_ups": list(sel.lead_follow_ups(lead)[:100]),
            "visits": list(sel.lead_visits(lead)[:50]),
            "drives": list(sel.lead_drives(lead)[:20]),
            "quote_url": quote_url,
            "may_approve": LeadStatus.DEFEATED in steps,
            "may_return": LeadStatus.DEFEATED in steps,  # sent back from where it may be approved
            "mobile": _shown_mobile(user, lead.mobile),
            "timeline": timeline_for(lead)[:50],
        },
        status=status,
    )


def _shown_mobile(user, mobile):
    from fours.customers.selectors import shown_mobile

    return shown_mobile(user, mobile)


@login_required
def lead_detail(request, pk):
    perm_or_403(request, "sales.view_lead")
    return _lead_page(request, _lead(request, pk))


@login_required
def lead_edit(request, pk):
    lead = _lead(request, pk)
    if "edit" not in _steps(lead, request.user):
        raise PermissionDenied
    initial = {k: getattr(lead, k) for k in svc.LEAD_FIELDS}
    form = LeadForm(request.POST or None, store=lead.store, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            svc.lead_update(actor=request.user, lead=lead, **_lead_values(form.cleaned_data))
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("已保存"))
            return redirect("sales:lead_detail", pk=lead.pk)
    return render(
        request,
        "core/form.html",
        {"title": _("编辑潜客 %(n)s") % {"n": lead}, "form": form, "cancel_url": lead.get_absolute_url()},
    )


# step name in the URL -> (form class or None, service, success message)
LEAD_STEPS = {
    "follow_up": (FollowUpForm, svc.followup_add, gettext_lazy("已记录跟进")),
    "assign": (AssignForm, svc.lead_assign, gettext_lazy("已分配")),
    "defeat": (DefeatForm, svc.lead_defeat_request, gettext_lazy("已提交战败申请，等待销售经理审核")),
    "approve": (None, svc.lead_defeat_approve, gettext_lazy("已审核通过，潜客战败")),
    "return": (None, svc.lead_defeat_return, gettext_lazy("已退回，潜客继续跟进")),
}


@login_required
def lead_act(request, pk, step):
    if step not in LEAD_STEPS:
        raise Http404
    lead = _lead(request, pk)
    if request.method != "POST":
        return redirect("sales:lead_detail", pk=lead.pk)
    form_class, service, ok = LEAD_STEPS[step]
    if form_class is None:
        result = run(request, service, str(ok), lead=lead, note=request.POST.get("note", ""))
        if result is not None and request.POST.get("next") == "queue":
            return redirect("sales:defeat_queue")
        return redirect("sales:lead_detail", pk=lead.pk)
    form = (
        form_class(request.POST, store=lead.store) if form_class is AssignForm else form_class(request.POST)
    )
    key = "defeat" if step == "defeat" else step
    if form.is_valid():
        try:
            service(actor=request.user, lead=lead, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        except PermissionDenied as e:
            messages.error(request, str(e) or _("您没有此操作的权限"))
            return redirect("sales:lead_detail", pk=lead.pk)
        else:
            messages.success(request, str(ok))
            return redirect("sales:lead_detail", pk=lead.pk)
    messages.error(request, _("请检查表单中的错误"))
    return _lead_page(request, lead, {key: form}, status=400)


class DefeatQueueView(FoursListView):
    model = Lead
    table_class = tables.DefeatTable
    template_name = "sales/showroom_defeats.html"
    title = gettext_lazy("战败申请审核")
    permission_required = ("sales.approve_defeat",)

    def base_queryset(self):
        return sel.defeat_queue(self.request.user)


# --- grade rules ---------------------------------------------------------------------------------


@login_required
def grade_rules(request):
    perm_or_403(request, "sales.view_graderule")
    store = work_store(request)
    may_edit = request.user.has_perm("sales.change_graderule")
    errors = {}
    if request.method == "POST":
        perm_or_403(request, "sales.change_graderule")
        done = 0
        for rule in sel.grade_rules(store):
            value = request.POST.get(f"days_{rule['grade']}", "").strip()
            if not value or value == str(rule["days"]):
                continue
            try:
                svc.graderule_set(actor=request.user, store=store, grade=rule["grade"], follow_up_days=value)
                done += 1
            except ValidationError as e:
                errors[rule["grade"]] = error_text(e)
        if not errors:
            messages.success(request, _("已保存跟进间隔") if done else _("没有修改"))
            return redirect("sales:grade_rules")
    return render(
        request,
        "sales/showroom_grades.html",
        {
            "title": _("意向级别跟进规则"),
            "rules": sel.grade_rules(store),
            "may_edit": may_edit,
            "errors": errors,
        },
    )


# --- lead import ---------------------------------------------------------------------------------


@login_required
def lead_import(request):
    perm_or_403(request, "sales.import_lead")
    from ..choices import LeadSource
    from ..forms_showroom import IMPORT_COLUMNS

    store = work_store(request)
    errors: list[str] = []
    result = None
    owners = list(sel.sellers(store))
    if request.method == "POST":
        owner_id = request.POST.get("owner", "")
        owner = next((u for u in owners if str(u.pk) == owner_id), None)
        try:
            upload = request.FILES.get("file")
            if upload is None:
                from fours.core.errors import field_error

                raise field_error("file", _("请选择文件"), code="required")
            rows = read_lead_rows(upload)
            result = svc.lead_import(
                actor=request.user,
                store=store,
                rows=rows,
                owner=owner,
                source=request.POST.get("source") or LeadSource.OEM,
                campaign=request.POST.get("campaign", ""),
                skip_duplicates=bool(request.POST.get("skip_duplicates")),
            )
        except ValidationError as e:
            errors = [m for msgs in e.message_dict.values() for m in msgs]
            result = None
        else:
            messages.success(
                request,
                _("已导入 %(n)s 条潜客（其中 %(m)s 条匹配到客户档案），跳过重复 %(s)s 条")
                % {"n": len(result.created), "m": result.matched, "s": len(result.skipped)},
            )
    return render(
        request,
        "sales/showroom_import.html",
        {
            "title": _("导入潜客"),
            "errors": errors,
            "result": result,
            "owners": owners,
            "sources": LeadSource.choices,
            "columns": [names[0] for names in IMPORT_COLUMNS.values()],
        },
        status=400 if errors else 200,
    )


# --- test drives (试乘试驾) ----------------------------------------------------------------------


def _week_start(request) -> dt.date:
    raw = request.GET.get("start", "")
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return timezone.localdate()


@login_required
def drive_calendar(request):
    """The demo cars' week: each day's bookings; a booking form for a lead (from the lead's page)."""
    perm_or_403(request, "sales.view_testdrive")
    store = work_store(request)
    start = _week_start(request)
    lead = None
    lead_id = request.GET.get("lead") or request.POST.get("lead")
    if str(lead_id or "").isdigit():
        lead = Lead.objects.for_user(request.user).filter(pk=lead_id, store=store).first()
    form = None
    if lead is not None and "test_drive" in _steps(lead, request.user):
        now = timezone.localtime().replace(second=0, microsecond=0)
        form = DriveBookForm(
            request.POST or None,
            store=store,
            initial={
                "driver_name": lead.name,
                "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
                "ends_at": (now + dt.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
            },
        )
        if request.method == "POST" and form.is_valid():
            try:
                drive = svc.drive_book(actor=request.user, lead=lead, **form.cleaned_data)
            except ValidationError as e:
                attach_errors(form, e)
            else:
                messages.success(request, _("已预约试驾 %(n)s") % {"n": drive.number})
                return redirect("sales:drive_detail", pk=drive.pk)
    elif request.method == "POST":
        raise PermissionDenied
    cal = sel.drive_calendar(store, start)
    return render(
        request,
        "sales/showroom_calendar.html",
        {
            "title": _("试驾预约日历"),
            "cal": cal,
            "start": start,
            "prev": start - dt.timedelta(days=7),
            "next": start + dt.timedelta(days=7),
            "lead": lead,
            "form": form,
            "today": timezone.localdate(),
        },
        status=400 if form is not None and form.errors else 200,
    )


class DriveListView(FoursListView):
    model = TestDrive
    table_class = tables.DriveTable
    filterset_class = filters.DriveFilter
    title = gettext_lazy("试乘试驾")

    def base_queryset(self):
        return sel.drives_for(self.request.user)


def _drive(request, pk) -> TestDrive:
    qs = TestDrive.objects.for_user(request.user).select_related(
        "lead", "vehicle__configuration__model__series__brand", "consultant", "store"
    )
    return get_object_or_404(qs, pk=pk)


def _drive_page(request, drive, errors=None, status=200):
    return render(
        request,
        "sales/showroom_drive.html",
        {
            "title": _("试乘试驾单 %(n)s") % {"n": drive.number},
            "drive": drive,
            "steps": DRIVE.allowed_next(drive, request.user),
            "errors": errors or {},
            "post": request.POST if errors else {},
            "timeline": timeline_for(drive)[:50],
        },
        status=status,
    )


@login_required
def drive_detail(request, pk):
    perm_or_403(request, "sales.view_testdrive")
    return _drive_page(request, _drive(request, pk))


@login_required
def drive_act(request, pk, step):
    calls = {
        "start": (svc.drive_start, ("signature", "odometer_out"), gettext_lazy("已签署试驾协议，出发")),
        "finish": (svc.drive_finish, ("odometer_in", "rating", "feedback"), gettext_lazy("试驾已完成")),
        "cancel": (svc.drive_cancel, ("reason",), gettext_lazy("已取消预约")),
    }
    if step not in calls:
        raise Http404
    drive = _drive(request, pk)
    if request.method != "POST":
        return redirect("sales:drive_detail", pk=drive.pk)
    fn, fields, ok = calls[step]
    try:
        fn(actor=request.user, drive=drive, **{f: request.POST.get(f, "") for f in fields})
    except ValidationError as e:
        messages.error(request, error_text(e))
        return _drive_page(request, drive, e.message_dict if hasattr(e, "error_dict") else {}, status=400)
    except PermissionDenied as e:
        messages.error(request, str(e) or _("您没有此操作的权限"))
    else:
        messages.success(request, str(ok))
    return redirect("sales:drive_detail", pk=drive.pk)


# --- routes, sidebar, home -------------------------------------------------------------------------

urlpatterns = [
    path("visits/door/", visit_door, name="visit_door"),
    path("visits/", VisitListView.as_view(), name="visit_list"),
    path("visits/lookup/", visit_lookup, name="visit_lookup"),
    path("visits/<int:pk>/leave/", visit_leave, name="visit_leave"),
    path("leads/", LeadListView.as_view(), name="lead_list"),
    path("leads/new/", lead_create, name="lead_create"),
    path("leads/import/", lead_import, name="lead_import"),
    path("leads/defeats/", DefeatQueueView.as_view(), name="defeat_queue"),
    path("leads/grades/", grade_rules, name="grade_rules"),
    path("leads/<int:pk>/", lead_detail, name="lead_detail"),
    path("leads/<int:pk>/edit/", lead_edit, name="lead_edit"),
    path("leads/<int:pk>/<str:step>/", lead_act, name="lead_act"),
    path("drives/calendar/", drive_calendar, name="drive_calendar"),
    path("drives/", DriveListView.as_view(), name="drive_list"),
    path("drives/<int:pk>/", drive_detail, name="drive_detail"),
    path("drives/<int:pk>/<str:step>/", drive_act, name="drive_act"),
]

NAV = [
    NavItem("sales", gettext_lazy("客流登记"), "sales:visit_door", "sales.add_visit", "bi-door-open", 10),
    NavItem("sales", gettext_lazy("展厅客流量表"), "sales:visit_list", "sales.view_visit", "bi-people", 11),
    NavItem("sales", gettext_lazy("潜客"), "sales:lead_list", "sales.view_lead", "bi-person-lines-fill", 12),
    NavItem("sales", gettext_lazy("战败审核"), "sales:defeat_queue", "sales.approve_defeat", "bi-flag", 13),
    NavItem(
        "sales",
        gettext_lazy("试驾日历"),
        "sales:drive_calendar",
        "sales.view_testdrive",
        "bi-calendar-week",
        14,
    ),
    NavItem(
        "sales", gettext_lazy("试乘试驾"), "sales:drive_list", "sales.view_testdrive", "bi-speedometer2", 15
    ),
    NavItem("sales", gettext_lazy("导入潜客"), "sales:lead_import", "sales.import_lead", "bi-upload", 16),
    NavItem(
        "sales", gettext_lazy("跟进规则"), "sales:grade_rules", "sales.change_graderule", "bi-sliders", 17
    ),
]


def widgets(request, store) -> list:
    user = request.user
    if store is None:
        return []
    out = []
    lead_url = reverse("sales:lead_list")
    if LEAD.can_ever(user, "follow_up") and not LEAD.can_ever(user, "assign"):
        due, over = sel.follow_ups_due(store, user)
        out.append(
            Widget(
                "sales",
                _("我的今日跟进"),
                due + over,
                _("个"),
                lead_url + "?scope=mine&due=due",
                tone="danger" if over else "primary",
                note=_("其中逾期 %(n)s 个") % {"n": over} if over else "",
                mine=True,
            )
        )
    if LEAD.can_ever(user, "test_drive") and not LEAD.can_ever(user, "assign"):
        out.append(
            Widget(
                "sales",
                _("我的今日试驾"),
                sel.drives_today(store, user),
                _("场"),
                reverse("sales:drive_calendar"),
                mine=True,
            )
        )
    if LEAD.can_ever(user, LeadStatus.DEFEATED):
        n = sel.defeat_queue(user).filter(store=store).count()
        out.append(
            Widget(
                "sales",
                _("待审战败申请"),
                n,
                _("个"),
                reverse("sales:defeat_queue"),
                tone="warning" if n else "primary",
                mine=bool(n),
            )
        )
        due, over = sel.follow_ups_due(store)
        out.append(
            Widget(
                "sales",
                _("全店逾期未跟进"),
                over,
                _("个"),
                lead_url + "?due=overdue",
                tone="danger" if over else "primary",
            )
        )
    if user.has_perm("sales.view_visit") and not user.has_perm("sales.add_visit"):
        # the last 30 days from local midnight, as the lists' date ranges count them
        since_day = timezone.localdate() - dt.timedelta(days=30)
        since = timezone.make_aware(dt.datetime.combine(since_day, dt.time.min))
        days = {"day_after": f"{since_day:%Y-%m-%d}", "day_before": f"{timezone.localdate():%Y-%m-%d}"}
        by_source = sel.traffic_by_source(store, since)
        out.append(
            Widget(
                "crm",
                _("近30天客流（按来源）"),
                sum(n for _s, n in by_source),
                _("批"),
                reverse("sales:visit_list") + "?" + urlencode(days),
                note=" · ".join(f"{s} {n}" for s, n in by_source[:5]),
            )
        )
        by_campaign = sel.leads_by_campaign(store, since)
        out.append(
            Widget(
                "crm",
                _("近30天活动潜客"),
                sum(n for _c, n in by_campaign),
                _("个"),
                lead_url
                + "?"
                + urlencode(
                    {
                        "from_campaign": "true",
                        "created_after": days["day_after"],
                        "created_before": days["day_before"],
                    }
                ),
                note=" · ".join(f"{c} {n}" for c, n in by_campaign[:5]),
            )
        )
    return out
