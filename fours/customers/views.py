"""Pages of the archive: lists, the customer page, the vehicle 360 page, search, forms, imports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fours.core.audit import timeline_for, verb_label
from fours.core.registry import TimelineEntry, timeline_entries
from fours.core.stores import current_store
from fours.core.views import FoursListView, attach_errors, perm_or_403, work_store

from . import imports, selectors, services
from .filters import ConfigurationFilter, CustomerFilter, VehicleFilter
from .forms import (
    AssignForm,
    CustomerForm,
    ImportUploadForm,
    MergeForm,
    OdometerForm,
    TransferForm,
    VehicleForm,
)
from .models import Configuration, Customer, CustomerAssignment, ImportJob, Ownership, Vehicle
from .tables import ConfigurationTable, CustomerTable, ImportJobTable, VehicleTable

# --- lists ---------------------------------------------------------------------------------------


class CustomerListView(FoursListView):
    model = Customer
    table_class = CustomerTable
    filterset_class = CustomerFilter
    current_store_only = False  # the archive is group-wide
    title = gettext_lazy("客户档案")
    create_url_name = "customers:customer-create"
    create_label = gettext_lazy("新建客户")

    def base_queryset(self):
        # a correlated count: evaluated for the rows of the page only, not a GROUP BY of the archive
        owned = (
            Vehicle.objects.filter(owner=OuterRef("pk"))
            .order_by()
            .values("owner")
            .annotate(n=Count("id"))
            .values("n")
        )
        return (
            Customer.objects.filter(merged_into__isnull=True)
            .annotate(n_vehicles=Coalesce(Subquery(owned), 0))
            .order_by("-id")
        )


class VehicleListView(FoursListView):
    model = Vehicle
    table_class = VehicleTable
    filterset_class = VehicleFilter
    current_store_only = False
    title = gettext_lazy("车辆档案")

    def base_queryset(self):
        return Vehicle.objects.select_related(
            "owner", "model__series__brand", "configuration__model__series__brand"
        )


class ConfigurationListView(FoursListView):
    model = Configuration
    table_class = ConfigurationTable
    filterset_class = ConfigurationFilter
    current_store_only = False
    title = gettext_lazy("车型库")

    def get_queryset(self):  # the catalogue is shared by every group
        return Configuration.objects.select_related("model__series__brand").order_by(
            "model__series__brand__name", "model__series__name", "model__name", "-year"
        )


class ImportListView(FoursListView):
    model = ImportJob
    table_class = ImportJobTable
    filterset_class = None
    current_store_only = False
    title = gettext_lazy("导入记录")
    permission_required = "customers.import_customer"
    create_url_name = "customers:import-upload"
    create_perm = "customers.import_customer"
    create_label = gettext_lazy("上传导入")


# --- history -----------------------------------------------------------------------------------


def _change_text(obj, changes: dict) -> str:
    from fours.core.audit import change_lines

    return "；".join(f"{label}: {text}" for label, text in change_lines(obj, changes))


def _histories(hook: str, obj, user) -> dict:
    """``history``: one timeline of what other apps contribute (orders, repair orders, calls…)
    and the archive's own events; ``timeline``: the detailed operations log (audit events)."""
    events = list(timeline_for(obj).select_related("store")[:50])
    own = [
        TimelineEntry(
            when=ev.at,
            title=str(verb_label(ev.verb)),
            detail=_change_text(obj, ev.changes) + (f"（{ev.note}）" if ev.note else ""),
            store=str(ev.store or ""),
            kind="archive",
        )
        for ev in events
        if ev.verb != "reveal"
    ]
    merged = sorted(
        [*timeline_entries(hook, obj, user), *own],
        key=lambda e: _sort_key(e.when),
        reverse=True,
    )
    return {"history": merged, "timeline": events}


def _sort_key(when):
    import datetime as dt

    if isinstance(when, dt.datetime):
        return timezone.localtime(when).replace(tzinfo=None) if timezone.is_aware(when) else when
    if isinstance(when, dt.date):
        return dt.datetime.combine(when, dt.time.max)
    return dt.datetime.min


# --- customer page ------------------------------------------------------------------------------


@login_required
def customer_detail(request, pk):
    perm_or_403(request, "customers.view_customer")
    c = get_object_or_404(
        Customer.objects.for_user(request.user).select_related("merged_into", "created_store"), pk=pk
    )
    if c.merged_into_id:
        messages.info(request, _("该客户已合并到 %(name)s") % {"name": c.merged_into})
        return redirect(c.merged_into)
    vehicles = list(
        Vehicle.objects.filter(owner=c).select_related("model__series__brand", "configuration__model__series")
    )
    driven = list(Vehicle.objects.filter(driver=c).exclude(owner=c).select_related("owner"))
    past = list(
        Ownership.objects.filter(customer=c, until__isnull=False).select_related("vehicle").order_by("-until")
    )
    assignments = list(
        CustomerAssignment.objects.filter(customer=c).select_related(
            "store", "sales_consultant", "service_advisor", "care_specialist"
        )
    )
    return render(
        request,
        "customers/customer_detail.html",
        {
            "object": c,
            # masked on the page for everyone; who may see more clicks 显示完整, which is audited
            "mobile": selectors.mask_mobile(c.mobile),
            "id_number": selectors.mask_id(c.id_number),
            "phones": [(p, selectors.mask_mobile(p.number)) for p in c.phones.all()],
            "can_reveal": selectors.can_see_sensitive(request.user) and bool(c.mobile or c.id_number),
            "vehicles": vehicles,
            "driven": driven,
            "past": past,
            "assignments": assignments,
            **_histories("customer_events", c, request.user),
            "merge_form": MergeForm() if request.user.has_perm("customers.merge_customer") else None,
        },
    )


@login_required
@require_POST
def customer_reveal(request, pk):
    """The full mobile and ID number of one record; audited."""
    c = get_object_or_404(Customer.objects.for_user(request.user), pk=pk)
    services.customer_reveal(actor=request.user, customer=c, store=current_store(request))
    return render(request, "customers/_revealed.html", {"object": c, "phones": c.phones.all()})


def _customer_form(request, instance=None):
    store = work_store(request)
    form = CustomerForm(request.POST or None, instance=instance, user=request.user)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        try:
            if instance is None:
                c = services.customer_create(actor=request.user, store=store, data=form.service_data())
            else:
                c = services.customer_update(actor=request.user, customer=instance, data=form.service_data())
        except ValidationError as e:
            attach_errors(form, e)
            duplicates = services.duplicates_of(
                store.group,
                mobile=request.POST.get("mobile", ""),
                id_number=request.POST.get("id_number", ""),
            )
            if instance is not None:
                duplicates = [d for d in duplicates if d.pk != instance.pk]
        else:
            messages.success(request, _("已保存客户 %(name)s") % {"name": c.name})
            return redirect(c)
    elif request.method == "POST":
        duplicates = services.duplicates_of(store.group, mobile=request.POST.get("mobile", ""))
    return render(
        request,
        "customers/customer_form.html",
        {
            "form": form,
            "duplicates": duplicates,
            "title": _("编辑客户") if instance else _("新建客户"),
            "cancel_url": instance.get_absolute_url() if instance else reverse("customers:customer-list"),
        },
    )


@login_required
def customer_create(request):
    perm_or_403(request, "customers.add_customer")
    return _customer_form(request)


@login_required
def customer_edit(request, pk):
    perm_or_403(request, "customers.change_customer")
    return _customer_form(request, get_object_or_404(Customer.objects.for_user(request.user), pk=pk))


@login_required
@require_POST
def customer_merge(request, pk):
    perm_or_403(request, "customers.merge_customer")
    survivor = get_object_or_404(Customer.objects.for_user(request.user), pk=pk)
    form = MergeForm(request.POST)
    if form.is_valid():
        merged = Customer.objects.for_user(request.user).filter(pk=form.cleaned_data["merged"]).first()
        if merged is None:
            messages.error(request, _("被合并客户不存在"))
        else:
            try:
                services.customer_merge(
                    actor=request.user, survivor=survivor, merged=merged, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("已将 %(m)s 合并到 %(s)s") % {"m": merged, "s": survivor})
            except ValidationError as e:
                messages.error(request, "；".join(e.messages))
    else:
        messages.error(request, _("请填写被合并客户编号和原因"))
    return redirect(survivor)


@login_required
def customers_assign(request):
    """Move the customers of one consultant/advisor/specialist to another (e.g. when staff leave)."""
    perm_or_403(request, "customers.assign_customer")
    store = work_store(request)
    users = (
        get_user_model()
        .objects.filter(memberships__store=store, is_active=True)
        .distinct()
        .order_by("first_name")
    )
    form = AssignForm(request.POST or None, users=users)
    if request.method == "POST" and form.is_valid():
        field = form.cleaned_data["field"]
        ids = CustomerAssignment.objects.filter(
            store=store, **{field: form.cleaned_data["from_user"]}
        ).values_list("customer_id", flat=True)
        try:
            n = services.customers_assign(
                actor=request.user,
                store=store,
                customer_ids=list(ids),
                field=field,
                user=form.cleaned_data["to_user"],
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("已转移 %(n)s 位客户") % {"n": n})
            return redirect("customers:customer-list")
    return render(
        request,
        "core/form.html",
        {"form": form, "title": _("批量转移客户归属"), "cancel_url": reverse("customers:customer-list")},
    )


# --- vehicle 360 page ---------------------------------------------------------------------------


@login_required
def vehicle_detail(request, pk):
    perm_or_403(request, "customers.view_vehicle")
    v = get_object_or_404(
        Vehicle.objects.for_user(request.user).select_related(
            "owner", "driver", "model__series__brand", "configuration__model__series__brand", "selling_store"
        ),
        pk=pk,
    )
    return render(
        request,
        "customers/vehicle_detail.html",
        {
            "object": v,
            "owner_mobile": selectors.shown_mobile(request.user, v.owner.mobile),
            "readings": list(v.odometer_readings.select_related("actor", "store")[:30]),
            "ownerships": list(v.ownerships.select_related("customer")),
            "plates": list(v.plate_changes.all()),
            **_histories("vehicle_events", v, request.user),
            "odometer_form": OdometerForm()
            if request.user.has_perm("customers.add_odometerreading")
            else None,
            "can_transfer": request.user.has_perm("customers.transfer_vehicle"),
        },
    )


def duplicate_links(error: ValidationError) -> list[dict]:
    """The existing records a refused duplicate names (params carry their URL), for links on the form."""
    out = []
    for errs in getattr(error, "error_dict", {}).values():
        for e in errs:
            params = getattr(e, "params", None) or {}
            if getattr(e, "code", None) == "duplicate" and params.get("url"):
                out.append({"message": e.message % params, "url": params["url"]})
    return out


def _vehicle_form(request, owner=None, instance=None):
    store = work_store(request)
    form = VehicleForm(request.POST or None, instance=instance)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items()}
        try:
            if instance is None:
                v = services.vehicle_create(actor=request.user, store=store, owner=owner, data=data)
            else:
                v = services.vehicle_update(actor=request.user, vehicle=instance, data=data)
        except ValidationError as e:
            attach_errors(form, e)
            duplicates = duplicate_links(e)
        else:
            messages.success(request, _("已保存车辆 %(v)s") % {"v": v})
            return redirect(v)
    title = _("编辑车辆 %(v)s") % {"v": instance} if instance else _("新增车辆（车主：%(o)s）") % {"o": owner}
    return render(
        request,
        "customers/vehicle_form.html",
        {
            "form": form,
            "title": title,
            "duplicates": duplicates,
            "cancel_url": (instance or owner).get_absolute_url(),
        },
    )


@login_required
def vehicle_create(request, customer_pk):
    perm_or_403(request, "customers.add_vehicle")
    owner = get_object_or_404(
        Customer.objects.for_user(request.user), pk=customer_pk, merged_into__isnull=True
    )
    return _vehicle_form(request, owner=owner)


@login_required
def vehicle_edit(request, pk):
    perm_or_403(request, "customers.change_vehicle")
    return _vehicle_form(request, instance=get_object_or_404(Vehicle.objects.for_user(request.user), pk=pk))


@login_required
@require_POST
def vehicle_odometer(request, pk):
    perm_or_403(request, "customers.add_odometerreading")
    v = get_object_or_404(Vehicle.objects.for_user(request.user), pk=pk)
    form = OdometerForm(request.POST)
    if form.is_valid():
        try:
            services.odometer_record(
                actor=request.user,
                vehicle=v,
                value_km=form.cleaned_data["value_km"],
                read_on=form.cleaned_data["read_on"],
                correction=form.cleaned_data["correction"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("已记录里程"))
        except (ValidationError, PermissionDenied) as e:
            messages.error(request, "；".join(getattr(e, "messages", [str(e)])))
    else:
        messages.error(request, _("请填写里程"))
    return redirect(v)


@login_required
def vehicle_transfer(request, pk):
    perm_or_403(request, "customers.transfer_vehicle")
    v = get_object_or_404(Vehicle.objects.for_user(request.user).select_related("owner"), pk=pk)
    form = TransferForm(request.POST or None, initial={"new_owner": request.GET.get("to")})
    new_owner = None
    if form.data.get("new_owner") or request.GET.get("to"):
        new_owner = (
            Customer.objects.for_user(request.user)
            .filter(pk=form.data.get("new_owner") or request.GET.get("to"))
            .first()
        )
    if request.method == "POST" and form.is_valid():
        if new_owner is None:
            form.add_error(None, _("请先查找并选择新车主"))
        else:
            try:
                services.vehicle_transfer(
                    actor=request.user,
                    vehicle=v,
                    new_owner=new_owner,
                    on=form.cleaned_data["on"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as e:
                attach_errors(form, e)
            else:
                messages.success(request, _("已过户给 %(o)s") % {"o": new_owner})
                return redirect(v)
    return render(request, "customers/transfer.html", {"form": form, "object": v, "new_owner": new_owner})


# --- search --------------------------------------------------------------------------------------


@login_required
def archive_search(request):
    """The one search box (top bar and pickers). htmx gets the result list; ?pick=<target> makes
    each hit a button that fills a picker instead of a link."""
    q = request.GET.get("q", "")
    hits = selectors.search_archive(request.user, q, limit=12)
    template = "customers/_search_results.html" if request.htmx else "customers/search.html"
    return render(request, template, {"hits": hits, "q": q, "pick": request.GET.get("pick", "")})


@login_required
def archive_pick(request):
    """Results for a picker (``customers/_picker.html`` / ``ArchivePicker``): buttons that fill it."""
    kind = request.GET.get("kind") if request.GET.get("kind") in ("vehicle", "customer") else "vehicle"
    qname = request.GET.get("qname", "")
    q = request.GET.get(qname, "") if qname.endswith("__q") else ""
    q = q or request.GET.get("q", "")
    hits = selectors.search_archive(request.user, q, limit=12, kind=kind)
    return render(
        request,
        "customers/_pick_results.html",
        {"hits": hits, "q": q, "kind": kind, "target": request.GET.get("target", "")},
    )


# --- imports -------------------------------------------------------------------------------------


@login_required
def import_template(request, kind):
    perm_or_403(request, "customers.view_customer")
    if kind not in imports.COLUMNS:
        raise Http404
    return FileResponse(imports.template_xlsx(kind), as_attachment=True, filename=f"{kind}-template.xlsx")


@login_required
def import_upload(request):
    perm_or_403(request, "customers.import_customer")
    store = work_store(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # A background task does the import; the page polls the job's progress.
        job = imports.import_job_start(
            actor=request.user,
            store=store,
            kind=form.cleaned_data["kind"],
            file_name=upload.name,
            content=upload.read(),
        )
        return redirect(job)
    return render(
        request,
        "customers/import_upload.html",
        {"form": form, "title": _("导入客户和车辆"), "kinds": imports.COLUMNS},
    )


@login_required
def import_detail(request, pk):
    perm_or_403(request, "customers.import_customer")
    job = get_object_or_404(ImportJob.objects.for_user(request.user), pk=pk)
    template = "customers/_import_progress.html" if request.htmx else "customers/import_detail.html"
    return render(request, template, {"job": job, "errors": job.errors[:500]})
