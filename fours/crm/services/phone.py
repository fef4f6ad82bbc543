"""What the customer does on the phone link, each once: confirm (or decline) the estimate or the added
jobs of a repair order, answer a survey, book an appointment. The link's issuer is the one recorded, as
if the customer had confirmed at the advisor's desk; the customer's name signs."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from fours.core.audit import audit_record
from fours.core.errors import field_error

from .links import Link, link_use


def link_repair_order(link: Link):
    from fours.service.models import RepairOrder

    ro = (
        RepairOrder.objects.filter(store=link.store, pk=link.doc_id, customer=link.customer)
        .select_related("vehicle", "advisor", "customer")
        .first()
    )
    if ro is None:
        raise field_error("doc", _("工单不存在"), code="not_found")
    return ro


@transaction.atomic
def phone_confirm(*, link: Link, approved: bool = True, signature: str = "") -> object:
    """The customer confirms the estimate or the added jobs on the phone (a signature drawn on the screen,
    or the link's tap alone, recorded as a confirmation by phone)."""
    from fours.service.choices import ConfirmMethod
    from fours.service.services import ro_added_confirm, ro_estimate_confirm

    ro = link_repair_order(link)
    method = ConfirmMethod.SIGNATURE if (signature or "").startswith("data:image/") else ConfirmMethod.PHONE
    kw = {
        "actor": link.issuer,
        "ro": ro,
        "signer_name": link.customer.name,
        "method": method,
        "signature": signature,
    }
    if link.purpose == "estimate":
        approval = ro_estimate_confirm(**kw)
    elif link.purpose == "added":
        approval = ro_added_confirm(**kw, approved=approved)
    else:
        raise field_error("purpose", _("链接用途不符"), code="invalid_choice")
    link_use(link)
    audit_record(actor=link.issuer, obj=ro, verb="phone_link", note=_("客户通过手机链接确认"))
    return approval


@transaction.atomic
def phone_survey(*, link: Link, survey, answers: dict):
    from ..choices import SurveySource
    from .surveys import survey_answer

    doc = None
    if link.doc_id:
        from fours.service.models import RepairOrder

        doc = RepairOrder.objects.filter(store=link.store, pk=link.doc_id, customer=link.customer).first()
    r = survey_answer(
        actor=link.issuer,
        survey=survey,
        answers=answers,
        doc=doc,
        source=SurveySource.PHONE_LINK,
        customer=link.customer,
    )
    link_use(link)
    return r


@transaction.atomic
def phone_book(*, link: Link, vehicle, date, slot, jobs: str = ""):
    """The customer books a slot with their service advisor (or the link's issuer)."""
    from fours.core.roles import Role
    from fours.core.selectors import has_role
    from fours.customers.models import CustomerAssignment
    from fours.service.choices import ApptChannel
    from fours.service.services import appointment_create

    if vehicle is None or vehicle.owner_id != link.customer.pk:
        raise field_error("vehicle", _("请选择您的车辆"), code="required")
    a = CustomerAssignment.objects.filter(customer=link.customer, store=link.store).first()
    advisor = a.service_advisor if a and a.service_advisor_id else None
    if advisor is None or not has_role(advisor, link.store, Role.SERVICE_ADVISOR):
        advisor = link.issuer
    appt = appointment_create(
        actor=link.issuer,
        store=link.store,
        vehicle=vehicle,
        advisor=advisor,
        date=date,
        slot=slot,
        jobs=(jobs or "")[:200],
        channel=ApptChannel.WECHAT,
        contact_phone=link.customer.mobile,
        note=_("客户手机自助预约"),
    )
    link_use(link)
    return appt


def link_invite(link: Link):
    """The event invitation a ``rsvp`` link answers (of the link's customer and store), or a field error."""
    from ..models import EventInvite

    inv = (
        EventInvite.objects.filter(store=link.store, pk=link.doc_id, customer=link.customer)
        .select_related("event", "customer")
        .first()
    )
    if inv is None:
        raise field_error("doc", _("邀请不存在"), code="not_found")
    return inv


@transaction.atomic
def phone_rsvp(*, link: Link, answer: str, guests=0):
    """The customer answers an event invitation on the phone (参加/不参加/待定); they may change it until the
    event starts, so the link is not used up."""
    from ..choices import RsvpVia
    from .events import event_rsvp

    if link.purpose != "rsvp":
        raise field_error("purpose", _("链接用途不符"), code="invalid_choice")
    return event_rsvp(
        actor=None, invite=link_invite(link), answer=answer, guests=guests, via=RsvpVia.PHONE_LINK
    )
