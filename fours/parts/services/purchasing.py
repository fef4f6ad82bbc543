"""Purchase plan (配件计划), three-supplier comparison, purchase orders, receiving with discrepancy notes;
a receipt posts the supplier's payable (应付) in finance, which pays it (付款通知书)."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record
from fours.core.choices import DepartmentKind, DocKind
from fours.core.errors import BusinessError, field_error
from fours.core.money import round_cost, round_money, to_decimal
from fours.core.numbering import next_number
from fours.core.permissions import require_perm
from fours.core.roles import LimitKind
from fours.core.selectors import limit_for
from fours.finance.choices import Direction, ItemSource, PartyKind
from fours.finance.services import ItemRow, items_post, party_for

from .. import selectors, workflows
from ..choices import (
    UNIT_DECIMALS,
    ABCClass,
    ClaimAgainst,
    ClaimStatus,
    DemandStatus,
    DiscrepancyKind,
    MoveKind,
    PlanKind,
    PlanStatus,
    POStatus,
)
from ..models import (
    Discrepancy,
    DiscrepancyLine,
    Part,
    PartSetting,
    PlanLine,
    POLine,
    PurchaseDemand,
    PurchaseOrder,
    PurchasePlan,
    Receipt,
    ReceiptLine,
    Supplier,
    SupplierQuote,
)
from .catalog import part_current
from .stock import StockLine, clean_cost, clean_qty, retry_on_conflict, stock_stage

ZERO = Decimal("0")


def _round_up(part: Part, qty: Decimal) -> Decimal:
    places = UNIT_DECIMALS.get(part.unit, 3)
    step = Decimal(1).scaleb(-places)
    return (Decimal(math.ceil(qty / step)) * step).quantize(step)


@transaction.atomic
def plan_propose(*, actor, store) -> list[PurchasePlan]:
    """Propose the purchase plans: a stock order (期货) from reorder points, min/max and stock demands, and
    an emergency order (紧急) from open emergency demands and backorders. Empty plans are not created."""
    require_perm(actor, "parts.add_purchaseplan")
    supplier = selectors.default_supplier(store.group)
    lines: dict[str, dict[int, dict]] = {PlanKind.STOCK: {}, PlanKind.EMERGENCY: {}}
    suggestions = selectors.reorder_suggestions(store)
    parts = Part.objects.in_bulk([s["part_id"] for s in suggestions])
    for sug in suggestions:
        part = part_current(parts[sug["part_id"]])
        entry = lines[PlanKind.STOCK].setdefault(
            part.pk, {"part": part, "qty": ZERO, "reasons": [], "demands": []}
        )
        entry["qty"] += sug["qty"]
        entry["abc"] = sug["abc"]
        entry["reasons"].append(
            _("订货点 %(rop)s，可用+在途 %(pos)s")
            % {"rop": round(sug["rop"], 1), "pos": round(sug["position"], 1)}
        )
    demands = list(
        PurchaseDemand.objects.filter(store=store, status=DemandStatus.OPEN).select_related("part")
    )
    for d in demands:
        part = part_current(d.part)
        kind = PlanKind.EMERGENCY if d.emergency else PlanKind.STOCK
        entry = lines[kind].setdefault(part.pk, {"part": part, "qty": ZERO, "reasons": [], "demands": []})
        entry["qty"] += d.qty
        entry["reasons"].append(_("缺件 %(doc)s") % {"doc": d.doc_number or d.pk})
        entry["demands"].append(d)
    classes = dict(PartSetting.objects.filter(store=store).values_list("part_id", "abc_class"))
    plans = []
    for kind, entries in lines.items():
        if not entries:
            continue
        plan = PurchasePlan.objects.create(store=store, kind=kind, created_by=actor)
        for entry in entries.values():
            part = entry["part"]
            qty = _round_up(part, entry["qty"])
            line = PlanLine.objects.create(
                plan=plan,
                part=part,
                supplier=supplier,
                qty=qty,
                suggested_qty=qty,
                unit_price=part.purchase_price,
                reason="；".join(entry["reasons"])[:200],
                abc_class=classes.get(part.pk, ABCClass.C),
            )
            PurchaseDemand.objects.filter(pk__in=[d.pk for d in entry["demands"]]).update(
                status=DemandStatus.PLANNED, plan_line=line
            )
        audit_record(actor=actor, obj=plan, verb="proposed", changes={"lines": len(entries)})
        plan.number = next_number(store=store, kind=DocKind.PURCHASE_PLAN)
        PurchasePlan.objects.filter(pk=plan.pk).update(number=plan.number)
        plans.append(plan)
    return plans


@transaction.atomic
def plan_line_save(
    *,
    actor,
    plan: PurchasePlan,
    part: Part,
    qty,
    unit_price=None,
    supplier=None,
    line: PlanLine | None = None,
) -> PlanLine:
    """The planner adds or edits a line (qty 0 removes it)."""
    plan = PurchasePlan.objects.select_for_update().get(pk=plan.pk)
    workflows.PLAN.require_action(plan, "edit", actor=actor)
    qty = clean_qty(part, qty, allow_zero=True)
    price = part.purchase_price if unit_price in (None, "") else clean_cost(unit_price, "unit_price")
    if supplier is not None and supplier.group_id != plan.store.group_id:
        raise field_error("supplier", _("供应商不属于本集团"), code="out_of_scope")
    if line is None:
        line = PlanLine.objects.filter(plan=plan, part=part).first()
    if qty == 0:
        if line is not None:
            PurchaseDemand.objects.filter(plan_line=line).update(status=DemandStatus.OPEN, plan_line=None)
            line.delete()
        audit_record(actor=actor, obj=plan, verb="line_removed", changes={"part": part.part_no})
        return line
    if line is None:
        setting = PartSetting.objects.filter(store=plan.store, part=part).first()
        line = PlanLine(
            plan=plan,
            part=part,
            abc_class=setting.abc_class if setting else ABCClass.C,
            reason=_("计划员添加"),
        )
    old = (line.qty, line.unit_price) if line.pk else None
    line.qty, line.unit_price = qty, price
    if supplier is not None:
        line.supplier = supplier
    elif line.supplier_id is None:
        line.supplier = selectors.default_supplier(plan.store.group)
    line.save()
    audit_record(
        actor=actor,
        obj=plan,
        verb="line_saved",
        changes={"part": part.part_no, "qty": [old[0] if old else None, qty]},
    )
    return line


@transaction.atomic
def plan_quote_add(
    *, actor, line: PlanLine, supplier: Supplier, unit_price, lead_time_days: int = 0, chosen: bool = False
) -> SupplierQuote:
    """货比三家: record a supplier's price for a plan line; the chosen quote sets supplier and price."""
    plan = PurchasePlan.objects.select_for_update().get(pk=line.plan_id)
    workflows.PLAN.require_action(plan, "edit", actor=actor)
    price = clean_cost(unit_price, "unit_price")
    if price <= 0:
        raise field_error("unit_price", _("报价必须大于0"), code="not_positive")
    if supplier.group_id != plan.store.group_id:
        raise field_error("supplier", _("供应商不属于本集团"), code="out_of_scope")
    quote, _c = SupplierQuote.objects.update_or_create(
        line=line, supplier=supplier, defaults={"unit_price": price, "lead_time_days": lead_time_days or 0}
    )
    if chosen:
        SupplierQuote.objects.filter(line=line).update(chosen=False)
        SupplierQuote.objects.filter(pk=quote.pk).update(chosen=True)
        PlanLine.objects.filter(pk=line.pk).update(supplier=supplier, unit_price=price)
    audit_record(
        actor=actor,
        obj=plan,
        verb="quote_added",
        changes={"part": line.part.part_no, "supplier": supplier.name, "price": price},
    )
    return quote


@transaction.atomic
def plan_submit(*, actor, plan: PurchasePlan) -> PurchasePlan:
    plan = PurchasePlan.objects.select_for_update().get(pk=plan.pk)
    workflows.PLAN.require(plan, to=PlanStatus.SUBMITTED, actor=actor)
    if not plan.lines.exists():
        raise field_error("lines", _("计划没有明细"), code="no_lines")
    plan.status = PlanStatus.SUBMITTED
    plan.save(update_fields=["status"])
    audit_record(actor=actor, obj=plan, verb="submitted")
    return plan


@transaction.atomic
def plan_approve(*, actor, plan: PurchasePlan) -> PurchasePlan:
    """The parts manager approves up to the purchase limit of their role; A parts need three quotes."""
    plan = PurchasePlan.objects.select_for_update().get(pk=plan.pk)
    workflows.PLAN.require(plan, to=PlanStatus.APPROVED, actor=actor)
    lines = list(plan.lines.select_related("part").prefetch_related("quotes"))
    total = sum((ln.amount for ln in lines), ZERO)
    limit = limit_for(actor, plan.store, LimitKind.PURCHASE_AMOUNT)
    if total > limit:
        raise field_error(
            "status",
            _("计划金额 %(total)s 超过您的审批限额 %(limit)s") % {"total": total, "limit": limit},
            code="over_limit",
        )
    for ln in lines:
        if ln.abc_class == ABCClass.A and len({q.supplier_id for q in ln.quotes.all()}) < 3:
            raise field_error(
                "lines",
                _("A类配件 %(part)s 需先录入三家供应商报价（货比三家）") % {"part": ln.part.part_no},
                code="three_quotes",
            )
        if ln.supplier_id is None:
            raise field_error(
                "lines", _("%(part)s 未指定供应商") % {"part": ln.part.part_no}, code="required"
            )
    plan.status, plan.approved_by, plan.approved_at = PlanStatus.APPROVED, actor, timezone.now()
    plan.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(actor=actor, obj=plan, verb="approved", changes={"total": total})
    return plan


@transaction.atomic
def plan_reject(*, actor, plan: PurchasePlan, reason: str) -> PurchasePlan:
    plan = PurchasePlan.objects.select_for_update().get(pk=plan.pk)
    workflows.PLAN.require(plan, to=PlanStatus.REJECTED, actor=actor)
    if not (reason or "").strip():
        raise field_error("reason", _("请填写退回原因"), code="required")
    plan.status = PlanStatus.REJECTED
    plan.save(update_fields=["status"])
    audit_record(actor=actor, obj=plan, verb="rejected", note=reason)
    return plan


@transaction.atomic
def plan_to_orders(*, actor, plan: PurchasePlan) -> list[PurchaseOrder]:
    """An approved plan becomes one purchase order per supplier (sent to the supplier)."""
    plan = PurchasePlan.objects.select_for_update().get(pk=plan.pk)
    workflows.PLAN.require(plan, to=PlanStatus.ORDERED, actor=actor)
    by_supplier = defaultdict(list)
    for ln in plan.lines.select_related("part", "supplier"):
        by_supplier[ln.supplier].append(ln)
    orders = []
    now = timezone.now()
    for supplier, lines in sorted(by_supplier.items(), key=lambda kv: kv[0].pk):
        po = PurchaseOrder.objects.create(
            store=plan.store,
            supplier=supplier,
            kind=plan.kind,
            plan=plan,
            status=POStatus.ORDERED,
            ordered_at=now,
            expected_date=timezone.localdate() + timedelta(days=supplier.lead_time_days),
            created_by=actor,
            # the order carries the plan's approval (配件主管审定签字后…采购员依据计划单进行采购)
            approved_by_id=plan.approved_by_id,
            approved_at=plan.approved_at,
        )
        POLine.objects.bulk_create(
            [
                POLine(
                    order=po, part=ln.part, qty=ln.qty, unit_price=ln.unit_price, tax_rate=ln.part.tax_rate
                )
                for ln in lines
            ]
        )
        audit_record(actor=actor, obj=po, verb="ordered", changes={"plan": plan.number})
        orders.append(po)
    PurchaseDemand.objects.filter(plan_line__plan=plan).update(status=DemandStatus.ORDERED)
    plan.status = PlanStatus.ORDERED
    plan.save(update_fields=["status"])
    audit_record(actor=actor, obj=plan, verb="ordered", changes={"orders": len(orders)})
    for po in orders:
        po.number = next_number(store=plan.store, kind=DocKind.PURCHASE_ORDER)
        PurchaseOrder.objects.filter(pk=po.pk).update(number=po.number)
    return orders


@transaction.atomic
def po_create(
    *, actor, store, supplier: Supplier, lines: list[dict], kind: str = PlanKind.EMERGENCY, send: bool = True
) -> PurchaseOrder:
    """A purchase order entered directly (e.g. an urgent call-off), without a purchase plan.

    订单必须经由配件经理复核 (seed 000): the order is sent at once only within its author's purchase-amount
    limit (RoleLimit purchase_amount; the planner's is 20,000), and then carries that approval; above it
    the order waits (待复核) for po_approve by the parts manager before it can be sent or received."""
    require_perm(actor, "parts.add_purchaseorder")
    if supplier.group_id != store.group_id:
        raise field_error("supplier", _("供应商不属于本集团"), code="out_of_scope")
    if not lines:
        raise field_error("lines", _("请至少添加一行配件"), code="no_lines")
    objs = []
    for raw in lines:
        part = raw["part"]
        price = raw.get("unit_price")
        objs.append(
            POLine(
                part=part,
                qty=clean_qty(part, raw.get("qty")),
                unit_price=part.purchase_price if price in (None, "") else clean_cost(price, "unit_price"),
                tax_rate=part.tax_rate,
            )
        )
    total = sum((round_money(ln.qty * ln.unit_price) for ln in objs), ZERO)
    limit = limit_for(actor, store, LimitKind.PURCHASE_AMOUNT)
    within = total <= limit
    now = timezone.now()
    status = POStatus.DRAFT if not send else POStatus.ORDERED if within else POStatus.PENDING
    po = PurchaseOrder.objects.create(
        store=store,
        supplier=supplier,
        kind=kind,
        status=status,
        ordered_at=now if status == POStatus.ORDERED else None,
        created_by=actor,
        expected_date=timezone.localdate() + timedelta(days=supplier.lead_time_days),
        approved_by=actor if status == POStatus.ORDERED else None,
        approved_at=now if status == POStatus.ORDERED else None,
    )
    for ln in objs:
        ln.order = po
    POLine.objects.bulk_create(objs)
    audit_record(
        actor=actor,
        obj=po,
        verb="created",
        changes={"total": total, "limit": limit, "status": [None, status]},
    )
    po.number = next_number(store=store, kind=DocKind.PURCHASE_ORDER)
    PurchaseOrder.objects.filter(pk=po.pk).update(number=po.number)
    return po


@transaction.atomic
def po_approve(*, actor, po: PurchaseOrder) -> PurchaseOrder:
    """复核: the parts manager (or a manager with a higher purchase limit) reviews an order that waits
    above its author's limit; within the reviewer's own limit it is sent to the supplier. The author may
    not review his own order."""
    po = PurchaseOrder.objects.select_for_update().get(pk=po.pk)
    workflows.PO.require(po, to=POStatus.ORDERED, actor=actor)
    if po.status != POStatus.PENDING:
        raise field_error("status", _("只有待复核的订单需要复核"), code="not_pending")
    if po.created_by_id == actor.pk:
        raise field_error("status", _("不能复核自己下的订单"), code="own_order")
    total = sum((ln.amount for ln in po.lines.all()), ZERO)
    limit = limit_for(actor, po.store, LimitKind.PURCHASE_AMOUNT)
    if total > limit:
        raise field_error(
            "status",
            _("订单金额 %(total)s 超过您的采购限额 %(limit)s") % {"total": total, "limit": limit},
            code="over_limit",
        )
    now = timezone.now()
    po.status, po.approved_by, po.approved_at, po.ordered_at = POStatus.ORDERED, actor, now, now
    po.expected_date = timezone.localdate() + timedelta(days=po.supplier.lead_time_days)
    po.save(update_fields=["status", "approved_by", "approved_at", "ordered_at", "expected_date"])
    audit_record(
        actor=actor,
        obj=po,
        verb="approved",
        changes={"total": total, "status": [POStatus.PENDING, po.status]},
    )
    return po


@transaction.atomic
def po_close(*, actor, po: PurchaseOrder, reason: str = "") -> PurchaseOrder:
    """Close an order: what is still open is no longer expected (a draft or an order waiting for its
    review is cancelled)."""
    po = PurchaseOrder.objects.select_for_update().get(pk=po.pk)
    to = workflows.po_close_step(po)
    workflows.PO.require(po, to=to, actor=actor)
    po.status = to
    po.save(update_fields=["status"])
    audit_record(actor=actor, obj=po, verb="closed", note=reason)
    return po


@retry_on_conflict
@transaction.atomic
def receipt_post(
    *,
    actor,
    order: PurchaseOrder,
    lines: list[dict],
    delivery_note: str = "",
    invoice_no: str = "",
    freight=0,
    claim_against: str = ClaimAgainst.SUPPLIER,
    carrier: str = "",
    note: str = "",
) -> Receipt:
    """验收入库 at the counted quantity; the supplier's payable is posted in finance (with the supplier's
    invoice number when the goods come with it; else the receipt waits on the 发票未到 register).

    lines: [{"po_line": POLine, "qty_noted": delivery-note qty, "qty": counted good qty, "qty_damaged": 0,
             "qty_wrong": 0, "unit_price": invoiced net price (default: PO price)}]
    Short, damaged, wrong and over-priced items go on a discrepancy note (差损单). Freight is spread onto
    the lines' cost by value. The receipt creates a payable to the supplier."""
    po = PurchaseOrder.objects.select_for_update().get(pk=order.pk)
    if po.status not in workflows.PO.actions["receive"][0]:
        raise field_error(
            "order",
            _("采购订单“%(no)s”状态为%(st)s，不能入库") % {"no": po.number, "st": po.get_status_display()},
            code="po_closed",
        )
    workflows.PO.require_action(po, "receive", actor=actor)
    if not lines:
        raise field_error("lines", _("请至少录入一行实收数量"), code="no_lines")
    freight = round_money(to_decimal(freight or 0))
    if freight < 0:
        raise field_error("freight", _("运费不能为负数"), code="negative")
    po_lines = {ln.pk: ln for ln in po.lines.select_related("part").select_for_update()}
    rlines, disc = [], []
    for i, raw in enumerate(lines):
        pl = raw["po_line"]
        pl = po_lines.get(pl.pk if isinstance(pl, POLine) else int(pl))
        if pl is None:
            raise field_error("lines", _("第%(n)s行不属于该订单") % {"n": i + 1}, code="mismatch")
        part = pl.part
        try:
            qty = clean_qty(part, raw.get("qty") or 0, allow_zero=True)
            damaged = clean_qty(part, raw.get("qty_damaged") or 0, "qty_damaged", allow_zero=True)
            wrong = clean_qty(part, raw.get("qty_wrong") or 0, "qty_wrong", allow_zero=True)
            noted = clean_qty(
                part,
                raw.get("qty_noted") if raw.get("qty_noted") not in (None, "") else qty + damaged,
                "qty_noted",
                allow_zero=True,
            )
        except BusinessError as e:
            _field, msgs = next(iter(e.message_dict.items()))
            raise field_error(
                "lines", _("第%(n)s行：%(msg)s") % {"n": i + 1, "msg": msgs[0]}, code=e.error_code
            ) from None
        if qty > pl.qty_open:
            raise field_error(
                "lines",
                _("第%(n)s行：实收 %(q)s 超过未到数量 %(o)s") % {"n": i + 1, "q": qty, "o": pl.qty_open},
                code="over_receipt",
            )
        price = (
            pl.unit_price
            if raw.get("unit_price") in (None, "")
            else clean_cost(raw["unit_price"], "unit_price")
        )
        if qty == 0 and damaged == 0 and wrong == 0 and noted == 0:
            continue
        short = noted - qty - damaged - wrong
        if short > 0:
            disc.append(
                DiscrepancyLine(
                    part=part, kind=DiscrepancyKind.SHORT, qty=short, amount=round_money(short * price)
                )
            )
        if damaged > 0:
            disc.append(
                DiscrepancyLine(
                    part=part, kind=DiscrepancyKind.DAMAGED, qty=damaged, amount=round_money(damaged * price)
                )
            )
        if wrong > 0:
            disc.append(
                DiscrepancyLine(
                    part=part, kind=DiscrepancyKind.WRONG, qty=wrong, amount=round_money(wrong * price)
                )
            )
        if price > pl.unit_price and qty > 0:
            disc.append(
                DiscrepancyLine(
                    part=part,
                    kind=DiscrepancyKind.OVER_PRICE,
                    qty=qty,
                    amount=round_money(qty * (price - pl.unit_price)),
                    note=_("订单价 %(a)s，发票价 %(b)s") % {"a": pl.unit_price, "b": price},
                )
            )
        rlines.append(
            ReceiptLine(
                po_line=pl,
                part=part,
                qty_noted=noted,
                qty=qty,
                qty_damaged=damaged,
                unit_price=price,
                unit_cost=price,
                amount=round_money(qty * price),
            )
        )
    if not rlines:
        raise field_error("lines", _("请至少录入一行实收数量"), code="no_lines")
    booked = [ln for ln in rlines if ln.qty > 0]
    goods = sum((ln.amount for ln in booked), ZERO)
    if freight and not booked:
        raise field_error("freight", _("没有实收配件，无法分摊运费"), code="no_lines")
    # spread freight by value; the last line takes the remainder so the shares add up
    left = freight
    for i, ln in enumerate(booked):
        share = left if i == len(booked) - 1 else round_money(freight * ln.amount / goods) if goods else ZERO
        left -= share
        ln.unit_cost = round_cost((ln.amount + share) / ln.qty)
    tax = sum((round_money(ln.amount * ln.po_line.tax_rate) for ln in booked), ZERO)
    posting = stock_stage(
        actor=actor,
        store=po.store,
        kind=MoveKind.RECEIPT,
        lines=[
            StockLine(ln.part, ln.qty, ln.unit_cost, source=ln)
            for ln in sorted(booked, key=lambda x: x.part_id)
        ],
    )
    receipt = Receipt.objects.create(
        store=po.store,
        number=next_number(store=po.store, kind=DocKind.RECEIPT),
        order=po,
        supplier=po.supplier,
        delivery_note=(delivery_note or "")[:40],
        invoice_no=(invoice_no or "").strip()[:40],
        freight=freight,
        net_amount=goods,
        tax_amount=tax,
        created_by=actor,
        note=note[:500],
    )
    for ln in rlines:
        ln.receipt = receipt
    ReceiptLine.objects.bulk_create(rlines)
    posting.write(doc=receipt, doc_number=receipt.number)
    for ln in rlines:
        POLine.objects.filter(pk=ln.po_line_id).update(qty_received=F("qty_received") + ln.qty)
    open_left = any(
        pl.qty_open - sum((r.qty for r in rlines if r.po_line_id == pl.pk), ZERO) > 0
        for pl in po_lines.values()
    )
    po.status = POStatus.PARTIAL if open_left else POStatus.RECEIVED
    po.save(update_fields=["status"])
    demands_fill(actor=actor, po=po, receipt=receipt, received=received_qty(booked))
    # the supplier's payable (应付) in finance: stock value (goods at the invoiced net price) and input VAT;
    # the freight spread onto the cost is the carrier's bill, not the supplier's
    if goods + tax > 0:
        items_post(
            actor=actor,
            store=po.store,
            doc=receipt,
            doc_number=receipt.number,
            rows=[
                ItemRow(
                    party=supplier_party(po.store, po.supplier),
                    direction=Direction.PAYABLE,
                    source=ItemSource.PURCHASE,
                    department=DepartmentKind.PARTS,
                    amount=goods + tax,
                    net_amount=goods,
                    tax_amount=tax,
                    memo=" ".join(x for x in (po.number, receipt.delivery_note) if x),
                    # the supplier's invoice came with the goods (else the payable waits on 发票未到)
                    invoice_no=receipt.invoice_no,
                )
            ],
        )
    if disc:
        discrepancy = Discrepancy.objects.create(
            store=po.store,
            number=next_number(store=po.store, kind=DocKind.DISCREPANCY),
            receipt=receipt,
            claim_against=claim_against,
            carrier=carrier[:100],
            claim_amount=sum((d.amount for d in disc), ZERO),
            created_by=actor,
        )
        for d in disc:
            d.discrepancy = discrepancy
        DiscrepancyLine.objects.bulk_create(disc)
        audit_record(
            actor=actor, obj=discrepancy, verb="created", changes={"claim": discrepancy.claim_amount}
        )
    audit_record(actor=actor, obj=receipt, verb="posted", changes={"net": goods, "lines": len(rlines)})
    return receipt


def received_qty(lines) -> dict[int, Decimal]:
    """{part_id: good quantity booked} of a receipt's lines."""
    out: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for ln in lines:
        out[ln.part_id] += ln.qty
    return dict(out)


def demands_fill(*, actor, po: PurchaseOrder, receipt: Receipt, received: dict) -> list[PurchaseDemand]:
    """已满足: the parts received fill the demands waiting for them (缺件需求), those of this order's plan
    first, then the oldest; a demand is filled only when what is left of the receipt covers it whole. The
    module whose document recorded a filled demand is told in the same transaction: its
    ``services.demands_filled(actor=, demands=, receipt=)`` (a repair order's line stops waiting, 缺件)."""
    from importlib import import_module

    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    if not received:
        return []
    waiting = list(
        PurchaseDemand.objects.select_for_update(of=("self",))
        .filter(
            store=po.store,
            part_id__in=sorted(received),
            status__in=[DemandStatus.OPEN, DemandStatus.PLANNED, DemandStatus.ORDERED],
        )
        .select_related("plan_line")
        .order_by("created_at", "pk")
    )
    own = [d for d in waiting if po.plan_id and d.plan_line_id and d.plan_line.plan_id == po.plan_id]
    left = dict(received)
    filled = []
    for d in own + [d for d in waiting if d not in own]:
        if left.get(d.part_id, ZERO) >= d.qty:
            left[d.part_id] -= d.qty
            filled.append(d)
    if not filled:
        return []
    PurchaseDemand.objects.filter(pk__in=[d.pk for d in filled]).update(status=DemandStatus.FILLED)
    for d in filled:
        d.status = DemandStatus.FILLED
        audit_record(actor=actor, obj=d, verb="filled", changes={"receipt": receipt.number}, store=po.store)
    by_type = defaultdict(list)
    for d in filled:
        if d.content_type_id:
            by_type[d.content_type_id].append(d)
    for ct_id in sorted(by_type):
        app = apps.get_app_config(ContentType.objects.get_for_id(ct_id).app_label)
        try:
            hook = getattr(import_module(f"{app.name}.services"), "demands_filled", None)
        except ModuleNotFoundError:
            hook = None
        if hook is not None:
            hook(actor=actor, demands=by_type[ct_id], receipt=receipt)
    return filled


def supplier_party(store, supplier: Supplier):
    """The supplier's party in the store's books (供应商), made on first use with its payment days."""
    return party_for(
        store=store,
        kind=PartyKind.SUPPLIER,
        ref=f"parts.supplier:{supplier.pk}",
        name=supplier.name,
        phone=supplier.phone or "",
        tax_id=supplier.uscc or "",
        payment_days=supplier.payment_days,
    )


@transaction.atomic
def discrepancy_claim(*, actor, discrepancy: Discrepancy, note: str = "") -> Discrepancy:
    """The claim is sent to the supplier or carrier."""
    d = Discrepancy.objects.select_for_update().get(pk=discrepancy.pk)
    workflows.CLAIM.require(d, to=ClaimStatus.CLAIMED, actor=actor)
    d.status = ClaimStatus.CLAIMED
    d.save(update_fields=["status"])
    audit_record(actor=actor, obj=d, verb="claimed", note=note)
    return d


@transaction.atomic
def discrepancy_close(*, actor, discrepancy: Discrepancy, settled_amount, resolution: str) -> Discrepancy:
    """结案 a claim. What the supplier or the carrier pays for it (实际赔付) is owed to the store: it is posted
    as an open item on their party in finance, which collects it (or nets it against the supplier's
    payables)."""
    d = (
        Discrepancy.objects.select_for_update(of=("self",))
        .select_related("receipt__supplier")
        .get(pk=discrepancy.pk)
    )
    workflows.CLAIM.require(d, to=ClaimStatus.CLOSED, actor=actor)
    amount = round_money(to_decimal(settled_amount or 0))
    if amount < 0:
        raise field_error("settled_amount", _("金额不能为负数"), code="negative")
    if not (resolution or "").strip():
        raise field_error("resolution", _("请填写处理结果"), code="required")
    d.status, d.settled_amount, d.resolution, d.closed_at = (
        ClaimStatus.CLOSED,
        amount,
        resolution,
        timezone.now(),
    )
    d.save(update_fields=["status", "settled_amount", "resolution", "closed_at"])
    if amount > 0:
        if d.claim_against == ClaimAgainst.CARRIER and d.carrier:
            party = party_for(
                store=d.store, kind=PartyKind.SUPPLIER, ref=f"parts.carrier:{d.carrier}"[:60], name=d.carrier
            )
        else:
            party = supplier_party(d.store, d.receipt.supplier)
        items_post(
            actor=actor,
            store=d.store,
            doc=d,
            doc_number=d.number,
            rows=[
                ItemRow(
                    party=party,
                    direction=Direction.RECEIVABLE,
                    source=ItemSource.OTHER,
                    department=DepartmentKind.PARTS,
                    amount=amount,
                    memo=f"{_('差损索赔')} {d.receipt.number}",
                )
            ],
        )
    audit_record(actor=actor, obj=d, verb="closed", changes={"settled": amount})
    return d
