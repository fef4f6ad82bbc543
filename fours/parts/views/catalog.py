"""Parts catalogue pages: the part master, its settings, search, suppliers and bins."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from fours.core.selectors import store_ids_for
from fours.core.stores import current_store
from fours.core.views import FoursDetailView, FoursListView, perm_or_403, run, work_store

from .. import filters, selectors, services, tables
from ..forms import BinForm, PartForm, PartSettingForm, SupplierForm, WarehouseForm
from ..models import Bin, Part, PartSetting, StockBalance, Supplier
from ._common import simple_list


class PartListView(FoursListView):
    model = Part
    table_class = tables.PartTable
    filterset_class = filters.PartFilter
    current_store_only = False
    title = gettext_lazy("配件档案")
    create_url_name = "parts:part-create"

    def base_queryset(self):
        return Part.objects.select_related("superseded_by")


class PartDetailView(FoursDetailView):
    model = Part
    template_name = "parts/part_detail.html"

    def base_queryset(self):
        return Part.objects.select_related("superseded_by", "group")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        part, store = self.object, current_store(self.request)
        ctx["store"] = store
        if store is not None:
            ctx["balance"] = selectors.balance_of(store, part)
            ctx["setting"] = (
                PartSetting.objects.filter(store=store, part=part).select_related("default_bin").first()
            )
            ctx["bins"] = part.bins.filter(store=store).select_related("bin")
        ctx["balances"] = StockBalance.objects.filter(
            part=part, store_id__in=store_ids_for(self.request.user)
        ).select_related("store")
        ctx["price_changes"] = part.price_changes.select_related("actor")[:20]
        ctx["supersedes"] = part.supersedes.all()
        ctx["current"] = services.part_current(part)
        return ctx


class PartFormView(LoginRequiredMixin, View):
    def dispatch(self, request, *args, pk=None, **kwargs):
        self.part = get_object_or_404(Part.objects.for_user(request.user), pk=pk) if pk else None
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, **kw):
        perm_or_403(request, "parts.change_part" if self.part else "parts.add_part")
        return self.show(PartForm(instance=self.part))

    def show(self, form):
        title = _("编辑配件") if self.part else _("新建配件")
        return render(
            self.request,
            "parts/form.html",
            {"form": form, "title": title, "cancel_url": reverse("parts:part-list")},
        )

    def post(self, request, **kw):
        perm_or_403(request, "parts.change_part" if self.part else "parts.add_part")
        form = PartForm(request.POST, instance=self.part)
        if not form.is_valid():
            return self.show(form)
        data = {k: v for k, v in form.cleaned_data.items()}
        try:
            if self.part:
                data.pop("part_no")
                part = services.part_update(actor=request.user, part=self.part, source=_("手工修改"), **data)
            else:
                store = work_store(request)
                part = services.part_create(actor=request.user, group=store.group, **data)
        except ValidationError as e:
            from fours.core.views import attach_errors

            attach_errors(form, e)
            return self.show(form)
        messages.success(request, _("已保存"))
        return redirect(part)


class PartSettingView(LoginRequiredMixin, View):
    def dispatch(self, request, *args, pk=None, **kwargs):
        self.part = get_object_or_404(Part.objects.for_user(request.user), pk=pk)
        return super().dispatch(request, *args, **kwargs)

    def form(self, data=None):
        store = work_store(self.request)
        inst = PartSetting.objects.filter(store=store, part=self.part).first()
        return PartSettingForm(data, instance=inst, store=store)

    def get(self, request, **kw):
        perm_or_403(request, "parts.change_partsetting")
        return render(
            request,
            "parts/form.html",
            {"form": self.form(), "title": _("库存定额与库位：%(p)s") % {"p": self.part}},
        )

    def post(self, request, **kw):
        perm_or_403(request, "parts.change_partsetting")
        form = self.form(request.POST)
        if form.is_valid():
            ok = run(
                request,
                services.part_setting_save,
                _("已保存"),
                store=work_store(request),
                part=self.part,
                **form.cleaned_data,
            )
            if ok:
                return redirect(self.part)
        return render(
            request,
            "parts/form.html",
            {"form": form, "title": str(self.part), "cancel_url": self.part.get_absolute_url()},
        )


@login_required
def part_search(request):
    """htmx picker: parts matching ?q= with stock of the current store (superseded parts lead to their
    replacement)."""
    if not request.user.has_perm("parts.view_part"):
        raise PermissionDenied
    store = current_store(request)
    q = request.GET.get("q") or request.GET.get("part_no") or ""
    parts = selectors.part_search(request.user, q, store=store, limit=15)
    return render(
        request,
        "parts/_search_results.html",
        {"parts": parts, "store": store, "target": request.GET.get("target", "")},
    )


SupplierListView = simple_list(
    Supplier,
    tables.SupplierTable,
    filters.SupplierFilter,
    gettext_lazy("供应商"),
    store_only=False,
    create=("parts:supplier-create", "parts.add_supplier"),
)


class SupplierDetailView(FoursDetailView):
    model = Supplier
    template_name = "parts/doc.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        s = self.object
        ctx.update(
            title=s.name,
            header=[
                (_("统一社会信用代码"), s.uscc),
                (_("联系人"), s.contact),
                (_("电话"), s.phone),
                (_("到货周期（天）"), s.lead_time_days),
                (_("账期（天）"), s.payment_days),
                (_("结算条款"), s.terms),
                (_("主机厂"), _("是") if s.is_oem else _("否")),
            ],
            columns=[],
            rows=[],
        )
        return ctx


@login_required
def supplier_create(request):
    perm_or_403(request, "parts.add_supplier")
    form = SupplierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            s = services.supplier_create(
                actor=request.user, group=work_store(request).group, **form.cleaned_data
            )
        except ValidationError as e:
            from fours.core.views import attach_errors

            attach_errors(form, e)
        else:
            messages.success(request, _("已保存"))
            return redirect(s)
    return render(
        request,
        "parts/form.html",
        {"form": form, "title": _("新建供应商"), "cancel_url": reverse("parts:supplier-list")},
    )


@login_required
def bin_list(request):
    perm_or_403(request, "parts.view_bin")
    store = work_store(request)
    bins = Bin.objects.filter(store=store).select_related("warehouse").order_by("code")
    counts = {}
    for b_id in PartSetting.objects.filter(store=store, default_bin__isnull=False).values_list(
        "default_bin_id", flat=True
    ):
        counts[b_id] = counts.get(b_id, 0) + 1
    for b in bins:
        b.n_parts = counts.get(b.pk, 0)
    if request.method == "POST":
        if "name" in request.POST:
            perm_or_403(request, "parts.add_warehouse")
            f = WarehouseForm(request.POST)
            if f.is_valid():
                run(request, services.warehouse_create, _("仓库已建立"), store=store, **f.cleaned_data)
        else:
            perm_or_403(request, "parts.add_bin")
            f = BinForm(request.POST)
            if f.is_valid():
                run(request, services.bin_create, _("库位已建立"), store=store, code=f.cleaned_data["code"])
        return redirect("parts:bin-list")
    return render(
        request,
        "parts/bins.html",
        {"bins": bins[:1000], "bin_form": BinForm(), "wh_form": WarehouseForm(), "title": _("仓库与库位")},
    )
