"""售后设置: the service manager's pages for the workshop catalogues — labour rates per payer and
appointment capacity per advisor (one page), labour operations with hours per series/model,
maintenance packages and fault codes (lists with create/edit pages). Thin: parse the post, call
fours.service.services.catalog, show its field errors on the form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.errors import field_error
from fours.core.roles import Role
from fours.core.selectors import users_with_role
from fours.core.views import FoursListView, perm_or_403, work_store

from .. import filters, services, tables
from ..choices import FaultKind, LabourCategory, Payer
from ..filters import FaultCodeFilter
from ..models import AdvisorCapacity, FaultCode, LabourOperation, LabourRate, MaintenancePackage
from ..selectors import DEFAULT_PER_DAY, DEFAULT_PER_SLOT
from ..services.catalog import group_series
from ..tables import FaultCodeTable, OperationManageTable, PackageManageTable


class OperationListView(FoursListView):
    model = LabourOperation
    table_class = tables.OperationTable
    filterset_class = filters.OperationFilter
    current_store_only = False
    title = gettext_lazy("工时项目")
    create_url_name = "service:operation-create"


class PackageListView(FoursListView):
    model = MaintenancePackage
    table_class = tables.PackageTable
    current_store_only = False
    filterset_class = filters.PackageFilter
    title = gettext_lazy("保养套餐")
    create_url_name = "service:package-create"

    def base_queryset(self):
        return MaintenancePackage.objects.select_related("series__brand")


@login_required
def package_detail(request, pk):
    perm_or_403(request, "service.view_maintenancepackage")
    pkg = get_object_or_404(MaintenancePackage.objects.for_user(request.user).select_related("series"), pk=pk)
    from fours.parts.views import doc_page

    rows = [
        [_("工时"), pl.operation.code, pl.operation.name, pl.hours or pl.operation.standard_hours]
        for pl in pkg.labour.select_related("operation")
    ]
    rows += [
        [_("配件"), pp.part.display_no or pp.part.part_no, pp.part.name, pp.qty]
        for pp in pkg.parts.select_related("part")
    ]
    header = [
        (_("套餐代码"), pkg.code),
        (_("适用车系"), pkg.series or _("全部")),
        (_("适用里程"), f"{pkg.mileage_km:,} km"),
        (
            _("保养间隔"),
            _("%(km)s km / %(m)s 个月") % {"km": f"{pkg.interval_km:,}", "m": pkg.interval_months},
        ),
    ]
    return doc_page(
        request,
        obj=pkg,
        title=str(pkg),
        header=header,
        columns=[_("类别"), _("代码"), _("名称"), _("工时/数量")],
        rows=rows,
        links=[(_("编辑"), reverse("service:package-edit", args=[pkg.pk]), "bi-pencil")]
        if request.user.has_perm("service.change_maintenancepackage")
        else [],
    )


def _errors(e: ValidationError) -> dict[str, list[str]]:
    """{field: [messages]} of a refused save ("form" for messages that name no field: templates cannot
    read "__all__")."""
    if hasattr(e, "error_dict"):
        return {
            ("form" if k == NON_FIELD_ERRORS else k): [str(m) for m in v] for k, v in e.message_dict.items()
        }
    return {"form": [str(m) for m in e.messages]}


def _mark_bad_rows(e: ValidationError, **rows_of: list[dict]) -> None:
    """Flag the rows a refused save named (their messages carry params["row"], counted from 1)."""
    found = getattr(e, "error_dict", {})
    for field, rows in rows_of.items():
        bad = {err.params["row"] for err in found.get(field, []) if err.code == "row" and err.params}
        for n, row in enumerate(rows, start=1):
            row["bad"] = n in bad


OPERATION_FIELDS = ("code", "name", "category", "standard_hours", "is_active")
PACKAGE_FIELDS = ("code", "name", "series", "mileage_km", "interval_km", "interval_months", "is_active")
FAULT_FIELDS = ("code", "name", "kind", "system", "is_active")


def _posted(post, fields) -> dict:
    """A catalogue form's values as posted (the 启用 checkbox as a bool)."""
    return {f: bool(post.get(f)) if f == "is_active" else post.get(f, "") for f in fields}


def _saved(obj, fields) -> dict:
    """The same values read from the saved row (a foreign key as its id, as the form posts it)."""
    out = {}
    for f in fields:
        field = obj._meta.get_field(f)
        out[f] = str(getattr(obj, field.attname) or "") if field.is_relation else getattr(obj, f)
    return out


def _rows(post, *names: str) -> list[dict]:
    """The rows of an editable table: parallel lists of inputs, fully blank rows dropped."""
    columns = [post.getlist(n) for n in names]
    out = []
    for values in zip(*columns, strict=False):
        row = {n: (v or "").strip() for n, v in zip(names, values, strict=True)}
        if any(row.values()):
            out.append(row)
    return out


# --- 售后设置: labour rates and appointment capacity ---------------------------------------------------


def _rate_rows(store, posted=None, errors=None) -> list[dict]:
    saved = dict(LabourRate.objects.filter(store=store).values_list("payer", "rate"))
    rows = []
    for payer, label in Payer.choices:
        value = posted.get(f"rate_{payer}", "") if posted is not None else saved.get(payer, "")
        rows.append(
            {
                "payer": payer,
                "label": label,
                "value": value,
                "has_row": payer in saved,
                "errors": (errors or {}).get(payer, []),
            }
        )
    return rows


def _capacity_rows(store, posted=None, errors=None) -> list[dict]:
    """The store default first, then one row per service advisor of the store."""
    caps = {c.advisor_id: c for c in AdvisorCapacity.objects.filter(store=store).order_by("id")}
    default = caps.get(None)
    default_day = default.per_day if default else DEFAULT_PER_DAY
    default_slot = default.per_slot if default else DEFAULT_PER_SLOT
    people = [(None, _("门店默认"))] + [
        (u, u.get_full_name() or u.username) for u in users_with_role(store, Role.SERVICE_ADVISOR)
    ]
    shop = services.workshop_capacity(store)
    mine = posted is not None and posted.get("advisor", "") == "workshop"
    rows = [
        {
            "key": "workshop",
            "label": _("车间合计（所有顾问）"),
            "username": "",
            "is_default": False,
            "is_workshop": True,
            "has_row": True,
            "per_day": posted.get("per_day", "") if mine else shop.per_day,
            "per_slot": posted.get("per_slot", "") if mine else shop.per_slot,
            "placeholder_day": shop.per_day,
            "placeholder_slot": shop.per_slot,
            "errors": errors if mine else {},
        }
    ]
    for user, label in people:
        key = str(user.pk) if user else ""
        row = caps.get(user.pk if user else None)
        if user is None:
            day, slot = default_day, default_slot
        else:
            day, slot = (row.per_day, row.per_slot) if row else ("", "")
        mine = posted is not None and posted.get("advisor", "") == key
        if mine:
            day, slot = posted.get("per_day", ""), posted.get("per_slot", "")
        rows.append(
            {
                "key": key,
                "label": label,
                "username": user.username if user else "",
                "is_default": user is None,
                "has_row": row is not None,
                "per_day": day,
                "per_slot": slot,
                "placeholder_day": default_day,
                "placeholder_slot": default_slot,
                "errors": errors if mine else {},
            }
        )
    return rows


def _capacity_post(request, store) -> None:
    p = request.POST
    if p.get("advisor") == "workshop":
        services.workshop_capacity_save(
            actor=request.user, store=store, per_day=p.get("per_day", ""), per_slot=p.get("per_slot", "")
        )
        return
    advisor = None
    if p.get("advisor"):
        advisor = get_user_model().objects.filter(pk=p["advisor"] if p["advisor"].isdigit() else 0).first()
        if advisor is None:
            raise field_error("advisor", _("请选择本店的服务顾问"), code="not_staff")
    services.capacity_save(
        actor=request.user,
        store=store,
        advisor=advisor,
        per_day=p.get("per_day", ""),
        per_slot=p.get("per_slot", ""),
    )


@login_required
def service_settings(request):
    perm_or_403(request, "service.change_labourrate")
    store = work_store(request)
    which = request.POST.get("form") if request.method == "POST" else None
    rate_errors: dict = {}
    cap_errors: dict = {}
    if which == "rates":
        try:
            services.labour_rates_save(
                actor=request.user,
                store=store,
                rates={payer: request.POST.get(f"rate_{payer}", "") for payer in Payer.values},
            )
        except ValidationError as e:
            rate_errors = _errors(e)
        else:
            messages.success(request, _("工时单价已保存"))
            return redirect("service:settings")
    elif which == "capacity":
        perm_or_403(request, "service.change_advisorcapacity")
        try:
            _capacity_post(request, store)
        except ValidationError as e:
            cap_errors = _errors(e)
        else:
            messages.success(request, _("预约容量已保存"))
            return redirect("service:settings")
    group = store.group
    ctx = {
        "title": _("售后设置"),
        "store": store,
        "rates": _rate_rows(store, request.POST if rate_errors else None, rate_errors),
        "rate_errors": rate_errors.get("form", []) + rate_errors.get("rates", []),
        "capacities": _capacity_rows(store, request.POST if cap_errors else None, cap_errors),
        "cap_errors": cap_errors.get("form", []),
        "can_capacity": request.user.has_perm("service.change_advisorcapacity"),
        "catalogues": [
            {
                "label": _("工时项目"),
                "icon": "bi-list-ol",
                "count": LabourOperation.objects.filter(group=group).count(),
                "list_url": reverse("service:operation-manage"),
                "create_url": reverse("service:operation-create"),
                "can_add": request.user.has_perm("service.add_labouroperation"),
                "note": _("代码、工种、标准工时，按车系/车型的工时"),
            },
            {
                "label": _("保养套餐"),
                "icon": "bi-basket",
                "count": MaintenancePackage.objects.filter(group=group).count(),
                "list_url": reverse("service:package-manage"),
                "create_url": reverse("service:package-create"),
                "can_add": request.user.has_perm("service.add_maintenancepackage"),
                "note": _("适用车系与里程、保养间隔、套餐工时和配件"),
            },
            {
                "label": _("故障代码"),
                "icon": "bi-exclamation-triangle",
                "count": FaultCode.objects.filter(group=group).count(),
                "list_url": reverse("service:faultcode-list"),
                "create_url": reverse("service:faultcode-create"),
                "can_add": request.user.has_perm("service.add_faultcode"),
                "note": _("故障与客户描述的分类代码"),
            },
        ],
    }
    return render(request, "service/catalog_settings.html", ctx)


# --- lists ----------------------------------------------------------------------------------------


class _ManageMixin:
    """A catalogue list of 售后设置: the settings tabs above it (and 新建 for those who may)."""

    template_name = "service/catalog_list.html"
    tab = ""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["tab"] = self.tab
        return ctx


class OperationManageView(_ManageMixin, OperationListView):
    table_class = OperationManageTable
    tab = "operations"
    permission_required = "service.change_labouroperation"
    create_label = gettext_lazy("新建工时项目")


class PackageManageView(_ManageMixin, PackageListView):
    table_class = PackageManageTable
    tab = "packages"
    permission_required = "service.change_maintenancepackage"
    create_label = gettext_lazy("新建保养套餐")


class FaultCodeListView(_ManageMixin, FoursListView):
    model = FaultCode
    table_class = FaultCodeTable
    tab = "faults"
    filterset_class = FaultCodeFilter
    current_store_only = False
    permission_required = "service.change_faultcode"
    title = gettext_lazy("故障代码")
    create_url_name = "service:faultcode-create"
    create_label = gettext_lazy("新建故障代码")


# --- labour operation -------------------------------------------------------------------------------


def _object_or_create_perm(request, model, pk, group):
    """The object being edited (of the current store's group) after the change permission, or None
    for a new one after the add permission."""
    name = model._meta.model_name
    if pk is None:
        perm_or_403(request, f"service.add_{name}")
        return None
    perm_or_403(request, f"service.change_{name}")
    return get_object_or_404(model.objects.for_user(request.user).filter(group=group), pk=pk)


def _series_choices(group):
    from fours.customers.models import VehicleModel

    series = list(group_series(group).order_by("brand__name", "name"))
    models = list(
        VehicleModel.objects.filter(series__in=series).select_related("series").order_by("series_id", "name")
    )
    return series, models


@login_required
def operation_edit(request, pk=None):
    store = work_store(request)
    op = _object_or_create_perm(request, LabourOperation, pk, store.group)
    errors: dict = {}
    if request.method == "POST":
        p = request.POST
        data = _posted(p, OPERATION_FIELDS)
        times = _rows(p, "series", "model", "hours")
        try:
            saved = services.operation_save(
                actor=request.user, group=store.group, data=data, times=times, operation=op
            )
        except ValidationError as e:
            errors = _errors(e)
            _mark_bad_rows(e, times=times)
        else:
            messages.success(request, _("工时项目 %(code)s 已保存") % {"code": saved.code})
            return redirect(reverse("service:operation-manage") + f"?code={saved.code}")
        vals = data
    elif op is not None:
        vals = _saved(op, OPERATION_FIELDS)
        times = [
            {"series": str(t.series_id), "model": str(t.model_id or ""), "hours": t.hours}
            for t in op.times.order_by("series_id", "model_id")
        ]
    else:
        vals = {"category": LabourCategory.MECHANICAL, "standard_hours": "1.00", "is_active": True}
        times = []
    series, models = _series_choices(store.group)
    title = _("编辑工时项目 %(code)s") % {"code": op.code} if op else _("新建工时项目")
    return render(
        request,
        "service/catalog_operation_form.html",
        {
            "title": title,
            "op": op,
            "vals": vals,
            "times": times,
            "errors": errors,
            "categories": LabourCategory.choices,
            "series": series,
            "models": models,
        },
    )


# --- maintenance package ----------------------------------------------------------------------------


def _part_names(group, numbers) -> dict[str, str]:
    """{typed part number: "name · unit"} for the part numbers that exist (to label the rows again)."""
    from fours.parts.selectors import parts_by_number
    from fours.parts.services.catalog import normalize_part_no

    found = parts_by_number(group, numbers)
    return {
        n: f"{p.name} · {p.get_unit_display()}"
        for n in numbers
        if n and (p := found.get(normalize_part_no(n)))
    }


@login_required
def package_edit(request, pk=None):
    store = work_store(request)
    pkg = _object_or_create_perm(request, MaintenancePackage, pk, store.group)
    errors: dict = {}
    if request.method == "POST":
        p = request.POST
        data = _posted(p, PACKAGE_FIELDS)
        labour = _rows(p, "operation", "hours")
        parts = _rows(p, "part_no", "qty")
        try:
            saved = services.package_save(
                actor=request.user,
                group=store.group,
                data=data,
                labour=labour,
                parts=parts,
                package=pkg,
            )
        except ValidationError as e:
            errors = _errors(e)
            _mark_bad_rows(e, labour=labour, parts=parts)
        else:
            messages.success(request, _("保养套餐 %(code)s 已保存") % {"code": saved.code})
            return redirect(saved)
        vals = data
    elif pkg is not None:
        vals = _saved(pkg, PACKAGE_FIELDS)
        labour = [
            {"operation": str(r.operation_id), "hours": r.hours or ""}
            for r in pkg.labour.select_related("operation").order_by("id")
        ]
        parts = [
            {"part_no": r.part.display_no or r.part.part_no, "qty": f"{r.qty.normalize():f}"}
            for r in pkg.parts.select_related("part").order_by("id")
        ]
    else:
        vals = {"mileage_km": "", "interval_km": 10000, "interval_months": 6, "is_active": True}
        labour, parts = [], []
    names = _part_names(store.group, [r["part_no"] for r in parts])
    for r in parts:
        r["label"] = names.get(r["part_no"], "")
    used = {r["operation"] for r in labour}
    operations = [
        o
        for o in LabourOperation.objects.filter(group=store.group).order_by("code")
        if o.is_active or str(o.pk) in used
    ]
    series, _models = _series_choices(store.group)
    title = _("编辑保养套餐 %(code)s") % {"code": pkg.code} if pkg else _("新建保养套餐")
    return render(
        request,
        "service/catalog_package_form.html",
        {
            "title": title,
            "pkg": pkg,
            "vals": vals,
            "labour": labour,
            "parts": parts,
            "errors": errors,
            "series": series,
            "operations": operations,
            "can_search_parts": request.user.has_perm("parts.view_part"),
        },
    )


# --- fault codes ------------------------------------------------------------------------------------


@login_required
def fault_code_edit(request, pk=None):
    store = work_store(request)
    fault = _object_or_create_perm(request, FaultCode, pk, store.group)
    errors: dict = {}
    if request.method == "POST":
        p = request.POST
        vals = _posted(p, FAULT_FIELDS)
        try:
            saved = services.fault_code_save(actor=request.user, group=store.group, data=vals, fault=fault)
        except ValidationError as e:
            errors = _errors(e)
        else:
            messages.success(request, _("故障代码 %(code)s 已保存") % {"code": saved.code})
            return redirect("service:faultcode-list")
    elif fault is not None:
        vals = _saved(fault, FAULT_FIELDS)
    else:
        vals = {"kind": FaultKind.FAULT, "is_active": True}
    title = _("编辑故障代码 %(code)s") % {"code": fault.code} if fault else _("新建故障代码")
    return render(
        request,
        "service/catalog_fault_form.html",
        {"title": title, "fault": fault, "vals": vals, "errors": errors, "kinds": FaultKind.choices},
    )
