"""Demo data of customer care: the care rules and call scripts of each store, a month of the daily job and
of the care specialist's calls (reached, not reached and retried, call back, a few 不满意 that became
complaints), complaints in every state, the manufacturer's CSI results imported, a campaign with its
results and one under way, care gifts."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from fours.core.roles import Role
from fours.customers.models import CareKind, CareStatus, CareTask, Customer, CustomerAssignment

ORDER = 70

SCRIPTS = {
    CareKind.SERVICE_DELIVERY: {
        "opening": "您好，我是{store}客服专员，请问您是车主吗？打扰您两分钟，感谢您前几天在我店做了保养维修。",
        "questions": [
            {"key": "quality", "q": "您对这次的维修质量满意吗？"},
            {"key": "time", "q": "车辆是否按约定时间交车？"},
            {"key": "advisor", "q": "服务顾问是否向您解释了维修项目和费用？"},
            {"key": "clean", "q": "交车时车辆是否清洁？"},
        ],
        "branches": {
            "good": "感谢您的支持！您对我们的服务还有什么建议吗？",
            "fair": "能否告诉我您觉得哪方面还可以做得更好？我们会转告相关部门改进。",
            "bad": "非常抱歉给您带来不便！能否告诉我您对哪方面不满意？我们会在24小时内给您答复。",
        },
    },
    CareKind.VEHICLE_DELIVERY: {
        "opening": "您好，我是{store}客服专员，恭喜您喜提爱车！打扰您两分钟做个回访。",
        "questions": [
            {"key": "explain", "q": "销售顾问交车时是否讲解了车辆功能和保养常识？"},
            {"key": "use", "q": "用车这几天有没有发现什么问题？"},
            {"key": "consultant", "q": "您对销售顾问的服务满意吗？"},
        ],
        "branches": {
            "good": "感谢您！首保在5000公里或6个月，我们会提前提醒您。",
            "fair": "请问哪方面还可以改进？",
            "bad": "非常抱歉！能否告诉我具体问题？如车辆有故障，我马上为您预约检修。",
        },
    },
    CareKind.SECOND_CALL: {
        "opening": "您好，我是{store}客服专员，就您之前反映的问题做一次回访。",
        "questions": [
            {"key": "solved", "q": "问题现在是否已经解决？"},
            {"key": "ok", "q": "您对处理结果满意吗？"},
        ],
        "branches": {"good": "感谢您的理解和支持！", "bad": "抱歉！我们会再次安排处理，直到您满意为止。"},
    },
    CareKind.INSURANCE_DUE: {
        "opening": "您好，我是{store}客服专员，提醒您爱车的保险即将到期。",
        "questions": [{"key": "renew", "q": "是否需要我们为您报价续保？"}],
        "branches": {},
    },
    CareKind.MAINTENANCE_DUE: {
        "opening": "您好，我是{store}客服专员，您的爱车快到保养时间了。",
        "questions": [{"key": "book", "q": "需要帮您预约保养时间吗？"}],
        "branches": {},
    },
}

CSI = [
    {"key": "q1", "q": "预约与接待", "max": 10},
    {"key": "q2", "q": "服务顾问", "max": 10},
    {"key": "q3", "q": "维修质量", "max": 10},
    {"key": "q4", "q": "交车", "max": 10},
    {"key": "q5", "q": "总体满意度", "max": 10},
]
SSI = [
    {"key": "s1", "q": "展厅接待", "max": 10},
    {"key": "s2", "q": "销售顾问专业程度", "max": 10},
    {"key": "s3", "q": "交车过程", "max": 10},
    {"key": "s4", "q": "总体满意度", "max": 10},
]
PROBLEMS = [
    ("刹车还有异响", "service", "quality"),
    ("等待时间比约定长了一个小时", "service", "time"),
    ("结算费用比估价高", "service", "price"),
    ("前台接待态度冷淡", "service", "attitude"),
    ("配件要等一周才到", "parts", "parts"),
]


def _setup(store):
    from .models import CallScript, CareRule, Survey
    from .services.common import DEFAULT_RULES

    for kind, d in DEFAULT_RULES.items():
        CareRule.objects.get_or_create(
            store=store, kind=kind, defaults={**d, "quiet_start": dt.time(21), "quiet_end": dt.time(8, 30)}
        )
    for kind, s in SCRIPTS.items():
        CallScript.objects.create(
            store=store,
            kind=kind,
            opening=s["opening"].format(store=store.short_name or store.name),
            questions=s["questions"],
            branches=s["branches"],
        )
    csi = Survey.objects.create(store=store, kind="csi", name="厂家售后满意度（CSI）", questions=CSI)
    ssi = Survey.objects.create(store=store, kind="ssi", name="厂家销售满意度（SSI）", questions=SSI)
    return csi, ssi


def _day(ctx, store, crm, day, rnd):
    """One working day: the daily job, then the specialist works most of the queue."""
    from . import services
    from .models import Complaint
    from .selectors import queue

    services.care_tasks_queue(store=store, today=day)
    tasks = queue(crm, store, today=day)
    for t in tasks:
        if rnd.random() < 0.2:  # not everything gets done: some tasks stay overdue
            continue
        if not t.customer.consent_call:
            continue
        roll = rnd.random()
        try:
            if roll < 0.68:
                sat = "good" if rnd.random() < 0.82 else "fair"
                if t.kind not in (CareKind.BIRTHDAY, CareKind.NEW_OWNER) and rnd.random() < 0.06:
                    problem, dept, _cat = rnd.choice(PROBLEMS)
                    services.call_record(
                        actor=crm,
                        task=t,
                        result="reached",
                        satisfaction="bad",
                        problem=problem,
                        problem_department=dept,
                        note="客户情绪较大，已安抚",
                    )
                    continue
                if t.kind in (
                    CareKind.BIRTHDAY,
                    CareKind.NEW_OWNER,
                    CareKind.INSURANCE_DUE,
                    CareKind.MAINTENANCE_DUE,
                ):
                    sat = "" if rnd.random() < 0.5 else "good"
                services.call_record(actor=crm, task=t, result="reached", satisfaction=sat, note="")
            elif roll < 0.9:
                services.call_record(actor=crm, task=t, result="not_reached")
            elif roll < 0.97:
                services.call_record(
                    actor=crm,
                    task=t,
                    result="call_back",
                    call_back_at=timezone.now() + dt.timedelta(hours=rnd.choice([3, 20, 26])),
                    note="客户在开会",
                )
            else:
                services.call_record(actor=crm, task=t, result="wrong_number")
        except Exception:  # a refusal the demo does not need to show
            continue
    # complaints move on
    for c in Complaint.objects.filter(store=store).exclude(status__in=["closed", "invalid"]):
        if rnd.random() < 0.55:
            _advance(ctx, store, c, rnd)


def _advance(ctx, store, c, rnd):
    from . import services

    crm = ctx.users[(store.code, Role.CRM_SPECIALIST)]
    mgr = ctx.users[(store.code, Role.SERVICE_MANAGER)]
    problem = next((p for p in PROBLEMS if p[0] in c.content), PROBLEMS[0])
    try:
        if c.status == "registered":
            services.complaint_judge(
                actor=crm, complaint=c, valid=True, department=c.department or problem[1]
            )
        elif c.status == "investigating":
            services.complaint_investigate(
                actor=mgr,
                complaint=c,
                cause="已与车间和当事人核实：" + problem[0],
                category=problem[2],
                solution="向客户致歉，免费复检并赠送一次洗车",
                compensation=Decimal(rnd.choice([0, 0, 200, 500])),
                person=ctx.users.get((store.code, Role.SERVICE_ADVISOR)),
            )
        elif c.status == "proposed":
            services.complaint_approve(actor=mgr, complaint=c, note="同意，尽快落实")
        elif c.status == "approved":
            services.complaint_done(actor=mgr, complaint=c, note="已复检，问题排除")
        elif c.status == "done":
            services.complaint_confirm(actor=crm, complaint=c, method="call", recording=f"REC-{c.pk:05d}")
    except Exception:
        return


def _extra_complaints(ctx, store, rnd):
    """A complaint in every state for the pages (registered today, a major one, an invalid one)."""
    from . import services

    crm = ctx.users[(store.code, Role.CRM_SPECIALIST)]
    custs = list(
        Customer.objects.filter(pk__in=CustomerAssignment.objects.filter(store=store).values("customer_id"))[
            :40
        ]
    )
    if len(custs) < 3:
        return
    services.complaint_register(
        actor=crm,
        store=store,
        customer=custs[0],
        channel="phone",
        content="保养后发动机故障灯亮了",
        department="service",
    )
    services.complaint_register(
        actor=crm,
        store=store,
        customer=custs[1],
        channel="visit",
        content="车辆在店内被刮伤，要求赔偿",
        severity="major",
        department="service",
    )
    c = services.complaint_register(
        actor=crm, store=store, customer=custs[2], channel="online", content="网上说你们收费高"
    )
    services.complaint_judge(actor=crm, complaint=c, valid=False, note="客户未在本店消费，属误会，已解释")


def _survey_import(ctx, store, csi, ssi, rnd):
    from fours.sales.models import VehicleOrder
    from fours.service.models import RepairOrder

    from . import services

    crm = ctx.users[(store.code, Role.CRM_SPECIALIST)]
    ros = list(
        RepairOrder.objects.filter(store=store, status="delivered")
        .exclude(number="")
        .order_by("-delivered_at")[:40]
    )
    rows = [
        {
            "line": i + 2,
            "number": ro.number,
            "date": timezone.localdate(ro.delivered_at) + dt.timedelta(days=5),
            "answers": {q["key"]: rnd.choice([7, 8, 9, 9, 10, 10]) for q in CSI},
        }
        for i, ro in enumerate(ros)
    ]
    if rows:
        services.survey_import(actor=crm, store=store, survey=csi, rows=rows)
    orders = list(VehicleOrder.objects.filter(store=store, status="delivered").exclude(number="")[:20])
    rows = [
        {
            "line": i + 2,
            "number": o.number,
            "date": timezone.localdate(o.delivered_at) if o.delivered_at else None,
            "answers": {q["key"]: rnd.choice([8, 9, 10]) for q in SSI},
        }
        for i, o in enumerate(orders)
    ]
    if rows:
        services.survey_import(actor=crm, store=store, survey=ssi, rows=rows)


def _campaigns(ctx, store, rnd):
    from . import services
    from .models import CampaignMember

    mkt = ctx.users.get((store.code, Role.MARKETING))
    gm = ctx.users[(store.code, Role.GENERAL_MANAGER)]
    if mkt is None:
        return
    today = timezone.localdate()
    c = services.campaign_create(
        actor=mkt,
        store=store,
        name="冬季免费检测月",
        starts_on=today - dt.timedelta(days=28),
        ends_on=today - dt.timedelta(days=2),
        channel="短信",
        department="service",
        budget=Decimal("8000"),
        segment={"no_visit_months": 3},
    )
    services.campaign_invite(
        actor=mkt, campaign=c, body="【冬季免费检测】本月到店免费检测28项，预约请回复。", send=True
    )
    services.campaign_step(actor=mkt, campaign=c, to="running")
    members = list(c.members.values_list("customer_id", flat=True))
    came = [m for m in members if rnd.random() < 0.25]
    services.campaign_record(
        actor=mkt,
        campaign=c,
        actual_cost=Decimal("6500"),
        oem_support=Decimal("2000"),
        responded=[m for m in members if rnd.random() < 0.4],
        attended=came,
    )
    services.campaign_step(
        actor=mkt, campaign=c, to="done", report="到店率约25%，带动保养和钣喷产值；短信邀约效果好于电话。"
    )
    c2 = services.campaign_create(
        actor=mkt,
        store=store,
        name="老客户置换节",
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=20),
        channel="短信+电话",
        budget=Decimal("15000"),
        segment={"age_min": 3, "age_max": 5},
    )
    services.campaign_invite(actor=mkt, campaign=c2, body="", send=False)
    CampaignMember.objects.filter(campaign=c2).count()
    crm = ctx.users[(store.code, Role.CRM_SPECIALIST)]
    custs = list(
        Customer.objects.filter(pk__in=CustomerAssignment.objects.filter(store=store).values("customer_id"))[
            :3
        ]
    )
    for i, cust in enumerate(custs):
        g = services.gift_request(
            actor=crm, store=store, customer=cust, reason="生日关怀：蛋糕券", value=Decimal("188")
        )
        if i == 0:
            services.gift_decide(actor=gm, gift=g, approve=True)


# 节日关怀: the festivals of the coming months (the lunar ones by their day of each year)
FESTIVALS = [
    ("元旦", dt.date(2027, 1, 1), "新年快乐，出行平安"),
    ("春节", dt.date(2027, 2, 6), "阖家欢乐，万事如意"),
    ("端午节", dt.date(2027, 6, 9), "端午安康"),
    ("中秋节", dt.date(2026, 9, 25), "花好月圆，阖家团圆"),
    ("中秋节", dt.date(2027, 9, 15), "花好月圆，阖家团圆"),
    ("国庆节", dt.date(2027, 10, 1), "国庆长假出行前，欢迎到店免费检测"),
]


def _events(ctx, store, rnd):
    """客户活动: a 新车品鉴会 in a few days with invitations and answers, an 爱车讲堂 today with check-ins; and
    the coming festivals."""
    from . import services
    from .choices import Rsvp
    from .models import EventInvite

    crm = ctx.users[(store.code, Role.CRM_SPECIALIST)]
    today = timezone.localdate()
    for name, on, greeting in FESTIVALS:
        if today <= on <= today + dt.timedelta(days=300):
            services.festival_add(actor=crm, store=store, name=name, on=on, greeting=greeting)
    now = timezone.now()
    show = services.event_create(
        actor=crm,
        store=store,
        name="新车品鉴会",
        starts_at=timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=4), dt.time(14, 0))),
        place="展厅二楼",
        capacity=30,
        segment={"age_min": 3},
        note="新款车型静态品鉴与试驾，含冷餐",
    )
    services.event_invite(actor=crm, event=show)
    for inv in EventInvite.objects.filter(event=show).order_by("pk")[:12]:
        answer = rnd.choice([Rsvp.YES, Rsvp.YES, Rsvp.NO, Rsvp.MAYBE])
        services.event_rsvp(actor=crm, invite=inv, answer=answer, guests=rnd.choice([0, 0, 1]))
    later = now + dt.timedelta(hours=1)
    if timezone.localdate(later) != today:
        return
    talk = services.event_create(
        actor=crm, store=store, name="爱车讲堂：冬季用车", starts_at=later, place="客户休息区", capacity=20
    )
    mine = Customer.objects.filter(
        pk__in=CustomerAssignment.objects.filter(store=store).values("customer_id"),
        consent_marketing=True,
        mobile__gt="",
    ).order_by("pk")[:8]
    if not mine:
        return
    services.event_invite(actor=crm, event=talk, customers=list(mine))
    for n, inv in enumerate(EventInvite.objects.filter(event=talk).order_by("pk")):
        if n < 6:
            services.event_rsvp(actor=crm, invite=inv, answer=Rsvp.YES)
        if n < 4:
            services.event_check_in(actor=crm, invite=inv)


def _finish(ctx, store, csi, ssi, rnd):
    from . import services

    services.care_tasks_queue(store=store)
    _extra_complaints(ctx, store, rnd)
    _survey_import(ctx, store, csi, ssi, rnd)
    _campaigns(ctx, store, rnd)
    _events(ctx, store, rnd)
    # every state on the pages: leave the last complaints where they are, and keep a few tasks overdue
    CareTask.objects.filter(store=store, status=CareStatus.OPEN).count()


def load(ctx) -> None:
    from .models import CallScript

    rnd = random.Random(70)
    today = timezone.localdate()
    for store in ctx.stores:
        if CallScript.objects.filter(store=store).exists():
            continue
        crm = ctx.users.get((store.code, Role.CRM_SPECIALIST))
        if crm is None:
            continue
        csi, ssi = _setup(store)
        for back in range(30, 0, -1):
            day = today - dt.timedelta(days=back)
            when = timezone.make_aware(dt.datetime.combine(day, dt.time(16, 30)))
            ctx.at(when, lambda store=store, crm=crm, day=day: _day(ctx, store, crm, day, rnd))
        ctx.at(None, lambda store=store, csi=csi, ssi=ssi: _finish(ctx, store, csi, ssi, rnd))
        ctx.log(f"crm: {store.short_name or store.name} scheduled")
