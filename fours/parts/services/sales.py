"""Counter sales (零售) and wholesale (批发): slip (开单) → paid at the cashier's desk in finance (or on
account within the credit limit) → issue (出库); delivery, trade customers, transfers, returns."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record
from fours.core.choices import DepartmentKind, DocKind
from fours.core.errors import BusinessError, NotAllowed, field_error
from fours.core.money import line_amount, round_money, split_vat, to_decimal
from fours.core.numbering import next_number
from fours.core.permissions import require_discount_within_limit, require_perm
from fours.core.selectors import store_ids_for
from fours.finance.choices import Direction, InvoiceStatus, ItemSource, PartyKind
from fours.finance.services import (
    ItemRow,
    credit_check,
    customer_party,
    invoice_credit,
    item_credit,
    item_reverse,
    items_post,
    party_for,
    party_update,
    walk_in_party,
)
from fours.reports.choices import Metric
from fours.reports.services import summary_add_many

from .. import selectors, workflows
from ..choices import (
    Channel,
    DeliveryStatus,
    MoveKind,
    ReturnCondition,
    ReturnKind,
    ReturnStatus,
    SaleStatus,
    SaleTerms,
    TransferStatus,
)
from ..models import (
    FillRateRecord,
    Part,
    ReturnLine,
    ReturnOrder,
    Sale,
    SaleLine,
    TradeCustomer,
    Transfer,
    TransferLine,
)
from ..summaries import DEPARTMENT as SUMMARY_DEPARTMENT
from .stock import (
    StockLine,
    clean_cost,
    clean_qty,
    retry_on_conflict,
    stock_post_lines,
    stock_release_all,
    stock_reserve_stage,
    stock_stage,
)

ZERO = Decimal("0")


def _lines_error(i: int, code: str | None, msg) -> BusinessError:
    """Line i's refusal, on the lines field, with the refusal's code."""
    return field_error("lines", _("第%(n)s行：%(msg)s") % {"n": i + 1, "msg": msg}, code=code)


def _clean_sale_lines(actor, store, channel, raw_lines) -> list[SaleLine]:
    if not raw_lines:
        raise field_error("lines", _("请至少添加一行配件"), code="no_lines")
    out = []
    for i, raw in enumerate(raw_lines):
        part = raw["part"]
        if not isinstance(part, Part):
            raise _lines_error(i, "not_found", _("配件不存在"))
        try:
            qty = clean_qty(part, raw.get("qty"))
            requested = clean_qty(part, raw.get("qty_requested") or qty)
        except BusinessError as e:
            raise _lines_error(i, e.error_code, e.message_dict["qty"][0]) from None
        if requested < qty:
            raise _lines_error(i, "over_quantity", _("出库数量不能大于需求数量"))
        default_price = part.wholesale_price if channel == Channel.WHOLESALE else part.retail_price
        price = raw.get("unit_price")
        price = default_price if price in (None, "") else round_money(to_decimal(price))
        if price < 0:
            raise _lines_error(i, "negative", _("单价不能为负数"))
        disc = to_decimal(raw.get("discount_pct") or 0)
        if disc < 0 or disc > 100:
            raise _lines_error(i, "out_of_range", _("折扣应在0到100之间"))
        # a price below the channel's price is a discount too: both go through the actor's limit
        for field, kw in (
            ("discount_pct", {}),
            ("unit_price", {"price": price, "list_price": default_price}),
        ):
            try:
                require_discount_within_limit(actor, store, pct=disc, field=field, **kw)
            except BusinessError as e:
                raise _lines_error(i, e.error_code, e.message_dict[field][0]) from None
        out.append(
            SaleLine(
                part=part,
                qty=qty,
                qty_requested=requested,
                unit_price=price,
                discount_pct=disc,
                amount=line_amount(qty, price, disc),
                tax_rate=part.tax_rate,
            )
        )
    if len({ln.part_id for ln in out}) != len(out):
        raise field_error("lines", _("同一配件请合并为一行"), code="duplicate_line")
    return out


@retry_on_conflict
@transaction.atomic
def counter_sale_create(
    *,
    actor,
    store,
    lines: list[dict],
    channel: str = Channel.COUNTER,
    customer=None,
    buyer=None,
    customer_name: str = "",
    customer_phone: str = "",
    terms: str = SaleTerms.CASH,
    post: bool = True,
    delivery_address: str = "",
    note: str = "",
) -> Sale:
    """开单: a counter (零售) or wholesale (批发) slip; billed at once unless post=False (a draft / quote).

    Billing posts the buyer's open item in finance (散客, the archive customer ``buyer``, or the trade
    customer) and reserves the parts; the cashier takes the money at the finance desk and the storekeeper
    issues (``sale_issue``). On account (挂账) only within the trade customer's credit limit.

    lines: [{"part": Part, "qty": 2, "qty_requested": 3 (optional), "unit_price": … , "discount_pct": …}]
    A line with qty_requested > qty records the shortfall as an emergency demand."""
    require_perm(actor, "parts.add_sale")
    if channel not in (Channel.COUNTER, Channel.WHOLESALE):
        raise field_error("channel", _("未知销售渠道"), code="invalid_choice")
    if terms not in SaleTerms.values:
        raise field_error("terms", _("未知结算方式"), code="invalid_choice")
    if channel == Channel.WHOLESALE and customer is None:
        raise field_error("customer", _("批发销售请选择批发客户"), code="required")
    if customer is not None and customer.store_id != store.pk:
        raise field_error("customer", _("客户不属于本门店"), code="out_of_scope")
    if terms == SaleTerms.ACCOUNT and customer is None:
        raise field_error("terms", _("挂账只适用于批发客户"), code="account_not_allowed")
    sale_lines = _clean_sale_lines(actor, store, channel, lines)
    total = sum((ln.amount for ln in sale_lines), ZERO)
    sale = Sale(
        store=store,
        channel=channel,
        customer=customer,
        buyer=buyer,
        customer_name=(customer_name or (customer.name if customer else getattr(buyer, "name", "")))[:100],
        customer_phone=(customer_phone or getattr(buyer, "mobile", "") or "")[:30],
        terms=terms,
        total=total,
        net_total=sum((split_vat(ln.amount, ln.tax_rate)[0] for ln in sale_lines), ZERO),
        created_by=actor,
        note=note[:500],
        delivery_status=DeliveryStatus.PENDING if delivery_address else DeliveryStatus.NONE,
        delivery_address=delivery_address,
    )
    if not post:
        sale.save()
        for ln in sale_lines:
            ln.sale = sale
        SaleLine.objects.bulk_create(sale_lines)
        audit_record(actor=actor, obj=sale, verb="created", store=store)
        return sale
    return _bill(actor, sale, sale_lines, new=True)


def sale_party(sale: Sale):
    """The finance party that owes a sale: the trade customer's, the archive customer's, or 散客."""
    if sale.customer_id:
        return trade_party(sale.customer)
    if sale.buyer_id:
        return customer_party(sale.store, sale.buyer)
    return walk_in_party(sale.store)


def trade_party(customer: TradeCustomer):
    """The trade customer's party in finance (where its credit limit and payment days live)."""
    return party_for(
        store=customer.store,
        kind=PartyKind.TRADE,
        ref=f"parts.tradecustomer:{customer.pk}",
        name=customer.name,
        phone=customer.phone or "",
    )


def _memo(sale: Sale) -> str:
    who = " ".join(x for x in (sale.customer_name, sale.customer_phone) if x)
    return f"{sale.get_channel_display()} {who}".strip()


def _bill(actor, sale: Sale, lines: list[SaleLine], *, new: bool) -> Sale:
    """Lock the balances (part-id order) and reserve the lines; take the number; write the sale and its
    lines; post the open item in finance; fill rate and shortfalls; audit. On account, the credit check
    locks the party first."""
    store = sale.store
    party = sale_party(sale)
    if sale.terms == SaleTerms.ACCOUNT:
        credit_check(party, sale.total, field="terms")
    lines = sorted(lines, key=lambda ln: ln.part_id)
    reserving = stock_reserve_stage(
        actor=actor, store=store, lines=[StockLine(ln.part, ln.qty) for ln in lines]
    )
    cost = ZERO
    for ln in lines:
        ln.unit_cost = reserving.bals[ln.part_id].avg_cost
        ln.cost = round_money(ln.qty * ln.unit_cost)
        cost += ln.cost
    now = timezone.now()
    sale.cost_total = cost
    sale.status = SaleStatus.BILLED
    # not an invoice: the number is taken before the rows that carry it (after the balances: lock order)
    sale.number = next_number(
        store=store, kind=DocKind.WHOLESALE if sale.channel == Channel.WHOLESALE else DocKind.COUNTER_SALE
    )
    if new:
        sale.save()
        for ln in lines:
            ln.sale = sale
        SaleLine.objects.bulk_create(lines)
    else:
        Sale.objects.filter(pk=sale.pk).update(number=sale.number, status=sale.status, cost_total=cost)
        SaleLine.objects.bulk_update(lines, ["unit_cost", "cost"])
    reserving.write(doc=sale)
    if sale.total > 0:
        items_post(
            actor=actor,
            store=store,
            doc=sale,
            doc_number=sale.number,
            rows=[
                ItemRow(
                    party=party,
                    direction=Direction.RECEIVABLE,
                    source=ItemSource.WHOLESALE
                    if sale.channel == Channel.WHOLESALE
                    else ItemSource.COUNTER_SALE,
                    department=DepartmentKind.PARTS,
                    amount=sale.total,
                    net_amount=sale.net_total,
                    tax_amount=sale.total - sale.net_total,
                    cost_amount=cost,
                    memo=_memo(sale),
                )
            ],
        )
    ct = ContentType.objects.get_for_model(SaleLine)
    FillRateRecord.objects.bulk_create(
        [
            FillRateRecord(
                store=store,
                part=ln.part,
                channel=sale.channel,
                qty_requested=ln.qty_requested,
                qty_served=ln.qty,
                at=now,
                content_type=ct,
                object_id=str(ln.pk),
            )
            for ln in lines
        ]
    )
    short = [ln for ln in lines if ln.qty_requested > ln.qty]
    if short:
        from .stock import purchase_demand_add

        for ln in short:
            purchase_demand_add(
                actor=actor,
                store=store,
                part=ln.part,
                qty=ln.qty_requested - ln.qty,
                doc=ln,
                note=_("柜台缺货"),
            )
    audit_record(
        actor=actor,
        obj=sale,
        verb="billed",
        store=store,
        changes={"total": sale.total, "lines": len(lines), "terms": sale.terms},
    )
    return sale


@retry_on_conflict
@transaction.atomic
def sale_post(*, actor, sale: Sale) -> Sale:
    """开单 of a draft sale (a quote that the customer takes)."""
    sale = Sale.objects.select_for_update(of=("self",)).select_related("store", "customer").get(pk=sale.pk)
    workflows.SALE.require(sale, to=SaleStatus.BILLED, actor=actor)
    lines = list(sale.lines.select_related("part"))
    return _bill(actor, sale, lines, new=False)


@retry_on_conflict
@transaction.atomic
def sale_issue(*, actor, sale: Sale) -> Sale:
    """出库 against a billed slip: only once finance shows its open item settled (paid at the cashier's
    desk), or at once when it is on account (挂账, within the credit limit checked at billing). The
    reservation is consumed; each line is priced at the average cost it leaves at."""
    sale = Sale.objects.select_for_update(of=("self",)).select_related("store").get(pk=sale.pk)
    workflows.SALE.require(sale, to=SaleStatus.POSTED, actor=actor)
    if not sale_is_payable_done(sale):
        raise field_error(
            "status",
            _("销售单 %(no)s 尚未付款，请客户先到收银台付款") % {"no": sale.number},
            code="not_settled",
        )
    store = sale.store
    kind = MoveKind.WHOLESALE if sale.channel == Channel.WHOLESALE else MoveKind.COUNTER_SALE
    lines = sorted(sale.lines.select_related("part"), key=lambda ln: ln.part_id)
    posting = stock_stage(
        actor=actor,
        store=store,
        kind=kind,
        reserved_for=sale,
        lines=[StockLine(ln.part, -ln.qty, source=ln) for ln in lines],
    )
    for ln, move in zip(lines, posting.moves, strict=True):
        ln.unit_cost, ln.cost = move.unit_cost, -move.value
    if len(lines) == 1:  # the usual counter slip: one plain UPDATE, not a CASE over the lines
        lines[0].save(update_fields=["unit_cost", "cost"])
    else:
        SaleLine.objects.bulk_update(lines, ["unit_cost", "cost"])
    sale.cost_total = sum((ln.cost for ln in lines), ZERO)
    sale.status, sale.posted_at, sale.issued_by = SaleStatus.POSTED, posting.at, actor
    sale.save(update_fields=["status", "posted_at", "issued_by", "cost_total"])
    posting.write(doc=sale, doc_number=sale.number)
    audit_record(actor=actor, obj=sale, verb="issued", store=store, changes={"cost": sale.cost_total})
    _sale_summaries_add(sale)
    return sale


def _sale_summaries_add(sale: Sale) -> None:
    """What an issued sale adds to the daily summaries (see ``fours.parts.summaries``), on the day it left
    stock, for the person who billed it."""
    day = timezone.localdate(sale.posted_at)
    dim = f"channel:{sale.channel}"
    summary_add_many(
        store=sale.store,
        department=SUMMARY_DEPARTMENT,
        rows=[
            (day, Metric.PARTS_COST, sale.cost_total, sale.created_by_id, dim),
            (day, Metric.PARTS_REVENUE, sale.net_total, sale.created_by_id, dim),
            (day, Metric.PARTS_SALES, 1, sale.created_by_id, dim),
        ],
    )


@retry_on_conflict
@transaction.atomic
def sale_cancel(*, actor, sale: Sale, reason: str = "") -> Sale:
    """作废 a slip not yet issued: its open item is reversed in finance and the reservation released.
    A slip paid in part or in whole is refused (the cashier refunds first)."""
    sale = Sale.objects.select_for_update(of=("self",)).select_related("store").get(pk=sale.pk)
    workflows.SALE.require(sale, to=SaleStatus.CANCELLED, actor=actor)
    if sale.status == SaleStatus.BILLED:
        item = selectors.sale_open_item(sale, lock=True)
        if item is not None and item.allocated > 0:
            raise field_error(
                "status",
                _("销售单 %(no)s 已收款 %(a)s，请先到收银台退款") % {"no": sale.number, "a": item.allocated},
                code="partly_paid",
            )
        if item is not None:
            item_reverse(actor=actor, item=item, reason=(reason or _("销售单作废"))[:200])
        stock_release_all(actor=actor, store=sale.store, doc=sale)
    sale.status = SaleStatus.CANCELLED
    sale.save(update_fields=["status"])
    audit_record(actor=actor, obj=sale, verb="cancelled", note=reason[:500])
    return sale


@transaction.atomic
def sale_invoice(*, actor, sale: Sale, kind: str) -> Sale:
    """开票 for an issued sale, when the buyer asks (a garage wants its 专票, a walk-in customer may want
    none): registered in finance's invoice register, numbered without gaps, once per sale (a second one
    only after the first is voided there)."""
    from fours.finance.choices import InvoiceKind
    from fours.finance.services import invoice_issue

    sale = Sale.objects.select_for_update(of=("self",)).select_related("store").get(pk=sale.pk)
    workflows.SALE.require_action(sale, "invoice", actor=actor)
    if kind not in (InvoiceKind.VAT_ORDINARY, InvoiceKind.VAT_SPECIAL):
        raise field_error("kind", _("请选择发票类型"), code="invalid_choice")
    done = selectors.sale_invoice_of(sale)
    if done is not None:
        raise field_error(
            "kind",
            _("销售单 %(no)s 已开票 %(inv)s") % {"no": sale.number, "inv": done.number},
            code="duplicate",
        )
    invoice_issue(
        actor=actor,
        store=sale.store,
        party=sale_party(sale),
        kind=kind,
        department=DepartmentKind.PARTS,
        amount=sale.total,
        tax_amount=sale.total - sale.net_total,
        doc=sale,
        doc_number=sale.number,
    )
    return sale


def sale_is_payable_done(sale: Sale) -> bool:
    """May the goods leave (paid in finance, or on account)? See ``selectors.sale_cleared``."""
    return selectors.sale_cleared(sale)


@transaction.atomic
def sale_deliver(*, actor, sale: Sale, signed_by: str, signature: str = "") -> Sale:
    """配送签收: the buyer's signed proof of receipt."""
    sale = Sale.objects.select_for_update().get(pk=sale.pk)
    workflows.SALE.require_action(sale, "deliver", actor=actor)
    if sale.delivery_status == DeliveryStatus.DELIVERED:
        raise field_error("status", _("该单已签收"), code="not_pending")
    if not (signed_by or "").strip():
        raise field_error("signed_by", _("请填写签收人"), code="required")
    if signature and not signature.startswith("data:image/"):
        raise field_error("signature", _("签名格式不正确"), code="bad_format")
    sale.delivery_status = DeliveryStatus.DELIVERED
    sale.signed_by, sale.signature, sale.signed_at = signed_by.strip(), signature, timezone.now()
    sale.save(update_fields=["delivery_status", "signed_by", "signature", "signed_at"])
    audit_record(actor=actor, obj=sale, verb="delivered", changes={"signed_by": sale.signed_by})
    return sale


@transaction.atomic
def trade_customer_save(
    *,
    actor,
    store,
    customer: TradeCustomer | None = None,
    name: str,
    contact: str = "",
    phone: str = "",
    address: str = "",
    credit_limit=None,
    payment_days=None,
) -> TradeCustomer:
    """批发客户: create or edit one, and make sure finance has its party. The credit limit (信用额度, 0: no
    credit, 先款后货) and payment days are finance's terms of the party: given, they are set through
    finance's door (``party_update``, finance's permission), in the same transaction."""
    require_perm(actor, "parts.change_tradecustomer" if customer else "parts.add_tradecustomer")
    name = (name or "").strip()
    if not name:
        raise field_error("name", _("请填写客户名称"), code="required")
    if customer is None:
        customer, verb = TradeCustomer(store=store), "created"
    elif customer.store_id != store.pk:
        raise field_error("customer", _("客户不属于本门店"), code="out_of_scope")
    else:
        verb = "updated"
    before = {f: getattr(customer, f) for f in ("name", "contact", "phone", "address")}
    customer.name, customer.contact = name[:100], (contact or "").strip()[:30]
    customer.phone, customer.address = (phone or "").strip()[:30], (address or "").strip()[:200]
    customer.save()
    party = trade_party(customer)
    if credit_limit not in (None, "") or payment_days not in (None, ""):
        party_update(
            actor=actor,
            party=party,
            credit_limit=party.credit_limit if credit_limit in (None, "") else credit_limit,
            payment_days=party.payment_days if payment_days in (None, "") else payment_days,
        )
    changes = {f: [before[f], getattr(customer, f)] for f in before if before[f] != getattr(customer, f)}
    if changes or verb == "created":
        audit_record(actor=actor, obj=customer, verb=verb, changes=changes)
    return customer


# --- transfers (调拨) ------------------------------------------------------------------------------


@transaction.atomic
def transfer_create(*, actor, store, to_store, lines: list[dict], note: str = "") -> Transfer:
    require_perm(actor, "parts.add_transfer")
    if to_store.pk == store.pk:
        raise field_error("to_store", _("调入门店不能与调出门店相同"), code="same_party")
    if to_store.group_id != store.group_id:
        raise field_error("to_store", _("只能在本集团门店之间调拨"), code="out_of_scope")
    if not lines:
        raise field_error("lines", _("请至少添加一行配件"), code="no_lines")
    objs = []
    for i, raw in enumerate(lines):
        try:
            qty = clean_qty(raw["part"], raw.get("qty"))
        except BusinessError as e:
            raise _lines_error(i, e.error_code, e.message_dict["qty"][0]) from None
        objs.append(TransferLine(part=raw["part"], qty=qty))
    tr = Transfer.objects.create(store=store, to_store=to_store, created_by=actor, note=note)
    for ln in objs:
        ln.transfer = tr
    TransferLine.objects.bulk_create(objs)
    audit_record(actor=actor, obj=tr, verb="created", store=store)
    tr.number = next_number(store=store, kind=DocKind.TRANSFER)
    Transfer.objects.filter(pk=tr.pk).update(number=tr.number)
    return tr


@retry_on_conflict
@transaction.atomic
def transfer_ship(*, actor, transfer: Transfer) -> Transfer:
    """调出: stock leaves the source store at its average cost and is in transit."""
    tr = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if tr.store_id not in store_ids_for(actor) and not actor.is_superuser:
        raise NotAllowed(_("只有调出门店可以发货"))
    workflows.TRANSFER.require(tr, to=TransferStatus.SHIPPED, actor=actor)
    lines = list(tr.lines.select_related("part").order_by("part_id"))
    moves = stock_post_lines(
        actor=actor,
        store=tr.store,
        doc=tr,
        doc_number=tr.number,
        kind=MoveKind.TRANSFER_OUT,
        lines=[StockLine(ln.part, -ln.qty, source=ln) for ln in lines],
    )
    for ln, m in zip(lines, moves, strict=True):
        ln.unit_cost = m.unit_cost
    TransferLine.objects.bulk_update(lines, ["unit_cost"])
    tr.status, tr.shipped_at = TransferStatus.SHIPPED, timezone.now()
    tr.save(update_fields=["status", "shipped_at"])
    audit_record(actor=actor, obj=tr, verb="shipped", store=tr.store)
    return tr


@retry_on_conflict
@transaction.atomic
def transfer_receive(*, actor, transfer: Transfer) -> Transfer:
    """调入: the receiving store books the goods at the cost they left at."""
    tr = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if tr.to_store_id not in store_ids_for(actor) and not actor.is_superuser:
        raise NotAllowed(_("只有调入门店可以收货"))
    workflows.TRANSFER.require(tr, to=TransferStatus.RECEIVED, actor=actor)
    lines = list(tr.lines.select_related("part").order_by("part_id"))
    stock_post_lines(
        actor=actor,
        store=tr.to_store,
        doc=tr,
        doc_number=tr.number,
        kind=MoveKind.TRANSFER_IN,
        lines=[StockLine(ln.part, ln.qty, ln.unit_cost, source=ln) for ln in lines],
    )
    tr.status, tr.received_at, tr.received_by = TransferStatus.RECEIVED, timezone.now(), actor
    tr.save(update_fields=["status", "received_at", "received_by"])
    audit_record(actor=actor, obj=tr, verb="received", store=tr.to_store)
    return tr


# --- returns (退货台账) ----------------------------------------------------------------------------


@retry_on_conflict
@transaction.atomic
def return_create(
    *,
    actor,
    store,
    kind: str,
    lines: list[dict],
    reason: str,
    sale: Sale | None = None,
    supplier=None,
    partner_name: str = "",
) -> ReturnOrder:
    """A customer return (good parts back into stock, defective ones held on the returns ledger) or a
    return to a supplier (out of stock). The order stays open on the returns ledger until resolved."""
    require_perm(actor, "parts.add_returnorder")
    if kind not in ReturnKind.values:
        raise field_error("kind", _("未知退货类型"), code="invalid_choice")
    if not (reason or "").strip():
        raise field_error("reason", _("请填写退货原因"), code="required")
    if kind == ReturnKind.SUPPLIER and supplier is None:
        raise field_error("supplier", _("请选择供应商"), code="required")
    if sale is not None and (sale.store_id != store.pk or sale.status != SaleStatus.POSTED):
        raise field_error("sale", _("原销售单不存在或未出库"), code="not_found")
    if not lines:
        raise field_error("lines", _("请至少添加一行配件"), code="no_lines")
    sold = {}
    if sale is not None:
        sold = {ln.part_id: ln for ln in sale.lines.all()}
        already = dict(
            ReturnLine.objects.filter(order__sale=sale)
            .values_list("part_id")
            .annotate(s=Sum("qty"))
            .values_list("part_id", "s")
        )
    objs = []
    for i, raw in enumerate(lines):
        part = raw["part"]
        try:
            qty = clean_qty(part, raw.get("qty"))
        except BusinessError as e:
            raise _lines_error(i, e.error_code, e.message_dict["qty"][0]) from None
        cond = raw.get("condition") or ReturnCondition.GOOD
        if sale is not None:
            sl = sold.get(part.pk)
            if sl is None:
                raise _lines_error(i, "mismatch", _("原销售单中没有该配件"))
            if qty + (already.get(part.pk) or 0) > sl.qty:
                raise _lines_error(i, "over_quantity", _("退货数量超过原销售数量"))
            price, cost = sl.unit_price, sl.unit_cost
        else:
            price = round_money(to_decimal(raw.get("unit_price") or 0))
            cost = clean_cost(raw["unit_cost"]) if raw.get("unit_cost") not in (None, "") else None
        objs.append(ReturnLine(part=part, qty=qty, condition=cond, unit_price=price, unit_cost=cost or 0))
        objs[-1]._cost_given = cost
    moving = sorted(
        [ln for ln in objs if kind == ReturnKind.SUPPLIER or ln.condition == ReturnCondition.GOOD],
        key=lambda ln: ln.part_id,
    )
    # a customer's good parts come back at the cost they left at (else the average); a supplier's go out
    sign = 1 if kind == ReturnKind.CUSTOMER else -1
    posting = stock_stage(
        actor=actor,
        store=store,
        kind=MoveKind.CUSTOMER_RETURN if kind == ReturnKind.CUSTOMER else MoveKind.SUPPLIER_RETURN,
        lines=[
            StockLine(ln.part, sign * ln.qty, ln._cost_given if sign > 0 else None, source=ln)
            for ln in moving
        ],
    )
    for ln, m in zip(moving, posting.moves, strict=True):
        ln.unit_cost = m.unit_cost
    order = ReturnOrder.objects.create(
        store=store,
        number=next_number(store=store, kind=DocKind.RETURN),
        kind=kind,
        sale=sale,
        supplier=supplier,
        reason=reason.strip(),
        partner_name=partner_name
        or (sale.customer_name if sale else "")
        or (supplier.name if supplier else ""),
        created_by=actor,
    )
    for ln in objs:
        ln.order = order
    ReturnLine.objects.bulk_create(objs)
    posting.write(doc=order, doc_number=order.number)
    audit_record(
        actor=actor, obj=order, verb="created", store=store, changes={"kind": kind, "lines": len(objs)}
    )
    return order


@transaction.atomic
def return_resolve(*, actor, order: ReturnOrder, resolution: str, refund_amount=0) -> ReturnOrder:
    """Close a return on the returns ledger (refunded, credited by the supplier, claimed, scrapped…). What a
    supplier owes back for a return to it (退供应商, its credit or refund) is posted as an open item on the
    supplier's party in finance, which collects it or nets it against the supplier's payables.

    A customer's refund for parts of a sale (退货退款) is a credit (贷项) on the sale's receivable in finance,
    never more than the returned lines came to: the customer then owes that much less, and what was
    already paid beyond it becomes the customer's advance (预收), which the cashier pays back at the desk
    (or keeps for a next purchase). An invoice issued for the sale is reddened for the refund."""
    order = (
        ReturnOrder.objects.select_for_update(of=("self",))
        .select_related("supplier", "sale")
        .get(pk=order.pk)
    )
    workflows.RETURN.require(order, to=ReturnStatus.RESOLVED, actor=actor)
    if not (resolution or "").strip():
        raise field_error("resolution", _("请填写处理结果"), code="required")
    amount = round_money(to_decimal(refund_amount or 0))
    if amount < 0:
        raise field_error("refund_amount", _("金额不能为负数"), code="negative")
    order.status, order.resolution, order.refund_amount = ReturnStatus.RESOLVED, resolution.strip(), amount
    order.resolved_at = timezone.now()
    order.save(update_fields=["status", "resolution", "refund_amount", "resolved_at"])
    if amount > 0 and order.kind == ReturnKind.SUPPLIER and order.supplier_id:
        from .purchasing import supplier_party

        items_post(
            actor=actor,
            store=order.store,
            doc=order,
            doc_number=order.number,
            rows=[
                ItemRow(
                    party=supplier_party(order.store, order.supplier),
                    direction=Direction.RECEIVABLE,
                    source=ItemSource.OTHER,
                    department=DepartmentKind.PARTS,
                    amount=amount,
                    memo=f"{_('退供应商')} {order.reason}"[:200],
                )
            ],
        )
    if amount > 0 and order.kind == ReturnKind.CUSTOMER and order.sale_id:
        _refund_customer_return(actor, order, amount)
    audit_record(actor=actor, obj=order, verb="resolved", changes={"resolution": order.resolution})
    return order


def _returned_value(order: ReturnOrder) -> Decimal:
    """What the returned lines came to on the sale: each line's share of its sale line's amount (after the
    discount), by quantity."""
    sold = {ln.part_id: ln for ln in order.sale.lines.all()}
    total = ZERO
    for ln in order.lines.all():
        sl = sold.get(ln.part_id)
        if sl is not None and sl.qty:
            total += round_money(sl.amount * ln.qty / sl.qty)
    return total


def _refund_customer_return(actor, order: ReturnOrder, amount: Decimal) -> None:
    sale = order.sale
    value = _returned_value(order)
    if amount > value:
        raise field_error(
            "refund_amount",
            _("退款金额 %(a)s 超过退货金额 %(v)s") % {"a": f"{amount:,.2f}", "v": f"{value:,.2f}"},
            code="over_refund",
        )
    item = selectors.sale_open_item(sale)
    if item is None:
        raise field_error(
            "refund_amount",
            _("销售单 %(no)s 在财务没有应收，不能退款") % {"no": sale.number},
            code="not_found",
        )
    # the good parts went back into stock at the cost they left at: that cost of sales is taken back
    cost = sum(
        (
            round_money(ln.qty * ln.unit_cost)
            for ln in order.lines.all()
            if ln.condition == ReturnCondition.GOOD
        ),
        ZERO,
    )
    why = f"{_('退货')} {order.number} {order.reason}"[:200]
    item_credit(
        actor=actor,
        item=item,
        amount=amount,
        reason=why,
        doc=order,
        doc_number=order.number,
        cost_amount=min(cost, item.cost_amount),
    )
    invoice = selectors.sale_invoice_of(sale)
    if invoice is not None and invoice.status == InvoiceStatus.ISSUED:
        invoice_credit(actor=actor, invoice=invoice, amount=amount, reason=why)
