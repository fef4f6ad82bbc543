"""回访任务: the daily job that queues care tasks from what happened in the store and the archive's dates,
and the hand-over of a task to another 客服专员. Each task is queued through the archive's
``care_task_add`` with a key naming what it is for, so running the job twice creates nothing twice."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.audit import audit_record
from fours.core.errors import field_error
from fours.core.models import AuditEvent
from fours.core.roles import Role
from fours.core.selectors import has_role
from fours.customers.models import CareKind, CareTask, Customer, CustomerAssignment, Vehicle
from fours.customers.services import care_task_add

from ..workflows import CARE_TASK
from .common import rule_for

GRACE_DAYS = 3  # a task whose day passed this recently is still queued (a missed run catches up)
LEAD_DAYS = 1  # dated reminders are queued the day before they are due


def _offsets(rule) -> list[int]:
    return sorted({int(n) for n in (rule.offsets or []) if str(n).lstrip("-").isdigit()})


def _after_event(store, kind, today, events, counts):
    """Tasks n days after an event (a delivery): ``events`` yields (key prefix, day, customer, vehicle,
    doc, subject); every offset still due (not more than GRACE days ago) is queued."""
    rule = rule_for(store, kind)
    if not rule.active:
        return
    for prefix, day, customer, vehicle, doc, subject in events:
        for n in _offsets(rule):
            due = day + dt.timedelta(days=n)
            if due < today - dt.timedelta(days=GRACE_DAYS):
                continue
            _add(store, kind, f"{prefix}:d{n}", customer, vehicle, due, doc, subject, counts)


def _before_date(store, kind, today, dated, counts):
    """Reminders n days before a date (maintenance, insurance, birthday): queued when due within
    LEAD days (or missed by at most GRACE days) and the date itself is not past."""
    rule = rule_for(store, kind)
    if not rule.active:
        return
    for prefix, date, customer, vehicle, subject in dated:
        if date < today:
            continue
        for n in _offsets(rule):
            due = date - dt.timedelta(days=n)
            if today - dt.timedelta(days=GRACE_DAYS) <= due <= today + dt.timedelta(days=LEAD_DAYS):
                _add(store, kind, f"{prefix}:d{n}", customer, vehicle, max(due, today), None, subject, counts)


def _add(store, kind, key, customer, vehicle, due, doc, subject, counts):
    before = CareTask.objects.filter(store=store, key=key).exists()
    task = care_task_add(
        store=store,
        customer=customer,
        kind=kind,
        key=key,
        due_date=due,
        vehicle=vehicle,
        doc=doc,
        subject=str(subject),
    )
    if task is not None and not before:
        counts[kind] = counts.get(kind, 0) + 1


def _store_customers(store):
    return CustomerAssignment.objects.filter(store=store).values("customer_id")


def _vehicle_deliveries(store, since):
    from fours.sales.choices import OrderStatus
    from fours.sales.models import VehicleOrder

    orders = VehicleOrder.objects.filter(
        store=store, status=OrderStatus.DELIVERED, delivered_at__date__gte=since
    ).select_related("customer", "archive_vehicle")
    for o in orders:
        yield (
            f"order:{o.pk}",
            timezone.localdate(o.delivered_at),
            o.customer,
            o.archive_vehicle,
            o,
            _("新车交车 %(n)s") % {"n": o.number},
        )


def _service_deliveries(store, since, min_amount=None):
    from fours.service.choices import ROStatus
    from fours.service.models import RepairOrder

    ros = RepairOrder.objects.filter(
        store=store, status=ROStatus.DELIVERED, delivered_at__date__gte=since
    ).select_related("customer", "vehicle")
    if min_amount is not None:
        ros = ros.filter(total__gte=min_amount)
    return ros


def care_tasks_queue(*, store, today: dt.date | None = None, actor=None) -> dict[str, int]:
    """The daily job of one store: queue every care task due from deliveries, high-value repairs,
    maintenance and insurance dates, birthdays and new assignments. Returns the number of new tasks
    by kind; a second run the same day returns nothing new."""
    today = today or timezone.localdate()
    counts: dict[str, int] = {}
    with transaction.atomic():
        _queue(store, today, counts)
        if counts:
            audit_record(
                actor=actor,
                obj=store,
                verb="care_queued",
                store=store,
                changes={str(CareKind(k).label): [None, n] for k, n in counts.items()},
            )
    return counts


def _queue(store, today, counts):
    from fours.service.choices import ROKind

    window = today - dt.timedelta(days=30 + GRACE_DAYS)
    # 新车交车 day 1/3/7 (the same keys as the delivery's own tasks)
    _after_event(store, CareKind.VEHICLE_DELIVERY, today, _vehicle_deliveries(store, window), counts)
    # 维修后回访 within 3 days of every delivered repair order
    _after_event(
        store,
        CareKind.SERVICE_DELIVERY,
        today,
        (
            (
                f"ro:{ro.pk}",
                timezone.localdate(ro.delivered_at),
                ro.customer,
                ro.vehicle,
                ro,
                _("维修交车 %(n)s") % {"n": ro.number},
            )
            for ro in _service_deliveries(store, window).exclude(kind=ROKind.INTERNAL)
        ),
        counts,
    )
    # 大额维修 a week after, above the rule's amount
    rule = rule_for(store, CareKind.HIGH_VALUE)
    _after_event(
        store,
        CareKind.HIGH_VALUE,
        today,
        (
            (
                f"ro:{ro.pk}:hv",
                timezone.localdate(ro.delivered_at),
                ro.customer,
                ro.vehicle,
                ro,
                _("大额维修 %(n)s") % {"n": ro.number},
            )
            for ro in _service_deliveries(store, window, min_amount=max(rule.min_amount, 1)).exclude(
                kind=ROKind.INTERNAL
            )
        ),
        counts,
    )
    owners = _store_customers(store)
    horizon = today + dt.timedelta(days=40)
    vehicles = Vehicle.objects.filter(group=store.group, owner_id__in=owners).select_related("owner")
    # 保养提醒: the archive's next date, or the day the next mileage is reached at the car's pace
    maint = []
    for v in vehicles.filter(
        Q(next_maintenance_date__gte=today, next_maintenance_date__lte=horizon)
        | Q(next_maintenance_km__isnull=False, next_maintenance_date__isnull=True)
    ):
        when = v.next_maintenance_date or _date_by_mileage(v, today)
        if when is not None:
            maint.append((f"maint:{v.pk}:{when:%Y%m%d}", when, v.owner, v, _("保养到期 %(d)s") % {"d": when}))
    _before_date(store, CareKind.MAINTENANCE_DUE, today, maint, counts)
    # 续保提醒 30/15/7 days before the policy ends
    _before_date(
        store,
        CareKind.INSURANCE_DUE,
        today,
        (
            (
                f"ins:{v.pk}:{v.policy_expiry:%Y%m%d}",
                v.policy_expiry,
                v.owner,
                v,
                _("保险到期 %(d)s（%(i)s）") % {"d": v.policy_expiry, "i": v.insurer or "—"},
            )
            for v in vehicles.filter(policy_expiry__gte=today, policy_expiry__lte=horizon)
        ),
        counts,
    )
    # 生日关怀
    days = [today + dt.timedelta(days=i) for i in range(-GRACE_DAYS, LEAD_DAYS + 1)]
    q = Q()
    for d in days:
        q |= Q(birthday__month=d.month, birthday__day=d.day)
    births = []
    for c in Customer.objects.filter(pk__in=owners, merged_into__isnull=True).filter(q):
        for d in days:
            if (c.birthday.month, c.birthday.day) == (d.month, d.day) and d >= today:
                births.append((f"bday:{c.pk}:{d.year}", d, c, None, _("生日 %(d)s") % {"d": f"{d:%m-%d}"}))
    _before_date(store, CareKind.BIRTHDAY, today, births, counts)
    # 新分配客户: the 客服专员 contacts a customer within a week of taking them over
    _after_event(store, CareKind.NEW_OWNER, today, _new_assignments(store, today), counts)
    # 节日关怀: a task per customer (of the festival's segment) the rule's days before each festival
    _festivals(store, today, counts)


def _festivals(store, today, counts):
    from ..models import Festival
    from .events import festival_customers

    rule = rule_for(store, CareKind.FESTIVAL)
    if not rule.active:
        return
    ahead = max(_offsets(rule) or [0]) + LEAD_DAYS
    fests = Festival.objects.filter(
        store=store, active=True, on__gte=today, on__lte=today + dt.timedelta(days=ahead)
    )
    for f in fests:
        subject = f"{f.name} {f.on:%m-%d}" + (f" · {f.greeting}" if f.greeting else "")
        # one greeting per customer and festival: those who have their task already are skipped in bulk
        done = {
            k.split(":")[2]
            for k in CareTask.objects.filter(store=store, key__startswith=f"fest:{f.pk}:").values_list(
                "key", flat=True
            )
        }
        rows = (
            (f"fest:{f.pk}:{c.pk}", f.on, c, None, subject)
            for c in festival_customers(store, f)
            if str(c.pk) not in done
        )
        _before_date(store, CareKind.FESTIVAL, today, rows, counts)


def _date_by_mileage(v, today):
    """When the next maintenance mileage is reached at the pace of the odometer history (None when
    the history is too short to tell)."""
    readings = list(v.odometer_readings.order_by("read_on", "id").values_list("read_on", "value_km"))
    if len(readings) < 2 or not v.next_maintenance_km:
        return None
    (d0, k0), (d1, k1) = readings[0], readings[-1]
    days = (d1 - d0).days
    if days <= 0 or k1 <= k0:
        return None
    per_day = (k1 - k0) / days
    left = v.next_maintenance_km - k1
    when = d1 + dt.timedelta(days=max(0, int(left / per_day)))
    return when if today <= when <= today + dt.timedelta(days=40) else None


def _new_assignments(store, today):
    """Customers created in the store this week, and customers whose 客服专员 changed this week."""
    since = today - dt.timedelta(days=7)
    seen = set()
    assignments = CustomerAssignment.objects.filter(store=store, care_specialist__isnull=False)
    new = assignments.filter(
        customer__created_store=store, customer__created_at__date__gte=since
    ).select_related("customer")
    for a in new:
        seen.add(a.customer_id)
        yield (
            f"new:{a.customer_id}:{a.care_specialist_id}",
            timezone.localdate(a.customer.created_at),
            a.customer,
            None,
            None,
            _("新建档客户首次联系"),
        )
    from django.contrib.contenttypes.models import ContentType

    moved = AuditEvent.objects.filter(
        store=store,
        verb="assigned",
        content_type=ContentType.objects.get_for_model(Customer),
        at__date__gte=since,
        changes__has_key="care_specialist",
    ).values_list("object_id", "at")
    last = {}
    for oid, at in moved:
        last[int(oid)] = max(at, last.get(int(oid), at))
    for a in assignments.filter(customer_id__in=list(last)).select_related("customer"):
        if a.customer_id in seen:
            continue
        yield (
            f"new:{a.customer_id}:{a.care_specialist_id}",
            timezone.localdate(last[a.customer_id]),
            a.customer,
            None,
            None,
            _("新分配客户首次联系"),
        )


@transaction.atomic
def care_task_reassign(*, actor, task: CareTask, assignee) -> CareTask:
    """Give an open task to another 客服专员 of the store."""
    task = CareTask.objects.select_for_update().get(pk=task.pk)
    CARE_TASK.require_action(task, "reassign", actor=actor)
    if assignee is None or not has_role(assignee, task.store, Role.CRM_SPECIALIST):
        raise field_error("assignee", _("请选择本店的客服专员"), code="not_staff")
    old = task.assignee
    task.assignee = assignee
    task.save(update_fields=["assignee"])
    audit_record(
        actor=actor, obj=task, verb="reassigned", changes={"assignee": [str(old or ""), str(assignee)]}
    )
    return task
