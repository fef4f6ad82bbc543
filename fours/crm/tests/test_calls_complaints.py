"""Calls on care tasks and complaints as a closed loop: not-reached calls retried until the rule's limit,
a 不满意 answer becomes a complaint, a manager approves within the compensation limit, the customer
confirms, a satisfied second call closes it; refusals change nothing."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fours.crm import services
from fours.crm.models import Call, CareRule, Complaint
from fours.customers.models import CareKind, CareStatus, CareTask

SIG = "data:image/png;base64,iVBORw0KGgo="


def _code(e):
    return e.value.error_code


def test_not_reached_is_retried_until_the_limit(store_a, task, crm_user):
    CareRule.objects.create(store=store_a, kind=task.kind, offsets=[3], retry_limit=2, retry_hours=4)
    services.call_record(actor=crm_user, task=task, result="not_reached")
    task.refresh_from_db()
    assert task.status == CareStatus.OPEN and task.attempts == 1
    assert task.next_try_at > timezone.now() + dt.timedelta(hours=3)
    services.call_record(actor=crm_user, task=task, result="not_reached")
    task.refresh_from_db()
    assert task.status == CareStatus.GAVE_UP and task.attempts == 2


def test_call_back_at_sets_the_next_try(task, crm_user):
    at = timezone.now() + dt.timedelta(hours=20)
    services.call_record(actor=crm_user, task=task, result="call_back", call_back_at=at)
    task.refresh_from_db()
    assert task.status == CareStatus.OPEN and task.next_try_at == at


def test_reached_needs_the_satisfaction_and_changes_nothing_without(task, crm_user):
    with pytest.raises(ValidationError) as e:
        services.call_record(actor=crm_user, task=task, result="reached")
    assert _code(e) == "required" and "satisfaction" in e.value.message_dict
    task.refresh_from_db()
    assert task.attempts == 0 and not Call.objects.exists()


def test_no_call_to_a_customer_who_withdrew_consent(task, crm_user):
    task.customer.consent_call = False
    task.customer.save()
    with pytest.raises(ValidationError) as e:
        services.call_record(actor=crm_user, task=task, result="reached", satisfaction="good")
    assert _code(e) == "no_consent"
    task.refresh_from_db()
    assert task.status == CareStatus.OPEN and task.attempts == 0 and not Call.objects.exists()


def test_an_advisor_may_not_record_a_call(task, advisor):
    with pytest.raises(PermissionDenied):
        services.call_record(actor=advisor, task=task, result="not_reached")
    assert not Call.objects.exists()


def _bad_call(task, crm_user):
    call = services.call_record(
        actor=crm_user,
        task=task,
        result="reached",
        satisfaction="bad",
        problem="刹车异响没有修好",
        problem_department="service",
    )
    return call, Complaint.objects.get(call=call)


def test_unsatisfied_answer_becomes_a_complaint_and_the_loop_closes(store_a, task, crm_user, service_mgr):
    call, c = _bad_call(task, crm_user)
    task.refresh_from_db()
    assert task.status == CareStatus.DONE
    assert c.status == "registered" and c.department == "service" and c.number.startswith("TS")
    assert c.doc_number == task.doc_number
    c = services.complaint_judge(actor=crm_user, complaint=c, valid=True, department="service")
    c = services.complaint_investigate(
        actor=service_mgr,
        complaint=c,
        cause="刹车片未更换到位",
        category="quality",
        solution="免费返修并赠送保养一次",
        compensation="500",
    )
    c = services.complaint_approve(actor=service_mgr, complaint=c, note="同意")
    assert c.status == "approved" and c.approved_by == service_mgr
    c = services.complaint_done(actor=service_mgr, complaint=c)
    # closing before the customer confirms is refused
    with pytest.raises(ValidationError) as e:
        services.complaint_close(actor=crm_user, complaint=c)
    assert _code(e) == "bad_transition"
    c = services.complaint_confirm(actor=crm_user, complaint=c, method="signature", signature=SIG)
    assert c.status == "confirmed"
    second = CareTask.objects.get(kind=CareKind.SECOND_CALL)
    assert second.parent == task and second.doc == c and second.assignee == crm_user
    # not closable before the second call
    with pytest.raises(ValidationError) as e:
        services.complaint_close(actor=crm_user, complaint=c)
    assert _code(e) == "follow_up_required"
    c.refresh_from_db()
    assert c.status == "confirmed"
    services.call_record(actor=crm_user, task=second, result="reached", satisfaction="good")
    c.refresh_from_db()
    assert c.status == "closed" and c.closed_at


def test_an_unsatisfied_second_call_reopens_and_calls_again(store_a, task, crm_user, service_mgr):
    _call, c = _bad_call(task, crm_user)
    services.complaint_judge(actor=crm_user, complaint=c, valid=True, department="service")
    services.complaint_investigate(
        actor=service_mgr, complaint=c, cause="x", category="quality", solution="y"
    )
    services.complaint_approve(actor=service_mgr, complaint=c)
    services.complaint_done(actor=service_mgr, complaint=c)
    services.complaint_confirm(actor=crm_user, complaint=c, method="call", recording="REC-1")
    second = CareTask.objects.get(kind=CareKind.SECOND_CALL)
    services.call_record(actor=crm_user, task=second, result="reached", satisfaction="bad", problem="还是响")
    c.refresh_from_db()
    assert c.status == "investigating" and Complaint.objects.count() == 1
    services.complaint_investigate(
        actor=service_mgr, complaint=c, cause="x2", category="quality", solution="y2"
    )
    services.complaint_approve(actor=service_mgr, complaint=c)
    services.complaint_done(actor=service_mgr, complaint=c)
    services.complaint_confirm(actor=crm_user, complaint=c, method="call", recording="REC-2")
    assert CareTask.objects.filter(kind=CareKind.SECOND_CALL).count() == 2


def test_compensation_above_the_limit_is_refused_and_nothing_changes(
    store_a, task, crm_user, service_mgr, gm_a
):
    _call, c = _bad_call(task, crm_user)
    services.complaint_judge(actor=crm_user, complaint=c, valid=True, department="service")
    services.complaint_investigate(
        actor=service_mgr, complaint=c, cause="x", category="price", solution="退款", compensation="3000"
    )
    with pytest.raises(ValidationError) as e:
        services.complaint_approve(actor=service_mgr, complaint=c)
    assert _code(e) == "over_limit"
    c.refresh_from_db()
    assert c.status == "proposed" and c.approved_by is None
    services.complaint_approve(actor=gm_a, complaint=c)  # the GM's limit is higher
    c.refresh_from_db()
    assert c.status == "approved"


def test_a_specialist_cannot_approve(task, crm_user):
    _call, c = _bad_call(task, crm_user)
    services.complaint_judge(actor=crm_user, complaint=c, valid=True, department="service")
    services.complaint_investigate(actor=crm_user, complaint=c, cause="x", category="price", solution="y")
    with pytest.raises(PermissionDenied):
        services.complaint_approve(actor=crm_user, complaint=c)
    c.refresh_from_db()
    assert c.status == "proposed"


def test_signature_confirmation_needs_a_signature(store_a, task, crm_user, service_mgr):
    _call, c = _bad_call(task, crm_user)
    services.complaint_judge(actor=crm_user, complaint=c, valid=True, department="service")
    services.complaint_investigate(actor=service_mgr, complaint=c, cause="x", category="price", solution="y")
    services.complaint_approve(actor=service_mgr, complaint=c)
    services.complaint_done(actor=service_mgr, complaint=c)
    with pytest.raises(ValidationError) as e:
        services.complaint_confirm(actor=crm_user, complaint=c, method="signature", signature="")
    assert _code(e) == "required"
    c.refresh_from_db()
    assert c.status == "done" and c.confirmed_at is None
    assert not CareTask.objects.filter(kind=CareKind.SECOND_CALL).exists()


def test_major_complaint_escalated_at_once_late_steps_later(store_a, customer, crm_user):
    major = services.complaint_register(
        actor=crm_user,
        store=store_a,
        customer=customer,
        channel="phone",
        content="车辆起火",
        severity="major",
    )
    assert major.escalated_at is not None
    normal = services.complaint_register(
        actor=crm_user, store=store_a, customer=customer, channel="visit", content="等待时间长"
    )
    assert normal.escalated_at is None
    assert services.complaints_escalate(store=store_a, now=timezone.now() + dt.timedelta(hours=25)) == 1
    normal.refresh_from_db()
    assert normal.escalated_at is not None


def test_invalid_needs_a_reason(store_a, customer, crm_user):
    c = services.complaint_register(
        actor=crm_user, store=store_a, customer=customer, channel="phone", content="x"
    )
    with pytest.raises(ValidationError) as e:
        services.complaint_judge(actor=crm_user, complaint=c, valid=False)
    assert _code(e) == "required"
    c.refresh_from_db()
    assert c.status == "registered"


def test_reassign_to_a_specialist_only(task, crm_user, crm_other, advisor):
    services.care_task_reassign(actor=crm_user, task=task, assignee=crm_other)
    task.refresh_from_db()
    assert task.assignee == crm_other
    with pytest.raises(ValidationError) as e:
        services.care_task_reassign(actor=crm_user, task=task, assignee=advisor)
    assert _code(e) == "not_staff"
    task.refresh_from_db()
    assert task.assignee == crm_other
