"""Status machines of the parts documents (DESIGN.md: TRANSITIONS tables)."""

from fours.core.workflows import require_transition

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

SALE = {SaleStatus.DRAFT: {SaleStatus.POSTED}, SaleStatus.POSTED: {SaleStatus.REVERSED}}
TRANSFER = {TransferStatus.DRAFT: {TransferStatus.SHIPPED}, TransferStatus.SHIPPED: {TransferStatus.RECEIVED}}
RETURN = {ReturnStatus.OPEN: {ReturnStatus.RESOLVED}}
PLAN = {
    PlanStatus.DRAFT: {PlanStatus.SUBMITTED},
    PlanStatus.SUBMITTED: {PlanStatus.APPROVED, PlanStatus.REJECTED},
    PlanStatus.REJECTED: {PlanStatus.SUBMITTED},
    PlanStatus.APPROVED: {PlanStatus.ORDERED},
}
PO = {
    POStatus.DRAFT: {POStatus.PENDING, POStatus.ORDERED, POStatus.CANCELLED},
    # 订单必须经由配件经理复核: an order above its author's purchase limit waits for the review
    POStatus.PENDING: {POStatus.ORDERED, POStatus.CANCELLED},
    POStatus.ORDERED: {POStatus.PARTIAL, POStatus.RECEIVED, POStatus.CLOSED, POStatus.CANCELLED},
    POStatus.PARTIAL: {POStatus.PARTIAL, POStatus.RECEIVED, POStatus.CLOSED},
    POStatus.RECEIVED: {POStatus.CLOSED},
}
CLAIM = {
    ClaimStatus.OPEN: {ClaimStatus.CLAIMED, ClaimStatus.CLOSED},
    ClaimStatus.CLAIMED: {ClaimStatus.CLOSED},
}
STOCKTAKE = {
    StocktakeStatus.COUNTING: {StocktakeStatus.SUBMITTED, StocktakeStatus.CANCELLED},
    StocktakeStatus.SUBMITTED: {StocktakeStatus.POSTED, StocktakeStatus.COUNTING, StocktakeStatus.CANCELLED},
}
WRITE_OFF = {
    WriteOffStatus.DRAFT: {WriteOffStatus.POSTED, WriteOffStatus.CHARGED, WriteOffStatus.CANCELLED}
}

# POs a receipt may be booked against.
RECEIVABLE_PO = {POStatus.ORDERED, POStatus.PARTIAL}


def require(table, obj, to, labels) -> None:
    require_transition(table, obj.status, to, labels=labels)
