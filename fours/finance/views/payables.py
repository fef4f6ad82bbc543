"""应付 and invoice pages: 付款通知书 (request, approve within the limit, reject, pay), 发票未到 备查簿 (the
payables waiting for their supplier invoice) and 发票登记 (the register of issued invoices: tax number,
red-letter and void)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.audit import timeline_for
from fours.core.errors import field_error
from fours.core.registry import NavItem, Widget
from fours.core.views import (
    FoursListView,
    attach_errors,
    error_text,
    perm_or_403,
    redirect_back,
    run,
    work_store,
)

from .. import filters, tables
from ..choices import InvoiceStatus
from ..forms_accounts import PAY_METHODS, ReasonForm, RedForm, TaxRecordForm
from ..models import Invoice, OpenItem, Party, PaymentRequest
from ..selectors import payables as sel
from ..services import payables as pay_services
from ..workflows import REQUEST

# --- 付款通知书 ------------------------------------------------------------------------------------


class RequestListView(FoursListView):
    model = PaymentRequest
    table_class = tables.RequestTable
    filterset_class = filters.RequestFilter
    title = gettext_lazy("付款通知书")
    create_url_name = "finance:request-create"
    create_label = gettext_lazy("新建付款通知书")

    def base_queryset(self):
        return sel.requests_list()


def _scoped(model, request, pk, related=()):
    return get_object_or_404(model.objects.for_user(request.user).select_related(*related), pk=pk)


@login_required
def request_create(request):
    perm_or_403(request, "finance.add_paymentrequest")
    store = work_store(request)
    payees = list(sel.suppliers_with_payables(store))
    party_id = request.POST.get("party") or request.GET.get("party")
    party = Party.objects.filter(store=store, pk=party_id).first() if str(party_id or "").isdigit() else None
    items = sel.payable_items_open(party) if party else []
    errors: dict = {}
    chosen = {int(i) for i in request.POST.getlist("item") if i.isdigit()}
    typed = {i.pk: request.POST.get(f"amount_{i.pk}", "") for i in items}
    reason = request.POST.get("reason", "")
    if request.method == "POST" and party is not None:
        picked = [i for i in items if i.pk in chosen]
        try:
            req = pay_services.request_create(
                actor=request.user,
                store=store,
                party=party,
                lines=[(i, typed[i.pk]) for i in picked],
                reason=reason,
            )
        except ValidationError as e:
            # lines.<n>.<field> names the n-th picked item: show it on that item's row
            for key, msgs in e.message_dict.items():
                parts = key.split(".")
                if (
                    parts[0] == "lines"
                    and len(parts) == 3
                    and parts[1].isdigit()
                    and int(parts[1]) < len(picked)
                ):
                    errors[picked[int(parts[1])].pk] = "；".join(msgs)
                else:
                    errors[key] = "；".join(msgs)
        else:
            messages.success(request, _("付款通知书已提交审批"))
            return redirect("finance:request-detail", pk=req.pk)
    elif request.method == "POST":
        errors["party"] = _("请选择收款单位")
    rows = [
        {
            "item": i,
            "checked": i.pk in chosen if request.method == "POST" else False,
            "amount": typed.get(i.pk) or i.open_amount,
            "error": errors.get(i.pk, ""),
        }
        for i in items
    ]
    return render(
        request,
        "finance/request_form.html",
        {
            "title": _("新建付款通知书"),
            "payees": payees,
            "party": party,
            "rows": rows,
            "reason": reason,
            "errors": {k: v for k, v in errors.items() if isinstance(k, str)},
        },
    )


@login_required
def request_detail(request, pk):
    perm_or_403(request, "finance.view_paymentrequest")
    req = _scoped(PaymentRequest, request, pk, ("party", "store", "requested_by", "approved_by"))
    user = request.user
    steps = REQUEST.allowed_next(req, user)
    lines = list(sel.request_lines(req))
    may_approve = "approved" in steps and pay_services.approver_may(user, req)
    over_limit = None
    if "approved" in steps and not may_approve:
        over_limit = pay_services.approvers_for(req.store, req.amount)
    defaults = (
        dict((i.pk, a) for i, a in pay_services.request_default_allocations(req)) if "pay" in steps else {}
    )
    return render(
        request,
        "finance/request_detail.html",
        {
            "title": _("付款通知书 %(n)s") % {"n": req.number},
            "req": req,
            "items": [
                {"item": ln.openitem, "asked": ln.amount, "pay": defaults.get(ln.openitem_id)} for ln in lines
            ],
            "left": req.amount - req.paid,
            "may_approve": may_approve,
            "may_reject": "rejected" in steps,
            "may_pay": "pay" in steps and user.has_perm("finance.add_payment"),
            "over_limit": over_limit,
            "methods": PAY_METHODS,
            "today": timezone.localdate(),
            "payments": req.payments.select_related("cashier").order_by("at"),
            "timeline": timeline_for(req)[:50],
        },
    )


def _on(service, req):
    """The service bound to the payment request (``run`` takes the web request as ``request``)."""

    def call(*, actor, **kwargs):
        return service(actor=actor, request=req, **kwargs)

    return call


@login_required
def request_act(request, pk, step):
    if step not in ("approve", "reject", "pay"):
        raise Http404
    req = _scoped(PaymentRequest, request, pk)
    if request.method != "POST":
        return redirect("finance:request-detail", pk=req.pk)
    note = request.POST.get("note", "")
    if step == "approve":
        run(request, _on(pay_services.request_approve, req), _("已批准"), note=note)
    elif step == "reject":
        run(request, _on(pay_services.request_reject, req), _("已驳回"), note=note)
    else:
        allocations = []
        for item_id in req.items.values_list("pk", flat=True):
            amount = (request.POST.get(f"alloc_{item_id}") or "").strip()
            if amount and amount not in ("0", "0.00"):
                allocations.append((item_id, amount))
        line = {f: request.POST.get(f, "") for f in ("method", "amount", "reference")}
        run(
            request,
            _on(pay_services.request_pay, req),
            _("已付款"),
            lines=[line],
            allocations=allocations,
            business_date=request.POST.get("business_date") or None,
            note=note,
        )
    return redirect("finance:request-detail", pk=req.pk)


# --- 发票未到 备查簿 ----------------------------------------------------------------------------------


class PendingInvoiceListView(FoursListView):
    model = OpenItem
    table_class = tables.PendingInvoiceTable
    filterset_class = filters.PendingInvoiceFilter
    title = gettext_lazy("发票未到备查簿")
    permission_required = ("finance.view_openitem",)

    def base_queryset(self):
        return sel.pending_invoices().order_by("posted_on", "pk")

    def get_table_kwargs(self):
        kw = super().get_table_kwargs()
        if not self.request.user.has_perm("finance.change_openitem"):
            kw["exclude"] = ("record_invoice",)
        return kw


@login_required
def pending_invoice_record(request, pk):
    perm_or_403(request, "finance.change_openitem")
    item = _scoped(OpenItem, request, pk)
    if request.method == "POST":
        run(
            request,
            pay_services.payable_invoice_record,
            _("已登记发票 %(n)s") % {"n": request.POST.get("invoice_no", "").strip()},
            item=item,
            invoice_no=request.POST.get("invoice_no", ""),
            invoice_date=request.POST.get("invoice_date", ""),
        )
    return redirect_back(request, "finance:pending-invoices")


# --- 发票登记 --------------------------------------------------------------------------------------


class InvoiceListView(FoursListView):
    model = Invoice
    table_class = tables.InvoiceTable
    filterset_class = filters.InvoiceFilter
    title = gettext_lazy("发票登记")
    template_name = "finance/invoice_list.html"

    def base_queryset(self):
        return sel.invoices_list().order_by("-at", "-id")


FORMS = {"tax": TaxRecordForm, "red": RedForm, "void": ReasonForm}


def _invoice_page(request, inv: Invoice, bound=None):
    """The invoice with its red-letter invoices and, for finance, the forms of what may be done now;
    ``bound`` is (step, form) of a refused form, shown with its errors on its fields."""
    reds = list(sel.invoice_reds(inv))
    forms = {}
    if request.user.has_perm("finance.change_invoice"):
        forms["tax"] = TaxRecordForm(initial={"tax_number": inv.tax_number, "tax_date": inv.tax_date})
        if inv.status == InvoiceStatus.ISSUED and inv.amount > 0:
            forms["red"] = RedForm()
        if inv.status != InvoiceStatus.VOID and not (inv.status == InvoiceStatus.ISSUED and reds):
            forms["void"] = ReasonForm()
    if bound and bound[0] in forms:
        forms[bound[0]] = bound[1]
    return render(
        request,
        "finance/invoice_detail.html",
        {
            "title": _("发票 %(n)s") % {"n": inv.number},
            "inv": inv,
            "reds": reds,
            "forms": forms,
            "timeline": timeline_for(inv)[:50],
        },
    )


@login_required
def invoice_detail(request, pk):
    perm_or_403(request, "finance.view_invoice")
    inv = _scoped(Invoice, request, pk, ("party", "issued_by", "red_of", "store"))
    return _invoice_page(request, inv)


@login_required
def invoice_act(request, pk, step):
    from ..services import invoices as inv_services

    calls = {
        "tax": (inv_services.invoice_tax_record, ("tax_number", "tax_date"), _("已登记税控发票号码")),
        "red": (inv_services.invoice_red, ("reason", "amount"), _("已开红字发票")),
        "void": (inv_services.invoice_void, ("reason",), _("发票已作废")),
    }
    if step not in calls:
        raise Http404
    perm_or_403(request, "finance.change_invoice")
    inv = _scoped(Invoice, request, pk, ("party", "issued_by", "red_of", "store"))
    if request.method != "POST":
        return redirect("finance:invoice-detail", pk=inv.pk)
    fn, fields, ok = calls[step]
    form = FORMS[step](request.POST)
    form.is_valid()
    try:
        result = fn(actor=request.user, invoice=inv, **{f: form.cleaned_data.get(f, "") for f in fields})
    except ValidationError as e:
        attach_errors(form, e)
        messages.error(request, error_text(e))
        return _invoice_page(request, inv, (step, form))
    messages.success(request, ok)
    return redirect("finance:invoice-detail", pk=result.pk)


IMPORT_COLUMNS = {"登记号": "number", "税控发票号码": "tax_number", "开票日期": "tax_date"}


def read_tax_rows(upload) -> list[dict]:
    """The rows of the tax system's export (.xlsx): the columns 登记号, 税控发票号码 and 开票日期 by their
    header, in any order; blank rows skipped; each row keeps its line number."""
    from openpyxl import load_workbook

    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith(".xlsx"):
        raise field_error("file", _("请上传Excel文件（.xlsx）"), code="bad_file_type")
    if upload.size > 5 * 1024 * 1024:
        raise field_error("file", _("文件不能超过5MB"), code="too_large")
    try:
        ws = load_workbook(upload, read_only=True, data_only=True).active
        lines = list(ws.iter_rows(values_only=True))
    except Exception:  # not a workbook openpyxl can read
        raise field_error("file", _("无法读取该Excel文件"), code="bad_format") from None
    if not lines:
        raise field_error("file", _("文件中没有数据行"), code="no_lines")
    header = [str(h or "").strip() for h in lines[0]]
    missing = [h for h in IMPORT_COLUMNS if h not in header]
    if missing:
        raise field_error("file", _("缺少列：%(c)s") % {"c": "、".join(missing)}, code="required")
    at = {IMPORT_COLUMNS[h]: header.index(h) for h in IMPORT_COLUMNS}
    out = []
    for line, values in enumerate(lines[1:], start=2):
        if not any(v not in (None, "") for v in values):
            continue
        row = {k: (values[i] if i < len(values) else None) for k, i in at.items()}
        if row["tax_number"] is not None and not isinstance(row["tax_number"], str):
            row["tax_number"] = str(row["tax_number"])  # a number cell: 04412345 read as 4412345
        row["line"] = line
        out.append(row)
    return out


@login_required
def invoice_import(request):
    """导入税控发票号码: the tax system's export fills in the numbers and dates of many invoices at once."""
    from ..services.invoices import invoice_tax_import

    perm_or_403(request, "finance.change_invoice")
    store = work_store(request)
    errors: list[str] = []
    if request.method == "POST":
        try:
            rows = read_tax_rows(request.FILES.get("file")) if request.FILES.get("file") else None
            if rows is None:
                raise field_error("file", _("请选择文件"), code="required")
            n = invoice_tax_import(actor=request.user, store=store, rows=rows)
        except ValidationError as e:
            errors = [m for msgs in e.message_dict.values() for m in msgs]
        else:
            messages.success(request, _("已导入 %(n)s 张发票的税控号码") % {"n": n})
            return redirect("finance:invoice-list")
    return render(
        request,
        "finance/invoice_import.html",
        {"title": _("导入税控发票号码"), "errors": errors, "columns": list(IMPORT_COLUMNS)},
    )


# --- routes, sidebar, home -------------------------------------------------------------------------

urlpatterns = [
    path("requests/", RequestListView.as_view(), name="request-list"),
    path("requests/new/", request_create, name="request-create"),
    path("requests/<int:pk>/", request_detail, name="request-detail"),
    path("requests/<int:pk>/<str:step>/", request_act, name="request-act"),
    path("pending-invoices/", PendingInvoiceListView.as_view(), name="pending-invoices"),
    path("pending-invoices/<int:pk>/record/", pending_invoice_record, name="pending-invoice-record"),
    path("invoices/", InvoiceListView.as_view(), name="invoice-list"),
    path("invoices/import/", invoice_import, name="invoice-import"),
    path("invoices/<int:pk>/", invoice_detail, name="invoice-detail"),
    path("invoices/<int:pk>/<str:step>/", invoice_act, name="invoice-act"),
]

NAV = [
    NavItem(
        "management",
        gettext_lazy("付款通知书"),
        "finance:request-list",
        "finance.view_paymentrequest",
        "bi-send-check",
        43,
    ),
    NavItem(
        "management",
        gettext_lazy("发票未到"),
        "finance:pending-invoices",
        "finance.change_openitem",
        "bi-receipt-cutoff",
        44,
    ),
    NavItem(
        "management",
        gettext_lazy("发票登记"),
        "finance:invoice-list",
        "finance.view_invoice",
        "bi-receipt",
        45,
    ),
]


def widgets(request, store):
    user = request.user
    if store is None:
        return []
    out = []
    if user.has_perm("finance.change_openitem"):
        out.append(
            Widget(
                "management",
                _("发票未到"),
                sel.pending_invoice_count(store),
                _("笔"),
                reverse("finance:pending-invoices"),
                tone="warning",
            )
        )
    if user.has_perm("finance.approve_paymentrequest"):
        n = sel.requests_waiting_count(store, user)
        if n:
            out.append(
                Widget(
                    "management",
                    _("待审批付款通知书"),
                    n,
                    _("张"),
                    reverse("finance:request-list") + "?approver=me",
                    mine=True,
                )
            )
    return out
