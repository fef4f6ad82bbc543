"""A unit price below the channel's price is a discount: it goes through the same limit as discount_pct,
on the service, the API and the counter-sale form."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from fours.core.errors import BusinessError
from fours.core.permissions import effective_discount_pct
from fours.core.roles import Role
from fours.parts.choices import Channel
from fours.parts.models import Sale, SaleLine
from fours.parts.selectors import balance_of
from fours.parts.services import counter_sale_create, stock_receive

from .factories import PartFactory, TradeCustomerFactory
from .test_stock import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(make_user, store_a):
    return make_user(Role.PARTS_SALES, store_a, "sales_a")  # discount limit 5 %


@pytest.fixture
def stocked(group, store_a, keeper):
    part = PartFactory(group=group)  # retail 98.00, wholesale 85.00
    stock_receive(actor=keeper, store=store_a, part=part, qty=10, unit_cost=D("50"), doc=part)
    return part


def nothing_written():
    return snapshot(), Sale.objects.count(), SaleLine.objects.count()


def test_effective_discount_of_a_price():
    assert effective_discount_pct(D("76"), D("80")) == D("5.00")
    assert effective_discount_pct(D("0.01"), D("80")) == D("99.99")
    assert effective_discount_pct(D("90"), D("80")) == D("0")
    assert effective_discount_pct(D("76"), D("80"), 5) == D("9.75")  # price and percentage add up
    assert effective_discount_pct(D("5"), D("0"), 3) == D("3")  # no list price: the percentage only
    assert effective_discount_pct(None, D("80"), 2) == D("2")


def test_a_price_below_retail_beyond_the_limit_is_refused_and_writes_nothing(store_a, stocked, seller):
    before = nothing_written()
    with pytest.raises(BusinessError) as e:
        counter_sale_create(
            actor=seller, store=store_a, lines=[{"part": stocked, "qty": 1, "unit_price": "0.01"}]
        )
    msg = e.value.message_dict["lines"][0]
    assert msg == "第1行：单价低于标准价 98.00，相当于折扣99.99%，超过您的权限（最多5%）"
    assert nothing_written() == before
    assert balance_of(store_a, stocked).on_hand == 10


def test_a_price_within_the_limit_passes_and_one_fen_more_does_not(store_a, stocked, seller):
    sale = counter_sale_create(
        actor=seller, store=store_a, lines=[{"part": stocked, "qty": 1, "unit_price": "93.10"}]
    )
    assert sale.total == D("93.10")  # exactly 5 % off 98.00
    before = nothing_written()
    with pytest.raises(BusinessError) as e:
        counter_sale_create(
            actor=seller, store=store_a, lines=[{"part": stocked, "qty": 1, "unit_price": "93.09"}]
        )
    assert "单价低于标准价 98.00，相当于折扣5.01%" in e.value.message_dict["lines"][0]
    assert nothing_written() == before


def test_a_lower_price_and_a_percentage_count_together(store_a, stocked, seller):
    before = nothing_written()
    with pytest.raises(BusinessError) as e:  # 3 % off the price and 3 % discount: 5.91 % in all
        counter_sale_create(
            actor=seller,
            store=store_a,
            lines=[{"part": stocked, "qty": 1, "unit_price": "95.06", "discount_pct": "3"}],
        )
    assert "单价低于标准价 98.00，相当于折扣5.91%" in e.value.message_dict["lines"][0]
    assert nothing_written() == before


def test_wholesale_is_judged_against_the_wholesale_price(store_a, stocked, seller, manager):
    garage = TradeCustomerFactory(store=store_a)
    before = nothing_written()
    with pytest.raises(BusinessError) as e:  # 80 is 18 % below retail but 5.88 % below wholesale (85)
        counter_sale_create(
            actor=seller,
            store=store_a,
            channel=Channel.WHOLESALE,
            customer=garage,
            lines=[{"part": stocked, "qty": 1, "unit_price": "80"}],
        )
    assert "标准价 85.00" in e.value.message_dict["lines"][0]
    assert nothing_written() == before
    sale = counter_sale_create(  # the parts manager's limit (15 %) covers it
        actor=manager,
        store=store_a,
        channel=Channel.WHOLESALE,
        customer=garage,
        lines=[{"part": stocked, "qty": 1, "unit_price": "80"}],
    )
    assert sale.status == "billed" and sale.total == D("80.00")


def test_api_refuses_a_unit_price_beyond_the_limit(store_a, stocked, seller, manager, api_for):
    before = nothing_written()
    r = api_for(seller).post(
        reverse("api-sale-list"),
        {"lines": [{"part": stocked.pk, "qty": "1", "unit_price": "0.01"}]},
        format="json",
    )
    assert r.status_code == 400, r.content
    err = r.json()["error"]
    assert err["fields"] == {
        "lines": ["第1行：单价低于标准价 98.00，相当于折扣99.99%，超过您的权限（最多5%）"]
    }
    assert nothing_written() == before
    en = api_for(seller).post(
        reverse("api-sale-list"),
        {"lines": [{"part": stocked.pk, "qty": "1", "unit_price": "0.01"}]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "unit price is below the list price 98.00" in en.json()["error"]["fields"]["lines"][0]
    assert nothing_written() == before
    ok = api_for(manager).post(
        reverse("api-sale-list"),
        {"lines": [{"part": stocked.pk, "qty": "1", "unit_price": "85"}]},
        format="json",
    )
    assert ok.status_code == 201 and ok.json()["total"] == "85.00"


def test_counter_sale_form_refuses_a_unit_price_beyond_the_limit(store_a, stocked, seller, client_for):
    c = client_for(seller)
    before = nothing_written()
    r = c.post(
        reverse("parts:sale-create"),
        {"part_no": [stocked.part_no], "qty": ["1"], "unit_price": ["0.01"]},
        follow=True,
    )
    assert r.status_code == 200
    assert "单价低于标准价 98.00，相当于折扣99.99%，超过您的权限（最多5%）" in r.content.decode()
    assert nothing_written() == before
    r = c.post(
        reverse("parts:sale-create"), {"part_no": [stocked.part_no], "qty": ["1"], "unit_price": ["95"]}
    )
    assert r.status_code == 302
    assert Sale.objects.get().total == D("95.00")
