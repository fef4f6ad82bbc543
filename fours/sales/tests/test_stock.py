"""Vehicle stock: dispatch, arrival (VIN check digit), PDI, custody, funding in finance, moves, FIFO."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from fours.core.errors import BusinessError
from fours.finance.choices import Direction, ItemSource
from fours.finance.models import OpenItem, PaymentRequest
from fours.sales.choices import CustodyAction, Funding, VehicleStatus
from fours.sales.models import Custody, Inspection, StockVehicle
from fours.sales.selectors import stock as sel
from fours.sales.services import stock as svc

from .factories_orders import configuration
from .factories_stock import (
    PASS,
    bad_vin,
    clerk,
    make_vin,
    vehicle_in_stock,
    vehicle_in_transit,
)

SIG = "data:image/png;base64," + "A" * 40


@pytest.fixture
def conf(db):
    return configuration()


def test_make_vin_is_valid():
    assert svc.clean_vin(make_vin(5)) == make_vin(5)
    with pytest.raises(BusinessError) as e:
        svc.clean_vin(bad_vin(5))
    assert e.value.error_code == "bad_vin"


def test_dispatch_own_funds_posts_maker_payable_and_remittance(store_a, conf):
    v = vehicle_in_transit(store_a, conf, purchase_price=Decimal("113000"))
    assert v.status == VehicleStatus.IN_TRANSIT and v.number.startswith("ZC-")
    item = OpenItem.objects.get(doc_id=v.pk, source=ItemSource.VEHICLE_PURCHASE)
    assert item.direction == Direction.PAYABLE and item.amount == Decimal("113000.00")
    assert item.party.kind == "maker"
    assert item.net_amount == Decimal("100000.00") and item.tax_amount == Decimal("13000.00")
    assert v.purchase_net == Decimal("100000.00")
    assert PaymentRequest.objects.filter(party=item.party, amount=Decimal("113000.00")).exists()


def test_dispatch_floor_plan_posts_bank_payable_due(store_a, conf):
    due = timezone.localdate() + dt.timedelta(days=60)
    v = vehicle_in_transit(
        store_a,
        conf,
        funding="floor_plan",
        purchase_price="100000",
        floor_plan_amount="70000",
        floor_plan_due=due,
    )
    bank_item = OpenItem.objects.get(doc_id=v.pk, source=ItemSource.FLOOR_PLAN)
    assert (
        bank_item.party.kind == "bank"
        and bank_item.amount == Decimal("70000.00")
        and bank_item.due_date == due
    )
    maker_item = OpenItem.objects.get(doc_id=v.pk, source=ItemSource.VEHICLE_PURCHASE)
    assert maker_item.amount == Decimal("30000.00")


def test_arrival_with_bad_check_digit_refused_nothing_changed(store_a, conf):
    v = vehicle_in_transit(store_a, conf)
    before = (Custody.objects.count(), Inspection.objects.count())
    with pytest.raises(BusinessError) as e:
        svc.vehicle_arrive(
            actor=clerk(store_a),
            vehicle=v,
            vin=v.vin[:8] + ("0" if v.vin[8] != "0" else "1") + v.vin[9:],
            certificate_no="WDK1",
        )
    assert e.value.error_code == "bad_vin" and "vin" in e.value.message_dict
    v.refresh_from_db()
    assert v.status == VehicleStatus.IN_TRANSIT and v.arrived_on is None and v.certificate_no == ""
    assert (Custody.objects.count(), Inspection.objects.count()) == before


def test_arrival_other_vin_refused(store_a, conf):
    v = vehicle_in_transit(store_a, conf)
    with pytest.raises(BusinessError) as e:
        svc.vehicle_arrive(actor=clerk(store_a), vehicle=v, vin=make_vin(), certificate_no="WDK1")
    assert e.value.error_code == "mismatch"


def test_arrival_custody_pdi_and_defects(store_a, conf):
    v = vehicle_in_transit(store_a, conf)
    c = clerk(store_a)
    v = svc.vehicle_arrive(
        actor=c, vehicle=v, vin=v.vin.lower(), certificate_no="WDK1", checklist={"外观漆面": "左前门划痕"}
    )
    assert v.status == VehicleStatus.PDI and v.certificate_at == CustodyAction.RECEIVED
    insp = v.inspections.get()
    assert not insp.passed and insp.fix_by == svc.working_days_after(timezone.localdate(), 2)
    assert set(v.custody.values_list("item", flat=True)) == {"certificate", "keys"}
    failed = svc.vehicle_pdi(actor=c, vehicle=v, checklist={"路试": "异响"})
    assert not failed.passed
    v.refresh_from_db()
    assert v.status == VehicleStatus.PDI
    svc.vehicle_pdi(actor=c, vehicle=v, checklist=PASS)
    v.refresh_from_db()
    assert v.status == VehicleStatus.IN_STOCK and v.pdi_passed_at


def test_keys_issue_refused_when_out_nothing_changed(store_a, conf):
    v = vehicle_in_stock(store_a, conf)
    c = clerk(store_a)
    svc.custody_issue(actor=c, vehicle=v, item="keys", person="张三", signature=SIG, purpose="试驾")
    n = Custody.objects.count()
    with pytest.raises(BusinessError) as e:
        svc.custody_issue(actor=c, vehicle=v, item="keys", person="李四", signature=SIG)
    assert e.value.error_code == "already_out"
    v.refresh_from_db()
    assert v.keys_out_to == "张三" and Custody.objects.count() == n
    svc.custody_return(actor=c, vehicle=v, item="keys")
    v.refresh_from_db()
    assert v.keys_out_to == ""
    with pytest.raises(BusinessError) as e:
        svc.custody_return(actor=c, vehicle=v, item="keys")
    assert e.value.error_code == "not_out"


def test_issue_needs_signature(store_a, conf):
    v = vehicle_in_stock(store_a, conf)
    with pytest.raises(BusinessError) as e:
        svc.custody_issue(actor=clerk(store_a), vehicle=v, item="certificate", person="张三", signature="")
    assert e.value.error_code == "required"


def test_fifo_oldest_first(store_a, conf):
    old = vehicle_in_stock(store_a, conf, days=40)
    new = vehicle_in_stock(store_a, conf, days=5)
    vehicle_in_stock(store_a, conf, colour="黑色", days=80)

    class Order:
        store_id = store_a.pk
        configuration_id = conf.pk
        colour = "白色"

    assert list(sel.fifo_candidates(Order())) == [old, new]


def test_move_checks_workflow(store_a, conf):
    v = vehicle_in_stock(store_a, conf)
    with pytest.raises(BusinessError) as e:
        svc.vehicle_move(actor=clerk(store_a), vehicle=v, to=VehicleStatus.DELIVERED)
    assert e.value.error_code == "bad_transition"
    svc.vehicle_move(actor=clerk(store_a), vehicle=v, to=VehicleStatus.RESERVED)
    svc.vehicle_move(actor=clerk(store_a), vehicle=v, to=VehicleStatus.SOLD)
    v = svc.vehicle_move(actor=clerk(store_a), vehicle=v, to=VehicleStatus.DELIVERED)
    assert v.status == VehicleStatus.DELIVERED and v.delivered_on == timezone.localdate()


def test_floor_plan_settle_asks_finance_to_pay_bank(store_a, conf):
    v = vehicle_in_stock(store_a, conf, funding="floor_plan")
    assert v.funding == Funding.FLOOR_PLAN
    req = svc.vehicle_floor_plan_settle(actor=clerk(store_a), vehicle=v)
    item = OpenItem.objects.get(doc_id=v.pk, source=ItemSource.FLOOR_PLAN)
    assert req.party_id == item.party_id and req.amount == item.amount
    assert svc.vehicle_floor_plan_settle(actor=clerk(store_a), vehicle=v) is None  # asked already
    own = vehicle_in_stock(store_a, conf)
    assert svc.vehicle_floor_plan_settle(actor=clerk(store_a), vehicle=own) is None


def test_age_buckets(store_a, conf):
    for d in (0, 20, 45, 70, 100):
        vehicle_in_stock(store_a, conf, days=d)
    vehicle_in_transit(store_a, conf)
    counts = {b["key"]: b["count"] for b in sel.age_buckets(store_a)}
    assert counts == {"0_30": 2, "31_60": 1, "61_90": 1, "over_90": 1}
    assert sel.sales_figures(store_a)["aged"] == 1
    assert sel.clerk_figures(store_a)["in_transit"] == 1


def test_dispatch_refusals_change_nothing(store_a, conf):
    c = clerk(store_a)
    v = vehicle_in_transit(store_a, conf)
    n_items, n_vehicles, n_requests = (
        OpenItem.objects.count(),
        StockVehicle.objects.count(),
        PaymentRequest.objects.count(),
    )
    cases = [
        ({"vin": bad_vin()}, "bad_vin"),
        ({"vin": v.vin}, "duplicate"),
        ({"funding": "floor_plan"}, "required"),
        ({"purchase_price": "0"}, "not_positive"),
        ({"dispatched_on": timezone.localdate() + dt.timedelta(days=2)}, "in_future"),
    ]
    for extra, code in cases:
        data = {"vin": make_vin(), "colour": "白色", "purchase_price": "100000", **extra}
        with pytest.raises(BusinessError) as e:
            svc.vehicle_dispatch(actor=c, store=store_a, configuration=conf, **data)
        assert e.value.error_code == code, extra
    assert (OpenItem.objects.count(), StockVehicle.objects.count(), PaymentRequest.objects.count()) == (
        n_items,
        n_vehicles,
        n_requests,
    )


def test_transfer_refused_with_keys_out(store_a, store_b, conf):
    v = vehicle_in_stock(store_a, conf)
    c = clerk(store_a)
    svc.custody_issue(actor=c, vehicle=v, item="keys", person="张三", signature=SIG)
    with pytest.raises(BusinessError) as e:
        svc.transfer_send(actor=c, vehicle=v, to_store=store_b)
    assert e.value.error_code == "already_out"
    v.refresh_from_db()
    assert v.status == VehicleStatus.IN_STOCK and not v.transfers.exists()


def test_floor_plan_paid_refused_until_finance_pays(store_a, conf):
    v = vehicle_in_stock(store_a, conf, funding="floor_plan")
    with pytest.raises(BusinessError) as e:
        svc.vehicle_floor_plan_paid(actor=clerk(store_a), vehicle=v)
    assert e.value.error_code == "unpaid"
    v.refresh_from_db()
    assert v.floor_plan_paid_on is None


def test_certificate_to_bank_and_back(store_a, conf):
    v = vehicle_in_stock(store_a, conf, funding="floor_plan")
    c = clerk(store_a)
    svc.custody_issue(actor=c, vehicle=v, item="certificate", person="", signature=SIG, to_bank=True)
    v.refresh_from_db()
    assert v.certificate_at == CustodyAction.TO_BANK
    with pytest.raises(BusinessError) as e:
        svc.custody_issue(actor=c, vehicle=v, item="certificate", person="王五", signature=SIG)
    assert e.value.error_code == "already_out"


def test_delivery_hands_over_keys_and_certificate(store_a, conf):
    v = vehicle_in_stock(store_a, conf)
    c = clerk(store_a)
    for to in (VehicleStatus.RESERVED, VehicleStatus.SOLD, VehicleStatus.DELIVERED):
        v = svc.vehicle_move(actor=c, vehicle=v, to=to)
    assert v.certificate_at == CustodyAction.HANDED_OVER
    assert set(v.custody.filter(action="handed_over").values_list("item", flat=True)) == {
        "keys",
        "certificate",
    }
    with pytest.raises(BusinessError) as e:
        svc.custody_issue(actor=c, vehicle=v, item="keys", person="张三", signature=SIG)
    assert e.value.error_code == "bad_transition"


def test_plan_submit_confirm(store_a, conf):
    c = clerk(store_a)
    brand = conf.model.series.brand
    with pytest.raises(BusinessError) as e:
        svc.plan_create(actor=c, store=store_a, month=timezone.localdate(), brand=brand, lines=[])
    assert e.value.error_code == "no_lines"
    p = svc.plan_create(
        actor=c,
        store=store_a,
        month=timezone.localdate(),
        brand=brand,
        lines=[{"configuration": conf, "qty": 3}],
    )
    assert p.number.startswith("YH-") and p.month.day == 1
    svc.plan_submit(actor=c, plan=p)
    with pytest.raises(BusinessError) as e:
        svc.plan_lines_set(actor=c, plan=p, lines=[{"configuration": conf, "qty": 1}])
    assert e.value.error_code == "bad_transition"
    p = svc.plan_confirm(actor=c, plan=p)
    assert p.status == "confirmed" and p.lines.get().confirmed_qty == 3


def test_jxc_report(store_a, store_b, conf):
    c = clerk(store_a)
    today = timezone.localdate()
    first = today.replace(day=1)
    old = vehicle_in_stock(store_a, conf, days=(today - first).days + 40)  # opening stock
    sold = vehicle_in_stock(store_a, conf, days=(today - first).days + 20)
    for to in (VehicleStatus.RESERVED, VehicleStatus.SOLD, VehicleStatus.DELIVERED):
        svc.vehicle_move(actor=c, vehicle=sold, to=to)
    new = vehicle_in_stock(store_a, conf, days=0)
    moved = vehicle_in_stock(store_a, conf, days=0)
    svc.transfer_send(actor=c, vehicle=moved, to_store=store_b)
    r = sel.jxc_report(store_a, today)
    assert r["total"] == {"opening": 2, "in": 2, "out": 2, "closing": 2}
    assert old and new


def test_transfer_posts_between_the_stores_and_refuses_unpaid_floor_plan(store_a, store_b, conf):
    v = vehicle_in_stock(store_a, conf, purchase_price=Decimal("113000"))
    tr = svc.transfer_send(actor=clerk(store_a), vehicle=v, to_store=store_b)
    ar = OpenItem.objects.get(store=store_a, doc_number=tr.number)
    assert (
        ar.direction == Direction.RECEIVABLE
        and ar.amount == Decimal("113000.00")
        and ar.party.kind == "internal"
    )
    tr = svc.transfer_receive(actor=clerk(store_b), transfer=tr)
    ap = OpenItem.objects.get(
        store=store_b, doc_id=tr.received_vehicle_id, source=ItemSource.VEHICLE_PURCHASE
    )
    assert ap.direction == Direction.PAYABLE and ap.amount == Decimal("113000.00")
    assert ap.net_amount == Decimal("100000.00") and tr.received_vehicle.purchase_net == Decimal("100000.00")
    fp = vehicle_in_stock(store_a, conf, funding="floor_plan")
    n = OpenItem.objects.count()
    with pytest.raises(BusinessError) as e:
        svc.transfer_send(actor=clerk(store_a), vehicle=fp, to_store=store_b)
    assert e.value.error_code == "unpaid"
    fp.refresh_from_db()
    assert fp.status == VehicleStatus.IN_STOCK and OpenItem.objects.count() == n


def test_dispatch_fills_the_confirmed_plan_line(store_a, conf):
    c = clerk(store_a)
    brand = conf.model.series.brand
    p = svc.plan_create(
        actor=c,
        store=store_a,
        month=timezone.localdate(),
        brand=brand,
        lines=[{"configuration": conf, "colour": "白色", "qty": 1}],
    )
    svc.plan_submit(actor=c, plan=p)
    svc.plan_confirm(actor=c, plan=p)
    line = p.lines.get()
    first = vehicle_in_transit(store_a, conf)
    second = vehicle_in_transit(store_a, conf)
    black = vehicle_in_transit(store_a, conf, colour="黑色")
    assert first.plan_line == line and second.plan_line is None and black.plan_line is None


def test_funding_figures(store_a, conf):
    vehicle_in_stock(store_a, conf, days=10, purchase_price=Decimal("100000"))
    vehicle_in_stock(store_a, conf, days=30, purchase_price=Decimal("100000"))
    vehicle_in_stock(
        store_a,
        conf,
        days=20,
        funding="floor_plan",
        floor_plan_due=timezone.localdate() + dt.timedelta(days=5),
    )
    f = sel.funding_figures(store_a)
    assert f["own"] == {"count": 2, "cost": Decimal("200000.00"), "avg_age": 20}
    assert f["floor_plan"]["count"] == 1 and f["due_soon"] == 1 and f["overdue"] == 0
