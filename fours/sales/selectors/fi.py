"""Reads of 金融保险: the products, loan applications and policies of the user's stores, a loan's file
(五大件 checklist) and money in finance, the F&I specialist's daily business list (每日业务清单) and the
month's F&I statistics (loan and insurance penetration, commission by partner and per person)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fours.core.money import round_money
from fours.finance.choices import ItemSource, ItemStatus
from fours.finance.models import OpenItem

from ..choices import LoanDoc, LoanStatus, OrderStatus, PolicyStatus
from ..models import LoanApplication, LoanDocument, Policy, Product, VehicleOrder

ZERO = Decimal("0")
WAITING = (LoanStatus.COLLECTING, LoanStatus.SUBMITTED, LoanStatus.APPROVED)


def products(user):
    return Product.objects.for_user(user).select_related("partner").order_by("kind", "partner__name", "name")


def loans(user):
    return LoanApplication.objects.for_user(user).select_related(
        "order__customer", "order__consultant", "product__partner", "specialist", "store"
    )


def policies(user):
    return Policy.objects.for_user(user).select_related(
        "order__customer", "order__consultant", "vehicle", "product__partner", "specialist"
    )


def loan_for(user, pk: int) -> LoanApplication:
    return loans(user).get(pk=pk)


def orders_for_fi(user, store):
    """Orders an F&I specialist may place a loan or a policy for: authorised, not delivered nor
    cancelled, newest first."""
    from ..services.fi import LOAN_ORDER_STATUSES

    return (
        VehicleOrder.objects.for_user(user)
        .filter(store=store, status__in=LOAN_ORDER_STATUSES)
        .select_related("customer", "configuration__model")
        .order_by("-id")
    )


def loan_file(loan: LoanApplication) -> list[dict]:
    """The checklist of the file: each of the 五大件 with its scans (ok when one is checked), then the
    other papers uploaded."""
    docs = defaultdict(list)
    for d in (
        LoanDocument.objects.filter(application=loan).select_related("uploaded_by").order_by("kind", "id")
    ):
        docs[d.kind].append(d)
    rows = []
    for kind in LoanDoc.five():
        rows.append(
            {
                "kind": kind,
                "label": LoanDoc(kind).label,
                "required": True,
                "docs": docs.pop(kind, []),
            }
        )
    for kind in LoanDoc.values:
        if kind in docs:
            rows.append(
                {"kind": kind, "label": LoanDoc(kind).label, "required": False, "docs": docs.pop(kind)}
            )
    for r in rows:
        r["ok"] = any(d.checked and d.file for d in r["docs"])
    return rows


def order_money(order: VehicleOrder) -> list[OpenItem]:
    """The order's live receivables in finance (the customer's share and the bank's), oldest first."""
    return list(
        OpenItem.objects.filter(
            doc_type=ContentType.objects.get_for_model(VehicleOrder), doc_id=order.pk, amount__gt=0
        )
        .exclude(status=ItemStatus.REVERSED)
        .select_related("party")
        .order_by("pk")
    )


def doc_commission_items(doc) -> list[OpenItem]:
    """The commission receivable(s) a loan or a policy posted on its partner."""
    return list(
        OpenItem.objects.filter(
            doc_type=ContentType.objects.get_for_model(doc),
            doc_id=doc.pk,
            source=ItemSource.COMMISSION,
            amount__gt=0,
        ).select_related("party")
    )


# --- the daily business list (每日业务清单, F5) ---------------------------------------------------------


def _day_bounds(day: dt.date):
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, start + dt.timedelta(days=1)


def daily_business(user, store, day: dt.date, *, mine: bool = False) -> dict:
    """What the F&I desk did on ``day`` (loans submitted, approved, rejected, disbursed; policies placed)
    and what waits (files to complete, banks to answer, disbursements to come), with the totals the
    supervisor and 内勤 read."""
    start, end = _day_bounds(day)
    qs = loans(user).filter(store=store)
    pol = policies(user).filter(store=store)
    if mine:
        qs, pol = qs.filter(specialist=user), pol.filter(specialist=user)
    done = {
        "submitted": list(qs.filter(submitted_at__gte=start, submitted_at__lt=end)),
        "approved": list(
            qs.filter(decided_at__gte=start, decided_at__lt=end, approved_amount__isnull=False).exclude(
                status=LoanStatus.REJECTED
            )
        ),
        "rejected": list(qs.filter(decided_at__gte=start, decided_at__lt=end, status=LoanStatus.REJECTED)),
        "disbursed": list(qs.filter(disbursed_at__gte=start, disbursed_at__lt=end)),
    }
    placed = list(pol.filter(created_at__gte=start, created_at__lt=end))
    waiting = list(qs.filter(status__in=WAITING).order_by("status", "created_at"))
    from ..services.fi import missing_papers

    for loan in waiting:
        if loan.status == LoanStatus.COLLECTING:
            missing = [str(LoanDoc(k).label) for k in missing_papers(loan)]
            loan.todo = _("缺：%(m)s") % {"m": "、".join(missing)} if missing else _("资料已齐，待提交银行")
        elif loan.status == LoanStatus.SUBMITTED:
            loan.todo = _("待银行审批")
        else:
            loan.todo = _("待银行放款")
    totals = {
        "disbursed_amount": sum((x.approved_amount or ZERO for x in done["disbursed"]), ZERO),
        "approved_amount": sum((x.approved_amount or ZERO for x in done["approved"]), ZERO),
        "premium": sum((p.premium for p in placed), ZERO),
        "commission": sum((x.commission for x in done["disbursed"]), ZERO)
        + sum((p.commission for p in placed), ZERO),
    }
    return {"day": day, **done, "policies": placed, "waiting": waiting, "totals": totals}


def my_waiting(user, store) -> dict:
    """The specialist's own work: files still collecting, loans at the bank, approved loans not disbursed."""
    rows = (
        LoanApplication.objects.for_user(user)
        .filter(store=store, specialist=user, status__in=WAITING)
        .values("status")
        .annotate(n=Count("id"))
    )
    out = {s: 0 for s in WAITING}
    out.update({r["status"]: r["n"] for r in rows})
    return out


# --- statistics (F9) -----------------------------------------------------------------------------------


def month_bounds(month: dt.date):
    first = month.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return _day_bounds(first)[0], _day_bounds(nxt)[0]


def _pct(n, d) -> Decimal | None:
    return round_money(Decimal(n) * 100 / Decimal(d)) if d else None


def fi_stats(user, store, month: dt.date) -> dict:
    """The month's F&I figures: deliveries, loans disbursed and policies placed with their penetration
    (渗透率 = loans or policies ÷ deliveries), commission by partner and per person, against the store's
    targets (目标) where the sales manager set them."""
    from fours.reports.choices import Metric
    from fours.reports.models import Target

    start, end = month_bounds(month)
    deliveries = (
        VehicleOrder.objects.for_user(user)
        .filter(store=store, status=OrderStatus.DELIVERED, delivered_at__gte=start, delivered_at__lt=end)
        .count()
    )
    lq = loans(user).filter(store=store, disbursed_at__gte=start, disbursed_at__lt=end)
    pq = (
        policies(user)
        .filter(store=store, created_at__gte=start, created_at__lt=end)
        .exclude(status=PolicyStatus.CANCELLED)
    )
    n_loans, n_pol = lq.count(), pq.count()
    loan_sum = lq.aggregate(a=Sum("approved_amount"), c=Sum("commission"))
    pol_sum = pq.aggregate(a=Sum("premium"), c=Sum("commission"))
    by_partner: dict = {}
    for row in lq.values("product__partner__name", "product__kind").annotate(
        n=Count("id"), amount=Sum("approved_amount"), c=Sum("commission")
    ):
        by_partner.setdefault(row["product__partner__name"], _partner_row(row["product__partner__name"]))
        r = by_partner[row["product__partner__name"]]
        r["loans"] += row["n"]
        r["loan_amount"] += round_money(row["amount"] or 0)
        r["commission"] += round_money(row["c"] or 0)
    for row in pq.values("product__partner__name").annotate(
        n=Count("id"), amount=Sum("premium"), c=Sum("commission")
    ):
        by_partner.setdefault(row["product__partner__name"], _partner_row(row["product__partner__name"]))
        r = by_partner[row["product__partner__name"]]
        r["policies"] += row["n"]
        r["premium"] += round_money(row["amount"] or 0)
        r["commission"] += round_money(row["c"] or 0)
    people: dict = {}
    for row in lq.values("specialist").annotate(
        n=Count("id"), amount=Sum("approved_amount"), c=Sum("commission")
    ):
        r = people.setdefault(row["specialist"], _person_row(row["specialist"]))
        r["loans"] += row["n"]
        r["loan_amount"] += round_money(row["amount"] or 0)
        r["commission"] += round_money(row["c"] or 0)
    for row in pq.values("specialist").annotate(n=Count("id"), amount=Sum("premium"), c=Sum("commission")):
        r = people.setdefault(row["specialist"], _person_row(row["specialist"]))
        r["policies"] += row["n"]
        r["premium"] += round_money(row["amount"] or 0)
        r["commission"] += round_money(row["c"] or 0)
    _name_people(people)
    targets = {
        t.metric: t.value
        for t in Target.objects.filter(
            store=store,
            month=month.replace(day=1),
            department="sales",
            person__isnull=True,
            metric__in=[Metric.LOANS, Metric.POLICIES, Metric.FI_COMMISSION],
        )
    }
    commission = round_money(loan_sum["c"] or 0) + round_money(pol_sum["c"] or 0)
    return {
        "month": month.replace(day=1),
        "deliveries": deliveries,
        "loans": n_loans,
        "loan_amount": round_money(loan_sum["a"] or 0),
        "policies": n_pol,
        "premium": round_money(pol_sum["a"] or 0),
        "commission": commission,
        "loan_pct": _pct(n_loans, deliveries),
        "policy_pct": _pct(n_pol, deliveries),
        "targets": {
            "loans": targets.get(Metric.LOANS),
            "policies": targets.get(Metric.POLICIES),
            "commission": targets.get(Metric.FI_COMMISSION),
        },
        "by_partner": sorted(by_partner.values(), key=lambda r: -r["commission"]),
        "people": sorted(people.values(), key=lambda r: -r["commission"]),
        "pending": loans(user).filter(store=store, status__in=WAITING).count(),
    }


def _partner_row(name):
    return {
        "partner": name,
        "loans": 0,
        "loan_amount": ZERO,
        "policies": 0,
        "premium": ZERO,
        "commission": ZERO,
    }


def _person_row(pk):
    return {
        "pk": pk,
        "name": "",
        "loans": 0,
        "loan_amount": ZERO,
        "policies": 0,
        "premium": ZERO,
        "commission": ZERO,
    }


def _name_people(people: dict) -> None:
    from django.contrib.auth import get_user_model

    from fours.core.audit import display_name

    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=[k for k in people if k])}
    for pk, row in people.items():
        row["name"] = display_name(users[pk]) if pk in users else "—"


def expiring_policies(user, store, days: int = 30):
    """Policies the store placed that expire within ``days`` (续保 in the coming month)."""
    today = timezone.localdate()
    return policies(user).filter(
        store=store,
        status=PolicyStatus.ACTIVE,
        expires_on__gte=today,
        expires_on__lte=today + dt.timedelta(days=days),
    )


def partner_summary(store):
    """The store's partners with the number of active products, by kind."""
    from ..services.fi import partners

    counts = dict(
        Product.objects.filter(store=store, active=True)
        .values("partner_id")
        .annotate(n=Count("id"))
        .values_list("partner_id", "n")
    )
    out = []
    for p in partners(store):
        p.products = counts.get(p.pk, 0)
        out.append(p)
    return out
