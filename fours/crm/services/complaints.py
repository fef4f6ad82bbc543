"""投诉 as a closed loop (《顾客投诉登记表》): register → judge → investigate → propose → a manager's 批示
(compensation within the role's limit) → carried out → the customer confirms → a follow-up call
(二次回访) → closed and classified. Each step has a due time; a late step is escalated to the manager, a
major complaint at once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core.audit import audit_record, register_verbs
from fours.core.choices import DocKind
from fours.core.errors import field_error
from fours.core.money import round_money, to_decimal
from fours.core.numbering import next_number
from fours.core.permissions import require_perm
from fours.core.roles import LimitKind
from fours.core.selectors import limit_for
from fours.customers.models import CareKind, CareStatus, CareTask
from fours.customers.services import care_task_add

from ..choices import (
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    ConfirmMethod,
    Satisfaction,
    Severity,
)
from ..models import Complaint
from ..workflows import COMPLAINT, MAJOR_STEP_HOURS, STEP_HOURS
from .common import text

S = ComplaintStatus

register_verbs(
    {
        "judged_valid": gettext_lazy("判定为有效投诉"),
        "judged_invalid": gettext_lazy("判定为无效投诉"),
        "sent_back": gettext_lazy("退回重新调查"),
        "carried_out": gettext_lazy("方案已实施"),
        "compensation_posted": gettext_lazy("补偿记账"),
        "customer_confirmed": gettext_lazy("客户确认"),
        "reopened": gettext_lazy("重新调查"),
        "escalated": gettext_lazy("超时升级"),
        "invited": gettext_lazy("发送邀请"),
        "rsvp": gettext_lazy("登记回复"),
        "checked_in": gettext_lazy("签到"),
    }
)


def department_label(code: str) -> str:
    from django.utils.translation import gettext

    labels = {
        "sales": gettext("销售部"),
        "service": gettext("售后服务部"),
        "parts": gettext("配件部"),
        "crm": gettext("客服部"),
        "finance": gettext("财务部"),
    }
    return labels.get(code, code or "—")


DEPARTMENT_CODES = ["sales", "service", "parts", "crm", "finance"]


def _due(c: Complaint, status, now=None):
    hours = (MAJOR_STEP_HOURS if c.severity == Severity.MAJOR else STEP_HOURS).get(status)
    return (now or timezone.now()) + dt.timedelta(hours=hours) if hours else None


def _lock(c: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().select_related("store", "customer").get(pk=c.pk)


def _step(actor, c: Complaint, to, *, verb: str, changes: dict | None = None, note: str = "", fields=()):
    old = c.status
    c.status = to
    c.due_at = _due(c, to)
    c.escalated_at = None if to != old else c.escalated_at
    c.save(update_fields=["status", "due_at", "escalated_at", *fields])
    audit_record(
        actor=actor,
        obj=c,
        verb=verb,
        changes={"status": [str(S(old).label), str(S(to).label)], **(changes or {})},
        note=note,
    )
    return c


def _department(value) -> str:
    value = (value or "").strip()
    if value and value not in DEPARTMENT_CODES:
        raise field_error("department", _("请选择责任部门"), code="invalid_choice")
    return value


@transaction.atomic
def complaint_register(
    *,
    actor,
    store,
    customer,
    channel: str,
    content: str,
    vehicle=None,
    doc=None,
    severity: str = Severity.NORMAL,
    call=None,
    department: str = "",
    note: str = "",
) -> Complaint:
    """登记: a complaint by any channel; a major one goes to the manager at once (escalated)."""
    require_perm(actor, "crm.add_complaint")
    if channel not in ComplaintChannel.values:
        raise field_error("channel", _("请选择投诉渠道"), code="invalid_choice")
    if severity not in Severity.values:
        raise field_error("severity", _("请选择严重程度"), code="invalid_choice")
    content = text(content, "content", _("请填写投诉内容"))
    if customer is None:
        raise field_error("customer", _("请选择客户"), code="required")
    if customer.group_id != store.group_id:
        raise field_error("customer", _("客户不属于本集团"), code="out_of_scope")
    if vehicle is not None and vehicle.group_id != store.group_id:
        raise field_error("vehicle", _("车辆不属于本集团"), code="out_of_scope")
    link = {}
    if doc is not None:
        link = {
            "doc_type": ContentType.objects.get_for_model(doc),
            "doc_id": doc.pk,
            "doc_number": str(getattr(doc, "number", "") or ""),
        }
    now = timezone.now()
    c = Complaint(
        store=store,
        channel=channel,
        customer=customer,
        vehicle=vehicle,
        call=call,
        content=content,
        severity=severity,
        department=_department(department),
        handler=actor,
        created_by=actor,
        note=(note or "")[:500],
        **link,
    )
    c.due_at = _due(c, S.REGISTERED, now)
    if severity == Severity.MAJOR:
        c.escalated_at = now  # 重大投诉: the service manager sees it at once
    c.save()
    c.number = next_number(store=store, kind=DocKind.COMPLAINT)
    c.save(update_fields=["number"])
    audit_record(actor=actor, obj=c, verb="created", changes={"content": [None, content[:200]]})
    return c


@transaction.atomic
def complaint_judge(*, actor, complaint: Complaint, valid: bool, department: str = "", note: str = ""):
    """投诉判断: valid (the responsible department named, investigation starts) or not (with the reason)."""
    c = _lock(complaint)
    if valid:
        COMPLAINT.require(c, to=S.INVESTIGATING, actor=actor)
        c.department = _department(department)
        if not c.department:
            raise field_error("department", _("请选择责任部门"), code="required")
        return _step(
            actor,
            c,
            S.INVESTIGATING,
            verb="judged_valid",
            fields=["department"],
            note=note,
            changes={"department": [None, department_label(c.department)]},
        )
    COMPLAINT.require(c, to=S.INVALID, actor=actor)
    note = text(note, "note", _("请填写判定为无效投诉的理由"))
    c.closed_at = timezone.now()
    c.note = note[:500]
    return _step(actor, c, S.INVALID, verb="judged_invalid", note=note, fields=["closed_at", "note"])


@transaction.atomic
def complaint_investigate(
    *,
    actor,
    complaint: Complaint,
    cause: str,
    category: str,
    solution: str,
    person=None,
    compensation=0,
) -> Complaint:
    """展开调查 and 提出处理方案: cause, the person responsible, the category, the solution and any
    compensation, sent to the manager for 批示."""
    c = _lock(complaint)
    COMPLAINT.require(c, to=S.PROPOSED, actor=actor)
    c.cause = text(cause, "cause", _("请填写原因调查"))
    if category not in ComplaintCategory.values:
        raise field_error("category", _("请选择投诉类别"), code="required")
    c.category = category
    c.solution = text(solution, "solution", _("请填写处理方案"))
    try:
        amount = round_money(to_decimal(compensation or 0))
    except Exception:
        raise field_error("compensation", _("补偿金额格式不正确"), code="bad_format") from None
    if amount < 0:
        raise field_error("compensation", _("补偿金额不能为负数"), code="negative")
    c.compensation = amount
    c.person = person
    return _step(
        actor,
        c,
        S.PROPOSED,
        verb="proposed",
        fields=["cause", "category", "solution", "compensation", "person"],
        changes={"solution": [None, c.solution[:200]], "compensation": [None, amount]},
    )


def approver_limit(user, store) -> Decimal:
    return limit_for(user, store, LimitKind.COMPENSATION_AMOUNT)


@transaction.atomic
def complaint_approve(*, actor, complaint: Complaint, approve: bool = True, note: str = "") -> Complaint:
    """批示: a manager approves the solution (a compensation only within the role's limit) or sends it
    back to the investigation with the reason."""
    c = _lock(complaint)
    if not approve:
        COMPLAINT.require(c, to=S.INVESTIGATING, actor=actor)
        note = text(note, "approval_note", _("请填写退回理由"))
        c.approval_note = note[:300]
        return _step(actor, c, S.INVESTIGATING, verb="sent_back", note=note, fields=["approval_note"])
    COMPLAINT.require(c, to=S.APPROVED, actor=actor)
    limit = approver_limit(actor, c.store)
    if c.compensation > limit:
        raise field_error(
            "compensation",
            _("补偿金额 ¥%(a)s 超过您的审批额度 ¥%(l)s，请由上级批示")
            % {"a": f"{c.compensation:,.2f}", "l": f"{limit:,.2f}"},
            code="over_limit",
        )
    c.approved_by, c.approved_at, c.approval_note = actor, timezone.now(), (note or "")[:300]
    return _step(
        actor,
        c,
        S.APPROVED,
        verb="approved",
        note=note,
        fields=["approved_by", "approved_at", "approval_note"],
    )


@transaction.atomic
def complaint_done(*, actor, complaint: Complaint, note: str = "") -> Complaint:
    """实施处理方案: the approved solution was carried out. An approved compensation goes through finance
    in the same transaction (``compensation_post``): a credit against the customer's bill of the repair
    order the complaint is about when the bill can take it (the desk collects less, or pays back what was
    already paid at 退款), else an amount owed to the customer that the cashier pays out (投诉补偿付款)."""
    c = _lock(complaint)
    COMPLAINT.require(c, to=S.DONE, actor=actor)
    c.done_at = timezone.now()
    posted = None
    if c.compensation > 0:
        if c.approved_at is None:
            raise field_error("compensation", _("补偿金额尚未经批示"), code="unapproved")
        posted = _compensation_post(actor, c)
    _step(actor, c, S.DONE, verb="carried_out", note=note, fields=["done_at"])
    c.compensation_item = posted
    return c


def _compensation_post(actor, c: Complaint):
    from fours.core.choices import DepartmentKind
    from fours.finance.services.compensation import compensation_post, creditable_bill

    doc = c.doc if c.doc_type_id and c.doc_type.model == "repairorder" else None
    against = creditable_bill(store=c.store, customer=c.customer, doc=doc) if doc is not None else None
    dept = c.department if c.department in DepartmentKind.values else DepartmentKind.CRM
    item = compensation_post(
        actor=actor,
        store=c.store,
        customer=c.customer,
        amount=c.compensation,
        doc=c,
        doc_number=c.number,
        against=against,
        department=dept,
    )
    audit_record(
        actor=actor,
        obj=c,
        verb="compensation_posted",
        changes={"compensation": [None, c.compensation]},
        note=_("冲抵维修费 %(n)s") % {"n": against.doc_number}
        if item.credit_of_id
        else _("待收银台付给客户"),
    )
    return item


def compensation_of(c: Complaint):
    """What finance holds of the complaint's compensation: the credit row or the payable, or None."""
    from django.contrib.contenttypes.models import ContentType

    from fours.finance.models import OpenItem

    return (
        OpenItem.objects.filter(doc_type=ContentType.objects.get_for_model(Complaint), doc_id=c.pk)
        .select_related("credit_of")
        .order_by("pk")
        .first()
    )


@transaction.atomic
def complaint_confirm(
    *, actor, complaint: Complaint, method: str, signature: str = "", recording: str = "", note: str = ""
) -> Complaint:
    """The customer confirms the handling: a signature on the pad, a recorded call (its recording
    number) or the phone link. A follow-up call (二次回访) is queued for the complaint."""
    c = _lock(complaint)
    COMPLAINT.require(c, to=S.CONFIRMED, actor=actor)
    if method not in ConfirmMethod.values:
        raise field_error("confirm_method", _("请选择客户确认方式"), code="required")
    if method == ConfirmMethod.SIGNATURE:
        if not (signature or "").startswith("data:image/"):
            raise field_error("signature", _("请客户在屏幕上签名"), code="required")
        if len(signature) > 500_000:
            raise field_error("signature", _("签名图像过大"), code="too_large")
    elif method == ConfirmMethod.CALL:
        recording = text(recording, "recording", _("请填写确认电话的录音编号"), limit=60)
        signature = ""
    else:
        signature = ""
    c.confirm_method, c.signature, c.confirmed_at = method, signature, timezone.now()
    _step(
        actor,
        c,
        S.CONFIRMED,
        verb="customer_confirmed",
        note=" · ".join(x for x in (str(ConfirmMethod(method).label), recording, note) if x),
        fields=["confirm_method", "signature", "confirmed_at"],
    )
    _second_call(c)
    return c


def _root_task(c: Complaint):
    return c.call.task if c.call_id else None


def _second_call(c: Complaint):
    n = CareTask.objects.filter(
        store=c.store,
        kind=CareKind.SECOND_CALL,
        doc_type=ContentType.objects.get_for_model(Complaint),
        doc_id=c.pk,
    ).count()
    root = _root_task(c)
    return care_task_add(
        store=c.store,
        customer=c.customer,
        kind=CareKind.SECOND_CALL,
        key=f"complaint:{c.pk}:c{n + 1}",
        due_date=timezone.localdate() + dt.timedelta(days=1),
        vehicle=c.vehicle,
        doc=c,
        doc_number=c.number,
        subject=_("投诉 %(n)s 处理后二次回访") % {"n": c.number},
        parent=root,
        assignee=root.assignee if root is not None else None,
    )


def follow_up_satisfied(c: Complaint) -> bool:
    """Whether the latest follow-up call on the complaint reached the customer, who was satisfied."""
    from ..models import Call

    last = (
        Call.objects.filter(
            task__doc_type=ContentType.objects.get_for_model(Complaint),
            task__doc_id=c.pk,
            task__kind=CareKind.SECOND_CALL,
            result="reached",
        )
        .order_by("-at", "-id")
        .first()
    )
    return bool(
        last
        and last.satisfaction in (Satisfaction.GOOD, Satisfaction.FAIR)
        and (c.confirmed_at is None or last.at >= c.confirmed_at)
    )


@transaction.atomic
def complaint_close(*, actor, complaint: Complaint, note: str = "") -> Complaint:
    """结案: only after the customer's confirmation and a satisfied follow-up call; classified."""
    c = _lock(complaint)
    COMPLAINT.require(c, to=S.CLOSED, actor=actor)
    if not c.confirmed_at:
        raise field_error("confirmed_at", _("客户尚未确认处理结果，不能结案"), code="unconfirmed")
    if not follow_up_satisfied(c):
        raise field_error("status", _("二次回访客户满意后才能结案"), code="follow_up_required")
    if not c.category:
        raise field_error("category", _("请先填写投诉类别"), code="required")
    c.closed_at = timezone.now()
    c.due_at = None
    CareTask.objects.filter(
        doc_type=ContentType.objects.get_for_model(Complaint), doc_id=c.pk, status=CareStatus.OPEN
    ).update(status=CareStatus.CANCELLED)
    return _step(actor, c, S.CLOSED, verb="closed", note=note, fields=["closed_at"])


def complaint_reopen(*, actor, complaint: Complaint, reason: str) -> Complaint:
    """An unsatisfied follow-up call takes a confirmed complaint back to the investigation (inside the
    call's transaction)."""
    c = _lock(complaint)
    COMPLAINT.require(c, to=S.INVESTIGATING, actor=actor)
    c.confirmed_at = None
    c.content = f"{c.content}\n[{timezone.localdate():%Y-%m-%d} {_('二次回访')}] {reason}"
    return _step(actor, c, S.INVESTIGATING, verb="reopened", note=reason, fields=["confirmed_at", "content"])


@transaction.atomic
def complaints_escalate(*, store, now=None, actor=None) -> int:
    """The steps past their due time go to the manager (升级): marked once, shown on the manager's home."""
    now = now or timezone.now()
    late = list(
        Complaint.objects.select_for_update()
        .filter(store=store, due_at__lt=now, escalated_at__isnull=True)
        .exclude(status__in=[S.CLOSED, S.INVALID])
    )
    for c in late:
        c.escalated_at = now
        c.save(update_fields=["escalated_at"])
        audit_record(actor=actor, obj=c, verb="escalated", note=str(S(c.status).label))
    return len(late)
