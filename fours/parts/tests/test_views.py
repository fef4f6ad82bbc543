from decimal import Decimal as D

import pytest
from django.urls import reverse

from fours.core.roles import Role
from fours.parts.choices import ReturnKind
from fours.parts.models import Discrepancy, PurchaseOrder, Receipt, Sale, TradeCustomer
from fours.parts.services import (
    counter_sale_create,
    po_create,
    receipt_post,
    return_create,
    stock_receive,
    stocktake_create,
    writeoff_create,
)

from .factories import PartFactory, SupplierFactory, TradeCustomerFactory, pay_sale, sell

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(store_a, group, make_user):
    keeper = make_user(Role.STOREKEEPER, store_a, "k_a")
    planner = make_user(Role.PARTS_PLANNER, store_a, "pl_a")
    seller = make_user(Role.PARTS_SALES, store_a, "s_a")
    cashier = make_user(Role.CASHIER, store_a, "c_a")
    sup = SupplierFactory(group=group)
    parts = [PartFactory(group=group) for _ in range(3)]
    for p in parts:
        stock_receive(actor=keeper, store=store_a, part=p, qty=10, unit_cost=D("20"), doc=p)
    sale = sell(
        seller=seller, keeper=keeper, cashier=cashier, store=store_a, lines=[{"part": parts[0], "qty": 1}]
    )
    slip = counter_sale_create(actor=seller, store=store_a, lines=[{"part": parts[2], "qty": 1}])
    po = po_create(actor=planner, store=store_a, supplier=sup, lines=[{"part": p, "qty": 5} for p in parts])
    receipt = receipt_post(
        actor=keeper, order=po, lines=[{"po_line": po.lines.first(), "qty_noted": 5, "qty": 4}]
    )
    ret = return_create(
        actor=seller,
        store=store_a,
        kind=ReturnKind.CUSTOMER,
        sale=sale,
        reason="x",
        lines=[{"part": parts[0], "qty": 1, "condition": "defective"}],
    )
    st = stocktake_create(actor=keeper, store=store_a)
    wo = writeoff_create(
        actor=keeper,
        store=store_a,
        reason="damaged",
        lines=[{"part": parts[1], "qty": 1}],
        shares=[{"party": "company", "amount": "20"}],
    )
    return {
        "keeper": keeper,
        "planner": planner,
        "seller": seller,
        "cashier": cashier,
        "parts": parts,
        "sale": sale,
        "slip": slip,
        "po": po,
        "receipt": receipt,
        "disc": Discrepancy.objects.get(receipt=receipt),
        "ret": ret,
        "st": st,
        "wo": wo,
        "sup": sup,
    }


def detail_urls(w):
    p = w["parts"][0]
    return [
        reverse("parts:part-detail", args=[p.pk]),
        reverse("parts:stock-card", args=[p.pk]),
        reverse("parts:sale-detail", args=[w["sale"].pk]),
        reverse("parts:sale-print", args=[w["sale"].pk]),
        reverse("parts:sale-picklist", args=[w["sale"].pk]),
        reverse("parts:po-detail", args=[w["po"].pk]),
        reverse("parts:po-print", args=[w["po"].pk]),
        reverse("parts:receipt-detail", args=[w["receipt"].pk]),
        reverse("parts:discrepancy-detail", args=[w["disc"].pk]),
        reverse("parts:return-detail", args=[w["ret"].pk]),
        reverse("parts:stocktake-detail", args=[w["st"].pk]),
        reverse("parts:stocktake-sheet", args=[w["st"].pk]),
        reverse("parts:stocktake-entry", args=[w["st"].pk]),
        reverse("parts:writeoff-detail", args=[w["wo"].pk]),
        reverse("parts:supplier-detail", args=[w["sup"].pk]),
    ]


LISTS = [
    "part-list",
    "balance-list",
    "move-list",
    "sale-list",
    "plan-list",
    "po-list",
    "receipt-list",
    "discrepancy-list",
    "issue-queue",
    "tradecustomer-list",
    "tradecustomer-create",
    "demand-list",
    "transfer-list",
    "return-list",
    "stocktake-list",
    "writeoff-list",
    "supplier-list",
    "bin-list",
    "dashboard",
    "group-view",
    "price-import",
    "sale-create",
    "wholesale-create",
    "po-create",
    "transfer-create",
    "return-create",
    "stocktake-create",
    "writeoff-create",
    "part-create",
]


def test_pages_render_for_manager(world, store_a, client_for, make_user):
    mgr = make_user(Role.PARTS_MANAGER, store_a, "mgr_pages")
    c = client_for(mgr)
    for name in LISTS:
        r = c.get(reverse(f"parts:{name}"))
        assert r.status_code == 200, name
    for url in detail_urls(world):
        assert c.get(url).status_code == 200, url
    assert c.get(reverse("parts:po-print", args=[world["po"].pk]) + "?format=xlsx").status_code == 200


def test_other_store_gets_404(world, store_b, client_for, make_user, api_for):
    other = make_user(Role.PARTS_MANAGER, store_b, "mgr_b")
    c = client_for(other)
    for url in detail_urls(world)[2:-1]:  # parts and suppliers are group-wide; documents are per store
        assert c.get(url).status_code == 404, url
    api = api_for(other)
    for base, obj in (
        ("api-sale", world["sale"]),
        ("api-purchase-order", world["po"]),
        ("api-receipt", world["receipt"]),
    ):
        assert api.get(reverse(f"{base}-detail", args=[obj.pk])).status_code == 404
    assert api.get(reverse("api-move-list")).json()["count"] == 0


def test_other_group_part_404(world, client_for, make_user):
    from fours.core.tests.factories import DealerGroupFactory, StoreFactory

    outsider_store = StoreFactory(group=DealerGroupFactory(code="ZZ"))
    u = make_user(Role.PARTS_MANAGER, outsider_store, "outsider")
    assert client_for(u).get(reverse("parts:part-detail", args=[world["parts"][0].pk])).status_code == 404


@pytest.mark.parametrize("name", ["part-list", "balance-list", "move-list", "sale-list", "po-list"])
def test_list_query_counts_do_not_grow(
    world, store_a, group, client_for, make_user, django_assert_max_num_queries, name
):
    mgr = make_user(Role.PARTS_MANAGER, store_a, "mgr_q")
    c = client_for(mgr)
    c.get(reverse(f"parts:{name}"))
    for _ in range(30):
        p = PartFactory(group=group)
        stock_receive(actor=mgr, store=store_a, part=p, qty=1, unit_cost=1, doc=p)
    with django_assert_max_num_queries(16):
        assert c.get(reverse(f"parts:{name}")).status_code == 200


def test_counter_sale_through_the_form(world, store_a, client_for):
    c = client_for(world["seller"])
    p = world["parts"][2]
    r = c.post(
        reverse("parts:sale-create"),
        {"part_no": [p.part_no, ""], "qty": ["2", ""], "customer_name": "王先生"},
    )
    assert r.status_code == 302
    sale = Sale.objects.order_by("-id").first()
    assert sale.total == p.retail_price * 2 and sale.number.startswith("CS-")
    r = c.post(reverse("parts:sale-create"), {"part_no": [p.part_no], "qty": ["999"]}, follow=True)
    assert "库存不足" in r.content.decode()


def test_receive_through_the_form_with_discrepancy(world, store_a, client_for):
    po = world["po"]
    line = po.lines.order_by("id")[1]
    c = client_for(world["keeper"])
    r = c.post(
        reverse("parts:receipt-create", args=[po.pk]),
        {
            f"qty_noted_{line.pk}": "5",
            f"qty_{line.pk}": "3",
            f"qty_damaged_{line.pk}": "2",
            "delivery_note": "SH9",
        },
    )
    assert r.status_code == 302
    rc = Receipt.objects.order_by("-id").first()
    assert rc.delivery_note == "SH9" and Discrepancy.objects.get(receipt=rc).lines.count() == 1


def test_search_fragment(world, client_for):
    c = client_for(world["seller"])
    p = world["parts"][0]
    r = c.get("/parts/search/", {"q": p.part_no[:6]})
    assert r.status_code == 200 and p.part_no in r.content.decode()
    assert reverse("parts-search") == "/parts/search/"


def test_keeper_cannot_open_sale_form(world, client_for):
    assert client_for(world["keeper"]).get(reverse("parts:sale-create")).status_code == 403


def test_api_sale_create_and_validation(world, store_a, api_for):
    api = api_for(world["seller"])
    p = world["parts"][2]
    r = api.post(
        reverse("api-sale-list"),
        {"lines": [{"part": p.pk, "qty": "1"}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert r.status_code == 201, r.content
    r2 = api.post(
        reverse("api-sale-list"),
        {"lines": [{"part": p.pk, "qty": "1"}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert r2.json()["id"] == r.json()["id"]
    # the replay wrote nothing: one more slip of that part, one open item for it, awaiting payment
    from fours.finance.models import OpenItem

    assert r.json()["status"] == "billed" and r.json()["payment"] == "待付款"
    assert Sale.objects.filter(lines__part=p).count() == 2  # the world's slip and this one
    assert OpenItem.objects.filter(doc_id=r.json()["id"], doc_number=r.json()["number"]).count() == 1
    other = api.post(
        reverse("api-sale-list"),
        {"lines": [{"part": p.pk, "qty": "2"}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert other.status_code == 409, other.content  # same key, different body
    assert Sale.objects.filter(lines__part=p).count() == 2
    bad = api.post(reverse("api-sale-list"), {"lines": [{"part": p.pk, "qty": "0.5"}]}, format="json")
    assert bad.status_code == 400 and "小数" in str(bad.json()["error"]["fields"]["lines"])


def test_api_issue_waits_for_the_payment(world, store_a, api_for):
    slip = world["slip"]
    api = api_for(world["keeper"])
    r = api.post(reverse("api-sale-issue", args=[slip.pk]))
    assert r.status_code == 400 and r.json()["error"]["code"] == "not_settled"
    assert "status" in r.json()["error"]["fields"]
    assert Sale.objects.get(pk=slip.pk).status == "billed"
    pay_sale(slip, world["cashier"])
    r = api.post(reverse("api-sale-issue", args=[slip.pk]))
    assert r.status_code == 200 and r.json()["status"] == "posted" and r.json()["payment"] == "已付款"
    assert api_for(world["seller"]).post(reverse("api-sale-issue", args=[slip.pk])).status_code == 403


def test_api_receive_closed_po(world, store_a, api_for, make_user):
    from fours.parts.services import po_close

    po = world["po"]
    po_close(actor=world["planner"], po=po)
    api = api_for(world["keeper"])
    r = api.post(
        reverse("api-purchase-order-receive", args=[po.pk]),
        {"lines": [{"po_line": po.lines.last().pk, "qty": "1"}]},
        format="json",
    )
    assert r.status_code == 400 and "order" in r.json()["error"]["fields"]
    assert PurchaseOrder.objects.get(pk=po.pk).receipts.count() == 1


def test_api_list_query_counts(world, api_for, django_assert_max_num_queries, store_a, make_user):
    mgr = make_user(Role.PARTS_MANAGER, store_a, "mgr_api")
    api = api_for(mgr)
    for name in (
        "api-part-list",
        "api-balance-list",
        "api-move-list",
        "api-sale-list",
        "api-purchase-order-list",
    ):
        api.get(reverse(name))
        with django_assert_max_num_queries(10):
            assert api.get(reverse(name)).status_code == 200


def test_wholesale_customer_scoped(world, store_b, store_a, make_user, client_for):
    TradeCustomerFactory(store=store_a)
    u = make_user(Role.PARTS_SALES, store_b, "s_b")
    r = client_for(u).get(reverse("parts:wholesale-create"))
    assert r.status_code == 200 and "天河汽修厂" not in r.content.decode()


def test_the_slip_waits_at_the_desk_then_the_keeper_issues_it(world, store_a, client_for):
    slip = world["slip"]
    html = client_for(world["seller"]).get(slip.get_absolute_url()).content.decode()
    assert "待付款" in html and reverse("parts:sale-issue", args=[slip.pk]) not in html
    assert reverse("parts:sale-cancel", args=[slip.pk]) in html  # an unpaid slip may be cancelled
    keeper = client_for(world["keeper"])
    page = keeper.get(reverse("parts:issue-queue")).content.decode()
    assert slip.number not in page  # not paid: not in the storekeeper's queue
    r = keeper.post(reverse("parts:sale-issue", args=[slip.pk]), follow=True)
    assert "尚未付款" in r.content.decode() and Sale.objects.get(pk=slip.pk).status == "billed"
    pay_sale(slip, world["cashier"], method="wechat")
    page = keeper.get(reverse("parts:issue-queue")).content.decode()
    assert slip.number in page and "已付款" in page
    html = keeper.get(slip.get_absolute_url()).content.decode()
    assert reverse("parts:sale-issue", args=[slip.pk]) in html
    html = client_for(world["seller"]).get(slip.get_absolute_url()).content.decode()
    assert reverse("parts:sale-cancel", args=[slip.pk]) not in html  # paid: no cancel
    keeper = client_for(world["keeper"])
    keeper.post(reverse("parts:sale-issue", args=[slip.pk]))
    assert Sale.objects.get(pk=slip.pk).status == "posted"


def test_cancel_an_unpaid_slip_from_its_page(world, client_for):
    slip = world["slip"]
    r = client_for(world["seller"]).post(
        reverse("parts:sale-cancel", args=[slip.pk]), {"reason": "客户不要了"}, follow=True
    )
    assert "已作废" in r.content.decode() and Sale.objects.get(pk=slip.pk).status == "cancelled"


def test_trade_customers_show_the_limit_and_balance_from_finance(
    world, store_a, client_for, make_user, django_assert_max_num_queries
):
    from django.contrib.auth.models import Permission

    from fours.finance.models import Party
    from fours.finance.services import party_update

    pm = make_user(Role.PARTS_MANAGER, store_a, "pm_tc")
    mgr = client_for(pm)
    form = mgr.get(reverse("parts:tradecustomer-create")).content.decode()
    assert 'name="credit_limit"' not in form  # finance sets the terms
    r = mgr.post(reverse("parts:tradecustomer-create"), {"name": "海珠区安达汽修", "phone": "02088886666"})
    assert r.status_code == 302
    garage = TradeCustomer.objects.get(name="海珠区安达汽修")
    party = Party.objects.get(ref=f"parts.tradecustomer:{garage.pk}")
    assert (party.kind, party.credit_limit, party.store) == (
        "trade",
        0,
        store_a,
    )  # no credit until finance says
    party_update(
        actor=make_user(Role.FINANCE, store_a, "fin_tc"), party=party, credit_limit="8000", payment_days="45"
    )
    counter_sale_create(
        actor=world["seller"],
        store=store_a,
        channel="wholesale",
        customer=garage,
        terms="account",
        lines=[{"part": world["parts"][1], "qty": 2}],
    )
    mgr.get(reverse("parts:tradecustomer-list"))
    for i in range(3):
        TradeCustomerFactory(store=store_a, credit_limit=1000 * i)
    with django_assert_max_num_queries(12):
        html = mgr.get(reverse("parts:tradecustomer-list")).content.decode()
    assert "海珠区安达汽修" in html and "¥8,000.00" in html and "¥170.00" in html and "45" in html
    assert "无（先款后货）" in html
    # a user finance lets change parties edits the terms on the same form; bad input changes nothing
    pm.user_permissions.add(
        Permission.objects.get(codename="change_party", content_type__app_label="finance")
    )
    mgr = client_for(type(pm).objects.get(pk=pm.pk))
    edit = reverse("parts:tradecustomer-edit", args=[garage.pk])
    assert 'name="credit_limit"' in mgr.get(edit).content.decode()
    r = mgr.post(edit, {"name": "海珠区安达汽修", "credit_limit": "-1", "payment_days": "45"})
    assert r.status_code == 200  # refused on the form
    assert Party.objects.get(pk=party.pk).credit_limit == D("8000.00")
    r = mgr.post(edit, {"name": "海珠区安达汽修", "credit_limit": "12000", "payment_days": "60"})
    assert r.status_code == 302
    assert (Party.objects.get(pk=party.pk).credit_limit, Party.objects.get(pk=party.pk).payment_days) == (
        D("12000.00"),
        60,
    )
