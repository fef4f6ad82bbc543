"""Status machines of the parts documents (DESIGN.md: TRANSITIONS tables), each step with its permission.

Services call ``workflows.SALE.require(sale, to=…, actor=…)`` or ``require_action``; pages show only the
buttons ``allowed_next(obj, user)`` names."""

from fours.core.workflows import Workflow

from .choices import (
    ClaimStatus,
    PlanStatus,
    POStatus,
    ReturnStatus,
    SaleStatus,
    StocktakeStatus,
    TransferStatus,
    WriteOffStatus,
)
from .models import PriceImportJob

SALE = Workflow(
    "parts.Sale",
    choices=SaleStatus,
    transitions={
        # 开单: the slip posts the buyer's open item in finance and reserves the parts
        SaleStatus.DRAFT: {SaleStatus.BILLED: "parts.add_sale", SaleStatus.CANCELLED: "parts.change_sale"},
        # 出库 by the storekeeper once finance shows it paid (or on account); an unpaid slip is cancelled
        SaleStatus.BILLED: {SaleStatus.POSTED: "parts.issue_sale", SaleStatus.CANCELLED: "parts.change_sale"},
        SaleStatus.POSTED: {SaleStatus.REVERSED: "parts.reverse_stockmove"},
    },
    actions={
        # 配送签收 of a posted sale; a return registered against it
        "deliver": ({SaleStatus.POSTED}, "parts.change_sale"),
        "return": ({SaleStatus.POSTED}, "parts.add_returnorder"),
        # 开票 (registered in finance's invoice register) once the parts have left
        "invoice": ({SaleStatus.POSTED}, "finance.add_invoice"),
    },
)

TRANSFER = Workflow(
    "parts.Transfer",
    choices=TransferStatus,
    transitions={
        TransferStatus.DRAFT: {TransferStatus.SHIPPED: "parts.change_transfer"},
        TransferStatus.SHIPPED: {TransferStatus.RECEIVED: "parts.change_transfer"},
    },
)

RETURN = Workflow(
    "parts.ReturnOrder",
    choices=ReturnStatus,
    transitions={ReturnStatus.OPEN: {ReturnStatus.RESOLVED: "parts.change_returnorder"}},
)

PLAN = Workflow(
    "parts.PurchasePlan",
    choices=PlanStatus,
    transitions={
        PlanStatus.DRAFT: {PlanStatus.SUBMITTED: "parts.change_purchaseplan"},
        PlanStatus.SUBMITTED: {
            PlanStatus.APPROVED: "parts.approve_purchaseplan",
            PlanStatus.REJECTED: "parts.approve_purchaseplan",
        },
        PlanStatus.REJECTED: {PlanStatus.SUBMITTED: "parts.change_purchaseplan"},
        PlanStatus.APPROVED: {PlanStatus.ORDERED: "parts.add_purchaseorder"},
    },
    # lines and quotes change while the plan is drafted or back from review
    actions={"edit": ({PlanStatus.DRAFT, PlanStatus.REJECTED}, "parts.change_purchaseplan")},
)

PO = Workflow(
    "parts.PurchaseOrder",
    choices=POStatus,
    transitions={
        POStatus.DRAFT: {
            POStatus.PENDING: "parts.add_purchaseorder",
            POStatus.ORDERED: "parts.add_purchaseorder",
            POStatus.CANCELLED: "parts.change_purchaseorder",
        },
        # 订单必须经由配件经理复核: an order above its author's purchase limit waits for the review
        POStatus.PENDING: {
            POStatus.ORDERED: "parts.approve_purchaseorder",
            POStatus.CANCELLED: "parts.change_purchaseorder",
        },
        POStatus.ORDERED: {
            POStatus.PARTIAL: "parts.add_receipt",
            POStatus.RECEIVED: "parts.add_receipt",
            POStatus.CLOSED: "parts.change_purchaseorder",
            POStatus.CANCELLED: "parts.change_purchaseorder",
        },
        POStatus.PARTIAL: {
            POStatus.PARTIAL: "parts.add_receipt",
            POStatus.RECEIVED: "parts.add_receipt",
            POStatus.CLOSED: "parts.change_purchaseorder",
        },
        POStatus.RECEIVED: {POStatus.CLOSED: "parts.change_purchaseorder"},
    },
    # a receipt may be booked against an order that is out and not complete
    actions={"receive": ({POStatus.ORDERED, POStatus.PARTIAL}, "parts.add_receipt")},
)

CLAIM = Workflow(
    "parts.Discrepancy",
    choices=ClaimStatus,
    transitions={
        ClaimStatus.OPEN: {
            ClaimStatus.CLAIMED: "parts.change_discrepancy",
            ClaimStatus.CLOSED: "parts.change_discrepancy",
        },
        ClaimStatus.CLAIMED: {ClaimStatus.CLOSED: "parts.change_discrepancy"},
    },
)

STOCKTAKE = Workflow(
    "parts.Stocktake",
    choices=StocktakeStatus,
    transitions={
        StocktakeStatus.COUNTING: {
            StocktakeStatus.SUBMITTED: "parts.change_stocktake",
            StocktakeStatus.CANCELLED: "parts.change_stocktake",
        },
        StocktakeStatus.SUBMITTED: {
            StocktakeStatus.POSTED: "parts.approve_stocktake",
            StocktakeStatus.COUNTING: "parts.approve_stocktake",
            StocktakeStatus.CANCELLED: "parts.approve_stocktake",
        },
    },
    actions={
        "count": ({StocktakeStatus.COUNTING}, "parts.change_stocktake"),
        # 财务参与: the finance role of the store confirms (the service checks the role)
        "finance": ({StocktakeStatus.SUBMITTED}, None),
    },
)

WRITE_OFF = Workflow(
    "parts.WriteOff",
    choices=WriteOffStatus,
    transitions={
        WriteOffStatus.DRAFT: {
            WriteOffStatus.POSTED: "parts.change_writeoff",
            WriteOffStatus.CHARGED: "parts.change_writeoff",
            WriteOffStatus.CANCELLED: "parts.change_writeoff",
        }
    },
    # one of the three confirmations (服务经理, 索赔员, 配件经理)
    actions={"approve": ({WriteOffStatus.DRAFT}, "parts.approve_writeoff")},
)


_Import = PriceImportJob.Status
PRICE_IMPORT = Workflow(
    "parts.PriceImportJob",
    choices=_Import,
    transitions={
        # the background task checks the file, then (once a user confirms) writes it
        _Import.CHECKING: {_Import.CHECKED: None, _Import.FAILED: None},
        _Import.CHECKED: {_Import.IMPORTING: "parts.import_prices"},
        _Import.IMPORTING: {_Import.DONE: None, _Import.FAILED: None},
    },
)


def po_close_step(po) -> str:
    """What closing an order means now: a draft or unreviewed order is cancelled, one sent is closed."""
    return POStatus.CANCELLED if po.status in (POStatus.DRAFT, POStatus.PENDING) else POStatus.CLOSED


def writeoff_post_step(wo) -> str:
    """A staff-caused loss is not written off: the parts leave as charged to the responsible person."""
    return WriteOffStatus.CHARGED if wo.responsible_id is not None else WriteOffStatus.POSTED
