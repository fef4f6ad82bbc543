"""The status machines of the workshop (DESIGN.md: TRANSITIONS tables), each step with its permission.

预约 → 接车 → 待确认 → 在修 → 待质检 → (返工 → 待质检) → 待结算 → 已结算 → 已交车; 取消 with a reason
before the work is done. 反结算 takes 已结算 back to 待结算.

Services call ``workflows.RO.require(ro, to=…, actor=…)`` (or ``require_action``); the order page and
its step dispatcher read ``allowed_next(ro, user)``: the step names of the page's buttons are the
actions below (the buttons that change the status read their status and permission from the
transitions, so each permission is written once)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fours.core.errors import field_error
from fours.core.workflows import Workflow

from .choices import DISCOUNTABLE, EDITABLE, OPEN_FOR_WORK, WORKING, ApptStatus, LabourStatus, PartStatus
from .choices import ROStatus as S

CHANGE = "service.change_repairorder"
WORK = "service.work_repairorder"
ISSUE = "service.issue_repairorder"
QC = "service.qc_repairorder"
DISPATCH = "service.dispatch_repairorder"
ADD_PART = "service.add_partline"  # advisors add parts to the order, technicians the parts their job needs

RO_TRANSITIONS = {
    S.BOOKED: {S.RECEIVED: "service.add_repairorder", S.CANCELLED: CHANGE},
    S.RECEIVED: {S.AWAITING_APPROVAL: CHANGE, S.CANCELLED: CHANGE},
    S.AWAITING_APPROVAL: {S.IN_PROGRESS: CHANGE, S.RECEIVED: CHANGE, S.CANCELLED: CHANGE},
    S.IN_PROGRESS: {S.AWAITING_QC: WORK, S.CANCELLED: CHANGE},
    S.AWAITING_QC: {S.REWORK: QC, S.AWAITING_SETTLEMENT: QC, S.IN_PROGRESS: WORK},
    S.REWORK: {S.AWAITING_QC: WORK},
    S.AWAITING_SETTLEMENT: {S.SETTLED: "service.settle_repairorder", S.IN_PROGRESS: CHANGE},
    S.SETTLED: {
        S.DELIVERED: "service.deliver_repairorder",
        S.AWAITING_SETTLEMENT: "service.reverse_settlement",
    },
    S.DELIVERED: {},
    S.CANCELLED: {},
}


def _move(src, to):
    """A button that takes the order from ``src`` to ``to``: where and by whom the table allows it."""
    return ({src}, RO_TRANSITIONS[src][to])


RO = Workflow(
    "service.RepairOrder",
    choices=S,
    transitions=RO_TRANSITIONS,
    actions={
        # the buttons that change the status
        "estimate": _move(S.RECEIVED, S.AWAITING_APPROVAL),
        "confirm": _move(S.AWAITING_APPROVAL, S.IN_PROGRESS),
        "settle": _move(S.AWAITING_SETTLEMENT, S.SETTLED),
        "reverse": _move(S.SETTLED, S.AWAITING_SETTLEMENT),
        "deliver": _move(S.SETTLED, S.DELIVERED),
        "cancel": ({src for src, nxt in RO_TRANSITIONS.items() if S.CANCELLED in nxt}, CHANGE),
        "qc": ({S.AWAITING_QC}, QC),
        # the order's lines and reception, while it may still change
        "reception": (EDITABLE, CHANGE),
        "labour-add": (EDITABLE, CHANGE),
        "labour-remove": (EDITABLE, CHANGE),
        "part-add": (EDITABLE, ADD_PART),
        "part-remove": (EDITABLE, CHANGE),
        "request": (EDITABLE, ADD_PART),
        "added-confirm": (EDITABLE, CHANGE),
        "delay": (EDITABLE, CHANGE),
        "photo": (EDITABLE, "service.add_photo"),
        "discount": (DISCOUNTABLE, CHANGE),
        "discount-decide": (DISCOUNTABLE, CHANGE),
        # the workshop
        "dispatch": (WORKING, DISPATCH),
        "clock-on": (WORKING, WORK),
        "clock-off": (WORKING, WORK),
        "pause": (WORKING, WORK),
        "issue": (OPEN_FOR_WORK, ISSUE),
        "issue-all": (OPEN_FOR_WORK, ISSUE),
        "return": (OPEN_FOR_WORK, ISSUE),
        # payments and refunds are taken at finance's cashier desk (收银台), not on the order
    },
)

L = LabourStatus
# A line's buttons: offered when the line's status allows them and the order offers the same step.
LABOUR_LINE = Workflow(
    "service.LabourLine",
    choices=L,
    transitions={},
    actions={
        "dispatch": ({L.PENDING, L.ASSIGNED, L.IN_PROGRESS, L.PAUSED}, DISPATCH),
        "clock-on": ({L.ASSIGNED, L.IN_PROGRESS, L.PAUSED}, WORK),  # a team's job takes more than one
        "clock-off": ({L.IN_PROGRESS}, WORK),
        "pause": ({L.IN_PROGRESS}, WORK),
        "labour-remove": ({L.PENDING}, CHANGE),
        "rework": ({L.DONE}, QC),  # a finished job QC may send back
    },
)

P = PartStatus
PART_LINE = Workflow(
    "service.PartLine",
    choices=P,
    transitions={},
    actions={
        "request": ({P.PLANNED}, ADD_PART),
        "issue": ({P.PLANNED, P.REQUESTED, P.WAITING}, ISSUE),
        "return": ({P.REQUESTED, P.WAITING, P.ISSUED}, ISSUE),
        "part-remove": ({P.PLANNED, P.REQUESTED, P.WAITING}, CHANGE),
    },
)

A = ApptStatus
APPOINTMENT = Workflow(
    "service.Appointment",
    choices=A,
    transitions={
        A.BOOKED: {
            A.ARRIVED: "service.add_repairorder",
            A.NO_SHOW: "service.change_appointment",
            A.CANCELLED: "service.change_appointment",
        },
        A.NO_SHOW: {A.ARRIVED: "service.add_repairorder"},
        A.ARRIVED: {},
        A.CANCELLED: {},
    },
    actions={"remind": ({A.BOOKED}, "service.change_appointment")},
)


def line_steps(line, ro_steps: set[str], actor) -> set[str]:
    """The buttons of one line of an order: what the line's status allows and the order offers now."""
    wf = LABOUR_LINE if line._meta.model_name == "labourline" else PART_LINE
    return wf.allowed_next(line, actor) & ro_steps


def refuse_if_closed(ro, field: str = "status", *, open_statuses=None) -> None:
    """A settled, delivered or cancelled order is immutable (``open_statuses``: where the change may
    still be made, EDITABLE unless given)."""
    if ro.status not in (open_statuses or EDITABLE):
        raise field_error(
            field,
            _("工单%(no)s已%(status)s，不能修改") % {"no": ro.number, "status": ro.get_status_display()},
            code="ro_closed",
        )
