"""The status machines of warranty claims (索赔申请), old-part return shipments (旧件返厂) and accident jobs
(事故车), each step with its permission (same Workflow API as workflows.py).

索赔: 草稿 → 已提交 → 已批准 / 部分批准 / 已拒赔 (原因) → 已回款; a rejected claim is corrected and submitted
again, or closed (拒赔认可, its receivable written off within the actor's limit).
旧件返厂: 装箱中 → 已发运 → 厂家已签收.
事故车: 已报案 → 已定损 → 已签维修协议 → 已结算 → 保险已回款."""

from __future__ import annotations

from fours.core.workflows import Workflow

from .choices import AccidentStatus as A
from .choices import ClaimStatus as C
from .choices import ShipmentStatus as S

ADD_CLAIM = "service.add_warrantyclaim"
CHANGE_CLAIM = "service.change_warrantyclaim"
DECIDE = "service.decide_claim"
SIGN = "service.sign_warranty"
TAG = "service.add_oldparttag"
SCRAP = "service.change_oldparttag"
SHIP = "service.change_returnshipment"
PAY = "finance.add_payment"
CHANGE_JOB = "service.change_accidentjob"
CONTACT = "service.add_insurercontact"

CLAIM = Workflow(
    "service.WarrantyClaim",
    choices=C,
    transitions={
        C.DRAFT: {C.SUBMITTED: CHANGE_CLAIM, C.CLOSED: DECIDE},
        C.SUBMITTED: {C.APPROVED: DECIDE, C.PARTLY: DECIDE, C.REJECTED: DECIDE},
        C.APPROVED: {C.PAID: PAY},
        C.PARTLY: {C.PAID: PAY},
        C.REJECTED: {C.SUBMITTED: CHANGE_CLAIM, C.CLOSED: DECIDE},
        C.PAID: {},
        C.CLOSED: {},
    },
    actions={
        "edit": ({C.DRAFT, C.REJECTED}, CHANGE_CLAIM),
        "tag": ({C.DRAFT, C.REJECTED, C.SUBMITTED}, TAG),
        "pay": ({C.APPROVED, C.PARTLY}, PAY),
        "writeoff": ({C.APPROVED, C.PARTLY, C.PAID}, DECIDE),
    },
)

SHIPMENT = Workflow(
    "service.ReturnShipment",
    choices=S,
    transitions={
        S.PACKING: {S.SHIPPED: SHIP},
        S.SHIPPED: {S.RECEIVED: SHIP},
        S.RECEIVED: {},
    },
    actions={"print": ({S.PACKING, S.SHIPPED, S.RECEIVED}, "service.view_returnshipment")},
)

ACCIDENT = Workflow(
    "service.AccidentJob",
    choices=A,
    transitions={
        A.REPORTED: {A.ASSESSED: CHANGE_JOB},
        A.ASSESSED: {A.AGREED: CHANGE_JOB},
        A.AGREED: {A.SETTLED: CHANGE_JOB},
        A.SETTLED: {A.COLLECTED: PAY},
        A.COLLECTED: {},
    },
    actions={
        # 定损 and 补充定损: a settled job may be assessed higher, never lower
        "assess": ({A.REPORTED, A.ASSESSED, A.AGREED, A.SETTLED, A.COLLECTED}, CHANGE_JOB),
        "collect": ({A.SETTLED}, PAY),
        "writeoff": ({A.SETTLED}, CHANGE_JOB),  # within the actor's write-off limit
    },
)
