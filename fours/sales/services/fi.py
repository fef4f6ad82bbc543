"""金融保险 (F&I): the partners (banks, finance companies, guarantors, insurers, each a finance ``Party``)
with their products, the loan applications of orders with the 五大件 file, and new-car policies.

Money goes through finance's door:

- at a loan's approval the order's receivable is split: the customer's open 整车销售 items of the order
  are reversed (what was paid on them becomes the customer's advance), the customer's item is posted
  again for the order's amount less the loan and the bank's item (按揭放款, party = the product's partner)
  for the approved amount, then the customer's advance from the reversed items is applied to the new
  item. Every figure keeps its VAT in the proportion of the reversed items, so revenue and output VAT
  stay what the order posted;
- the disbursement is taken by finance or the cashier against the bank's item; ``loan_disburse`` only
  records it, once finance shows the bank's item paid;
- a commission (佣金) is a receivable from the partner (source 金融保险佣金, doc = the loan or policy),
  VAT at the rate of financial and agency services (6 %).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record, diff
from fours.core.choices import DepartmentKind, DocKind
from fours.core.errors import field_error
from fours.core.money import round_money, split_vat
from fours.core.numbering import next_number
from fours.core.permissions import require_perm
from fours.finance import services as money
from fours.finance.choices import Direction, ItemSource, ItemStatus, PartyKind
from fours.finance.models import OpenItem, Party
from fours.reports.choices import Metric
from fours.reports.services import summary_add

from ..choices import CoverKind, LoanDoc, LoanStatus, OrderStatus, PolicyStatus, ProductKind
from ..models import LoanApplication, LoanDocument, Policy, Product, VehicleOrder
from ..workflows import LOAN

ZERO = Decimal("0")
# 金融服务、经纪代理服务: the VAT rate of a commission (佣金) invoiced to the partner
COMMISSION_VAT_RATE = Decimal("0.06")
PARTNER_KINDS = {
    ProductKind.LOAN: (PartyKind.BANK, PartyKind.FINANCE_CO, PartyKind.GUARANTOR),
    ProductKind.INSURANCE: (PartyKind.INSURER,),
}
# orders a loan or a policy may be placed for: authorised by the manager, not delivered nor cancelled
LOAN_ORDER_STATUSES = (OrderStatus.AUTHORISED, OrderStatus.ORDERED, OrderStatus.ALLOCATED, OrderStatus.READY)
LIVE_LOAN = (LoanStatus.COLLECTING, LoanStatus.SUBMITTED, LoanStatus.APPROVED, LoanStatus.DISBURSED)
SCAN_TYPES = ("jpg", "jpeg", "png", "webp", "heic", "pdf")
SCAN_MAX_BYTES = 15 * 1024 * 1024


# --- input -------------------------------------------------------------------------------------------


def _amount(value, field: str, label, *, allow_zero: bool = False) -> Decimal:
    return money.clean_amount(value, field, label=label, allow_zero=allow_zero)


def _pct(value, field: str) -> Decimal:
    try:
        pct = Decimal(str(value).strip()) if value not in (None, "") else ZERO
    except (InvalidOperation, ValueError):
        raise field_error(field, _("请输入数字（%）"), code="bad_format") from None
    if not pct.is_finite() or pct < 0 or pct > 100:
        raise field_error(field, _("比例须在0到100之间"), code="out_of_range")
    return pct.quantize(Decimal("0.01"))


def _months(value, field: str = "term_months", *, required: bool = True) -> int | None:
    if value in (None, ""):
        if required:
            raise field_error(field, _("请填写期限（月）"), code="required")
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise field_error(field, _("期限须为整数（月）"), code="bad_format") from None
    if n < 1 or n > 120:
        raise field_error(field, _("期限须在1到120个月之间"), code="out_of_range")
    return n


def _date(value, field: str, label) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise field_error(field, _("%(f)s格式不正确") % {"f": label}, code="bad_format") from None


def commission_of(amount: Decimal, pct: Decimal) -> Decimal:
    """The partner's commission: the product's rate of the loan (or the premium), to the fen."""
    return round_money(Decimal(amount) * Decimal(pct) / 100)


# --- partners and products (合作机构 / 金融保险产品) --------------------------------------------------


@transaction.atomic
def partner_create(*, actor, store, kind: str, name: str, phone: str = "", payment_days=30) -> Party:
    """A bank, finance company, guarantor or insurer of the store: a finance party (found again by name)."""
    require_perm(actor, "sales.add_product")
    kinds = PARTNER_KINDS[ProductKind.LOAN] + PARTNER_KINDS[ProductKind.INSURANCE]
    if kind not in kinds:
        raise field_error("kind", _("请选择机构类型"), code="invalid_choice")
    name = (name or "").strip()
    if not name:
        raise field_error("name", _("请填写机构名称"), code="required")
    try:
        days = int(payment_days or 0)
    except (TypeError, ValueError):
        raise field_error("payment_days", _("账期须为整数（天）"), code="bad_format") from None
    if days < 0 or days > 365:
        raise field_error("payment_days", _("账期须在0到365天之间"), code="out_of_range")
    if Party.objects.filter(store=store, kind__in=kinds, name=name[:100]).exclude(kind=kind).exists():
        raise field_error("name", _("已有同名的其他类型机构"), code="duplicate")
    party = money.party_for(
        store=store, kind=kind, name=name, phone=(phone or "").strip()[:30], payment_days=days, partner=True
    )
    audit_record(actor=actor, obj=party, verb="created", changes={"name": [None, party.name]})
    return party


def partners(store, kind: str | None = None):
    """The store's partners (finance parties of the partner kinds)."""
    kinds = PARTNER_KINDS.get(kind) or PARTNER_KINDS[ProductKind.LOAN] + PARTNER_KINDS[ProductKind.INSURANCE]
    return Party.objects.filter(store=store, kind__in=kinds).order_by("kind", "name")


@transaction.atomic
def product_save(
    *,
    actor,
    store,
    partner: Party,
    kind: str,
    name: str,
    commission_pct=0,
    term_months=None,
    rate_pct=None,
    active: bool = True,
    product: Product | None = None,
) -> Product:
    """Add or change a partner's product with its commission rate (佣金比例)."""
    require_perm(actor, "sales.change_product" if product else "sales.add_product")
    if kind not in ProductKind.values:
        raise field_error("kind", _("请选择业务类型"), code="invalid_choice")
    if partner is None:
        raise field_error("partner", _("请选择合作机构"), code="required")
    if partner.store_id != store.pk:
        raise field_error("partner", _("合作机构不属于本门店"), code="out_of_scope")
    if partner.kind not in PARTNER_KINDS[kind]:
        raise field_error(
            "partner",
            _("车险产品须选保险公司，贷款产品须选银行、金融公司或担保公司"),
            code="mismatch",
        )
    name = (name or "").strip()
    if not name:
        raise field_error("name", _("请填写产品名称"), code="required")
    values = {
        "partner": partner,
        "kind": kind,
        "name": name[:100],
        "commission_pct": _pct(commission_pct, "commission_pct"),
        "term_months": _months(term_months, required=False) if kind == ProductKind.LOAN else None,
        "rate_pct": _pct(rate_pct, "rate_pct") if rate_pct not in (None, "") else None,
        "active": bool(active),
    }
    dup = Product.objects.filter(store=store, partner=partner, name=values["name"])
    if product is not None:
        dup = dup.exclude(pk=product.pk)
    if dup.exists():
        raise field_error("name", _("该机构已有同名产品"), code="duplicate")
    if product is None:
        product = Product.objects.create(store=store, **values)
        audit_record(actor=actor, obj=product, verb="created", changes={"name": [None, product.name]})
        return product
    if product.store_id != store.pk:
        raise field_error("product", _("产品不属于本门店"), code="out_of_scope")
    product = Product.objects.select_for_update().get(pk=product.pk)
    changes = diff(product, **values)
    for k, v in values.items():
        setattr(product, k, v)
    product.save()
    if changes:
        audit_record(actor=actor, obj=product, verb="updated", changes=changes)
    return product


# --- the order's receivable -------------------------------------------------------------------------


def _order_items(order: VehicleOrder, source: str, party: Party | None = None) -> list[OpenItem]:
    """The order's live items of one source (not reversed, not reversal rows), locked in id order."""
    qs = OpenItem.objects.filter(
        doc_type=ContentType.objects.get_for_model(VehicleOrder),
        doc_id=order.pk,
        source=source,
        direction=Direction.RECEIVABLE,
        amount__gt=0,
    ).exclude(status=ItemStatus.REVERSED)
    if party is not None:
        qs = qs.filter(party=party)
    return list(qs.select_for_update().order_by("pk"))


def bank_item(loan: LoanApplication) -> OpenItem | None:
    """The bank's live 按揭放款 item of the loan's order (posted at approval)."""
    return (
        OpenItem.objects.filter(
            doc_type=ContentType.objects.get_for_model(VehicleOrder),
            doc_id=loan.order_id,
            source=ItemSource.VEHICLE_LOAN,
            party_id=loan.product.partner_id,
            amount__gt=0,
        )
        .exclude(status=ItemStatus.REVERSED)
        .order_by("-pk")
        .first()
    )


def _allocate_back(*, actor, item: OpenItem, amount: Decimal) -> Decimal:
    """Apply the customer's advance (what was paid on the reversed items) to the new item: a transfer
    inside the order's own receivable (no money taken, so not the cashier's permission)."""
    amount = min(amount, item.amount, money.advance_of(item.party))
    if amount <= 0:
        return ZERO
    money.advance_allocate(actor=actor, item=item, amount=amount, transfer=True)
    return amount


def _split(*, actor, order: VehicleOrder, partner: Party | None, loan_amount: Decimal, reason: str) -> dict:
    """Post the order's receivable again as the customer's share and the bank's (``loan_amount``; none
    when 0), reversing the live customer and bank items of the order first. Returns the figures."""
    store = order.store
    customer = money.customer_party(store, order.customer)
    cust_items = _order_items(order, ItemSource.VEHICLE_SALE, customer)
    bank_items = _order_items(order, ItemSource.VEHICLE_LOAN)
    items = sorted(cust_items + bank_items, key=lambda i: i.pk)
    if not cust_items and not bank_items:
        raise field_error("order", _("订单尚未在财务挂账（须经理审批订单后）"), code="not_posted")
    for b in bank_items:
        if b.allocated > 0:
            raise field_error("order", _("银行已放款，不能再调整贷款金额"), code="partly_paid")
    total = sum((i.amount - i.credited for i in items), ZERO)
    net = sum((i.net_amount for i in items), ZERO)
    tax = sum((i.tax_amount for i in items), ZERO)
    paid = sum((i.allocated for i in cust_items), ZERO)
    # credits (贷项) were already taken off: their share of net and tax goes with them
    for i in items:
        if i.credited:
            done = OpenItem.objects.filter(credit_of=i)
            net += sum((-c.net_amount for c in done), ZERO)
            tax += sum((-c.tax_amount for c in done), ZERO)
    if loan_amount > total:
        raise field_error(
            "approved_amount",
            _("贷款金额 %(a)s 超过订单应收 %(t)s") % {"a": f"{loan_amount:,.2f}", "t": f"{total:,.2f}"},
            code="out_of_range",
        )
    for i in items:
        money.item_reverse(actor=actor, item=i, reason=reason)
    bank_tax = round_money(tax * loan_amount / total) if total else ZERO
    rows = []
    own = total - loan_amount
    if own > 0:
        rows.append(
            money.ItemRow(
                party=customer,
                direction=Direction.RECEIVABLE,
                source=ItemSource.VEHICLE_SALE,
                department=DepartmentKind.SALES,
                amount=own,
                net_amount=(net - (loan_amount - bank_tax)),
                tax_amount=tax - bank_tax,
                due_date=timezone.localdate(),
                memo=_("%(c)s 首付款") % {"c": order.customer.name},
            )
        )
    if loan_amount > 0:
        rows.append(
            money.ItemRow(
                party=partner,
                direction=Direction.RECEIVABLE,
                source=ItemSource.VEHICLE_LOAN,
                department=DepartmentKind.SALES,
                amount=loan_amount,
                net_amount=loan_amount - bank_tax,
                tax_amount=bank_tax,
                memo=_("%(c)s 按揭放款") % {"c": order.customer.name},
            )
        )
    posted = money.items_post(actor=actor, store=store, doc=order, doc_number=order.number, rows=rows)
    applied = ZERO
    if own > 0 and paid > 0:
        applied = _allocate_back(actor=actor, item=posted[0], amount=paid)
    return {"total": total, "own": own, "loan": loan_amount, "paid": paid, "applied": applied}


# --- loan applications (按揭申请) --------------------------------------------------------------------


def _lock_loan(loan: LoanApplication) -> LoanApplication:
    # only the loan's row: select_related rows (the store every insert of the store's rows refers to)
    # stay unlocked
    return (
        LoanApplication.objects.select_for_update(of=("self",))
        .select_related("order", "product")
        .get(pk=loan.pk)
    )


def _lock_order(order: VehicleOrder) -> VehicleOrder:
    return (
        VehicleOrder.objects.select_for_update(of=("self",))
        .select_related("customer", "store")
        .get(pk=order.pk)
    )


def _check_order(order: VehicleOrder) -> None:
    if order.status not in LOAN_ORDER_STATUSES:
        raise field_error(
            "order",
            _("订单“%(s)s”不能办理按揭（须经理审批后、交车前）") % {"s": order.get_status_display()},
            code="bad_transition",
        )


@transaction.atomic
def loan_create(
    *, actor, order: VehicleOrder, product: Product, amount, term_months=None, note: str = ""
) -> LoanApplication:
    """按揭申请 of an authorised order with a partner's loan product: the file is collected next."""
    require_perm(actor, "sales.add_loanapplication")
    order = _lock_order(order)
    _check_order(order)
    if product is None:
        raise field_error("product", _("请选择贷款产品"), code="required")
    if product.store_id != order.store_id:
        raise field_error("product", _("产品不属于本门店"), code="out_of_scope")
    if product.kind != ProductKind.LOAN or not product.active:
        raise field_error("product", _("请选择启用中的贷款产品"), code="invalid_choice")
    amount = _amount(amount, "amount", _("申请金额"))
    if amount > order.total:
        raise field_error(
            "amount",
            _("申请金额 %(a)s 超过合同总价 %(t)s") % {"a": f"{amount:,.2f}", "t": f"{order.total:,.2f}"},
            code="out_of_range",
        )
    if LoanApplication.objects.filter(order=order, status__in=LIVE_LOAN).exists():
        raise field_error("order", _("该订单已有按揭申请"), code="duplicate")
    loan = LoanApplication(
        store=order.store,
        order=order,
        product=product,
        amount=amount,
        term_months=_months(term_months if term_months not in (None, "") else product.term_months),
        specialist=actor,
        created_by=actor,
        note=(note or "").strip()[:500],
    )
    loan.number = next_number(store=order.store, kind=DocKind.LOAN)
    loan.save()
    audit_record(
        actor=actor,
        obj=loan,
        verb="created",
        changes={"order": [None, order.number], "amount": [None, amount], "product": [None, str(product)]},
    )
    return loan


def _check_scan(f) -> None:
    ext = (getattr(f, "name", "") or "").rsplit(".", 1)[-1].lower()
    if ext not in SCAN_TYPES:
        raise field_error(
            "file",
            _("%(n)s 不是扫描件（可上传 jpg、png、webp、heic、pdf）") % {"n": f.name},
            code="bad_file_type",
        )
    if f.size > SCAN_MAX_BYTES:
        raise field_error("file", _("%(n)s 超过15 MB") % {"n": f.name}, code="too_large")


@transaction.atomic
def loan_document_add(
    *, actor, loan: LoanApplication, kind: str, file=None, checked: bool = True
) -> LoanDocument:
    """A paper of the file (身份证, 户口本 …): its scan or photo, checked (核对) against the original."""
    require_perm(actor, "sales.add_loandocument")
    loan = _lock_loan(loan)
    LOAN.require_action(loan, "documents", actor=actor)
    if kind not in LoanDoc.values:
        raise field_error("kind", _("请选择资料类型"), code="invalid_choice")
    if file is None:
        raise field_error("file", _("请选择扫描件或照片"), code="required")
    _check_scan(file)
    doc = LoanDocument.objects.create(
        store=loan.store, application=loan, kind=kind, file=file, checked=bool(checked), uploaded_by=actor
    )
    audit_record(
        actor=actor, obj=loan, verb="updated", note=_("上传资料：%(k)s") % {"k": LoanDoc(kind).label}
    )
    return doc


@transaction.atomic
def loan_document_check(*, actor, document: LoanDocument, checked: bool = True) -> LoanDocument:
    """核对 a paper against the original (or take the tick back)."""
    require_perm(actor, "sales.change_loandocument")
    loan = _lock_loan(document.application)
    LOAN.require_action(loan, "documents", actor=actor)
    doc = LoanDocument.objects.select_for_update().get(pk=document.pk)
    if doc.checked != bool(checked):
        audit_record(
            actor=actor,
            obj=loan,
            verb="updated",
            note=(_("核对资料：%(k)s") if checked else _("取消核对：%(k)s")) % {"k": LoanDoc(doc.kind).label},
        )
        doc.checked = bool(checked)
        doc.save(update_fields=["checked"])
    return doc


def missing_papers(loan: LoanApplication) -> list[str]:
    """The 五大件 the file still lacks: no scan of that paper checked against the original."""
    have = set(
        LoanDocument.objects.filter(application=loan, checked=True)
        .exclude(file="")
        .values_list("kind", flat=True)
    )
    return [k for k in LoanDoc.five() if k not in have]


@transaction.atomic
def loan_submit(*, actor, loan: LoanApplication) -> LoanApplication:
    """报送 the file to the bank: refused while a paper of the 五大件 is missing or not checked."""
    loan = _lock_loan(loan)
    LOAN.require(loan, to=LoanStatus.SUBMITTED, actor=actor)
    _check_order(loan.order)
    missing = missing_papers(loan)
    if missing:
        raise field_error(
            "documents",
            _("五大件不齐，缺少（或未核对）：%(m)s")
            % {"m": "、".join(str(LoanDoc(k).label) for k in missing)},
            code="documents_missing",
        )
    loan.status = LoanStatus.SUBMITTED
    loan.submitted_at = timezone.now()
    loan.save(update_fields=["status", "submitted_at"])
    audit_record(
        actor=actor, obj=loan, verb="submitted", changes={"status": [LoanStatus.COLLECTING, loan.status]}
    )
    return loan


@transaction.atomic
def loan_approve(*, actor, loan: LoanApplication, approved_amount=None, note: str = "") -> LoanApplication:
    """银行审批通过: the order's receivable is split between the customer and the bank (see the module)."""
    loan = _lock_loan(loan)
    LOAN.require(loan, to=LoanStatus.APPROVED, actor=actor)
    order = _lock_order(loan.order)
    _check_order(order)
    amount = (
        loan.amount
        if approved_amount in (None, "")
        else _amount(approved_amount, "approved_amount", _("批复金额"))
    )
    figures = _split(
        actor=actor,
        order=order,
        partner=loan.product.partner,
        loan_amount=amount,
        reason=_("按揭批复 %(n)s：拆分客户与银行应收") % {"n": loan.number},
    )
    loan.status = LoanStatus.APPROVED
    loan.approved_amount = amount
    loan.decided_at = timezone.now()
    if note:
        loan.note = (note or "").strip()[:500]
    loan.save(update_fields=["status", "approved_amount", "decided_at", "note"])
    VehicleOrder.objects.filter(pk=order.pk).update(loan_amount=amount)
    audit_record(
        actor=actor,
        obj=loan,
        verb="approved",
        changes={"status": [LoanStatus.SUBMITTED, loan.status], "approved_amount": [None, amount]},
        note=note,
    )
    audit_record(
        actor=actor,
        obj=order,
        verb="updated",
        changes={"loan_amount": [order.loan_amount, amount]},
        note=_("客户应付 %(o)s，银行放款 %(l)s") % {"o": f"{figures['own']:,.2f}", "l": f"{amount:,.2f}"},
    )
    return loan


@transaction.atomic
def loan_reject(*, actor, loan: LoanApplication, reason: str) -> LoanApplication:
    """银行拒贷, with the reason; the order stays the customer's to pay in full."""
    loan = _lock_loan(loan)
    LOAN.require(loan, to=LoanStatus.REJECTED, actor=actor)
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reject_reason", _("请填写拒绝原因"), code="required")
    loan.status = LoanStatus.REJECTED
    loan.reject_reason = reason[:300]
    loan.decided_at = timezone.now()
    loan.save(update_fields=["status", "reject_reason", "decided_at"])
    audit_record(
        actor=actor,
        obj=loan,
        verb="rejected",
        changes={"status": [LoanStatus.SUBMITTED, loan.status]},
        note=reason,
    )
    return loan


@transaction.atomic
def loan_reopen(*, actor, loan: LoanApplication, product: Product | None = None) -> LoanApplication:
    """A rejected file collected again (补充资料, or another bank's product) to be submitted again."""
    loan = _lock_loan(loan)
    LOAN.require(loan, to=LoanStatus.COLLECTING, actor=actor)
    _check_order(loan.order)
    changes = {"status": [loan.status, LoanStatus.COLLECTING]}
    if product is not None and product.pk != loan.product_id:
        if product.store_id != loan.store_id or product.kind != ProductKind.LOAN or not product.active:
            raise field_error("product", _("请选择启用中的贷款产品"), code="invalid_choice")
        changes["product"] = [str(loan.product), str(product)]
        loan.product = product
    if LoanApplication.objects.filter(order=loan.order, status__in=LIVE_LOAN).exclude(pk=loan.pk).exists():
        raise field_error("order", _("该订单已有按揭申请"), code="duplicate")
    loan.status = LoanStatus.COLLECTING
    loan.submitted_at = loan.decided_at = None
    loan.save(update_fields=["status", "product", "submitted_at", "decided_at"])
    audit_record(actor=actor, obj=loan, verb="reopened", changes=changes)
    return loan


@transaction.atomic
def loan_cancel(*, actor, loan: LoanApplication, reason: str) -> LoanApplication:
    """取消 a loan still collecting, or approved and not yet disbursed: an approved one gives the bank's
    share back to the customer (the order's receivable is the customer's again)."""
    loan = _lock_loan(loan)
    LOAN.require(loan, to=LoanStatus.CANCELLED, actor=actor)
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", _("请填写取消原因"), code="required")
    before = loan.status
    if before == LoanStatus.APPROVED:
        order = _lock_order(loan.order)
        _split(
            actor=actor,
            order=order,
            partner=None,
            loan_amount=ZERO,
            reason=_("按揭取消 %(n)s：银行应收转回客户") % {"n": loan.number},
        )
        VehicleOrder.objects.filter(pk=order.pk).update(loan_amount=ZERO)
        audit_record(
            actor=actor, obj=order, verb="updated", changes={"loan_amount": [order.loan_amount, ZERO]}
        )
    loan.status = LoanStatus.CANCELLED
    loan.note = f"{loan.note} {reason}".strip()[:500]
    loan.save(update_fields=["status", "note"])
    audit_record(
        actor=actor, obj=loan, verb="cancelled", changes={"status": [before, loan.status]}, note=reason
    )
    return loan


@transaction.atomic
def loans_close_for_order(*, actor, order: VehicleOrder, reason: str) -> int:
    """退订: the order's loans still collecting or approved are cancelled when the order's own items were
    reversed by its cancellation (no money is moved here). Returns how many were closed."""
    closed = 0
    for loan in LoanApplication.objects.select_for_update().filter(
        order=order, status__in=(LoanStatus.COLLECTING, LoanStatus.APPROVED)
    ):
        LOAN.require(loan, to=LoanStatus.CANCELLED, actor=actor)
        before = loan.status
        loan.status = LoanStatus.CANCELLED
        loan.note = f"{loan.note} {reason}".strip()[:500]
        loan.save(update_fields=["status", "note"])
        audit_record(
            actor=actor, obj=loan, verb="cancelled", changes={"status": [before, loan.status]}, note=reason
        )
        closed += 1
    return closed


def _post_commission(*, actor, store, party: Party, doc, doc_number: str, amount: Decimal, memo: str) -> None:
    if amount <= 0:
        return
    net, vat = split_vat(amount, COMMISSION_VAT_RATE)
    money.items_post(
        actor=actor,
        store=store,
        doc=doc,
        doc_number=doc_number,
        rows=[
            money.ItemRow(
                party=party,
                direction=Direction.RECEIVABLE,
                source=ItemSource.COMMISSION,
                department=DepartmentKind.SALES,
                amount=amount,
                net_amount=net,
                tax_amount=vat,
                memo=memo,
            )
        ],
    )


@transaction.atomic
def loan_disburse(*, actor, loan: LoanApplication) -> LoanApplication:
    """放款 recorded once finance shows the bank's item paid (refused otherwise: ``unpaid``); the partner's
    commission on the loan is posted as its receivable."""
    loan = _lock_loan(loan)
    LOAN.require(loan, to=LoanStatus.DISBURSED, actor=actor)
    item = bank_item(loan)
    if item is None or item.open_amount > 0:
        owed = item.open_amount if item is not None else loan.approved_amount or ZERO
        raise field_error(
            "status",
            _("银行尚未放款：按揭放款 ¥%(o)s 未到账，请财务到账核销后再确认") % {"o": f"{owed:,.2f}"},
            code="unpaid",
        )
    order = loan.order
    now = timezone.now()
    commission = commission_of(loan.approved_amount or ZERO, loan.product.commission_pct)
    loan.status = LoanStatus.DISBURSED
    loan.disbursed_at = now
    loan.commission = commission
    loan.save(update_fields=["status", "disbursed_at", "commission"])
    _post_commission(
        actor=actor,
        store=loan.store,
        party=loan.product.partner,
        doc=loan,
        doc_number=loan.number,
        amount=commission,
        memo=_("按揭佣金 %(o)s %(c)s") % {"o": order.number, "c": order.customer.name},
    )
    day = timezone.localdate(now)
    person = order.consultant
    summary_add(store=loan.store, metric=Metric.LOANS, day=day, person=person)
    summary_add(store=loan.store, metric=Metric.FI_COMMISSION, value=commission, day=day, person=person)
    audit_record(
        actor=actor,
        obj=loan,
        verb="status",
        changes={"status": [LoanStatus.APPROVED, loan.status], "commission": [None, commission]},
    )
    return loan


# --- new-car insurance (新车保险) ---------------------------------------------------------------------


def clean_covers(covers) -> list[dict]:
    """险种: [{"kind": CoverKind, "amount": 保额 (optional)}]; each kind once, 交强险 or another at least."""
    out, seen = [], set()
    for i, row in enumerate(covers or []):
        kind = row.get("kind") if isinstance(row, dict) else row
        if kind in (None, ""):
            continue
        if kind not in CoverKind.values:
            raise field_error(f"covers.{i}.kind", _("请选择险种"), code="invalid_choice")
        if kind in seen:
            raise field_error(f"covers.{i}.kind", _("险种重复"), code="duplicate")
        seen.add(kind)
        amount = row.get("amount") if isinstance(row, dict) else None
        out.append(
            {
                "kind": kind,
                "amount": str(_amount(amount, f"covers.{i}.amount", _("保额")))
                if amount not in (None, "")
                else "",
            }
        )
    if not out:
        raise field_error("covers", _("请至少选择一个险种"), code="required")
    return out


def _archive_policy(*, actor, vehicle, product: Product, expires_on: dt.date) -> None:
    """The archive vehicle's insurer and policy expiry: customer care's renewal reminders read them."""
    from fours.customers.services import vehicle_update

    if vehicle.policy_expiry and vehicle.policy_expiry > expires_on:
        return
    vehicle_update(
        actor=actor, vehicle=vehicle, data={"insurer": product.partner.name[:50], "policy_expiry": expires_on}
    )


@transaction.atomic
def policy_create(
    *,
    actor,
    store,
    product: Product,
    policy_no: str,
    covers,
    premium,
    starts_on,
    expires_on=None,
    order: VehicleOrder | None = None,
    vehicle=None,
    note: str = "",
) -> Policy:
    """入保: a new-car policy placed with an insurer's product for an order (or an archive vehicle): its
    covers, premium, the commission from the product's rate (a receivable from the insurer), start and
    expiry (one year by default); the expiry is written onto the archive vehicle when it is there."""
    require_perm(actor, "sales.add_policy")
    if product is None:
        raise field_error("product", _("请选择保险产品"), code="required")
    if product.store_id != store.pk:
        raise field_error("product", _("产品不属于本门店"), code="out_of_scope")
    if product.kind != ProductKind.INSURANCE or not product.active:
        raise field_error("product", _("请选择启用中的车险产品"), code="invalid_choice")
    if order is None and vehicle is None:
        raise field_error("order", _("请选择车辆订单或档案车辆"), code="required")
    if order is not None:
        order = _lock_order(order)
        if order.store_id != store.pk:
            raise field_error("order", _("订单不属于本门店"), code="out_of_scope")
        if order.status not in LOAN_ORDER_STATUSES + (OrderStatus.DELIVERED,):
            raise field_error("order", _("订单须经理审批后才能入保"), code="bad_transition")
        vehicle = vehicle or order.archive_vehicle
    if vehicle is not None and vehicle.group_id != store.group_id:
        raise field_error("vehicle", _("车辆不属于本集团"), code="out_of_scope")
    policy_no = (policy_no or "").strip().upper()
    if not policy_no:
        raise field_error("policy_no", _("请填写保单号"), code="required")
    if Policy.objects.filter(product__partner=product.partner, policy_no=policy_no).exists():
        raise field_error("policy_no", _("该保险公司已有此保单号"), code="duplicate")
    covers = clean_covers(covers)
    premium = _amount(premium, "premium", _("保费"))
    starts = _date(starts_on, "starts_on", _("起保日期"))
    if starts is None:
        raise field_error("starts_on", _("请填写起保日期"), code="required")
    expires = _date(expires_on, "expires_on", _("到期日期"))
    if expires is None:
        try:
            expires = starts.replace(year=starts.year + 1) - dt.timedelta(days=1)
        except ValueError:  # 29 February
            expires = starts.replace(year=starts.year + 1, day=28)
    if expires <= starts:
        raise field_error("expires_on", _("到期日期须晚于起保日期"), code="date_order")
    commission = commission_of(premium, product.commission_pct)
    policy = Policy.objects.create(
        store=store,
        order=order,
        vehicle=vehicle,
        product=product,
        policy_no=policy_no[:40],
        covers=covers,
        premium=premium,
        commission=commission,
        starts_on=starts,
        expires_on=expires,
        specialist=actor,
    )
    who = order.customer.name if order is not None else (vehicle.plate or vehicle.vin)
    _post_commission(
        actor=actor,
        store=store,
        party=product.partner,
        doc=policy,
        doc_number=policy.policy_no,
        amount=commission,
        memo=_("车险佣金 %(p)s %(c)s") % {"p": policy.policy_no, "c": who},
    )
    if vehicle is not None:
        _archive_policy(actor=actor, vehicle=vehicle, product=product, expires_on=expires)
    day = timezone.localdate(policy.created_at)
    person = (order.consultant if order is not None else None) or actor
    summary_add(store=store, metric=Metric.POLICIES, day=day, person=person)
    summary_add(store=store, metric=Metric.FI_COMMISSION, value=commission, day=day, person=person)
    audit_record(
        actor=actor,
        obj=policy,
        verb="created",
        changes={"premium": [None, premium], "commission": [None, commission], "expires_on": [None, expires]},
        note=(note or "")[:500],
    )
    return policy


@transaction.atomic
def policy_cancel(*, actor, policy: Policy, reason: str) -> Policy:
    """退保: the policy is cancelled with its reason; the insurer's commission receivable on it is reversed
    (what the insurer had paid of it becomes the insurer's advance in finance). The month's summaries keep
    counting the policy as placed, as the rebuild from the documents does."""
    from ..workflows import POLICY

    policy = Policy.objects.select_for_update(of=("self",)).get(pk=policy.pk)
    POLICY.require(policy, to=PolicyStatus.CANCELLED, actor=actor)
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", _("请填写退保原因"), code="required")
    from ..selectors.fi import doc_commission_items

    for item in doc_commission_items(policy):
        if item.amount > 0 and item.status != ItemStatus.REVERSED:
            money.item_reverse(
                actor=actor, item=item, reason=_("退保 %(n)s：%(r)s") % {"n": policy.policy_no, "r": reason}
            )
    policy.status = PolicyStatus.CANCELLED
    policy.save(update_fields=["status"])
    audit_record(
        actor=actor,
        obj=policy,
        verb="cancelled",
        changes={"status": PolicyStatus.CANCELLED},
        note=reason[:500],
    )
    return policy


@transaction.atomic
def policies_to_archive(*, actor, order: VehicleOrder) -> int:
    """At delivery (the archive vehicle now exists): the order's policies take the vehicle and write
    their insurer and expiry onto it. Returns how many policies were linked."""
    if order.archive_vehicle_id is None:
        return 0
    policies = list(
        Policy.objects.select_for_update(of=("self",))
        .filter(order=order, status=PolicyStatus.ACTIVE, vehicle__isnull=True)
        .select_related("product__partner")
    )
    for p in policies:
        p.vehicle_id = order.archive_vehicle_id
        p.save(update_fields=["vehicle"])
    latest = max(policies, key=lambda p: p.expires_on, default=None)
    if latest is not None:
        _archive_policy(
            actor=actor, vehicle=order.archive_vehicle, product=latest.product, expires_on=latest.expires_on
        )
    return len(policies)
