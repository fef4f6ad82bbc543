"""Pages of the sales desk: orders (车辆订单) — the list with its summary, the quote form (算价单), the
order page whose buttons come from ``allowed_next``, the printable quote and purchase contract
(车辆订购单), and the home figures of the consultant and the sales manager."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.audit import timeline_for
from fours.core.registry import NavItem, Widget
from fours.core.views import FoursListView, attach_errors, perm_or_403, run, work_store
from fours.core.workflows import allowed_next

from ..choices import OrderStatus
from ..filters_orders import OrderFilter
from ..forms_orders import AccessoryForm, CancelForm, QuoteForm, RegistrationForm
from ..models import OrderAccessory, VehicleOrder
from ..selectors import orders as sel
from ..services import orders as svc
from ..tables_orders import OrderTable
from ..workflows import ORDER

VIEW = "sales.view_vehicleorder"


# --- the list ----------------------------------------------------------------------------------------


class OrderListView(FoursListView):
    model = VehicleOrder
    table_class = OrderTable
    filterset_class = OrderFilter
    title = gettext_lazy("车辆订单")
    template_name = "sales/orders_list.html"
    create_url_name = "sales:order_create"
    create_label = gettext_lazy("新建报价")

    def base_queryset(self):
        return sel.with_money(sel.orders_for(self.request.user)).order_by("-id")

    def get_filterset_kwargs(self, filterset_class):
        kw = super().get_filterset_kwargs(filterset_class)
        kw["request"] = self.request
        return kw


@login_required
def order_summary(request):
    """订单汇总: the store's orders by status, and the delivered ones' revenue and gross profit by
    consultant, for the filter's period."""
    perm_or_403(request, VIEW)
    store = work_store(request)
    qs = sel.orders_for(request.user).filter(store=store)
    f = OrderFilter(request.GET or None, queryset=qs, request=request)
    qs = f.qs if f.is_bound and f.is_valid() else qs
    see_cost = request.user.has_perm("sales.see_cost")
    return render(
        request,
        "sales/orders_summary.html",
        {
            "title": _("订单汇总"),
            "filter": f,
            "summary": sel.order_summary(qs),
            "consultants": sel.consultant_summary(qs),
            "see_cost": see_cost,
            "list_url": reverse("sales:order_list"),
        },
    )


# --- the quote ---------------------------------------------------------------------------------------


def _configurations(store):
    from fours.customers.models import Configuration

    return (
        Configuration.objects.filter(msrp__gt=0)
        .select_related("model__series__brand")
        .order_by("model__series__brand__name", "model__series__name", "model__name", "-year", "name")
    )


def _lead(request, store):
    from ..models import Lead

    pk = request.GET.get("lead") or request.POST.get("lead")
    if not str(pk or "").isdigit():
        return None
    return Lead.objects.for_user(request.user).filter(store=store, pk=pk).select_related("customer").first()


def _customer(request, store):
    from fours.customers.models import Customer

    pk = request.GET.get("customer") or request.POST.get("customer")
    if not str(pk or "").isdigit():
        return None
    return Customer.objects.for_user(request.user).filter(pk=pk, merged_into__isnull=True).first()


@login_required
def order_create(request):
    perm_or_403(request, "sales.add_vehicleorder")
    store = work_store(request)
    lead, customer = _lead(request, store), _customer(request, store)
    initial = {}
    if lead is not None:
        initial.update(
            customer_name=lead.name,
            mobile=lead.mobile,
            configuration=lead.configuration,
            colour=lead.colour,
            pay_plan=lead.pay_plan,
            trade_in_vehicle=lead.trade_in_vehicle,
        )
    known = customer or (lead.customer if lead is not None and lead.customer_id else None)
    form = QuoteForm(
        request.POST or None,
        initial=initial,
        configurations=_configurations(store),
        with_customer=known is None,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            order = svc.order_quote(
                actor=request.user,
                store=store,
                configuration=d["configuration"],
                customer=known,
                customer_data={"name": d.get("customer_name", ""), "mobile": d.get("mobile", "")},
                lead=lead,
                data=form.data_for_service(),
            )
        except ValidationError as e:
            attach_errors(form, e)
        except PermissionDenied as e:
            messages.error(request, str(e) or _("您没有此操作的权限"))
        else:
            messages.success(request, _("报价单 %(no)s 已创建") % {"no": order.number})
            return redirect(order)
    return render(
        request,
        "sales/orders_form.html",
        {
            "title": _("新建报价（算价单）"),
            "form": form,
            "lead": lead,
            "customer": known,
            "cancel_url": reverse("sales:order_list"),
        },
    )


def _order(request, pk) -> VehicleOrder:
    perm_or_403(request, VIEW)
    return sel.order_for(request.user, pk)


@login_required
def order_edit(request, pk):
    order = _order(request, pk)
    if "edit" not in allowed_next(order, request.user):
        raise PermissionDenied
    initial = {f: getattr(order, f) for f in svc.QUOTE_FIELDS}
    form = QuoteForm(request.POST or None, initial=initial, with_customer=False, with_configuration=False)
    if request.method == "POST" and form.is_valid():
        try:
            svc.order_update(actor=request.user, order=order, data=form.data_for_service())
        except ValidationError as e:
            attach_errors(form, e)
        else:
            messages.success(request, _("报价已保存"))
            return redirect(order)
    return render(
        request,
        "sales/orders_form.html",
        {
            "title": _("修改报价 %(no)s") % {"no": order.number},
            "form": form,
            "order": order,
            "cancel_url": order.get_absolute_url(),
        },
    )


# --- the order page ----------------------------------------------------------------------------------

# the buttons of a step that needs no form: (step from allowed_next, status it starts from or None,
# URL step, label, Bootstrap style)
BUTTONS = (
    (OrderStatus.AWAITING_APPROVAL, None, "send", gettext_lazy("提交审批"), "primary"),
    (OrderStatus.AUTHORISED, None, "authorise", gettext_lazy("审批通过"), "success"),
    (OrderStatus.ORDERED, OrderStatus.AUTHORISED, "confirm", gettext_lazy("确认下定"), "primary"),
    (OrderStatus.ORDERED, OrderStatus.ALLOCATED, "unallocate", gettext_lazy("取消配车"), "outline-secondary"),
    ("fitting", None, "fitting", gettext_lazy("开精品加装工单"), "outline-primary"),
    (OrderStatus.READY, None, "ready", gettext_lazy("确认待交车"), "primary"),
    ("invoice", None, "invoice", gettext_lazy("开具机动车销售统一发票"), "outline-primary"),
    (OrderStatus.CANCELLED, OrderStatus.QUOTE, "drop", gettext_lazy("作废报价"), "outline-danger"),
    (OrderStatus.CANCELLED, OrderStatus.CANCEL_PENDING, "cancel_approve", gettext_lazy("批准退订"), "danger"),
)


def _buttons(order, steps) -> list[dict]:
    out = []
    for step, src, url_step, label, style in BUTTONS:
        if step in steps and (src is None or order.status == src):
            if url_step == "fitting" and (order.fitting_order_id or not order.accessories.exists()):
                continue
            out.append(
                {"url": reverse("sales:order_act", args=[order.pk, url_step]), "label": label, "style": style}
            )
    return out


def _accessory_parts(store):
    from fours.parts.choices import PartCategory
    from fours.parts.models import Part

    return Part.objects.filter(group=store.group, category=PartCategory.ACCESSORY).order_by("name")


# the statuses where F&I may open a loan file or place a policy for the order
LOAN_STATUSES = (OrderStatus.AUTHORISED, OrderStatus.ORDERED, OrderStatus.ALLOCATED, OrderStatus.READY)
POLICY_STATUSES = LOAN_STATUSES + (OrderStatus.DELIVERED,)
LIVE_LOANS = ("collecting", "submitted", "approved", "disbursed")


@login_required
def order_detail(request, pk):
    order = _order(request, pk)
    user = request.user
    steps = allowed_next(order, user)
    due, paid = sel.order_paid(order)
    items = sel.order_items(order)
    candidates = []
    if OrderStatus.ALLOCATED in steps:
        from ..selectors.stock import fifo_candidates

        candidates = list(fifo_candidates(order)[:10])
    accessories = list(order.accessories.select_related("part"))
    see_cost = user.has_perm("sales.see_cost")
    loans = list(order.loans.select_related("product__partner").order_by("id"))
    return render(
        request,
        "sales/orders_detail.html",
        {
            "title": _("车辆订单 %(no)s") % {"no": order.number},
            "o": order,
            "steps": steps,
            "buttons": _buttons(order, steps),
            "due": due,
            "paid": paid,
            "open": due - paid,
            "items": items,
            "desk_url": f"{reverse('finance:desk')}?q={order.number}"
            if user.has_perm("finance.add_payment")
            else "",
            "candidates": candidates,
            "accessories": accessories,
            "accessory_form": AccessoryForm(parts=_accessory_parts(order.store))
            if "accessories" in steps
            else None,
            "may_remove": "edit" in steps,
            "cancel_form": CancelForm(initial={"refund": paid})
            if OrderStatus.CANCEL_PENDING in steps
            else None,
            "checklist": svc.DELIVERY_CHECKLIST if OrderStatus.DELIVERED in steps else None,
            "may_register": "register" in steps,
            "trade_in_items": svc.trade_in_items(order) if order.trade_in_value > 0 else [],
            "customer_share": svc.customer_share(order),
            "forfeited": svc.forfeited(order) if order.cancelled_at and order.ordered_at else 0,
            "send_back": OrderStatus.QUOTE in steps and order.status == OrderStatus.AWAITING_APPROVAL,
            "limit": svc.discount_limit(order.consultant, order.store) if order.consultant_id else 0,
            "see_cost": see_cost,
            # what the order's status opens on the page (the template reads these, not the status)
            "contract_printable": order.status not in (OrderStatus.QUOTE, OrderStatus.AWAITING_APPROVAL),
            "gp_fixed": see_cost and order.status == OrderStatus.DELIVERED,
            "ask_to_pay": order.status != OrderStatus.QUOTE,
            "fitting_done": svc.fitting_done(order),
            "loans": loans,
            "policies": list(order.policies.select_related("product__partner").order_by("id")),
            "may_loan": user.has_perm("sales.add_loanapplication")
            and order.pay_plan == "loan"
            and order.status in LOAN_STATUSES
            and not any(loan.status in LIVE_LOANS for loan in loans),
            "may_policy": user.has_perm("sales.add_policy") and order.status in POLICY_STATUSES,
            "timeline": timeline_for(order)[:60],
        },
    )


@login_required
def order_act(request, pk, step):
    order = _order(request, pk)
    if request.method != "POST":
        return redirect(order)
    P = request.POST
    simple = {
        "send": (svc.order_send, _("已提交销售经理审批")),
        "authorise": (svc.order_authorise, _("订单已审批，应收已记入财务")),
        "confirm": (svc.order_confirm, _("已确认下定")),
        "unallocate": (svc.order_unallocate, _("已取消配车")),
        "fitting": (svc.order_fitting, _("精品加装工单已开")),
        "ready": (svc.order_ready, _("订单待交车")),
        "invoice": (svc.order_invoice, _("已开具机动车销售统一发票")),
        "drop": (svc.order_drop, _("报价已作废")),
        "cancel_approve": (svc.order_cancel_approve, _("退订已批准，已收款项转为客户预收款，可在收银台退款")),
    }
    if step in simple:
        fn, ok = simple[step]
        kw = {"note": P.get("note", "")} if step in ("authorise", "cancel_approve") else {}
        if step == "drop":
            kw = {"reason": P.get("reason", "")}
        run(request, fn, ok, order=order, **kw)
    elif step == "send_back":
        run(request, svc.order_send_back, _("已退回销售顾问"), order=order, note=P.get("note", ""))
    elif step == "allocate":
        from ..models import StockVehicle

        vehicle = StockVehicle.objects.filter(store=order.store, pk=P.get("vehicle") or 0).first()
        if vehicle is None:
            messages.error(request, _("请选择车辆"))
        else:
            run(
                request,
                svc.order_allocate,
                _("已配车 %(vin)s") % {"vin": vehicle.vin},
                order=order,
                vehicle=vehicle,
            )
    elif step == "accessory_add":
        form = AccessoryForm(P, parts=_accessory_parts(order.store))
        if form.is_valid():
            d = form.cleaned_data
            run(
                request,
                svc.accessory_add,
                _("精品已添加"),
                order=order,
                part=d["part"],
                qty=d["qty"],
                is_gift=d["is_gift"],
            )
        else:
            messages.error(request, _("请选择精品和数量"))
    elif step == "accessory_remove":
        acc = get_object_or_404(OrderAccessory, order=order, pk=P.get("accessory") or 0)
        run(request, svc.accessory_remove, _("精品已删除"), accessory=acc)
    elif step == "cancel":
        run(
            request,
            svc.order_cancel_request,
            _("退订申请已提交销售经理"),
            order=order,
            reason=P.get("reason", ""),
            refund=P.get("refund") or None,
        )
    elif step == "deliver":
        checklist = {k: bool(P.get(f"check_{k}")) for k in svc.DELIVERY_CHECKLIST}
        run(request, svc.order_deliver, _("已交车"), order=order, checklist=checklist)
    else:
        raise Http404
    return redirect(order)


# --- 上牌 -------------------------------------------------------------------------------------------------


@login_required
def order_register(request, pk):
    """上牌登记: the plate and its date of a delivered order, its own form and permission."""
    order = _order(request, pk)
    if "register" not in allowed_next(order, request.user):
        raise PermissionDenied
    initial = {
        "plate": order.plate,
        "registration_date": order.registered_on,
        "next": "list" if request.GET.get("next") == "list" else "",
    }
    form = RegistrationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            order = svc.order_register(
                actor=request.user,
                order=order,
                plate=d["plate"],
                registration_date=d["registration_date"],
            )
        except ValidationError as e:
            attach_errors(form, e)
        except PermissionDenied as e:
            messages.error(request, str(e) or _("您没有此操作的权限"))
        else:
            messages.success(request, _("已登记上牌：%(p)s") % {"p": order.plate})
            if request.POST.get("next") == "list":
                return redirect("sales:order_registrations")
            return redirect(order)
    return render(
        request,
        "sales/orders_register.html",
        {
            "title": _("上牌登记 %(no)s") % {"no": order.number},
            "form": form,
            "order": order,
            "submit_label": _("登记上牌"),
            "cancel_url": order.get_absolute_url(),
        },
    )


@login_required
def order_registrations(request):
    """待上牌: the store's delivered orders with the registration service still without a plate, the
    longest waiting first, with their days since delivery."""
    perm_or_403(request, "sales.register_order")
    store = work_store(request)
    rows = sel.awaiting_registration(store)
    return render(
        request,
        "sales/orders_registrations.html",
        {"title": _("待上牌"), "rows": rows},
    )


# --- printing ----------------------------------------------------------------------------------------

PRINTS = {"quote": gettext_lazy("算价单"), "contract": gettext_lazy("车辆订购单")}


@login_required
def order_print(request, pk, doc):
    from fours.finance.selectors.desk import amount_in_words

    order = _order(request, pk)
    if doc not in PRINTS:
        raise Http404
    if "print" not in allowed_next(order, request.user):
        raise PermissionDenied
    return render(
        request,
        "sales/orders_print.html",
        {
            "title": f"{PRINTS[doc]} {order.number}",
            "doc": doc,
            "doc_title": PRINTS[doc],
            "o": order,
            "store": order.store,
            "accessories": list(order.accessories.select_related("part")),
            "due_paid": sel.order_paid(order),
            "total_words": amount_in_words(order.total),
            "back_url": order.get_absolute_url(),
        },
    )


urlpatterns = [
    path("orders/", OrderListView.as_view(), name="order_list"),
    path("orders/summary/", order_summary, name="order_summary"),
    path("orders/new/", order_create, name="order_create"),
    path("orders/<int:pk>/", order_detail, name="order_detail"),
    path("orders/<int:pk>/edit/", order_edit, name="order_edit"),
    path("orders/<int:pk>/print/<str:doc>/", order_print, name="order_print"),
    path("orders/registrations/", order_registrations, name="order_registrations"),
    path("orders/<int:pk>/register/", order_register, name="order_register"),
    path("orders/<int:pk>/<str:step>/", order_act, name="order_act"),
]

NAV = [
    NavItem("sales", gettext_lazy("车辆订单"), "sales:order_list", VIEW, "bi-file-earmark-text", 20),
    NavItem("sales", gettext_lazy("订单汇总"), "sales:order_summary", VIEW, "bi-clipboard-data", 21),
    NavItem(
        "sales",
        gettext_lazy("待上牌"),
        "sales:order_registrations",
        "sales.register_order",
        "bi-postcard",
        22,
    ),
]


def widgets(request, store) -> list:
    """The consultant's own orders waiting for a step, the manager's approvals (both the person's
    own work, ``mine=True``)."""
    user = request.user
    if store is None or not user.has_perm(VIEW):
        return []
    base = reverse("sales:order_list")
    out = []
    if ORDER.can_ever(user, OrderStatus.AUTHORISED):
        w = sel.manager_waiting(store)
        n, c = w.get(OrderStatus.AWAITING_APPROVAL, 0), w.get(OrderStatus.CANCEL_PENDING, 0)
        out += [
            Widget(
                "sales",
                _("待审批订单"),
                n,
                _("单"),
                base + "?status=awaiting_approval",
                tone="warning" if n else "primary",
                mine=True,
            ),
            Widget(
                "sales",
                _("退订待审"),
                c,
                _("单"),
                base + "?status=cancel_pending",
                tone="danger" if c else "primary",
                mine=True,
            ),
        ]
    elif ORDER.can_ever(user, "edit"):
        w = sel.consultant_waiting(store, user)
        mine = base + "?mine=on"
        out += [
            Widget(
                "sales",
                _("我的报价·未提交"),
                w.get(OrderStatus.QUOTE, 0),
                _("单"),
                mine + "&status=quote",
                mine=True,
            ),
            Widget(
                "sales",
                _("我的订单·待下定"),
                w.get(OrderStatus.AUTHORISED, 0),
                _("单"),
                mine + "&status=authorised",
                mine=True,
            ),
            Widget(
                "sales",
                _("我的订单·待配车"),
                w.get(OrderStatus.ORDERED, 0),
                _("单"),
                mine + "&status=ordered",
                mine=True,
            ),
            Widget(
                "sales",
                _("我的订单·已配车"),
                w.get(OrderStatus.ALLOCATED, 0),
                _("单"),
                mine + "&status=allocated",
                mine=True,
            ),
            Widget(
                "sales",
                _("我的订单·待交车"),
                w.get(OrderStatus.READY, 0),
                _("单"),
                mine + "&status=ready",
                tone="warning",
                mine=True,
            ),
        ]
    if ORDER.can_ever(user, "register"):
        n = sel.awaiting_registration_count(store)
        out.append(
            Widget(
                "sales",
                _("待上牌"),
                n,
                _("台"),
                reverse("sales:order_registrations"),
                tone="warning" if n else "primary",
                mine=True,
            )
        )
    return out
