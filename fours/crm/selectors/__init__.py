"""Reads of customer care and marketing, store-scoped: the care queue, calls, complaints and their
statistics, the period reports, surveys and campaigns."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.utils import timezone

from fours.customers.models import CareStatus, CareTask

from ..choices import CallResult, ComplaintStatus, Satisfaction
from ..models import Call, Campaign, Complaint, Message, SurveyResponse

OPEN_COMPLAINT = [
    ComplaintStatus.REGISTERED,
    ComplaintStatus.INVESTIGATING,
    ComplaintStatus.PROPOSED,
    ComplaintStatus.APPROVED,
    ComplaintStatus.DONE,
    ComplaintStatus.CONFIRMED,
]


# --- the care queue ------------------------------------------------------------------------------


def tasks_for(user) -> QuerySet[CareTask]:
    return CareTask.objects.for_user(user).select_related("customer", "vehicle", "assignee", "store")


def queue(user, store, *, today=None, mine_only: bool = False) -> list[CareTask]:
    """The open tasks due by tomorrow whose next try has come: the user's own first, then overdue
    first, then by due date."""
    today = today or timezone.localdate()
    now = timezone.now()
    qs = (
        tasks_for(user)
        .filter(store=store, status=CareStatus.OPEN, due_date__lte=today + dt.timedelta(days=1))
        .filter(Q(next_try_at__isnull=True) | Q(next_try_at__lte=now))
    )
    if mine_only:
        qs = qs.filter(assignee=user)
    rows = list(qs.order_by("due_date", "id")[:300])
    rows.sort(key=lambda t: (t.assignee_id != user.pk, t.due_date >= today, t.due_date, t.pk))
    for t in rows:
        t.overdue = t.due_date < today
    return rows


def waiting(user, store) -> list[CareTask]:
    """Open tasks waiting for a retry or an agreed call-back time."""
    return list(
        tasks_for(user)
        .filter(store=store, status=CareStatus.OPEN, next_try_at__gt=timezone.now())
        .order_by("next_try_at")[:100]
    )


def queue_counts(user, store, today=None) -> dict:
    today = today or timezone.localdate()
    base = CareTask.objects.filter(store=store, status=CareStatus.OPEN)
    mine = base.filter(assignee=user)
    return {
        "mine_due": mine.filter(due_date__lte=today).count(),
        "overdue": base.filter(due_date__lt=today).count(),
        "mine_overdue": mine.filter(due_date__lt=today).count(),
    }


def calls_for(user) -> QuerySet[Call]:
    return Call.objects.for_user(user).select_related("task", "task__customer", "task__vehicle", "actor")


def task_calls(task) -> list[Call]:
    return list(task.calls.select_related("actor").order_by("-at", "-id"))


def customer_messages(customer, user) -> QuerySet[Message]:
    return Message.objects.for_user(user).filter(customer=customer).select_related("actor")


# --- complaints ----------------------------------------------------------------------------------


def complaints_for(user) -> QuerySet[Complaint]:
    return Complaint.objects.for_user(user).select_related(
        "customer", "vehicle", "person", "handler", "approved_by"
    )


def complaint_follow_ups(c: Complaint) -> list[CareTask]:
    return list(
        CareTask.objects.filter(doc_type=ContentType.objects.get_for_model(Complaint), doc_id=c.pk)
        .select_related("assignee")
        .prefetch_related("calls")
        .order_by("id")
    )


def complaints_waiting(store, user=None) -> dict:
    base = Complaint.objects.filter(store=store, status__in=OPEN_COMPLAINT)
    return {
        "open": base.count(),
        "to_approve": base.filter(status=ComplaintStatus.PROPOSED).count(),
        "escalated": base.filter(escalated_at__isnull=False).count(),
    }


@dataclass
class ComplaintStats:
    """《顾客投诉分类统计表》: complaints of a period by category, department, cause and person, with the
    average hours to close."""

    total: int = 0
    closed: int = 0
    invalid: int = 0
    by_category: list = field(default_factory=list)
    by_department: list = field(default_factory=list)
    by_person: list = field(default_factory=list)
    by_channel: list = field(default_factory=list)
    avg_hours_to_close: Decimal | None = None
    rows: list = field(default_factory=list)


def complaint_stats(store, start: dt.date, end: dt.date) -> ComplaintStats:
    from ..choices import ComplaintCategory, ComplaintChannel
    from ..services.complaints import department_label

    qs = Complaint.objects.filter(
        store=store, created_at__date__gte=start, created_at__date__lte=end
    ).select_related("person", "customer")
    rows = list(qs)
    s = ComplaintStats(total=len(rows), rows=rows)
    s.closed = sum(1 for c in rows if c.status == ComplaintStatus.CLOSED)
    s.invalid = sum(1 for c in rows if c.status == ComplaintStatus.INVALID)
    cat = Counter(c.category for c in rows if c.status != ComplaintStatus.INVALID)
    s.by_category = [(str(ComplaintCategory(k).label) if k else "未分类", n) for k, n in cat.most_common()]
    s.by_department = [(department_label(k), n) for k, n in Counter(c.department for c in rows).most_common()]
    from fours.core.audit import display_name

    s.by_person = [
        (display_name(p) if p else "—", n)
        for p, n in Counter(c.person for c in rows if c.person).most_common()
    ]
    s.by_channel = [
        (str(ComplaintChannel(k).label), n) for k, n in Counter(c.channel for c in rows).most_common()
    ]
    hours = [
        (c.closed_at - c.created_at).total_seconds() / 3600
        for c in rows
        if c.closed_at and c.status == "closed"
    ]
    if hours:
        s.avg_hours_to_close = Decimal(sum(hours) / len(hours)).quantize(Decimal("0.1"))
    return s


# --- reports -------------------------------------------------------------------------------------


def _pct(n, d) -> Decimal | None:
    return (Decimal(n) * 100 / Decimal(d)).quantize(Decimal("0.1")) if d else None


@dataclass
class CareSummary:
    """《回访总结报告》 of a period: calls, reach rate, satisfaction, problems by department; the manager's
    month adds the complaint rate per 100 repair orders and per 100 sales and the overdue tasks."""

    start: dt.date
    end: dt.date
    calls: int = 0
    reached: int = 0
    tasks_done: int = 0
    tasks_gave_up: int = 0
    reach_rate: Decimal | None = None
    satisfied_rate: Decimal | None = None
    by_satisfaction: list = field(default_factory=list)
    by_kind: list = field(default_factory=list)
    problems_by_department: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    complaints: int = 0
    repair_orders: int = 0
    sales: int = 0
    complaints_per_100_ro: Decimal | None = None
    complaints_per_100_sales: Decimal | None = None
    overdue: int = 0
    by_person: list = field(default_factory=list)
    csi: Decimal | None = None
    ssi: Decimal | None = None


def care_summary(store, start: dt.date, end: dt.date) -> CareSummary:
    from fours.core.audit import display_name
    from fours.customers.models import CareKind
    from fours.sales.models import VehicleOrder
    from fours.service.models import RepairOrder

    from ..services.complaints import department_label

    s = CareSummary(start=start, end=end)
    calls = Call.objects.filter(store=store, at__date__gte=start, at__date__lte=end).select_related(
        "task", "actor"
    )
    rows = list(calls)
    s.calls = len(rows)
    reached = [c for c in rows if c.result == CallResult.REACHED]
    s.reached = len(reached)
    # a task counts once: reached when any of its calls reached the customer
    tasks = {c.task_id for c in rows}
    tasks_reached = {c.task_id for c in reached}
    s.reach_rate = _pct(len(tasks_reached), len(tasks))
    rated = [c for c in reached if c.satisfaction]
    sat = Counter(c.satisfaction for c in rated)
    s.by_satisfaction = [(str(Satisfaction(k).label), sat.get(k, 0)) for k in Satisfaction.values]
    s.satisfied_rate = _pct(sat.get(Satisfaction.GOOD, 0), len(rated))
    kinds = Counter(c.task.kind for c in rows)
    s.by_kind = [(str(CareKind(k).label), n) for k, n in kinds.most_common()]
    bad = [c for c in reached if c.satisfaction == Satisfaction.BAD or c.problem]
    s.problems = bad[:50]
    s.problems_by_department = [
        (department_label(k), n) for k, n in Counter(c.problem_department for c in bad).most_common()
    ]
    done = CareTask.objects.filter(store=store, done_at__date__gte=start, done_at__date__lte=end)
    s.tasks_done = done.filter(status=CareStatus.DONE).count()
    s.tasks_gave_up = done.filter(status=CareStatus.GAVE_UP).count()
    s.complaints = (
        Complaint.objects.filter(store=store, created_at__date__gte=start, created_at__date__lte=end)
        .exclude(status=ComplaintStatus.INVALID)
        .count()
    )
    s.repair_orders = RepairOrder.objects.filter(
        store=store, delivered_at__date__gte=start, delivered_at__date__lte=end
    ).count()
    s.sales = VehicleOrder.objects.filter(
        store=store, delivered_at__date__gte=start, delivered_at__date__lte=end
    ).count()
    s.complaints_per_100_ro = _pct(s.complaints, s.repair_orders)
    s.complaints_per_100_sales = _pct(s.complaints, s.sales)
    s.overdue = CareTask.objects.filter(
        store=store, status=CareStatus.OPEN, due_date__lt=timezone.localdate()
    ).count()
    per = defaultdict(lambda: {"calls": 0, "reached": 0, "good": 0})
    for c in rows:
        p = per[c.actor_id]
        p["name"] = display_name(c.actor) if c.actor else "—"
        p["calls"] += 1
        p["reached"] += c.result == CallResult.REACHED
        p["good"] += c.satisfaction == Satisfaction.GOOD
    s.by_person = sorted(per.values(), key=lambda p: -p["calls"])
    surveys = SurveyResponse.objects.filter(store=store, answered_on__gte=start, answered_on__lte=end)
    s.csi = surveys.filter(survey__kind="csi").aggregate(a=Avg("score"))["a"]
    s.ssi = surveys.filter(survey__kind="ssi").aggregate(a=Avg("score"))["a"]
    return s


def specialist_day(user, store, day=None) -> dict:
    """The care specialist's day: the queue, the calls made, reached."""
    day = day or timezone.localdate()
    calls = Call.objects.filter(store=store, actor=user, at__date=day)
    return {
        "queue": len(queue(user, store, today=day, mine_only=True)),
        "calls": calls.count(),
        "reached": calls.filter(result=CallResult.REACHED).count(),
        "done": CareTask.objects.filter(store=store, assignee=user, done_at__date=day).count(),
    }


# --- surveys -------------------------------------------------------------------------------------


def responses_for(user) -> QuerySet[SurveyResponse]:
    return SurveyResponse.objects.for_user(user).select_related(
        "survey", "customer", "advisor", "consultant", "technician"
    )


def scores_by_person(store, start, end) -> dict:
    """Average score and count per advisor, consultant and technician, and per month (the trend)."""
    from django.db.models.functions import TruncMonth

    from fours.core.audit import display_name

    qs = SurveyResponse.objects.filter(store=store, answered_on__gte=start, answered_on__lte=end)
    out = {}
    for role in ("advisor", "consultant", "technician"):
        rows = (
            qs.filter(**{f"{role}__isnull": False})
            .values(f"{role}_id")
            .annotate(n=Count("id"), avg=Avg("score"))
            .order_by("-avg")
        )
        from django.contrib.auth import get_user_model

        users = get_user_model().objects.in_bulk([r[f"{role}_id"] for r in rows])
        out[role] = [
            {
                "name": display_name(users.get(r[f"{role}_id"])),
                "n": r["n"],
                "avg": Decimal(r["avg"]).quantize(Decimal("0.1")),
            }
            for r in rows
        ]
    trend = (
        qs.annotate(m=TruncMonth("answered_on"))
        .values("m", "survey__kind")
        .annotate(avg=Avg("score"), n=Count("id"))
        .order_by("m")
    )
    out["trend"] = [
        {"month": f"{r['m']:%Y-%m}", "kind": r["survey__kind"], "avg": float(r["avg"]), "n": r["n"]}
        for r in trend
    ]
    out["store"] = qs.aggregate(avg=Avg("score"), n=Count("id"))
    return out


# --- campaigns -----------------------------------------------------------------------------------


def campaigns_for(user) -> QuerySet[Campaign]:
    return Campaign.objects.for_user(user).select_related("created_by")


@dataclass
class CampaignResult:
    members: int = 0
    invited: int = 0
    responded: int = 0
    attended: int = 0
    leads: int = 0
    orders: int = 0
    order_revenue: Decimal = Decimal("0")
    repair_orders: int = 0
    repair_revenue: Decimal = Decimal("0")
    net_cost: Decimal = Decimal("0")
    cost_per_lead: Decimal | None = None
    cost_per_sale: Decimal | None = None
    roi: Decimal | None = None
    messages: int = 0


def campaign_result(c: Campaign) -> CampaignResult:
    """What the campaign brought: leads named after it, and the members' orders and repair orders in its
    period; cost per lead and per sale and the return on the spend (投入产出) net of the OEM's support."""
    from fours.sales.models import Lead, VehicleOrder
    from fours.service.models import RepairOrder

    r = CampaignResult()
    members = c.members.all()
    r.members = members.count()
    r.invited = members.filter(invited_at__isnull=False).count()
    r.responded = members.filter(responded=True).count()
    r.attended = members.filter(attended=True).count()
    r.messages = c.messages.filter(status="sent").count()
    ids = list(members.values_list("customer_id", flat=True))
    leads = (
        Lead.objects.filter(store=c.store)
        .filter(Q(campaign=c.name) | Q(campaign=c.number))
        .filter(created_at__date__gte=c.starts_on)
    )
    r.leads = leads.count()
    orders = VehicleOrder.objects.filter(
        store=c.store,
        ordered_at__date__gte=c.starts_on,
        ordered_at__date__lte=c.ends_on + dt.timedelta(days=30),
    ).filter(Q(customer_id__in=ids) | Q(lead__in=leads))
    agg = orders.aggregate(n=Count("id"), s=Sum("total"))
    r.orders, r.order_revenue = agg["n"] or 0, agg["s"] or Decimal("0")
    ros = RepairOrder.objects.filter(
        store=c.store,
        customer_id__in=ids,
        received_at__date__gte=c.starts_on,
        received_at__date__lte=c.ends_on,
    )
    agg = ros.aggregate(n=Count("id"), s=Sum("total"))
    r.repair_orders, r.repair_revenue = agg["n"] or 0, agg["s"] or Decimal("0")
    r.net_cost = max(c.actual_cost - c.oem_support, Decimal("0"))
    if r.leads:
        r.cost_per_lead = (r.net_cost / r.leads).quantize(Decimal("0.01"))
    if r.orders:
        r.cost_per_sale = (r.net_cost / r.orders).quantize(Decimal("0.01"))
    if r.net_cost:
        revenue = r.order_revenue + r.repair_revenue
        r.roi = ((revenue - r.net_cost) / r.net_cost).quantize(Decimal("0.01"))
    return r


def loss_and_contribution(store, today=None) -> list[dict]:
    """客户流失与贡献度 per service advisor: their customers, those with no visit in 12 months, and the
    revenue of the last 12 months per customer."""
    from fours.core.audit import display_name
    from fours.customers.models import CustomerAssignment
    from fours.service.models import RepairOrder

    today = today or timezone.localdate()
    since = today - dt.timedelta(days=365)
    out = []
    rows = (
        CustomerAssignment.objects.filter(store=store, service_advisor__isnull=False)
        .values("service_advisor")
        .annotate(n=Count("customer"))
    )
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.in_bulk([r["service_advisor"] for r in rows])
    for r in rows:
        cust = CustomerAssignment.objects.filter(store=store, service_advisor_id=r["service_advisor"]).values(
            "customer_id"
        )
        ros = RepairOrder.objects.filter(store=store, customer_id__in=cust, received_at__date__gte=since)
        active = ros.values("customer_id").distinct().count()
        revenue = ros.aggregate(s=Sum("total"))["s"] or Decimal("0")
        out.append(
            {
                "name": display_name(users.get(r["service_advisor"])),
                "customers": r["n"],
                "lost": r["n"] - active,
                "lost_rate": _pct(r["n"] - active, r["n"]),
                "revenue": revenue,
                "per_customer": (revenue / r["n"]).quantize(Decimal("0.01")) if r["n"] else Decimal("0"),
            }
        )
    return sorted(out, key=lambda x: -x["customers"])
