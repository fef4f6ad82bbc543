"""Demo data of the parts department: ~1,500 parts per brand (丰田, 本田), bins, suppliers, opening stock,
a month of receipts, counter and wholesale sales (the slip, the money at the cashier's desk in finance,
then the issue; wholesale on account within the garages' credit limits, and their transfers paying the
account), today's slips waiting at the desk, a transfer, returns, a stocktake, open orders, a purchase
plan waiting for approval and a write-off waiting for confirmations. Idempotent: a store that already has
stock moves is skipped."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import F
from django.utils import timezone

from fours.core.errors import BusinessError
from fours.core.roles import Role
from fours.core.validators import uscc_check_char
from fours.finance.choices import Method
from fours.finance.models import OpenItem
from fours.finance.services import party_update, payment_take

from . import selectors, services
from .choices import Channel, MoveKind, ReturnKind, SaleTerms, Unit
from .models import (
    Bin,
    Part,
    PartBin,
    PartSetting,
    StockBalance,
    StockMove,
    Supplier,
    TradeCustomer,
    Transfer,
    Warehouse,
)
from .services.stock import apply_move, stock_summaries_add

ORDER = 20
D = Decimal
# the ledger opens (期初建账) before the service demo's three months of history
OPENING_DAYS_AGO = 93

# name, category, unit, Toyota prefix, Honda prefix, base price (retail, tax incl.)
CATALOG = [
    ("机油滤清器", "maint", Unit.PIECE, "04152", "15400", 68),
    ("空气滤清器", "maint", Unit.PIECE, "17801", "17220", 128),
    ("空调滤清器", "maint", Unit.PIECE, "87139", "80292", 118),
    ("燃油滤清器", "maint", Unit.PIECE, "23300", "16010", 236),
    ("火花塞", "maint", Unit.PIECE, "90919", "12290", 96),
    ("前刹车片", "wear", Unit.SET, "04465", "45022", 598),
    ("后刹车片", "wear", Unit.SET, "04466", "43022", 468),
    ("前刹车盘", "wear", Unit.PIECE, "43512", "45251", 720),
    ("后刹车盘", "wear", Unit.PIECE, "42431", "42510", 640),
    ("雨刮片（主驾）", "wear", Unit.PIECE, "85222", "76620", 158),
    ("雨刮片（副驾）", "wear", Unit.PIECE, "85212", "76630", 138),
    ("正时皮带", "engine", Unit.PIECE, "13568", "14400", 860),
    ("发动机皮带", "engine", Unit.PIECE, "90916", "31110", 380),
    ("水泵总成", "engine", Unit.PIECE, "16100", "19200", 1280),
    ("节温器", "engine", Unit.PIECE, "90916", "19301", 420),
    ("气门室盖垫", "engine", Unit.PIECE, "11213", "12341", 210),
    ("蓄电池", "elec", Unit.PIECE, "28800", "31500", 980),
    ("前大灯总成（左）", "elec", Unit.PIECE, "81150", "33150", 4680),
    ("前大灯总成（右）", "elec", Unit.PIECE, "81110", "33100", 4680),
    ("尾灯总成", "elec", Unit.PIECE, "81551", "33500", 1860),
    ("点火线圈", "elec", Unit.PIECE, "90919", "30520", 560),
    ("氧传感器", "elec", Unit.PIECE, "89465", "36531", 1150),
    ("发电机", "elec", Unit.PIECE, "27060", "31100", 3980),
    ("前保险杠", "body", Unit.PIECE, "52119", "71101", 2380),
    ("后保险杠", "body", Unit.PIECE, "52159", "71501", 2160),
    ("发动机盖", "body", Unit.PIECE, "53301", "60100", 3560),
    ("左前翼子板", "body", Unit.PIECE, "53812", "60261", 1280),
    ("右前翼子板", "body", Unit.PIECE, "53811", "60211", 1280),
    ("左后视镜总成", "body", Unit.PIECE, "87940", "76250", 1680),
    ("前挡风玻璃", "body", Unit.PIECE, "56101", "73111", 3200),
    ("前减震器", "chassis", Unit.PIECE, "48510", "51610", 1380),
    ("后减震器", "chassis", Unit.PIECE, "48530", "52610", 980),
    ("下摆臂", "chassis", Unit.PIECE, "48068", "51350", 860),
    ("稳定杆连杆", "chassis", Unit.PIECE, "48820", "51320", 260),
    ("转向拉杆球头", "chassis", Unit.PIECE, "45046", "53540", 380),
    ("轮毂轴承", "chassis", Unit.PIECE, "90369", "44300", 690),
    ("全合成机油 0W-20", "fluid", Unit.LITRE, "08880", "08232", 98),
    ("全合成机油 5W-30", "fluid", Unit.LITRE, "08880", "08232", 88),
    ("防冻液", "fluid", Unit.LITRE, "08889", "OL999", 45),
    ("刹车油 DOT4", "fluid", Unit.BOTTLE, "08823", "08798", 78),
    ("自动变速箱油", "fluid", Unit.LITRE, "08886", "08268", 120),
    ("脚垫", "acc", Unit.SET, "PZ49X", "08P15", 680),
    ("行李箱垫", "acc", Unit.PIECE, "PZ434", "08U45", 420),
    ("挡泥板", "acc", Unit.SET, "PZ416", "08P00", 360),
    ("保险杠卡扣", "consum", Unit.PIECE, "90467", "91503", 6),
    ("油底壳放油螺栓垫片", "consum", Unit.PIECE, "90430", "94109", 4),
]
MODELS = {
    "丰田": [
        ("凯美瑞", "33"),
        ("卡罗拉", "02"),
        ("RAV4荣放", "42"),
        ("汉兰达", "48"),
        ("雷凌", "12"),
        ("亚洲龙", "06"),
        ("威兰达", "R0"),
        ("C-HR", "F4"),
    ],
    "本田": [
        ("雅阁", "T2A"),
        ("思域", "TBA"),
        ("CR-V", "TLA"),
        ("缤智", "T7A"),
        ("飞度", "T5A"),
        ("凌派", "T6A"),
        ("皓影", "3D0"),
        ("奥德赛", "T6C"),
    ],
}
ALNUM = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def _part_no(brand, prefix, code, i, rnd):
    if brand == "丰田":
        tail = "".join(rnd.choice(ALNUM) for _ in range(5))
        return f"{prefix}-{code}{tail[2:]}" if len(code) == 2 else f"{prefix}-{tail}"
    return f"{prefix}-{code}-{i % 10}0{rnd.randint(1, 9)}"


def _uscc(n):
    first = f"914401{n:011d}"[:17]
    return first + uscc_check_char(first)


def _suppliers(group, brand, rnd):
    specs = {
        "丰田": [("广汽丰田汽车有限公司配件部", True, 5), ("一汽丰田汽车销售有限公司", False, 7)],
        "本田": [("广汽本田汽车有限公司配件部", True, 4), ("东风本田汽车有限公司", False, 7)],
    }[brand] + [
        ("广州博世汽车配件有限公司", False, 2),
        ("广州市天河区恒通汽配商行", False, 1),
        ("佛山市南海区驰远汽配有限公司", False, 2),
    ]
    out = []
    for i, (name, oem, lead) in enumerate(specs):
        code = _uscc(880000 + i + (0 if brand == "丰田" else 50))
        s, _c = Supplier.objects.get_or_create(
            group=group,
            uscc=code,
            defaults={
                "name": name,
                "is_oem": oem,
                "lead_time_days": lead,
                "payment_days": 30 if oem else 15,
                "contact": "采购对接人",
                "phone": f"020-8{rnd.randint(1000000, 9999999)}",
                "terms": "月结30天" if oem else "货到15天付款",
            },
        )
        out.append(s)
    return out


def _parts(group, brand, rnd) -> list[Part]:
    if Part.objects.filter(group=group, brand=brand).exists():
        return list(Part.objects.filter(group=group, brand=brand))
    objs, seen = [], set()
    i = 0
    for model_name, code in MODELS[brand]:
        for name, cat, unit, tp, hp, price in CATALOG:
            for variant in range(4):  # year/engine variants of the same part
                i += 1
                no = _part_no(brand, tp if brand == "丰田" else hp, code, i + variant, rnd)
                norm = services.normalize_part_no(no)
                if norm in seen:
                    continue
                seen.add(norm)
                retail = (D(price) * D(rnd.uniform(0.85, 1.25))).quantize(D("1"))
                objs.append(
                    Part(
                        group=group,
                        part_no=norm,
                        display_no=no,
                        name=name,
                        brand=brand,
                        models_text=f"{model_name} {2018 + variant * 2}-{2019 + variant * 2}款",
                        unit=unit,
                        category=cat,
                        list_price=retail,
                        retail_price=retail,
                        wholesale_price=(retail * D("0.88")).quantize(D("0.01")),
                        insurance_price=(retail * D("1.05")).quantize(D("0.01")),
                        purchase_price=(retail / D("1.13") * D("0.72")).quantize(D("0.0001")),
                    )
                )
    Part.objects.bulk_create(objs, batch_size=1000)
    parts = list(Part.objects.filter(group=group, brand=brand).order_by("id"))
    # a few supersessions: the oldest variant of some filters replaced by the newest
    for old, new in zip(parts[0:40:4], parts[3:43:4], strict=False):
        Part.objects.filter(pk=old.pk).update(superseded_by=new)
    return parts


def _bins(store):
    w1, _c = Warehouse.objects.get_or_create(store=store, code="01", defaults={"name": "配件主库"})
    w2, _c = Warehouse.objects.get_or_create(store=store, code="02", defaults={"name": "油品库"})
    if not Bin.objects.filter(store=store).exists():
        bins = [
            Bin(
                store=store,
                warehouse=w1,
                rack=f"A{r:02d}",
                level=str(lv),
                position=f"{p:02d}",
                code=f"01-A{r:02d}-{lv}-{p:02d}",
            )
            for r in range(1, 21)
            for lv in range(1, 5)
            for p in range(1, 11)
        ]
        bins += [
            Bin(
                store=store,
                warehouse=w2,
                rack=f"Y{r:02d}",
                level="1",
                position=f"{p:02d}",
                code=f"02-Y{r:02d}-1-{p:02d}",
            )
            for r in range(1, 3)
            for p in range(1, 11)
        ]
        Bin.objects.bulk_create(bins)
    return list(Bin.objects.filter(store=store, warehouse=w1).order_by("code")), list(
        Bin.objects.filter(store=store, warehouse=w2).order_by("code")
    )


_real_now = timezone.now  # kept before the loaders patch timezone.now


def _at(day, hour, rnd):
    """A time on that day; never in the future (today's activity ends before now)."""
    t = timezone.make_aware(datetime.combine(day, time(hour, rnd.randint(0, 59), rnd.randint(0, 59))))
    now = _real_now()
    return t if t < now else now - timedelta(minutes=rnd.randint(5, 120))


def _opening(store, parts, bins, oil_bins, actor, rnd, when):
    """Opening stock (期初建账) written with the ledger's own rule so check_stock holds."""
    ct = ContentType.objects.get_for_model(store)
    settings, part_bins, bals, moves = [], [], [], []
    # A store stocks what moves: the main number of each maintenance part and fluid well (the workshop's
    # packages draw on it), a quarter of the other maintenance, wear and fluid numbers, and few of the slow
    # parts (body, lamps, engine, chassis), mostly long held. So the opening is a few months of supply
    # and most of its value is in the parts that turn (A class), not in dead stock.
    main_of_name = set()
    for idx, p in enumerate(parts):
        b = oil_bins[idx % len(oil_bins)] if p.category == "fluid" else bins[idx % len(bins)]
        main = p.category in ("maint", "fluid") and p.name not in main_of_name
        main_of_name.add(p.name)
        moving = p.category in ("maint", "wear", "fluid")
        stocked = main or rnd.random() < (0.25 if moving else 0.06)
        fast = p.category in ("maint", "fluid")
        settings.append(
            PartSetting(
                store=store,
                part=p,
                default_bin=b,
                min_qty=D(4 if fast else 1) if stocked else 0,
                max_qty=D(30 if fast else 6) if stocked else 0,
                safety_qty=D(2 if fast else 0),
            )
        )
        part_bins.append(PartBin(store=store, part=p, bin=b))
        if not stocked:
            continue
        qty = D(
            rnd.randint(30, 60)
            if main
            else rnd.randint(4, 12)
            if p.category == "fluid"
            else rnd.randint(2, 6)
            if fast
            else rnd.randint(1, 3)
            if moving
            else 1
        )
        cost = p.purchase_price
        value, unit_cost, on_hand, bal_value, avg = apply_move(D(0), D(0), D(0), qty, cost)
        # slow parts were mostly bought long before the ledger opened (their age shows on the dashboard)
        old = not moving and rnd.random() < 0.7 or moving and rnd.random() < 0.05
        at = when - timedelta(days=rnd.randint(30, 500)) if old else when
        bals.append(
            StockBalance(store=store, part=p, on_hand=on_hand, value=bal_value, avg_cost=avg, last_move_at=at)
        )
        moves.append(
            StockMove(
                store=store,
                part=p,
                kind=MoveKind.OPENING,
                at=at,
                qty=qty,
                unit_cost=unit_cost,
                value=value,
                balance_qty=on_hand,
                balance_value=bal_value,
                avg_cost=avg,
                content_type=ct,
                object_id=str(store.pk),
                doc_number="期初",
                actor=actor,
            )
        )
    PartSetting.objects.bulk_create(settings, batch_size=1000)
    PartBin.objects.bulk_create(part_bins, batch_size=1000)
    StockBalance.objects.bulk_create(bals, batch_size=1000)
    moves.sort(key=lambda m: m.at)
    StockMove.objects.bulk_create(moves, batch_size=1000)
    stock_summaries_add(store=store, moves=moves)  # what the stock door adds for each move


def _load_store(ctx, store, brand, rnd):
    users = {r: ctx.users.get((store.code, r)) for r in Role}
    keeper, planner = users[Role.STOREKEEPER], users[Role.PARTS_PLANNER]
    seller = users[Role.PARTS_SALES]
    group = store.group
    suppliers = _suppliers(group, brand, rnd)
    parts = _parts(group, brand, rnd)
    bins, oil_bins = _bins(store)
    cashier, finance = users[Role.CASHIER], users[Role.FINANCE]
    garages = []
    # two 挂帐单位 with a credit limit set by finance; the third has none and pays before the goods leave
    for name, limit in (
        ("天河区顺达汽修厂", D("30000")),
        ("番禺区车友汽车服务中心", D("15000")),
        ("白云区鑫诚汽车维修有限公司", None),
    ):
        g = TradeCustomer.objects.filter(store=store, name=name).first() or services.trade_customer_save(
            actor=users[Role.PARTS_MANAGER],
            store=store,
            name=name,
            contact="李师傅",
            phone=f"138{rnd.randint(10000000, 99999999)}",
        )
        if limit is not None:
            party_update(actor=finance, party=services.trade_party(g), credit_limit=limit, payment_days=30)
        garages.append(g)
    today = timezone.localdate()
    start = today - timedelta(days=30)
    _opening(store, parts, bins, oil_bins, keeper, rnd, _at(today - timedelta(days=OPENING_DAYS_AGO), 9, rnd))
    stocked = list(Part.objects.filter(balances__store=store, balances__on_hand__gt=0).order_by("id"))
    fast = [p for p in stocked if p.category in ("maint", "fluid", "wear")]
    oem = suppliers[0]
    pending = []

    # the month's activity: dated steps, run after every app's loader in date order with the service
    # history, so each stock card is written in the order it is dated
    def order_and_receive(n, day):
        if n % 7 == 2:  # weekly stock order from the OEM, received two days later
            lines = [{"part": p, "qty": rnd.randint(4, 12)} for p in rnd.sample(fast, 12)]
            po = services.po_create(actor=planner, store=store, supplier=oem, lines=lines, kind="stock")
            if po.status == "pending":  # above the planner's limit: the parts manager reviews it
                services.po_approve(actor=users[Role.PARTS_MANAGER], po=po)
            pending.append((n + 2, po))
        for _due, po in [x for x in pending if x[0] == n]:
            rows = []
            for i, ln in enumerate(po.lines.all()):
                short = 1 if i == 0 and n % 14 == 4 else 0
                rows.append({"po_line": ln, "qty_noted": ln.qty, "qty": ln.qty - short, "qty_damaged": short})
            services.receipt_post(
                actor=keeper,
                order=po,
                lines=rows,
                delivery_note=f"SH{day:%m%d}{po.pk:03d}",
                freight=D("60"),
            )

    def counter_sale():
        # 零售: the slip, the money at the cashier's desk (收款处付款), then the storekeeper issues
        p = rnd.choice(fast)
        q = rnd.randint(1, 3) if p.unit != Unit.LITRE else rnd.choice([4, 5])
        req = q + (1 if rnd.random() < 0.08 else 0)
        try:
            sale = services.counter_sale_create(
                actor=seller,
                store=store,
                customer_name=rnd.choice(["王先生", "陈女士", "李先生", "张先生", ""]),
                customer_phone=f"139{rnd.randint(10000000, 99999999)}" if rnd.random() < 0.5 else "",
                lines=[{"part": p, "qty": q, "qty_requested": req}],
            )
        except BusinessError:
            services.purchase_demand_add(actor=seller, store=store, part=p, qty=q, doc=p, note="柜台缺货")
            return
        _pay_and_issue(sale, cashier, keeper, rnd.choice(COUNTER_METHODS))

    def wholesale(n):
        g = garages[n % len(garages)]
        on_account = n % 2 == 1 and g is not garages[-1]
        lines = [{"part": p, "qty": rnd.randint(1, 2)} for p in rnd.sample(fast, 2)]
        try:
            sale = services.counter_sale_create(
                actor=seller,
                store=store,
                channel=Channel.WHOLESALE,
                customer=g,
                terms=SaleTerms.ACCOUNT if on_account else SaleTerms.CASH,
                lines=lines,
                delivery_address="广州市" if on_account else "",
            )
        except BusinessError:  # short of stock, or beyond the credit limit
            return
        if on_account:  # 挂账: the goods leave at once; the garage pays its account later
            services.sale_issue(actor=keeper, sale=sale)
        else:
            _pay_and_issue(sale, cashier, keeper, Method.TRANSFER)

    def account_payment():
        # a garage on account pays its oldest open slip by bank transfer (核销 at the cashier's desk)
        for g in garages[:2]:
            item = (
                OpenItem.objects.filter(
                    party=services.trade_party(g), direction="ar", status="open", amount__gt=0
                )
                .order_by("posted_on", "id")
                .first()
            )
            if item is not None:
                _take(cashier, item, Method.TRANSFER)

    for n in range(31):
        day = start + timedelta(days=n)
        ctx.at(_at(day, 9, rnd), lambda n=n, day=day: order_and_receive(n, day))
        for k in range(rnd.randint(5, 9)):
            ctx.at(_at(day, 9 + k, rnd), counter_sale)
        if n % 3 == 0:
            ctx.at(_at(day, 15, rnd), lambda n=n: wholesale(n))
        if n % 10 == 5:
            ctx.at(_at(day, 16, rnd), account_payment)
    ctx.at(
        timezone.now() - timedelta(hours=3),
        lambda: _today(store, suppliers, garages, fast, stocked, rnd, users),
    )
    ctx.at(timezone.now() - timedelta(hours=1), lambda: _slips_at_the_desk(store, fast, rnd, users))
    ctx.at(None, lambda: _classify_and_plan(store, suppliers, rnd, users))


def _today(store, suppliers, garages, fast, stocked, rnd, users):
    """Today's open work: an order partly received, a customer return, a stocktake, a write-off."""
    keeper, planner = users[Role.STOREKEEPER], users[Role.PARTS_PLANNER]
    pm, seller = users[Role.PARTS_MANAGER], users[Role.PARTS_SALES]
    oem = suppliers[0]
    # an open order, partly received with a discrepancy note
    po = services.po_create(
        actor=planner,
        store=store,
        supplier=suppliers[2],
        lines=[{"part": p, "qty": 6} for p in rnd.sample(fast, 4)],
        kind="emergency",
    )
    la = list(po.lines.all())
    services.receipt_post(
        actor=keeper,
        order=po,
        delivery_note="BS-20931",
        lines=[
            {"po_line": la[0], "qty_noted": 6, "qty": 5, "qty_damaged": 1},
            {"po_line": la[1], "qty_noted": 6, "qty": 6, "unit_price": la[1].unit_price + D("3")},
        ],
    )
    services.po_create(
        actor=planner,
        store=store,
        supplier=oem,
        lines=[{"part": p, "qty": 10} for p in rnd.sample(fast, 6)],
        kind="stock",
    )
    # a customer return on the returns ledger, and a wholesale on account waiting for delivery
    sale = services.counter_sale_create(
        actor=seller,
        store=store,
        channel=Channel.WHOLESALE,
        customer=garages[0],
        terms=SaleTerms.ACCOUNT,
        lines=[{"part": fast[0], "qty": 1}],
        delivery_address="天河区黄埔大道西100号",
    )
    sale = services.sale_issue(actor=keeper, sale=sale)
    services.return_create(
        actor=seller,
        store=store,
        kind=ReturnKind.CUSTOMER,
        sale=sale,
        reason="客户反映异响",
        lines=[{"part": fast[0], "qty": 1, "condition": "defective"}],
    )
    # a stocktake of one rack, approved with a surplus and a shortage
    st = services.stocktake_create(actor=keeper, store=store, scope="bins", scope_value="01-A01", kind="spot")
    lines = list(st.lines.all())
    counts = {ln.pk: ln.book_qty for ln in lines}
    if len(lines) >= 2:
        counts[lines[0].pk] = (lines[0].book_qty + 1, "miscount")
        if lines[1].book_qty > 0:
            counts[lines[1].pk] = (lines[1].book_qty - 1, "damage")
    services.stocktake_count(actor=keeper, stocktake=st, counts=counts)
    services.stocktake_submit(actor=keeper, stocktake=st)
    services.stocktake_approve(actor=pm, stocktake=st)
    # a write-off waiting for the three confirmations
    victim = next(
        p
        for p in stocked
        if p.category == "body" and StockBalance.objects.get(store=store, part=p).on_hand > 0
    )
    services.writeoff_create(
        actor=keeper,
        store=store,
        reason="damaged",
        lines=[{"part": victim, "qty": 1}],
        note="安装前发现裂纹，供应商不予三包",
    )
    # a part dropped in the store: caused by a person, not written off but charged to him (不予报损批示)
    dropped = next(
        p
        for p in stocked
        if p.category == "body" and p != victim and StockBalance.objects.get(store=store, part=p).on_hand > 0
    )
    services.writeoff_create(
        actor=keeper,
        store=store,
        reason="damaged",
        lines=[{"part": dropped, "qty": 1}],
        responsible=keeper,
        note="搬运时跌落，保管不善",
    )


def _slips_at_the_desk(store, fast, rnd, users):
    """Today at the counter: two slips waiting at the cashier's desk (待付款), one paid waiting for the
    storekeeper (待出库), and a wholesale slip of the customer without credit waiting for its transfer."""
    seller, cashier = users[Role.PARTS_SALES], users[Role.CASHIER]
    have = set(
        StockBalance.objects.filter(store=store, part__in=fast, on_hand__gte=F("reserved") + 3).values_list(
            "part_id", flat=True
        )
    )
    fast = [p for p in fast if p.pk in have] or fast
    for name, phone in (("王先生", "13912345678"), ("陈女士", "")):
        try:
            services.counter_sale_create(
                actor=seller,
                store=store,
                customer_name=name,
                customer_phone=phone,
                lines=[{"part": rnd.choice(fast), "qty": 1}],
            )
        except BusinessError:
            pass
    try:
        paid = services.counter_sale_create(
            actor=seller, store=store, customer_name="刘先生", lines=[{"part": rnd.choice(fast), "qty": 2}]
        )
        _take(cashier, selectors.sale_open_item(paid), Method.WECHAT)
    except BusinessError:
        pass
    no_credit = TradeCustomer.objects.filter(store=store, name="白云区鑫诚汽车维修有限公司").first()
    if no_credit is not None:
        try:
            services.counter_sale_create(
                actor=seller,
                store=store,
                channel=Channel.WHOLESALE,
                customer=no_credit,
                terms=SaleTerms.CASH,
                lines=[{"part": rnd.choice(fast), "qty": 2}],
                note="先款后货：待客户转账",
            )
        except BusinessError:
            pass


COUNTER_METHODS = [Method.CASH, Method.WECHAT, Method.WECHAT, Method.ALIPAY, Method.CARD]


def _take(cashier, item, method):
    """The cashier takes an open item's money at the desk on the (frozen) business day."""
    try:
        return payment_take(
            actor=cashier,
            store=item.store,
            party=item.party,
            lines=[(method, item.open_amount)],
            allocations=[(item, item.open_amount)],
            business_date=timezone.localdate(),
        )
    except BusinessError:  # the cashier's day is already handed over or closed
        return None


def _pay_and_issue(sale, cashier, keeper, method):
    """Paid at the desk, then issued; a slip whose money the desk could not take is cancelled."""
    item = selectors.sale_open_item(sale)
    if item is not None and _take(cashier, item, method) is None:
        services.sale_cancel(actor=sale.created_by, sale=sale, reason="未付款，作废")
        return
    services.sale_issue(actor=keeper, sale=sale)


def _classify_and_plan(store, suppliers, rnd, users):
    """ABC from the year's usage (counter, wholesale and the workshop), then the purchase plan."""
    planner, pm = users[Role.PARTS_PLANNER], users[Role.PARTS_MANAGER]
    services.abc_classify(actor=pm, store=store)
    plans = services.plan_propose(actor=planner, store=store)
    for plan in plans:
        # 货比三家 for the A parts, so the parts manager can approve the plan in the demo
        for line in plan.lines.filter(abc_class="A").select_related("part"):
            base = line.unit_price or D("10")
            for i, sup in enumerate(suppliers[:3]):
                services.plan_quote_add(
                    actor=planner,
                    line=line,
                    supplier=sup,
                    unit_price=(base * D(("1.00", "1.04", "0.98")[i])).quantize(D("0.0001")),
                    chosen=i == 0,
                )
        if plan.kind == "stock":
            services.plan_submit(actor=planner, plan=plan)


def load(ctx) -> None:
    rnd = random.Random(20260501)
    brands = {"GZTY": "丰田", "GZBT": "本田"}
    for store in ctx.stores:
        brand = brands.get(store.code)
        if brand is None or StockMove.objects.filter(store=store).exists():
            continue
        _load_store(ctx, store, brand, rnd)
        ctx.log(f"parts: {store.short_name or store.name} loaded")
    if len(ctx.stores) >= 2 and not Transfer.objects.filter(store=ctx.stores[0]).exists():
        ctx.at(None, lambda: _transfer(ctx))


def _transfer(ctx):
    """A transfer shipped today from the first store to the second (after the month's activity)."""
    a, b = ctx.stores[0], ctx.stores[1]
    p = Part.objects.filter(balances__store=a, balances__on_hand__gt=4, category="fluid").first()
    if p:
        tr = services.transfer_create(
            actor=ctx.users[(a.code, Role.STOREKEEPER)],
            store=a,
            to_store=b,
            lines=[{"part": p, "qty": 2}],
            note="集团调拨",
        )
        services.transfer_ship(actor=ctx.users[(a.code, Role.STOREKEEPER)], transfer=tr)
