"""What the advisor and the cashier see on reception and the order page: the package of the car's next
maintenance, a cost box that says what each total is, a settlement confirmed before the invoice is
posted, and the delivery form only when the car may leave."""

import re
from decimal import Decimal as D

import pytest
from django.urls import reverse

from fours.core.models import AuditEvent
from fours.core.templatetags.fours import yuan
from fours.customers.models import Vehicle
from fours.finance.services.ledger import advance_of, customer_party
from fours.service import selectors, services
from fours.service.models import MaintenancePackage, Settlement

from .conftest import confirmed, pay_at_desk, ready_to_settle
from .factories import vehicle_for


def _cell(html, id_):
    m = re.search(rf'id="{id_}"[^>]*>(.*?)</t[dh]>', html, re.S)
    assert m, id_
    return re.sub(r"<[^>]+>", "", m.group(1)).strip()


@pytest.fixture
def packages(world, store_a):
    """The series' packages: 5千 every 5,000 km, 1万 at 10,000 then every 10,000, 2万 at 20,000 then
    every 10,000 (the world's own package becomes the 1万 one)."""
    w = world
    MaintenancePackage.objects.filter(pk=w["package"].pk).update(mileage_km=10000, interval_km=10000)
    p5 = MaintenancePackage.objects.create(
        group=store_a.group,
        code="KM5",
        name="5千公里保养",
        series=w["series"],
        mileage_km=5000,
        interval_km=5000,
    )
    p20 = MaintenancePackage.objects.create(
        group=store_a.group,
        code="KM20",
        name="2万公里保养",
        series=w["series"],
        mileage_km=20000,
        interval_km=10000,
    )
    return {5: p5, 10: MaintenancePackage.objects.get(pk=w["package"].pk), 20: p20}


@pytest.mark.parametrize(
    "odometer, next_km, due, pkg",
    [
        (1515, 5000, 5000, 5),  # the car: next maintenance at 5,000 km → the 5千 package, not 1万
        (18800, 20000, 20000, 20),  # 20,000 is due for all three: the fullest one
        (7200, None, 10000, 10),  # nothing set on the vehicle: the first package mileage above 7,200
        (32000, 5000, 35000, 5),  # a next maintenance a whole interval behind: from the odometer
    ],
)
def test_reception_suggests_the_package_of_the_next_maintenance(
    world, packages, client_for, odometer, next_km, due, pkg
):
    v = world["vehicle"]
    Vehicle.objects.filter(pk=v.pk).update(odometer_km=odometer, next_maintenance_km=next_km)
    r = client_for(world["advisor"]).get(reverse("service:reception-vehicle"), {"vehicle": v.pk})
    assert r.status_code == 200
    assert r.context["best"] == packages[pkg] and r.context["due_km"] == due
    html = r.content.decode()
    checked = re.findall(r'name="package" id="pkg-(\d+)" value="\d+" checked', html)
    assert checked == [str(packages[pkg].pk)]
    assert "package-due" in html


def test_cost_box_says_what_each_total_is(world, store_a, client_for):
    w = world
    ro = confirmed(w, store_a)  # package + brake job + pads; nothing issued yet
    c = client_for(w["manager"])
    o = selectors.ro_for_detail(w["manager"], ro.pk)
    est = services.pricing.totals(o, o.labour_lines, o.part_lines, estimate=True)
    now = services.pricing.totals(o, o.labour_lines, o.part_lines)
    assert est.parts > 0 and now.parts == 0  # the estimate counts the planned parts, the amount so far not
    html = c.get(ro.get_absolute_url()).content.decode()
    head_est, head_now = _cell(html, "cost-estimate-head"), _cell(html, "cost-actual-head")
    assert "估价" in head_est and "全部项目，按计划数量" in head_est
    assert "目前应收" in head_now and "已确认工时 + 已发材料" in head_now
    assert _cell(html, "estimate-total") == yuan(est.total)
    assert _cell(html, "actual-total") == yuan(now.total) and now.total == now.labour - now.discount
    # once every part is issued and the order settled, the same column is the settled amount
    ro = ready_to_settle(w, store_a, vehicle=vehicle_for(store_a, w["advisor"], model=w["model"]))
    st = services.ro_settle(actor=w["cashier"], ro=ro)
    html = c.get(ro.get_absolute_url()).content.decode()
    assert "结算金额" in _cell(html, "cost-actual-head")
    assert _cell(html, "actual-total") == yuan(st.total)
    assert _cell(html, "estimate-total") == yuan(st.total)  # all planned lines were used as planned


def _state(ro):
    ro.refresh_from_db()
    return (
        ro.status,
        ro.invoice_no,
        Settlement.objects.filter(ro=ro).count(),
        AuditEvent.objects.count(),
    )


def test_settlement_is_posted_only_after_its_confirmation_page(world, store_a, client_for):
    w = world
    ro = ready_to_settle(w, store_a)
    c = client_for(w["cashier"])
    url = reverse("service:ro-act", args=[ro.pk, "settle"])
    # the order page links to the confirmation, it does not post the invoice
    html = c.get(ro.get_absolute_url()).content.decode()
    assert f'href="{url}"' in html and 'id="settle-confirm-form"' not in html
    before = _state(ro)
    r = c.get(url)
    assert r.status_code == 200 and _state(ro) == before
    html = r.content.decode()
    t = r.context["t"]
    assert t.total > 0 and t.vat > 0
    assert _cell(html, "settle-total") == yuan(t.total)
    assert _cell(html, "settle-vat") == yuan(t.vat)
    assert _cell(html, "settle-net") == yuan(t.net) and t.net + t.vat == t.total
    for payer in ("customer", "warranty", "insurance", "internal"):
        assert f'data-payer="{payer}"' in html
    assert 'name="confirm" value="1"' in html and f'name="total" value="{t.total:.2f}"' in html
    # a post without the confirmation, or for amounts that are no longer those shown, posts nothing
    r = c.post(url, {})
    assert r.status_code == 302 and r["Location"] == url and _state(ro) == before
    r = c.post(url, {"confirm": "1", "total": f"{t.total + 1:.2f}"}, follow=True)
    assert _state(ro) == before
    assert any("请重新核对" in str(m) for m in r.context["messages"])
    # confirmed for the amounts shown: posted
    r = c.post(url, {"confirm": "1", "total": f"{t.total:.2f}"})
    ro.refresh_from_db()
    assert ro.status == "settled" and ro.invoice_no
    assert Settlement.objects.get(ro=ro).total == t.total
    # the confirmation page of a settled order goes back to the order
    r = c.get(url)
    assert r.status_code == 302 and r["Location"] == ro.get_absolute_url()


def test_delivery_form_shows_only_when_the_car_may_leave(world, store_a, client_for):
    w = world
    ro = ready_to_settle(w, store_a)
    st = services.ro_settle(actor=w["cashier"], ro=ro)
    c = client_for(w["advisor"])

    def page():
        return c.get(ro.get_absolute_url()).content.decode()

    html = page()  # unpaid: the reason, no form
    assert 'id="deliver-form"' not in html and "尚欠" in _block(html)
    half = (st.customer_amount / 2).quantize(D("0.01"))
    pay_at_desk(w, ro, [("wechat", half)])
    assert "尚欠" in _block(page())
    pay_at_desk(w, ro, [("cash", st.customer_amount - half)])
    html = page()  # paid in full at the desk: the form
    assert 'id="deliver-form"' in html and 'id="deliver-blocked"' not in html
    # a reversal and a lower settlement: the payment, become the customer's advance, pays the new bill;
    # the rest stays the customer's advance at the desk (to refund there) and the car may leave
    services.ro_settlement_reverse(actor=w["manager"], ro=ro, reason="漏给会员折扣")
    html = page()
    assert 'id="customer-advance"' in html and yuan(st.customer_amount) in html
    services.ro_discount_set(actor=w["advisor"], ro=ro, labour_pct=5, parts_pct=5, reason="会员")
    st2 = services.ro_settle(actor=w["cashier"], ro=ro)
    assert st2.advance == st2.customer_amount < st.customer_amount
    html = page()
    assert 'id="deliver-form"' in html
    party = customer_party(store_a, ro.customer)
    assert advance_of(party) == st.customer_amount - st2.customer_amount


def _block(html):
    m = re.search(r'id="deliver-blocked"[^>]*>(.*?)</div>', html, re.S)
    assert m, "no delivery notice"
    return m.group(1)
