"""The status machines of the workshop (DESIGN.md: TRANSITIONS tables) and who may take each step.

预约 → 接车 → 待确认 → 在修 → 待质检 → (返工 → 待质检) → 待结算 → 已结算 → 已交车; 取消 with a reason
from any status before settlement. 反结算 takes 已结算 back to 待结算."""

from __future__ import annotations

from django.utils.translation import gettext as _

from fours.core.errors import BusinessError, NotAllowed
from fours.core.workflows import require_transition

from .choices import ApptStatus, ROStatus

S = ROStatus

RO = {
    S.BOOKED: {S.RECEIVED, S.CANCELLED},
    S.RECEIVED: {S.AWAITING_APPROVAL, S.CANCELLED},
    S.AWAITING_APPROVAL: {S.IN_PROGRESS, S.RECEIVED, S.CANCELLED},
    S.IN_PROGRESS: {S.AWAITING_QC, S.CANCELLED},
    S.AWAITING_QC: {S.REWORK, S.AWAITING_SETTLEMENT, S.IN_PROGRESS},
    S.REWORK: {S.AWAITING_QC},
    S.AWAITING_SETTLEMENT: {S.SETTLED, S.IN_PROGRESS},
    S.SETTLED: {S.DELIVERED, S.AWAITING_SETTLEMENT},
    S.DELIVERED: set(),
    S.CANCELLED: set(),
}

# The permission each step needs (the roles holding it are granted in migration 0002).
RO_PERMS = {
    S.RECEIVED: "service.add_repairorder",
    S.AWAITING_APPROVAL: "service.change_repairorder",
    S.IN_PROGRESS: "service.change_repairorder",
    S.AWAITING_QC: "service.work_repairorder",
    S.REWORK: "service.qc_repairorder",
    S.AWAITING_SETTLEMENT: "service.qc_repairorder",
    S.SETTLED: "service.settle_repairorder",
    S.DELIVERED: "service.deliver_repairorder",
    S.CANCELLED: "service.change_repairorder",
}
# Steps back need their own permission.
BACK_PERMS = {
    (S.SETTLED, S.AWAITING_SETTLEMENT): "service.reverse_settlement",
    (S.AWAITING_SETTLEMENT, S.IN_PROGRESS): "service.change_repairorder",
    (S.AWAITING_QC, S.IN_PROGRESS): "service.work_repairorder",
    (S.AWAITING_APPROVAL, S.RECEIVED): "service.change_repairorder",
}

APPOINTMENT = {
    ApptStatus.BOOKED: {ApptStatus.ARRIVED, ApptStatus.NO_SHOW, ApptStatus.CANCELLED},
    ApptStatus.NO_SHOW: {ApptStatus.ARRIVED},
    ApptStatus.ARRIVED: set(),
    ApptStatus.CANCELLED: set(),
}


def perm_for(current, to) -> str:
    return BACK_PERMS.get((current, to)) or RO_PERMS[to]


def require(ro, to, *, actor=None) -> None:
    """Refuse a transition that is not in the table, or that the actor's roles may not take."""
    require_transition(RO, ro.status, to, labels=ROStatus)
    if actor is not None:
        perm = perm_for(ro.status, to)
        if not actor.has_perm(perm):
            raise NotAllowed(_("您的岗位不能把工单改为“%(to)s”") % {"to": ROStatus(to).label})


def require_appointment(appt, to) -> None:
    require_transition(APPOINTMENT, appt.status, to, labels=ApptStatus)


def refuse_if_closed(ro, field: str = "status", *, open_statuses=None) -> None:
    """A settled, delivered or cancelled order is immutable (``open_statuses``: where the change may
    still be made, EDITABLE unless given)."""
    from .choices import EDITABLE

    if ro.status not in (open_statuses or EDITABLE):
        raise BusinessError(
            {
                field: _("工单%(no)s已%(status)s，不能修改")
                % {"no": ro.number, "status": ro.get_status_display()}
            },
            code="ro_closed",
        )
