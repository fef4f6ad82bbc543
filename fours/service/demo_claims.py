"""Demo of warranty claims and accident jobs, after the service demo's orders exist (its dated steps and its
live workshop): the warranty clerk signs the history's warranty lines and claims them in every status
(draft, submitted, rejected to resubmit, approved, partly approved and written off, paid, closed), a brake
repair under warranty today with its old part tagged (shipped back, but in the first store kept to ship), a warranty line still to sign on a
car in the workshop, an order left to claim near its deadline; the accident orders become accident jobs
(assessed, agreed, settled; one collected from the insurer, one still owed) and the insurers' contacts of
the month (one insurer below its minimum).

``load(ctx)`` only schedules its step (``ctx.at(None, …)``): it runs after every dated step and after the
service demo's live workshop, on today's clock."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from django.db import transaction
from django.utils import timezone

from fours.core.errors import BusinessError
from fours.core.roles import Role

ORDER = 31  # after the service demo (30), whose step it follows

ASSESSMENT = [
    ("前保险杠钣金", "工时", "900"),
    ("前保险杠喷漆", "喷漆", "1400"),
    ("前保险杠总成", "配件", "1850"),
]


def load(ctx) -> None:
    for store in ctx.stores:
        ctx.at(None, lambda store=store: _store(ctx, store))


def _store(ctx, store) -> None:
    from .models import WarrantyClaim

    if WarrantyClaim.objects.filter(store=store).exists():
        return
    u = ctx.users
    people = {
        "clerk": u.get((store.code, Role.WARRANTY_CLERK)),
        # the manufacturer's and the insurers' transfers are recorded at the cashier desk (收银台), so finance
        # never hands its own takings over to itself at the day close
        "finance": u.get((store.code, Role.CASHIER)),
        "manager": u.get((store.code, Role.SERVICE_MANAGER)),
        "advisor": u.get((store.code, Role.SERVICE_ADVISOR)),
        "foreman": u.get((store.code, Role.FOREMAN)),
        "keeper": u.get((store.code, Role.STOREKEEPER)),
        "qc": u.get((store.code, Role.QC_INSPECTOR)),
        "cashier": u.get((store.code, Role.CASHIER)),
    }
    if not all(people.values()):
        return
    for step in (_claims, _warranty_repair_today, _line_to_sign, _accidents, _contacts):
        try:
            with transaction.atomic():
                step(ctx, store, people)
        except BusinessError as e:
            ctx.log(f"claims demo: {store.short_name or store.name} {step.__name__}: {e}")


def _causal_part(store):
    from fours.parts.models import Part

    return Part.objects.filter(group=store.group, is_active=True).order_by("id").first()


def _claims(ctx, store, p) -> None:
    """The history's warranty lines signed and claimed, one claim in each status."""
    from .choices import Payer, ROStatus
    from .models import LabourLine, RepairOrder
    from .services import claims as cs

    clerk, finance, manager = p["clerk"], p["finance"], p["manager"]
    ros = list(
        RepairOrder.objects.filter(
            store=store, status__in=[ROStatus.SETTLED, ROStatus.DELIVERED], labour__payer=Payer.WARRANTY
        )
        .distinct()
        .order_by("settled_at")
    )
    part = _causal_part(store)
    made = []
    # the most recent is left to claim: it shows on the deadline warning list
    for ro in ros[:-1] if len(ros) > 2 else ros:
        for ln in LabourLine.objects.filter(ro=ro, payer=Payer.WARRANTY, warranty_signed_at__isnull=True):
            cs.warranty_sign(actor=clerk, line=ln, note="故障灯检测，属质量问题")
        claim = cs.claim_create(
            actor=clerk,
            ro=ro,
            failure="发动机故障灯常亮，读取故障码为传感器信号异常",
            fault_code="P0137",
            causal_part=part,
        )
        made.append(claim)
    for ro in ros[-1:] if len(ros) > 2 else []:
        for ln in LabourLine.objects.filter(ro=ro, payer=Payer.WARRANTY, warranty_signed_at__isnull=True):
            cs.warranty_sign(actor=clerk, line=ln)
    # every status across the stores: each store starts the round where the one before stopped
    plan = ["rejected", "draft", "partly", "submitted", "closed", "approved"]
    k = (ctx.stores.index(store) * 3) % len(plan)
    for claim, goal in zip(made, plan[k:] + plan[:k], strict=False):
        if goal == "draft":
            continue
        cs.claim_submit(actor=clerk, claim=claim)
        if goal == "submitted":
            continue
        if goal in ("rejected", "closed"):
            cs.claim_decide(
                actor=clerk,
                claim=claim,
                result="rejected",
                reject_reason="documents" if goal == "rejected" else "misuse",
                note="缺少故障诊断仪截图" if goal == "rejected" else "加装改线导致故障",
            )
            if goal == "closed":
                cs.claim_close(actor=manager, claim=claim, reason="认可厂家拒赔")
            continue
        if goal == "partly":
            cs.claim_decide(
                actor=clerk,
                claim=claim,
                result="partly",
                approved_amount=(claim.amount * D("0.8")).quantize(D("0.01")),
                note="工时按厂家标准核减",
                oem_ref=f"OEM{claim.pk:06d}",
            )
            cs.claim_writeoff(actor=manager, claim=claim, reason="厂家核减工时")
            continue
        cs.claim_decide(actor=clerk, claim=claim, result="approved", oem_ref=f"OEM{claim.pk:06d}")
        if goal == "paid":
            claim.refresh_from_db()
            cs.claim_payment(
                actor=finance, claim=claim, amount=claim.approved_amount, reference=f"OEMPAY{claim.pk}"
            )


def _vehicle_in_warranty(store, exclude=()):
    from fours.customers.models import Vehicle

    from .choices import EDITABLE
    from .models import RepairOrder

    today = timezone.localdate()
    busy = RepairOrder.objects.filter(status__in=EDITABLE).values("vehicle_id")
    return (
        Vehicle.objects.filter(
            group=store.group,
            model__series__brand__name__in=store.brand_list or ["-"],
            warranty_end__gt=today + dt.timedelta(days=30),
            odometer_km__lt=60000,
        )
        .exclude(pk__in=busy)
        .exclude(pk__in=exclude)
        .order_by("-id")
        .first()
    )


def _stocked_part(store):
    from fours.parts.choices import OLD_PART_EXEMPT_CATEGORIES
    from fours.parts.models import Part

    return (
        Part.objects.filter(
            group=store.group, balances__store=store, balances__on_hand__gte=5, is_active=True
        )
        .exclude(category__in=OLD_PART_EXEMPT_CATEGORIES)
        .order_by("id")
        .first()
    )


def _warranty_repair_today(ctx, store, p) -> None:
    """A front brake judder under warranty today: signed, the pads issued against the old ones, settled and
    delivered, claimed with the old part's tag, approved, paid, and the old part shipped back."""
    from . import services
    from .choices import QC_CHECKLIST
    from .models import LabourOperation
    from .services import claims as cs

    v = _vehicle_in_warranty(store)
    part = _stocked_part(store)
    op = LabourOperation.objects.filter(group=store.group, code="B010").first()
    if v is None or part is None or op is None:
        return
    adv, clerk = p["advisor"], p["clerk"]
    ro = services.ro_receive(
        actor=adv,
        store=store,
        vehicle=v,
        data={
            "odometer_km": v.odometer_km + 1200,
            "complaint": "刹车时方向盘抖动",
            "fuel_level": "50",
            "kind": "warranty",
            "promised_at": timezone.now() + dt.timedelta(hours=3),
        },
    )
    lab = services.ro_labour_add(actor=adv, ro=ro, operation=op, payer="warranty")
    pl = services.ro_part_add(actor=adv, ro=ro, part=part, qty=1, payer="warranty", labour=lab)
    services.ro_estimate_submit(actor=adv, ro=ro)
    services.ro_estimate_confirm(actor=adv, ro=ro, signer_name=v.owner.name, method="print")
    cs.warranty_sign(actor=clerk, line=lab, note="制动盘变形，属质量问题")
    cs.warranty_sign(actor=clerk, line=pl)
    tech = _technician(store)
    services.line_dispatch(actor=p["foreman"], line=lab, technician=tech)
    services.part_issue(actor=p["keeper"], line=pl, old_part_handed_in=True)
    services.clock_on(actor=tech, line=lab)
    services.clock_off(actor=tech, line=lab, finished=True)
    ro.refresh_from_db()
    services.qc_record(actor=p["qc"], ro=ro, checklist={k: True for k, _l in QC_CHECKLIST}, passed=True)
    services.ro_settle(actor=p["cashier"], ro=ro)
    claim = cs.claim_create(
        actor=clerk, ro=ro, failure="制动时方向盘抖动，前制动盘端跳超差", fault_code="C1A00"
    )
    tag = cs.old_part_tag(actor=clerk, claim=claim, part_line=pl, location="索赔旧件架 A-1")
    cs.claim_submit(actor=clerk, claim=claim)
    cs.claim_decide(actor=clerk, claim=claim, result="approved", oem_ref=f"OEM{claim.pk:06d}")
    claim.refresh_from_db()
    cs.claim_payment(actor=p["finance"], claim=claim, amount=claim.approved_amount, reference="OEMPAY-BATCH")
    if ctx.stores.index(store) == 0:
        return  # the first store keeps its old part in the ledger, to be packed and shipped
    shipment = cs.shipment_create(actor=clerk, store=store, brand=claim.brand, tags=[tag])
    cs.shipment_ship(actor=clerk, shipment=shipment, carrier="顺丰速运", waybill=f"SF{shipment.pk:010d}")


def _technician(store):
    from django.contrib.auth import get_user_model

    from .models import TimeLog

    busy = TimeLog.objects.filter(ended_at__isnull=True, is_team=False).values("technician_id")
    return (
        get_user_model()
        .objects.filter(memberships__store=store, memberships__role__name=Role.TECHNICIAN)
        .exclude(pk__in=busy)
        .order_by("id")
        .first()
    )


def _line_to_sign(ctx, store, p) -> None:
    """A car in the workshop with a warranty job the clerk has not signed yet."""
    from . import services
    from .choices import ROStatus
    from .models import LabourOperation, RepairOrder
    from .services.claims import ro_warranty

    op = LabourOperation.objects.filter(group=store.group, code="D001").first()
    for ro in RepairOrder.objects.filter(store=store, status__in=[ROStatus.RECEIVED, ROStatus.IN_PROGRESS]):
        if op and ro_warranty(ro).ok:
            services.ro_labour_add(actor=p["advisor"], ro=ro, operation=op, payer="warranty")
            return


def _accidents(ctx, store, p) -> None:
    """The accident orders become accident jobs: the older one collected from its insurer, the newer one
    still owed (with a gap between the assessment and the settled amount)."""
    from .choices import ROKind, ROStatus
    from .models import AccidentJob, RepairOrder
    from .services import accidents as acc

    adv = p["advisor"]
    ros = RepairOrder.objects.filter(
        store=store, kind=ROKind.ACCIDENT, status__in=[ROStatus.SETTLED, ROStatus.DELIVERED]
    ).order_by("received_at")
    for i, ro in enumerate(ros):
        if AccidentJob.objects.filter(ro=ro).exists() or not ro.insurer:
            continue
        job = acc.accident_open(
            actor=adv,
            ro=ro,
            claim_no=ro.claim_no or f"RDAA{ro.pk:08d}",
            policy_no=f"PDAA2026{ro.pk:06d}",
            assessor="刘定损",
        )
        acc.accident_assess(
            actor=adv,
            job=job,
            items=[{"name": n, "kind": k, "assessed": a} for n, k, a in ASSESSMENT[: 2 + i % 2]],
        )
        acc.accident_agree(actor=adv, job=job, signer_name="刘定损", excess="300")
        acc.accident_settle(actor=adv, job=job)
        if i == 0:
            job.refresh_from_db()
            acc.accident_collect(
                actor=p["finance"], job=job, amount=job.final_amount, reference=f"INS{ro.pk}"
            )


def _contacts(ctx, store, p) -> None:
    """This month's insurer contacts: the first insurer reaches its minimum, the others fall short."""
    from fours.finance.choices import PartyKind
    from fours.finance.models import Party

    from .services.accidents import contact_minimum, insurer_contact_add

    now = timezone.now()
    start = now.replace(day=1, hour=10, minute=0, second=0, microsecond=0)
    span = max((now - start).days, 0)
    subjects = ["定损对接", "催收事故车回款", "合作续签沟通", "理赔时效回访", "大额定损协商"]
    for k, insurer in enumerate(Party.objects.filter(store=store, kind=PartyKind.INSURER).order_by("name")):
        n = contact_minimum(insurer) if k == 0 else 2
        for j in range(n):
            at = start + dt.timedelta(days=(span * j) // max(n, 1))
            insurer_contact_add(
                actor=p["advisor"],
                store=store,
                insurer=insurer,
                kind=["visit", "call", "meeting"][j % 3],
                subject=subjects[j % len(subjects)],
                person="理赔部",
                at=min(at, now),
            )
