"""Every figure of the parts dashboard against a small ledger worked out by hand.

The ledger (store A, clock fixed at NOW; "day -n" is n days before NOW; costs are net unit costs):

  P1 oil filter  opening day -100: 100 @ ¥10 = ¥1,000; day -60 repair issue 6 (¥60); day -10 repair issue 4
                 (¥40) → 90 pcs, ¥900, last move day -10
  P2 brake pads  opening day -100: 10 @ ¥50 = ¥500; day -25 receipt 10 @ ¥50 (¥500); day -5 repair issue 15
                 (¥750) → 5 pcs, ¥250, last move day -5
  P3 headlamp    opening day -400: 2 @ ¥1,000 = ¥2,000, never moved since
  P4 bumper      opening day -200: 1 @ ¥600 = ¥600, never moved since
  P5 wiper       opening day -100: 10 @ ¥10 = ¥100; day -20 counter sale 2 at ¥98 each, tax incl. (cost ¥20)
                 → 8 pcs, ¥80, last move day -20

The opening balances are dated by the age of the stock; the store began to move stock on day -60 (its
first move that is not an opening balance), so the turnover period is 60 days, not a year.
"""

import datetime as dt
from decimal import Decimal as D
from unittest import mock

import pytest
from django.utils import timezone

from fours.core.roles import Role
from fours.parts import reports, services
from fours.parts.choices import Channel, MoveKind
from fours.parts.models import FillRateRecord, PartSetting

from .factories import PartFactory, sell, setting

NOW = timezone.make_aware(dt.datetime(2026, 3, 31, 12, 0))


def on(days_ago, fn, **kw):
    with mock.patch("django.utils.timezone.now", return_value=NOW - dt.timedelta(days=days_ago)):
        return fn(**kw)


@pytest.fixture
def ledger(db, store_a, group, make_user):
    keeper = make_user(Role.STOREKEEPER, store_a, "kpi_keeper")
    seller = make_user(Role.PARTS_SALES, store_a, "kpi_seller")
    pm = make_user(Role.PARTS_MANAGER, store_a, "kpi_pm")
    p = {i: PartFactory(group=group, name=f"KPI配件{i}", retail_price=D("98.00")) for i in range(1, 6)}

    def opening(days_ago, part, qty, cost):
        on(
            days_ago,
            services.stock_receive,
            actor=keeper,
            store=store_a,
            part=part,
            qty=qty,
            unit_cost=D(cost),
            doc=store_a,
            kind=MoveKind.OPENING,
        )

    def issue(days_ago, part, qty):
        on(days_ago, services.stock_issue, actor=keeper, store=store_a, part=part, qty=qty, doc=store_a)

    opening(400, p[3], 2, "1000")
    opening(200, p[4], 1, "600")
    opening(100, p[1], 100, "10")
    opening(100, p[2], 10, "50")
    opening(100, p[5], 10, "10")
    issue(60, p[1], 6)
    on(
        25,
        services.stock_receive,
        actor=keeper,
        store=store_a,
        part=p[2],
        qty=10,
        unit_cost=D("50"),
        doc=store_a,
    )
    cashier = make_user(Role.CASHIER, store_a, "kpi_cashier")
    # slip, paid at the cashier's desk, issued: all on day -20
    sale = on(
        20,
        sell,
        seller=seller,
        keeper=keeper,
        cashier=cashier,
        store=store_a,
        lines=[{"part": p[5], "qty": 2}],
    )
    issue(10, p[1], 4)
    issue(5, p[2], 15)
    # fill rate: besides the counter sale above (2 asked, 2 served), a counter line served 1 of 3 on day -3,
    # a repair line served in full on day -2, and a counter line short on day -40 (outside the 30 days)
    for days_ago, channel, asked, served in (
        (3, Channel.COUNTER, 3, 1),
        (2, Channel.REPAIR, 1, 1),
        (40, Channel.COUNTER, 2, 0),
    ):
        FillRateRecord.objects.create(
            store=store_a,
            part=p[1],
            channel=channel,
            qty_requested=asked,
            qty_served=served,
            at=NOW - dt.timedelta(days=days_ago),
        )
    setting(store_a, p[1], safety_qty=D("100"))  # 90 on hand: below
    setting(store_a, p[2], min_qty=D("4"))  # 5 on hand: not below
    on(0, services.abc_classify, actor=pm, store=store_a)
    return {"store": store_a, "parts": p, "sale": sale}


def at_now(fn, *args, **kw):
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        return fn(*args, **kw)


def test_stock_value_turnover_and_months_of_supply(ledger):
    s = ledger["store"]
    # now: P1 900 + P2 250 + P3 2,000 + P4 600 + P5 80 = 3,830
    assert at_now(reports.stock_value, s) == D("3830.00")
    t = at_now(reports.turnover, s)
    # issued in the period (day -60 to now): 60 + 40 + 750 + 20 = 870
    assert t["cogs"] == D("870.00")
    assert t["days"] == 60
    # before the period: P1 1,000 + P2 500 + P3 2,000 + P4 600 + P5 100 = 4,200; average (4,200 + 3,830) / 2
    assert t["avg_stock"] == D("4015.00")
    # annual cost of goods issued 870 × 365 / 60 = 5,292.50; turnover 5,292.50 / 4,015 = 1.318 → 1.32
    assert t["turnover"] == D("1.32")
    # months of supply 3,830 / (5,292.50 / 12) = 3,830 / 441.04 = 8.68 → 8.7
    assert t["months_of_supply"] == D("8.7")


def test_turnover_of_a_full_year_is_not_stretched(ledger):
    # asked over the last 30 days only: issued 40 + 750 + 20 = 810 in 30 days → 9,855 a year; value 30 days
    # ago (before day -30): P1 940 + P2 500 + P3 2,000 + P4 600 + P5 100 = 4,140; average 3,985
    t = at_now(reports.turnover, ledger["store"], 30)
    assert (t["days"], t["cogs"], t["avg_stock"]) == (30, D("810.00"), D("3985.00"))
    assert t["turnover"] == D("2.47")  # 9,855 / 3,985 = 2.473
    assert t["months_of_supply"] == D("4.7")  # 3,830 / 821.25 = 4.66


def test_abc_classes_by_usage_and_their_stock_value(ledger):
    s, p = ledger["store"], ledger["parts"]
    # usage: P2 750 (before it 0% → A), P1 100 (before it 750/870 = 86.2% → B), P5 20 (97.7% → C);
    # P3 and P4 were not used: C (a part without a setting counts as C)
    classes = dict(PartSetting.objects.filter(store=s).values_list("part_id", "abc_class"))
    assert [classes.get(p[i].pk, "C") for i in range(1, 6)] == ["B", "A", "C", "C", "C"]
    # stock value: A = P2 250; B = P1 900; C = P3 2,000 + P4 600 + P5 80 = 2,680
    assert at_now(reports.value_by_class, s) == {"A": D("250.00"), "B": D("900.00"), "C": D("2680.00")}


def test_stock_age_buckets_and_slow_stagnant_dead(ledger):
    s = ledger["store"]
    # last move: P1 10 days, P2 5, P5 20 → 0-3 months: 900 + 250 + 80; P4 200 days → 6-9; P3 400 days → 12+
    assert at_now(reports.value_by_age, s) == {
        "0-3": D("1230.00"),
        "3-6": D("0.00"),
        "6-9": D("600.00"),
        "9-12": D("0.00"),
        "12+": D("2000.00"),
    }
    # no move for ≥ 6 months (180 days): P3, P4; ≥ 9 months (270 days): P3; ≥ 12 months (360 days): P3
    slow = at_now(reports.slow_moving, s)
    assert {k: (v["count"], v["value"]) for k, v in slow.items()} == {
        "slow": (2, D("2600.00")),
        "stagnant": (1, D("2000.00")),
        "dead": (1, D("2000.00")),
    }
    assert [b.part_id for b in at_now(reports.slow_moving_parts, s, 6)] == [
        ledger["parts"][3].pk,
        ledger["parts"][4].pk,
    ]


def test_fill_rate_margin_safety_and_daily_moves(ledger):
    s = ledger["store"]
    # 30 days: counter 2 lines (the sale in full, one short) → 50%; repair 1 of 1 → 100%; all 2 of 3
    assert at_now(reports.fill_rate, s) == D("66.67")
    assert at_now(reports.fill_rate_by_channel, s) == {
        "counter": D("50.00"),
        "wholesale": None,
        "repair": D("100.00"),
    }
    # the counter sale: 2 × 98 = 196 incl. 13% VAT → net 173.45; cost 20; margin 153.45 = 88.47% of net
    m = at_now(reports.margin_by_channel, s)["counter"]
    assert (m["net"], m["cost"], m["margin"], m["pct"]) == (
        D("173.45"),
        D("20.00"),
        D("153.45"),
        D("88.47"),
    )
    assert at_now(reports.below_safety, s) == 1  # P1: 90 < 100
    # moves of the last 30 days by day: in 500 on day -25; out 20 (day -20), 40 (day -10), 750 (day -5)
    days = {r["day"]: (r["in"], r["out"]) for r in at_now(reports.daily_moves, s)}
    day = lambda n: timezone.localtime(NOW - dt.timedelta(days=n)).date().isoformat()  # noqa: E731
    assert days == {
        day(25): ("500.00", "0.00"),
        day(20): ("0.00", "20.00"),
        day(10): ("0.00", "40.00"),
        day(5): ("0.00", "750.00"),
    }


def test_dashboard_shows_the_figures(ledger, client_for, make_user):
    c = client_for(make_user(Role.PARTS_MANAGER, ledger["store"], "kpi_pm2"))
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        r = c.get("/parts/dashboard/")
    assert r.status_code == 200
    html = r.content.decode()
    assert ">1.32<" in html and "8.7" in html


def test_the_dashboard_home_tile_and_stock_list_count_below_safety_alike(
    store_a, keeper, manager, client_for
):
    """低于保险储备 is one figure: the dashboard, the home tile and the list it opens agree."""
    import re

    from django.urls import reverse

    low, fine = PartFactory(group=store_a.group), PartFactory(group=store_a.group)
    for p, qty in ((low, 3), (fine, 30)):
        services.stock_receive(actor=keeper, store=store_a, part=p, qty=qty, unit_cost=D("10"), doc=p)
        PartSetting.objects.update_or_create(store=store_a, part=p, defaults={"safety_qty": D("10")})
    c = client_for(manager)
    dash = c.get(reverse("parts:dashboard")).content.decode()
    shown = re.search(r"below_safety=true\">(\d+)</a>", dash)
    assert shown and int(shown.group(1)) == 1
    listed = c.get(reverse("parts:balance-list") + "?below_safety=true").content.decode()
    assert low.part_no in listed and fine.part_no not in listed
    assert reports.below_safety(store_a) == 1
