"""往来单位, 账龄分析 and 对账单: balances in the list's one query, credit terms set by finance with the
field named on bad input, the ageing buckets by posting or due date as of a date, and the statement
on screen, on paper and in Excel."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from fours.core.errors import BusinessError
from fours.core.models import AuditEvent
from fours.core.roles import Role
from fours.finance.choices import Direction, PartyKind
from fours.finance.models import Party
from fours.finance.selectors.accounts import ageing, statement
from fours.finance.services import item_reverse, party_balance, party_update, payment_take

from .factories import PartyFactory, post_item

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def ago(days):
    return TODAY - dt.timedelta(days=days)


@pytest.fixture
def insurer(store_a):
    return PartyFactory(store=store_a, kind=PartyKind.INSURER, name="平安保险")


@pytest.fixture
def supplier(store_a):
    return PartyFactory(store=store_a, kind=PartyKind.SUPPLIER, name="广汽丰田配件")


# --- 往来单位 --------------------------------------------------------------------------------------


def test_party_list_shows_each_balance_in_one_query(
    client_for, finance_user, party, supplier, store_a, django_assert_max_num_queries
):
    post_item(actor=finance_user, party=party, amount="1200.00")
    payment_take(actor=finance_user, store=store_a, party=party, lines=[("cash", "200")])
    post_item(actor=finance_user, party=supplier, amount="3000.00", direction=Direction.PAYABLE)
    client = client_for(finance_user)
    client.get(reverse("finance:party-list"))  # warm the session's caches
    with django_assert_max_num_queries(12) as few:
        page = client.get(reverse("finance:party-list"))
    html = page.content.decode()
    assert "¥1,000.00" in html and "¥3,000.00" in html
    assert party_balance(party) == Decimal("1000.00")
    for n in range(30):
        p = PartyFactory(store=store_a, name=f"批发客户{n}", kind=PartyKind.TRADE)
        post_item(actor=finance_user, party=p, amount=str(100 + n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("finance:party-list"))
    assert page.status_code == 200


def test_finance_sets_the_credit_terms_with_an_audit_row(finance_user, party):
    party_update(actor=finance_user, party=party, credit_limit="20,000.00", payment_days="45")
    party.refresh_from_db()
    assert party.credit_limit == Decimal("20000.00") and party.payment_days == 45
    ev = AuditEvent.objects.get(object_id=str(party.pk), verb="updated")
    assert ev.changes["credit_limit"] == ["0.00", "20000.00"]
    party_update(actor=finance_user, party=party, credit_limit="0", payment_days="0")
    party.refresh_from_db()
    assert party.credit_limit == 0  # 0 = no credit: 先款后货


@pytest.mark.parametrize(
    "limit,days,field",
    [
        ("abc", "30", "credit_limit"),
        ("-5", "30", "credit_limit"),
        ("12.345", "30", "credit_limit"),
        ("1000", "三十", "payment_days"),
        ("1000", "-3", "payment_days"),
        ("1000", "400", "payment_days"),
        ("1000", "", "payment_days"),
    ],
)
def test_bad_credit_terms_name_the_field_and_change_nothing(finance_user, party, limit, days, field):
    before = (party.credit_limit, party.payment_days)
    with pytest.raises(BusinessError) as err:
        party_update(actor=finance_user, party=party, credit_limit=limit, payment_days=days)
    assert list(err.value.message_dict) == [field]
    assert err.value.error_code
    party.refresh_from_db()
    assert (party.credit_limit, party.payment_days) == before
    assert not AuditEvent.objects.filter(verb="updated", object_id=str(party.pk)).exists()


def test_only_finance_edits_credit_terms(make_user, store_a, party, client_for):
    cashier = make_user(Role.CASHIER, store_a, "c1")
    with pytest.raises(PermissionDenied):
        party_update(actor=cashier, party=party, credit_limit="100", payment_days="30")
    client = client_for(cashier)
    page = client.get(reverse("finance:party-detail", args=[party.pk]))
    assert page.status_code == 200 and 'name="credit_limit"' not in page.content.decode()
    assert (
        client.post(reverse("finance:party-detail", args=[party.pk]), {"credit_limit": "1"}).status_code
        == 403
    )
    party.refresh_from_db()
    assert party.credit_limit == 0


def test_the_party_page_shows_a_refusal_on_its_field(client_for, finance_user, party):
    client = client_for(finance_user)
    page = client.post(
        reverse("finance:party-detail", args=[party.pk]), {"credit_limit": "1万", "payment_days": "30"}
    )
    html = page.content.decode()
    assert page.status_code == 200 and 'data-field="credit_limit"' in html
    party.refresh_from_db()
    assert party.credit_limit == 0
    page = client.post(
        reverse("finance:party-detail", args=[party.pk]), {"credit_limit": "5000", "payment_days": "60"}
    )
    assert page.status_code == 302
    party.refresh_from_db()
    assert party.credit_limit == Decimal("5000.00") and party.payment_days == 60


def test_the_party_page_shows_its_ageing(client_for, finance_user, party):
    _aged(finance_user, party)
    html = client_for(finance_user).get(reverse("finance:party-detail", args=[party.pk])).content.decode()
    table = html.split('id="party-ageing"')[1].split("</table>")[0]
    assert [c in table for c in ("¥100.00", "¥200.00", "¥300.00", "¥400.00", "¥1,000.00")] == [True] * 5


def test_another_stores_party_is_a_404(client_for, gm_b, party):
    assert client_for(gm_b).get(reverse("finance:party-detail", args=[party.pk])).status_code == 404


# --- 账龄分析 --------------------------------------------------------------------------------------


def _aged(finance_user, party):
    """Items of ¥100, ¥200, ¥300, ¥400 posted 10, 45, 75 and 120 days ago."""
    return [
        post_item(actor=finance_user, party=party, amount=str(a), posted_on=ago(d))
        for a, d in ((100, 10), (200, 45), (300, 75), (400, 120))
    ]


def test_ageing_puts_each_open_amount_in_its_bucket(finance_user, party, store_a):
    items = _aged(finance_user, party)
    payment_take(
        actor=finance_user,
        store=store_a,
        party=party,
        lines=[("cash", "450")],
        allocations=[(items[3], "150")],
    )
    report = ageing(stores=[store_a], direction=Direction.RECEIVABLE)
    (row,) = report.rows
    assert row.buckets == [Decimal("100"), Decimal("200"), Decimal("300"), Decimal("250")]
    assert row.open == Decimal("850") and row.advance == Decimal("300")
    assert row.net == party_balance(party) == Decimal("550")
    assert report.totals == row.buckets and report.total_open == Decimal("850")


def test_bucket_edges_are_30_60_and_90_days(finance_user, party, store_a):
    for d in (0, 30, 31, 60, 61, 90, 91):
        post_item(actor=finance_user, party=party, amount="1", posted_on=ago(d))
    (row,) = ageing(stores=[store_a]).rows
    assert row.buckets == [Decimal("2"), Decimal("2"), Decimal("2"), Decimal("1")]


def test_ageing_as_of_an_earlier_date_ignores_later_items_allocations_and_reversals(
    finance_user, party, store_a
):
    items = _aged(finance_user, party)
    payment_take(
        actor=finance_user,
        store=store_a,
        party=party,
        lines=[("cash", "400")],
        allocations=[(items[3], "400")],
    )
    item_reverse(actor=finance_user, item=items[2], reason="开错")
    as_of = ago(20)  # before the 10-day-old item, the payment and the reversal
    (row,) = ageing(stores=[store_a], as_of=as_of).rows
    # as of then: the 45-day item was 25 days old, the 75-day one 55, the 120-day one 100
    assert row.buckets == [Decimal("200"), Decimal("300"), Decimal("0"), Decimal("400")]
    assert row.advance == 0
    (today,) = ageing(stores=[store_a]).rows
    assert today.buckets == [Decimal("100"), Decimal("200"), Decimal("0"), Decimal("0")]
    assert today.net == party_balance(party)


def test_ageing_by_due_date_keeps_what_is_not_due_apart(finance_user, party, store_a):
    party.payment_days = 30
    party.save()
    _aged(finance_user, party)  # due 20 days ahead, 15, 45 and 90 days overdue
    report = ageing(stores=[store_a], basis="due")
    assert [str(c) for c in report.columns][0] == "未到期"
    (row,) = report.rows
    assert row.buckets == [Decimal("100"), Decimal("200"), Decimal("300"), Decimal("400"), Decimal("0")]


def test_ageing_of_payables_and_of_insurers_alone(finance_user, party, insurer, supplier, store_a):
    post_item(actor=finance_user, party=party, amount="100", posted_on=ago(5))
    post_item(actor=finance_user, party=insurer, amount="5000", posted_on=ago(70))
    post_item(
        actor=finance_user, party=supplier, amount="800", posted_on=ago(40), direction=Direction.PAYABLE
    )
    ar = ageing(stores=[store_a], kinds=[PartyKind.INSURER])
    assert [r.name for r in ar.rows] == ["平安保险"] and ar.rows[0].buckets[2] == Decimal("5000")
    ap = ageing(stores=[store_a], direction=Direction.PAYABLE)
    assert [(r.name, r.buckets[1]) for r in ap.rows] == [("广汽丰田配件", Decimal("800"))]


def test_ageing_page_query_count_does_not_grow_with_rows(
    client_for, finance_user, store_a, django_assert_max_num_queries
):
    client = client_for(finance_user)
    first = PartyFactory(store=store_a, name="客户甲")
    _aged(finance_user, first)
    client.get(reverse("finance:ageing"))
    with django_assert_max_num_queries(12) as few:
        page = client.get(reverse("finance:ageing"))
    assert "客户甲" in page.content.decode()
    for n in range(25):
        p = PartyFactory(store=store_a, name=f"客户{n}")
        for item in _aged(finance_user, p)[:2]:
            payment_take(
                actor=finance_user, store=store_a, party=p, lines=[("cash", "50")], allocations=[(item, "50")]
            )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("finance:ageing"))
    assert page.content.decode().count("对账单") >= 26


def test_ageing_page_says_its_basis_and_links_the_party_and_its_statement(
    client_for, finance_user, insurer, store_a
):
    post_item(actor=finance_user, party=insurer, amount="5000", posted_on=ago(70))
    client = client_for(finance_user)
    html = client.get(reverse("finance:ageing") + "?kind=insurer").content.decode()
    assert "账龄按记账日期计算" in html
    assert reverse("finance:party-detail", args=[insurer.pk]) in html
    assert reverse("finance:statement", args=[insurer.pk]) in html
    assert "¥5,000.00" in html
    html = client.get(reverse("finance:ageing") + "?basis=due").content.decode()
    assert "账龄按到期日计算" in html
    claims = client.get(reverse("finance:ageing-claims")).content.decode()
    assert "保险/厂家应收" in claims and "平安保险" in claims


def test_the_collection_link_appears_once_the_desk_exists(client_for, finance_user, insurer):
    from django.urls import NoReverseMatch

    from fours.finance.views.accounts import DESK_URL

    post_item(actor=finance_user, party=insurer, amount="5000", posted_on=ago(70))
    html = client_for(finance_user).get(reverse("finance:ageing-claims")).content.decode()
    try:
        desk = reverse(DESK_URL)
    except NoReverseMatch:
        assert "?party=" not in html
    else:
        assert f"{desk}?party={insurer.pk}" in html


# --- 对账单 ----------------------------------------------------------------------------------------


def _statement_history(finance_user, party, store_a):
    post_item(actor=finance_user, party=party, amount="500", posted_on=ago(40), doc_number="RO-1")
    a = post_item(actor=finance_user, party=party, amount="300", posted_on=ago(10), doc_number="RO-2")
    post_item(actor=finance_user, party=party, amount="200", posted_on=ago(5), doc_number="RO-3")
    payment_take(
        actor=finance_user,
        store=store_a,
        party=party,
        lines=[("wechat", "350")],
        allocations=[(a, "300")],
        business_date=ago(3),
    )


def test_statement_runs_the_balance_from_opening_to_closing(finance_user, party, store_a):
    _statement_history(finance_user, party, store_a)
    st = statement(party=party, direction=Direction.RECEIVABLE, date_from=ago(20), date_to=TODAY)
    assert st.opening == Decimal("500")
    assert [(ln.number, ln.debit, ln.credit, ln.balance) for ln in st.lines] == [
        ("RO-2", Decimal("300"), 0, Decimal("800")),
        ("RO-3", Decimal("200"), 0, Decimal("1000")),
        (st.lines[2].number, 0, Decimal("350"), Decimal("650")),
    ]
    assert st.lines[2].number.startswith("SK-") and "RO-2" in st.lines[2].detail
    assert st.closing == Decimal("650") == party_balance(party)
    whole = statement(party=party, direction=Direction.RECEIVABLE, date_from=ago(100), date_to=TODAY)
    assert whole.opening == 0 and whole.closing == st.closing


def test_statement_page_print_and_excel(client_for, finance_user, party, store_a):
    _statement_history(finance_user, party, store_a)
    client = client_for(finance_user)
    q = f"?direction=ar&date_from={ago(20).isoformat()}&date_to={TODAY.isoformat()}"
    page = client.get(reverse("finance:statement", args=[party.pk]) + q)
    html = page.content.decode()
    assert "期初余额" in html and "¥500.00" in html and "¥650.00" in html
    printed = client.get(reverse("finance:statement-print", args=[party.pk]) + q).content.decode()
    assert "print-doc" in printed and "print.css" in printed and "往来对账单" in printed
    resp = client.get(reverse("finance:statement-xlsx", args=[party.pk]) + q)
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(BytesIO(resp.content)).active
    rows = [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]
    header = rows.index(next(r for r in rows if r[0] == "日期"))
    body = rows[header + 1 :]
    assert body[0][2] == "期初余额" and Decimal(str(body[0][5])) == Decimal("500")
    assert [r[1] for r in body[1:3]] == ["RO-2", "RO-3"]
    assert body[-1][2] == "期末余额" and Decimal(str(body[-1][5])) == Decimal("650")
    assert Decimal(str(body[-1][3])) == Decimal("500") and Decimal(str(body[-1][4])) == Decimal("350")


def test_statement_of_another_store_is_a_404(client_for, gm_b, party):
    assert client_for(gm_b).get(reverse("finance:statement", args=[party.pk])).status_code == 404
    assert Party.objects.count() == 1


def test_the_ageing_exports_to_excel_with_its_totals(client_for, finance_user, party, insurer, store_a):
    _aged(finance_user, party)
    post_item(actor=finance_user, party=insurer, amount="5000", posted_on=ago(70))
    resp = client_for(finance_user).get(reverse("finance:ageing") + "?_export=xlsx")
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(resp.content)).active.iter_rows(values_only=True))
    assert rows[2][:6] == ("往来单位", "类型", "0–30天", "31–60天", "61–90天", "90天以上")
    body = {r[0]: r for r in rows[3:]}
    assert [Decimal(str(v)) for v in body["张伟"][2:6]] == [100, 200, 300, 400]
    assert Decimal(str(body["平安保险"][4])) == 5000
    assert Decimal(str(body["合计"][6])) == Decimal("6000")


def test_a_group_ageing_names_each_partys_store(make_user, finance_user, party, store_a, store_b, gm_b):
    other = PartyFactory(store=store_b, name="张伟")  # the same name in the other store
    post_item(actor=finance_user, party=party, amount="100", posted_on=ago(3))
    post_item(actor=gm_b, party=other, amount="200", posted_on=ago(3))
    report = ageing(stores=[store_a, store_b])
    assert report.several_stores
    assert sorted((r.store, r.open) for r in report.rows) == [
        ("门店A", Decimal("100")),
        ("门店B", Decimal("200")),
    ]
    assert ageing(stores=[store_a]).rows[0].store == ""
