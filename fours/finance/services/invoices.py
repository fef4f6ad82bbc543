"""发票登记: the invoices a store issues, numbered without gaps per store × kind × year.

- ``invoice_issue``: register an invoice in its document's posting transaction;
- ``invoice_tax_record``: the tax system's own number and date (税控发票号码, 开票日期), entered or imported;
- ``invoice_red``: a red-letter invoice (红字发票) for a return or a reversal: a new invoice of the same kind,
  its own number, negative amounts, pointing at the original with a reason, in whole or in part;
  ``invoice_credit`` is the same in a module's posting transaction (a return's refund), the module having
  checked its own step's permission, as for ``invoice_issue``;
- ``invoice_void``: 作废: the invoice is kept, listed and numbered, with its reason.

The number is taken last, so the counter row is held only until the posting commits and a rolled-back
posting gives its number back: the series has no gap."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record, diff
from fours.core.choices import DepartmentKind, DocKind
from fours.core.errors import BusinessError, field_error
from fours.core.money import round_money
from fours.core.numbering import next_number
from fours.core.permissions import require_perm

from ..choices import InvoiceKind, InvoiceStatus
from ..models import Invoice, Party
from .ledger import clean_amount

ZERO = Decimal("0")


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
    if department not in DepartmentKind.values:
        raise field_error("department", _("请选择部门"), code="invalid_choice")
    amount, tax_amount = _money(amount, "amount"), _money(tax_amount, "tax_amount")
    if amount <= 0:
        raise field_error("amount", _("发票金额必须大于0"), code="not_positive")
    if tax_amount < 0 or tax_amount > amount:
        raise field_error("tax_amount", _("税额须在0与价税合计之间"), code="out_of_range")
    if tax_number:
        tax_number = _tax_number(tax_number)
    if tax_date not in (None, ""):
        tax_date = _tax_date(tax_date)
    else:
        tax_date = None
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


def _money(value, field: str) -> Decimal:
    try:
        return round_money(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError):
        raise field_error(field, _("金额须为数字（元）"), code="bad_format") from None


def _tax_number(value) -> str:
    """税控发票号码: the digits (and letters of a 全电发票 number) the tax system printed."""
    number = (value or "").strip().replace(" ", "")
    if not number:
        raise field_error("tax_number", _("请填写税控发票号码"), code="required")
    if len(number) > 40 or not number.isascii() or not number.isalnum():
        raise field_error("tax_number", _("税控发票号码只能包含数字和字母（最多40位）"), code="bad_format")
    return number


def _tax_date(value) -> dt.date:
    if value in (None, ""):
        raise field_error("tax_date", _("请填写开票日期"), code="required")
    if isinstance(value, dt.datetime):  # a date cell of a spreadsheet
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise field_error("tax_date", _("开票日期格式不正确"), code="bad_format") from None
    if value > timezone.localdate():
        raise field_error("tax_date", _("开票日期不能晚于今天"), code="in_future")
    return value


def _reason(reason, label) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise field_error("reason", _("请填写%(f)s") % {"f": label}, code="required")
    return reason[:200]


def _locked(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


def _red_total(inv: Invoice) -> Decimal:
    """What the invoice's red-letter invoices have credited so far (a positive figure)."""
    return -(
        Invoice.objects.filter(red_of=inv).exclude(status=InvoiceStatus.VOID).aggregate(s=Sum("amount"))["s"]
        or ZERO
    )


@transaction.atomic
def invoice_tax_record(*, actor, invoice: Invoice, tax_number, tax_date) -> Invoice:
    """Enter (or correct) the tax system's number and date of a registered invoice; audited."""
    require_perm(actor, "finance.change_invoice")
    number, day = _tax_number(tax_number), _tax_date(tax_date)
    inv = _locked(invoice)
    dup = Invoice.objects.filter(store_id=inv.store_id, kind=inv.kind, tax_number=number).exclude(pk=inv.pk)
    if dup.exists():
        raise field_error(
            "tax_number",
            _("税控发票号码 %(n)s 已登记在 %(o)s") % {"n": number, "o": dup.first().number},
            code="duplicate",
        )
    changes = diff(inv, tax_number=number, tax_date=day)
    if changes:
        inv.tax_number, inv.tax_date = number, day
        inv.save(update_fields=["tax_number", "tax_date"])
        audit_record(actor=actor, obj=inv, verb="tax_recorded", changes=changes)
    return inv


@transaction.atomic
def invoice_red(*, actor, invoice: Invoice, reason: str, amount=None) -> Invoice:
    """红字发票: credit an issued invoice, in whole (``amount`` None) or in part, by a new invoice of the
    same kind with its own number and negative amounts, pointing at the original; the tax is credited in
    the original's proportion. Never more than what is left to credit; a void or red invoice is not
    credited."""
    require_perm(actor, "finance.change_invoice")
    return _red(actor=actor, invoice=invoice, reason=reason, amount=amount)


@transaction.atomic
def invoice_credit(*, actor, invoice: Invoice, amount, reason: str) -> Invoice:
    """红字发票 for part of an invoice, called by the module whose document credits it (parts returned and
    refunded, ``item_credit`` on the receivable): like ``invoice_issue``, the module checks its own step's
    permission. Refused as ``invoice_red`` refuses."""
    if amount in (None, ""):
        raise field_error("amount", _("请填写红冲金额"), code="required")
    return _red(actor=actor, invoice=invoice, reason=reason, amount=amount)


def _red(*, actor, invoice: Invoice, reason: str, amount) -> Invoice:
    reason = _reason(reason, _("红冲原因"))
    inv = _locked(invoice)
    if inv.status != InvoiceStatus.ISSUED or inv.amount <= 0:
        raise field_error(
            "status",
            _("%(s)s的发票不能红冲") % {"s": inv.get_status_display()},
            code="bad_transition",
        )
    left = inv.amount - _red_total(inv)
    if amount in (None, ""):
        credit = left
    else:
        credit = clean_amount(amount, "amount", label=_("红冲金额"))
    if left <= 0:
        raise field_error("amount", _("该发票已全额红冲"), code="not_pending")
    if credit > left:
        raise field_error(
            "amount",
            _("红冲金额 %(a)s 超过可红冲金额 %(l)s") % {"a": f"{credit:,.2f}", "l": f"{left:,.2f}"},
            code="out_of_range",
        )
    tax = inv.tax_amount if credit == inv.amount else round_money(inv.tax_amount * credit / inv.amount)
    red = Invoice(
        store=inv.store,
        kind=inv.kind,
        party=inv.party,
        department=inv.department,
        amount=-credit,
        net_amount=-(credit - tax),
        tax_amount=-tax,
        tax_rate=inv.tax_rate,
        status=InvoiceStatus.RED,
        red_of=inv,
        reason=reason,
        doc_type=inv.doc_type,
        doc_id=inv.doc_id,
        doc_number=inv.doc_number,
        issued_by=actor if getattr(actor, "pk", None) else None,
    )
    red.number = next_number(store=inv.store, kind=INVOICE_DOC_KIND[inv.kind])
    red.save(force_insert=True)
    audit_record(
        actor=actor,
        obj=red,
        verb="invoice_red",
        changes={"amount": [None, -credit]},
        note=f"{inv.number} {reason}",
    )
    audit_record(
        actor=actor,
        obj=inv,
        verb="invoice_red",
        changes={"amount": [None, -credit]},
        note=f"{red.number} {reason}",
    )
    return red


@transaction.atomic
def invoice_void(*, actor, invoice: Invoice, reason: str) -> Invoice:
    """作废: the invoice keeps its number and stays in the register, marked void with its reason. An
    invoice already credited by a red-letter invoice is not voided (the red one is its correction)."""
    require_perm(actor, "finance.change_invoice")
    reason = _reason(reason, _("作废原因"))
    inv = _locked(invoice)
    if inv.status == InvoiceStatus.VOID:
        raise field_error("status", _("该发票已作废"), code="not_pending")
    if inv.status == InvoiceStatus.ISSUED and Invoice.objects.filter(red_of=inv).exists():
        raise field_error("status", _("该发票已开红字发票，不能作废"), code="bad_transition")
    changes = {"status": [inv.status, InvoiceStatus.VOID], "reason": reason}
    inv.status, inv.reason = InvoiceStatus.VOID, reason
    inv.save(update_fields=["status", "reason"])
    audit_record(actor=actor, obj=inv, verb="invoice_voided", changes=changes, note=reason)
    return inv


@transaction.atomic
def invoice_tax_import(*, actor, store, rows) -> int:
    """The tax system's numbers and dates for many invoices at once (its export, one row per invoice:
    登记号, 税控发票号码, 开票日期). All or nothing: every bad row is named with its row number
    (``rows.<n>.<field>``) and nothing is written. Returns the number of invoices changed."""
    require_perm(actor, "finance.change_invoice")
    rows = list(rows or [])
    if not rows:
        raise field_error("file", _("文件中没有数据行"), code="no_lines")
    numbers = [str(r.get("number") or "").strip() for r in rows]
    found = {
        i.number: i
        for i in Invoice.objects.select_for_update().filter(store=store, number__in=[n for n in numbers if n])
    }
    errors: dict[str, str] = {}
    cleaned, seen_tax, seen_no = [], {}, {}
    for n, (row, number) in enumerate(zip(rows, numbers, strict=True)):
        line = row.get("line", n + 2)
        prefix = _("第%(n)s行：") % {"n": line}
        inv = found.get(number)
        if not number or inv is None:
            errors[f"rows.{n}.number"] = prefix + _("登记号 %(no)s 不存在") % {"no": number or "—"}
            continue
        if number in seen_no:
            errors[f"rows.{n}.number"] = prefix + _("登记号 %(no)s 重复") % {"no": number}
            continue
        seen_no[number] = line
        try:
            tax_number = _tax_number(str(row.get("tax_number") or ""))
            tax_date = _tax_date(row.get("tax_date"))
        except BusinessError as e:
            for field, msgs in e.message_dict.items():
                errors[f"rows.{n}.{field}"] = prefix + "；".join(msgs)
            continue
        key = (inv.kind, tax_number)
        if key in seen_tax:
            errors[f"rows.{n}.tax_number"] = prefix + _("税控发票号码 %(t)s 与第%(m)s行重复") % {
                "t": tax_number,
                "m": seen_tax[key],
            }
            continue
        seen_tax[key] = line
        cleaned.append((n, line, inv, tax_number, tax_date))
    taken = {
        (i.kind, i.tax_number): i.number
        for i in Invoice.objects.filter(
            store=store, tax_number__in=[t for _n, _l, _i, t, _d in cleaned]
        ).exclude(pk__in=[i.pk for _n, _l, i, _t, _d in cleaned])
    }
    for n, line, inv, tax_number, _d in cleaned:
        other = taken.get((inv.kind, tax_number))
        if other:
            errors[f"rows.{n}.tax_number"] = _("第%(n)s行：") % {"n": line} + _(
                "税控发票号码 %(t)s 已登记在 %(o)s"
            ) % {"t": tax_number, "o": other}
    if errors:
        raise BusinessError(errors, code="invalid")
    changed = 0
    for _n, _line, inv, tax_number, tax_date in cleaned:
        changes = diff(inv, tax_number=tax_number, tax_date=tax_date)
        if not changes:
            continue
        inv.tax_number, inv.tax_date = tax_number, tax_date
        inv.save(update_fields=["tax_number", "tax_date"])
        audit_record(actor=actor, obj=inv, verb="tax_recorded", changes=changes, note=_("导入"))
        changed += 1
    return changed
