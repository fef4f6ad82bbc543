"""Demo data of vehicle stock, made through the stock services on dated steps (the clock frozen at each):

- per store two outlets (二网) and three monthly order plans (last month confirmed, this month submitted,
  next month a draft);
- about twenty vehicles of the store's brand, dispatched by the manufacturer and arrived from today back to
  four months ago (stock ages in every bucket, some over 90 days with a clearance plan), each with its
  arrival check and PDI (one waiting for its PDI with a defect to fix within two working days); every
  third vehicle on the floor plan (the bank's payable due in 90 days), the rest on own funds (the maker's
  payable and a remittance request to finance);
- three vehicles still in transit, two demo cars (试驾车, made two days after their arrival three and two
  and a half months ago, so the showroom's test drives of the two months can book them), two at an
  outlet, a demo car's keys out to the consultant against signature, one certificate at the floor-plan bank;
- one transfer of an own-funds vehicle to the other store, received there (the price owed between the
  two stores in their books), a daily count today (one vehicle missing: its keys
  are out) and last month's reconciliation.

Leaves enough vehicles in stock for the orders demo to allocate by FIFO. Idempotent per store."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from fours.core.roles import Role

# arrival days ago of the vehicles in stock (oldest first), and those still in transit (dispatched days ago)
ARRIVED = (125, 110, 98, 92, 84, 76, 68, 60, 52, 45, 38, 31, 26, 19, 12, 8, 5, 3, 1)
IN_TRANSIT = (4, 2, 1)
DEMO_CARS = (1, 5)  # the vehicles (by index) made demo cars two days after their arrival
COLOURS = ("珍珠白", "曜石黑", "铂金灰", "珍珠白", "星空蓝")
SIGNATURE = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
OUTLETS = (("城东二级网点", "陈经理", "13802260011"), ("增城二级网点", "黄经理", "13922870022"))


def _aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def load(ctx) -> None:
    """Add this area's demo rows to every demo store of ctx."""
    from fours.customers.demo import CATALOGUE
    from fours.customers.demo import make_vin as archive_vin
    from fours.customers.models import Brand, Configuration

    from .models import StockVehicle

    today = timezone.localdate()
    for n, store in enumerate(ctx.stores):
        if StockVehicle.objects.filter(store=store).exists():
            continue
        brand_name = (store.brands or "").split(",")[0].strip()
        brand = Brand.objects.filter(name=brand_name).first()
        if brand is None:
            continue
        clerk = ctx.users.get((store.code, Role.VEHICLE_CLERK))
        finance = ctx.users.get((store.code, Role.FINANCE))
        consultant = ctx.users.get((store.code, Role.SALES_CONSULTANT))
        if clerk is None:
            continue
        confs = list(
            Configuration.objects.filter(model__series__brand=brand, year=2025).order_by(
                "model__series__name", "id"
            )
        )
        if not confs:
            continue
        rnd = random.Random(7100 + n)
        wmi = CATALOGUE.get(brand_name, ("LVG",))[0]
        state = {
            "store": store,
            "vehicles": [],
            "outlets": [],
            "gm": ctx.users.get((store.code, Role.GENERAL_MANAGER)),
            "clerk": clerk,
            "finance": finance,
            "consultant": consultant,
        }
        ctx.at(
            _aware(today - dt.timedelta(days=130), 9),
            lambda st=state, b=brand, cs=confs: _setup(st, st["clerk"], b, cs, today),
        )
        specs = []
        for i, days in enumerate(ARRIVED + tuple(-d for d in IN_TRANSIT)):
            conf = confs[i % len(confs)]
            specs.append(
                {
                    "i": i,
                    "conf": conf,
                    "colour": COLOURS[i % len(COLOURS)],
                    "vin": archive_vin(rnd, wmi, 2025, 800000 + n * 1000 + i),
                    "funding": "floor_plan" if i % 3 == 1 else "own",
                    "arrived": days if days >= 0 else None,
                    "dispatched": (days + 3) if days >= 0 else -days,
                    "price": (conf.msrp or Decimal("150000")) * Decimal("0.88"),
                }
            )
        for sp in specs:
            d_on = today - dt.timedelta(days=sp["dispatched"])
            ctx.at(
                _aware(d_on, 10, sp["i"] % 50),
                lambda sp=sp, st=state, d_on=d_on: _dispatch(st, sp, st["clerk"], st["finance"], d_on),
            )
            if sp["arrived"] is not None:
                a_on = today - dt.timedelta(days=sp["arrived"])
                when = _aware(a_on, 14, sp["i"] % 50) if sp["arrived"] else None
                ctx.at(when, lambda sp=sp, st=state, a_on=a_on: _arrive(st, sp, st["clerk"], a_on))
                if sp["i"] in DEMO_CARS:
                    ctx.at(
                        _aware(a_on + dt.timedelta(days=2), 9, sp["i"]),
                        lambda sp=sp, st=state: _make_demo(st, sp, st["clerk"]),
                    )
        ctx.at(None, lambda st=state: _today(ctx, st, st["clerk"], st["consultant"], today))


def _setup(state, clerk, brand, confs, today):
    from .services.stock import outlet_save, plan_confirm, plan_create, plan_submit

    store = state["store"]
    for name, contact, phone in OUTLETS:
        state["outlets"].append(
            outlet_save(
                actor=clerk,
                store=store,
                name=name,
                contact=contact,
                phone=phone,
                address=f"广州市{name[:2]}区",
                monthly_target=4,
                last_visit_on=today - dt.timedelta(days=12),
                active=True,
            )
        )
    this = today.replace(day=1)
    last = (this - dt.timedelta(days=1)).replace(day=1)
    nxt = (this + dt.timedelta(days=32)).replace(day=1)
    lines = [
        {"configuration": c, "colour": COLOURS[k % len(COLOURS)], "qty": 2 + k % 3}
        for k, c in enumerate(confs[:5])
    ]
    p = plan_create(actor=clerk, store=store, month=last, brand=brand, lines=lines, note="上月要货")
    plan_submit(actor=clerk, plan=p)
    plan_confirm(actor=clerk, plan=p, confirmed={ln.pk: max(ln.qty - 1, 1) for ln in p.lines.all()})
    state["plan"] = p
    p = plan_create(actor=clerk, store=store, month=this, brand=brand, lines=lines)
    plan_submit(actor=clerk, plan=p)
    plan_create(actor=clerk, store=store, month=nxt, brand=brand, lines=lines[:3], note="待销售经理确认")


def _bank(store):
    from fours.finance.choices import PartyKind
    from fours.finance.services import party_for

    return party_for(store=store, kind=PartyKind.BANK, name="中国工商银行广州分行", ref="bank:icbc-gz")


def _dispatch(state, sp, clerk, finance, d_on):
    from fours.core.errors import BusinessError

    from .services.stock import vehicle_dispatch, vehicle_remittance_request

    store = state["store"]
    plan = state.get("plan")
    line = None
    if plan is not None:
        line = plan.lines.filter(configuration=sp["conf"]).first()
    fp = {}
    if sp["funding"] == "floor_plan":
        fp = {
            "floor_plan_bank": _bank(store),
            "floor_plan_amount": (sp["price"] * Decimal("0.7")).quantize(Decimal("0.01")),
            "floor_plan_due": d_on + dt.timedelta(days=90),
        }
    v = vehicle_dispatch(
        actor=clerk,
        store=store,
        configuration=sp["conf"],
        vin=sp["vin"],
        colour=sp["colour"],
        purchase_price=sp["price"].quantize(Decimal("0.01")),
        funding=sp["funding"],
        dispatched_on=d_on,
        engine_no=f"{sp['conf'].engine.split(' ')[0][:6]}{800000 + sp['i']:06d}",
        interior="黑色",
        production_date=d_on - dt.timedelta(days=20),
        plan_line=line if sp["arrived"] is not None and sp["arrived"] < 35 else None,
        **fp,
    )
    sp["id"] = v.pk
    if finance is not None:
        try:
            vehicle_remittance_request(actor=finance, vehicle=v)
        except BusinessError:
            pass  # floor plan wholly financed, or already asked at dispatch
    gm = state.get("gm")
    if gm is not None:
        from fours.finance.choices import RequestStatus
        from fours.finance.models import PaymentRequest
        from fours.finance.services import request_approve

        from .services.stock import vehicle_items

        ids = list(vehicle_items(v).values_list("pk", flat=True))
        for req in PaymentRequest.objects.filter(items__in=ids, status=RequestStatus.PENDING).distinct():
            request_approve(actor=gm, request=req, note="同意按厂家发车通知汇款")


def _arrive(state, sp, clerk, a_on):
    from .models import StockVehicle
    from .services.stock import ARRIVAL_ITEMS, PDI_ITEMS, vehicle_arrive, vehicle_pdi

    v = StockVehicle.objects.get(pk=sp["id"])
    check = {k: True for k in ARRIVAL_ITEMS}
    if sp["i"] % 7 == 3:
        check["外观漆面"] = "右后门轻微划痕，已报厂家"
    v = vehicle_arrive(
        actor=clerk,
        vehicle=v,
        vin=v.vin,
        certificate_no=f"WDK{a_on:%y%m}{sp['id']:07d}",
        key_count=2,
        location=f"{'ABC'[sp['i'] % 3]}区{sp['i'] % 20 + 1:02d}",
        arrived_on=a_on,
        checklist=check,
    )
    pdi = {k: True for k in PDI_ITEMS}
    if sp["arrived"] == 3:
        pdi["电瓶电压"] = "电压偏低11.9V，待更换电瓶"
        vehicle_pdi(actor=clerk, vehicle=v, checklist=pdi)
        return
    vehicle_pdi(actor=clerk, vehicle=v, checklist=pdi, odometer_km=5)


def _make_demo(state, sp, clerk):
    from .choices import VehicleStatus
    from .models import StockVehicle
    from .services.stock import vehicle_move

    v = StockVehicle.objects.get(pk=sp["id"])
    if v.status == VehicleStatus.IN_STOCK:
        vehicle_move(
            actor=clerk, vehicle=v, to=VehicleStatus.DEMO, location=f"试驾车位{DEMO_CARS.index(sp['i']) + 1}"
        )


def _today(ctx, state, clerk, consultant, today):
    from .choices import CountKind, CustodyItem, VehicleStatus
    from .models import StockVehicle
    from .services.stock import (
        count_record,
        custody_issue,
        transfer_receive,
        transfer_send,
        vehicle_clearance_plan,
        vehicle_to_outlet,
    )

    store = state["store"]
    stock = list(
        StockVehicle.objects.filter(store=store, status=VehicleStatus.IN_STOCK).order_by("arrived_on", "id")
    )
    if len(stock) < 11:
        return  # the orders demo took the stock
    # the oldest are cleared: a plan and a floor price
    for v in stock[:3]:
        vehicle_clearance_plan(
            actor=clerk,
            vehicle=v,
            plan="库龄超90天：厂家清库支持¥3,000.00，本店让利至限价，优先推荐给二网",
            price=(v.purchase_price * Decimal("1.02")).quantize(Decimal("1")),
        )
    # two vehicles at the outlets
    outlets = state["outlets"]
    vehicle_to_outlet(actor=clerk, vehicle=stock[4], outlet=outlets[0])
    vehicle_to_outlet(actor=clerk, vehicle=stock[8], outlet=outlets[1])
    # keys of a demo car out to the consultant (a test drive), the certificate of a floor-plan car at the bank
    person = (consultant.get_full_name() or consultant.username) if consultant else "销售顾问"
    demo = (
        StockVehicle.objects.filter(store=store, status=VehicleStatus.DEMO, keys_out_to="")
        .order_by("id")
        .first()
    )
    keys_car = demo or stock[3]
    custody_issue(
        actor=clerk,
        vehicle=keys_car,
        item=CustodyItem.KEYS,
        person=person,
        signature=SIGNATURE,
        purpose="客户试驾",
    )
    fp = next((v for v in stock[9:] if v.funding == "floor_plan"), None)
    if fp is not None:
        custody_issue(
            actor=clerk,
            vehicle=fp,
            item=CustodyItem.CERTIFICATE,
            person="",
            signature=SIGNATURE,
            purpose="库存融资合格证质押",
            to_bank=True,
        )
    # a transfer to the other store of the group, received there
    others = [s for s in ctx.stores if s.pk != store.pk]
    if others and store == ctx.stores[0]:
        other_clerk = ctx.users.get((others[0].code, Role.VEHICLE_CLERK))
        own = next((v for v in stock[9:] if v.funding == "own" and v.pk != getattr(fp, "pk", None)), None)
        if other_clerk is not None and own is not None:
            tr = transfer_send(actor=clerk, vehicle=own, to_store=others[0], note="集团内调车，客户指定颜色")
            transfer_receive(actor=other_clerk, transfer=tr, location="调入车位")
    # counts: last month's reconciliation and today's daily count (the demo car out on a drive is missing)
    on_lot = [
        v.vin
        for v in StockVehicle.objects.filter(
            store=store, status__in=[VehicleStatus.IN_STOCK, VehicleStatus.PDI, VehicleStatus.DEMO]
        )
    ]
    count_record(
        actor=clerk,
        store=store,
        vins=on_lot,
        kind=CountKind.MONTHLY,
        counted_on=today.replace(day=1) - dt.timedelta(days=1),
        note="月末实物与账务核对",
    )
    count_record(
        actor=clerk, store=store, vins=[vin for vin in on_lot if vin != keys_car.vin], kind=CountKind.DAILY
    )
