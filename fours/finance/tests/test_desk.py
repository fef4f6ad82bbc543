"""The cashier desk walked as a cashier through the pages: the queue, one payment in two methods over two
items of one customer with change, the receipt in figures and capitals, refusals that name the field
and change nothing, the advance, refunds and finance's reversal."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fours.core.choices import DepartmentKind
from fours.finance.choices import ItemSource, ItemStatus, PartyKind, PaymentKind
from fours.finance.models import Allocation, DayClose, Handover, OpenItem, Payment
from fours.finance.selectors.checks import money_differences
from fours.finance.selectors.desk import amount_in_words
from fours.finance.services import advance_of, payment_take

from .factories import PartyFactory, post_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def bills(cashier, party, store_a):
    party.phone = "13800138000"
    party.save()
    slip = post_item(
        actor=cashier,
        party=party,
        amount="300.00",
        source=ItemSource.COUNTER_SALE,
        department=DepartmentKind.PARTS,
        doc=store_a,
        doc_number="XS-2026-000001",
    )
    ro = post_item(
        actor=cashier,
        party=party,
        amount="200.00",
        source=ItemSource.RO_CUSTOMER,
        doc_number="RO-2026-000007",
        memo="京A12345",
    )
    other = PartyFactory(store=store_a, name="李娜")
    post_item(actor=cashier, party=other, amount="80.00", source=ItemSource.COUNTER_SALE, doc_number="XS-9")
    return slip, ro


def _pay_data(party, items, **values):
    data = {
        "party": party.pk,
        "items": [i.pk for i in items],
        "business_date": timezone.localdate().isoformat(),
    }
    for i in items:
        data[f"alloc_{i.pk}"] = f"{i.open_amount:.2f}"
    data.update(values)
    return data


def _nothing_changed(*items):
    assert Payment.objects.count() == 0 and Allocation.objects.count() == 0
    for i in items:
        i.refresh_from_db()
        assert i.allocated == 0 and i.status == ItemStatus.OPEN


# --- 大写金额 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, words",
    [
        ("0", "零元整"),
        ("0.05", "伍分"),
        ("0.50", "伍角整"),
        ("1.05", "壹元零伍分"),
        ("10", "壹拾元整"),
        ("15.20", "壹拾伍元贰角整"),
        ("500.00", "伍佰元整"),
        ("1005.07", "壹仟零伍元零柒分"),
        ("1657.00", "壹仟陆佰伍拾柒元整"),
        ("10100", "壹万零壹佰元整"),
        ("100000", "壹拾万元整"),
        ("1000000.01", "壹佰万元零壹分"),
        ("100010000", "壹亿零壹万元整"),
        ("123456789.12", "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元壹角贰分"),
        ("-20", "负贰拾元整"),
    ],
)
def test_amount_in_words(amount, words):
    assert amount_in_words(Decimal(amount)) == words


# --- the queue -------------------------------------------------------------------------------------


def test_the_queue_lists_open_items_newest_first_and_finds_a_plate(client_for, cashier, bills):
    slip, ro = bills
    c = client_for(cashier)
    page = c.get(reverse("finance:desk")).content.decode()
    assert "XS-2026-000001" in page and "RO-2026-000007" in page and "李娜" in page
    assert page.index("XS-9") < page.index("RO-2026-000007") < page.index("XS-2026-000001")
    assert f'href="{slip.doc.get_absolute_url()}">XS-2026-000001' in page  # the document's page
    found = c.get(reverse("finance:desk"), {"q": "京A12345"}).content.decode()
    assert "RO-2026-000007" in found and "XS-2026-000001" not in found
    by_phone = c.get(reverse("finance:desk"), {"q": "13800138000"}).content.decode()
    assert "RO-2026-000007" in by_phone and "XS-9" not in by_phone
    marked = c.get(reverse("finance:desk"), {"item": ro.pk}).content.decode()
    assert f'value="{ro.pk}" data-party="{ro.party_id}" aria-label="选择" checked' in marked


def test_the_desk_is_for_the_cashier(client_for, make_user, store_a):
    from fours.core.roles import Role

    advisor = make_user(Role.SERVICE_ADVISOR, store_a, "sa_a")
    assert client_for(advisor).get(reverse("finance:desk")).status_code == 403


def test_queue_queries_do_not_grow_with_rows(
    client_for, cashier, party, store_a, django_assert_max_num_queries
):
    c = client_for(cashier)

    def add(n):
        for _k in range(n):
            post_item(actor=cashier, party=party, amount="10", source=ItemSource.COUNTER_SALE, doc=store_a)

    add(2)
    c.get(reverse("finance:desk"))
    with CaptureQueriesContext(connection) as few:
        assert c.get(reverse("finance:desk")).status_code == 200
    add(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = c.get(reverse("finance:desk"))
    assert page.content.decode().count('class="form-check-input pick"') == 32


# --- taking a payment ------------------------------------------------------------------------------


def test_two_items_of_one_customer_paid_by_wechat_and_cash_with_change(client_for, cashier, party, bills):
    slip, ro = bills
    c = client_for(cashier)
    form = c.get(reverse("finance:desk-pay"), {"items": [slip.pk, ro.pk]})
    assert form.status_code == 200
    html = form.content.decode()
    assert "张伟" in html and 'id="change"' in html and "微信" in html and "使用预收" in html
    resp = c.post(
        reverse("finance:desk-pay"),
        _pay_data(
            party,
            [slip, ro],
            amount_wechat="300.00",
            ref_wechat="4200001234",
            amount_cash="200",
            cash_tendered="250",
        ),
        follow=True,
    )
    pay = Payment.objects.get()
    assert resp.redirect_chain[-1][0] == reverse("finance:receipt", args=[pay.pk])
    page = resp.content.decode()
    assert "找零 ¥50.00" in page
    assert "伍佰元整" in page and "¥500.00" in page
    assert "XS-2026-000001" in page and "RO-2026-000007" in page and "4200001234" in page
    assert cashier.get_full_name() in page
    slip.refresh_from_db()
    ro.refresh_from_db()
    assert slip.status == ItemStatus.SETTLED and ro.status == ItemStatus.SETTLED
    assert sorted(pay.lines.values_list("method", "amount")) == [
        ("cash", Decimal("200.00")),
        ("wechat", Decimal("300.00")),
    ]
    assert advance_of(party) == 0 and money_differences() == []
    thermal = c.get(reverse("finance:receipt", args=[pay.pk]), {"paper": "80"}).content.decode()
    assert "size: 80mm" in thermal


def test_part_payment_leaves_the_rest_open(client_for, cashier, party, bills):
    slip, ro = bills
    c = client_for(cashier)
    c.post(
        reverse("finance:desk-pay"),
        _pay_data(party, [slip], **{f"alloc_{slip.pk}": "120", "amount_card": "120"}),
    )
    slip.refresh_from_db()
    assert slip.status == ItemStatus.PARTIAL and slip.open_amount == Decimal("180.00")
    assert "¥180.00" in c.get(reverse("finance:desk")).content.decode()


def test_over_allocation_is_refused_on_its_field_and_nothing_changes(client_for, cashier, party, bills):
    slip, ro = bills
    resp = client_for(cashier).post(
        reverse("finance:desk-pay"),
        _pay_data(party, [slip, ro], **{f"alloc_{slip.pk}": "400", "amount_cash": "600"}),
    )
    assert resp.status_code == 200
    err = resp.context["form"].errors
    assert f"alloc_{slip.pk}" in err and "超过未结金额" in err[f"alloc_{slip.pk}"][0]
    _nothing_changed(slip, ro)


def test_a_bad_amount_is_refused_on_its_method(client_for, cashier, party, bills):
    slip, ro = bills
    resp = client_for(cashier).post(
        reverse("finance:desk-pay"), _pay_data(party, [slip], amount_cash="12.345")
    )
    err = resp.context["form"].errors
    assert "amount_cash" in err and "两位小数" in err["amount_cash"][0]
    assert 'data-field="amount_cash"' in resp.content.decode()
    _nothing_changed(slip, ro)


def test_too_little_money_and_too_much_money_are_refused(client_for, cashier, party, bills):
    slip, ro = bills
    c = client_for(cashier)
    short = c.post(reverse("finance:desk-pay"), _pay_data(party, [slip], amount_cash="100"))
    assert "__all__" in short.context["form"].errors
    assert "超过收款金额" in short.context["form"].errors["__all__"][0]
    over = c.post(reverse("finance:desk-pay"), _pay_data(party, [slip], amount_cash="350"))
    assert "keep_advance" in over.context["form"].errors
    tendered = c.post(
        reverse("finance:desk-pay"), _pay_data(party, [slip], amount_cash="300", cash_tendered="200")
    )
    assert "cash_tendered" in tendered.context["form"].errors
    _nothing_changed(slip, ro)
    c.post(reverse("finance:desk-pay"), _pay_data(party, [slip], amount_cash="350", keep_advance="on"))
    assert advance_of(party) == Decimal("50.00")


def test_a_closed_day_refuses_a_back_dated_payment(client_for, cashier, party, bills, store_a):
    slip, ro = bills
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    DayClose.objects.create(store=store_a, business_date=yesterday)
    resp = client_for(cashier).post(
        reverse("finance:desk-pay"),
        _pay_data(party, [slip], amount_cash="300", business_date=yesterday.isoformat()),
    )
    err = resp.context["form"].errors
    assert "business_date" in err and "已日结" in err["business_date"][0]
    _nothing_changed(slip, ro)


def test_after_handing_over_the_cashier_takes_no_payment(client_for, cashier, party, bills, store_a):
    slip, ro = bills
    Handover.objects.create(
        store=store_a,
        number="JK-1",
        business_date=timezone.localdate(),
        cashier=cashier,
        expected_cash=0,
        counted_cash=0,
        difference=0,
    )
    assert 'id="handed-over"' in client_for(cashier).get(reverse("finance:desk")).content.decode()
    resp = client_for(cashier).post(reverse("finance:desk-pay"), _pay_data(party, [slip], amount_cash="300"))
    assert "已交款" in resp.context["form"].errors["business_date"][0]
    _nothing_changed(slip, ro)


def test_items_of_two_parties_are_not_paid_together(client_for, cashier, bills):
    slip, ro = bills
    other = OpenItem.objects.get(doc_number="XS-9")
    resp = client_for(cashier).get(reverse("finance:desk-pay"), {"items": [slip.pk, other.pk]}, follow=True)
    assert resp.redirect_chain[-1][0] == reverse("finance:desk")
    assert "同一往来单位" in resp.content.decode()


def test_the_advance_is_applied_before_the_money(client_for, cashier, party, bills, store_a):
    slip, ro = bills
    payment_take(actor=cashier, store=store_a, party=party, lines=[("cash", "100")])
    c = client_for(cashier)
    assert "¥100.00" in c.get(reverse("finance:desk-pay"), {"items": slip.pk}).content.decode()
    too_much = c.post(
        reverse("finance:desk-pay"), _pay_data(party, [slip], use_advance="400", amount_cash="0")
    )
    assert "use_advance" in too_much.context["form"].errors
    c.post(reverse("finance:desk-pay"), _pay_data(party, [slip], use_advance="100", amount_alipay="200"))
    slip.refresh_from_db()
    assert slip.status == ItemStatus.SETTLED and advance_of(party) == 0
    assert Payment.objects.filter(kind=PaymentKind.RECEIPT).count() == 2 and money_differences() == []


def test_an_insurer_is_collected_by_transfer_across_its_items(client_for, cashier, store_a):
    insurer = PartyFactory(store=store_a, name="平安保险", kind=PartyKind.INSURER)
    items = [
        post_item(
            actor=cashier, party=insurer, amount=a, source=ItemSource.RO_INSURANCE, doc_number=f"RO-{a}"
        )
        for a in ("1000", "2500", "800")
    ]
    c = client_for(cashier)
    assert "平安保险" in c.get(reverse("finance:desk")).content.decode()  # among the parties to collect
    page = c.get(reverse("finance:desk-pay"), {"party": insurer.pk}).content.decode()
    assert all(f"RO-{a}" in page for a in ("1000", "2500", "800"))
    data = _pay_data(insurer, items, amount_transfer="3000", ref_transfer="BANK-778")
    data[f"alloc_{items[1].pk}"] = "1200"
    data["items"] = []  # the whole party's open items
    c.post(reverse("finance:desk-pay"), data)
    pay = Payment.objects.get()
    assert pay.amount == Decimal("3000.00") and pay.lines.get().reference == "BANK-778"
    assert [i.open_amount for i in OpenItem.objects.filter(party=insurer).order_by("id")] == [0, 1300, 0]


# --- refunds, reversals, the day's list ------------------------------------------------------------


def test_refund_of_an_advance_with_a_reason(client_for, cashier, party, store_a):
    payment_take(actor=cashier, store=store_a, party=party, lines=[("cash", "100")])
    c = client_for(cashier)
    assert "张伟" in c.get(reverse("finance:refund")).content.decode()
    too_much = c.post(
        reverse("finance:refund"), {"party": party.pk, "method": "cash", "amount": "150", "reason": "多收"}
    )
    assert "amount" in too_much.context["form"].errors
    no_reason = c.post(
        reverse("finance:refund"), {"party": party.pk, "method": "cash", "amount": "60", "reason": ""}
    )
    assert "reason" in no_reason.context["form"].errors
    assert Payment.objects.count() == 1
    resp = c.post(
        reverse("finance:refund"),
        {"party": party.pk, "method": "cash", "amount": "60", "reason": "多收"},
        follow=True,
    )
    assert "退款单" in resp.content.decode() and "负陆拾元整" in resp.content.decode()
    assert advance_of(party) == Decimal("40.00")


def test_finance_reverses_a_payment_from_the_day_list(
    client_for, cashier, finance_user, party, bills, store_a
):
    slip, ro = bills
    pay = payment_take(
        actor=cashier, store=store_a, party=party, lines=[("card", "300")], allocations=[(slip, "300")]
    )
    payment_take(
        actor=cashier, store=store_a, party=party, lines=[("wechat", "200")], allocations=[(ro, "200")]
    )
    c = client_for(cashier)
    mine = c.get(reverse("finance:payment-list")).content.decode()
    assert pay.number in mine and "冲销" not in mine.split('id="payments"')[1].split("</thead>")[1]
    assert c.post(reverse("finance:payment-reverse", args=[pay.pk]), {"reason": "x"}).status_code == 403
    card_only = c.get(reverse("finance:payment-list"), {"method": "card"}).content.decode()
    assert pay.number in card_only and "¥200.00" not in card_only
    f = client_for(finance_user)
    assert "冲销原因" in f.get(reverse("finance:payment-list")).content.decode()
    f.post(reverse("finance:payment-reverse", args=[pay.pk]), {"reason": "刷错卡"})
    slip.refresh_from_db()
    assert slip.status == ItemStatus.OPEN and Payment.objects.filter(kind=PaymentKind.REVERSAL).count() == 1
    assert money_differences() == []


def test_the_cashier_home_shows_what_waits_at_the_desk(client_for, cashier, bills):
    page = client_for(cashier).get("/").content.decode()
    assert "待收款" in page and "¥580.00" in page


def test_a_walk_in_slip_is_paid_slip_by_slip_not_as_a_party(client_for, cashier, store_a):
    from fours.finance.services import walk_in_party

    slip = post_item(
        actor=cashier,
        party=walk_in_party(store_a),
        amount="45",
        source=ItemSource.COUNTER_SALE,
        doc_number="XS-77",
    )
    page = client_for(cashier).get(reverse("finance:desk")).content.decode()
    assert "XS-77" in page
    parties = page.split('id="collect-parties"')[1]
    assert "散客" not in parties
    client_for(cashier).post(
        reverse("finance:desk-pay"), _pay_data(slip.party, [slip], amount_wechat="45", ref_wechat="WX1")
    )
    slip.refresh_from_db()
    assert slip.status == ItemStatus.SETTLED


def test_a_party_that_owes_nothing_can_pay_in_advance(client_for, cashier, store_a):
    trade = PartyFactory(store=store_a, name="顺达汽修厂", kind=PartyKind.TRADE, phone="02088886666")
    c = client_for(cashier)
    assert (
        "顺达汽修厂" not in c.get(reverse("finance:desk")).content.decode().split('id="collect-parties"')[1]
    )
    found = c.get(reverse("finance:desk"), {"q": "8888"}).content.decode().split('id="collect-parties"')[1]
    assert f"?party={trade.pk}" in found
    page = c.get(reverse("finance:desk-pay"), {"party": trade.pk}).content.decode()
    assert "收到的款项将记为预收" in page
    c.post(
        reverse("finance:desk-pay"),
        {"party": trade.pk, "amount_transfer": "5000", "ref_transfer": "T1", "keep_advance": "on"},
    )
    assert advance_of(trade) == Decimal("5000.00")


def test_payment_list_queries_do_not_grow_with_payments(
    client_for, finance_user, cashier, party, store_a, django_assert_max_num_queries
):
    c = client_for(finance_user)

    def pay(n):
        for _k in range(n):
            payment_take(actor=cashier, store=store_a, party=party, lines=[("cash", "10"), ("wechat", "5")])

    pay(2)
    c.get(reverse("finance:payment-list"))
    with CaptureQueriesContext(connection) as few:
        c.get(reverse("finance:payment-list"))
    pay(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = c.get(reverse("finance:payment-list")).content.decode()
    assert page.count("冲销原因") == 22
