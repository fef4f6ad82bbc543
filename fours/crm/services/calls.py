"""回访: one call on a care task (《回访记录表》): reached, not reached (retried by the rule until its limit),
call back at an agreed time, wrong number. A 不满意 answer becomes a complaint; a follow-up call on a
complaint closes it when the customer is satisfied, or takes it back to the investigation."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record
from fours.core.errors import field_error
from fours.customers.models import CareKind, CareStatus, CareTask

from ..choices import CallResult, ComplaintChannel, ComplaintStatus, Satisfaction
from ..models import Call, CallScript, Complaint
from ..workflows import CARE_TASK
from .common import rule_for, text

# the calls that ask how satisfied the customer is (the others remind or care)
SATISFACTION_KINDS = {
    CareKind.VEHICLE_DELIVERY,
    CareKind.SERVICE_DELIVERY,
    CareKind.HIGH_VALUE,
    CareKind.SECOND_CALL,
}


def script_for(task: CareTask) -> CallScript | None:
    """The store's script of the task's kind, the vehicle's brand first."""
    scripts = CallScript.objects.filter(store=task.store, kind=task.kind)
    brand_id = None
    if task.vehicle_id and task.vehicle.model_id:
        brand_id = task.vehicle.model.series.brand_id
    return (
        (scripts.filter(brand_id=brand_id).first() if brand_id else None)
        or scripts.filter(brand__isnull=True).first()
        or scripts.first()
    )


def _clean_answers(task, answers) -> dict:
    script = script_for(task)
    keys = [q.get("key") for q in (script.questions if script else []) if q.get("key")]
    out = {}
    for k, v in (answers or {}).items():
        if k in keys and str(v).strip():
            out[k] = str(v).strip()[:200]
    return out


@transaction.atomic
def call_record(
    *,
    actor,
    task: CareTask,
    result: str,
    satisfaction: str = "",
    answers: dict | None = None,
    note: str = "",
    problem: str = "",
    problem_department: str = "",
    call_back_at=None,
    recording: str = "",
) -> Call:
    """Record one call. Refused (nothing written) for a customer who withdrew call consent."""
    task = CareTask.objects.select_for_update().select_related("store", "customer").get(pk=task.pk)
    CARE_TASK.require_action(task, "call", actor=actor)
    if not task.customer.consent_call:
        raise field_error("customer", _("客户已撤回电话回访授权，不能拨打"), code="no_consent")
    if result not in CallResult.values:
        raise field_error("result", _("请选择回访结果"), code="required")
    now = timezone.now()
    rule = rule_for(task.store, task.kind)
    call = Call(
        store=task.store,
        task=task,
        at=now,
        result=result,
        actor=actor,
        note=(note or "").strip()[:500],
        recording=(recording or "").strip()[:60],
    )
    task.attempts += 1
    changes = {"result": [None, str(CallResult(result).label)]}
    complaint = None
    if result == CallResult.REACHED:
        if task.kind in SATISFACTION_KINDS and satisfaction not in Satisfaction.values:
            raise field_error("satisfaction", _("请选择客户满意度"), code="required")
        if satisfaction and satisfaction not in Satisfaction.values:
            raise field_error("satisfaction", _("请选择客户满意度"), code="invalid_choice")
        call.satisfaction = satisfaction
        call.answers = _clean_answers(task, answers)
        if satisfaction == Satisfaction.BAD:
            call.problem = text(problem, "problem", _("请填写客户不满意的问题"), limit=300)
            from .complaints import DEPARTMENT_CODES

            dept = (problem_department or "").strip()
            if dept and dept not in DEPARTMENT_CODES:
                raise field_error("problem_department", _("请选择责任部门"), code="invalid_choice")
            call.problem_department = dept
        else:
            call.problem = (problem or "").strip()[:300]
        task.status, task.done_at, task.next_try_at = CareStatus.DONE, now, None
        changes["satisfaction"] = [None, str(Satisfaction(satisfaction).label) if satisfaction else ""]
    elif result == CallResult.NOT_REACHED:
        if task.attempts >= max(1, rule.retry_limit):
            task.status, task.done_at, task.next_try_at = CareStatus.GAVE_UP, now, None
        else:
            task.next_try_at = now + dt.timedelta(hours=max(1, rule.retry_hours))
    elif result == CallResult.CALL_BACK:
        if call_back_at is None:
            raise field_error("call_back_at", _("请填写约定再拨时间"), code="required")
        if timezone.is_naive(call_back_at):
            call_back_at = timezone.make_aware(call_back_at)
        if call_back_at <= now:
            raise field_error("call_back_at", _("约定再拨时间须晚于现在"), code="in_past")
        call.call_back_at = call_back_at
        task.next_try_at = call_back_at
    else:  # wrong number: nobody to call until the archive is corrected
        task.status, task.done_at, task.next_try_at = CareStatus.GAVE_UP, now, None
        task.note = _("号码错误，请核实客户档案")
    call.save()
    task.save(update_fields=["attempts", "status", "done_at", "next_try_at", "note"])
    audit_record(actor=actor, obj=task, verb="called", changes=changes, note=call.note)
    if result == CallResult.REACHED:
        complaint = _after_reached(actor, task, call)
    call.complaint_made = complaint
    return call


def _task_complaint(task: CareTask) -> Complaint | None:
    if (
        task.kind != CareKind.SECOND_CALL
        or task.doc_type_id != ContentType.objects.get_for_model(Complaint).pk
    ):
        return None
    return Complaint.objects.filter(pk=task.doc_id).first()


def _after_reached(actor, task, call):
    from . import complaints

    complaint = _task_complaint(task)
    if complaint is not None and complaint.status == ComplaintStatus.CONFIRMED:
        if call.satisfaction == Satisfaction.BAD:
            complaints.complaint_reopen(actor=actor, complaint=complaint, reason=call.problem)
        else:
            complaints.complaint_close(actor=actor, complaint=complaint, note=_("二次回访客户满意"))
        return None
    if call.satisfaction != Satisfaction.BAD:
        return None
    return complaints.complaint_register(
        actor=actor,
        store=task.store,
        customer=task.customer,
        channel=ComplaintChannel.CALL,
        content=call.problem,
        vehicle=task.vehicle,
        doc=task.doc if task.doc_type_id else None,
        call=call,
        department=call.problem_department,
    )
