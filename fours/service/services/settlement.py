"""Settlement (结算) posting one finance open item per payer, reversal (反结算), delivery (交车, 出门证)
and the follow-up call (回访) it creates. Payments are taken at finance's cashier desk (收银台), never
here: what the customer owes and has paid is read from the order's finance items."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record
from fours.core.choices import DepartmentKind, DocKind
from fours.core.errors import field_error
from fours.core.numbering import next_number
from fours.core.permissions import require_perm
from fours.core.roles import Role
from fours.core.selectors import users_with_role
from fours.finance.choices import Direction, InvoiceKind, ItemSource, PartyKind
from fours.finance.services.invoices import invoice_issue
from fours.finance.services.ledger import (
    ItemRow,
    advance_allocate,
    advance_of,
    credit_check,
    customer_party,
    item_reverse,
    items_post,
    maker_party,
    party_balance,
    party_for,
)

from .. import selectors, summaries, workflows
from ..choices import Approval, PartStatus, Payer, ROStatus, SettlementKind, TaskStatus
from ..models import DiscountRequest, FollowUpTask, RepairOrder, Settlement
from . import pricing
from .common import lock_ro, require_text

ZERO = Decimal("0")
FOLLOW_UP_DAYS = 3
INTERNAL_REF = "dept:service"  # the party of the internal department's (内部) shares


def _check_settleable(ro, labour, parts) -> None:
    """The order's lines (loaded once by the settlement) are all confirmed and issued."""
    if any(ln.approval == Approval.PENDING for ln in [*labour, *parts]):
        raise field_error("lines", _("有追加项目尚未经客户确认"), code="added_pending")
    if DiscountRequest.objects.filter(ro=ro, status="pending").exists():
        raise field_error("discount", _("有待审批的折扣申请，请先审批"), code="discount_pending")
    waiting = [p for p in parts if p.status in (PartStatus.REQUESTED, PartStatus.WAITING)]
    if waiting:
        raise field_error(
            "lines",
            _("有配件尚未发料：%(p)s") % {"p": "、".join(p.part.part_no for p in waiting[:5])},
            code="parts_pending",
        )


def _maker(ro):
    """The manufacturer a warranty share is owed by: the one of the vehicle's brand (the store's first brand
    only for a vehicle without a model)."""
    from fours.customers.models import Brand, VehicleModel

    brand = None
    if ro.vehicle.model_id:
        brand = VehicleModel.objects.select_related("series__brand").get(pk=ro.vehicle.model_id).series.brand
    elif ro.store.brand_list:
        brand = Brand.objects.filter(name=ro.store.brand_list[0]).first()
    if brand is None:
        return party_for(store=ro.store, kind=PartyKind.MANUFACTURER, name="厂家")
    return maker_party(ro.store, brand)


def _payer_parties(ro, t, customer_party_):
    """(payer, party, item source) of every payer with a share to post."""
    out = []
    if t.by_payer[Payer.CUSTOMER] > 0:
        out.append((Payer.CUSTOMER, customer_party_, ItemSource.RO_CUSTOMER))
    if t.by_payer[Payer.WARRANTY] > 0:
        out.append((Payer.WARRANTY, _maker(ro), ItemSource.RO_WARRANTY))
    if t.by_payer[Payer.INSURANCE] > 0:
        insurer = party_for(store=ro.store, kind=PartyKind.INSURER, name=ro.insurer)
        out.append((Payer.INSURANCE, insurer, ItemSource.RO_INSURANCE))
    if t.by_payer[Payer.INTERNAL] > 0:
        internal = party_for(store=ro.store, kind=PartyKind.INTERNAL, ref=INTERNAL_REF, name="售后部")
        out.append((Payer.INTERNAL, internal, ItemSource.RO_INTERNAL))
    return out


def _credit_of(ro) -> Decimal:
    """What the customer paid on this order's reversed bills and has not had applied again: the advance a
    new settlement of the order takes first (never another order's or a deposit's)."""
    row = Settlement.objects.filter(ro=ro).aggregate(
        released=Sum("advance", filter=Q(kind=SettlementKind.REVERSAL)),
        applied=Sum("advance", filter=Q(kind=SettlementKind.NORMAL)),
    )
    return (row["released"] or ZERO) - (row["applied"] or ZERO)


@transaction.atomic
def ro_settle(
    *, actor, ro, on_account: bool = False, invoice_kind: str = InvoiceKind.VAT_ORDINARY
) -> Settlement:
    """结算: totals per payer (自费, 索赔, 保险, 内部), discounts and VAT posted on an immutable 结算单, and
    one finance open item per payer (应收: the customer, the manufacturer of the vehicle's brand, the
    insurer, the internal department), linked to the order. The customer pays at the cashier desk
    (收银台) now or later; on account (挂账, company/fleet customers) only within the credit limit. What the
    customer paid on a reversed bill of the order (their advance) is applied first. The customer's invoice
    is registered in finance's invoice register (增值税普通发票 unless they ask for 专用发票), its gapless
    number taken last. Two cashiers settling the same order: the row lock lets exactly one through."""
    require_perm(actor, "service.settle_repairorder")
    ro = lock_ro(ro)
    if ro.estimate_confirmed_at is None:
        raise field_error("estimate", _("客户尚未确认估价，不能结算"), code="estimate_unconfirmed")
    workflows.RO.require(ro, to=ROStatus.SETTLED, actor=actor)
    if invoice_kind not in (InvoiceKind.VAT_ORDINARY, InvoiceKind.VAT_SPECIAL):
        raise field_error("invoice_kind", _("请选择发票类型"), code="invalid_choice")
    labour = list(ro.labour.all())
    parts = list(ro.parts.select_related("part"))
    _check_settleable(ro, labour, parts)
    t = pricing.totals(ro, labour, parts)
    if t.total <= 0 and not labour:
        raise field_error("lines", _("工单没有可结算的项目"), code="no_lines")
    customer = ro.customer
    if on_account and not (customer.is_company or customer.source == "fleet"):
        raise field_error("on_account", _("只有单位/车队客户可以挂账"), code="account_not_allowed")
    if t.by_payer[Payer.INSURANCE] > 0 and not ro.insurer:
        raise field_error("insurer", _("保险付费的工单须填写保险公司"), code="insurer_required")
    store = ro.store
    payer = customer_party(store, customer)
    own = t.by_payer[Payer.CUSTOMER]
    if on_account and own > 0:
        credit_check(payer, own, field="on_account")
    st = Settlement(
        store=store,
        ro=ro,
        kind=SettlementKind.NORMAL,
        labour_total=t.labour,
        parts_total=t.parts,
        discount_total=t.discount,
        total=t.total,
        net_total=t.net,
        vat=t.vat,
        customer_amount=own,
        warranty_amount=t.by_payer[Payer.WARRANTY],
        insurance_amount=t.by_payer[Payer.INSURANCE],
        internal_amount=t.by_payer[Payer.INTERNAL],
        parts_cost=t.cost,
        on_account=on_account,
        lines=t.lines,
        actor=actor,
    )
    st.number = next_number(store=store, kind=DocKind.SETTLEMENT)
    today = timezone.localdate()
    memo = f"{ro.vehicle.plate or ro.vehicle.vin} {customer.name}"
    rows = [
        ItemRow(
            party=party,
            direction=Direction.RECEIVABLE,
            source=source,
            department=DepartmentKind.SERVICE,
            amount=t.by_payer[p],
            net_amount=t.net_by_payer[p],
            tax_amount=t.by_payer[p] - t.net_by_payer[p],
            cost_amount=t.cost_by_payer[p],
            # the customer pays before the car leaves (先收款后交车) unless on account
            due_date=today if p == Payer.CUSTOMER and not on_account else None,
            memo=memo,
        )
        for p, party, source in _payer_parties(ro, t, payer)
    ]
    items = items_post(actor=actor, store=store, doc=ro, doc_number=ro.number, rows=rows) if rows else []
    own_item = next((i for i in items if i.source == ItemSource.RO_CUSTOMER), None)
    if own_item is not None and actor.has_perm("finance.add_payment"):
        take = min(_credit_of(ro), own_item.amount)
        if take > 0:
            take = min(take, advance_of(payer))
        if take > 0:
            advance_allocate(actor=actor, item=own_item, amount=take)
            st.advance = take
    ro.labour_total, ro.parts_total, ro.discount_total, ro.total = t.labour, t.parts, t.discount, t.total
    ro.on_account = on_account
    ro.settled_at = timezone.now()
    ro.status = ROStatus.SETTLED
    audit_record(
        actor=actor,
        obj=ro,
        verb="settled",
        changes={
            "total": [None, t.total],
            "own": [None, st.customer_amount],
            "warranty": [None, st.warranty_amount],
            "insurance": [None, st.insurance_amount],
            "internal": [None, st.internal_amount],
        },
    )
    # the customer's invoice in finance's register: its gapless number, the hot counter row, locked last
    if own > 0:
        invoice = invoice_issue(
            actor=actor,
            store=store,
            party=payer,
            kind=invoice_kind,
            department=DepartmentKind.SERVICE,
            amount=own,
            tax_amount=own - t.net_by_payer[Payer.CUSTOMER],
            tax_rate=store.vat_rate,
            doc=ro,
            doc_number=ro.number,
        )
        st.invoice_no = invoice.number
    st.save()
    st.items = items  # the finance items it posted, for the caller (not stored on the settlement)
    ro.invoice_no = st.invoice_no
    ro.save(
        update_fields=[
            "labour_total",
            "parts_total",
            "discount_total",
            "total",
            "on_account",
            "settled_at",
            "status",
            "invoice_no",
        ]
    )
    summaries.add_settlement(st)
    summaries.add_settled(ro, ro.settled_at)
    return st


@transaction.atomic
def ro_settlement_reverse(*, actor, ro, reason: str) -> Settlement:
    """反结算: a settled, not yet delivered order goes back to 待结算. The 结算单 is not touched: a reversal
    settlement with the opposite amounts is appended and each finance item of the settlement is reversed
    (冲销). What the customer already paid becomes their advance (预收), shown at the cashier desk and
    applied to the order's next settlement. A share another payer (insurer, manufacturer) has already paid
    in part is finance's to unwind first: refused."""
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
    items = selectors.ro_items(ro, lock=True)
    if any(i.source != ItemSource.RO_CUSTOMER and i.allocated > 0 for i in items):
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
        advance=sum((i.allocated for i in items if i.source == ItemSource.RO_CUSTOMER), ZERO),
        **{f: -getattr(st, f) for f in money},
    )
    for item in items:
        item_reverse(
            actor=actor, item=item, reason=_("反结算 %(no)s：%(r)s") % {"no": st.number, "r": reason}
        )
    rev.number = next_number(store=ro.store, kind=DocKind.SETTLEMENT)
    summaries.add_settled(ro, ro.settled_at, -1)
    old = ro.status
    ro.status = ROStatus.AWAITING_SETTLEMENT
    ro.on_account = False
    ro.settled_at = None
    ro.invoice_no = ""
    ro.save(update_fields=["status", "on_account", "settled_at", "invoice_no"])
    audit_record(
        actor=actor,
        obj=ro,
        verb="reversed",
        changes={"status": [old, ro.status], "settlement": [st.number, None]},
        note=reason,
    )
    # the customer's invoice: credited by a red-letter invoice (红字) in finance's register, its number taken
    # last; a role without the register's change permission leaves it to finance (the register shows the
    # invoice of a reversed order)
    red = _invoice_red(actor, ro, st, reason)
    rev.invoice_no = red.number if red is not None else ""
    rev.save()
    summaries.add_settlement(rev)
    return rev


def _invoice_red(actor, ro, st, reason):
    from fours.finance.choices import InvoiceStatus
    from fours.finance.models import Invoice
    from fours.finance.services import invoices

    red = getattr(invoices, "invoice_red", None)
    if red is None or not st.invoice_no or not actor.has_perm("finance.change_invoice"):
        return None
    invoice = Invoice.objects.filter(
        store=ro.store, number=st.invoice_no, doc_id=ro.pk, status=InvoiceStatus.ISSUED
    ).first()
    if invoice is None:
        return None
    return red(actor=actor, invoice=invoice, reason=_("反结算：%(r)s") % {"r": reason})


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
    """Why a settled order can't be delivered yet, as (code, message): the customer's share is not paid at
    the cashier desk, or it is on account beyond the customer's credit limit; None when it can. Reads
    ``customer_due``/``paid`` (``selectors.with_money`` / ``ro_money``). The order page shows the delivery
    form only when this is None."""
    due = ro.customer_due - ro.paid
    if due <= 0:
        return None
    if not ro.on_account:
        return "unpaid", _("客户尚欠 ¥%(d)s，请到收银台收款后再交车") % {"d": f"{due:,.2f}"}
    party = customer_party(ro.store, ro.customer)
    owed = party_balance(party)
    if party.credit_limit <= 0 or owed > party.credit_limit:
        return "over_credit", _("%(p)s 挂账 ¥%(o)s，超出信用额度 ¥%(l)s，请先收款") % {
            "p": party.name,
            "o": f"{owed:,.2f}",
            "l": f"{party.credit_limit:,.2f}",
        }
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
    selectors.ro_money(ro)
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
    summaries.add_delivered(ro)
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
