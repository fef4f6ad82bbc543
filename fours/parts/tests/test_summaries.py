"""The parts summaries: what the stock door and the sale posting keep equals what the documents give
(``rebuild_summaries``), every dashboard figure read from them equals the same figure worked out from the
moves and sales, and the dashboard and the group page cost the same queries with few or many moves.

The ledger (store A, clock fixed at NOW, "day -n" n days before NOW): openings, a purchase order received,
counter and wholesale sales, repair-order issues and returns, a customer and a supplier return, a transfer
to store B, a stocktake with a gain and a loss, a write-off, and a reversal, spread over 400 days.
"""

import datetime as dt
from decimal import Decimal as D
from unittest import mock

import pytest
from django.db import connection
from django.db.models import Max, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from fours.core.roles import Role
from fours.core.tests.factories import DealerGroupFactory, StoreFactory, user_with_role
from fours.parts import reports, services
from fours.parts.choices import USAGE_KINDS, Channel, MoveKind, ReturnKind, SaleStatus, SaleTerms
from fours.parts.models import Sale, StockBalance, StockMove
from fours.parts.selectors import stock_differences
from fours.reports.management.commands.rebuild_summaries import differences
from fours.reports.models import DailySummary

from .factories import PartFactory, SupplierFactory, TradeCustomerFactory, sell

NOW = timezone.make_aware(dt.datetime(2026, 3, 31, 16, 30))
pytestmark = pytest.mark.django_db


def at(days_ago, fn, *args, hours=0, **kw):
    moment = NOW - dt.timedelta(days=days_ago, hours=hours)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        return fn(*args, **kw)


def parts_differences(store):
    return [d for d in differences(store) if d[0][1] == "parts"]


@pytest.fixture
def people(store_a, store_b, make_user):
    return {
        "keeper": make_user(Role.STOREKEEPER, store_a, "sum_keeper"),
        "keeper_b": make_user(Role.STOREKEEPER, store_b, "sum_keeper_b"),
        "seller": make_user(Role.PARTS_SALES, store_a, "sum_seller"),
        "cashier": make_user(Role.CASHIER, store_a, "sum_cashier"),
        "planner": make_user(Role.PARTS_PLANNER, store_a, "sum_planner"),
        "pm": make_user(Role.PARTS_MANAGER, store_a, "sum_pm"),
        "svc": make_user(Role.SERVICE_MANAGER, store_a, "sum_svc"),
        "warranty": make_user(Role.WARRANTY_CLERK, store_a, "sum_war"),
    }


@pytest.fixture
def ledger(store_a, store_b, group, people):
    k, seller, cashier = people["keeper"], people["seller"], people["cashier"]
    p = {i: PartFactory(group=group, name=f"汇总配件{i}", purchase_price=D("40")) for i in range(1, 6)}
    for days_ago, part, qty, cost in ((400, p[3], 2, "1000"), (100, p[1], 100, "10"), (100, p[2], 20, "50")):
        at(
            days_ago,
            services.stock_receive,
            actor=k,
            store=store_a,
            part=part,
            qty=qty,
            unit_cost=D(cost),
            doc=store_a,
            kind=MoveKind.OPENING,
        )
    supplier = SupplierFactory(group=group)
    po = at(
        70,
        services.po_create,
        actor=people["planner"],
        store=store_a,
        supplier=supplier,
        lines=[{"part": p[4], "qty": 10}, {"part": p[5], "qty": 6}],
    )
    if po.status == "pending":
        at(70, services.po_approve, actor=people["pm"], po=po)
    la, lb = po.lines.order_by("id")
    at(
        68,
        services.receipt_post,
        actor=k,
        order=po,
        delivery_note="SH-1",
        lines=[{"po_line": la, "qty_noted": 10, "qty": 10}, {"po_line": lb, "qty_noted": 6, "qty": 6}],
    )
    at(60, services.stock_issue, actor=k, store=store_a, part=p[1], qty=6, doc=po)  # repair issue
    sale = at(
        40, sell, seller=seller, keeper=k, cashier=cashier, store=store_a, lines=[{"part": p[4], "qty": 2}]
    )
    at(
        25,
        sell,
        seller=seller,
        keeper=k,
        cashier=cashier,
        store=store_a,
        lines=[{"part": p[1], "qty": 3}, {"part": p[5], "qty": 1}],
    )
    garage = TradeCustomerFactory(store=store_a, credit_limit=100000)
    at(
        20,
        sell,
        seller=seller,
        keeper=k,
        cashier=cashier,
        store=store_a,
        channel=Channel.WHOLESALE,
        customer=garage,
        terms=SaleTerms.ACCOUNT,
        lines=[{"part": p[2], "qty": 4}],
    )
    at(18, services.stock_return, actor=k, store=store_a, part=p[1], qty=1, doc=po)  # 维修退料
    at(
        15,
        services.return_create,
        actor=seller,
        store=store_a,
        kind=ReturnKind.CUSTOMER,
        sale=sale,
        reason="买错",
        lines=[{"part": p[4], "qty": 1, "condition": "good"}],
    )
    at(
        12,
        services.return_create,
        actor=k,
        store=store_a,
        kind=ReturnKind.SUPPLIER,
        supplier=supplier,
        reason="质量问题",
        lines=[{"part": p[5], "qty": 1}],
    )
    tr = at(
        10,
        services.transfer_create,
        actor=k,
        store=store_a,
        to_store=store_b,
        lines=[{"part": p[2], "qty": 3}],
    )
    at(10, services.transfer_ship, actor=k, transfer=tr)
    at(9, services.transfer_receive, actor=people["keeper_b"], transfer=tr)
    st = at(7, services.stocktake_create, actor=k, store=store_a)
    counts = {}
    for ln in st.lines.all():
        counts[ln.pk] = ln.book_qty
        if ln.part_id == p[1].pk:
            counts[ln.pk] = (ln.book_qty + 2, "miscount")
        if ln.part_id == p[4].pk:
            counts[ln.pk] = (ln.book_qty - 1, "damage")
    at(7, services.stocktake_count, actor=k, stocktake=st, counts=counts)
    at(7, services.stocktake_submit, actor=k, stocktake=st)
    at(6, services.stocktake_approve, actor=people["pm"], stocktake=st)
    wo = at(
        5,
        services.writeoff_create,
        actor=k,
        store=store_a,
        reason="damaged",
        lines=[{"part": p[3], "qty": 1}],
    )
    at(5, services.writeoff_approve, actor=people["svc"], writeoff=wo, role=Role.SERVICE_MANAGER)
    at(5, services.writeoff_approve, actor=people["warranty"], writeoff=wo, role=Role.WARRANTY_CLERK)
    at(4, services.writeoff_approve, actor=people["pm"], writeoff=wo, role=Role.PARTS_MANAGER)
    at(4, services.writeoff_post, actor=k, writeoff=wo)
    issue = at(3, services.stock_issue, actor=k, store=store_a, part=p[2], qty=2, doc=po)
    at(2, services.stock_move_reverse, actor=people["pm"], move=issue)  # a wrong issue, reversed
    # today: a counter sale issued, and one in the early hours (a local day is not a UTC day)
    at(0, sell, seller=seller, keeper=k, cashier=cashier, store=store_a, lines=[{"part": p[1], "qty": 1}])
    moment = timezone.make_aware(dt.datetime(2026, 3, 31, 0, 20))
    with mock.patch("django.utils.timezone.now", return_value=moment):
        sell(seller=seller, keeper=k, cashier=cashier, store=store_a, lines=[{"part": p[1], "qty": 2}])
    return {"store": store_a, "other": store_b, "parts": p}


def now(fn, *args, **kw):
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        return fn(*args, **kw)


# --- the figures worked out from the moves and sales, as the dashboard computed them before ---------------


def local_start(day):
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def today():
    return timezone.localdate(NOW)


def by_hand_value_as_of(store, day):
    """The running balance value of each part's last move up to the end of the day."""
    moves = StockMove.objects.filter(store=store, at__lt=local_start(day + dt.timedelta(days=1)))
    last = moves.values("part_id").annotate(m=Max("id")).values("m")
    return D(StockMove.objects.filter(id__in=last).aggregate(v=Sum("balance_value"))["v"] or 0)


def by_hand_cogs(store, first_day):
    v = StockMove.objects.filter(store=store, kind__in=USAGE_KINDS, at__gte=local_start(first_day))
    return -(v.aggregate(v=Sum("value"))["v"] or 0)


def by_hand_daily_moves(store, days):
    out = {}
    for m in StockMove.objects.filter(
        store=store, at__gte=local_start(today() - dt.timedelta(days=days))
    ).exclude(kind=MoveKind.REVERSAL):
        d = out.setdefault(timezone.localtime(m.at).date().isoformat(), [D(0), D(0)])
        if m.qty > 0:
            d[0] += m.value
        else:
            d[1] -= m.value
    return {k: (f"{a:.2f}", f"{b:.2f}") for k, (a, b) in out.items()}


def by_hand_margin(store, days):
    out = {}
    for ch in (Channel.COUNTER, Channel.WHOLESALE):
        agg = Sale.objects.filter(
            store=store,
            channel=ch,
            status=SaleStatus.POSTED,
            posted_at__gte=local_start(today() - dt.timedelta(days=days)),
        ).aggregate(net=Sum("net_total"), cost=Sum("cost_total"))
        out[ch.value] = (agg["net"] or D("0.00"), agg["cost"] or D("0.00"))
    return out


def by_hand_turnover(store, days):
    first_move = StockMove.objects.filter(store=store).exclude(kind=MoveKind.OPENING).order_by("at").first()
    since = max(today() - dt.timedelta(days=days), timezone.localtime(first_move.at).date())
    period = (today() - since).days
    issued = by_hand_cogs(store, since)
    annual = issued * 365 / D(period)
    current = D(StockBalance.objects.filter(store=store).aggregate(v=Sum("value"))["v"])
    avg = (current + by_hand_value_as_of(store, since - dt.timedelta(days=1))) / 2
    return {
        "cogs": issued,
        "days": period,
        "avg_stock": avg.quantize(D("0.01")),
        "turnover": (annual / avg).quantize(D("0.01")),
        "months_of_supply": (current / (annual / 12)).quantize(D("0.1")),
    }


# --- (a) what is kept equals what the documents give ------------------------------------------------------


def test_kept_summaries_equal_the_documents(ledger):
    for store in (ledger["store"], ledger["other"]):
        assert parts_differences(store) == []
        assert stock_differences(store) == []
    kinds = set(DailySummary.objects.filter(metric="stock_moves").values_list("dimension", flat=True))
    assert {f"kind:{k}" for k in MoveKind.values} - kinds == {"kind:staff_charge"}  # every kind was posted


def test_a_part_of_the_history_rebuilds_to_the_same_rows(ledger):
    from fours.reports.management.commands.rebuild_summaries import kept, rebuild

    store = ledger["store"]
    before = kept(store)
    DailySummary.objects.filter(
        store=store, department="parts", day__gte=today() - dt.timedelta(days=20)
    ).delete()
    assert parts_differences(store)
    rebuild(store, since=today() - dt.timedelta(days=20))
    assert kept(store) == before and parts_differences(store) == []


def test_the_sales_figures_are_kept_for_the_seller_by_channel(ledger, people):
    rows = DailySummary.objects.filter(store=ledger["store"], department="parts", metric="parts_sales")
    assert {(r.dimension, r.person_id) for r in rows} == {
        ("channel:counter", people["seller"].pk),
        ("channel:wholesale", people["seller"].pk),
    }
    assert sum(r.value for r in rows) == 5  # four counter sales, one wholesale


# --- every dashboard figure equals the same figure from the moves and sales -------------------------------


def test_stock_value_of_every_past_day_equals_the_running_balances(ledger):
    store = ledger["store"]
    assert now(reports.stock_value, store) == D(StockBalance.objects.aggregate(v=Sum("value"))["v"] or 0) - D(
        StockBalance.objects.filter(store=ledger["other"]).aggregate(v=Sum("value"))["v"] or 0
    )
    for days_ago in (0, 1, 2, 3, 6, 9, 10, 30, 68, 99, 100, 101, 399, 400, 401):
        day = today() - dt.timedelta(days=days_ago)
        assert now(reports.stock_value_as_of, store, day) == by_hand_value_as_of(store, day), days_ago
        assert now(reports.stock_value_as_of, store, day, inclusive=False) == by_hand_value_as_of(
            store, day - dt.timedelta(days=1)
        )
    # a moment reads as its local day
    moment = NOW - dt.timedelta(days=30)
    assert now(reports.stock_value_as_of, store, moment) == by_hand_value_as_of(
        store, today() - dt.timedelta(days=30)
    )


def test_cogs_turnover_margin_daily_moves_and_today(ledger):
    store = ledger["store"]
    for days in (30, 60, 365):
        assert now(reports.cogs, store, days) == by_hand_cogs(store, today() - dt.timedelta(days=days))
        assert now(reports.turnover, store, days) == by_hand_turnover(store, days), days
        assert now(reports.daily_moves, store, days) == [
            {"day": k, "in": a, "out": b} for k, (a, b) in sorted(by_hand_daily_moves(store, days).items())
        ]
    assert now(reports.turnover, store)["days"] == 68  # from the receipt on day -68, not the openings
    for days in (1, 30, 45):
        m = now(reports.margin_by_channel, store, days)
        for ch, (net, cost) in by_hand_margin(store, days).items():
            assert (m[ch]["net"], m[ch]["cost"], m[ch]["margin"]) == (net, cost, net - cost)
    sales_today = Sale.objects.filter(
        store=store, channel=Channel.COUNTER, status=SaleStatus.POSTED, posted_at__gte=local_start(today())
    )
    assert sales_today.count() == 2
    assert now(reports.today_counter_sales, store) == {
        "count": 2,
        "total": sales_today.aggregate(t=Sum("total"))["t"],
    }
    rows = {r["store"]: r for r in now(reports.store_comparison, [store, ledger["other"]])}
    t = by_hand_turnover(store, 365)
    assert (rows[store]["turnover"], rows[store]["months"]) == (t["turnover"], t["months_of_supply"])
    assert rows[store]["margin"] == now(reports.margin_by_channel, store)
    assert rows[store]["dead"] == now(reports.slow_moving, store)["dead"]["value"]
    assert rows[store]["fill_rate"] == now(reports.fill_rate, store)
    # store B only received a transfer: it has stock and a turnover of nothing issued
    assert rows[ledger["other"]]["value"] == now(reports.stock_value, ledger["other"]) > 0
    assert rows[ledger["other"]]["turnover"] == D("0.00")


def test_a_store_that_never_moved_stock_has_no_turnover(store_a, store_b, people):
    assert reports.turnover(store_b) == {
        "cogs": D("0"),
        "avg_stock": D("0.00"),
        "turnover": None,
        "months_of_supply": None,
        "days": 0,
    }
    assert reports.daily_moves(store_b) == [] and reports.stock_value_as_of(store_b, NOW) == D("0.00")


# --- (c) the dashboard and the group page cost the same queries with few and many moves ---------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as q:
        r = client.get(url)
    assert r.status_code == 200
    return len(q)


def test_dashboard_and_group_page_queries_do_not_grow_with_the_moves(
    store_a, store_b, group, people, client_for, make_user
):
    k = people["keeper"]
    pm = client_for(people["pm"])
    gm = client_for(make_user(Role.GROUP_MANAGER, store_a, "sum_gm"))  # sees both stores side by side
    parts = [PartFactory(group=group) for _ in range(3)]
    for p in parts:
        at(200, services.stock_receive, actor=k, store=store_a, part=p, qty=500, unit_cost=D("10"), doc=p)
    at(
        100,
        sell,
        seller=people["seller"],
        keeper=k,
        cashier=people["cashier"],
        store=store_a,
        lines=[{"part": parts[0], "qty": 1}],
    )
    few = (now(_queries, pm, reverse("parts:dashboard")), now(_queries, gm, reverse("parts:group-view")))
    for days_ago in range(150, 0, -3):
        for p in parts:
            at(days_ago, services.stock_issue, actor=k, store=store_a, part=p, qty=1, doc=p)
        at(
            days_ago,
            sell,
            seller=people["seller"],
            keeper=k,
            cashier=people["cashier"],
            store=store_a,
            lines=[{"part": parts[1], "qty": 1}],
        )
    at(
        1,
        services.stock_receive,
        actor=k,
        store=store_b,
        part=parts[2],
        qty=5,
        unit_cost=D("9"),
        doc=parts[2],
    )
    assert StockMove.objects.filter(store=store_a).count() > 200
    many = (now(_queries, pm, reverse("parts:dashboard")), now(_queries, gm, reverse("parts:group-view")))
    assert few == many
    assert many == DASHBOARD_AND_GROUP_QUERIES


DASHBOARD_AND_GROUP_QUERIES = (31, 18)


# --- (b) a property: any sequence of stock postings keeps the summaries the moves give ----------------------


OUT_KINDS = {
    MoveKind.COUNTER_SALE,
    MoveKind.WHOLESALE,
    MoveKind.RO_ISSUE,
    MoveKind.STOCKTAKE_LOSS,
    MoveKind.WRITE_OFF,
}


class SummaryMachine(RuleBasedStateMachine):
    """Random receipts, issues of every usage kind, returns, stocktake adjustments and reversals on random
    days (the clock moves forward between them); after every step the kept summaries equal the rebuilt
    ones and the stock value of every day so far equals the running balances."""

    def __init__(self):
        super().__init__()
        group = DealerGroupFactory()
        self.store = StoreFactory(group=group, allow_negative_stock=True)
        self.parts = [PartFactory(group=group) for _ in range(2)]
        self.actor = user_with_role(Role.PARTS_MANAGER, self.store)
        self.clock = NOW - dt.timedelta(days=40)
        self.moves = []

    def _at(self, fn, **kw):
        with mock.patch("django.utils.timezone.now", return_value=self.clock):
            return fn(**kw)

    @rule(days=st.integers(0, 3), hours=st.integers(0, 23))
    def wait(self, days, hours):
        self.clock += dt.timedelta(days=days, hours=hours)

    @rule(p=st.integers(0, 1), qty=st.integers(1, 20), cost=st.decimals("0.01", "500", places=2))
    def receive(self, p, qty, cost):
        kind = MoveKind.RECEIPT if qty % 2 else MoveKind.STOCKTAKE_GAIN
        self.moves.append(
            self._at(
                services.stock_receive,
                actor=self.actor,
                store=self.store,
                part=self.parts[p],
                qty=qty,
                unit_cost=cost,
                doc=self.parts[p],
                kind=kind,
            )
        )

    @rule(p=st.integers(0, 1), qty=st.integers(1, 20), kind=st.sampled_from(sorted(OUT_KINDS)))
    def issue(self, p, qty, kind):
        part = self.parts[p]
        self.moves.append(
            self._at(
                services.stock_issue,
                actor=self.actor,
                store=self.store,
                part=part,
                qty=qty,
                doc=part,
                kind=kind,
            )
        )

    @rule(
        p=st.integers(0, 1),
        qty=st.integers(1, 5),
        kind=st.sampled_from([MoveKind.RO_RETURN, MoveKind.CUSTOMER_RETURN]),
    )
    def give_back(self, p, qty, kind):
        part = self.parts[p]
        self.moves.append(
            self._at(
                services.stock_return,
                actor=self.actor,
                store=self.store,
                part=part,
                qty=qty,
                doc=part,
                kind=kind,
            )
        )

    @precondition(lambda self: self.moves)
    @rule(i=st.integers(min_value=0))
    def reverse(self, i):
        move = self.moves.pop(i % len(self.moves))
        if move.kind != MoveKind.REVERSAL:
            self._at(services.stock_move_reverse, actor=self.actor, move=move)

    @invariant()
    def summaries_hold(self):
        assert parts_differences(self.store) == []
        first = (NOW - dt.timedelta(days=41)).date()
        with mock.patch("django.utils.timezone.now", return_value=self.clock):
            last = timezone.localdate()
            for n in range(0, (last - first).days + 1, 4):
                day = first + dt.timedelta(days=n)
                assert reports.stock_value_as_of(self.store, day) == by_hand_value_as_of(self.store, day)


def test_summaries_state_machine():
    run_state_machine_as_test(
        SummaryMachine,
        settings=settings(
            max_examples=15,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
