"""The finance API: parties with their balances, open items with filters, payments with lines and
allocations (and a receipt taken through the money door, idempotent, refused whole on bad input), day
closes, voucher exports and the vouchers of a date range; store scoping (another store's row is a 404),
role permissions, and list query counts that do not grow with the rows."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from fours.core.roles import Role
from fours.finance.choices import Direction, ItemSource, PartyKind
from fours.finance.models import Allocation, DayClose, OpenItem, Payment, VoucherExport
from fours.finance.services import payment_take, voucher_export

from .factories import PartyFactory, post_item

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def books(finance_user, party, store_a):
    """张伟 owes a settlement of ¥1,130 and a counter sale of ¥226 (paid in part); a supplier is owed ¥565."""
    ro = post_item(
        actor=finance_user,
        party=party,
        amount="1130",
        tax_amount=D("130"),
        doc_number="RO-2026-000001",
        source=ItemSource.RO_CUSTOMER,
    )
    sale = post_item(
        actor=finance_user, party=party, amount="226", source=ItemSource.COUNTER_SALE, doc_number="LS-1"
    )
    supplier = PartyFactory(store=store_a, kind=PartyKind.SUPPLIER, name="配件供应商")
    po = post_item(
        actor=finance_user,
        party=supplier,
        amount="565",
        direction=Direction.PAYABLE,
        source=ItemSource.PURCHASE,
    )
    pay = payment_take(
        actor=finance_user,
        store=store_a,
        party=party,
        lines=[("cash", "100"), ("wechat", "50")],
        allocations=[(sale, "150")],
    )
    return {"ro": ro, "sale": sale, "po": po, "supplier": supplier, "pay": pay}


@pytest.fixture
def fin_b(make_user, store_b):
    return make_user(Role.FINANCE, store_b, "finance_b")


def test_parties_list_and_detail_carry_the_balance(api_for, finance_user, books, party):
    api = api_for(finance_user)
    r = api.get(reverse("api-finance-party-list"))
    assert r.status_code == 200
    rows = {p["name"]: p for p in r.json()["results"]}
    assert D(rows["张伟"]["ar_balance"]) == D("1206.00")  # 1130 + 226 − 150
    assert D(rows["配件供应商"]["ap_balance"]) == D("565.00")
    r = api.get(reverse("api-finance-party-detail", args=[party.pk]))
    assert r.status_code == 200 and D(r.json()["ar_balance"]) == D("1206.00")
    r = api.get(reverse("api-finance-party-list"), {"kind": "supplier"})
    assert [p["name"] for p in r.json()["results"]] == ["配件供应商"]


def test_open_items_filter_by_party_direction_status_source_and_date(api_for, finance_user, books, party):
    api = api_for(finance_user)
    url = reverse("api-finance-open-item-list")
    get = lambda **q: {i["doc_number"] or i["source"] for i in api.get(url, q).json()["results"]}  # noqa: E731
    assert get() == {"RO-2026-000001", "LS-1", "purchase"}
    assert get(direction="ap") == {"purchase"}
    assert get(party=party.pk) == {"RO-2026-000001", "LS-1"}
    assert get(status="partial") == {"LS-1"}
    assert get(source="ro_customer") == {"RO-2026-000001"}
    today = timezone.localdate().isoformat()
    assert len(get(posted_on_after=today, posted_on_before=today)) == 3
    assert get(posted_on_before="2000-01-01") == set()
    item = api.get(reverse("api-finance-open-item-detail", args=[books["sale"].pk])).json()
    assert D(item["open_amount"]) == D("76.00") and item["exported"] is False
    assert api.get(url, {"direction": "sideways"}).status_code == 400


def test_payment_detail_has_its_lines_and_allocations(api_for, finance_user, books):
    r = api_for(finance_user).get(reverse("api-finance-payment-detail", args=[books["pay"].pk]))
    body = r.json()
    assert r.status_code == 200 and body["number"] == books["pay"].number
    assert [(ln["method"], D(ln["amount"])) for ln in body["lines"]] == [
        ("cash", D("100")),
        ("wechat", D("50")),
    ]
    assert [(a["doc_number"], D(a["amount"])) for a in body["allocations"]] == [("LS-1", D("150"))]
    api = api_for(finance_user)
    url = reverse("api-finance-payment-list")
    today = timezone.localdate().isoformat()
    assert (
        len(
            api.get(url, {"direction": "ar", "kind": "receipt", "business_date_after": today}).json()[
                "results"
            ]
        )
        == 1
    )
    assert api.get(url, {"business_date_before": "2000-01-01"}).json()["results"] == []
    assert api.get(url, {"kind": "refund"}).json()["results"] == []


def test_a_receipt_is_taken_through_the_money_door(api_for, make_user, store_a, books, party):
    cashier = make_user(Role.CASHIER, store_a, "cashier_api")
    api = api_for(cashier)
    body = {
        "party": party.pk,
        "lines": [
            {"method": "transfer", "amount": "1000.00", "reference": "B-778"},
            {"method": "cash", "amount": "200"},
        ],
        "allocations": [{"item": books["ro"].pk, "amount": "1130"}],
        "note": "结清",
    }
    r = api.post(reverse("api-finance-payment-list"), body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    assert r.status_code == 201, r.content
    pay = Payment.objects.get(pk=r.json()["id"])
    assert pay.amount == D("1200.00") and pay.allocated == D("1130.00") and pay.cashier == cashier
    books["ro"].refresh_from_db()
    assert books["ro"].status == "settled"
    assert D(r.json()["unallocated"]) == D("70.00") and len(r.json()["lines"]) == 2
    again = api.post(reverse("api-finance-payment-list"), body, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == pay.pk and Payment.objects.count() == 2


@pytest.mark.parametrize(
    "change, field",
    [
        ({"lines": [{"method": "cash", "amount": "12.345"}]}, "lines.0.amount"),
        ({"lines": [{"method": "cash", "amount": "-5"}]}, "lines.0.amount"),
        ({"lines": [{"method": "cash", "amount": "abc"}]}, "lines.0.amount"),
        ({"lines": [{"method": "cheque", "amount": "5"}]}, "lines[0].method"),
        ({"lines": []}, "lines"),
        ({"allocations": [{"item": 0, "amount": "5"}]}, "allocations[0].item"),
        ({"allocations": [{"item": "ro", "amount": "2000"}]}, "allocations.0.amount"),
        ({"allocations": [{"item": "po", "amount": "5"}]}, "allocations.0.item"),
        ({"business_date": "2999-01-01"}, "business_date"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_saved(
    api_for, finance_user, books, party, change, field
):
    body = {"party": party.pk, "lines": [{"method": "cash", "amount": "2000"}], "allocations": []}
    body.update(change)
    for a in body["allocations"]:
        if isinstance(a["item"], str):
            a["item"] = books[a["item"]].pk
    before = (
        Payment.objects.count(),
        Allocation.objects.count(),
        list(OpenItem.objects.values_list("allocated")),
    )
    r = api_for(finance_user).post(reverse("api-finance-payment-list"), body, format="json")
    assert r.status_code == 400, r.content
    fields = r.json()["error"]["fields"]
    assert any(k == field or k.startswith(field + ".") for k in fields), fields
    after = (
        Payment.objects.count(),
        Allocation.objects.count(),
        list(OpenItem.objects.values_list("allocated")),
    )
    assert after == before


def test_another_stores_rows_are_404_and_its_party_cannot_be_paid(api_for, fin_b, books, party):
    api = api_for(fin_b)
    for name, pk in [
        ("api-finance-party-detail", party.pk),
        ("api-finance-open-item-detail", books["ro"].pk),
        ("api-finance-payment-detail", books["pay"].pk),
    ]:
        assert api.get(reverse(name, args=[pk])).status_code == 404, name
    assert api.get(reverse("api-finance-payment-list")).json()["results"] == []
    assert api.get(reverse("api-finance-open-item-list")).json()["results"] == []
    r = api.post(
        reverse("api-finance-payment-list"),
        {"party": party.pk, "lines": [{"method": "cash", "amount": "10"}]},
        format="json",
    )
    assert r.status_code == 404 and Payment.objects.count() == 1


def test_roles_decide_what_the_api_allows(api_for, make_user, store_a, books, party):
    keeper = make_user(Role.STOREKEEPER, store_a, "keeper_api")  # may look at open items only
    api = api_for(keeper)
    assert api.get(reverse("api-finance-open-item-list")).status_code == 200
    assert api.get(reverse("api-finance-payment-list")).status_code == 403
    r = api.post(
        reverse("api-finance-payment-list"),
        {"party": party.pk, "lines": [{"method": "cash", "amount": "1"}]},
        format="json",
    )
    assert r.status_code == 403 and Payment.objects.count() == 1
    gm = make_user(Role.GENERAL_MANAGER, store_a, "gm_api")
    assert api_for(gm).get(reverse("api-finance-voucher-list")).status_code == 200
    r = api_for(gm).post(
        reverse("api-finance-payment-list"),
        {"party": party.pk, "lines": [{"method": "cash", "amount": "1"}]},
        format="json",
    )
    assert r.status_code == 403


def test_day_closes_are_listed_per_store(api_for, finance_user, fin_b, store_a, store_b):
    DayClose.objects.create(store=store_a, business_date=timezone.localdate(), totals={"cash": "100.00"})
    DayClose.objects.create(store=store_b, business_date=timezone.localdate(), totals={})
    rows = api_for(finance_user).get(reverse("api-finance-day-close-list")).json()["results"]
    assert [(r["store"], r["totals"]) for r in rows] == [(store_a.code, {"cash": "100.00"})]


def test_vouchers_list_exports_and_give_the_rows_of_a_range(api_for, finance_user, fin_b, store_a, books):
    api = api_for(finance_user)
    day = timezone.localdate().isoformat()
    rows = api.get(reverse("api-finance-voucher-rows"), {"date_from": day, "date_to": day})
    assert rows.status_code == 200
    vouchers = rows.json()
    assert len(vouchers) == 4 and all(D(v["debit"]) == D(v["credit"]) for v in vouchers)
    ro = next(v for v in vouchers if v["doc_number"] == "RO-2026-000001")
    assert [(ln["account_code"], ln["debit"], ln["credit"]) for ln in ro["lines"]] == [
        ("1122", "1130.00", "0.00"),
        ("600101", "0.00", "1000.00"),
        ("22210102", "0.00", "130.00"),
    ]
    exp = voucher_export(actor=finance_user, store=store_a, date_from=day, date_to=day, format="kingdee")
    assert (
        api.get(
            reverse("api-finance-voucher-rows"), {"date_from": day, "date_to": day, "pending": "true"}
        ).json()
        == []
    )
    assert len(api.get(reverse("api-finance-voucher-rows"), {"date_from": day, "date_to": day}).json()) == 4
    listed = api.get(reverse("api-finance-voucher-list")).json()["results"]
    assert [(e["id"], e["vouchers"], e["debit"]) for e in listed] == [(exp.pk, 4, f"{exp.debit:.2f}")]
    assert api_for(fin_b).get(reverse("api-finance-voucher-detail", args=[exp.pk])).status_code == 404
    bad = api.get(reverse("api-finance-voucher-rows"), {"date_from": day, "date_to": "2000-01-01"})
    assert bad.status_code == 400 and "date_to" in bad.json()["error"]["fields"]
    assert api.get(reverse("api-finance-voucher-rows"), {"date_from": "x", "date_to": day}).status_code == 400
    assert VoucherExport.objects.count() == 1


def _more(finance_user, store_a, n):
    for i in range(n):
        p = PartyFactory(store=store_a)
        item = post_item(actor=finance_user, party=p, amount="10", doc_number=f"X-{i}")
        payment_take(
            actor=finance_user,
            store=store_a,
            party=p,
            lines=[("cash", "5"), ("card", "5")],
            allocations=[(item, "10")],
        )
    DayClose.objects.create(
        store=store_a, business_date=timezone.localdate() - timezone.timedelta(days=n), totals={}
    )


@pytest.mark.parametrize(
    "name",
    [
        "api-finance-party-list",
        "api-finance-open-item-list",
        "api-finance-payment-list",
        "api-finance-day-close-list",
        "api-finance-voucher-list",
    ],
)
def test_list_query_counts_do_not_grow_with_the_rows(
    api_for, finance_user, store_a, books, django_assert_max_num_queries, name
):
    api = api_for(finance_user)
    _more(finance_user, store_a, 1)
    api.get(reverse(name))
    with django_assert_max_num_queries(8) as few:
        assert api.get(reverse(name)).status_code == 200
    _more(finance_user, store_a, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api.get(reverse(name)).status_code == 200
