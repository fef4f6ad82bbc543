"""集团对比: the stores of a group side by side, read from the daily summaries in a fixed number of queries."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fours.core.roles import Role
from fours.core.tests.factories import DealerGroupFactory, StoreFactory, UserFactory, member
from fours.reports.choices import Metric
from fours.reports.models import DailySummary
from fours.reports.services import summary_add, target_set
from fours.reports.tests import factories as f

pytestmark = pytest.mark.django_db

URL = reverse("reports:group")
MONTH = dt.date(2026, 3, 1)


@pytest.fixture
def boss(group):
    return member(UserFactory(username="boss", first_name="赵总"), Role.GROUP_MANAGER, dealer_group=group)


def _cell(html: str, store_code: str, n: int) -> str:
    """The visible text of the n-th figure cell of a store's row (0: the first figure)."""
    row = re.search(rf'<tr[^>]*data-store="{store_code}".*?</tr>', html, re.S).group(0)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cells[n])).strip()


def _figures(user, stores, month=MONTH, **kw):
    from fours.reports.selectors import group_comparison

    return group_comparison(user, stores, month, upto=month + dt.timedelta(days=40), **kw)


def test_the_figures_are_the_month_of_each_store_from_its_documents(boss, store_a, store_b, make_user):
    consultant = make_user(Role.SALES_CONSULTANT, store_a, "c_a")
    conf = f.model_conf()
    inside = f.at(dt.date(2026, 3, 5))
    last_day = f.at(dt.date(2026, 3, 31), 23, 30)
    # two cars delivered in March (one at the last evening), one in February and one in April
    for when in (inside, last_day, f.at(dt.date(2026, 2, 28), 23, 50), f.at(dt.date(2026, 4, 1), 0, 5)):
        f.order(store_a, consultant, conf, ordered=when, delivered=when, total=Decimal("150000.10"))
    seller_b = make_user(Role.SALES_CONSULTANT, store_b, "c_b")
    f.loan(f.order(store_b, seller_b, conf, ordered=inside), inside, commission=Decimal("1234.56"))
    # a service and a parts figure of store B (their modules' rows, whatever they post)
    summary_add(
        store=store_b,
        metric=Metric.SERVICE_OUTPUT,
        value="8000.25",
        day=dt.date(2026, 3, 2),
        department="service",
    )
    summary_add(
        store=store_b,
        metric=Metric.SERVICE_OUTPUT,
        value="1999.75",
        day=dt.date(2026, 3, 30),
        department="service",
        person=make_user(Role.SERVICE_ADVISOR, store_b, "adv_b"),
    )
    summary_add(
        store=store_b, metric=Metric.HOURS_SOLD, value="12.5", day=dt.date(2026, 3, 2), department="service"
    )
    summary_add(
        store=store_b, metric=Metric.PARTS_REVENUE, value="300", day=dt.date(2026, 3, 3), department="parts"
    )

    data = _figures(boss, [store_a, store_b])
    from fours.sales.models import VehicleOrder

    # local dates: the evening of 31 March counts in March, not in April
    march = [
        o for o in VehicleOrder.objects.filter(store=store_a) if timezone.localdate(o.delivered_at).month == 3
    ]
    assert len(march) == 2
    assert data["rows"][0]["by_key"]["sales.deliveries"]["actual"] == 2
    assert data["rows"][0]["by_key"]["sales.vehicle_revenue"]["actual"] == sum(o.total for o in march)
    assert data["rows"][0]["by_key"]["sales.gross_profit"]["actual"] == sum(o.gross_profit for o in march)
    b = data["rows"][1]["by_key"]
    assert b["sales.fi_commission"]["actual"] == Decimal("1234.56")
    assert b["service.service_output"]["actual"] == Decimal("10000.00")
    assert b["service.hours_sold"]["actual"] == Decimal("12.5")
    assert b["parts.parts_revenue"]["actual"] == Decimal("300")
    # every figure of every store is the hand sum of its month's summary rows
    for row in data["rows"]:
        for c in data["columns"]:
            hand = DailySummary.objects.filter(
                store=row["store"],
                department=c["department"],
                metric=c["metric"],
                day__gte=MONTH,
                day__lte=dt.date(2026, 3, 31),
            ).aggregate(v=Sum("value"))["v"] or Decimal(0)
            assert row["by_key"][c["key"]]["actual"] == hand, (row["store"], c["key"])
    # the group total is the sum of the stores
    for n, c in enumerate(data["columns"]):
        assert data["total"][n]["actual"] == sum(r["by_key"][c["key"]]["actual"] for r in data["rows"])


def test_targets_and_the_share_done_against_the_pace(boss, store_a, store_b, make_user):
    gm = make_user(Role.GENERAL_MANAGER, store_a, "gm_targets")
    consultant = make_user(Role.SALES_CONSULTANT, store_b, "c_b")
    target_set(actor=boss, store=store_a, month=MONTH, department="sales", metric="deliveries", value=8)
    # store B has only its consultant's target: the department's is the sum of its people's
    target_set(
        actor=boss,
        store=store_b,
        month=MONTH,
        department="sales",
        metric="deliveries",
        value=5,
        person=consultant,
    )
    target_set(actor=gm, store=store_a, month=MONTH, department="parts", metric="parts_revenue", value=1000)
    for n in range(2):
        summary_add(store=store_a, metric=Metric.DELIVERIES, day=MONTH + dt.timedelta(days=n))
    summary_add(store=store_b, metric=Metric.DELIVERIES, day=MONTH, value=4, person=consultant)
    summary_add(store=store_a, metric=Metric.PARTS_REVENUE, day=MONTH, value=500, department="parts")

    # on 16 March half the month has gone
    from fours.reports.selectors import group_comparison

    data = group_comparison(boss, [store_a, store_b], MONTH, upto=dt.date(2026, 3, 16))
    assert data["pace"] == Decimal("51.6")
    a, b = (r["by_key"] for r in data["rows"])
    assert (a["sales.deliveries"]["target"], a["sales.deliveries"]["pct"]) == (8, Decimal("25.0"))
    assert a["sales.deliveries"]["tone"] == "danger"  # 25% done with half the month gone
    assert (b["sales.deliveries"]["target"], b["sales.deliveries"]["pct"]) == (5, Decimal("80.0"))
    assert b["sales.deliveries"]["tone"] == "success"
    assert a["parts.parts_revenue"]["pct"] == Decimal("50.0")
    assert a["parts.parts_revenue"]["tone"] == "warning"
    assert b["parts.parts_revenue"]["target"] is None and b["parts.parts_revenue"]["pct"] is None
    total = dict(zip([c["key"] for c in data["columns"]], data["total"], strict=True))
    assert (total["sales.deliveries"]["actual"], total["sales.deliveries"]["target"]) == (6, 13)
    assert total["parts.parts_revenue"]["target"] == 1000  # only store A has one


def test_the_page_in_chinese_with_yuan_and_the_group_total(client_for, boss, store_a, store_b):
    summary_add(store=store_a, metric=Metric.VEHICLE_REVENUE, value="1234567.8", day=MONTH)
    summary_add(store=store_b, metric=Metric.VEHICLE_REVENUE, value="1000", day=MONTH)
    summary_add(store=store_a, metric=Metric.DELIVERIES, value=7, day=MONTH)
    target_set(
        actor=boss, store=store_a, month=MONTH, department="sales", metric="vehicle_revenue", value=2000000
    )
    resp = client_for(boss).get(URL, {"month": "2026-03"})
    assert resp.status_code == 200
    html = resp.content.decode()
    assert _cell(html, "A01", 0).startswith("7 ")  # deliveries, a count
    assert _cell(html, "A01", 1) == "¥1,234,567.80 ¥2,000,000.00 61.7%"
    assert _cell(html, "B01", 1) == "¥1,000.00 未设目标"
    assert _cell(html, "total", 1) == "¥1,235,567.80 ¥2,000,000.00 61.8%"
    assert "集团合计" in html and "时间进度" in html and "100.0%" in html  # March is over
    for label in (
        "销售",
        "售后",
        "配件",
        "交车台数",
        "整车销售额",
        "结算台次",
        "售后产值",
        "售出工时",
        "出库成本",
    ):
        assert label in html
    from fours.core.tests.test_i18n import visible_text

    main = visible_text(html[html.index("<main") : html.index("</main>")])
    english = [w for w in re.findall(r"[A-Za-z]{2,}", main) if w not in ("Fours",)]
    assert not english, english


def test_sorted_by_a_figure_or_by_its_share_of_target(client_for, boss, group):
    stores = [StoreFactory(group=group, code=f"S{n}", name=f"门店{n}") for n in range(1, 4)]
    for s, units, target in zip(stores, (3, 9, 5), (10, None, 5), strict=True):
        summary_add(store=s, metric=Metric.DELIVERIES, value=units, day=MONTH)
        if target:
            target_set(
                actor=boss, store=s, month=MONTH, department="sales", metric="deliveries", value=target
            )
    client = client_for(boss)

    def order(sort):
        html = client.get(URL, {"month": "2026-03", "sort": sort}).content.decode()
        return re.findall(r'<tr data-store="(S\d)"', html)

    assert order("") == ["S1", "S2", "S3"]
    assert order("-sales.deliveries") == ["S2", "S3", "S1"]
    assert order("sales.deliveries") == ["S1", "S3", "S2"]
    # by the share done: a store without a target last either way
    assert order("-pct-sales.deliveries") == ["S3", "S1", "S2"]
    assert order("pct-sales.deliveries") == ["S1", "S3", "S2"]
    assert order("nonsense") == ["S1", "S2", "S3"]
    # the header links turn the order round, and keep it across months
    html = client.get(URL, {"month": "2026-03", "sort": "-sales.deliveries"}).content.decode()
    assert "sort=sales.deliveries" in html and "month=2026-02&amp;sort=-sales.deliveries" in html


def test_the_query_count_does_not_grow_with_the_stores(client_for, boss, group):
    client = client_for(boss)

    def count(n):
        for i in range(StoreFactory._meta.model.objects.filter(group=group).count(), n):
            s = StoreFactory(group=group, code=f"Q{i:02d}", name=f"门店{i}")
            for metric in (Metric.DELIVERIES, Metric.GROSS_PROFIT):
                summary_add(store=s, metric=metric, value=i + 1, day=MONTH)
                summary_add(store=s, metric=metric, value=i + 1, day=MONTH + dt.timedelta(days=3))
            target_set(actor=boss, store=s, month=MONTH, department="sales", metric=metric, value=100)
        boss.__dict__.pop("_fours_store_ids", None)
        client.get(URL, {"month": "2026-03"})  # the session and caches warm
        with CaptureQueriesContext(connection) as ctx:
            resp = client.get(URL, {"month": "2026-03"})
        assert resp.status_code == 200
        assert len(resp.context["data"]["rows"]) == n
        return len(ctx.captured_queries)

    two = count(2)
    assert count(30) == two


def test_each_figure_is_read_in_one_grouped_query(boss, group, django_assert_num_queries):
    stores = [StoreFactory(group=group, code=f"R{n}", name=f"门店{n}") for n in range(30)]
    from fours.reports.selectors import group_comparison

    boss.__dict__.pop("_fours_store_ids", None)
    group_comparison(boss, stores[:1], MONTH)  # the user's stores, once
    with django_assert_num_queries(2):
        group_comparison(boss, stores, MONTH)


def test_a_group_manager_sees_only_the_stores_of_their_group(client_for, boss, store_a, store_b):
    other = StoreFactory(group=DealerGroupFactory(code="XX", name="别家集团"), code="X01", name="别家门店")
    summary_add(store=other, metric=Metric.DELIVERIES, value=99, day=MONTH)
    html = client_for(boss).get(URL, {"month": "2026-03"}).content.decode()
    assert re.findall(r'<tr data-store="(\w+)"', html) == ["A01", "B01"]
    assert "别家门店" not in html
    # even handed another group's store, the read keeps to the user's stores
    data = _figures(boss, [store_a, other])
    assert data["rows"][1]["by_key"]["sales.deliveries"]["actual"] == 0


def test_finance_sees_it_a_store_manager_does_not(client_for, store_a, store_b, make_user):
    finance = make_user(Role.FINANCE, store_a, "fin_a")
    client = client_for(finance)
    home = client.get("/").content.decode()
    assert URL in home  # the sidebar entry
    html = client.get(URL).content.decode()
    assert re.findall(r'<tr data-store="(\w+)"', html) == ["A01"]  # their own store only
    for role in (Role.GENERAL_MANAGER, Role.SALES_MANAGER, Role.SALES_CONSULTANT):
        user = make_user(role, store_a, f"u_{role.name.lower()}")
        client = client_for(user)
        assert URL not in client.get("/").content.decode(), role
        assert client.get(URL).status_code == 403, role


# --- the group manager's home page -------------------------------------------------------------------


def test_home_shows_the_stores_after_the_managers_own_work(client_for, boss, store_a, store_b):
    this_month = timezone.localdate().replace(day=1)
    summary_add(store=store_a, metric=Metric.GROSS_PROFIT, value="32000.5", day=this_month)
    summary_add(
        store=store_b, metric=Metric.SERVICE_OUTPUT, value="100", day=this_month, department="service"
    )
    target_set(
        actor=boss, store=store_a, month=this_month, department="sales", metric="gross_profit", value=64001
    )
    html = client_for(boss).get("/").content.decode()
    sections = re.findall(r'<section class="mb-4" data-department="(\w+)"', html)
    assert "stores" in sections
    assert sections[: sections.index("stores")] in ([], ["mine"])  # only their own work before it
    table = re.search(r'<table[^>]*id="store-comparison".*?</table>', html, re.S).group(0)
    assert re.findall(r'<tr data-store="(\w+)"', table) == ["A01", "B01"]
    assert "¥32,000.50" in table and "50.0%" in table and "¥100.00" in table
    assert "集团合计" in table and "¥32,100.50" not in table  # the total is per figure
    assert f'href="{URL}"' in html


def test_home_query_count_does_not_grow_with_the_stores(client_for, boss, group):
    client = client_for(boss)
    this_month = timezone.localdate().replace(day=1)

    def count(n):
        for i in range(StoreFactory._meta.model.objects.filter(group=group).count(), n):
            s = StoreFactory(group=group, code=f"H{i:02d}", name=f"门店{i}")
            summary_add(store=s, metric=Metric.DELIVERIES, value=i + 1, day=this_month)
            target_set(
                actor=boss, store=s, month=this_month, department="sales", metric="deliveries", value=9
            )
        client.get("/")
        with CaptureQueriesContext(connection) as ctx:
            html = client.get("/").content.decode()
        assert html.count('<tr data-store="H') == n
        return len(ctx.captured_queries)

    two = count(2)
    assert count(12) == two


def test_a_store_manager_of_two_stores_sees_no_comparison_on_home(client_for, gm_a, store_b):
    member(gm_a, Role.GENERAL_MANAGER, store=store_b)
    html = client_for(gm_a).get("/").content.decode()
    assert 'id="store-comparison"' not in html and URL not in html
