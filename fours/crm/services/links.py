"""The customer's phone link: a signed (``django.core.signing``), expiring, single-purpose address sent by
SMS, opened without a login. The customer confirms an estimate or an added job (recorded on the repair
order by the advisor who sent the link, as the advisor's own confirmation would be), sees the vehicle's
status and history, answers a satisfaction survey or books an appointment. A confirmation, an answer or
a booking uses the link up (``LinkUse``); a tampered, expired or used link is refused."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record
from fours.core.errors import BusinessError, field_error
from fours.core.models import Store
from fours.core.permissions import require_perm
from fours.customers.models import Customer

from ..models import LinkUse

SALT = "fours.crm.phone-link"
# purpose -> how long the link lives (hours)
PURPOSES = {
    "added": 48,
    "estimate": 48,
    "status": 24 * 7,
    "survey": 24 * 14,
    "booking": 24 * 7,
    "rsvp": 24 * 60,  # an event invitation: answered (and changed) until the event starts
}
# the purposes whose one use ends the link (the status page may be looked at again)
ONE_TIME = {"added", "estimate", "survey", "booking"}


class LinkRefused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class Link:
    token: str
    purpose: str
    store: Store
    customer: Customer
    issuer: object
    doc_id: int | None
    issued_at: dt.datetime

    @property
    def digest(self) -> str:
        return digest_of(self.token)

    @property
    def expires_at(self) -> dt.datetime:
        return self.issued_at + dt.timedelta(hours=PURPOSES[self.purpose])


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_make(*, actor, store, purpose: str, customer, doc=None) -> str:
    """A new token for one purpose about one document (a repair order …), issued by ``actor``."""
    if purpose not in PURPOSES:
        raise field_error("purpose", _("未知的链接用途"), code="invalid_choice")
    if customer.group_id != store.group_id:
        raise field_error("customer", _("客户不属于本集团"), code="out_of_scope")
    payload = {
        "p": purpose,
        "s": store.pk,
        "c": customer.pk,
        "u": actor.pk,
        "d": doc.pk if doc is not None else None,
        "n": secrets.token_hex(4),
        "t": int(timezone.now().timestamp()),
    }
    return signing.dumps(payload, salt=SALT, compress=True)


def link_url(token: str, base: str = "") -> str:
    base = base or getattr(settings, "FOURS_PUBLIC_URL", "")
    return base.rstrip("/") + reverse("crm:phone", args=[token])


def link_read(token: str, *, purpose: str | None = None) -> Link:
    """The link's content, or LinkRefused: tampered (bad signature), expired, another purpose, used."""
    invalid = LinkRefused("link_invalid", _("链接无效，请联系门店重新发送"))
    try:
        payload = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise invalid from None
    if (
        not isinstance(payload, dict)
        or payload.get("p") not in PURPOSES
        or not isinstance(payload.get("t"), int)
    ):
        raise invalid
    p = payload["p"]
    issued = dt.datetime.fromtimestamp(payload["t"], tz=dt.UTC)
    if timezone.now() > issued + dt.timedelta(hours=PURPOSES[p]):
        raise LinkRefused("link_expired", _("链接已过期，请联系门店重新发送"))
    if purpose is not None and p != purpose:
        raise invalid
    if p in ONE_TIME and LinkUse.objects.filter(digest=digest_of(token)).exists():
        raise LinkRefused("link_used", _("此链接已使用过，如需再次操作请联系门店"))
    store = Store.objects.select_related("group").filter(pk=payload.get("s")).first()
    customer = Customer.objects.filter(pk=payload.get("c")).first()
    issuer = get_user_model().objects.filter(pk=payload.get("u"), is_active=True).first()
    if store is None or customer is None or issuer is None or customer.group_id != store.group_id:
        raise invalid
    return Link(token, p, store, customer, issuer, payload.get("d"), issued)


def link_use(link: Link) -> LinkUse:
    """Use a one-time link up, inside the action's transaction (a second use at the same moment fails)."""
    try:
        with transaction.atomic():
            return LinkUse.objects.create(
                store=link.store, digest=link.digest, purpose=link.purpose, customer=link.customer
            )
    except IntegrityError:
        raise BusinessError(_("此链接已使用过，如需再次操作请联系门店"), code="link_used") from None


@transaction.atomic
def link_send(*, actor, store, purpose: str, customer, doc=None, base: str = ""):
    """Send the customer a new link by SMS (consent and quiet hours as every message)."""
    from .messages import message_send

    require_perm(actor, "crm.add_message")
    words = {
        "added": _("请确认追加维修项目"),
        "estimate": _("请确认维修估价"),
        "status": _("查看您的车辆维修进度"),
        "survey": _("邀请您对本次服务进行评价"),
        "booking": _("在线预约保养维修"),
    }.get(purpose)
    if words is None:  # an event's answer link goes with its invitation (``event_invite``)
        raise field_error("purpose", _("未知的链接用途"), code="invalid_choice")
    token = link_make(actor=actor, store=store, purpose=purpose, customer=customer, doc=doc)
    body = _("【%(store)s】%(name)s您好，%(what)s：%(url)s （%(h)s小时内有效）") % {
        "store": store.name,
        "name": customer.name,
        "what": words,
        "url": link_url(token, base),
        "h": PURPOSES[purpose],
    }
    msg = message_send(actor=actor, customer=customer, purpose="phone_link", body=body, doc=doc, store=store)
    audit_record(actor=actor, obj=customer, verb="link_sent", store=store, note=str(words))
    msg.token = token
    return msg
