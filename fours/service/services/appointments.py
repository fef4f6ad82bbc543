"""Appointments (预约): slots with a capacity per advisor and for the whole workshop, parts pre-picked
for booked packages."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record
from fours.core.choices import DocKind
from fours.core.errors import BusinessError, field_error
from fours.core.numbering import next_number
from fours.core.permissions import require_perm
from fours.core.roles import Role
from fours.core.selectors import has_role

from .. import selectors, workflows
from ..choices import ApptChannel, ApptStatus
from ..models import Appointment, WorkshopCapacity
from ..selectors import SLOT_MINUTES, capacity_of
from .common import release_all, require_text


def workshop_capacity(store, *, lock: bool = False) -> WorkshopCapacity:
    """The store's workshop capacity; ``lock`` takes its row with a row lock, creating it first: the
    serialisation point of bookings in the store."""
    if not lock:
        return selectors.workshop_capacity(store)
    row, _created = WorkshopCapacity.objects.get_or_create(store=store)
    return WorkshopCapacity.objects.select_for_update().get(pk=row.pk)


def _reserve_package(actor, appt) -> list[str]:
    """Pre-pick the package's parts for the appointment; parts not in stock are noted, not refused."""
    from fours.parts.services import stock_reserve

    short = []
    if appt.package is None:
        return short
    for pp in appt.package.parts.select_related("part").order_by("part_id"):
        try:
            with transaction.atomic():
                stock_reserve(actor=actor, store=appt.store, part=pp.part, qty=pp.qty, doc=appt)
        except BusinessError:
            short.append(pp.part.part_no)
    return short


@transaction.atomic
def appointment_create(
    *,
    actor,
    store,
    vehicle,
    advisor,
    date,
    slot,
    package=None,
    jobs: str = "",
    channel: str = ApptChannel.PHONE,
    contact_phone: str = "",
    note: str = "",
) -> Appointment:
    """Book a slot. Refused when the advisor's day or slot is full or the time has passed; the package's
    parts are reserved for it (released again on cancel or no-show)."""
    require_perm(actor, "service.add_appointment")
    if vehicle.group_id != store.group_id:
        raise field_error("vehicle", _("车辆不属于本集团"), code="out_of_scope")
    if not has_role(advisor, store, Role.SERVICE_ADVISOR):
        raise field_error("advisor", _("请选择本店的服务顾问"), code="not_staff")
    if date is None:
        raise field_error("date", _("请选择预约日期"), code="required")
    if slot is None:
        raise field_error("slot", _("请选择预约时段"), code="required")
    when = timezone.make_aware(dt.datetime.combine(date, slot))
    if when < timezone.now() - dt.timedelta(minutes=SLOT_MINUTES):
        raise field_error("date", _("预约时间已过"), code="in_past")
    if not package and not jobs.strip():
        raise field_error("jobs", _("请选择保养套餐或填写预约项目"), code="required")
    if package is not None and package.group_id != store.group_id:
        raise field_error("package", _("套餐不存在"), code="not_found")
    # capacity: the store's workshop row is locked, so two bookings cannot both take the last place
    shop = workshop_capacity(store, lock=True)
    per_day, per_slot = capacity_of(store, advisor)
    booked = list(
        Appointment.objects.filter(store=store, date=date, status=ApptStatus.BOOKED).values_list(
            "advisor_id", "slot"
        )
    )
    mine = [s for adv, s in booked if adv == advisor.pk]
    if len(mine) >= per_day:
        raise field_error(
            "date",
            _("%(name)s 当天预约已满（%(n)s 台）")
            % {"name": advisor.get_full_name() or advisor, "n": per_day},
            code="fully_booked",
        )
    if mine.count(slot) >= per_slot:
        raise field_error("slot", _("该时段已约满，请选择其他时段"), code="fully_booked")
    if len(booked) >= shop.per_day:
        raise field_error(
            "date",
            _("车间当天预约已满（%(n)s 台），请选择其他日期") % {"n": shop.per_day},
            code="fully_booked",
        )
    if sum(1 for _adv, s in booked if s == slot) >= shop.per_slot:
        raise field_error(
            "slot",
            _("车间该时段已约满（%(n)s 台），请选择其他时段") % {"n": shop.per_slot},
            code="fully_booked",
        )
    appt = Appointment.objects.create(
        store=store,
        customer=vehicle.owner,
        vehicle=vehicle,
        advisor=advisor,
        date=date,
        slot=slot,
        package=package,
        jobs=jobs.strip()[:300],
        channel=channel,
        contact_phone=contact_phone or vehicle.owner.mobile,
        note=note[:300],
        created_by=actor,
    )
    short = _reserve_package(actor, appt)
    appt.parts_reserved = bool(package) and len(short) < package.parts.count()
    appt.number = next_number(store=store, kind=DocKind.APPOINTMENT)
    appt.save(update_fields=["number", "parts_reserved"])
    audit_record(
        actor=actor,
        obj=appt,
        verb="created",
        changes={"date": [None, date], "slot": [None, slot], "advisor": [None, str(advisor)]},
        note=_("缺货未预留：%(p)s") % {"p": "、".join(short)} if short else "",
    )
    return appt


@transaction.atomic
def appointment_cancel(*, actor, appt: Appointment, reason: str) -> Appointment:
    require_perm(actor, "service.change_appointment")
    appt = Appointment.objects.select_for_update(of=("self",)).select_related("store").get(pk=appt.pk)
    reason = require_text(reason, "cancel_reason", _("请填写取消原因"))
    workflows.APPOINTMENT.require(appt, to=ApptStatus.CANCELLED, actor=actor)
    release_all(actor=actor, store=appt.store, doc=appt)
    appt.status, appt.cancel_reason, appt.parts_reserved = ApptStatus.CANCELLED, reason[:200], False
    appt.save(update_fields=["status", "cancel_reason", "parts_reserved"])
    audit_record(actor=actor, obj=appt, verb="cancelled", note=reason)
    return appt


@transaction.atomic
def appointment_no_show(*, actor, appt: Appointment) -> Appointment:
    require_perm(actor, "service.change_appointment")
    appt = Appointment.objects.select_for_update(of=("self",)).select_related("store").get(pk=appt.pk)
    workflows.APPOINTMENT.require(appt, to=ApptStatus.NO_SHOW, actor=actor)
    release_all(actor=actor, store=appt.store, doc=appt)
    appt.status, appt.parts_reserved = ApptStatus.NO_SHOW, False
    appt.save(update_fields=["status", "parts_reserved"])
    audit_record(actor=actor, obj=appt, verb="no_show")
    return appt


def appointments_mark_no_shows(*, actor, store, day) -> int:
    """End of day: every appointment of ``day`` still booked becomes a no-show (a daily job)."""
    n = 0
    for appt in Appointment.objects.filter(store=store, date__lte=day, status=ApptStatus.BOOKED):
        appointment_no_show(actor=actor, appt=appt)
        n += 1
    return n


@transaction.atomic
def appointment_remind(*, actor, appt: Appointment) -> Appointment:
    """Record that the customer was reminded (the tomorrow list's call or message)."""
    require_perm(actor, "service.change_appointment")
    appt = Appointment.objects.select_for_update().get(pk=appt.pk)
    if appt.status != ApptStatus.BOOKED:
        raise field_error("status", _("只有已预约的单据需要提醒"), code="not_pending")
    appt.reminded_at = timezone.now()
    appt.save(update_fields=["reminded_at"])
    audit_record(actor=actor, obj=appt, verb="reminded")
    return appt
