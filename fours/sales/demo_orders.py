"""Demo data of the orders area, made through the orders services on dated steps (the clock frozen at
each), per demo store over the last two months:

- about two orders every three days: the quote at the configuration's list price (a discount within the
  consultant's limit, now and then one above it with its reason for the manager), the manager's
  authorisation (the receivable posted in finance), the deposit at the cashier desk, 确认下定, a VIN
  allocated by FIFO the next day (each order's vehicle dispatched by the manufacturer and arrived through
  the stock services, so the stock demo's own vehicles are left to it), accessories from the parts
  catalogue fitted by an internal repair order whose pick list the storekeeper issues, the balance paid at
  the desk, 待交车, delivery (the archive vehicle, warranty, first service, follow-up calls, gross profit)
  and the vehicle invoice; one in three is bought on loan (the F&I demo splits it with the bank, and the
  order is delivered only once the bank has paid);
- the newest orders stop along the way, so every status is on the list today: 报价, 待审批, 已审批待下定,
  已下定, 已配车, 待交车, 已交车, 退订待审 and 已退订 (one approved cancellation with a forfeited deposit).

A step the history does not allow (a loan the bank has not paid yet) is skipped and logged. Idempotent:
a store with orders already is left as it is."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from fours.core.errors import BusinessError
from fours.core.roles import Role

DAYS = 60
COLOURS = ("珍珠白", "曜石黑", "铂金灰", "星空蓝")
# (days ago the quote was made, where the order stops; None: delivered), newest last
RECENT = (
    (9, "cancel_pending"),
    (7, "ready"),
    (5, "allocated"),
    (4, "allocated"),
    (3, "ordered"),
    (2, "ordered"),
    (1, "authorised"),
    (1, "awaiting_approval"),
    (0, "awaiting_approval"),
    (0, "quote"),
)
CANCELLED_AT = 33  # one order placed this many days ago is cancelled with its deposit forfeited


def _aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _try(ctx, st, what: str, fn):
    """One step in its own savepoint: a refusal the history causes is logged and skipped."""
    try:
        with transaction.atomic():
            return fn()
    except (BusinessError, PermissionDenied) as err:
        ctx.log(f"orders: {st['store'].code} {what}: {err}")
        return None


def load(ctx) -> None:
    """Add this area's demo rows to every demo store of ctx."""
    from fours.customers.demo import CATALOGUE
    from fours.customers.models import Brand, Configuration

    from .models import VehicleOrder

    today = timezone.localdate()
    for n, store in enumerate(ctx.stores):
        if VehicleOrder.objects.filter(store=store).exists():
            continue
        brand_name = (store.brands or "").split(",")[0].strip()
        brand = Brand.objects.filter(name=brand_name).first()
        users = {role: ctx.users.get((store.code, role)) for role in Role}
        if brand is None or not users[Role.SALES_CONSULTANT] or not users[Role.SALES_MANAGER]:
            continue
        confs = list(
            Configuration.objects.filter(model__series__brand=brand, year=2025, msrp__gt=0).order_by(
                "model__series__name", "id"
            )
        )
        if not confs:
            continue
        rnd = random.Random(8200 + n)
        st = {
            "store": store,
            "u": users,
            "wmi": CATALOGUE.get(brand_name, ("LVG",))[0],
            "rnd": rnd,
            "n": n,
            "today": today,
        }
        ctx.at(_aware(today - dt.timedelta(days=DAYS + 5), 9), lambda st=st: _stock_accessories(ctx, st))
        plan = [(d, None) for d in range(DAYS, 10, -1) if d % 3 != 1]  # about two in three days
        plan += list(RECENT)
        for i, (days_ago, stop) in enumerate(plan):
            spec = {
                "i": i,
                "day": today - dt.timedelta(days=days_ago),
                "stop": stop,
                "conf": confs[(i * 5 + n) % len(confs)],
                "colour": COLOURS[(i + n) % len(COLOURS)],
                "loan": i % 3 == 2 and stop != "ready",
                "over": i % 7 == 4,  # a discount above the consultant's limit, with its reason
                "accessories": i % 2 == 0,
                "cancel": days_ago == CANCELLED_AT,
            }
            _schedule(ctx, st, spec, today)


def _schedule(ctx, st, sp, today):
    day, stop = sp["day"], sp["stop"]
    at = ctx.at
    # the order's vehicle: dispatched three weeks before, arrived and through its PDI ten days before
    at(_aware(day - dt.timedelta(days=21), 9, sp["i"] % 50), lambda: _dispatch(ctx, st, sp))
    at(_aware(day - dt.timedelta(days=10), 15, sp["i"] % 50), lambda: _arrive(ctx, st, sp))
    at(_aware(day, 10, sp["i"] % 50), lambda: _quote(ctx, st, sp))
    if stop == "quote":
        return
    at(_aware(day, 10, 55), lambda: _step(ctx, st, sp, "send"))
    if stop == "awaiting_approval":
        return
    at(_aware(day, 11, 30), lambda: _step(ctx, st, sp, "authorise"))
    if stop == "authorised":
        return
    at(_aware(day, 11, 45), lambda: _pay(ctx, st, sp, deposit=True))
    at(_aware(day, 11, 50), lambda: _step(ctx, st, sp, "confirm"))
    if stop == "ordered":
        return
    nxt = min(day + dt.timedelta(days=1), today)
    at(_aware(nxt, 9, 30) if nxt < today else None, lambda: _allocate(ctx, st, sp))
    if sp["cancel"]:
        at(_aware(day + dt.timedelta(days=3), 16), lambda: _cancel(ctx, st, sp, approve=True))
        return
    if stop == "allocated":
        return
    if stop == "cancel_pending":
        at(_aware(day + dt.timedelta(days=2), 16), lambda: _cancel(ctx, st, sp, approve=False))
        return
    ready = day + dt.timedelta(days=15 if sp["loan"] else 4)
    if ready >= today:
        ready = today - dt.timedelta(days=1)
    at(_aware(ready, 9, 10), lambda: _pay(ctx, st, sp))
    at(_aware(ready, 9, 40), lambda: _step(ctx, st, sp, "ready"))
    if stop == "ready":
        return
    at(_aware(ready, 15, 0), lambda: _deliver(ctx, st, sp))
    # 上牌: the registration service done about a week after delivery (the newest still wait for it)
    registered = ready + dt.timedelta(days=5 + sp["i"] % 4)
    if registered < today - dt.timedelta(days=1):
        at(_aware(registered, 14, sp["i"] % 50), lambda: _register(ctx, st, sp, registered))


# --- the steps -------------------------------------------------------------------------------------


ACCESSORIES = ("脚垫", "行李箱垫", "挡泥板")


def _stock_accessories(ctx, st):
    """精品到货: the parts manager receives a stock of the brand's accessories (through the stock door)."""
    from fours.parts.choices import PartCategory
    from fours.parts.models import Part
    from fours.parts.services import stock_receive

    store = st["store"]
    pm = st["u"][Role.PARTS_MANAGER]
    if pm is None:
        return
    brand = (store.brands or "").split(",")[0].strip()
    for name in ACCESSORIES:
        part = (
            Part.objects.filter(group=store.group, category=PartCategory.ACCESSORY, name=name, brand=brand)
            .order_by("id")
            .first()
        )
        if part is None:
            continue
        cost = part.purchase_price or (part.retail_price * Decimal("0.45"))
        _try(
            ctx,
            st,
            f"accessories {name}",
            lambda p=part, c=cost: stock_receive(
                actor=pm, store=store, part=p, qty=40, unit_cost=c, doc=p, note="精品到货（整车销售备货）"
            ),
        )


def _dispatch(ctx, st, sp):
    from fours.customers.demo import make_vin

    from .services.stock import vehicle_dispatch

    store, u = st["store"], st["u"]
    clerk = u[Role.VEHICLE_CLERK]
    if clerk is None:
        return
    conf = sp["conf"]
    price = (conf.msrp * Decimal("0.9")).quantize(Decimal("1"))
    fp = {}
    if sp["i"] % 4 == 1:
        from fours.finance.choices import PartyKind
        from fours.finance.services import party_for

        bank = party_for(store=store, kind=PartyKind.BANK, name="中国工商银行广州分行", ref="bank:icbc-gz")
        fp = {
            "funding": "floor_plan",
            "floor_plan_bank": bank,
            "floor_plan_amount": (price * Decimal("0.7")).quantize(Decimal("0.01")),
            "floor_plan_due": sp["day"] + dt.timedelta(days=69),
        }
    rnd = random.Random(9100 + st["n"] * 1000 + sp["i"])
    v = _try(
        ctx,
        st,
        "dispatch",
        lambda: vehicle_dispatch(
            actor=clerk,
            store=store,
            configuration=conf,
            vin=make_vin(rnd, st["wmi"], 2025, 900000 + st["n"] * 1000 + sp["i"]),
            colour=sp["colour"],
            purchase_price=price,
            dispatched_on=timezone.localdate(),
            engine_no=f"{(conf.engine or 'E').split(' ')[0][:6]}{900000 + sp['i']:06d}",
            interior="黑色",
            **fp,
        ),
    )
    if v is None:
        return
    sp["vehicle"] = v.pk
    gm = u[Role.GENERAL_MANAGER]
    if gm is not None:
        from fours.finance.choices import RequestStatus
        from fours.finance.models import PaymentRequest
        from fours.finance.services import request_approve

        from .services.stock import vehicle_items

        ids = list(vehicle_items(v).values_list("pk", flat=True))
        for req in PaymentRequest.objects.filter(items__in=ids, status=RequestStatus.PENDING).distinct():
            _try(
                ctx,
                st,
                "remittance",
                lambda r=req: request_approve(actor=gm, request=r, note="同意按厂家发车通知汇款"),
            )


def _arrive(ctx, st, sp):
    from .models import StockVehicle
    from .services.stock import ARRIVAL_ITEMS, PDI_ITEMS, vehicle_arrive, vehicle_pdi

    clerk = st["u"][Role.VEHICLE_CLERK]
    if "vehicle" not in sp:
        return
    v = StockVehicle.objects.get(pk=sp["vehicle"])

    def run():
        arrived = vehicle_arrive(
            actor=clerk,
            vehicle=v,
            vin=v.vin,
            certificate_no=f"WDK{timezone.localdate():%y%m}{v.pk:07d}",
            key_count=2,
            location=f"D区{sp['i'] % 30 + 1:02d}",
            arrived_on=timezone.localdate(),
            checklist={k: True for k in ARRIVAL_ITEMS},
        )
        vehicle_pdi(actor=clerk, vehicle=arrived, checklist={k: True for k in PDI_ITEMS}, odometer_km=3)

    _try(ctx, st, v.vin, run)


def _accessory_parts(store, rnd):
    """Up to two accessories of the catalogue with stock on hand in the store."""
    from fours.parts.choices import PartCategory
    from fours.parts.models import StockBalance

    rows = list(
        StockBalance.objects.filter(
            store=store, part__category=PartCategory.ACCESSORY, on_hand__gte=3, part__retail_price__gt=0
        )
        .select_related("part")
        .order_by("part_id")
    )
    rnd.shuffle(rows)
    return [r.part for r in rows[:2]]


def _quote(ctx, st, sp):
    from fours.core.demo import person_name

    from .models import Lead
    from .services import orders as svc

    store, u, rnd = st["store"], st["u"], st["rnd"]
    consultant = u[Role.SALES_CONSULTANT]
    conf = sp["conf"]
    limit = svc.discount_limit(consultant, store)
    pct = Decimal("4.5") if sp["over"] else min(limit, Decimal(rnd.choice(("0", "0.8", "1.2", "1.8"))))
    discount = (conf.msrp * pct / 100).quantize(Decimal("100"))
    lead = (
        Lead.objects.filter(store=store, status="open", orders__isnull=True, configuration=conf)
        .order_by("id")
        .first()
    )
    k = 5000 + st["n"] * 500 + sp["i"]
    data = {
        "colour": sp["colour"],
        "pay_plan": "loan" if sp["loan"] else "cash",
        "discount": discount,
        "discount_reason": "老客户转介绍，店庆让利"
        if sp["over"]
        else ("赠送精品及礼品，报销售经理审批" if sp["i"] % 3 == 0 or sp["accessories"] else ""),
        "gifts": "全年免费洗车、加油卡¥500.00" if sp["i"] % 3 == 0 else "",
        "gift_value": Decimal("500.00") if sp["i"] % 3 == 0 else Decimal("0"),
        "registration_fee": Decimal("1500.00") if sp["i"] % 4 != 3 else Decimal("0"),
        "other_fees": Decimal("300.00") if sp["i"] % 5 == 0 else Decimal("0"),
        "other_fees_note": "临牌及资料费" if sp["i"] % 5 == 0 else "",
        "trade_in_vehicle": "2016款 卡罗拉 1.2T" if sp["i"] % 9 == 5 else "",
        "trade_in_value": Decimal("52000") if sp["i"] % 9 == 5 else Decimal("0"),
        "deposit": Decimal("5000.00") if conf.msrp < 200000 else Decimal("10000.00"),
        "expected_delivery": timezone.localdate() + dt.timedelta(days=15 if sp["loan"] else 5),
    }

    def run():
        order = svc.order_quote(
            actor=consultant,
            store=store,
            configuration=conf,
            lead=lead,
            customer_data={"name": person_name(k), "mobile": f"13{st['n'] + 6}{k:08d}"[:11]},
            data=data,
        )
        if sp["accessories"]:
            for part in _accessory_parts(store, rnd):
                svc.accessory_add(
                    actor=consultant, order=order, part=part, qty=1, is_gift=part.retail_price < 400
                )
        return order

    order = _try(ctx, st, "quote", run)
    if order is not None:
        sp["order"] = order.pk


def _order(sp):
    from .models import VehicleOrder

    return VehicleOrder.objects.filter(pk=sp.get("order") or 0).first()


def _step(ctx, st, sp, name):
    from .services import orders as svc

    order = _order(sp)
    if order is None:
        return
    u = st["u"]
    who = u[Role.SALES_MANAGER] if name == "authorise" else u[Role.SALES_CONSULTANT]
    fn = {
        "send": svc.order_send,
        "authorise": svc.order_authorise,
        "confirm": svc.order_confirm,
        "ready": svc.order_ready,
    }[name]
    kw = {"note": "同意，按审批价执行"} if name == "authorise" and order.needs_approval else {}
    _try(ctx, st, f"{order.number} {name}", lambda: fn(actor=who, order=order, **kw))


def _pay(ctx, st, sp, *, deposit: bool = False):
    """The customer at the cashier desk: the deposit, or what is still open on the customer's items."""
    from fours.finance.choices import ItemSource
    from fours.finance.services import payment_take

    from .selectors.orders import order_items

    order = _order(sp)
    cashier = st["u"][Role.CASHIER]
    if order is None or cashier is None:
        return
    items = [i for i in order_items(order) if i.source == ItemSource.VEHICLE_SALE and i.open_amount > 0]
    if not items:
        return
    left = order.deposit if deposit else sum((i.open_amount for i in items), Decimal("0"))
    allocations = []
    for it in items:
        take = min(left, it.open_amount)
        if take > 0:
            allocations.append((it, take))
            left -= take
    total = sum((a for _i, a in allocations), Decimal("0"))
    if total <= 0:
        return
    if deposit:
        lines = [("wechat", total)]
    else:  # the balance by card and transfer
        card = min(total, Decimal("50000.00"))
        lines = [("card", card)] + ([("transfer", total - card)] if total > card else [])
    _try(
        ctx,
        st,
        f"{order.number} pay",
        lambda: payment_take(
            actor=cashier,
            store=order.store,
            party=items[0].party,
            lines=lines,
            allocations=allocations,
            note=("定金 " if deposit else "购车款 ") + order.number,
        ),
    )


def _allocate(ctx, st, sp):
    from .selectors.stock import fifo_candidates
    from .services import orders as svc

    order = _order(sp)
    if order is None or order.status != "ordered":
        return
    u = st["u"]
    consultant = u[Role.SALES_CONSULTANT]
    own = fifo_candidates(order).filter(pk=sp.get("vehicle") or 0).first()
    vehicle = own or fifo_candidates(order).first()
    if vehicle is None:
        ctx.log(f"orders: {order.number}: no vehicle in stock")
        return
    actor = consultant if consultant.has_perm("sales.allocate_vehicle") else u[Role.VEHICLE_CLERK]
    order = _try(
        ctx,
        st,
        f"{order.number} allocate",
        lambda: svc.order_allocate(actor=actor, order=order, vehicle=vehicle),
    )
    if order is None or not order.accessories.exists():
        return
    advisor, keeper = u[Role.SERVICE_ADVISOR], u[Role.STOREKEEPER]
    if advisor is None or keeper is None:
        return

    def fit():
        from fours.service.services import ro_parts_issue

        fitted = svc.order_fitting(actor=consultant, order=order, advisor=advisor)
        ro_parts_issue(actor=keeper, ro=fitted.fitting_order)

    _try(ctx, st, f"{order.number} fitting", fit)


def _register(ctx, st, sp, day):
    from fours.customers.demo import make_plate
    from fours.customers.models import Vehicle

    from .services import orders as svc

    order = _order(sp)
    if order is None or order.status != "delivered" or order.plate:
        return
    rnd = random.Random(7700 + st["n"] * 1000 + sp["i"])
    used = set(Vehicle.objects.filter(group=order.store.group).values_list("plate", flat=True))
    plate = make_plate(rnd, False, used)
    who = st["u"][Role.SALES_CONSULTANT]
    _try(
        ctx,
        st,
        f"{order.number} register",
        lambda: svc.order_register(actor=who, order=order, plate=plate, registration_date=day),
    )


def _deliver(ctx, st, sp):
    from .services import orders as svc
    from .services.orders import DELIVERY_CHECKLIST

    order = _order(sp)
    if order is None or order.status != "ready":
        return
    u = st["u"]
    who = u[Role.VEHICLE_CLERK] or u[Role.SALES_MANAGER]
    done = _try(
        ctx,
        st,
        f"{order.number} deliver",
        lambda: svc.order_deliver(actor=who, order=order, checklist={k: True for k in DELIVERY_CHECKLIST}),
    )
    if done is None:
        return
    cashier = u[Role.CASHIER]
    if cashier is not None:
        _try(ctx, st, f"{order.number} invoice", lambda: svc.order_invoice(actor=cashier, order=done))
    gm = u[Role.GENERAL_MANAGER]
    if gm is not None and timezone.localdate() < st["today"] - dt.timedelta(days=3):
        # finance's floor-plan repayment request, approved (the newest stay for the manager's page)
        from fours.finance.choices import RequestStatus
        from fours.finance.models import PaymentRequest
        from fours.finance.services import request_approve

        from .services.stock import vehicle_items

        ids = list(vehicle_items(done.vehicle).values_list("pk", flat=True))
        for req in PaymentRequest.objects.filter(items__in=ids, status=RequestStatus.PENDING).distinct():
            _try(
                ctx,
                st,
                "floor plan",
                lambda r=req: request_approve(actor=gm, request=r, note="同意归还库存融资"),
            )


def _cancel(ctx, st, sp, *, approve: bool):
    from .services import orders as svc

    order = _order(sp)
    if order is None:
        return
    u = st["u"]
    reason = "客户家庭原因，暂缓购车" if approve else "客户改选其他车型"
    refund = (order.deposit / 2).quantize(Decimal("0.01")) if approve else None
    done = _try(
        ctx,
        st,
        f"{order.number} cancel",
        lambda: svc.order_cancel_request(
            actor=u[Role.SALES_CONSULTANT], order=order, reason=reason, refund=refund
        ),
    )
    if done is not None and approve:
        _try(
            ctx,
            st,
            f"{order.number} cancel approve",
            lambda: svc.order_cancel_approve(
                actor=u[Role.SALES_MANAGER], order=done, note="同意退订，定金按约定退一半"
            ),
        )
