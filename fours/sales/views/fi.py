"""金融保险 pages: 合作机构与产品 (partners and their products), 按揭申请 (the loan with its 五大件 file, its
steps and its money in finance), 新车保险 (policies), the F&I specialist's 每日业务清单 and 金融保险统计."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fours.core.audit import timeline_for
from fours.core.registry import NavItem, Widget
from fours.core.roles import Role
from fours.core.selectors import has_role
from fours.core.templatetags.fours import yuan
from fours.core.views import FoursListView, attach_errors, error_text, perm_or_403, work_store

from .. import filters_fi, tables_fi
from ..choices import CoverKind, LoanStatus, ProductKind
from ..forms_fi import ApproveForm, DocumentForm, LoanForm, PartnerForm, PolicyForm, ProductForm
from ..models import LoanApplication, LoanDocument, Policy, Product
from ..selectors import fi as sel
from ..services import fi as services
from ..workflows import LOAN, POLICY

# --- partners and products -------------------------------------------------------------------------


@login_required
def products(request):
    """合作机构与产品: the store's banks, finance companies, guarantors and insurers with their products
    and commission rates; a new partner and a new product for those who may add them."""
    perm_or_403(request, "sales.view_product")
    store = work_store(request)
    may_add = request.user.has_perm("sales.add_product")
    partner_form = PartnerForm(prefix="partner")
    product_form = ProductForm(prefix="product", partners=services.partners(store))
    if request.method == "POST":
        if not may_add:
            raise PermissionDenied
        which = request.POST.get("form")
        if which == "partner":
            partner_form = PartnerForm(request.POST, prefix="partner")
            if partner_form.is_valid():
                try:
                    services.partner_create(actor=request.user, store=store, **partner_form.cleaned_data)
                except ValidationError as e:
                    attach_errors(partner_form, e)
                else:
                    messages.success(request, _("合作机构已登记"))
                    return redirect("sales:fi_products")
        else:
            product_form = ProductForm(request.POST, prefix="product", partners=services.partners(store))
            if product_form.is_valid():
                try:
                    services.product_save(actor=request.user, store=store, **product_form.cleaned_data)
                except ValidationError as e:
                    attach_errors(product_form, e)
                else:
                    messages.success(request, _("产品已保存"))
                    return redirect("sales:fi_products")
    return render(
        request,
        "sales/fi_products.html",
        {
            "title": _("合作机构与产品"),
            "partners": sel.partner_summary(store),
            "products": sel.products(request.user).filter(store=store),
            "partner_form": partner_form,
            "product_form": product_form,
            "may_add": may_add,
            "may_change": request.user.has_perm("sales.change_product"),
        },
    )


@login_required
def product_edit(request, pk):
    perm_or_403(request, "sales.change_product")
    product = get_object_or_404(Product.objects.for_user(request.user).select_related("partner"), pk=pk)
    store = product.store
    initial = {
        f: getattr(product, f)
        for f in ("partner", "kind", "name", "term_months", "rate_pct", "commission_pct")
    }
    initial["active"] = product.active
    form = ProductForm(request.POST or None, initial=initial, partners=services.partners(store))
    if request.method == "POST" and form.is_valid():
        try:
            services.product_save(actor=request.user, store=store, product=product, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("产品已保存"))
            return redirect("sales:fi_products")
    return render(
        request,
        "core/form.html",
        {
            "title": _("修改产品 %(n)s") % {"n": product},
            "form": form,
            "cancel_url": reverse("sales:fi_products"),
        },
    )


# --- loans -----------------------------------------------------------------------------------------


class LoanListView(FoursListView):
    model = LoanApplication
    table_class = tables_fi.LoanTable
    filterset_class = filters_fi.LoanFilter
    title = gettext_lazy("按揭申请")
    create_url_name = "sales:fi_loan_create"
    create_label = gettext_lazy("新建按揭申请")

    def base_queryset(self):
        return LoanApplication.objects.select_related(
            "order__customer", "product__partner", "specialist"
        ).order_by("-id")


@login_required
def loan_create(request):
    perm_or_403(request, "sales.add_loanapplication")
    store = work_store(request)
    orders = sel.orders_for_fi(request.user, store)
    prods = Product.objects.filter(store=store, kind=ProductKind.LOAN, active=True).select_related("partner")
    initial = {}
    if str(request.GET.get("order", "")).isdigit():
        order = orders.filter(pk=request.GET["order"]).first()
        if order is not None:
            initial = {"order": order, "amount": order.total - order.deposit}
    form = LoanForm(request.POST or None, initial=initial, orders=orders, products=prods)
    if request.method == "POST" and form.is_valid():
        try:
            loan = services.loan_create(actor=request.user, **form.cleaned_data)
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("按揭申请已创建，请上传五大件资料"))
            return redirect("sales:loan_detail", pk=loan.pk)
    return render(
        request,
        "core/form.html",
        {"title": _("新建按揭申请"), "form": form, "cancel_url": reverse("sales:fi_loans")},
    )


STEP_LABELS = {
    LoanStatus.SUBMITTED: gettext_lazy("提交银行"),
    LoanStatus.APPROVED: gettext_lazy("银行批复"),
    LoanStatus.REJECTED: gettext_lazy("银行拒贷"),
    LoanStatus.DISBURSED: gettext_lazy("确认放款"),
    LoanStatus.CANCELLED: gettext_lazy("取消申请"),
    LoanStatus.COLLECTING: gettext_lazy("重新收集资料"),
}


# what a step asks for on the page: the approved amount, a reason, or nothing
STEP_FORMS = {
    LoanStatus.APPROVED: "amount",
    LoanStatus.REJECTED: "reason",
    LoanStatus.CANCELLED: "reason",
}


@login_required
def loan_detail(request, pk):
    perm_or_403(request, "sales.view_loanapplication")
    try:
        loan = sel.loan_for(request.user, pk)
    except LoanApplication.DoesNotExist:
        raise Http404 from None
    steps = LOAN.allowed_next(loan, request.user)
    may_docs = "documents" in steps
    items = sel.order_money(loan.order)
    bank = services.bank_item(loan) if loan.status in (LoanStatus.APPROVED, LoanStatus.DISBURSED) else None
    desk_url = ""
    if bank is not None and bank.open_amount > 0 and request.user.has_perm("finance.add_payment"):
        desk_url = f"{reverse('finance:desk')}?q={loan.order.number}&item={bank.pk}"
    return render(
        request,
        "sales/fi_loan_detail.html",
        {
            "title": _("按揭申请 %(n)s") % {"n": loan.number},
            "loan": loan,
            "file": sel.loan_file(loan),
            "missing": services.missing_papers(loan) if loan.status == LoanStatus.COLLECTING else [],
            "items": items,
            "bank": bank,
            "desk_url": desk_url,
            "commissions": sel.doc_commission_items(loan),
            "steps": [
                (s, STEP_LABELS[s], STEP_FORMS.get(s, ""))
                for s in LOAN.next_statuses(loan.status)
                if s in steps
            ],
            "doc_form": DocumentForm() if may_docs else None,
            "may_check": may_docs and request.user.has_perm("sales.change_loandocument"),
            "approve_form": ApproveForm(initial={"approved_amount": loan.amount}),
            "timeline": timeline_for(loan)[:100],
        },
    )


@login_required
@require_POST
def loan_document(request, pk):
    perm_or_403(request, "sales.add_loandocument")
    loan = get_object_or_404(LoanApplication.objects.for_user(request.user), pk=pk)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "；".join(m for msgs in form.errors.values() for m in msgs))
        return redirect("sales:loan_detail", pk=loan.pk)
    try:
        services.loan_document_add(actor=request.user, loan=loan, **form.cleaned_data)
    except ValidationError as e:
        messages.error(request, error_text(e))
    else:
        messages.success(request, _("资料已上传"))
    return redirect("sales:loan_detail", pk=loan.pk)


@login_required
@require_POST
def loan_document_check(request, pk):
    perm_or_403(request, "sales.change_loandocument")
    doc = get_object_or_404(LoanDocument.objects.for_user(request.user), pk=pk)
    try:
        services.loan_document_check(
            actor=request.user, document=doc, checked=request.POST.get("checked") == "1"
        )
    except ValidationError as e:
        messages.error(request, error_text(e))
    return redirect("sales:loan_detail", pk=doc.application_id)


@login_required
@require_POST
def loan_step(request, pk, step):
    loan = get_object_or_404(LoanApplication.objects.for_user(request.user), pk=pk)
    if step not in STEP_LABELS:
        raise Http404
    post = request.POST
    calls = {
        LoanStatus.SUBMITTED: lambda: services.loan_submit(actor=request.user, loan=loan),
        LoanStatus.APPROVED: lambda: services.loan_approve(
            actor=request.user,
            loan=loan,
            approved_amount=post.get("approved_amount"),
            note=post.get("note", ""),
        ),
        LoanStatus.REJECTED: lambda: services.loan_reject(
            actor=request.user, loan=loan, reason=post.get("reason")
        ),
        LoanStatus.DISBURSED: lambda: services.loan_disburse(actor=request.user, loan=loan),
        LoanStatus.CANCELLED: lambda: services.loan_cancel(
            actor=request.user, loan=loan, reason=post.get("reason")
        ),
        LoanStatus.COLLECTING: lambda: services.loan_reopen(actor=request.user, loan=loan),
    }
    try:
        calls[step]()
    except ValidationError as e:
        messages.error(request, error_text(e))
    except PermissionDenied as e:
        messages.error(request, str(e) or _("您没有此操作的权限"))
    else:
        messages.success(request, _("%(s)s：已完成") % {"s": STEP_LABELS[step]})
    return redirect("sales:loan_detail", pk=loan.pk)


# --- policies --------------------------------------------------------------------------------------


class PolicyListView(FoursListView):
    model = Policy
    table_class = tables_fi.PolicyTable
    filterset_class = filters_fi.PolicyFilter
    title = gettext_lazy("新车保险")
    create_url_name = "sales:fi_policy_create"
    create_label = gettext_lazy("录入保单")

    def base_queryset(self):
        return Policy.objects.select_related("order__customer", "product__partner", "specialist")


@login_required
def policy_create(request):
    perm_or_403(request, "sales.add_policy")
    store = work_store(request)
    orders = sel.orders_for_fi(request.user, store)
    prods = Product.objects.filter(store=store, kind=ProductKind.INSURANCE, active=True).select_related(
        "partner"
    )
    initial = {"covers": ["compulsory"]}
    if str(request.GET.get("order", "")).isdigit():
        initial["order"] = orders.filter(pk=request.GET["order"]).first()
    form = PolicyForm(request.POST or None, initial=initial, orders=orders, products=prods)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            policy = services.policy_create(
                actor=request.user,
                store=store,
                product=data["product"],
                order=data["order"],
                policy_no=data["policy_no"],
                covers=form.cover_rows(),
                premium=data["premium"],
                starts_on=data["starts_on"],
                expires_on=data.get("expires_on"),
                note=data.get("note", ""),
            )
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("保单已录入"))
            return redirect("sales:fi_policy_detail", pk=policy.pk)
    return render(
        request,
        "sales/fi_policy_form.html",
        {"title": _("录入新车保险"), "form": form, "cancel_url": reverse("sales:fi_policies")},
    )


@login_required
def policy_detail(request, pk):
    perm_or_403(request, "sales.view_policy")
    policy = get_object_or_404(sel.policies(request.user), pk=pk)
    return render(
        request,
        "sales/fi_policy_detail.html",
        {
            "title": _("保单 %(n)s") % {"n": policy.policy_no},
            "policy": policy,
            "covers": [
                {"label": dict(CoverKind.choices).get(c["kind"], c["kind"]), "amount": c.get("amount")}
                for c in policy.covers
            ],
            "commissions": sel.doc_commission_items(policy),
            "steps": POLICY.allowed_next(policy, request.user),
            "timeline": timeline_for(policy)[:100],
        },
    )


@login_required
@require_POST
def policy_cancel(request, pk):
    """退保, with its reason (the commission receivable is reversed in finance)."""
    policy = get_object_or_404(sel.policies(request.user), pk=pk)
    try:
        services.policy_cancel(actor=request.user, policy=policy, reason=request.POST.get("reason", ""))
    except ValidationError as e:
        messages.error(request, error_text(e))
    except PermissionDenied:
        raise
    else:
        messages.success(request, _("保单 %(n)s 已退保") % {"n": policy.policy_no})
    return redirect("sales:fi_policy_detail", pk=policy.pk)


# --- the daily list and the statistics --------------------------------------------------------------


def _day(value) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


@login_required
def daily(request):
    """每日业务清单: what the F&I desk did on the day and what waits, to report to the supervisor and 内勤."""
    perm_or_403(request, "sales.view_loanapplication")
    store = work_store(request)
    day = _day(request.GET.get("day"))
    mine = request.GET.get("mine") == "1"
    data = sel.daily_business(request.user, store, day, mine=mine)
    return render(
        request,
        "sales/fi_daily.html",
        {"title": _("金融保险每日业务清单"), "d": data, "mine": mine, "prev": day - dt.timedelta(days=1)},
    )


@login_required
def stats(request):
    """金融保险统计: the month's penetration, commission by partner and per person, against target."""
    perm_or_403(request, "sales.view_loanapplication")
    store = work_store(request)
    try:
        month = dt.date.fromisoformat(request.GET.get("month", "") + "-01")
    except ValueError:
        month = timezone.localdate().replace(day=1)
    data = sel.fi_stats(request.user, store, month)
    prev = (month.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    nxt = (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "sales/fi_stats.html",
        {"title": _("金融保险统计"), "s": data, "prev": prev, "next": nxt},
    )


urlpatterns = [
    path("fi/products/", products, name="fi_products"),
    path("fi/products/<int:pk>/", product_edit, name="fi_product_edit"),
    path("fi/loans/", LoanListView.as_view(), name="fi_loans"),
    path("fi/loans/new/", loan_create, name="fi_loan_create"),
    path("fi/loans/<int:pk>/", loan_detail, name="loan_detail"),
    path("fi/loans/<int:pk>/documents/", loan_document, name="fi_loan_document"),
    path("fi/documents/<int:pk>/check/", loan_document_check, name="fi_document_check"),
    path("fi/loans/<int:pk>/<str:step>/", loan_step, name="fi_loan_step"),
    path("fi/policies/", PolicyListView.as_view(), name="fi_policies"),
    path("fi/policies/new/", policy_create, name="fi_policy_create"),
    path("fi/policies/<int:pk>/", policy_detail, name="fi_policy_detail"),
    path("fi/policies/<int:pk>/cancel/", policy_cancel, name="fi_policy_cancel"),
    path("fi/daily/", daily, name="fi_daily"),
    path("fi/stats/", stats, name="fi_stats"),
]

NAV = [
    NavItem(
        "sales",
        gettext_lazy("金融保险日报"),
        "sales:fi_daily",
        "sales.view_loanapplication",
        "bi-list-check",
        60,
    ),
    NavItem("sales", gettext_lazy("按揭申请"), "sales:fi_loans", "sales.view_loanapplication", "bi-bank", 61),
    NavItem(
        "sales", gettext_lazy("新车保险"), "sales:fi_policies", "sales.view_policy", "bi-shield-check", 62
    ),
    NavItem(
        "sales", gettext_lazy("合作机构与产品"), "sales:fi_products", "sales.view_product", "bi-building", 63
    ),
    NavItem(
        "sales",
        gettext_lazy("金融保险统计"),
        "sales:fi_stats",
        "sales.view_loanapplication",
        "bi-pie-chart",
        64,
    ),
]


def widgets(request, store) -> list:
    user = request.user
    if store is None or not user.has_perm("sales.view_loanapplication"):
        return []
    out = []
    if has_role(user, store, Role.FINANCE_INSURANCE):
        waiting = sel.my_waiting(user, store)
        out += [
            Widget(
                "sales",
                _("我的按揭：收集资料"),
                waiting[LoanStatus.COLLECTING],
                _("笔"),
                reverse("sales:fi_loans") + "?status=collecting&mine=true",
                tone="warning",
                mine=True,
            ),
            Widget(
                "sales",
                _("我的按揭：待银行审批"),
                waiting[LoanStatus.SUBMITTED],
                _("笔"),
                reverse("sales:fi_loans") + "?status=submitted&mine=true",
                mine=True,
            ),
            Widget(
                "sales",
                _("我的按揭：待放款"),
                waiting[LoanStatus.APPROVED],
                _("笔"),
                reverse("sales:fi_loans") + "?status=approved&mine=true",
                tone="danger",
                mine=True,
            ),
        ]
    if user.has_perm("sales.view_loanapplication") and (
        has_role(user, store, Role.SALES_MANAGER, Role.GENERAL_MANAGER, Role.FINANCE_INSURANCE)
    ):
        s = sel.fi_stats(user, store, timezone.localdate())
        out.append(
            Widget(
                "sales",
                _("本月金融保险佣金"),
                yuan(s["commission"]),
                "",
                reverse("sales:fi_stats"),
                note=_("按揭 %(l)s 台 · 保险 %(p)s 台") % {"l": s["loans"], "p": s["policies"]},
            )
        )
    return out
