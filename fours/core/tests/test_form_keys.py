"""No double posting from the pages: a form posted twice with its one-time key (``_once``) posts once
and the second answer is the first one (the redirect to the result, its message again and the note
"已处理，未重复提交"). A page shown again with its errors releases the key; a key sent with other
contents is refused and writes nothing; a POST without a key runs as before."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal as D

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.urls import reverse

from fours.core.models import AuditEvent, IdempotencyRecord
from fours.core.roles import Role
from fours.finance.models import Payment as FinancePayment
from fours.finance.tests.factories import PartyFactory, post_item
from fours.parts.models import Sale, StockMove
from fours.parts.services import stock_receive
from fours.parts.tests.factories import PartFactory

KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def shop(store_a, group, make_user):
    seller = make_user(Role.PARTS_SALES, store_a, "once_seller")
    keeper = make_user(Role.STOREKEEPER, store_a, "once_keeper")
    part = PartFactory(group=group)
    stock_receive(actor=keeper, store=store_a, part=part, qty=10, unit_cost=D("20"), doc=part)
    return {"seller": seller, "part": part, "store": store_a}


def _sale(shop, qty="1", key=KEY, **extra):
    data = {"part_no": [shop["part"].part_no], "qty": [qty], "customer_name": "王先生", **extra}
    if key:
        data["_once"] = key
    return data


def _messages(resp):
    return [str(m) for m in get_messages(resp.wsgi_request)]


@pytest.mark.django_db
def test_a_counter_sale_posted_twice_with_its_key_is_one_sale_and_the_same_answer(shop, client_for):
    c = client_for(shop["seller"])
    url = reverse("parts:sale-create")
    first = c.post(url, _sale(shop))
    assert first.status_code == 302
    sale = Sale.objects.get()
    assert first["Location"] == sale.get_absolute_url()
    slip = f"已开单 {sale.number}，请客户到收银台付款"
    assert _messages(first) == [slip]
    moves = StockMove.objects.count()  # none yet: the slip reserves, the storekeeper issues once paid
    audits = AuditEvent.objects.count()
    assert c.get(first["Location"]).status_code == 200  # the browser follows: the message is shown

    second = c.post(url, _sale(shop))  # a resubmit
    assert (second.status_code, second["Location"]) == (first.status_code, first["Location"])
    assert second["Idempotent-Replayed"] == "true"
    assert Sale.objects.count() == 1
    assert StockMove.objects.count() == moves and AuditEvent.objects.count() == audits
    assert _messages(second) == [slip, "已处理，未重复提交"]
    page = c.get(second["Location"]).content.decode()
    assert "已处理，未重复提交" in page and sale.number in page


@pytest.mark.django_db
def test_a_desk_payment_posted_twice_with_its_key_is_one_payment(store_a, make_user, client_for):
    cashier = make_user(Role.CASHIER, store_a, "once_cashier")
    party = PartyFactory(store=store_a, name="李女士")
    item = post_item(actor=cashier, party=party, amount="300.00")
    c = client_for(cashier)
    url = reverse("finance:desk-pay")
    data = {"items": [str(item.pk)], f"alloc_{item.pk}": "100.00", "amount_cash": "100", "_once": KEY}
    first = c.post(url, data)
    second = c.post(url, data)
    assert first.status_code == 302 and any("已收款" in m for m in _messages(first))
    assert (second.status_code, second["Location"]) == (first.status_code, first["Location"])
    assert FinancePayment.objects.filter(party=party).count() == 1
    item.refresh_from_db()
    assert item.allocated == D("100.00")
    # a new key is a new payment: the key protects against a repeat, not against paying twice
    assert c.post(url, {**data, "_once": "f" * 32}).status_code == 302
    item.refresh_from_db()
    assert FinancePayment.objects.filter(party=party).count() == 2 and item.allocated == D("200.00")


@pytest.mark.django_db
def test_a_post_without_a_key_runs_every_time(shop, client_for):
    c = client_for(shop["seller"])
    for _ in range(2):
        assert c.post(reverse("parts:sale-create"), _sale(shop, key=None)).status_code == 302
    assert Sale.objects.count() == 2 and not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_a_form_shown_again_with_its_errors_releases_the_key(shop, client_for):
    c = client_for(shop["seller"])
    url = reverse("parts:sale-create")
    refused = c.post(url, _sale(shop, qty="999"))
    assert refused.status_code == 200 and "库存不足" in refused.content.decode()
    assert not IdempotencyRecord.objects.exists() and not Sale.objects.exists()
    # the clerk corrects the quantity on the same page and sends it with the same key: it posts
    assert c.post(url, _sale(shop, qty="1")).status_code == 302
    assert Sale.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_other_contents_is_refused_and_writes_nothing(shop, client_for):
    c = client_for(shop["seller"])
    url = reverse("parts:sale-create")
    assert c.post(url, _sale(shop, qty="1")).status_code == 302
    moves = StockMove.objects.count()
    other = c.post(url, _sale(shop, qty="2"))
    assert other.status_code == 409 and "这个表单已经提交过" in other.content.decode()
    assert Sale.objects.count() == 1 and StockMove.objects.count() == moves


@pytest.mark.django_db
def test_a_key_is_per_user(shop, client_for, make_user):
    other = make_user(Role.PARTS_SALES, shop["store"], "once_seller2")
    c = Client()
    c.force_login(shop["seller"])
    assert c.post(reverse("parts:sale-create"), _sale(shop)).status_code == 302
    c.force_login(other)
    assert c.post(reverse("parts:sale-create"), _sale(shop)).status_code == 302
    assert Sale.objects.count() == 2


@pytest.mark.django_db
def test_a_refused_step_that_raises_leaves_no_key(shop, client_for):
    """A 404 or 403 is no answer to keep: the claim is rolled back with the request."""
    c = client_for(shop["seller"])
    assert c.post(reverse("parts:sale-post", args=[999999]), {"_once": KEY}).status_code == 404
    assert c.post(reverse("parts:po-create"), {"_once": KEY}).status_code == 403
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_an_htmx_post_keeps_its_fragment(store_a, group, make_user, client_for):
    """显示完整 (an htmx post writing an audit line): the repeat gets the same fragment, one audit."""
    from fours.customers.services import customer_create

    advisor = make_user(Role.SERVICE_ADVISOR, store_a, "once_adv")
    customer = customer_create(actor=advisor, store=store_a, data={"name": "周敏", "mobile": "13912340005"})
    c = client_for(advisor)
    url = reverse("customers:customer-reveal", args=[customer.pk])
    audits = AuditEvent.objects.count()
    first = c.post(url, {"_once": KEY}, HTTP_HX_REQUEST="true")
    assert first.status_code == 200 and "13912340005" in first.content.decode()
    second = c.post(url, {"_once": KEY}, HTTP_HX_REQUEST="true")
    assert second["Idempotent-Replayed"] == "true" and second.content == first.content
    assert AuditEvent.objects.count() == audits + 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_once_post_one_sale_on_postgresql(shop):
    if connection.vendor != "postgresql":
        pytest.skip("the second waits on the key's unique index: proven on PostgreSQL")
    url = reverse("parts:sale-create")

    def post(_):
        from django.db import connection as conn

        try:
            c = Client()
            c.force_login(shop["seller"])
            r = c.post(url, _sale(shop))
            return r.status_code, r["Location"]
        finally:
            conn.close()

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(post, range(2)))
    sale = Sale.objects.get()
    assert answers == [(302, sale.get_absolute_url())] * 2
    assert IdempotencyRecord.objects.filter(user=shop["seller"], key=f"form:{KEY}").count() == 1
