"""Settlement (结算), payments at the cashier, receivables per payer, reversal (反结算), delivery
(交车, 出门证) and the follow-up call (回访) it creates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record
from fours.core.choices import DocKind
from fours.core.errors import field_error
from fours.core.money import round_money, to_decimal
from fours.core.numbering import next_number
from fours.core.permissions import require_perm
from fours.core.roles import Role
from fours.core.selectors import users_with_role

from .. import selectors, workflows
from ..choices import (
    Approval,
    PartStatus,
    Payer,
    PaymentMethod,
    ReceivableKind,
    ReceivableStatus,
    ROStatus,
    SettlementKind,
    TaskStatus,
)
from ..models import DiscountRequest, FollowUpTask, Payment, RepairOrder, ServiceReceivable, Settlement
from . import pricing
from .common import lock_ro, require_text

ZERO = Decimal("0")
FOLLOW_UP_DAYS = 3


def _check_settleable(ro) -> None:
    if ro.estimate_confirmed_at is None:
        raise field_error("estimate", _("客户尚未确认估价，不能结算"), code="estimate_unconfirmed")
    workflows.RO.require(ro, to=ROStatus.SETTLED)
    if (
        ro.labour.filter(approval=Approval.PENDING).exists()
        or ro.parts.filter(approval=Approval.PENDING).exists()
    ):
        raise field_error("lines", _("有追加项目尚未经客户确认"), code="added_pending")
    if DiscountRequest.objects.filter(ro=ro, status="pending").exists():
        raise field_error("discount", _("有待审批的折扣申请，请先审批"), code="discount_pending")
    waiting = ro.parts.filter(status__in=[PartStatus.REQUESTED, PartStatus.WAITING]).select_related("part")
    if waiting.exists():
        raise field_error(
            "lines",
            _("有配件尚未发料：%(p)s") % {"p": "、".join(p.part.part_no for p in waiting[:5])},
            code="parts_pending",
        )


@transaction.atomic
def ro_settle(*, actor, ro, on_account: bool = False) -> Settlement:
    """结算: totals per payer (自费, 索赔, 保险, 内部), discounts and VAT posted on an immutable 结算单
    with a gapless invoice number (taken last). The customer's share is paid at the cashier or booked
    on account (挂账, company/fleet customers); warranty and insurance shares become receivables.
    Two cashiers settling the same order: the row lock lets exactly one through."""
    require_perm(actor, "service.settle_repairorder")
    ro = lock_ro(ro)
    _check_settleable(ro)
    workflows.RO.require(ro, to=ROStatus.SETTLED, actor=actor)
    labour = list(ro.labour.all())
    parts = list(ro.parts.select_related("part"))
    t = pricing.totals(ro, labour, parts)
    if t.total <= 0 and not labour:
        raise field_error("lines", _("工单没有可结算的项目"), code="no_lines")
    customer = ro.customer
    if on_account and not (customer.is_company or customer.source == "fleet"):
        raise field_error("on_account", _("只有单位/车队客户可以挂账"), code="account_not_allowed")
    if t.by_payer[Payer.INSURANCE] > 0 and not ro.insurer:
        raise field_error("insurer", _("保险付费的工单须填写保险公司"), code="insurer_required")
    st = Settlement(
        store=ro.store,
        ro=ro,
        kind=SettlementKind.NORMAL,
        labour_total=t.labour,
        parts_total=t.parts,
        discount_total=t.discount,
        total=t.total,
        net_total=t.net,
        vat=t.vat,
        customer_amount=t.by_payer[Payer.CUSTOMER],
        warranty_amount=t.by_payer[Payer.WARRANTY],
        insurance_amount=t.by_payer[Payer.INSURANCE],
        internal_amount=t.by_payer[Payer.INTERNAL],
        parts_cost=t.cost,
        on_account=on_account,
        lines=t.lines,
        actor=actor,
    )
    st.number = next_number(store=ro.store, kind=DocKind.SETTLEMENT)
    receivables = []
    brand = ro.store.brand_list[0] if ro.store.brand_list else ""
    if on_account and st.customer_amount > 0:
        receivables.append((ReceivableKind.CUSTOMER, customer.name, st.customer_amount))
    if st.warranty_amount > 0:
        receivables.append((ReceivableKind.WARRANTY, _("%(b)s厂家") % {"b": brand}, st.warranty_amount))
    if st.insurance_amount > 0:
        receivables.append((ReceivableKind.INSURANCE, ro.insurer, st.insurance_amount))
    ro.labour_total, ro.parts_total, ro.discount_total, ro.total = t.labour, t.parts, t.discount, t.total
    ro.customer_due = ZERO if on_account else st.customer_amount
    ro.on_account = on_account
    ro.settled_at = timezone.now()
    ro.status = ROStatus.SETTLED
    audit_record(
        actor=actor,
        obj=ro,
        verb="settled",
        changes={
            "total": [None, t.total],
            "customer": [None, st.customer_amount],
            "warranty": [None, st.warranty_amount],
            "insurance": [None, st.insurance_amount],
            "internal": [None, st.internal_amount],
        },
    )
    # the gapless invoice number: the hot counter row, locked as late as possible
    st.invoice_no = next_number(store=ro.store, kind=DocKind.INVOICE)
    st.save()
    ServiceReceivable.objects.bulk_create(
        [
            ServiceReceivable(store=ro.store, ro=ro, settlement=st, kind=k, party=party[:100], amount=amount)
            for k, party, amount in receivables
        ]
    )
    ro.invoice_no = st.invoice_no
    ro.save(
        update_fields=[
            "labour_total",
            "parts_total",
            "discount_total",
            "total",
            "customer_due",
            "on_account",
            "settled_at",
            "status",
            "invoice_no",
        ]
    )
    return st


def _clean_payment(method, amount, verb) -> Decimal:
    if method not in PaymentMethod.values:
        raise field_error("method", _("请选择收款方式"), code="required")
    try:
        amount = round_money(to_decimal(amount))
    except Exception:
        raise field_error("amount", _("金额格式不正确"), code="bad_format") from None
    if not amount.is_finite() or amount <= 0:
        raise field_error("amount", _("%(what)s金额必须大于0") % {"what": verb}, code="not_positive")
    return amount


def _payment(actor, ro, method, amount, reference="", note="") -> Payment:
    pay = Payment(
        store=ro.store,
        ro=ro,
        method=method,
        amount=amount,
        reference=reference.strip()[:60],
        note=note[:200],
        cashier=actor,
    )
    ro.paid += amount
    ro.save(update_fields=["paid"])
    pay.number = next_number(store=ro.store, kind=DocKind.PAYMENT)
    pay.save()
    return pay


@transaction.atomic
def ro_pay(*, actor, ro, method: str, amount, reference: str = "") -> Payment:
    """收款 at the cashier: cash, card, transfer, WeChat or Alipay; several payments allowed; more than
    the balance due is refused."""
    require_perm(actor, "service.add_payment")
    ro = lock_ro(ro)
    if ro.status not in (ROStatus.SETTLED, ROStatus.DELIVERED):
        raise field_error("amount", _("工单尚未结算，不能收款"), code="not_settled")
    amount = _clean_payment(method, amount, _("收款"))
    due = ro.customer_due - ro.paid
    if amount > due:
        raise field_error(
            "amount",
            _("收款金额 %(a)s 超过应收余额 %(d)s") % {"a": f"{amount:,.2f}", "d": f"{max(due, ZERO):,.2f}"},
            code="overpayment",
        )
    pay = _payment(actor, ro, method, amount, reference)
    audit_record(
        actor=actor,
        obj=ro,
        verb="paid",
        changes={"amount": [None, amount], "method": [None, pay.get_method_display()]},
        note=pay.number,
    )
    return pay


@transaction.atomic
def ro_refund(*, actor, ro, method: str, amount, reason: str, reference: str = "") -> Payment:
    """退款: what the customer paid beyond what the order now asks (after 反结算, or a new settlement
    lower than the old one) goes back, as a negative payment with its reason. More is refused."""
    require_perm(actor, "service.add_payment")
    ro = lock_ro(ro)
    if ro.status not in (ROStatus.AWAITING_SETTLEMENT, ROStatus.SETTLED):
        raise field_error(
            "amount", _("工单当前为“%(s)s”，不能退款") % {"s": ro.get_status_display()}, code="no_refund"
        )
    reason = require_text(reason, "reason", _("请填写退款原因"))
    amount = _clean_payment(method, amount, _("退款"))
    if amount > ro.overpaid:
        raise field_error(
            "amount",
            _("退款金额 %(a)s 超过多收金额 %(o)s") % {"a": f"{amount:,.2f}", "o": f"{ro.overpaid:,.2f}"},
            code="over_refund",
        )
    pay = _payment(actor, ro, method, -amount, reference, note=reason)
    audit_record(
        actor=actor,
        obj=ro,
        verb="refunded",
        changes={"amount": [None, -amount], "method": [None, pay.get_method_display()]},
        note=f"{pay.number} {reason}",
    )
    return pay


@transaction.atomic
def ro_settlement_reverse(*, actor, ro, reason: str) -> Settlement:
    """反结算: a settled, not yet delivered order goes back to 待结算. The 结算单 is not touched: a reversal
    settlement with the opposite amounts (and a red-letter invoice number) is appended, open receivables
    are reversed, and what the customer paid stays on the order as credit for the new settlement."""
    require_perm(actor, "service.reverse_settlement")
    ro = lock_ro(ro)
    reason = require_text(reason, "reason", _("请填写反结算原因"))
    workflows.RO.require(ro, to=ROStatus.AWAITING_SETTLEMENT, actor=actor)
    st = (
        Settlement.objects.select_for_update(of=("self",))
        .filter(ro=ro, kind=SettlementKind.NORMAL, reversed_by__isnull=True)
        .order_by("-id")
        .first()
    )
    if st is None:
        raise field_error("reason", _("没有可冲销的结算单"), code="not_settled")
    if ServiceReceivable.objects.filter(settlement=st, collected__gt=0).exists():
        raise field_error("reason", _("应收款已部分收回，不能反结算"), code="partly_paid")
    money = [
        "labour_total",
        "parts_total",
        "discount_total",
        "total",
        "net_total",
        "vat",
        "customer_amount",
        "warranty_amount",
        "insurance_amount",
        "internal_amount",
        "parts_cost",
    ]
    rev = Settlement(
        store=ro.store,
        ro=ro,
        kind=SettlementKind.REVERSAL,
        reversal_of=st,
        on_account=st.on_account,
        lines=st.lines,
        reason=reason[:200],
        actor=actor,
        **{f: -getattr(st, f) for f in money},
    )
    rev.number = next_number(store=ro.store, kind=DocKind.SETTLEMENT)
    ServiceReceivable.objects.filter(settlement=st).update(status=ReceivableStatus.REVERSED)
    old = ro.status
    ro.status = ROStatus.AWAITING_SETTLEMENT
    ro.customer_due = ZERO
    ro.on_account = False
    ro.settled_at = None
    ro.invoice_no = ""
    ro.save(update_fields=["status", "customer_due", "on_account", "settled_at", "invoice_no"])
    audit_record(
        actor=actor,
        obj=ro,
        verb="reversed",
        changes={"status": [old, ro.status], "settlement": [st.number, None]},
        note=reason,
    )
    rev.invoice_no = next_number(store=ro.store, kind=DocKind.INVOICE)
    rev.save()
    return rev


def _care_specialist(ro):

    from fours.customers.models import CustomerAssignment

    a = (
        CustomerAssignment.objects.filter(customer=ro.customer, store=ro.store)
        .select_related("care_specialist")
        .first()
    )
    if a and a.care_specialist_id and a.care_specialist.is_active:
        return a.care_specialist
    return users_with_role(ro.store, Role.CRM_SPECIALIST).first()


def delivery_refusal(ro) -> tuple[str, str] | None:
    """Why a settled order can't be delivered yet, as (code, message): unpaid (not on account) or
    overpaid; None when it can. The order page shows the delivery form only when this is None."""
    due = ro.customer_due - ro.paid
    if due > 0 and not ro.on_account:
        return "unpaid", _("客户尚欠 %(d)s 元，收清或挂账后才能放行") % {"d": f"{due:,.2f}"}
    if due < 0:
        return "overpaid", _("客户多付 %(o)s 元，请先退款再交车") % {"o": f"{-due:,.2f}"}
    return None


@transaction.atomic
def ro_deliver(*, actor, ro, next_date=None, next_km=None, keys_returned: bool = True) -> RepairOrder:
    """交车: only a settled order, fully paid or on approved account, gets its gate pass (出门证). The next
    maintenance is set on the vehicle and a follow-up call (回访, due within 3 days) goes to the customer's
    客服专员 (else any 客服专员 of the store)."""
    from fours.customers.services import vehicle_set_next_maintenance

    require_perm(actor, "service.deliver_repairorder")
    ro = lock_ro(ro)
    if ro.status != ROStatus.SETTLED:
        raise field_error(
            "status",
            _("工单当前为“%(s)s”，结算后才能交车") % {"s": ro.get_status_display()},
            code="not_settled",
        )
    workflows.RO.require(ro, to=ROStatus.DELIVERED, actor=actor)
    refusal = delivery_refusal(ro)
    if refusal:
        raise field_error("status", refusal[1], code=refusal[0])
    if next_date is None or next_km is None:
        d, k = selectors.next_maintenance_for(ro)
        next_date, next_km = next_date or d, next_km or k
    ro.gate_pass_no = next_number(store=ro.store, kind=DocKind.GATE_PASS)
    ro.delivered_at = timezone.now()
    ro.keys_in_box = not keys_returned
    ro.status = ROStatus.DELIVERED
    ro.save(update_fields=["gate_pass_no", "delivered_at", "keys_in_box", "status"])
    vehicle_set_next_maintenance(
        actor=actor, vehicle=ro.vehicle, due_date=next_date, due_km=int(next_km), document=ro.number
    )
    task = FollowUpTask.objects.create(
        store=ro.store,
        ro=ro,
        customer=ro.customer,
        assignee=_care_specialist(ro),
        due_date=timezone.localdate() + dt.timedelta(days=FOLLOW_UP_DAYS),
    )
    audit_record(
        actor=actor,
        obj=ro,
        verb="delivered",
        changes={"gate_pass_no": [None, ro.gate_pass_no], "follow_up": [None, str(task.assignee or "")]},
    )
    return ro


@transaction.atomic
def followup_record(
    *, actor, task: FollowUpTask, result: str, satisfaction: str = "", note: str = ""
) -> FollowUpTask:
    """A follow-up call's result (回访记录): reached with satisfaction, or not reached / call back later."""
    from ..choices import CallResult, Satisfaction

    require_perm(actor, "service.change_followuptask")
    task = FollowUpTask.objects.select_for_update().get(pk=task.pk)
    if task.status == TaskStatus.DONE:
        raise field_error("result", _("该回访已完成"), code="not_pending")
    if result not in CallResult.values:
        raise field_error("result", _("请选择回访结果"), code="required")
    if result == CallResult.REACHED and satisfaction not in Satisfaction.values:
        raise field_error("satisfaction", _("请选择满意度"), code="required")
    if satisfaction == Satisfaction.BAD and not note.strip():
        raise field_error("note", _("客户不满意时请记录问题"), code="required")
    task.result, task.satisfaction, task.note = (
        result,
        satisfaction if result == CallResult.REACHED else "",
        note[:500],
    )
    task.status = (
        TaskStatus.DONE
        if result == CallResult.REACHED
        else (TaskStatus.FAILED if result == CallResult.NOT_REACHED else TaskStatus.OPEN)
    )
    task.done_at = timezone.now()
    task.save(update_fields=["result", "satisfaction", "note", "status", "done_at"])
    audit_record(actor=actor, obj=task, verb="follow_up", changes={"result": [None, result]}, note=note)
    return task
