"""Vehicle stock pages and API: list (same query count for few and many rows), vehicle page and its
steps, report, plans, counts, outlets, transfers."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fours.core.roles import Role
from fours.sales.choices import PlanStatus, TransferStatus, VehicleStatus
from fours.sales.models import OrderPlan, StockVehicle, VehicleCount, VehicleTransfer

from .factories_orders import configuration
from .factories_stock import bad_vin, clerk, make_vin, vehicle_in_stock, vehicle_in_transit

SIG = "data:image/png;base64," + "A" * 40


@pytest.fixture
def conf(db):
    return configuration()


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200
    return len(ctx.captured_queries)


def test_vehicle_list_query_count_pinned(store_a, conf, client_for):
    c = client_for(clerk(store_a))
    url = reverse("sales:vehicle_list")
    vehicle_in_stock(store_a, conf)
    few = _queries(c, url)
    for d in (5, 40, 80, 120):
        vehicle_in_stock(store_a, conf, days=d)
    vehicle_in_transit(store_a, conf)
    assert _queries(c, url) == few


def test_list_filters(store_a, conf, client_for):
    c = client_for(clerk(store_a))
    old = vehicle_in_stock(store_a, conf, days=100)
    new = vehicle_in_stock(store_a, conf, days=3)
    r = c.get(reverse("sales:vehicle_list") + "?age=over_90")
    assert old.vin in r.text and new.vin not in r.text
    r = c.get(reverse("sales:vehicle_list") + f"?model={conf.model_id}&status=in_stock")
    assert old.vin in r.text and new.vin in r.text
    r = c.get(reverse("sales:vehicle_aged"))
    assert old.vin in r.text and new.vin not in r.text
    from fours.sales.services.stock import vehicle_move

    for to in (VehicleStatus.RESERVED, VehicleStatus.SOLD, VehicleStatus.DELIVERED):
        vehicle_move(actor=clerk(store_a), vehicle=new, to=to)
    assert new.vin not in c.get(reverse("sales:vehicle_list")).text
    assert new.vin in c.get(reverse("sales:vehicle_list") + "?status=delivered").text


def test_vehicle_page_and_arrival_refusal(store_a, conf, client_for):
    c = client_for(clerk(store_a))
    v = vehicle_in_transit(store_a, conf)
    r = c.get(reverse("sales:vehicle_detail", args=[v.pk]))
    assert r.status_code == 200 and "arrive-form" in r.text
    r = c.post(
        reverse("sales:vehicle_act", args=[v.pk, "arrive"]),
        {
            "vin": v.vin[:8] + ("0" if v.vin[8] != "0" else "1") + v.vin[9:],
            "certificate_no": "WDK1",
            "key_count": 2,
        },
        follow=True,
    )
    assert "校验位" in r.text
    v.refresh_from_db()
    assert v.status == VehicleStatus.IN_TRANSIT
    data = {"vin": v.vin, "certificate_no": "WDK1", "key_count": 2}
    data.update({f"ok_{n}": "1" for n in range(7)})
    c.post(reverse("sales:vehicle_act", args=[v.pk, "arrive"]), data)
    v.refresh_from_db()
    assert v.status == VehicleStatus.PDI
    c.post(reverse("sales:vehicle_act", args=[v.pk, "pdi"]), {f"ok_{n}": "1" for n in range(9)})
    v.refresh_from_db()
    assert v.status == VehicleStatus.IN_STOCK


def test_keys_out_refused_on_page(store_a, conf, client_for):
    c = client_for(clerk(store_a))
    v = vehicle_in_stock(store_a, conf)
    url = reverse("sales:vehicle_act", args=[v.pk, "issue"])
    c.post(url, {"item": "keys", "person": "张三", "signature": SIG})
    r = c.post(url, {"item": "keys", "person": "李四", "signature": SIG}, follow=True)
    assert "已领出" in r.text
    v.refresh_from_db()
    assert v.keys_out_to == "张三" and v.custody.filter(action="issued").count() == 1


def test_consultant_sees_no_buttons_nor_cost(store_a, conf, client_for, make_user):
    v = vehicle_in_stock(store_a, conf)
    c = client_for(make_user(Role.SALES_CONSULTANT, store_a, "sc_stock"))
    r = c.get(reverse("sales:vehicle_detail", args=[v.pk]))
    assert r.status_code == 200
    assert "issue-form" not in r.text and "clearance-form" not in r.text and "vehicle-items" not in r.text
    r = c.post(reverse("sales:vehicle_act", args=[v.pk, "demo"]), follow=True)
    v.refresh_from_db()
    assert v.status == VehicleStatus.IN_STOCK


def test_other_store_is_404(store_a, store_b, conf, client_for):
    v = vehicle_in_stock(store_a, conf)
    c = client_for(clerk(store_b))
    assert c.get(reverse("sales:vehicle_detail", args=[v.pk])).status_code == 404


def test_demo_outlet_and_transfer(store_a, store_b, conf, client_for):
    ca = client_for(clerk(store_a))
    v = vehicle_in_stock(store_a, conf)
    ca.post(reverse("sales:vehicle_act", args=[v.pk, "demo"]))
    v.refresh_from_db()
    assert v.status == VehicleStatus.DEMO
    ca.post(reverse("sales:vehicle_act", args=[v.pk, "undemo"]))
    ca.post(reverse("sales:outlet_create"), {"name": "城东二网", "monthly_target": 5, "active": "on"})
    outlet = store_a.outlet_set.get() if hasattr(store_a, "outlet_set") else None
    from fours.sales.models import Outlet

    outlet = Outlet.objects.get(store=store_a)
    ca.post(reverse("sales:vehicle_act", args=[v.pk, "outlet"]), {"outlet": outlet.pk})
    v.refresh_from_db()
    assert v.status == VehicleStatus.AT_OUTLET and v.outlet == outlet
    assert "城东二网" in ca.get(reverse("sales:outlet_list")).text
    ca.post(reverse("sales:vehicle_act", args=[v.pk, "back"]))
    r = ca.post(reverse("sales:vehicle_act", args=[v.pk, "transfer"]), {"to_store": store_b.pk})
    tr = VehicleTransfer.objects.get()
    assert r.status_code == 302
    v.refresh_from_db()
    assert v.status == VehicleStatus.TRANSFERRED
    cb = client_for(clerk(store_b))
    r = cb.get(reverse("sales:transfer_detail", args=[tr.pk]))
    assert "接收入库" in r.text
    cb.post(reverse("sales:transfer_act", args=[tr.pk, "received"]))
    tr.refresh_from_db()
    assert tr.status == TransferStatus.RECEIVED
    new = StockVehicle.objects.get(store=store_b)
    assert new.vin == v.vin and new.status == VehicleStatus.IN_STOCK and new.number


def test_report_page(store_a, conf, client_for):
    vehicle_in_stock(store_a, conf, days=100)
    vehicle_in_stock(store_a, conf, days=2)
    r = client_for(clerk(store_a)).get(reverse("sales:stock_report"))
    assert r.status_code == 200 and "age-buckets" in r.text and "jxc" in r.text


def test_plan_flow(store_a, conf, client_for):
    c = client_for(clerk(store_a))
    r = c.post(
        reverse("sales:plan_create"),
        {
            "month": "2027-01",
            "brand": conf.model.series.brand_id,
            "conf_0": conf.pk,
            "colour_0": "白色",
            "qty_0": "5",
        },
    )
    plan = OrderPlan.objects.get()
    assert r.status_code == 302 and plan.lines.get().qty == 5
    c.post(reverse("sales:plan_act", args=[plan.pk, "submitted"]))
    ln = plan.lines.get()
    c.post(reverse("sales:plan_act", args=[plan.pk, "confirmed"]), {f"confirmed_{ln.pk}": "4"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CONFIRMED and plan.lines.get().confirmed_qty == 4
    assert c.get(reverse("sales:plan_detail", args=[plan.pk])).status_code == 200
    assert c.get(reverse("sales:plan_list")).status_code == 200


def test_count_missing_and_extra(store_a, conf, client_for):
    c = client_for(clerk(store_a))
    a = vehicle_in_stock(store_a, conf)
    b = vehicle_in_stock(store_a, conf)
    stranger = make_vin()
    r = c.post(reverse("sales:count_create"), {"kind": "daily", "vins": f"{a.vin}\n{stranger}"})
    count = VehicleCount.objects.get()
    assert r.status_code == 302 and count.missing == [b.vin] and count.extra == [stranger]
    assert b.vin in c.get(reverse("sales:count_detail", args=[count.pk])).text
    r = c.post(reverse("sales:count_create"), {"kind": "daily", "vins": bad_vin()})
    assert "第1行" in r.text and VehicleCount.objects.count() == 1


def test_home_widgets(store_a, conf, make_user):
    from fours.sales.views.stock import widgets

    vehicle_in_transit(store_a, conf)

    class R:
        user = clerk(store_a)

    titles = {w.title: w for w in widgets(R(), store_a)}
    assert titles["预计到车（在途）"].value == 1 and titles["预计到车（在途）"].mine
    assert "待PDI" in titles and "钥匙未归还" in titles and "库龄超90天" in titles

    class M:
        user = make_user(Role.SALES_MANAGER, store_a, "stock_mgr")

    mine = [w for w in widgets(M(), store_a) if w.mine]
    assert mine == [] and any(w.title == "在途车辆" for w in widgets(M(), store_a))


def test_api_filters_and_refusal(store_a, conf, api_for):
    api = api_for(clerk(store_a))
    old = vehicle_in_stock(store_a, conf, days=95)
    vehicle_in_stock(store_a, conf, days=1)
    t = vehicle_in_transit(store_a, conf)
    r = api.get("/api/v1/sales/vehicles/", {"age": "over_90"})
    assert r.status_code == 200 and [x["vin"] for x in r.json()["results"]] == [old.vin]
    r = api.get("/api/v1/sales/vehicles/", {"status": "in_transit"})
    assert [x["vin"] for x in r.json()["results"]] == [t.vin]
    r = api.post(
        f"/api/v1/sales/vehicles/{t.pk}/arrive/", {"vin": bad_vin(), "certificate_no": "X1"}, format="json"
    )
    assert r.status_code == 400 and "bad_vin" in r.text
    t.refresh_from_db()
    assert t.status == VehicleStatus.IN_TRANSIT
    r = api.post(
        f"/api/v1/sales/vehicles/{old.pk}/issue/",
        {"item": "keys", "person": "张三", "signature": SIG},
        format="json",
    )
    assert r.status_code == 200 and r.json()["keys_out_to"] == "张三"
    r = api.post(
        f"/api/v1/sales/vehicles/{old.pk}/issue/",
        {"item": "keys", "person": "李四", "signature": SIG},
        format="json",
    )
    assert r.status_code == 400 and "already_out" in r.text
