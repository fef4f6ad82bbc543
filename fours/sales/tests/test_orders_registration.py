"""After delivery: the registration (上牌) recorded on the order and in the archive, the 待上牌 list;
a trade-in (置换) paying part of the price through finance; a forfeited deposit ending as the store's
income with nothing left open for the customer. Refusals change nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from fours.core.errors import BusinessError
from fours.core.roles import Role
from fours.core.tests.factories import user_with_role
from fours.customers.models import PlateChange, Vehicle
from fours.finance.choices import ItemSource, ItemStatus
from fours.finance.models import OpenItem, Payment
from fours.finance.selectors.checks import money_differences
from fours.sales.choices import OrderStatus
from fours.sales.models import VehicleOrder
from fours.sales.selectors.orders import awaiting_registration, order_paid
from fours.sales.services import orders as svc

from . import factories_orders as f
from .factories_stock import make_vin

D = Decimal


@pytest.fixture
def consultant(make_user, store_a):
    return make_user(Role.SALES_CONSULTANT, store_a, "sc_reg")


@pytest.fixture
def mgr(make_user, store_a):
    return make_user(Role.SALES_MANAGER, store_a, "sm_reg")


def delivered(store, consultant, **kw):
    order = f.allocated_order(store, consultant, registration_fee="1500", **kw)
    f.pay(order)
    order = svc.order_ready(actor=consultant, order=order)
    return svc.order_deliver(actor=f.allocator(store), order=order, checklist=f.DELIVERY_OK)


def state(order):
    order = VehicleOrder.objects.get(pk=order.pk)
    v = Vehicle.objects.get(pk=order.archive_vehicle_id)
    return (
        order.plate,
        order.registered_on,
        order.registered_by_id,
        v.plate,
        v.registration_date,
        PlateChange.objects.count(),
    )


# --- 上牌 ------------------------------------------------------------------------------------------------


def test_registration_puts_the_plate_on_the_order_and_the_archive(store_a, consultant):
    order = delivered(store_a, consultant)
    rows = awaiting_registration(store_a)
    assert [o.pk for o in rows] == [order.pk] and rows[0].age_days == 0
    today = timezone.localdate()
    order = svc.order_register(actor=consultant, order=order, plate=" 粤b·12345 ", registration_date=today)
    assert (order.plate, order.registered_on, order.registered_by) == ("粤B12345", today, consultant)
    v = Vehicle.objects.get(pk=order.archive_vehicle_id)
    assert (v.plate, v.registration_date, v.owner_id) == ("粤B12345", today, order.customer_id)
    assert PlateChange.objects.get(vehicle=v).new_plate == "粤B12345"
    assert awaiting_registration(store_a) == []
    # a correction records again, the archive keeps the change
    order = svc.order_register(actor=consultant, order=order, plate="粤B12346", registration_date=today)
    v.refresh_from_db()
    assert v.plate == order.plate == "粤B12346"
    assert list(
        PlateChange.objects.filter(vehicle=v).values_list("old_plate", "new_plate").order_by("id")
    ) == [
        ("", "粤B12345"),
        ("粤B12345", "粤B12346"),
    ]


@pytest.mark.parametrize(
    "plate, day, field, words",
    [
        ("粤12345", 0, "plate", "车牌号格式不正确"),
        ("", 0, "plate", "请填写车牌号"),
        ("粤B12345", 1, "registration_date", "上牌日期不能晚于今天"),
        ("粤B12345", -3, "registration_date", "上牌日期不能早于交车日期"),
        ("粤B12345", None, "registration_date", "请填写上牌日期"),
        ("粤A00001", 0, "plate", "已属于本集团另一辆车"),
    ],
)
def test_registration_refused_names_the_field_and_changes_nothing(
    store_a, consultant, plate, day, field, words
):
    from fours.customers.services import vehicle_create

    other = vehicle_create(
        actor=consultant,
        store=store_a,
        owner=f.customer(store_a, consultant),
        data={"vin": make_vin(), "plate": "粤A00001"},
    )
    order = delivered(store_a, consultant)
    before = state(order)
    when = None if day is None else timezone.localdate() + dt.timedelta(days=day)
    with pytest.raises(BusinessError) as e:
        svc.order_register(actor=consultant, order=order, plate=plate, registration_date=when)
    assert field in e.value.message_dict and words in e.value.message_dict[field][0]
    assert state(order) == before
    assert Vehicle.objects.get(pk=other.pk).plate == "粤A00001"


def test_registration_needs_its_permission_and_a_delivered_order(store_a, consultant):
    order = delivered(store_a, consultant)
    cashier = f.cashier(store_a)
    before = state(order)
    with pytest.raises(PermissionDenied):
        svc.order_register(
            actor=cashier, order=order, plate="粤B12345", registration_date=timezone.localdate()
        )
    assert state(order) == before
    ready = f.allocated_order(store_a, consultant)
    with pytest.raises((PermissionDenied, BusinessError)):
        svc.order_register(
            actor=consultant, order=ready, plate="粤B12399", registration_date=timezone.localdate()
        )
    ready.refresh_from_db()
    assert ready.plate == ""


def test_registration_pages(client, store_a, consultant, django_assert_max_num_queries):
    order = delivered(store_a, consultant)
    VehicleOrder.objects.filter(pk=order.pk).update(delivered_at=timezone.now() - dt.timedelta(days=9))
    for _ in range(2):
        delivered(store_a, consultant)
    client.force_login(consultant)
    with django_assert_max_num_queries(13):
        r = client.get(reverse("sales:order_registrations"))
    page = r.content.decode()
    assert r.status_code == 200 and order.number in page and "待上牌" in page and ">9<" in page
    url = reverse("sales:order_register", args=[order.pk])
    r = client.post(url, {"plate": "粤X1", "registration_date": timezone.localdate().isoformat()})
    assert r.status_code == 200 and "车牌号格式不正确" in r.content.decode()
    r = client.post(
        url, {"plate": "粤B54321", "registration_date": timezone.localdate().isoformat(), "next": "list"}
    )
    assert r.status_code == 302 and r["Location"] == reverse("sales:order_registrations")
    r = client.get(order.get_absolute_url())
    assert "粤B54321" in r.content.decode()
    r = client.get(Vehicle.objects.get(pk=order.archive_vehicle_id).get_absolute_url())
    assert "粤B54321" in r.content.decode()
    cashier = f.cashier(store_a)
    client.force_login(cashier)
    assert client.get(reverse("sales:order_registrations")).status_code == 403


# --- 置换 ------------------------------------------------------------------------------------------------


def test_trade_in_pays_part_of_the_price_and_the_order_delivers(store_a, consultant, mgr):
    order = f.authorised_order(
        store_a, consultant, trade_in_vehicle="2016款 卡罗拉 粤B8K123", trade_in_value="52000", deposit="5000"
    )
    assert order.total == D("200000.00") and svc.customer_share(order) == D("148000.00")
    assert order.discount_pct == D("0.00")  # the trade-in is no discount
    due, paid = order_paid(order)
    assert (due, paid) == (D("148000.00"), D("0.00"))
    (tin,) = svc.trade_in_items(order)
    cust = OpenItem.objects.get(doc_id=order.pk, source=ItemSource.VEHICLE_SALE)
    # together the two items are the sale: its amount, net and VAT
    assert tin.amount == D("52000.00") and tin.party.kind == "internal"
    # the used car settles its part in kind at once: nothing of it waits at the cashier desk
    assert tin.status == ItemStatus.SETTLED
    (pay,) = Payment.objects.filter(allocations__item=tin)
    assert pay.cashier is None and [ln.method for ln in pay.lines.all()] == ["trade_in"]
    assert cust.amount + tin.amount == order.total
    assert cust.tax_amount + tin.tax_amount == D("23008.85")  # 200000 − 200000 / 1.13
    assert cust.net_amount + tin.net_amount == D("176991.15")
    f.pay(order, "5000")
    order = svc.order_confirm(actor=consultant, order=order)
    from .factories_stock import vehicle_in_stock

    vehicle = vehicle_in_stock(store_a, order.configuration, order.colour, purchase_price=D("180000.00"))
    order = svc.order_allocate(actor=f.allocator(store_a), order=order, vehicle=vehicle)
    f.pay(order, "142999.99")
    with pytest.raises(BusinessError) as e:
        svc.order_ready(actor=consultant, order=order)
    assert e.value.error_code == "unpaid"
    f.pay(order, "0.01")
    order = svc.order_ready(actor=consultant, order=order)
    order = svc.order_deliver(actor=f.allocator(store_a), order=order, checklist=f.DELIVERY_OK)
    assert order.status == OrderStatus.DELIVERED
    # 单车毛利 as without a trade-in: 200000/1.13 − 180000/1.13
    assert order.gross_profit == D("17699.11")
    assert money_differences(store_a) == []


def test_trade_in_above_the_total_refused(store_a, consultant):
    n = VehicleOrder.objects.count()
    with pytest.raises(BusinessError) as e:
        f.quote(store_a, consultant, trade_in_vehicle="旧车", trade_in_value="200000.01")
    assert e.value.message_dict["trade_in_value"][0].startswith("置换作价")
    assert VehicleOrder.objects.count() == n
    order = f.quote(store_a, consultant, trade_in_vehicle="旧车", trade_in_value="190000", deposit="12000")
    with pytest.raises(BusinessError) as e:
        svc.order_send(actor=consultant, order=order)
    assert "deposit" in e.value.message_dict and "客户应付车款" in e.value.message_dict["deposit"][0]
    order.refresh_from_db()
    assert order.status == OrderStatus.QUOTE
    with pytest.raises(BusinessError) as e:
        svc.order_update(actor=consultant, order=order, data={"trade_in_value": "999999"})
    order.refresh_from_db()
    assert order.trade_in_value == D("190000.00") and OpenItem.objects.count() == 0


def test_trade_in_cancelled_reverses_its_part(store_a, consultant, mgr):
    order = f.ordered_order(store_a, consultant, trade_in_vehicle="旧车 粤B11111", trade_in_value="50000")
    order = svc.order_cancel_request(actor=consultant, order=order, reason="客户改买别的车", refund="5000")
    svc.order_cancel_approve(actor=mgr, order=order)
    assert svc.trade_in_items(order) == []
    # its settlement in kind is taken back: no advance of the used-car desk is left
    assert Payment.objects.filter(kind="reversal", lines__method="trade_in").count() == 1
    assert (
        not OpenItem.objects.filter(doc_id=order.pk, amount__gt=0)
        .exclude(status=ItemStatus.REVERSED)
        .exists()
    )
    assert money_differences(store_a) == []


# --- 定金不退 ----------------------------------------------------------------------------------------------


def test_forfeited_deposit_is_income_and_leaves_nothing_open(store_a, consultant, mgr):
    from fours.finance.selectors.vouchers import account_map, build_vouchers
    from fours.finance.services import advance_of, party_balance, payment_refund

    order = f.ordered_order(store_a, consultant, deposit="5000")
    order = svc.order_cancel_request(actor=consultant, order=order, reason="客户放弃购车", refund="1000")
    svc.order_cancel_approve(actor=mgr, order=order)
    kept = OpenItem.objects.get(doc_id=order.pk, source=ItemSource.FORFEIT)
    party = kept.party
    assert kept.amount == kept.allocated == D("4000.00") and kept.status == ItemStatus.SETTLED
    assert (kept.net_amount, kept.tax_amount) == (D("4000.00"), D("0.00"))
    assert advance_of(party) == D("1000.00")
    fin = user_with_role(Role.FINANCE, store_a, "fin_reg")
    payment_refund(actor=fin, store=store_a, party=party, lines=[("cash", "1000")], reason="退订退款")
    assert party_balance(party) == D("0.00") and advance_of(party) == D("0.00")
    assert not OpenItem.objects.filter(party=party, status__in=("open", "partial")).exists()
    # the forfeited deposit's voucher credits the store's income with all of it (no VAT)
    assert svc.forfeited(order) == D("4000.00")
    (v,) = build_vouchers([kept], [], account_map(store_a))
    assert sum(ln.credit for ln in v.lines) == D("4000.00")
    assert [ln.key for ln in v.lines if ln.credit] == ["nonop_income"]  # 营业外收入, not vehicle sales
    assert money_differences(store_a) == []
