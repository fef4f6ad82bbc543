"""The customer's phone pages (no login): one signed link, one purpose. The customer sees the estimate or
the added jobs with their photos and confirms (a finger signature) or declines; sees the vehicle's status
and history; answers the satisfaction survey; books an appointment. A tampered link is a 404, an expired
or used one is refused with a clear word (410), and nothing is changed."""

from __future__ import annotations

import datetime as dt
import mimetypes

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_time
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from fours.core.views import error_text, perm_or_403, work_store

from .. import services
from ..models import Survey
from ..services.links import Link, LinkRefused, link_read
from ..services.phone import link_repair_order


def _refused(request, e: LinkRefused):
    return render(
        request,
        "crm/phone/refused.html",
        {"title": _("链接不可用"), "message": e.message},
        status=404 if e.code == "link_invalid" else 410,
    )


def _lines(ro, pending_only: bool):
    from fours.service.choices import Approval, LabourStatus, PartStatus

    labour = ro.labour.exclude(status=LabourStatus.CANCELLED)
    parts = ro.parts.exclude(status=PartStatus.CANCELLED).select_related("part")
    if pending_only:
        labour, parts = labour.filter(approval=Approval.PENDING), parts.filter(approval=Approval.PENDING)
    return list(labour), list(parts)


def _history(vehicle):
    from fours.service.choices import ROStatus
    from fours.service.models import RepairOrder

    return list(
        RepairOrder.objects.filter(vehicle=vehicle)
        .exclude(status=ROStatus.CANCELLED)
        .order_by("-received_at")[:10]
    )


@never_cache
@csrf_protect
def phone(request, token):
    try:
        link = link_read(token)
    except LinkRefused as e:
        return _refused(request, e)
    handler = {
        "added": _confirm_page,
        "estimate": _confirm_page,
        "status": _status_page,
        "survey": _survey_page,
        "booking": _booking_page,
        "rsvp": _rsvp_page,
    }[link.purpose]
    return handler(request, link)


def _done(request, link: Link, message):
    return render(
        request, "crm/phone/done.html", {"title": _("已提交"), "message": message, "store": link.store}
    )


def _confirm_page(request, link: Link):
    try:
        ro = link_repair_order(link)
    except ValidationError:
        return _refused(request, LinkRefused("link_invalid", _("链接无效，请联系门店重新发送")))
    error = ""
    if request.method == "POST":
        try:
            services.phone_confirm(
                link=link,
                approved=request.POST.get("approved", "1") == "1",
                signature=request.POST.get("signature", ""),
            )
        except (ValidationError, PermissionDenied) as e:
            error = error_text(e) if isinstance(e, ValidationError) else _("门店暂时无法受理，请联系服务顾问")
        else:
            ok = request.POST.get("approved", "1") == "1"
            return _done(
                request, link, _("已确认，我们将尽快为您施工。") if ok else _("已收到，您拒绝了这些项目。")
            )
    from decimal import Decimal

    from fours.service.services import pricing

    labour, parts = _lines(ro, pending_only=link.purpose == "added")
    t = pricing.totals(ro, labour, parts, estimate=True)
    return render(
        request,
        "crm/phone/confirm.html",
        {
            "title": _("确认追加项目") if link.purpose == "added" else _("确认维修估价"),
            "link": link,
            "ro": ro,
            "lines": [{**ln, "amount": Decimal(ln["amount"])} for ln in t.lines],
            "total": t.total,
            "photos": list(ro.photos.all()),
            "error": error,
            "token": link.token,
        },
        status=400 if error else 200,
    )


def _status_page(request, link: Link):
    from fours.service.models import RepairOrder

    ro = (
        RepairOrder.objects.filter(store=link.store, pk=link.doc_id, customer=link.customer)
        .select_related("vehicle", "advisor")
        .first()
    )
    vehicle = ro.vehicle if ro else link.customer.vehicles_owned.first()
    return render(
        request,
        "crm/phone/status.html",
        {
            "title": _("我的车辆"),
            "link": link,
            "ro": ro,
            "vehicle": vehicle,
            "history": _history(vehicle) if vehicle else [],
        },
    )


def _survey_for(link: Link):
    return Survey.objects.filter(store=link.store, kind="csi", active=True).order_by("-id").first()


def _survey_page(request, link: Link):
    survey = _survey_for(link)
    if survey is None:
        return _refused(request, LinkRefused("link_invalid", _("问卷暂不可用")))
    error = ""
    if request.method == "POST":
        answers = {q["key"]: request.POST.get(f"q_{q['key']}", "") for q in survey.questions if q.get("key")}
        try:
            services.phone_survey(link=link, survey=survey, answers=answers)
        except ValidationError as e:
            error = error_text(e)
        else:
            return _done(request, link, _("感谢您的评价！"))
    questions = [{**q, "range": range(int(q.get("max", 10)), -1, -1)} for q in survey.questions]
    return render(
        request,
        "crm/phone/survey.html",
        {"title": survey.name, "link": link, "survey": survey, "questions": questions, "error": error},
        status=400 if error else 200,
    )


def _booking_page(request, link: Link):
    vehicles = list(link.customer.vehicles_owned.all())
    error = ""
    if request.method == "POST":
        vid = request.POST.get("vehicle", "")
        vehicle = next((v for v in vehicles if str(v.pk) == vid), None)
        try:
            appt = services.phone_book(
                link=link,
                vehicle=vehicle,
                date=parse_date(request.POST.get("date") or ""),
                slot=parse_time(request.POST.get("slot") or ""),
                jobs=request.POST.get("jobs", ""),
            )
        except (ValidationError, PermissionDenied) as e:
            error = error_text(e) if isinstance(e, ValidationError) else _("门店暂时无法受理，请致电预约")
        else:
            when = timezone.localtime(timezone.make_aware(dt.datetime.combine(appt.date, appt.slot)))
            return _done(
                request, link, _("预约成功：%(t)s，期待您的光临。") % {"t": f"{when:%Y-%m-%d %H:%M}"}
            )
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    slots = [f"{h:02d}:{m:02d}" for h in range(8, 17) for m in (0, 30)]
    return render(
        request,
        "crm/phone/booking.html",
        {
            "title": _("在线预约"),
            "link": link,
            "vehicles": vehicles,
            "day": tomorrow,
            "slots": slots,
            "error": error,
        },
        status=400 if error else 200,
    )


def _rsvp_page(request, link: Link):
    """客户活动: the customer answers the invitation (参加 with the number of companions / 不参加 / 待定)."""
    from ..services.phone import link_invite

    try:
        inv = link_invite(link)
    except ValidationError:
        return _refused(request, LinkRefused("link_invalid", _("链接无效，请联系门店重新发送")))
    error = ""
    if request.method == "POST":
        try:
            inv = services.phone_rsvp(
                link=link, answer=request.POST.get("answer", ""), guests=request.POST.get("guests") or 0
            )
        except ValidationError as e:
            error = error_text(e)
        else:
            words = {
                "yes": _("已报名，期待您的光临！"),
                "no": _("已收到，期待下次与您相见。"),
                "maybe": _("已收到，确定后可再次打开此链接回复。"),
            }
            return _done(request, link, words[inv.rsvp])
    return render(
        request,
        "crm/phone/rsvp.html",
        {"title": inv.event.name, "link": link, "inv": inv, "ev": inv.event, "error": error},
        status=400 if error else 200,
    )


@never_cache
def phone_photo(request, token, photo_id):
    """A photo of the link's repair order, while the link is good."""
    try:
        link = link_read(token)
    except LinkRefused:
        raise Http404 from None
    if link.purpose not in ("added", "estimate"):
        raise Http404
    try:
        ro = link_repair_order(link)
    except ValidationError:
        raise Http404 from None
    photo = get_object_or_404(ro.photos, pk=photo_id)
    content_type = mimetypes.guess_type(photo.image.name)[0] or "application/octet-stream"
    try:
        return FileResponse(photo.image.open("rb"), content_type=content_type)
    except FileNotFoundError:
        raise Http404 from None


@login_required
def link_send(request):
    """The advisor or care sends a phone link (POST: purpose, customer, doc)."""
    from fours.customers.models import Customer

    perm_or_403(request, "crm.add_message")
    store = work_store(request)
    if request.method != "POST":
        return redirect("crm:queue")
    p = request.POST
    customer = get_object_or_404(Customer.objects.filter(group=store.group), pk=p.get("customer") or 0)
    doc = None
    if (p.get("ro") or "").isdigit():
        from fours.service.models import RepairOrder

        doc = get_object_or_404(RepairOrder.objects.for_user(request.user), pk=p["ro"])
    from fours.core.views import redirect_back, run

    msg = run(
        request,
        services.link_send,
        _("已发送手机链接"),
        store=store,
        purpose=p.get("purpose", ""),
        customer=customer,
        doc=doc,
        base=request.build_absolute_uri("/"),
    )
    del msg
    return redirect_back(request, "crm:queue")


urlpatterns = [
    path("m/<str:token>/", phone, name="phone"),
    path("m/<str:token>/photo/<int:photo_id>/", phone_photo, name="phone_photo"),
    path("links/send/", link_send, name="link_send"),
]

NAV: list = []


def widgets(request, store):
    return []
