"""Reads of warranty claims, old parts and accident jobs, scoped by the user's stores: the clerk's lists
(lines to sign, claims due, rejected to resubmit), the claim KPIs (一次通过率, 拒赔率 by reason, cycle time,
amounts pending by age), the old-parts ledger, the insurers' receivables and contacts, the insurer statement."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .choices import ClaimStatus, LabourStatus, PartStatus, Payer, ROStatus, TagStatus
from .models import (
    AccidentJob,
    InsurerContact,
    LabourLine,
    OldPartTag,
    PartLine,
    RepairOrder,
    ReturnShipment,
    WarrantyClaim,
)

ZERO = Decimal("0")
DUE_SOON_DAYS = 7
OPEN_CLAIM = [
    ClaimStatus.DRAFT,
    ClaimStatus.SUBMITTED,
    ClaimStatus.APPROVED,
    ClaimStatus.PARTLY,
    ClaimStatus.REJECTED,
]
AGE_BUCKETS = ((30, "0–30天"), (60, "31–60天"), (90, "61–90天"), (None, "90天以上"))


def claims_for(user) -> QuerySet[WarrantyClaim]:
    return WarrantyClaim.objects.for_user(user).select_related("ro__vehicle", "brand", "clerk", "causal_part")


def shipments_for(user) -> QuerySet[ReturnShipment]:
    return ReturnShipment.objects.for_user(user).select_related("brand").annotate(n_tags=Count("tags"))


def tags_for(user) -> QuerySet[OldPartTag]:
    return OldPartTag.objects.for_user(user).select_related(
        "claim__ro__vehicle", "part_line__part", "shipment", "tagged_by"
    )


def accident_jobs_for(user) -> QuerySet[AccidentJob]:
    return AccidentJob.objects.for_user(user).select_related("ro__vehicle", "insurer", "specialist")


def contacts_for(user) -> QuerySet[InsurerContact]:
    return InsurerContact.objects.for_user(user).select_related("insurer", "actor")


# --- the clerk's lists ---------------------------------------------------------------------------------


def lines_to_sign(store) -> list:
    """索赔 lines of live orders still waiting for the clerk's sign-off, labour and parts, oldest first."""
    live = ~Q(ro__status=ROStatus.CANCELLED)
    labour = (
        LabourLine.objects.filter(
            live, ro__store=store, payer=Payer.WARRANTY, warranty_signed_at__isnull=True
        )
        .exclude(status=LabourStatus.CANCELLED)
        .select_related("ro__vehicle")
    )
    parts = (
        PartLine.objects.filter(live, ro__store=store, payer=Payer.WARRANTY, warranty_signed_at__isnull=True)
        .exclude(status=PartStatus.CANCELLED)
        .select_related("ro__vehicle", "part")
    )
    rows = [("labour", ln) for ln in labour] + [("part", ln) for ln in parts]
    rows.sort(key=lambda r: (r[1].ro.received_at, r[1].pk))
    return rows


def orders_to_claim(store) -> list[dict]:
    """Settled orders with signed warranty lines not on a claim yet: the claim to make, and by when."""
    from .services.claims import claimable_lines, repair_day, vehicle_brand

    ros = (
        RepairOrder.objects.filter(store=store, status__in=[ROStatus.SETTLED, ROStatus.DELIVERED])
        .filter(Q(labour__payer=Payer.WARRANTY) | Q(parts__payer=Payer.WARRANTY))
        .distinct()
        .select_related("vehicle__model__series__brand", "store")
    )
    out = []
    for ro in ros:
        labour, parts, _unsigned = claimable_lines(ro)
        if not labour and not parts:
            continue
        brand = vehicle_brand(ro.vehicle, ro.store)
        repaired = repair_day(ro)
        out.append(
            {
                "ro": ro,
                "repaired_on": repaired,
                "deadline": repaired + dt.timedelta(days=brand.claim_days if brand else 30),
            }
        )
    return sorted(out, key=lambda r: r["deadline"])


def claims_due(store, *, days: int = DUE_SOON_DAYS) -> list[dict]:
    """The warning list: claims not submitted yet (orders to claim, drafts, rejected ones to resubmit) whose
    deadline is within ``days`` or past."""
    today = timezone.localdate()
    limit = today + dt.timedelta(days=days)
    rows = [
        {"ro": r["ro"], "claim": None, "deadline": r["deadline"], "days_left": (r["deadline"] - today).days}
        for r in orders_to_claim(store)
        if r["deadline"] <= limit
    ]
    for c in WarrantyClaim.objects.filter(
        store=store, status__in=[ClaimStatus.DRAFT, ClaimStatus.REJECTED], deadline__lte=limit
    ).select_related("ro__vehicle"):
        rows.append({"ro": c.ro, "claim": c, "deadline": c.deadline, "days_left": (c.deadline - today).days})
    for r in rows:
        r["overdue"] = max(-r["days_left"], 0)
    return sorted(rows, key=lambda r: r["deadline"])


def claims_rejected(store) -> QuerySet[WarrantyClaim]:
    return WarrantyClaim.objects.filter(store=store, status=ClaimStatus.REJECTED).select_related(
        "ro__vehicle"
    )


# --- KPIs ------------------------------------------------------------------------------------------------


def claim_kpis(store, *, start: dt.date | None = None, end: dt.date | None = None) -> dict:
    """一次通过率 (claims approved on their first submission ÷ claims decided), 拒赔率 (rejections ÷ decisions)
    with the rejections by reason (every rejection, also of claims later resubmitted, from the audit
    trail), the cycle time from repair to payment in days, and the amounts not yet paid by age."""
    from fours.core.models import AuditEvent

    today = timezone.localdate()
    end = end or today
    start = start or end - dt.timedelta(days=365)
    claims = WarrantyClaim.objects.filter(store=store, repaired_on__gte=start, repaired_on__lte=end)
    decided = [c for c in claims.filter(decided_at__isnull=False)]
    first_pass = [
        c
        for c in decided
        if c.submissions == 1 and c.status in (ClaimStatus.APPROVED, ClaimStatus.PARTLY, ClaimStatus.PAID)
    ]
    ct = ContentType.objects.get_for_model(WarrantyClaim)
    ids = [str(c.pk) for c in claims]
    events = AuditEvent.objects.filter(content_type=ct, object_id__in=ids)
    decisions = events.filter(verb__in=["claim_approved", "claim_partly", "claim_rejected"])
    rejections = list(decisions.filter(verb="claim_rejected").values_list("changes", flat=True))
    by_reason = Counter((ch.get("reject_reason") or [None, ""])[1] for ch in rejections)
    n_decisions = decisions.count()
    paid = [c for c in claims.filter(paid_at__isnull=False)]
    cycle = [(timezone.localtime(c.paid_at).date() - c.repaired_on).days for c in paid]
    pending = {label: ZERO for _d, label in AGE_BUCKETS}
    for c in WarrantyClaim.objects.filter(store=store, status__in=OPEN_CLAIM):
        owed = (c.approved_amount if c.approved_amount is not None else c.amount) - c.paid_amount
        if c.status == ClaimStatus.REJECTED:
            owed = c.amount
        age = (today - c.repaired_on).days
        label = next(lbl for d, lbl in AGE_BUCKETS if d is None or age <= d)
        pending[label] += owed
    from .choices import RejectReason

    return {
        "start": start,
        "end": end,
        "claims": claims.count(),
        "decided": len(decided),
        "first_pass": len(first_pass),
        "first_pass_rate": _pct(len(first_pass), len(decided)),
        "decisions": n_decisions,
        "rejections": len(rejections),
        "rejection_rate": _pct(len(rejections), n_decisions),
        "by_reason": [
            {
                "reason": r,
                "label": RejectReason(r).label if r in RejectReason.values else r,
                "n": n,
                "rate": _pct(n, n_decisions),
            }
            for r, n in by_reason.most_common()
        ],
        "cycle_days": round(sum(cycle) / len(cycle), 1) if cycle else None,
        "paid": len(paid),
        "pending_by_age": [{"label": label, "amount": pending[label]} for _d, label in AGE_BUCKETS],
        "pending_total": sum(pending.values(), ZERO),
    }


def _pct(n, d) -> Decimal | None:
    return (Decimal(n) * 100 / Decimal(d)).quantize(Decimal("0.1")) if d else None


# --- old parts ---------------------------------------------------------------------------------------------


def kept_tags(store, brand=None) -> QuerySet[OldPartTag]:
    """Tagged old parts in the ledger waiting to be shipped back (not yet on a shipment)."""
    qs = OldPartTag.objects.filter(store=store, status=TagStatus.KEPT, shipment__isnull=True)
    if brand is not None:
        qs = qs.filter(claim__brand=brand)
    return qs.select_related("claim__ro__vehicle", "claim__brand", "part_line__part").order_by("tagged_at")


# --- insurers -------------------------------------------------------------------------------------------


def _insurance_items(store):
    from fours.finance.choices import Direction, ItemSource, ItemStatus
    from fours.finance.models import OpenItem

    return (
        OpenItem.objects.filter(
            store=store,
            doc_type=ContentType.objects.get_for_model(RepairOrder),
            direction=Direction.RECEIVABLE,
            source=ItemSource.RO_INSURANCE,
            amount__gt=0,
        )
        .exclude(status=ItemStatus.REVERSED)
        .select_related("party")
    )


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def insurers_overview(store, *, month: dt.date | None = None) -> list[dict]:
    """Per insurer: its receivables (count, amount, still open, oldest open day), the accident jobs and
    their assessed vs final amounts, and this month's contacts against the minimum."""
    from fours.finance.choices import PartyKind
    from fours.finance.models import Party

    from .services.accidents import contact_minimum

    today = timezone.localdate()
    start = month_start(month or today)
    nxt = (start + dt.timedelta(days=32)).replace(day=1)
    rows = {}
    for p in Party.objects.filter(store=store, kind=PartyKind.INSURER).order_by("name"):
        rows[p.pk] = {
            "insurer": p,
            "items": 0,
            "amount": ZERO,
            "open": ZERO,
            "oldest": None,
            "jobs": 0,
            "assessed": ZERO,
            "final": ZERO,
            "contacts": 0,
            "minimum": contact_minimum(p),
        }
    for i in _insurance_items(store):
        r = rows.get(i.party_id)
        if r is None:
            continue
        r["items"] += 1
        r["amount"] += i.amount - i.credited
        if i.open_amount > 0:
            r["open"] += i.open_amount
            if r["oldest"] is None or i.posted_on < r["oldest"]:
                r["oldest"] = i.posted_on
    for j in AccidentJob.objects.filter(store=store):
        r = rows.get(j.insurer_id)
        if r is not None:
            r["jobs"] += 1
            r["assessed"] += j.assessed_amount
            r["final"] += j.final_amount
    counts = (
        InsurerContact.objects.filter(store=store, at__date__gte=start, at__date__lt=nxt)
        .values("insurer_id")
        .annotate(n=Count("id"))
    )
    for c in counts:
        if c["insurer_id"] in rows:
            rows[c["insurer_id"]]["contacts"] = c["n"]
    out = list(rows.values())
    for r in out:
        r["short"] = max(r["minimum"] - r["contacts"], 0)
        r["age"] = (today - r["oldest"]).days if r["oldest"] else None
        r["gap"] = r["assessed"] - r["final"]
    return out


def insurer_statement(
    store, insurer, *, start: dt.date | None = None, end: dt.date | None = None
) -> list[dict]:
    """对账单: the insurer's accident jobs and receivables of the period, one row per order."""
    from .services.accidents import job_money

    jobs = {
        j.ro_id: j
        for j in AccidentJob.objects.filter(store=store, insurer=insurer).select_related("ro__vehicle")
    }
    items = _insurance_items(store).filter(party=insurer)
    if start:
        items = items.filter(posted_on__gte=start)
    if end:
        items = items.filter(posted_on__lte=end)
    ros = RepairOrder.objects.in_bulk({i.doc_id for i in items})
    rows = []
    for i in items.order_by("posted_on", "pk"):
        ro = ros.get(i.doc_id)
        job = jobs.get(i.doc_id)
        m = job_money(job) if job else None
        rows.append(
            {
                "posted_on": i.posted_on,
                "ro": ro,
                "plate": (ro.vehicle.plate or ro.vehicle.vin) if ro else "",
                "claim_no": job.claim_no if job else (ro.claim_no if ro else ""),
                "assessed": job.assessed_amount if job else None,
                "agreed": job.agreed_amount if job else None,
                "amount": i.amount - i.credited,
                "collected": i.allocated,
                "open": i.open_amount,
                "gap": (job.assessed_amount - m["final"]) if job else None,
            }
        )
    return rows


def insurer_statement_xlsx(store, insurer, **kw) -> bytes:
    """The statement as an Excel workbook (保险公司对账单)."""
    from io import BytesIO

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "对账单"
    ws.append([f"{store.name} — {insurer.name} 保险应收对账单"])
    ws.append(
        [
            "结算日期",
            "工单号",
            "车牌/VIN",
            "报案号",
            "定损金额",
            "协议金额",
            "结算金额",
            "已回款",
            "未回款",
            "定损差额",
        ]
    )
    totals = [ZERO] * 4
    for r in insurer_statement(store, insurer, **kw):
        ws.append(
            [
                r["posted_on"],
                r["ro"].number if r["ro"] else "",
                r["plate"],
                r["claim_no"],
                r["assessed"],
                r["agreed"],
                r["amount"],
                r["collected"],
                r["open"],
                r["gap"],
            ]
        )
        for k, f in enumerate(("amount", "collected", "open")):
            totals[k] += r[f]
    ws.append(["合计", "", "", "", "", "", totals[0], totals[1], totals[2], ""])
    for col in "EFGHIJ":
        for cell in ws[col][2:]:
            cell.number_format = "#,##0.00"
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()
