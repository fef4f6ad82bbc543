"""The status machines of customer care (DESIGN.md: TRANSITIONS tables), each step with its permission.

回访任务: 待回访 → 已完成 / 多次未接通 / 已取消 (a call is an action on an open task).

投诉 (《顾客投诉登记表》): 已登记 → 调查中 (judged valid) or 无效投诉 → 方案待批示 → 方案已批示 (a manager's 批示;
sent back to 调查中 when refused) → 已处理待确认 → 客户已确认 → 已结案 after the follow-up call; an
unsatisfied follow-up call takes a confirmed complaint back to 调查中.

关怀礼品: 待总经理审批 → 已批准 / 已驳回; 已批准 → 已赠送.  市场活动: 计划中 → 进行中 → 已结束."""

from __future__ import annotations

from fours.core.workflows import Workflow
from fours.customers.models import CareStatus

from .choices import CampaignStatus, ComplaintStatus, GiftStatus

CALL = "crm.add_call"
REASSIGN = "crm.change_call"
COMPLAINT_CHANGE = "crm.change_complaint"
APPROVE = "crm.approve_complaint"

CARE_TASK = Workflow(
    "customers.CareTask",
    choices=CareStatus,
    transitions={
        CareStatus.OPEN: {CareStatus.DONE: CALL, CareStatus.GAVE_UP: CALL, CareStatus.CANCELLED: REASSIGN},
    },
    actions={
        "call": ({CareStatus.OPEN}, CALL),
        "reassign": ({CareStatus.OPEN}, REASSIGN),
    },
)

C = ComplaintStatus
COMPLAINT = Workflow(
    "crm.Complaint",
    choices=ComplaintStatus,
    transitions={
        C.REGISTERED: {C.INVESTIGATING: COMPLAINT_CHANGE, C.INVALID: COMPLAINT_CHANGE},
        C.INVESTIGATING: {C.PROPOSED: COMPLAINT_CHANGE},
        C.PROPOSED: {C.APPROVED: APPROVE, C.INVESTIGATING: APPROVE},
        C.APPROVED: {C.DONE: COMPLAINT_CHANGE},
        C.DONE: {C.CONFIRMED: COMPLAINT_CHANGE},
        C.CONFIRMED: {C.CLOSED: COMPLAINT_CHANGE, C.INVESTIGATING: COMPLAINT_CHANGE},
        C.CLOSED: {},
        C.INVALID: {},
    },
)

# the time each step may take before it is escalated to the manager (hours); a major complaint less
STEP_HOURS = {
    C.REGISTERED: 24,
    C.INVESTIGATING: 48,
    C.PROPOSED: 24,
    C.APPROVED: 72,
    C.DONE: 48,
    C.CONFIRMED: 72,
}
MAJOR_STEP_HOURS = {k: max(2, v // 4) for k, v in STEP_HOURS.items()}

GIFT = Workflow(
    "crm.CareGift",
    choices=GiftStatus,
    transitions={
        GiftStatus.PENDING: {
            GiftStatus.APPROVED: "crm.approve_caregift",
            GiftStatus.REJECTED: "crm.approve_caregift",
        },
        GiftStatus.APPROVED: {GiftStatus.GIVEN: "crm.change_caregift"},
        GiftStatus.REJECTED: {},
        GiftStatus.GIVEN: {},
    },
)

CAMPAIGN = Workflow(
    "crm.Campaign",
    choices=CampaignStatus,
    transitions={
        CampaignStatus.PLANNED: {CampaignStatus.RUNNING: "crm.change_campaign"},
        CampaignStatus.RUNNING: {CampaignStatus.DONE: "crm.change_campaign"},
        CampaignStatus.DONE: {},
    },
    actions={
        "invite": ({CampaignStatus.PLANNED, CampaignStatus.RUNNING}, "crm.add_campaignmember"),
        "record": ({CampaignStatus.RUNNING, CampaignStatus.DONE}, "crm.change_campaign"),
    },
)
