"""发票登记: the invoices a store issues, numbered without gaps per store × kind × year."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _

from fours.core.audit import audit_record
from fours.core.choices import DocKind
from fours.core.errors import field_error
from fours.core.money import round_money
from fours.core.numbering import next_number

from ..choices import InvoiceKind
from ..models import Invoice, Party

INVOICE_DOC_KIND = {
    InvoiceKind.VAT_SPECIAL: DocKind.INVOICE_SPECIAL,
    InvoiceKind.VAT_ORDINARY: DocKind.INVOICE_ORDINARY,
    InvoiceKind.VEHICLE: DocKind.INVOICE_VEHICLE,
}


@transaction.atomic
def invoice_issue(
    *,
    actor,
    store,
    party: Party,
    kind: str,
    department: str,
    amount: Decimal,
    tax_amount: Decimal,
    doc=None,
    doc_number: str = "",
    tax_rate: Decimal | None = None,
    tax_number: str = "",
    tax_date=None,
) -> Invoice:
    """Register an invoice in the posting transaction of its document. The number counter is locked
    until the transaction ends, so a rolled-back posting leaves no gap."""
    if kind not in INVOICE_DOC_KIND:
        raise field_error("kind", _("请选择发票类型"), code="invalid_choice")
    if party.store_id != store.pk:
        raise field_error("party", _("往来单位不属于本门店"), code="out_of_scope")
    amount, tax_amount = round_money(amount), round_money(tax_amount)
    if amount <= 0:
        raise field_error("amount", _("发票金额必须大于0"), code="not_positive")
    inv = Invoice(
        store=store,
        kind=kind,
        party=party,
        department=department,
        amount=amount,
        net_amount=amount - tax_amount,
        tax_amount=tax_amount,
        tax_number=(tax_number or "").strip()[:40],
        tax_date=tax_date,
        doc_type=ContentType.objects.get_for_model(doc) if doc is not None else None,
        doc_id=doc.pk if doc is not None else None,
        doc_number=doc_number,
        issued_by=actor if getattr(actor, "pk", None) else None,
    )
    if tax_rate is not None:
        inv.tax_rate = tax_rate
    inv.number = next_number(store=store, kind=INVOICE_DOC_KIND[kind])
    inv.save(force_insert=True)
    audit_record(
        actor=actor, obj=inv, verb="invoice_issued", changes={"amount": [None, amount]}, note=doc_number
    )
    return inv
