"""收银台: the store's cashier desk. Everything waiting to be paid from every department (counter-sale
slips, repair orders' customer shares, staff charges…), one payment in several methods and parts with
the party's advance applied, the receipt (收据), refunds of an advance and, for finance, reversals from
the day's payment list."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fours.core.errors import field_error
from fours.core.registry import NavItem, Widget
from fours.core.roles import Role
from fours.core.selectors import has_role
from fours.core.templatetags.fours import yuan
from fours.core.views import attach_errors, error_text, perm_or_403, redirect_back, work_store

from .. import services
from ..choices import Direction, Method, PaymentKind
from ..forms import DeskPaymentForm, PaymentFilterForm, ReasonForm, RefundForm
from ..models import Handover, Party, Payment
from ..selectors import desk as sel

ZERO = Decimal("0")


def _ids(values) -> list[int]:
    out = []
    for v in values:
        for part in str(v).split(","):
            if part.strip().isdigit():
                out.append(int(part))
    return out


@login_required
def desk(request):
    """The queue of what waits to be paid, newest first; ``?q=`` finds a document number, a name, a
    phone or a plate; ``?item=`` marks the item a module sent the customer with."""
    perm_or_403(request, "finance.add_payment")
    store = work_store(request)
    q = (request.GET.get("q") or "").strip()
    picked = set(_ids(request.GET.getlist("item")))
    rows = sel.desk_queue(store, q)
    if picked:  # a module sends its customer with the item: show it even when it is not among the newest
        missing = picked - {r.pk for r in rows}
        if missing:
            rows = list(sel.open_items(store).filter(pk__in=missing).prefetch_related("doc")) + rows
    for r in rows:
        r.url = sel.doc_url(r, request.user)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    parties = sel.collect_parties(store, q)
    return render(
        request,
        "finance/desk.html",
        {
            "title": _("收银台"),
            "q": q,
            "page": page,
            "rows": page.object_list,
            "picked": picked,
            "parties": parties,
            "summary": sel.desk_summary(store),
            "can_refund": request.user.has_perm("finance.refund_payment"),
            "handed_over": Handover.objects.filter(
                store=store, business_date=timezone.localdate(), cashier=request.user
            ).exists(),
        },
    )


def _pay_context(store, party, items, form, *, user=None, **extra):
    open_total = sum((i.open_amount for i in items), ZERO)
    for i in items:
        i.url = sel.doc_url(i, user)
        i.field = form.alloc_field(i)
    return {
        "title": _("收款"),
        "party": party,
        "items": items,
        "form": form,
        "open_total": open_total,
        "advance": sel.advance_amount(party),
        **extra,
    }


def _money(value, field: str, label: str, *, allow_zero: bool = False) -> Decimal:
    value = (value or "").strip()
    if value == "":
        return ZERO
    return services.clean_amount(value, field, label=label, allow_zero=allow_zero)


def _take(request, store, party, form) -> tuple[Payment | None, Decimal]:
    """Apply the advance, then take the payment, in one transaction: a refusal leaves nothing."""
    data = form.cleaned_data
    items = {i.pk: i for i in form.items}
    wanted = []
    for item_id, value in form.allocations():
        field = f"alloc_{item_id}"
        amount = services.clean_amount(value, field, label=_("核销金额"))
        item = items[item_id]
        if amount > item.open_amount:
            raise field_error(
                field,
                _("核销金额 %(a)s 超过未结金额 %(o)s")
                % {"a": f"{amount:,.2f}", "o": f"{item.open_amount:,.2f}"},
                code="over_allocation",
            )
        wanted.append([item, amount])
    use_advance = _money(data.get("use_advance"), "use_advance", _("使用预收"))
    if use_advance > sum((a for _i, a in wanted), ZERO):
        raise field_error("use_advance", _("使用预收不能超过本次核销合计"), code="over_allocation")
    left = use_advance
    with transaction.atomic():
        for row in wanted:
            if left <= 0:
                break
            take = min(left, row[1])
            services.advance_allocate(actor=request.user, item=row[0], amount=take, field="use_advance")
            row[1] -= take
            left -= take
        rest = [(i.pk, a) for i, a in wanted if a > 0]
        lines = form.lines()
        cash = _money(dict((m, a) for m, a, _r in lines).get(Method.CASH), "amount_cash", _("现金"))
        total = ZERO
        for m, a, _r in lines:
            total += _money(a, f"amount_{m}", str(Method(m).label))
        due = sum((a for _i, a in rest), ZERO)
        tendered = _money(data.get("cash_tendered"), "cash_tendered", _("实收现金"), allow_zero=True)
        if tendered and tendered < cash:
            raise field_error(
                "cash_tendered",
                _("实收现金 %(t)s 少于现金收款 %(c)s") % {"t": f"{tendered:,.2f}", "c": f"{cash:,.2f}"},
                code="out_of_range",
            )
        if total == 0 and due == 0 and use_advance > 0:
            return None, ZERO  # the advance settled it all
        if total > due and not data.get("keep_advance"):
            raise field_error(
                "keep_advance",
                _("收款合计 %(t)s 超过本次核销 %(d)s；多收部分须勾选“多收部分转预收”，或改为找零")
                % {"t": f"{total:,.2f}", "d": f"{due:,.2f}"},
                code="overpayment",
            )
        try:
            pay = services.payment_take(
                actor=request.user,
                store=store,
                party=party,
                lines=lines,
                allocations=rest,
                business_date=data.get("business_date") or None,
                note=data.get("note") or "",
            )
        except ValidationError as e:
            raise _renamed(e, form, rest) from e
    return pay, (tendered - cash if tendered else ZERO)


def _renamed(e: ValidationError, form, allocations) -> ValidationError:
    if not hasattr(e, "error_dict"):
        return e
    out = {}
    for name, errs in e.error_dict.items():
        field = form.service_field(name, allocations) or "__all__"
        out.setdefault(field, []).extend(errs)
    return ValidationError(out)


@login_required
def desk_pay(request):
    """收款: items of one party (``?items=``) or all of a party's open receivables (``?party=``, 回款 of
    an insurer, a manufacturer or a trade customer)."""
    perm_or_403(request, "finance.add_payment")
    store = work_store(request)
    src = request.POST if request.method == "POST" else request.GET
    ids = _ids(src.getlist("items"))
    party_id = src.get("party")
    if ids:
        found = list(
            sel.open_items(store).filter(pk__in=ids).order_by().values_list("party_id", flat=True).distinct()
        )
        if len(found) > 1:
            messages.error(request, _("一次只能收同一往来单位的款，请只勾选同一客户的单据"))
            return redirect("finance:desk")
        if not found:
            messages.error(request, _("所选单据已结清或不存在"))
            return redirect("finance:desk")
        party_id = found[0]
    if not party_id or not str(party_id).isdigit():
        return redirect("finance:desk")
    party = get_object_or_404(Party.objects.filter(store=store), pk=party_id)
    items = sel.party_open_items(store, party, ids or None)
    if request.method == "POST":
        form = DeskPaymentForm(request.POST, items=items)
        if form.is_valid():
            try:
                pay, change = _take(request, store, party, form)
            except ValidationError as e:
                attach_errors(form, e)
            else:
                if pay is None:
                    messages.success(request, _("已用预收核销"))
                    return redirect("finance:desk")
                msg = _("已收款 %(n)s，%(a)s") % {"n": pay.number, "a": yuan(pay.amount)}
                if change:
                    msg += _("，找零 %(c)s") % {"c": yuan(change)}
                messages.success(request, msg)
                return redirect("finance:receipt", pk=pay.pk)
    else:
        form = DeskPaymentForm(items=items)
    return render(
        request,
        "finance/desk_pay.html",
        _pay_context(store, party, items, form, user=request.user, ids=",".join(str(i) for i in ids)),
    )


@login_required
def receipt(request, pk):
    """收据: printable on A4 or on an 80 mm till roll (``?paper=80``)."""
    perm_or_403(request, "finance.view_payment")
    pay = get_object_or_404(
        Payment.objects.for_user(request.user).select_related("store", "party", "cashier", "reversal_of"),
        pk=pk,
    )
    kind = {
        PaymentKind.RECEIPT: _("收款收据") if pay.direction == Direction.RECEIVABLE else _("付款单"),
        PaymentKind.REFUND: _("退款单"),
        PaymentKind.REVERSAL: _("冲销单"),
    }[pay.kind]
    return render(
        request,
        "finance/receipt.html",
        {
            "title": kind,
            "pay": pay,
            "store": pay.store,
            "paper": "80" if request.GET.get("paper") == "80" else "a4",
            **sel.receipt(pay),
        },
    )


@login_required
def refund(request):
    """退款: a party's advance (预收) paid back, with a reason."""
    perm_or_403(request, "finance.refund_payment")
    store = work_store(request)
    parties = sel.parties_with_advance(store)
    if request.method == "POST":
        form = RefundForm(request.POST, parties=parties)
        if form.is_valid():
            d = form.cleaned_data
            try:
                pay = services.payment_refund(
                    actor=request.user,
                    store=store,
                    party=d["party"],
                    lines=[(d["method"], d["amount"], d.get("reference") or "")],
                    reason=d["reason"],
                )
            except ValidationError as e:
                renamed = {}
                errors = e.error_dict if hasattr(e, "error_dict") else {"__all__": e.error_list}
                for name, errs in errors.items():
                    key = {"lines.0.amount": "amount", "lines.0.method": "method"}.get(name, name)
                    renamed.setdefault(key if key in form.fields else "__all__", []).extend(errs)
                attach_errors(form, ValidationError(renamed))
            else:
                messages.success(
                    request, _("已退款 %(n)s，%(a)s") % {"n": pay.number, "a": yuan(-pay.amount)}
                )
                return redirect("finance:receipt", pk=pay.pk)
    else:
        form = RefundForm(parties=parties, initial={"party": request.GET.get("party") or None})
    return render(request, "finance/desk_refund.html", {"title": _("退款"), "form": form})


@login_required
def payment_list(request):
    """收付款一览: the store's payments of a day (today by default), by cashier and method; finance
    reverses one taken by mistake (冲销)."""
    perm_or_403(request, "finance.view_payment")
    store = work_store(request)
    form = PaymentFilterForm(request.GET or None, store=store, initial={"date": timezone.localdate()})
    day, cashier, method = timezone.localdate(), None, ""
    if form.is_valid():
        day = form.cleaned_data.get("date") or day
        cashier = form.cleaned_data.get("cashier")
        method = form.cleaned_data.get("method") or ""
    pays = list(sel.day_payments(store, day=day, cashier=cashier, method=method))
    done = sel.reversed_ids(pays)
    can_reverse = request.user.has_perm("finance.reverse_payment")
    for p in pays:
        p.can_reverse = can_reverse and p.kind != PaymentKind.REVERSAL and p.pk not in done
        p.is_reversed = p.pk in done
    total = sum((p.amount if p.direction == Direction.RECEIVABLE else -p.amount for p in pays), ZERO)
    return render(
        request,
        "finance/desk_payments.html",
        {
            "title": _("收付款一览"),
            "form": form,
            "day": day,
            "payments": pays,
            "total": total,
            "reason_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def payment_reverse(request, pk):
    perm_or_403(request, "finance.reverse_payment")
    store = work_store(request)
    pay = get_object_or_404(Payment.objects.filter(store=store), pk=pk)
    form = ReasonForm(request.POST)
    reason = request.POST.get("reason", "")
    try:
        rev = services.payment_reverse(
            actor=request.user, payment=pay, reason=reason if form.is_valid() else ""
        )
    except ValidationError as e:
        messages.error(request, error_text(e))
        return redirect_back(request, reverse("finance:payment-list"))
    messages.success(request, _("已冲销 %(n)s（冲销单 %(r)s）") % {"n": pay.number, "r": rev.number})
    return redirect_back(request, reverse("finance:payment-list"))


urlpatterns = [
    path("desk/", desk, name="desk"),
    path("desk/pay/", desk_pay, name="desk-pay"),
    path("desk/refund/", refund, name="refund"),
    path("payments/", payment_list, name="payment-list"),
    path("payments/<int:pk>/receipt/", receipt, name="receipt"),
    path("payments/<int:pk>/reverse/", payment_reverse, name="payment-reverse"),
]

NAV = [
    NavItem(
        "service",
        gettext_lazy("收银台"),
        "finance:desk",
        perm="finance.add_payment",
        icon="bi-cash-coin",
        order=60,
    ),
    NavItem(
        "service",
        gettext_lazy("收付款一览"),
        "finance:payment-list",
        perm="finance.view_payment",
        icon="bi-receipt",
        order=61,
    ),
]


def widgets(request, store):
    """待收款 for the cashier: how many items wait at the desk and what they owe (their own work)."""
    if store is None or not request.user.has_perm("finance.add_payment"):
        return []
    s = sel.desk_summary(store)
    return [
        Widget(
            "service",
            _("待收款"),
            yuan(s["open"]),
            "",
            reverse("finance:desk"),
            tone="warning" if s["n"] else "success",
            note=_("%(n)s 笔") % {"n": s["n"]},
            mine=has_role(request.user, store, Role.CASHIER),
        )
    ]
