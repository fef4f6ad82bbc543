"""Demo data of the service workshop: catalogues (labour operations with series hours, rates per payer,
maintenance packages, fault codes), bays, a team, more technicians, three months of settled and
delivered orders (each customer paying at the cashier desk on the day, some in two methods; warranty
shares owed by the manufacturer of the vehicle's brand), two accident orders whose insurer still owes
(over 30 and over 90 days), and a living workshop today: appointments (today, tomorrow, a no-show),
vehicles in every status, two settled orders waiting at the cashier desk, technicians clocked on.
Idempotent: a store that already has repair orders is skipped."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from fours.core.choices import DocKind
from fours.core.errors import BusinessError
from fours.core.models import Department, Membership
from fours.core.numbering import next_number
from fours.core.roles import Role

from . import services
from .choices import QC_CHECKLIST, LabourCategory, Payer
from .models import (
    AdvisorCapacity,
    Appointment,
    Bay,
    CustomerApproval,
    FaultCode,
    LabourLine,
    LabourOperation,
    LabourRate,
    LabourTime,
    MaintenancePackage,
    PackageLabour,
    PackagePart,
    QCInspection,
    RepairOrder,
    Rework,
    Settlement,
    Team,
    TimeLog,
    WorkshopCapacity,
)

ORDER = 30
D = Decimal
HISTORY = 45  # settled and delivered orders per store over the last three months
HISTORY_DAYS = 90
OK = {k: True for k, _l in QC_CHECKLIST}

OPERATIONS = [
    ("M001", "更换机油机滤", LabourCategory.MAINTENANCE, "0.5"),
    ("M002", "更换空气滤芯", LabourCategory.MAINTENANCE, "0.2"),
    ("M003", "更换空调滤芯", LabourCategory.MAINTENANCE, "0.3"),
    ("M010", "常规保养检查", LabourCategory.MAINTENANCE, "0.5"),
    ("B010", "更换前刹车片", LabourCategory.MECHANICAL, "1.2"),
    ("B020", "更换后刹车片", LabourCategory.MECHANICAL, "1.0"),
    ("B030", "四轮定位", LabourCategory.MECHANICAL, "1.0"),
    ("E001", "蓄电池检测更换", LabourCategory.ELECTRICAL, "0.4"),
    ("E010", "故障灯检测", LabourCategory.DIAGNOSIS, "1.0"),
    ("S010", "更换前减震器（单侧）", LabourCategory.MECHANICAL, "1.5"),
    ("K010", "前保险杠钣金", LabourCategory.BODY, "3.0"),
    ("P010", "前保险杠喷漆", LabourCategory.PAINT, "4.0"),
    ("D001", "异响检查", LabourCategory.DIAGNOSIS, "0.8"),
]
FAULTS = [
    ("F001", "刹车异响", "制动"),
    ("F002", "发动机故障灯亮", "发动机"),
    ("F003", "空调不制冷", "空调"),
    ("F004", "方向跑偏", "底盘"),
    ("F005", "车内异响", "车身"),
    ("C001", "保养提醒", "保养"),
]
COMPLAINTS = [
    "到保养里程了，做个常规保养",
    "踩刹车时前面有吱吱声",
    "仪表上发动机灯亮了",
    "空调吹出来不够凉",
    "跑高速方向有点偏",
    "后排有异响",
]
INSURERS = ["中国人保财险", "平安产险", "太平洋产险"]


def _user(username, name):
    from fours.core.demo import DEMO_PASSWORD

    User = get_user_model()
    u, created = User.objects.get_or_create(username=username, defaults={"first_name": name})
    if created:
        u.set_password(DEMO_PASSWORD)
        u.save()
    return u


def _part(store, name):
    from fours.parts.models import Part

    return (
        Part.objects.filter(group=store.group, name=name, balances__store=store, balances__on_hand__gt=20)
        .order_by("id")
        .first()
    )


def _keeper(store):
    return (
        get_user_model()
        .objects.filter(memberships__store=store, memberships__role__name=Role.STOREKEEPER)
        .order_by("id")
        .first()
    )


def _catalogue(store, rnd):
    from fours.customers.models import Series

    group = store.group
    ops = {}
    for code, name, cat, hours in OPERATIONS:
        ops[code], _ = LabourOperation.objects.get_or_create(
            group=group, code=code, defaults={"name": name, "category": cat, "standard_hours": D(hours)}
        )
    for code, name, system in FAULTS:
        FaultCode.objects.get_or_create(
            group=group,
            code=code,
            defaults={"name": name, "system": system, "kind": "complaint" if code[0] == "C" else "fault"},
        )
    brand = store.brand_list[0]
    series = list(Series.objects.filter(brand__name=brand))
    for s in series:
        for code in ("B010", "S010", "B030"):
            LabourTime.objects.get_or_create(
                operation=ops[code],
                series=s,
                model=None,
                defaults={"hours": ops[code].standard_hours + D(rnd.choice(["0", "0.2", "0.3"]))},
            )
    rates = {
        Payer.CUSTOMER: D("200"),
        Payer.WARRANTY: D("150"),
        Payer.INSURANCE: D("220"),
        Payer.INTERNAL: D("120"),
    }
    for payer, rate in rates.items():
        LabourRate.objects.get_or_create(store=store, payer=payer, defaults={"rate": rate})
    oil = _part(store, "全合成机油 0W-20") or _part(store, "全合成机油 5W-30")
    flt = _part(store, "机油滤清器")
    air = _part(store, "空气滤清器")
    cabin = _part(store, "空调滤清器")
    from fours.parts.choices import MoveKind
    from fours.parts.services import stock_receive

    keeper = _keeper(store)
    # stocked for the workshop before its three months of history (the history is dated from then on)
    stocked_at = timezone.make_aware(
        dt.datetime.combine(timezone.localdate() - dt.timedelta(days=HISTORY_DAYS + 1), dt.time(8, 30))
    )
    for part, qty in ((oil, 400), (flt, 120), (air, 60), (cabin, 60)):
        if part is not None:
            with mock.patch("django.utils.timezone.now", return_value=stocked_at):
                stock_receive(
                    actor=keeper,
                    store=store,
                    part=part,
                    qty=qty,
                    unit_cost=part.purchase_price or D("30"),
                    doc=store,
                    kind=MoveKind.OPENING,
                    note="售后保养备货",
                )
    pkgs = []
    for s in series:
        for km, extra in ((5000, []), (10000, [("M002", air)]), (20000, [("M002", air), ("M003", cabin)])):
            code = f"{s.pk:03d}-{km // 1000}K"
            pkg, created = MaintenancePackage.objects.get_or_create(
                group=group,
                code=code,
                defaults={
                    "name": f"{s.name} {km // 10000 if km >= 10000 else km / 10000:g}万公里保养",
                    "series": s,
                    "mileage_km": km,
                    "interval_km": 5000 if km == 5000 else 10000,
                    "interval_months": 6,
                },
            )
            if created:
                PackageLabour.objects.create(package=pkg, operation=ops["M001"])
                if oil:
                    PackagePart.objects.create(package=pkg, part=oil, qty=D("4"))
                if flt:
                    PackagePart.objects.create(package=pkg, part=flt, qty=1)
                for op, part in extra:
                    PackageLabour.objects.create(package=pkg, operation=ops[op])
                    if part:
                        PackagePart.objects.create(package=pkg, part=part, qty=1)
            pkgs.append(pkg)
    return ops, pkgs


def _staff(ctx, store):
    slug = getattr(store, "demo_slug", store.code.lower())
    techs = [ctx.users[(store.code, Role.TECHNICIAN)]]
    dept = Department.objects.filter(store=store, kind="service").first()
    names = ["钟志强", "梁建华", "邓晓东"]
    for i, name in enumerate(names, start=2):
        u = _user(f"{slug}.tech{i}", name)
        Membership.objects.get_or_create(
            user=u, role=Group.objects.get(name=Role.TECHNICIAN), store=store, defaults={"department": dept}
        )
        techs.append(u)
    for u in techs:
        for attr in (
            "_perm_cache",
            "_user_perm_cache",
            "_group_perm_cache",
            "_fours_roles",
            "_fours_store_ids",
        ):
            u.__dict__.pop(attr, None)
    bays = []
    for i, (name, kind) in enumerate(
        [
            ("快保1号", "快保"),
            ("快保2号", "快保"),
            ("机修1号", "机修"),
            ("机修2号", "机修"),
            ("机修3号", "机修"),
            ("钣金1号", "钣金"),
            ("喷漆房", "喷漆"),
            ("四轮定位", "机修"),
        ],
        start=1,
    ):
        b, _ = Bay.objects.get_or_create(store=store, code=f"{i:02d}", defaults={"name": name, "kind": kind})
        bays.append(b)
    team, created = Team.objects.get_or_create(store=store, name="钣喷组", defaults={"leader": techs[-1]})
    if created:
        team.members.add(*techs[-2:])
    AdvisorCapacity.objects.get_or_create(store=store, advisor=None, defaults={"per_day": 10, "per_slot": 2})
    WorkshopCapacity.objects.get_or_create(store=store, defaults={"per_day": 30, "per_slot": 3})
    return techs, bays


def _vehicles(store):
    from fours.customers.models import Vehicle

    return list(
        Vehicle.objects.filter(created_store=store, plate__gt="")
        .select_related("owner", "model__series")
        .order_by("id")
    )


def _pkg_for(v, pkgs):
    mine = [p for p in pkgs if v.model_id and p.series_id == v.model.series_id] or pkgs
    return min(mine, key=lambda p: abs(p.mileage_km - (v.odometer_km + 5000) % 20000))


def _run(
    ctx,
    store,
    v,
    pkgs,
    ops,
    techs,
    bays,
    rnd,
    *,
    until,
    when=None,
    payer2=None,
    appt=None,
    rework=False,
    clock=None,
):
    """Take an order through the flow up to ``until`` (a status); returns the order. ``appt``: the
    order comes from that appointment; ``rework``: QC sends the last job back once before passing."""
    u = ctx.users
    adv, fm, qc = (
        u[(store.code, Role.SERVICE_ADVISOR)],
        u[(store.code, Role.FOREMAN)],
        u[(store.code, Role.QC_INSPECTOR)],
    )
    keeper, cashier = u[(store.code, Role.STOREKEEPER)], u[(store.code, Role.CASHIER)]
    km = v.odometer_km + rnd.randint(3000, 9000)
    now = timezone.now()
    promised = (when or now) + dt.timedelta(hours=rnd.choice([2, 3, 4, 6]))
    if promised < now:
        promised = now + dt.timedelta(hours=rnd.choice([-1, 1, 2, 3]))
    ro = services.ro_receive(
        actor=adv,
        store=store,
        vehicle=v,
        data={
            "odometer_km": km,
            "complaint": rnd.choice(COMPLAINTS),
            "fuel_level": rnd.choice(["25", "50", "75"]),
            "promised_at": max(promised, now + dt.timedelta(minutes=1)),
            "key_tag": f"{rnd.randint(1, 99):02d}",
            "belongings": ["booklet"],
        },
        package=_pkg_for(v, pkgs),
        appointment=appt,
    )
    if promised < now:
        RepairOrder.objects.filter(pk=ro.pk).update(promised_at=promised)
    if rnd.random() < 0.5:
        services.ro_labour_add(actor=adv, ro=ro, operation=ops[rnd.choice(["B010", "B030", "E010", "D001"])])
    if payer2 == Payer.WARRANTY:
        from .services.claims import ro_warranty

        payer2 = payer2 if ro_warranty(ro).ok else None  # a 索赔 line only while the vehicle is in warranty
    if payer2:
        services.ro_labour_add(actor=adv, ro=ro, operation=ops["E010"], payer=payer2)
    if until == "received":
        return ro
    services.ro_estimate_submit(actor=adv, ro=ro)
    if until == "awaiting_approval":
        return ro
    services.ro_estimate_confirm(actor=adv, ro=ro, signer_name=v.owner.name, method="print")
    lines = list(ro.labour.all())
    busy = set(
        TimeLog.objects.filter(ended_at__isnull=True, is_team=False).values_list("technician_id", flat=True)
    )
    free = [t for t in techs if t.pk not in busy] or techs
    for i, ln in enumerate(lines):
        services.line_dispatch(
            actor=fm, line=ln, technician=free[(v.pk + i) % len(free)], bay=bays[(v.pk + i) % len(bays)]
        )
    if clock:
        clock[0] += dt.timedelta(minutes=25)  # the parts are issued once the job is dispatched
    for pl in ro.parts.all():
        try:
            services.part_issue(actor=keeper, line=pl, old_part_handed_in=True)
        except BusinessError:
            pass
    lines = list(ro.labour.select_related("technician"))
    if until == "in_progress":
        ln = lines[0]
        try:
            services.clock_on(actor=ln.technician, line=ln)
        except BusinessError:
            pass
        return ro
    for ln in lines:
        services.clock_on(actor=ln.technician, line=ln)
        services.clock_off(actor=ln.technician, line=ln, finished=True)
    ro.refresh_from_db()
    if until == "awaiting_qc":
        return ro
    if rework:
        services.qc_record(
            actor=qc, ro=ro, checklist=OK, passed=False, reason="底盘异响未消除", rework_lines=[lines[-1].pk]
        )
        services.clock_on(actor=lines[-1].technician, line=lines[-1])
        services.clock_off(actor=lines[-1].technician, line=lines[-1], finished=True)
    if until == "rework":
        services.qc_record(
            actor=qc, ro=ro, checklist=OK, passed=False, reason="刹车仍有异响", rework_lines=[lines[-1].pk]
        )
        return ro
    services.qc_record(actor=qc, ro=ro, checklist=OK, passed=True)
    if until == "awaiting_settlement":
        return ro
    if ro.parts.filter(status__in=["requested", "waiting"]).exists():
        return ro
    if clock:
        clock[0] += dt.timedelta(hours=rnd.randint(2, 5), minutes=rnd.choice([0, 15, 30]))  # the work
        _clocked_as_worked(ro, ro.received_at, rnd)
    services.ro_settle(actor=cashier, ro=ro)
    if until == "settled":
        return ro  # waiting at the cashier desk
    _pay_at_desk(cashier, ro, rnd)
    if clock:
        clock[0] += dt.timedelta(minutes=rnd.choice([10, 20, 30, 45]))
        _promise(ro, clock[0], rnd)
    services.ro_deliver(actor=adv, ro=ro)
    return ro


METHODS = ["wechat", "alipay", "card", "cash", "transfer"]


def _pay_at_desk(cashier, ro, rnd):
    """The customer pays their share at the cashier desk (收银台) on the day: one method, or two (part by
    WeChat, the rest in cash)."""
    from fours.finance.services import payment_take
    from fours.finance.services.ledger import customer_party

    from .selectors import ro_items

    item = next((i for i in ro_items(ro) if i.source == "ro_customer"), None)
    if item is None or item.open_amount <= 0:
        return
    due = item.open_amount
    if rnd.random() < 0.3 and due > 200:
        part = (due * D(rnd.choice(["0.3", "0.5"]))).quantize(D("1"))
        lines = [(rnd.choice(["wechat", "alipay"]), part), (rnd.choice(["cash", "card"]), due - part)]
    else:
        lines = [(rnd.choice(METHODS), due)]
    payment_take(
        actor=cashier,
        store=ro.store,
        party=customer_party(ro.store, ro.customer),
        lines=lines,
        allocations=[(item, due)],
        business_date=timezone.localdate(),
        note=f"{ro.number} {ro.vehicle.plate}",
    )


def _clocked_as_worked(ro, when, rnd):
    """A dated order's clocking spread over its day: each job from half an hour after reception on, for about
    its hours (the actual hours follow the clock). Written before it is settled, which counts them."""
    start = when + dt.timedelta(minutes=30)
    spent: dict = {}
    for log in TimeLog.objects.filter(line__ro=ro).select_related("line").order_by("pk"):
        minutes = max(10, int(float(log.line.hours) * 60 * rnd.uniform(0.7, 1.3)))
        end = start + dt.timedelta(minutes=minutes)
        TimeLog.objects.filter(pk=log.pk).update(started_at=start, ended_at=end)
        spent[log.line_id] = spent.get(log.line_id, 0) + minutes
        start = end
    for line_id, minutes in spent.items():
        LabourLine.objects.filter(pk=line_id).update(actual_hours=D(minutes / 60).quantize(D("0.01")))


def _promise(ro, delivered, rnd):
    """The promised time of a dated order, set before it is delivered at ``delivered`` (which counts it):
    most cars leave before it; about one in ten is late."""
    late = rnd.random() < 0.1
    promised = delivered + dt.timedelta(
        minutes=-rnd.choice([30, 60]) if late else rnd.choice([15, 30, 60, 90])
    )
    RepairOrder.objects.filter(pk=ro.pk).update(promised_at=promised)


def _backdate(ro, when, rnd):
    """Move a finished order's reception steps to its day in the past: reception, the customer's
    confirmation and QC. The clocking, settlement, its finance items, the payment at the desk and the
    delivery were written on the frozen clock of that day."""
    settled = RepairOrder.objects.filter(pk=ro.pk).values_list("settled_at", flat=True).get()
    hours = settled - when
    RepairOrder.objects.filter(pk=ro.pk).update(
        received_at=when,
        created_at=when,
        estimate_confirmed_at=when + dt.timedelta(minutes=15),
    )
    Settlement.objects.filter(ro=ro).update(at=settled)  # a model default is not the frozen clock
    CustomerApproval.objects.filter(ro=ro).update(at=when + dt.timedelta(minutes=15))
    QCInspection.objects.filter(ro=ro).update(at=when + hours - dt.timedelta(minutes=20))
    # the same day as QC sent it back (settled before midnight): its day in the summaries stays
    Rework.objects.filter(line__ro=ro).update(at=when + hours - dt.timedelta(minutes=40))


ACCIDENT_DAYS = (40, 95)  # the insurer's receivables: one over 30 days old, one over 90


def _accident(ctx, store, v, ops, techs, bays, rnd, when, insurer):
    """事故车 to an insurer: bodywork and paint paid by the insurance company, settled and delivered on its
    day; the insurer's share stays open in finance (aged from that day)."""
    u = ctx.users
    adv, fm = u[(store.code, Role.SERVICE_ADVISOR)], u[(store.code, Role.FOREMAN)]
    qc, cashier = u[(store.code, Role.QC_INSPECTOR)], u[(store.code, Role.CASHIER)]
    clock = [when]
    with mock.patch("django.utils.timezone.now", side_effect=lambda: clock[0]), transaction.atomic():
        ro = services.ro_receive(
            actor=adv,
            store=store,
            vehicle=v,
            data={
                "odometer_km": v.odometer_km + rnd.randint(3000, 9000),
                "complaint": "追尾事故，前保险杠受损",
                "fuel_level": "50",
                "kind": "accident",
                "insurer": insurer,
                "claim_no": f"RDAA{when:%Y%m%d}{v.pk:05d}",
                "promised_at": when + dt.timedelta(days=2),
            },
        )
        for code in ("K010", "P010"):
            services.ro_labour_add(actor=adv, ro=ro, operation=ops[code], payer=Payer.INSURANCE)
        services.ro_estimate_submit(actor=adv, ro=ro)
        services.ro_estimate_confirm(actor=adv, ro=ro, signer_name=v.owner.name, method="print")
        lines = list(ro.labour.all())
        for i, ln in enumerate(lines):
            services.line_dispatch(actor=fm, line=ln, technician=techs[-1 - i % 2], bay=bays[5 + i % 2])
        for ln in ro.labour.select_related("technician"):
            services.clock_on(actor=ln.technician, line=ln)
            services.clock_off(actor=ln.technician, line=ln, finished=True)
        services.qc_record(actor=qc, ro=ro, checklist=OK, passed=True)
        clock[0] += dt.timedelta(hours=7)
        _clocked_as_worked(ro, when, rnd)
        services.ro_settle(actor=cashier, ro=ro)
        clock[0] += dt.timedelta(minutes=30)
        _promise(ro, clock[0], rnd)
        services.ro_deliver(actor=adv, ro=ro)
        _backdate(ro, when, rnd)


def _history_appointment(store, v, adv, when):
    """A past booking the customer kept (预约到店): the order below is received from it."""
    return Appointment.objects.create(
        store=store,
        customer=v.owner,
        vehicle=v,
        advisor=adv,
        date=when.date(),
        slot=dt.time(when.hour, when.minute),
        jobs="常规保养",
        created_by=adv,
        number=next_number(store=store, kind=DocKind.APPOINTMENT),
    )


def _load_store(ctx, store, rnd):
    ops, pkgs = _catalogue(store, rnd)
    techs, bays = _staff(ctx, store)
    vehicles = _vehicles(store)
    if len(vehicles) < HISTORY + 30 or not pkgs:
        return
    adv = ctx.users[(store.code, Role.SERVICE_ADVISOR)]
    today = timezone.localdate()

    # three months of history: each order is a dated step, run in date order with the other apps' steps
    # on a clock frozen at its reception (its parts issued 25 minutes later), so the stock card is dated
    # truly and its running balances stay in order
    def history(i, v, when):
        clock = [when]
        with mock.patch("django.utils.timezone.now", side_effect=lambda: clock[0]), transaction.atomic():
            ro = _run(
                ctx,
                store,
                v,
                pkgs,
                ops,
                techs,
                bays,
                rnd,
                until="delivered",
                payer2=Payer.WARRANTY if i % 7 == 0 else None,
                appt=_history_appointment(store, v, adv, when) if i % 5 in (0, 2) else None,
                rework=i % 11 == 3,
                clock=clock,
            )
            ro.refresh_from_db(fields=["status"])  # the services changed it on their own copy
            if ro.status == "delivered":
                _backdate(ro, when, rnd)

    for i, v in enumerate(vehicles[:HISTORY]):
        day = today - dt.timedelta(days=rnd.randint(1, HISTORY_DAYS))
        when = timezone.make_aware(
            dt.datetime.combine(day, dt.time(rnd.randint(8, 15), rnd.choice([0, 15, 30, 45])))
        )
        # its first stock move is the issue, 25 minutes after reception: that is its place in date order
        ctx.at(when + dt.timedelta(minutes=25), lambda i=i, v=v, when=when: history(i, v, when))
    for k, (days, v) in enumerate(zip(ACCIDENT_DAYS, vehicles[HISTORY + 30 : HISTORY + 32], strict=False)):
        when = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days), dt.time(9, 0)))
        ctx.at(
            when,
            lambda v=v, when=when, k=k: _accident(
                ctx, store, v, ops, techs, bays, rnd, when, INSURERS[k % len(INSURERS)]
            ),
        )
    ctx.at(None, lambda: _today(ctx, store, vehicles, pkgs, ops, techs, bays, rnd, adv, today))


def _today(ctx, store, vehicles, pkgs, ops, techs, bays, rnd, adv, today):
    """A living workshop today (after every dated step of the history), and appointments."""
    live = vehicles[HISTORY : HISTORY + 12]
    # cars that only pass through the technicians first, then the ones that keep a technician clocked on
    plan = [
        "received",
        "awaiting_approval",
        "awaiting_qc",
        "rework",
        "awaiting_settlement",
        "settled",  # settled today, the customer not yet at the cashier desk
        "delivered",
        "settled",
        "awaiting_qc",
        "in_progress",
        "in_progress",
        "in_progress",
    ]
    for v, until in zip(live, plan, strict=False):
        with transaction.atomic():
            try:
                _run(
                    ctx,
                    store,
                    v,
                    pkgs,
                    ops,
                    techs,
                    bays,
                    rnd,
                    until=until,
                    when=timezone.now() - dt.timedelta(hours=rnd.randint(0, 5)),
                )
            except BusinessError as e:
                ctx.log(f"service demo: {v} {until}: {e}")
    # appointments: today, tomorrow, and yesterday's no-show
    rest = vehicles[HISTORY + 12 : HISTORY + 30]
    slots = [dt.time(h, m) for h in range(9, 17) for m in (0, 30)]
    for i, v in enumerate(rest[:14]):
        day = today + dt.timedelta(days=1 if i >= 7 else 0)
        slot = slots[(i * 3) % len(slots)]
        if day == today and timezone.make_aware(dt.datetime.combine(day, slot)) < timezone.now():
            slot = max(dt.time(17, 0), slot)
        try:
            with transaction.atomic():
                services.appointment_create(
                    actor=adv,
                    store=store,
                    vehicle=v,
                    advisor=adv,
                    date=day,
                    slot=slot,
                    package=_pkg_for(v, pkgs) if i % 2 == 0 else None,
                    jobs="" if i % 2 == 0 else rnd.choice(COMPLAINTS),
                )
        except BusinessError:
            pass
    for v in rest[14:16]:
        a = Appointment.objects.create(
            store=store,
            customer=v.owner,
            vehicle=v,
            advisor=adv,
            date=today - dt.timedelta(days=1),
            slot=dt.time(10, 0),
            jobs="常规保养",
            created_by=adv,
            number=f"AP-DEMO-{v.pk}",
        )
        services.appointment_no_show(actor=adv, appt=a)


def load(ctx) -> None:
    rnd = random.Random(30)
    for store in ctx.stores:
        if RepairOrder.objects.filter(store=store).exists():
            continue
        _load_store(ctx, store, rnd)
        ctx.log(f"service: {store.short_name or store.name} loaded")
    # after the live workshop's steps: warranty claims and accident jobs on the settled orders
    from . import demo_claims, demo_workshop

    demo_claims.load(ctx)
    demo_workshop.load(ctx)
