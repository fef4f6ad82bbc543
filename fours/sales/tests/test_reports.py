"""The sales reports read the daily summaries and the targets (not the documents), in a pinned number of
queries, against target, store-scoped, with links to the documents behind each figure."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fours.core.roles import Role
from fours.reports.services import summary_add, target_set
from fours.reports.tests import factories as f

pytestmark = pytest.mark.django_db

PAGES = [
    "sales:report_dashboard",
    "sales:report_daily",
    "sales:report_month",
    "sales:report_consultants",
    "sales:report_defeats",
    "sales:report_stock",
]


@pytest.fixture
def team(make_user, store_a):
    return {
        "mgr": make_user(Role.SALES_MANAGER, store_a, "rmgr"),
        "c1": make_user(Role.SALES_CONSULTANT, store_a, "rc1"),
        "c2": make_user(Role.SALES_CONSULTANT, store_a, "rc2"),
    }


def _month():
    return timezone.localdate().replace(day=1)


def _sales(store, people, days, per_day=1):
    """``per_day`` deliveries, orders and visits per consultant on each of ``days`` first days of the
    month, as their posting services add them."""
    month = _month()
    conf = f.model_conf()
    for d in range(days):
        day = month + dt.timedelta(days=d)
        for p in people:
            for _i in range(per_day):
                summary_add(store=store, metric="traffic", value=3, day=day, person=p)
                summary_add(
                    store=store, metric="orders", day=day, person=p, dimension=f"model:{conf.model_id}"
                )
                summary_add(
                    store=store, metric="deliveries", day=day, person=p, dimension=f"model:{conf.model_id}"
                )
                summary_add(
                    store=store,
                    metric="gross_profit",
                    value="6000",
                    day=day,
                    person=p,
                    dimension=f"model:{conf.model_id}",
                )
    return conf


def test_dashboard_figures_against_target(client_for, team, store_a):
    month = _month()
    c1, c2 = team["c1"], team["c2"]
    _sales(store_a, [c1, c2], days=1)
    summary_add(store=store_a, metric="loans", day=month, person=c1)
    target_set(
        actor=team["mgr"], store=store_a, month=month, department="sales", metric="deliveries", value=8
    )
    target_set(
        actor=team["mgr"], store=store_a, month=month, department="sales", metric="gross_profit", value=40000
    )
    target_set(
        actor=team["mgr"], store=store_a, month=month, department="sales", metric="orders", value=3, person=c1
    )
    resp = client_for(team["mgr"]).get(reverse("sales:report_dashboard"))
    assert resp.status_code == 200
    kpis = {k["metric"]: k for k in resp.context["data"]["kpis"]}
    assert kpis["deliveries"]["actual"] == 2 and kpis["deliveries"]["target"] == 8
    assert kpis["deliveries"]["pct"] == Decimal("25.0")
    assert kpis["gross_profit"]["actual"] == Decimal("12000")
    assert kpis["orders"]["target"] == 3  # the department's target: the sum of its people's
    assert kpis["traffic"]["target"] is None
    rates = {r["key"]: r for r in resp.context["data"]["rates"]}
    assert rates["gp_per_unit"]["value"] == Decimal("6000.00")
    assert rates["gp_per_unit"]["target"] == Decimal("5000.00")
    assert rates["closing"]["value"] == Decimal("33.3")
    assert rates["loan_pen"]["value"] == Decimal("50.0")
    ranking = {r["person"].pk: r for r in resp.context["data"]["ranking"]}
    assert ranking[c1.pk]["orders"]["pct"] == Decimal("33.3")
    html = resp.content.decode()
    assert "¥12,000.00" in html and "¥6,000.00" in html
    assert "交车台数" in html and "单车毛利" in html


def test_other_stores_figures_stay_out(client_for, team, store_a, store_b, make_user):
    other = make_user(Role.SALES_CONSULTANT, store_b, "rb1")
    _sales(store_b, [other], days=3)
    resp = client_for(team["mgr"]).get(reverse("sales:report_dashboard"))
    kpis = {k["metric"]: k for k in resp.context["data"]["kpis"]}
    assert kpis["deliveries"]["actual"] == 0
    assert resp.context["data"]["ranking"] == []


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["sales:report_dashboard", "sales:report_month", "sales:report_consultants"])
def test_query_count_is_pinned_few_or_many_rows(client_for, team, store_a, make_user, name):
    client = client_for(team["mgr"])
    url = reverse(name)
    _sales(store_a, [team["c1"]], days=1)
    client.get(url)  # warm the session and the permission caches
    few = _queries(client, url)
    more = [make_user(Role.SALES_CONSULTANT, store_a, f"rmany{i}") for i in range(6)]
    _sales(store_a, [team["c1"], team["c2"], *more], days=25, per_day=2)
    many = _queries(client, url)
    assert few == many


def test_dashboard_pinned_queries(client_for, team, store_a, django_assert_num_queries):
    client = client_for(team["mgr"])
    url = reverse("sales:report_dashboard")
    _sales(store_a, [team["c1"], team["c2"]], days=20, per_day=3)
    client.get(url)
    n = _queries(client, url)
    with django_assert_num_queries(n):
        client.get(url)
    assert n <= 20


def test_the_dashboard_reads_no_document_table(client_for, team, store_a):
    client = client_for(team["mgr"])
    _sales(store_a, [team["c1"]], days=3)
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("sales:report_dashboard"))
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    for table in ("sales_vehicleorder", "sales_visit", "sales_lead", "sales_testdrive", "sales_stockvehicle"):
        assert table not in sql


@pytest.mark.parametrize("name", PAGES)
def test_every_report_opens_for_the_manager_and_not_for_a_consultant(client_for, team, name):
    page = client_for(team["mgr"]).get(reverse(name))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Traceback" not in html
    assert client_for(team["c1"]).get(reverse(name)).status_code == 403


def test_daily_report_yesterday_and_todays_plan(client_for, team, store_a):
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    c1 = team["c1"]
    conf = f.model_conf()
    f.visit(store_a, c1, f.at(yesterday))
    f.visit(store_a, c1, f.at(yesterday, 11))
    f.order(store_a, c1, conf, ordered=f.at(yesterday, 15))
    f.visit(store_a, c1, f.at(today, 9))  # today: not in yesterday's figures
    ld = f.lead(store_a, c1, f.at(today - dt.timedelta(days=5)), next_follow_up=today - dt.timedelta(days=2))
    f.lead(store_a, c1, f.at(today - dt.timedelta(days=5)), next_follow_up=today)
    f.lead(store_a, c1, f.at(today - dt.timedelta(days=5)), next_follow_up=today + dt.timedelta(days=1))
    demo = f.stock_vehicle(store_a, conf, arrived_on=today - dt.timedelta(days=20), status="demo")
    f.test_drive(store_a, ld, demo, c1, f.at(today, 14), done=False)
    ready = f.stock_vehicle(store_a, conf, arrived_on=today - dt.timedelta(days=10), status="sold")
    o = f.order(store_a, c1, conf, ordered=f.at(today - dt.timedelta(days=3)), vehicle=ready)
    type(o).objects.filter(pk=o.pk).update(status="ready", expected_delivery=today)
    target_set(
        actor=team["mgr"], store=store_a, month=yesterday, department="sales", metric="traffic", value=100
    )
    resp = client_for(team["mgr"]).get(reverse("sales:report_daily") + f"?date={today:%Y-%m-%d}")
    data = resp.context["data"]
    res = {r["metric"]: r for r in data["results"]}
    assert res["traffic"]["yesterday"] == 2
    assert res["orders"]["yesterday"] == 1
    assert res["traffic"]["target"] == 100
    if yesterday.month == today.month:
        assert res["traffic"]["actual"] >= 2
    assert data["follow_ups_total"] == 2 and data["overdue_total"] == 1
    assert [d.lead_id for d in data["drives"]] == [ld.pk]
    assert [d.pk for d in data["deliveries"]] == [o.pk]
    html = resp.content.decode()
    assert "今日跟进计划" in html and "今日试乘试驾预约" in html and "今日交车安排" in html


def test_month_analysis_by_model_with_gp_per_unit(client_for, team, store_a):
    month = _month()
    c1 = team["c1"]
    camry = f.model_conf()
    rav4 = f.model_conf("RAV4荣放", "2.0L 四驱")
    day = f.at(month, 12)
    f.order(store_a, c1, camry, ordered=day, delivered=day, gross_profit=Decimal("9000"))
    f.order(store_a, c1, camry, ordered=day, delivered=day, gross_profit=Decimal("7000"))
    f.order(store_a, c1, rav4, ordered=day, delivered=day, gross_profit=Decimal("12000.50"))
    summary_add(store=store_a, metric="deliveries", day=month - dt.timedelta(days=1), person=c1)
    resp = client_for(team["mgr"]).get(reverse("sales:report_month") + f"?month={month:%Y-%m}")
    models = {m["name"]: m for m in resp.context["data"]["models"]}
    assert models["凯美瑞"]["deliveries"] == 2
    assert models["凯美瑞"]["gp_per_unit"] == Decimal("8000.00")
    assert models["RAV4荣放"]["gross_profit"] == Decimal("12000.50")
    figures = {x["metric"]: x for x in resp.context["data"]["figures"]}
    assert figures["deliveries"]["actual"] == 3
    assert figures["deliveries"]["prev"] == 1
    assert figures["deliveries"]["mom"] == Decimal("200.0")
    assert "¥12,000.50" in resp.content.decode()


def test_consultant_statistics_closing_ratio_and_targets(client_for, team, store_a):
    month = _month()
    c1, c2 = team["c1"], team["c2"]
    conf = f.model_conf()
    for h in range(4):
        f.visit(store_a, c1, f.at(month, 9 + h))
    f.visit(store_a, c2, f.at(month, 9))
    f.order(store_a, c1, conf, ordered=f.at(month, 16))
    ld = f.lead(store_a, c1, f.at(month, 10))
    f.follow_up(store_a, ld, c1, f.at(month, 17))
    target_set(
        actor=team["mgr"], store=store_a, month=month, department="sales", metric="orders", value=4, person=c1
    )
    resp = client_for(team["mgr"]).get(reverse("sales:report_consultants"))
    rows = {r["person"].pk: r for r in resp.context["rows"]}
    assert rows[c1.pk]["traffic"]["actual"] == 4
    assert rows[c1.pk]["closing"] == Decimal("25.0")
    assert rows[c1.pk]["orders"]["pct"] == Decimal("25.0")
    assert rows[c1.pk]["leads"]["actual"] == 1 and rows[c1.pk]["follow_ups"] == 1
    assert rows[c2.pk]["closing"] == Decimal("0.0")
    assert rows[c2.pk]["loan_pen"] is None  # nothing to divide: shown as —
    assert rows[c2.pk]["traffic"]["actual"] == 1


def test_defeats_by_reason_and_competitor(client_for, team, store_a):
    month = _month()
    c1 = team["c1"]
    for reason, comp in (("price", "雅阁"), ("price", "雅阁"), ("competitor", "天籁"), ("budget", "")):
        ld = f.lead(store_a, c1, f.at(month, 9))
        f.defeat(ld, f.at(month, 18), reason=reason, competitor=comp)
    f.order(store_a, c1, f.model_conf(), ordered=f.at(month, 12))
    resp = client_for(team["mgr"]).get(reverse("sales:report_defeats"))
    data = resp.context["data"]
    reasons = {r["code"]: r for r in data["reasons"]}
    assert reasons["price"]["count"] == 2 and reasons["price"]["share"] == Decimal("50.0")
    assert reasons["price"]["label"] == "价格原因"
    assert [(c["competitor_model"], c["n"]) for c in data["competitors"]] == [("雅阁", 2), ("天籁", 1)]
    assert data["rate"] == Decimal("80.0")
    assert data["total"]["actual"] == 4


def test_stock_days_of_supply_and_age(client_for, team, store_a):
    today = timezone.localdate()
    c1 = team["c1"]
    conf = f.model_conf()
    for age in (5, 40, 70, 100, 120):
        f.stock_vehicle(store_a, conf, arrived_on=today - dt.timedelta(days=age), clearance_plan="限时优惠")
    f.stock_vehicle(store_a, conf, status="in_transit")
    f.stock_vehicle(store_a, conf, arrived_on=today - dt.timedelta(days=3), status="delivered")
    for d in range(1, 4):  # three sold in the last 30 days
        summary_add(
            store=store_a,
            metric="deliveries",
            day=today - dt.timedelta(days=d * 5),
            person=c1,
            dimension=f"model:{conf.model_id}",
        )
    target_set(
        actor=team["mgr"], store=store_a, month=today, department="sales", metric="deliveries", value=10
    )
    resp = client_for(team["mgr"]).get(reverse("sales:report_stock"))
    data = resp.context["data"]
    (row,) = data["models"]
    assert (row["transit"], row["on_hand"], row["held"]) == (1, 5, 5)
    assert row["ages"] == [1, 1, 1, 2]
    assert row["days_supply"] == Decimal("50.0")  # 5 held at 3 a month
    assert data["target_days_supply"] is not None
    assert [v.age_days for v in data["aged"]] == [120, 100]
    assert "限时优惠" in resp.content.decode()


def test_drill_down_links_open_the_documents(client_for, team, store_a):
    """A figure's link opens the other area's list filtered to the documents behind it."""
    from fours.sales.views.reports import drill_url

    month = _month()
    c1, c2 = team["c1"], team["c2"]
    conf = f.model_conf()
    mine = f.order(
        store_a,
        c1,
        conf,
        ordered=f.at(month, 9),
        delivered=f.at(month, 15),
        customer=f.customer(store_a, "交车客户甲"),
    )
    f.order(
        store_a,
        c2,
        conf,
        ordered=f.at(month, 9),
        delivered=f.at(month, 15),
        customer=f.customer(store_a, "交车客户乙"),
    )
    f.order(store_a, c1, conf, ordered=f.at(month, 9), customer=f.customer(store_a, "未交车客户丙"))
    dash = client_for(team["mgr"]).get(reverse("sales:report_dashboard"))
    kpis = {k["metric"]: k for k in dash.context["data"]["kpis"]}
    url = kpis["deliveries"]["url"]
    assert url.startswith(reverse("sales:order_list")) and "status=delivered" in url
    ranking = {r["person"].pk: r for r in dash.context["data"]["ranking"]}
    html = client_for(team["mgr"]).get(ranking[c1.pk]["deliveries_url"]).content.decode()
    assert "交车客户甲" in html and "交车客户乙" not in html and "未交车客户丙" not in html
    assert mine.customer.name in html
    visits = drill_url("traffic", month, month, person=c1.pk)
    assert "kind=walk_in" in visits and f"consultant={c1.pk}" in visits and "day_after=" in visits
    assert client_for(team["mgr"]).get(visits).status_code == 200


@pytest.mark.parametrize("name", PAGES)
def test_reports_are_english_after_the_switch(client, team, store_a, name):
    import re

    from fours.core.tests.test_i18n import HAN, visible_text

    _sales(store_a, [team["c1"]], days=2)
    client.force_login(team["mgr"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(reverse(name)).content.decode()
    text = visible_text(html[html.index("<main") : html.index("</main>")])  # the page, not the sidebar
    # people's and the catalogue's names are data, not labels
    text = re.sub(r"员工\d+|凯美瑞|门店A|测试集团\d*", " ", text)
    assert not HAN.findall(text), HAN.findall(text)[:20]
