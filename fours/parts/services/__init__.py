"""Every write of the parts department. ``from fours.parts.services import stock_issue`` etc.

The stock services (stock_stage + StockPosting.write for a document's lines, stock_post_lines, and the
one-line stock_receive, stock_issue, stock_return, stock_move_reverse; stock_reserve, stock_release,
purchase_demand_add, fill_rate_record) are the one door through which stock moves; the document services
below call them and never lock a balance or write a move themselves.
"""

from .catalog import (
    abc_classify,
    bin_create,
    config_for,
    normalize_part_no,
    part_bin_assign,
    part_create,
    part_current,
    part_setting_save,
    part_update,
    supplier_create,
    warehouse_create,
)
from .stock import (
    StockLine,
    StockPosting,
    clean_qty,
    fill_rate_record,
    fill_rate_records,
    purchase_demand_add,
    retry_on_conflict,
    stock_issue,
    stock_move_reverse,
    stock_post_lines,
    stock_receive,
    stock_release,
    stock_release_all,
    stock_reserve,
    stock_reserve_stage,
    stock_return,
    stock_stage,
)

__all__ = [
    "StockLine",
    "StockPosting",
    "abc_classify",
    "bin_create",
    "clean_qty",
    "config_for",
    "fill_rate_record",
    "fill_rate_records",
    "normalize_part_no",
    "part_bin_assign",
    "part_create",
    "part_current",
    "part_setting_save",
    "part_update",
    "purchase_demand_add",
    "retry_on_conflict",
    "stock_issue",
    "stock_move_reverse",
    "stock_receive",
    "stock_post_lines",
    "stock_release",
    "stock_release_all",
    "stock_reserve",
    "stock_reserve_stage",
    "stock_return",
    "stock_stage",
    "supplier_create",
    "warehouse_create",
]

from .sales import (
    counter_sale_create,
    return_create,
    return_resolve,
    sale_cancel,
    sale_deliver,
    sale_invoice,
    sale_is_payable_done,
    sale_issue,
    sale_party,
    sale_post,
    trade_customer_save,
    trade_party,
    transfer_create,
    transfer_receive,
    transfer_ship,
)

__all__ += [
    "counter_sale_create",
    "return_create",
    "return_resolve",
    "sale_cancel",
    "sale_invoice",
    "sale_deliver",
    "sale_is_payable_done",
    "sale_issue",
    "sale_party",
    "sale_post",
    "trade_customer_save",
    "trade_party",
    "transfer_create",
    "transfer_receive",
    "transfer_ship",
]

from .purchasing import (  # noqa: E402
    discrepancy_claim,
    discrepancy_close,
    plan_approve,
    plan_line_save,
    plan_propose,
    plan_quote_add,
    plan_reject,
    plan_submit,
    plan_to_orders,
    po_approve,
    po_close,
    po_create,
    receipt_post,
    supplier_party,
)

__all__ += [
    "discrepancy_claim",
    "discrepancy_close",
    "plan_approve",
    "plan_line_save",
    "plan_propose",
    "plan_quote_add",
    "plan_reject",
    "plan_submit",
    "plan_to_orders",
    "po_approve",
    "po_close",
    "po_create",
    "receipt_post",
    "supplier_party",
]

from .counting import (  # noqa: E402
    stocktake_approve,
    stocktake_count,
    stocktake_create,
    stocktake_finance_confirm,
    stocktake_reopen,
    stocktake_submit,
    writeoff_approve,
    writeoff_create,
    writeoff_post,
)

__all__ += [
    "stocktake_approve",
    "stocktake_count",
    "stocktake_create",
    "stocktake_finance_confirm",
    "stocktake_reopen",
    "stocktake_submit",
    "writeoff_approve",
    "writeoff_create",
    "writeoff_post",
]

from .imports import ImportResult, price_import, read_rows  # noqa: E402

__all__ += ["ImportResult", "price_import", "read_rows"]
