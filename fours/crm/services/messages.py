"""Messages to customers through the one pluggable sender (``fours.core.messaging``): consent checked
(短信, and 营销 for a campaign), quiet hours respected (the message waits until the window ends), every
message logged on the customer."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fours.core import messaging
from fours.core.audit import audit_record
from fours.core.errors import field_error
from fours.core.permissions import require_perm
from fours.customers.models import CareKind

from ..choices import MessageChannel, MessageStatus
from ..models import Message
from .common import in_quiet_hours, quiet_end_after, rule_for, text

PURPOSES = {
    "car_ready": gettext_lazy("车辆已可交车"),
    "appointment": gettext_lazy("预约提醒"),
    "care": gettext_lazy("关怀"),
    "follow_up": gettext_lazy("回访"),
    "campaign": gettext_lazy("活动邀约"),
    "event": gettext_lazy("客户活动邀请"),
    "phone_link": gettext_lazy("手机确认链接"),
    "notice": gettext_lazy("通知"),
}


def consent_refusal(customer, *, marketing: bool = False) -> str:
    """Why the customer may not be messaged ('' when they may)."""
    if not customer.mobile:
        return _("客户没有手机号码")
    if not customer.consent_sms:
        return _("客户已撤回短信授权")
    if marketing and not customer.consent_marketing:
        return _("客户未同意接收营销信息")
    return ""


@transaction.atomic
def message_send(
    *,
    actor,
    customer,
    purpose: str,
    body: str,
    doc=None,
    campaign=None,
    store=None,
    now=None,
) -> Message:
    """Send one SMS to the customer, or queue it until the quiet hours end. A customer without consent
    (or without a mobile) is refused and nothing is written."""
    if actor is not None:
        require_perm(actor, "crm.add_message")
    store = store or getattr(doc, "store", None) or getattr(campaign, "store", None)
    if store is None:
        raise field_error("store", _("请指定门店"), code="required")
    if customer.group_id != store.group_id:
        raise field_error("customer", _("客户不属于本集团"), code="out_of_scope")
    if purpose not in PURPOSES:
        raise field_error("purpose", _("未知的消息用途"), code="invalid_choice")
    body = text(body, "body", _("请填写消息内容"), limit=500)
    refusal = consent_refusal(customer, marketing=campaign is not None or purpose in ("campaign", "event"))
    if refusal:
        raise field_error("customer", refusal, code="no_consent")
    now = now or timezone.now()
    link = {}
    if doc is not None:
        link = {
            "doc_type": ContentType.objects.get_for_model(doc),
            "doc_id": doc.pk,
            "doc_number": str(getattr(doc, "number", "") or ""),
        }
    msg = Message(
        store=store,
        customer=customer,
        channel=MessageChannel.SMS,
        purpose=purpose,
        to=customer.mobile,
        body=body,
        campaign=campaign,
        actor=actor,
        created_at=now,
        **link,
    )
    rule = rule_for(store, _kind_of(purpose))
    if in_quiet_hours(rule, now):
        msg.status = MessageStatus.QUEUED
        msg.reason = _("免打扰时段，%(t)s 后发送") % {"t": f"{quiet_end_after(rule, now):%m-%d %H:%M}"}
        msg.save()
        transaction.on_commit(lambda: _enqueue_later(store.pk, quiet_end_after(rule, now)))
    else:
        msg.save()
        _deliver(msg, now)
    audit_record(
        actor=actor,
        obj=customer,
        verb="messaged",
        store=store,
        note=f"{msg.get_status_display()} · {body[:80]}",
    )
    return msg


def _kind_of(purpose: str) -> str:
    return {
        "appointment": CareKind.MAINTENANCE_DUE,
        "care": CareKind.BIRTHDAY,
        "campaign": CareKind.CAMPAIGN,
        "event": CareKind.CAMPAIGN,
    }.get(purpose, CareKind.SERVICE_DELIVERY)


def _deliver(msg: Message, now) -> None:
    try:
        msg.provider_id = messaging.send_sms(msg.to, msg.body)[:60]
    except messaging.SendError as e:
        msg.status, msg.reason = MessageStatus.FAILED, str(e)[:200]
    else:
        msg.status, msg.sent_at, msg.reason = MessageStatus.SENT, now, ""
    msg.save(update_fields=["provider_id", "status", "sent_at", "reason"])


def _enqueue_later(store_id: int, when) -> None:
    from django_tasks import default_task_backend

    from ..tasks import send_queued_messages

    if getattr(default_task_backend, "supports_defer", False):
        send_queued_messages.using(run_after=when).enqueue(store_id)


def messages_send_queued(*, store, now=None) -> int:
    """Send the messages that waited for the quiet hours to end (the customer's consent checked again)."""
    now = now or timezone.now()
    sent = 0
    for msg in Message.objects.filter(store=store, status=MessageStatus.QUEUED).select_related("customer"):
        if in_quiet_hours(rule_for(store, _kind_of(msg.purpose)), now):
            continue
        with transaction.atomic():
            msg = Message.objects.select_for_update().get(pk=msg.pk)
            if msg.status != MessageStatus.QUEUED:
                continue
            refusal = consent_refusal(msg.customer, marketing=msg.campaign_id is not None)
            if refusal:
                msg.status, msg.reason = MessageStatus.BLOCKED, refusal
                msg.save(update_fields=["status", "reason"])
                continue
            _deliver(msg, now)
            sent += msg.status == MessageStatus.SENT
    return sent


def notices_send(*, store, now=None) -> dict:
    """The automatic notices, each once per document: 车辆已可交车 to the customer of every repair order that
    passed its final check (待结算 / 已结算, seed 002 "立即知会车主"), and the reminder of tomorrow's
    appointments. A customer without SMS consent is left out (nothing logged)."""
    import datetime as dt

    from fours.service.choices import ApptStatus, ROStatus
    from fours.service.models import Appointment, RepairOrder

    now = now or timezone.now()
    out = {"car_ready": 0, "appointment": 0}

    def already(doc, purpose):
        return Message.objects.filter(
            store=store, purpose=purpose, doc_type=ContentType.objects.get_for_model(doc), doc_id=doc.pk
        ).exists()

    since = now - dt.timedelta(days=3)
    ros = RepairOrder.objects.filter(
        store=store, status__in=[ROStatus.AWAITING_SETTLEMENT, ROStatus.SETTLED], received_at__gte=since
    ).select_related("customer", "vehicle")
    for ro in ros:
        if already(ro, "car_ready") or consent_refusal(ro.customer):
            continue
        body = _("【%(s)s】%(n)s您好，您的爱车%(p)s已维修完毕，可随时来店提车。工单号%(no)s。") % {
            "s": store.name,
            "n": ro.customer.name,
            "p": ro.vehicle.plate or "",
            "no": ro.number,
        }
        message_send(
            actor=None, customer=ro.customer, purpose="car_ready", body=body, doc=ro, store=store, now=now
        )
        out["car_ready"] += 1
    tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
    for a in Appointment.objects.filter(store=store, date=tomorrow, status=ApptStatus.BOOKED).select_related(
        "customer", "vehicle"
    ):
        if already(a, "appointment") or consent_refusal(a.customer):
            continue
        body = _("【%(s)s】%(n)s您好，提醒您明天%(t)s预约到店（%(p)s），如需改期请来电。") % {
            "s": store.name,
            "n": a.customer.name,
            "t": f"{a.slot:%H:%M}",
            "p": a.vehicle.plate or "",
        }
        message_send(
            actor=None, customer=a.customer, purpose="appointment", body=body, doc=a, store=store, now=now
        )
        out["appointment"] += 1
    return out
