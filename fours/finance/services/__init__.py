"""The one door for money. Every module posts its receivables and payables and takes its payments
through these functions; nothing else writes the finance tables."""

from .closing import day_close, handover_confirm, handover_submit, period_close  # noqa: F401
from .ledger import (
    ItemRow,
    advance_allocate,
    advance_of,
    check_books_open,
    clean_amount,
    clean_lines,
    credit_check,
    customer_party,
    item_credit,
    item_post,
    item_reverse,
    items_post,
    maker_party,
    party_balance,
    party_for,
    payment_refund,
    payment_reverse,
    payment_take,
    walk_in_party,
)

__all__ = [
    "ItemRow",
    "advance_allocate",
    "advance_of",
    "check_books_open",
    "clean_amount",
    "clean_lines",
    "customer_party",
    "invoice_issue",
    "maker_party",
    "credit_check",
    "item_credit",
    "item_post",
    "item_reverse",
    "items_post",
    "party_balance",
    "party_for",
    "payment_refund",
    "payment_reverse",
    "payment_take",
    "walk_in_party",
]
from .accounts import party_update
from .invoices import (
    invoice_credit,
    invoice_issue,
    invoice_red,
    invoice_tax_import,
    invoice_tax_record,
    invoice_void,
)
from .payables import (
    payable_invoice_record,
    request_approve,
    request_create,
    request_pay,
    request_reject,
)

__all__ += [
    "invoice_credit",
    "invoice_red",
    "invoice_tax_import",
    "invoice_tax_record",
    "invoice_void",
    "party_update",
    "payable_invoice_record",
    "request_approve",
    "request_create",
    "request_pay",
    "request_reject",
]
from .vouchers import accounts_set, export_file, voucher_export, voucher_workbook  # noqa: E402,F401
