"""车间绩效 and 厂家报表 pages: workshop performance per technician and team by period, the monthly piece-rate
and commission report (Excel for finance), and the manufacturer reports (monthly operating, weekly
information with photos, quality information) exported as Excel; every figure drills down to its orders."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.registry import NavItem
from fours.core.views import perm_or_403, work_store

from .. import selectors_maker as maker
from ..models import RepairOrder
from ..selectors_performance import month_bounds, workshop_performance

PERM = "service.view_service_dashboard"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(data: bytes, name: str) -> HttpResponse:
    from urllib.parse import quote

    resp = HttpResponse(data, content_type=XLSX)
    resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return resp


def _period(request) -> tuple[dt.date, dt.date]:
    """[start, end) from ?start=&end= (end inclusive in the form), default this month."""
    today = timezone.localdate()
    start = parse_date(request.GET.get("start") or "") or today.replace(day=1)
    last = parse_date(request.GET.get("end") or "")
    end = (last + dt.timedelta(days=1)) if last else month_bounds(start)[1]
    if end <= start:
        end = start + dt.timedelta(days=1)
    return start, end


def _month(request) -> dt.date:
    raw = request.GET.get("month") or ""
    try:
        y, m = (int(x) for x in raw.split("-")[:2])
        return dt.date(y, m, 1)
    except ValueError:
        return timezone.localdate().replace(day=1)


def _num(v):
    from decimal import Decimal

    return float(v) if isinstance(v, Decimal) else v


def _may_see_pay(request) -> None:
    """The service manager, and finance (who pays the piece rates and exports them)."""
    if not (request.user.has_perm(PERM) or request.user.has_perm("finance.view_openitem")):
        raise PermissionDenied


@login_required
def performance_page(request):
    _may_see_pay(request)
    store = work_store(request)
    start, end = _period(request)
    rep = workshop_performance(store, start, end)
    if request.GET.get("export") == "pay":
        return _xlsx(pay_workbook(store, rep), f"{_('计件工资与提成')}-{start:%Y%m}.xlsx")
    return render(
        request,
        "service/performance.html",
        {"title": _("车间绩效"), "rep": rep, "start": start, "last": end - dt.timedelta(days=1)},
    )


def pay_workbook(store, rep) -> bytes:
    """计件工资与提成 for finance: technicians (hours by trade × rate − deductions) and advisors (commission)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = _("技师计件")
    ws.append([_("计件工资与提成"), str(store), f"{rep['start']} – {rep['end'] - dt.timedelta(days=1)}"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    ws.append(
        [
            _("技师"),
            _("售出工时"),
            _("实际工时"),
            _("工作效率（%）"),
            _("返工次数"),
            _("返修次数"),
            _("工时产值"),
            _("计件工资"),
        ]
    )
    for r in rep["technicians"]:
        ws.append(
            [
                r["name"],
                _num(r["sold"]),
                _num(r["on_jobs"]),
                _num(r["efficiency"]),
                r["reworks"],
                r["comebacks"],
                _num(r["revenue"]),
                _num(r["piece_pay"]),
            ]
        )
    rules = rep["rules"]
    ws.append([])
    ws.append(
        [
            _("规则"),
            _("每工时（元）") + " " + "，".join(f"{k}:{v}" for k, v in rules["hour_rate"].items()),
            _("每次返工扣款") + f" {rules['rework_deduct']}",
            _("每次返修扣款") + f" {rules['comeback_deduct']}",
        ]
    )
    ws2 = wb.create_sheet(_("顾问提成"))
    ws2.append([_("服务顾问"), _("结算台次"), _("工时产值"), _("材料产值"), _("合计产值"), _("提成")])
    for a in rep["advisors"]:
        ws2.append(
            [
                a["name"],
                a["ros"],
                _num(a["labour"]),
                _num(a["parts"]),
                _num(a["total"]),
                _num(a["commission"]),
            ]
        )
    ws2.append([])
    ws2.append(
        [
            _("规则"),
            _("工时产值提成（%）") + f" {rules['advisor_labour_pct']}",
            _("材料产值提成（%）") + f" {rules['advisor_parts_pct']}",
        ]
    )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


REPORTS = {
    "monthly": gettext_lazy("营业数据报表"),
    "weekly": gettext_lazy("服务信息周报"),
    "quality": gettext_lazy("质量信息报告"),
}


@login_required
def maker_reports(request):
    perm_or_403(request, PERM)
    store = work_store(request)
    kind = request.GET.get("report", "monthly")
    if kind not in REPORTS:
        raise Http404
    ctx = {"title": _("厂家报表"), "kind": kind, "reports": REPORTS.items()}
    export = request.GET.get("export") == "xlsx"
    if kind == "monthly":
        month = _month(request)
        figures = maker.monthly_operating(store, month)
        start, end = month_bounds(month)
        if export:
            data = maker.figures_workbook(store, str(REPORTS[kind]), f"{month:%Y-%m}", figures, kind)
            return _xlsx(data, f"{REPORTS[kind]}-{month:%Y%m}.xlsx")
        ctx.update(figures=figures, month=f"{month:%Y-%m}", start=start, end=end)
    elif kind == "weekly":
        today = timezone.localdate()
        week = parse_date(request.GET.get("week") or "") or today - dt.timedelta(days=today.weekday())
        info = maker.weekly_info(store, week)
        start, end = info["start"], info["end"]
        if export:

            def cases(wb):
                ws = wb.create_sheet(_("质量案例"))
                ws.append([_("类型"), _("工单"), _("车牌"), _("说明"), _("照片")])
                for c in info["cases"]:
                    ws.append(
                        [
                            str(c["kind"]),
                            c["ro"].number,
                            c["ro"].vehicle.plate,
                            c["text"],
                            " ".join(request.build_absolute_uri(p["url"]) for p in c["photos"]),
                        ]
                    )

            data = maker.figures_workbook(
                store,
                str(REPORTS[kind]),
                f"{start} – {end - dt.timedelta(days=1)}",
                info["figures"],
                kind,
                extra=cases,
            )
            return _xlsx(data, f"{REPORTS[kind]}-{start:%Y%m%d}.xlsx")
        ctx.update(
            figures=info["figures"], cases=info["cases"], week=f"{week:%Y-%m-%d}", start=start, end=end
        )
    else:
        start, end = _period(request)
        rows = maker.quality_info(store, start, end)
        if export:
            return _xlsx(
                maker.quality_workbook(store, start, end, rows), f"{REPORTS[kind]}-{start:%Y%m}.xlsx"
            )
        ctx.update(rows=rows, start=start, end=end, last=end - dt.timedelta(days=1))
    return render(request, "service/maker_reports.html", ctx)


@login_required
def maker_drill(request):
    """The orders behind one figure of a report (?report=&key=&month= / week= / start=&end=)."""
    perm_or_403(request, PERM)
    store = work_store(request)
    kind, key = request.GET.get("report", ""), request.GET.get("key", "")
    if kind == "monthly":
        figures = maker.monthly_operating(store, _month(request))
    elif kind == "weekly":
        week = parse_date(request.GET.get("week") or "")
        if week is None:
            raise Http404
        figures = maker.weekly_info(store, week)["figures"]
    elif kind == "quality":
        start, end = _period(request)
        rows = maker.quality_info(store, start, end)
        figures = [
            maker.Figure(
                f"{r['model']}|{r['part_no']}|{r['band']}",
                f"{r['model']} {r['part']} {r['band']}",
                r["count"],
                r["docs"],
            )
            for r in rows
        ]
    else:
        raise Http404
    fig = next((f for f in figures if f.key == key), None)
    if fig is None:
        raise Http404
    orders = (
        RepairOrder.objects.for_user(request.user)
        .filter(pk__in=fig.docs)
        .select_related("vehicle", "advisor")
        .order_by("received_at")
    )
    return render(
        request,
        "service/maker_drill.html",
        {"title": f"{REPORTS.get(kind, '')} · {fig.label}", "fig": fig, "orders": orders},
    )


@login_required
def attendance_page(request):
    """考勤: the workshop's attended hours of a day, one row per person (technicians, foremen, inspectors)."""
    from django.contrib import messages
    from django.core.exceptions import ValidationError

    from fours.core.roles import Role
    from fours.core.selectors import users_with_role
    from fours.core.views import error_text

    from ..models import Attendance
    from ..services.attendance import attendance_set

    perm_or_403(request, "service.view_attendance")
    store = work_store(request)
    day = parse_date(request.POST.get("day") or request.GET.get("day") or "") or timezone.localdate()
    people = []
    for role in (Role.TECHNICIAN, Role.FOREMAN, Role.QC_INSPECTOR):
        people += [u for u in users_with_role(store, role) if u not in people]
    if request.method == "POST":
        perm_or_403(request, "service.add_attendance")
        from django.db import transaction

        try:
            with transaction.atomic():
                for u in people:
                    raw = request.POST.get(f"h_{u.pk}")
                    if raw is not None:
                        attendance_set(actor=request.user, store=store, person=u, day=day, hours=raw or "0")
        except ValidationError as e:
            messages.error(request, error_text(e))
        else:
            messages.success(request, _("考勤已保存"))
        from django.shortcuts import redirect

        return redirect(f"{request.path}?day={day:%Y-%m-%d}")
    hours = dict(Attendance.objects.filter(store=store, day=day).values_list("person_id", "hours"))
    return render(
        request,
        "service/attendance.html",
        {
            "title": _("考勤"),
            "day": day,
            "rows": [(u, hours.get(u.pk)) for u in people],
            "can_edit": request.user.has_perm("service.add_attendance"),
        },
    )


urlpatterns = [
    path("attendance/", attendance_page, name="attendance"),
    path("performance/", performance_page, name="performance"),
    path("maker-reports/", maker_reports, name="maker-reports"),
    path("maker-reports/drill/", maker_drill, name="maker-drill"),
]

NAV = [
    NavItem(
        "service",
        gettext_lazy("考勤"),
        "service:attendance",
        perm="service.view_attendance",
        icon="bi-calendar3",
        order=68,
    ),
    NavItem(
        "service",
        gettext_lazy("车间绩效"),
        "service:performance",
        perm=PERM,
        icon="bi-bar-chart-line",
        order=70,
    ),
    # finance pays the piece rates and commissions: the same page, under 管理
    NavItem(
        "management",
        gettext_lazy("计件工资与提成"),
        "service:performance",
        perm="finance.view_openitem",
        icon="bi-cash-stack",
        order=48,
    ),
    NavItem(
        "service",
        gettext_lazy("厂家报表"),
        "service:maker-reports",
        perm=PERM,
        icon="bi-file-earmark-spreadsheet",
        order=71,
    ),
]


def widgets(request, store):
    return []
