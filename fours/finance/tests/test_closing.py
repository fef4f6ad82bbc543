"""The closings: a cashier hands the day over (a difference needs a reason), finance confirms, closes the
day only when every cashier of it is confirmed, closes a month only when its days are closed, and the
ledger then refuses what was closed. The day report and the bank journal add the day up in a fixed
number of queries."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fours.core.choices import DepartmentKind
from fours.core.errors import BusinessError
from fours.core.models import AuditEvent
from fours.core.roles import Role
from fours.finance.choices import Direction, HandoverStatus, ItemSource, PartyKind
from fours.finance.models import DayClose, Handover, OpenItem, Payment, PeriodClose
from fours.finance.selectors.closing import bank_journal, day_report
from fours.finance.services import (
    day_close,
    handover_confirm,
    handover_submit,
    payment_refund,
    payment_take,
    period_close,
)

from .factories import PartyFactory, post_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def second_cashier(make_user, store_a):
    return make_user(Role.CASHIER, store_a, "cashier_a2")


def _take(cashier, party, lines, item=None, day=None):
    return payment_take(
        actor=cashier,
        store=party.store,
        party=party,
        lines=lines,
        allocations=[(item, sum(Decimal(a) for _m, a in lines))] if item else (),
        business_date=day,
    )


# --- 交款单 ------------------------------------------------------------------------------------------


def test_handover_with_a_difference_needs_a_reason(client_for, cashier, party, store_a, today):
    _take(cashier, party, [("cash", "200"), ("wechat", "50")])
    c = client_for(cashier)
    page = c.get(reverse("finance:handover")).content.decode()
    assert 'id="expected-cash" data-value="200.00"' in page and "¥50.00" in page
    refused = c.post(reverse("finance:handover"), {"business_date": today.isoformat(), "counted_cash": "190"})
    err = refused.context["form"].errors
    assert "reason" in err and "差异原因" in err["reason"][0]
    assert Handover.objects.count() == 0
    bad = c.post(reverse("finance:handover"), {"business_date": today.isoformat(), "counted_cash": "19.999"})
    assert "counted_cash" in bad.context["form"].errors and Handover.objects.count() == 0
    c.post(
        reverse("finance:handover"),
        {"business_date": today.isoformat(), "counted_cash": "190", "reason": "找零错付10元"},
    )
    h = Handover.objects.get()
    assert (h.expected_cash, h.counted_cash, h.difference) == (Decimal("200"), Decimal("190"), Decimal("-10"))
    assert h.number.startswith("JK-") and h.status == HandoverStatus.SUBMITTED
    assert h.totals["wechat"] == "50.00" and h.reason == "找零错付10元"
    assert AuditEvent.objects.filter(verb="handed_over").count() == 1
    # handed over: the cashier's day takes no more payment, and no second hand-over
    with pytest.raises(BusinessError) as err:
        _take(cashier, party, [("cash", "10")])
    assert err.value.error_code == "handed_over"
    with pytest.raises(BusinessError) as err:
        handover_submit(actor=cashier, store=store_a, counted_cash="0")
    assert err.value.error_code == "duplicate" and Handover.objects.count() == 1


def test_an_exact_count_needs_no_reason(cashier, party, store_a):
    _take(cashier, party, [("cash", "88.80")])
    h = handover_submit(actor=cashier, store=store_a, counted_cash="88.8")
    assert h.difference == 0 and h.reason == ""


# --- 日结 --------------------------------------------------------------------------------------------


def test_day_close_waits_for_every_cashier_and_finance_confirmation(
    client_for, cashier, second_cashier, finance_user, party, store_a, today
):
    _take(cashier, party, [("cash", "100")])
    _take(second_cashier, party, [("card", "300")])
    handover_submit(actor=cashier, store=store_a, counted_cash="100")
    f = client_for(finance_user)
    page = f.get(reverse("finance:day-close")).content.decode()
    assert "交款单待确认" in page and "未交款" in page
    refused = f.post(reverse("finance:day-close"), {"business_date": today.isoformat()})
    err = refused.context["form"].errors["business_date"][0]
    assert second_cashier.get_full_name() in err and cashier.get_full_name() in err
    assert DayClose.objects.count() == 0
    h2 = handover_submit(actor=second_cashier, store=store_a, counted_cash="0")
    for h in Handover.objects.all():
        f.post(reverse("finance:handover-confirm", args=[h.pk]))
    assert set(Handover.objects.values_list("status", flat=True)) == {HandoverStatus.CONFIRMED}
    with pytest.raises(BusinessError) as again:
        handover_confirm(actor=finance_user, handover=h2)
    assert again.value.error_code == "not_pending"
    f.post(reverse("finance:day-close"), {"business_date": today.isoformat()})
    close = DayClose.objects.get()
    assert (
        close.closed_by == finance_user
        and close.totals["cash"] == "100.00"
        and close.totals["card"] == "300.00"
    )
    with pytest.raises(BusinessError) as dup:
        day_close(actor=finance_user, store=store_a, business_date=today)
    assert dup.value.error_code == "duplicate"


def test_a_cashier_cannot_confirm_or_close(client_for, cashier, party, store_a):
    _take(cashier, party, [("cash", "100")])
    h = handover_submit(actor=cashier, store=store_a, counted_cash="100")
    c = client_for(cashier)
    assert c.post(reverse("finance:handover-confirm", args=[h.pk])).status_code == 403
    assert c.get(reverse("finance:day-close")).status_code == 403
    assert c.get(reverse("finance:period-close")).status_code == 403
    h.refresh_from_db()
    assert h.status == HandoverStatus.SUBMITTED


def test_finance_does_not_confirm_its_own_hand_over(finance_user, party, store_a):
    _take(finance_user, party, [("cash", "10")])
    h = handover_submit(actor=finance_user, store=store_a, counted_cash="10")
    with pytest.raises(BusinessError) as err:
        handover_confirm(actor=finance_user, handover=h)
    assert err.value.error_code == "same_person"


def test_a_closed_day_takes_no_back_dated_payment_at_the_desk(
    client_for, cashier, finance_user, party, store_a, today
):
    yesterday = today - dt.timedelta(days=1)
    item = post_item(actor=cashier, party=party, amount="50", source=ItemSource.COUNTER_SALE)
    day_close(actor=finance_user, store=store_a, business_date=yesterday)  # nobody took money that day
    resp = client_for(cashier).post(
        reverse("finance:desk-pay"),
        {
            "party": party.pk,
            "items": [item.pk],
            f"alloc_{item.pk}": "50",
            "amount_cash": "50",
            "business_date": yesterday.isoformat(),
        },
    )
    assert "已日结" in resp.context["form"].errors["business_date"][0]
    item.refresh_from_db()
    assert Payment.objects.count() == 0 and item.allocated == 0


# --- 月结 --------------------------------------------------------------------------------------------


def test_period_close_waits_for_its_days_then_refuses_postings(
    client_for, cashier, finance_user, party, store_a, today
):
    last_day = today.replace(day=1) - dt.timedelta(days=1)
    month = last_day.strftime("%Y-%m")
    _take(cashier, party, [("cash", "20")], day=last_day)
    f = client_for(finance_user)
    page = f.get(reverse("finance:period-close"), {"month": month}).content.decode()
    assert 'id="period-blockers"' in page and last_day.strftime("%m-%d") in page
    refused = f.post(reverse("finance:period-close"), {"month": month})
    assert "尚未日结" in refused.context["form"].errors["month"][0]
    assert PeriodClose.objects.count() == 0
    this_month = f.post(reverse("finance:period-close"), {"month": today.strftime("%Y-%m")})
    assert "month" in this_month.context["form"].errors
    h = handover_submit(actor=cashier, store=store_a, business_date=last_day, counted_cash="20")
    handover_confirm(actor=finance_user, handover=h)
    day_close(actor=finance_user, store=store_a, business_date=last_day)
    f.post(reverse("finance:period-close"), {"month": month})
    assert PeriodClose.objects.filter(year=last_day.year, month=last_day.month).exists()
    closed_page = f.get(reverse("finance:period-close"), {"month": month}).content.decode()
    assert f"{month} 已月结" in closed_page and "确认月结" not in closed_page
    payments, items = Payment.objects.count(), OpenItem.objects.count()
    early = last_day.replace(day=1)
    with pytest.raises(BusinessError) as err:
        _take(cashier, party, [("cash", "10")], day=early)
    assert err.value.error_code == "period_closed"
    with pytest.raises(BusinessError) as err:
        post_item(actor=cashier, party=party, amount="10", posted_on=early)
    assert err.value.error_code == "period_closed"
    assert (Payment.objects.count(), OpenItem.objects.count()) == (payments, items)
    with pytest.raises(BusinessError) as dup:
        period_close(actor=finance_user, store=store_a, year=last_day.year, month=last_day.month)
    assert dup.value.error_code == "duplicate"


# --- 收银日报, 银行日记账 ------------------------------------------------------------------------------


def _day_of_payments(cashier, second_cashier, party, n):
    for _k in range(n):
        parts = post_item(
            actor=cashier,
            party=party,
            amount="100",
            source=ItemSource.COUNTER_SALE,
            department=DepartmentKind.PARTS,
        )
        ro = post_item(actor=cashier, party=party, amount="300", source=ItemSource.RO_CUSTOMER)
        _take(cashier, party, [("cash", "100")], item=parts)
        _take(second_cashier, party, [("wechat", "300")], item=ro)


def test_day_report_by_method_department_and_cashier(
    client_for, cashier, second_cashier, finance_user, party, store_a, today
):
    _day_of_payments(cashier, second_cashier, party, 2)
    _take(cashier, party, [("cash", "50")])  # an advance
    payment_refund(actor=cashier, store=store_a, party=party, lines=[("cash", "20")], reason="多收")
    r = day_report(store_a, today)
    methods = {m["method"]: m for m in r["methods"]}
    assert methods["cash"]["receipts"] == Decimal("250") and methods["cash"]["refunds"] == Decimal("-20")
    assert methods["wechat"]["net"] == Decimal("600") and r["total"] == Decimal("830")
    assert {d["label"]: d["amount"] for d in r["by_department"]} == {
        "配件": Decimal("200"),
        "售后": Decimal("600"),
    }
    assert r["advance"] == Decimal("30.00")
    assert {c["name"]: c["total"] for c in r["by_cashier"]} == {
        cashier.get_full_name(): Decimal("230"),
        second_cashier.get_full_name(): Decimal("600"),
    }
    assert r["count"] == 6 and r["count_refunds"] == 1
    page = client_for(finance_user).get(reverse("finance:day-report")).content.decode()
    assert "¥830.00" in page and second_cashier.get_full_name() in page


def test_day_report_queries_do_not_grow_with_payments(
    client_for, cashier, second_cashier, finance_user, party, django_assert_max_num_queries
):
    f = client_for(finance_user)
    _day_of_payments(cashier, second_cashier, party, 1)
    f.get(reverse("finance:day-report"))
    with CaptureQueriesContext(connection) as few:
        f.get(reverse("finance:day-report"))
    _day_of_payments(cashier, second_cashier, party, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = f.get(reverse("finance:day-report"))
    assert "¥5,200.00" in page.content.decode()


def test_bank_journal_non_cash_in_money_out_and_cash_handed_over(
    cashier, finance_user, party, store_a, today
):
    supplier = PartyFactory(store=store_a, name="博世配件", kind=PartyKind.SUPPLIER)
    bill = post_item(
        actor=cashier, party=supplier, amount="400", source=ItemSource.PURCHASE, direction=Direction.PAYABLE
    )
    _take(cashier, party, [("card", "1000"), ("cash", "60")])
    _take(cashier, party, [("alipay", "200")])
    payment_take(
        actor=finance_user,
        store=store_a,
        party=supplier,
        lines=[("transfer", "400")],
        allocations=[(bill, "400")],
        direction=Direction.PAYABLE,
    )
    handover_submit(actor=cashier, store=store_a, counted_cash="60")
    j = bank_journal(store_a, today - dt.timedelta(days=3), today)
    (row,) = j["rows"]
    assert row["in"] == Decimal("1200") and row["out"] == Decimal("-400") and row["cash"] == Decimal("60")
    assert row["balance"] == Decimal("860") and j["balance"] == Decimal("860")


def test_bank_journal_page_runs_the_balance_over_days(
    client_for, cashier, finance_user, party, store_a, today
):
    _take(cashier, party, [("wechat", "100")], day=today - dt.timedelta(days=2))
    _take(cashier, party, [("wechat", "50")])
    page = client_for(finance_user).get(
        reverse("finance:bank-journal"), {"from": (today - dt.timedelta(days=5)).isoformat()}
    )
    html = page.content.decode()
    assert html.index("¥100.00") < html.index("¥150.00")
    assert client_for(cashier).get(reverse("finance:bank-journal")).status_code == 403


def test_finance_home_shows_hand_overs_to_confirm_and_days_not_closed(
    client_for, cashier, finance_user, party, store_a, today
):
    _take(cashier, party, [("cash", "10")], day=today - dt.timedelta(days=2))
    _take(cashier, party, [("cash", "10")])
    handover_submit(actor=cashier, store=store_a, counted_cash="10")
    page = client_for(finance_user).get("/").content.decode()
    assert "待确认交款单" in page and "未日结天数" in page
    from fours.finance.selectors.closing import unclosed_days

    assert unclosed_days(store_a) == [today - dt.timedelta(days=2)]


def test_finance_reversals_and_supplier_payments_need_no_hand_over(
    cashier, finance_user, party, store_a, today
):
    pay = _take(cashier, party, [("cash", "100")])
    from fours.finance.services import payment_reverse

    payment_reverse(actor=finance_user, payment=pay, reason="重复收款")
    supplier = PartyFactory(store=store_a, name="博世配件", kind=PartyKind.SUPPLIER)
    payment_take(
        actor=finance_user,
        store=store_a,
        party=supplier,
        lines=[("transfer", "50")],
        direction=Direction.PAYABLE,
    )
    h = handover_submit(actor=cashier, store=store_a, counted_cash="100")
    handover_confirm(actor=finance_user, handover=h)
    close = day_close(actor=finance_user, store=store_a, business_date=today)
    assert close.totals["cash"] == "0.00" and close.totals["transfer"] == "-50.00"
