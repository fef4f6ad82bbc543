"""Base views of the UI shell and the core pages (home, store switch, audit list, health)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.db import connection
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from django_tables2.export.views import ExportMixin

from . import selectors
from .audit import timeline_for
from .filters import AuditEventFilter
from .forms import bootstrap_widgets
from .models import AuditEvent, Store
from .registry import SECTIONS, home_departments, home_widgets
from .roles import Role
from .stores import ALL, SESSION_KEY, current_store, scope_to_current
from .tables import AuditEventTable


class ScopedMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Reads go through the model's store-scoped queryset: another store's object is a 404."""

    model = None
    store_field = "store"
    current_store_only = True  # lists show the current store (group users may pick 'all')

    def get_permission_required(self):
        if self.permission_required:
            return super().get_permission_required()
        meta = self.model._meta
        return (f"{meta.app_label}.view_{meta.model_name}",)

    def base_queryset(self):
        return self.model.objects.all()

    def get_queryset(self):
        qs = self.base_queryset().for_user(self.request.user)
        return qs


class FoursListView(ScopedMixin, ExportMixin, SingleTableMixin, FilterView):
    """A sortable, filterable, paginated list with Excel export (?_export=xlsx)."""

    template_name = "core/list.html"
    paginate_by = 25
    export_formats = ("xlsx", "csv")
    title = ""
    # the list's 新建 button: the URL name of the create page, shown to a user holding create_perm
    # (default: the model's add permission), labelled create_label (default 新建)
    create_url_name = None
    create_perm = None
    create_label = None
    # a list without a filterset_class has no filters (django-filter's default is every model
    # field, which fails on a JSONField)
    filterset_fields = ()

    def get_queryset(self):
        qs = super().get_queryset()
        if self.current_store_only:
            qs = scope_to_current(self.request, qs, self.store_field)
        return qs

    def get_paginate_by(self, queryset):
        """The table pages the list (one COUNT, one page of rows); the ListView does not page it a
        second time (``paginate_by`` is the table's page size)."""
        return None

    def get_table_kwargs(self):
        return {"empty_text": gettext_lazy("暂无数据")}

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        bootstrap_widgets(filterset.form.fields.values(), small=True, dates=False)
        return filterset

    def get_create_perm(self) -> str:
        meta = self.model._meta
        return self.create_perm or f"{meta.app_label}.add_{meta.model_name}"

    def get_create_url(self) -> str | None:
        """The 新建 button's address for a user who may create, else None (no button)."""
        if self.create_url_name and self.request.user.has_perm(self.get_create_perm()):
            return reverse(self.create_url_name)
        return None

    def get_export_filename(self, export_format):
        return f"{self.title or self.model._meta.verbose_name}.{export_format}"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            title=self.title or self.model._meta.verbose_name_plural,
            create_url=self.get_create_url(),
            create_label=self.create_label,
        )
        return ctx


class LedgerListView(FoursListView):
    """A list of an append-only ledger that grows with history (stock moves, the audit log): it shows
    the last ``window_days`` by default (the window is in the filter, the user widens it) and pages by
    keyset, newest first by (``date_field``, id): ``?after=`` the next older page, ``?before=`` the
    newer one. No COUNT and no OFFSET, so a page costs the same after five years as after one day."""

    date_field = "at"
    window_days = 30
    table_pagination = False
    max_per_page = 100

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        data = (kwargs.get("data") or QueryDict()).copy()
        # the range's two inputs are named by its widget: _after/_before (DateRangeWidget), _min/_max
        date_filter = filterset_class.base_filters.get(self.date_field) if filterset_class else None
        widget = date_filter.extra.get("widget") if date_filter is not None else None
        low, high = getattr(widget, "suffixes", None) or ("after", "before")
        after, before = f"{self.date_field}_{low}", f"{self.date_field}_{high}"
        if not data.get(after) and not data.get(before):
            since = timezone.localdate() - datetime.timedelta(days=self.window_days - 1)
            data[after] = since.isoformat()
        kwargs["data"] = data
        return kwargs

    def per_page(self) -> int:
        try:
            n = int(self.request.GET.get("per_page", self.paginate_by))
        except ValueError:
            n = self.paginate_by
        return max(1, min(n, self.max_per_page))

    def _cursor(self, row) -> str:
        at = getattr(row, self.date_field)
        return f"{at.astimezone(datetime.UTC).strftime('%Y%m%d%H%M%S%f')}.{row.pk}"

    def _parse(self, value: str):
        try:
            stamp, pk = value.split(".")
            at = datetime.datetime.strptime(stamp, "%Y%m%d%H%M%S%f").replace(tzinfo=datetime.UTC)
            return at, int(pk)
        except ValueError:
            return None

    def _link(self, key: str, row) -> str:
        q = self.request.GET.copy()
        q.pop("after", None)
        q.pop("before", None)
        q[key] = self._cursor(row)
        return f"?{q.urlencode()}"

    def get_table_data(self):
        """One page of rows, read as per_page + 1 so the page knows whether an older one exists."""
        df, n = self.date_field, self.per_page()
        qs = self.object_list.order_by(f"-{df}", "-id")
        if self.request.GET.get(self.export_trigger_param):
            return qs  # the export holds the whole window
        after = self._parse(self.request.GET.get("after", ""))
        before = None if after else self._parse(self.request.GET.get("before", ""))
        if before:
            at, pk = before
            rows = list(
                self.object_list.filter(Q(**{f"{df}__gt": at}) | Q(**{df: at, "id__gt": pk})).order_by(
                    df, "id"
                )[: n + 1]
            )
            newer = len(rows) > n
            rows = rows[:n][::-1]
            older = True
        else:
            if after:
                at, pk = after
                qs = qs.filter(Q(**{f"{df}__lt": at}) | Q(**{df: at, "id__lt": pk}))
            rows = list(qs[: n + 1])
            older = len(rows) > n
            rows = rows[:n]
            newer = bool(after)
        self.keyset = {
            "newer": self._link("before", rows[0]) if newer and rows else None,
            "older": self._link("after", rows[-1]) if older and rows else None,
            "window_days": self.window_days,
        }
        return rows

    def get_table_kwargs(self):
        return {**super().get_table_kwargs(), "orderable": False}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["keyset"] = getattr(self, "keyset", None)
        return ctx


class FoursDetailView(ScopedMixin, DetailView):
    """A document page with its timeline (audit events)."""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["timeline"] = timeline_for(self.object)[:100]
        return ctx


class ServiceFormView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """A form whose valid data goes to a service; a BusinessError lands on the form's fields."""

    template_name = "core/form.html"
    title = ""

    def perform(self, form):  # pragma: no cover - overridden
        raise NotImplementedError

    def form_valid(self, form):
        try:
            result = self.perform(form)
        except ValidationError as e:
            attach_errors(form, e)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message(result))
        return HttpResponseRedirect(self.get_success_url_for(result))

    def success_message(self, result):
        return _("已保存")

    def get_success_url_for(self, result):
        return result.get_absolute_url()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["title"] = self.title
        return ctx


def attach_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errs in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, error)


def home(request):
    """The home page: the person's own work first, then the figures of their roles' departments,
    most relevant first; a group manager sees every store side by side after their own work."""
    from .stores import user_stores

    store = current_store(request)
    widgets = home_widgets(request, store)
    dept = selectors.primary_department(request.user, store)
    role_names = selectors.roles_of(request.user, store)
    order = home_departments(role_names) or [key for key, _label, _icon in SECTIONS]
    labels = {key: label for key, label, _icon in SECTIONS}
    groups = [("mine", gettext_lazy("我的工作"), [w for w in widgets if w.mine])]
    groups += [
        (key, labels[key], [w for w in widgets if w.department == key and not w.mine]) for key in order
    ]
    groups = [g for g in groups if g[2]]
    stores = user_stores(request)
    comparison = None
    if len(stores) > 1 and (request.user.is_superuser or Role.GROUP_MANAGER.value in role_names):
        comparison = _store_comparison(request, stores)
    if comparison:  # after the person's own work, before the departments' figures
        mine = 1 if groups and groups[0][0] == "mine" else 0
        groups.insert(mine, ("stores", gettext_lazy("各门店对比"), []))
    roles = sorted(role_names)
    return render(
        request,
        "core/home.html",
        {"widget_groups": groups, "roles": roles, "department": dept, "comparison": comparison},
    )


def _store_comparison(request, stores) -> dict | None:
    """Every store side by side (a row per store, a few figures of the month), as the app keeping the daily
    summaries reads them (its ``home.store_comparison``): the same few queries for 2 stores or 30, never
    each store's home figures."""
    from .registry import _modules

    for mod in _modules("home"):
        fn = getattr(mod, "store_comparison", None)
        if fn is not None:
            return fn(request, stores)
    return None


class SwitchStoreView(LoginRequiredMixin, View):
    def post(self, request):
        value = request.POST.get("store", "")
        allowed = {str(i) for i in selectors.store_ids_for(request.user)}
        if value == ALL and len(allowed) > 1:
            request.session[SESSION_KEY] = ALL
        elif value in allowed:
            request.session[SESSION_KEY] = int(value)
        else:
            raise Http404
        nxt = request.POST.get("next") or "/"
        if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
            nxt = "/"
        return redirect(nxt)


class AuditListView(LedgerListView):
    model = AuditEvent
    table_class = AuditEventTable
    filterset_class = AuditEventFilter
    permission_required = "core.view_auditevent"
    title = gettext_lazy("审计日志")

    def base_queryset(self):
        return AuditEvent.objects.select_related("actor", "store", "content_type")

    def get_queryset(self):
        qs = self.base_queryset()
        if not self.request.user.is_superuser:
            qs = qs.filter(store_id__in=selectors.store_ids_for(self.request.user))
        return scope_to_current(self.request, qs)


def healthz(request):
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
    except Exception as exc:
        return JsonResponse({"status": "error", "database": str(exc)[:200]}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


def error_400(request, exception=None):
    from django.views.defaults import bad_request

    from .api.errors import api_error_page

    if isinstance(exception, RequestDataTooBig):
        too_big = api_error_page(request, 413, "request_too_large", _("请求体过大"))
        if too_big:
            return too_big
    return api_error_page(request, 400, "bad_request", _("请求有误")) or bad_request(request, exception)


def error_404(request, exception=None):
    from .api.errors import api_error_page

    message = _("未找到该对象，或不在您的门店范围内")
    return api_error_page(request, 404, "not_found", message) or render(request, "404.html", status=404)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_500(request):
    from .api.errors import api_error_page

    message = _("系统出现错误，请稍后重试")
    return api_error_page(request, 500, "server_error", message) or render(request, "500.html", status=500)


class StoreDetailView(FoursDetailView):
    """门店信息: the store's profile, departments and staff."""

    model = Store
    template_name = "core/store_detail.html"
    permission_required = ()

    def has_permission(self):
        return True  # any member may see the profile of a store they belong to (scoping gives 404 otherwise)

    def base_queryset(self):
        return Store.objects.select_related("group")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["memberships"] = (
            self.object.memberships.filter(is_active=True)
            .select_related("user", "role")
            .order_by("role__name")
        )
        return ctx


def current_store_redirect(request):
    store = current_store(request)
    if store is None:
        stores = selectors.stores_for(request.user).order_by("code")[:1]
        if not stores:
            raise Http404
        store = stores[0]
    return redirect(store)


# --- helpers for function views that call a service ------------------------------------------


def work_store(request) -> Store:
    """The store a write applies to: the current store (a group user in 'all stores' picks one first)."""
    store = current_store(request)
    if store is None:
        raise Http404(_("请先在右上角选择门店"))
    return store


def error_text(e: ValidationError) -> str:
    if hasattr(e, "error_dict"):
        return "；".join(f"{m}" for msgs in e.message_dict.values() for m in msgs)
    return "；".join(e.messages)


def run(request, fn, ok_message, **kwargs):
    """Call a service; a business error becomes a message. Returns the result or None."""
    try:
        result = fn(actor=request.user, **kwargs)
    except ValidationError as e:
        messages.error(request, error_text(e))
        return None
    except PermissionDenied as e:
        messages.error(request, str(e) or _("您没有此操作的权限"))
        return None
    messages.success(request, ok_message)
    return result


def perm_or_403(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def redirect_back(request, default):
    """Back to ``next`` (POST or GET) when it points at this site, else to ``default``."""
    nxt = request.POST.get("next") or request.GET.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(nxt)
    return redirect(default)
