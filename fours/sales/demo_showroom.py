"""Demo data of the sales desk: showroom — two months of the door per demo store, every row made by the
showroom services on its own day: walk-ins and calls logged at the door (most with a lead), leads in
every grade with their intended configuration, budget and campaign, key accounts, the daily follow-ups
(a few left overdue), defeats approved, sent back and waiting, an OEM lead import assigned by the
manager, and today's test drives on the demo cars (one done, one out, more booked)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from fours.core.errors import BusinessError
from fours.core.roles import Role

DAYS = 62
SIGNATURE = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
CAMPAIGNS = ("国庆车展", "双十一线上购车节", "老客户转介绍有礼", "")
RESULTS = (
    "电话沟通，客户在比较竞品，约周末到店",
    "发了配置表和报价，客户考虑中",
    "客户询问按揭方案，已发金融政策",
    "客户家人想一起来看车，约下周",
    "客户关注置换补贴，已介绍旧车评估",
    "微信回复，客户暂不方便通话",
)
COMPETITORS = ("本田雅阁", "大众帕萨特", "日产天籁", "比亚迪汉")
FLEETS = (("广州羊城出租汽车有限公司", "陈经理", 20), ("广州白云物流有限公司", "林主任", 5))


def _aware(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _try(ctx, store, what: str, fn):
    """One step in its own savepoint: a refusal the history causes is logged and skipped."""
    try:
        with transaction.atomic():
            return fn()
    except BusinessError as err:
        ctx.log(f"showroom: {store.code} {what}: {err}")
        return None


def load(ctx) -> None:
    """Add this area's demo rows to every demo store of ctx."""
    from fours.customers.models import Brand, Configuration

    from .models import Visit

    today = timezone.localdate()
    for n, store in enumerate(ctx.stores):
        if Visit.objects.filter(store=store).exists():
            continue
        consultant = ctx.users.get((store.code, Role.SALES_CONSULTANT))
        manager = ctx.users.get((store.code, Role.SALES_MANAGER))
        if consultant is None or manager is None:
            continue
        brand = Brand.objects.filter(name=(store.brands or "").split(",")[0].strip()).first()
        confs = list(
            Configuration.objects.filter(model__series__brand=brand).select_related("model").order_by("id")
            if brand
            else []
        )
        if not confs:
            continue
        st = {
            "store": store,
            "sc": consultant,
            "mgr": manager,
            "confs": confs,
            "rnd": random.Random(9100 + n),
            "k": 0,
            "n": n,
        }
        ctx.at(_aware(today - dt.timedelta(days=DAYS + 1), 9), lambda st=st: _rules(ctx, st))
        for days_ago in range(DAYS, -1, -1):
            day = today - dt.timedelta(days=days_ago)
            if days_ago == 0:  # today up to now, on the real clock
                ctx.at(None, lambda st=st, day=day: _door(ctx, st, day))
                continue
            ctx.at(_aware(day, 17, 55), lambda st=st, day=day: _door(ctx, st, day))
            ctx.at(_aware(day, 18, 0), lambda st=st, day=day: _follow_ups(ctx, st, day))
            if days_ago and days_ago % 9 == 4:
                ctx.at(_aware(day, 18, 30), lambda st=st: _defeat_request(ctx, st))
            if days_ago and days_ago % 9 == 3:
                ctx.at(
                    _aware(day, 9, 15), lambda st=st, back=days_ago % 27 == 12: _defeat_decide(ctx, st, back)
                )
        ctx.at(_aware(today - dt.timedelta(days=40), 10), lambda st=st: _fleets(ctx, st))
        ctx.at(_aware(today - dt.timedelta(days=20), 9, 5), lambda st=st: _import(ctx, st))
        ctx.at(_aware(today - dt.timedelta(days=19), 9, 10), lambda st=st: _assign(ctx, st))
        ctx.at(_aware(today - dt.timedelta(days=1), 18, 40), lambda st=st: _defeat_request(ctx, st))
        ctx.at(None, lambda st=st: _drives(ctx, st))
    ctx.log("showroom: two months of traffic, leads, follow-ups, defeats and today's test drives")


def _mobile(st) -> str:
    st["k"] += 1
    return f"15{st['n'] + 6}{st['k']:08d}"


def _rules(ctx, st):
    from .services.showroom import graderule_set

    for grade, days in (("H", 1), ("A", 3), ("B", 7), ("C", 14)):
        graderule_set(actor=st["mgr"], store=st["store"], grade=grade, follow_up_days=days)


def _door(ctx, st, day):
    """The day at the door: two to five walk-ins and one or two calls; most visitors leave a name."""
    from fours.core.demo import person_name

    from .services.showroom import lead_update, visit_leave, visit_log

    rnd, store = st["rnd"], st["store"]
    weekend = day.weekday() >= 5
    walk_ins = rnd.randint(3, 6) if weekend else rnd.randint(2, 4)
    calls = rnd.randint(1, 2)
    for i in range(walk_ins + calls):
        kind = "walk_in" if i < walk_ins else "call"
        arrived = _aware(day, 9 + (i * 7) % 9, (i * 17) % 60)
        if arrived > timezone.now() - dt.timedelta(minutes=5):
            continue
        named = rnd.random() < (0.75 if kind == "walk_in" else 0.5)
        conf = rnd.choice(st["confs"])
        k = 3000 + st["n"] * 1000 + st["k"] + i
        source = (
            rnd.choice(("walk_in", "walk_in", "online", "referral", "campaign"))
            if kind == "walk_in"
            else "phone"
        )

        def log(kind=kind, arrived=arrived, named=named, conf=conf, source=source, k=k):
            v = visit_log(
                actor=st["sc"],
                store=store,
                kind=kind,
                arrived_at=arrived,
                source=source,
                name=person_name(k) if named else "",
                mobile=_mobile(st) if named else "",
                intended_model=conf.model,
                party_size=rnd.choice((1, 1, 2, 2, 3)),
                grade=rnd.choice("HAABBBCC"),
            )
            if v.lead_id:
                campaign = rnd.choice(CAMPAIGNS) if source in ("campaign", "online") else ""
                lead_update(
                    actor=st["sc"],
                    lead=v.lead,
                    configuration=conf,
                    colour=rnd.choice(("珍珠白", "曜石黑", "铂金灰")),
                    budget=(conf.msrp or Decimal("150000")).quantize(Decimal("1000")),
                    pay_plan=rnd.choice(("cash", "cash", "loan")),
                    campaign=campaign,
                )
            left = arrived + dt.timedelta(minutes=rnd.randint(20, 90))
            if kind == "walk_in" and left < timezone.now():
                visit_leave(actor=st["sc"], visit=v, left_at=left)
            return v

        _try(ctx, store, "visit", log)


def _follow_ups(ctx, st, day):
    """The consultant works the leads due today; about one in seven is let slip (overdue)."""
    from .choices import LeadStatus
    from .models import Lead
    from .services.showroom import followup_add

    rnd, store = st["rnd"], st["store"]
    due = Lead.objects.filter(store=store, status=LeadStatus.OPEN, next_follow_up__lte=day).order_by("id")
    for lead in due:
        if rnd.random() < 0.15:
            continue
        worker = lead.owner or st["mgr"]
        grade = lead.grade
        if rnd.random() < 0.2:
            grade = rnd.choice("HABC")
        _try(
            ctx,
            store,
            "follow-up",
            lambda lead=lead, worker=worker, grade=grade: followup_add(
                actor=worker,
                lead=lead,
                channel=rnd.choice(("call", "call", "wechat", "visit", "sms")),
                result=rnd.choice(RESULTS),
                grade=grade,
            ),
        )


def _defeat_request(ctx, st):
    """A lead followed up a few times is lost: the consultant asks for the defeat."""
    from .choices import LeadStatus
    from .models import Lead
    from .services.showroom import lead_defeat_request

    rnd, store = st["rnd"], st["store"]
    lead = (
        Lead.objects.filter(store=store, status=LeadStatus.OPEN, owner=st["sc"], follow_up_count__gte=2)
        .exclude(grade="H")
        .order_by("id")
        .first()
    )
    if lead is None:
        return
    reason = rnd.choice(("competitor", "price", "budget", "delayed", "unreachable"))
    _try(
        ctx,
        store,
        "defeat",
        lambda: lead_defeat_request(
            actor=st["sc"],
            lead=lead,
            reason=reason,
            competitor_model=rnd.choice(COMPETITORS) if reason == "competitor" else "",
            note="客户已明确表示不再考虑",
        ),
    )


def _defeat_decide(ctx, st, send_back: bool):
    from .choices import LeadStatus
    from .models import Lead
    from .services.showroom import lead_defeat_approve, lead_defeat_return

    store = st["store"]
    for lead in Lead.objects.filter(store=store, status=LeadStatus.DEFEAT_PENDING).order_by("id"):
        if send_back:
            _try(
                ctx,
                store,
                "defeat back",
                lambda lead=lead: lead_defeat_return(
                    actor=st["mgr"], lead=lead, note="客户仍有意向，再邀约一次试驾"
                ),
            )
            send_back = False
        else:
            _try(
                ctx,
                store,
                "defeat ok",
                lambda lead=lead: lead_defeat_approve(actor=st["mgr"], lead=lead, note="同意"),
            )


def _fleets(ctx, st):
    """大客户: two companies buying several cars, worked by the consultant."""
    from .services.showroom import followup_add, lead_create

    for i, (name, contact, fleet) in enumerate(FLEETS):
        conf = st["confs"][i % len(st["confs"])]

        def make(name=name, contact=contact, fleet=fleet, conf=conf):
            lead = lead_create(
                actor=st["mgr"],
                store=st["store"],
                owner=st["sc"],
                kind="company",
                name=name,
                mobile=_mobile(st),
                contact_person=contact,
                configuration=conf,
                fleet_size=fleet,
                source="fleet",
                grade="A",
                pay_plan="loan" if fleet > 10 else "cash",
                budget=(conf.msrp or Decimal("150000")) * fleet,
                note="年度车辆更新采购，需开具增值税专用发票",
            )
            followup_add(actor=st["sc"], lead=lead, channel="visit", result="拜访采购部，提交大客户报价方案")
            return lead

        _try(ctx, st["store"], "fleet", make)


def _import(ctx, st):
    """The manufacturer's CRM hands over online leads (厂家下发), imported by the manager unassigned."""
    from fours.core.demo import person_name

    from .services.showroom import lead_import

    model = st["confs"][0].model
    rows = [
        {
            "line": i + 2,
            "name": person_name(8000 + st["n"] * 100 + i),
            "mobile": _mobile(st),
            "model": model.name,
            "grade": "BCAB BC"[i % 7].strip() or "B",
            "campaign": "厂家线上试驾活动",
            "note": "厂家官网预约试驾",
        }
        for i in range(8)
    ]
    _try(ctx, st["store"], "import", lambda: lead_import(actor=st["mgr"], store=st["store"], rows=rows))


def _assign(ctx, st):
    from .models import Lead
    from .services.showroom import lead_assign

    waiting = Lead.objects.filter(store=st["store"], owner__isnull=True).order_by("id")[:6]
    for lead in waiting:
        _try(
            ctx,
            st["store"],
            "assign",
            lambda lead=lead: lead_assign(actor=st["mgr"], lead=lead, owner=st["sc"]),
        )


def _drives(ctx, st):
    """Today on the demo cars (made 试驾车 by the vehicle clerk): one drive done, one out, more booked,
    one cancelled."""
    from .choices import LeadStatus
    from .models import Lead
    from .selectors.showroom import demo_vehicles
    from .services.showroom import drive_book, drive_cancel, drive_finish, drive_start

    store = st["store"]
    cars = list(demo_vehicles(store))
    leads = list(
        Lead.objects.filter(store=store, status=LeadStatus.OPEN, owner=st["sc"]).order_by("-grade", "id")[:6]
    )
    if not cars or len(leads) < 4:
        return
    now = timezone.now().replace(second=0, microsecond=0)
    expiry = timezone.localdate() + dt.timedelta(days=900)

    def book(lead, car, start, minutes=40):
        return drive_book(
            actor=st["sc"],
            lead=lead,
            vehicle=car,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=minutes),
            driver_name=lead.name,
            licence_no=f"4401{lead.pk:014d}"[:18],
            licence_expiry=expiry,
        )

    def done():
        d = book(leads[0], cars[0], now + dt.timedelta(minutes=1))
        drive_start(actor=st["sc"], drive=d, signature=SIGNATURE, odometer_out=1200)
        return drive_finish(
            actor=st["sc"], drive=d, odometer_in=1212, rating=5, feedback="动力和静音都很满意"
        )

    def out():
        d = book(leads[1], cars[-1], now + dt.timedelta(minutes=2), minutes=60)
        return drive_start(actor=st["sc"], drive=d, signature=SIGNATURE, odometer_out=860)

    def booked():
        book(leads[2], cars[0], now + dt.timedelta(hours=2))
        book(leads[3], cars[0], now + dt.timedelta(days=1, hours=1))
        d = book(leads[0], cars[-1], now + dt.timedelta(days=2))
        return drive_cancel(actor=st["sc"], drive=d, reason="客户临时出差，改期再约")

    for what, fn in (("drive done", done), ("drive out", out), ("drives booked", booked)):
        _try(ctx, store, what, fn)
