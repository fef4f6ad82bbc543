"""Demo data of the workshop's tools, equipment, QC paperwork and shortages, after the service demo's
orders exist (its dated history and today's workshop): a special-tools register with tools lent today and
one lent yesterday and never returned (overdue), the foreman's check of yesterday, equipment with upkeep
and calibration cards (one calibration overdue), guarantee periods, attendance for the technicians over the
history, a comeback linked to its first order, a car waiting for a part on order (采购订单, expected date)
and one whose part has arrived. Idempotent: a store that already has tools is skipped."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from unittest import mock

from django.db import transaction
from django.utils import timezone

from fours.core.errors import BusinessError
from fours.core.roles import Role
from fours.core.selectors import users_with_role

from . import services
from .choices import IN_WORKSHOP, ROStatus
from .models import Comeback, LabourOperation, RepairOrder, Tool
from .services import attendance as att
from .services import quality as q
from .services import tools as svc

ORDER = 32  # after the service demo (30) and its claims (31), before finance (40) closes past days
D = Decimal

TOOLS = [
    ("ZT-001", "正时专用工具组", "工具柜A-1", "1860"),
    ("ZT-002", "气门弹簧压缩器", "工具柜A-2", "420"),
    ("ZT-003", "变速箱油加注器", "工具柜A-3", "980"),
    ("ZT-004", "扭力扳手 40–200N·m", "工具柜B-1", "760"),
    ("ZT-005", "球头拉马", "工具柜B-2", "260"),
    ("ZT-006", "诊断仪 GTS", "诊断间", "12800"),
    ("ZT-007", "空调冷媒回收加注机接头", "空调工位", "640"),
    ("ZT-008", "轮毂轴承拆装工具", "工具柜B-3", "1350"),
]
EQUIPMENT = [
    ("SB-01", "四轮定位仪", "四轮定位工位", 30, 365),
    ("SB-02", "举升机（机修1号）", "机修1号", 30, None),
    ("SB-03", "尾气分析仪", "检测线", 30, 180),
    ("SB-04", "烤漆房", "喷漆房", 15, None),
    ("SB-05", "轮胎动平衡机", "轮胎工位", 30, 365),
]


def _at(when):
    return mock.patch("django.utils.timezone.now", return_value=when)


def _local(day, hh, mm=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hh, mm)))


def _tools(ctx, store, fm, techs, rnd):
    tools = [
        svc.tool_save(actor=fm, store=store, data={"code": c, "name": n, "location": loc, "value": v})
        for c, n, loc, v in TOOLS
    ]
    live = list(RepairOrder.objects.filter(store=store, status__in=IN_WORKSHOP).order_by("received_at")[:6])
    if not live:
        return
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    # lent yesterday morning, never returned: overdue since yesterday evening
    with _at(_local(yesterday, 9, 20)):
        svc.tool_lend(actor=fm, tool=tools[0], technician=techs[0], ro=live[0])
    with _at(_local(yesterday, 17, 40)):
        svc.tool_check_record(
            actor=fm, store=store, missing=[tools[0].pk], note="ZT-001 下班未归还，已通知技师"
        )
    now = timezone.now()
    morning = min(_local(today, 9, 0), now - dt.timedelta(minutes=30))
    for k, tool in enumerate(tools[1:4]):
        with _at(morning + dt.timedelta(minutes=10 * k)):
            svc.tool_lend(
                actor=fm, tool=tool, technician=techs[(k + 1) % len(techs)], ro=live[(k + 1) % len(live)]
            )
    with _at(morning + dt.timedelta(minutes=50)):
        svc.tool_return(actor=fm, tool=tools[3], condition="完好")
    svc.tool_status_set(actor=fm, tool=tools[7], to="repair", note="卡爪磨损，送修")


def _equipment(store, fm, rnd):
    today = timezone.localdate()
    for i, (code, name, loc, upkeep, cal) in enumerate(EQUIPMENT):
        eq = svc.equipment_save(
            actor=fm,
            store=store,
            data={
                "code": code,
                "name": name,
                "location": loc,
                "upkeep_days": upkeep,
                "calibration_days": cal,
                "keeper": fm,
            },
        )
        last = today - dt.timedelta(days=rnd.randint(3, upkeep - 1))
        if i == 1:
            last = today - dt.timedelta(days=upkeep - 2)  # upkeep due in two days
        svc.equipment_card_add(
            actor=fm, equipment=eq, kind="upkeep", done_on=last, result="清洁、润滑、紧固检查"
        )
        if cal:
            done = today - dt.timedelta(days=cal + 5 if i == 0 else rnd.randint(20, cal - 10))
            svc.equipment_card_add(
                actor=fm, equipment=eq, kind="calibration", done_on=done, result="计量标定合格"
            )


def _attendance(store, fm, techs, rnd):
    today = timezone.localdate()
    for back in range(1, 91):
        day = today - dt.timedelta(days=back)
        if day.weekday() == 6:
            continue
        for t in techs:
            att.attendance_set(
                actor=fm, store=store, person=t, day=day, hours=rnd.choice(["8", "8", "8", "7.5", "9"])
            )


def _receive(adv, store, vehicle, km, complaint):
    return services.ro_receive(
        actor=adv,
        store=store,
        vehicle=vehicle,
        data={
            "odometer_km": km,
            "complaint": complaint,
            "fuel_level": "50",
            "promised_at": timezone.now() + dt.timedelta(hours=5),
        },
    )


def _free_vehicles(store):
    """Vehicles of the history whose orders are all delivered (none in the workshop now)."""
    busy = set(
        RepairOrder.objects.filter(store=store)
        .exclude(status__in=[ROStatus.DELIVERED, ROStatus.CANCELLED])
        .values_list("vehicle_id", flat=True)
    )
    done = (
        RepairOrder.objects.filter(store=store, status=ROStatus.DELIVERED)
        .select_related("vehicle")
        .order_by("-delivered_at")
    )
    seen, out = set(), []
    for ro in done:
        if ro.vehicle_id in busy or ro.vehicle_id in seen:
            continue
        seen.add(ro.vehicle_id)
        out.append(ro)
    return out


def _comeback(ctx, store, adv, free):
    for original in free:
        end_day, _km = q.guarantee_end(original)
        if end_day is None or end_day < timezone.localdate():
            continue
        v = original.vehicle
        km = max(original.odometer_km, v.odometer_km or 0) + 420
        with transaction.atomic():
            ro = _receive(adv, store, v, km, "上次维修后刹车仍有异响")
            line = original.labour.exclude(technician__isnull=True).order_by("-hours").first()
            q.comeback_record(
                actor=adv,
                ro=ro,
                original=original,
                original_line=line,
                reason="上次维修后刹车仍有异响",
                handling="免费返修，原技师复查",
            )
        return original.vehicle_id
    return None


def _waiting_for_parts(ctx, store, adv, free, rnd):
    from fours.parts.models import Part, Supplier
    from fours.parts.services import po_create, receipt_post

    u = ctx.users
    tech = u[(store.code, Role.TECHNICIAN)]
    keeper = u[(store.code, Role.STOREKEEPER)]
    planner = u.get((store.code, Role.PARTS_PLANNER)) or u[(store.code, Role.PARTS_MANAGER)]
    supplier = (
        Supplier.objects.filter(group=store.group, is_oem=True).first()
        or Supplier.objects.filter(group=store.group).first()
    )
    op = (
        LabourOperation.objects.filter(group=store.group, code="B030").first()
        or LabourOperation.objects.filter(group=store.group).first()
    )
    stocked = Part.objects.filter(group=store.group, balances__store=store, balances__on_hand__gt=0)
    parts = list(
        Part.objects.filter(group=store.group, is_active=True).exclude(pk__in=stocked).order_by("pk")[:2]
    )
    if supplier is None or op is None or len(parts) < 2 or len(free) < 2:
        return
    for k, (original, part) in enumerate(zip(free[:2], parts, strict=False)):
        v = original.vehicle
        with transaction.atomic():
            ro = _receive(
                adv, store, v, max(original.odometer_km, v.odometer_km or 0) + 1500, "底盘异响，需更换配件"
            )
            services.ro_labour_add(actor=adv, ro=ro, operation=op)
            line = services.ro_part_add(actor=adv, ro=ro, part=part, qty=1)
            services.ro_estimate_submit(actor=adv, ro=ro)
            services.ro_estimate_confirm(actor=adv, ro=ro, signer_name=v.owner.name, method="print")
            for ln in ro.labour.all():
                services.line_dispatch(actor=u[(store.code, Role.FOREMAN)], line=ln, technician=tech)
            services.part_request(actor=tech, line=line)
            shortage = line.shortages.get()
            # the order is for the part on the demand (the current one of a superseded part number)
            po = po_create(
                actor=planner, store=store, supplier=supplier, lines=[{"part": shortage.part, "qty": 1}]
            )
            services.shortage_track(
                actor=planner,
                shortage=shortage,
                purchase_order=po,
                expected_on=timezone.localdate() + dt.timedelta(days=2 + k),
                note="已向厂家下紧急订单，每日跟催",
            )
            if k == 1 and po.status == "ordered":
                receipt_post(
                    actor=keeper,
                    order=po,
                    lines=[{"po_line": po.lines.get(), "qty": 1}],
                    delivery_note="DN-DEMO",
                )


def _load_store(ctx, store, rnd):
    if Tool.objects.filter(store=store).exists():
        return
    u = ctx.users
    fm, adv, mgr = (
        u[(store.code, Role.FOREMAN)],
        u[(store.code, Role.SERVICE_ADVISOR)],
        u[(store.code, Role.SERVICE_MANAGER)],
    )
    techs = list(users_with_role(store, Role.TECHNICIAN))
    if not techs:
        return
    with transaction.atomic():
        _tools(ctx, store, fm, techs, rnd)
        _equipment(store, fm, rnd)
        for cat, days, km in (
            ("maint", 30, 5000),
            ("mech", 30, 5000),
            ("body", 100, 20000),
            ("paint", 100, 20000),
        ):
            q.guarantee_period_set(actor=mgr, store=store, category=cat, days=days, km=km)
        _attendance(store, fm, techs, rnd)
    free = _free_vehicles(store)
    try:
        used = _comeback(ctx, store, adv, free)
    except BusinessError as e:
        ctx.log(f"workshop demo: comeback: {e}")
        used = None
    try:
        _waiting_for_parts(ctx, store, adv, [r for r in free if r.vehicle_id != used], rnd)
    except BusinessError as e:
        ctx.log(f"workshop demo: shortage: {e}")
    ctx.log(
        f"workshop demo {store.code}: tools {Tool.objects.filter(store=store).count()}, "
        f"comebacks {Comeback.objects.filter(store=store).count()}"
    )


def load(ctx) -> None:
    rnd = random.Random(32)
    for store in ctx.stores:
        # after every dated step of the other apps (the service demo's history and today's workshop)
        ctx.at(None, lambda store=store: _load_store(ctx, store, rnd))
