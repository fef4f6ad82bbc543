"""Vouchers (凭证) from the ledger: every voucher balances to the fen whatever the documents; a sale, a
purchase, a receipt, a refund and the reversals land on the mapped accounts; the Kingdee and Yonyou files
read back with openpyxl; exported rows are marked and exported once unless 重新导出; the mapping is
finance's to edit and a bad code names its field."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fours.core.choices import DepartmentKind
from fours.core.errors import BusinessError
from fours.core.models import AuditEvent
from fours.core.roles import Role
from fours.finance.choices import AccountKey, Direction, ItemSource, Method, PartyKind, VoucherFormat
from fours.finance.models import AccountMapping, Allocation, OpenItem, Payment, VoucherExport
from fours.finance.selectors.vouchers import account_map, own_allocations, vouchers_between
from fours.finance.services import (
    accounts_set,
    advance_allocate,
    advance_of,
    export_file,
    item_reverse,
    payment_refund,
    payment_reverse,
    payment_take,
    voucher_export,
)
from fours.finance.services.vouchers import KINGDEE_COLUMNS, KINGDEE_SHEET, YONYOU_COLUMNS

from .factories import PartyFactory, post_item

pytestmark = pytest.mark.django_db
D = Decimal


def _today():
    return timezone.localdate()


def _lines(v):
    """A voucher's lines as (code, debit, credit) to compare."""
    return [(ln.code, ln.debit, ln.credit) for ln in v.lines]


@pytest.fixture
def supplier(store_a):
    return PartyFactory(store=store_a, kind=PartyKind.SUPPLIER, name="广州配件供应商")


def _sale(finance_user, party, amount="1130.00", tax="130.00", cost="600.00", **kw):
    return post_item(
        actor=finance_user,
        party=party,
        amount=amount,
        tax_amount=D(tax),
        net_amount=D(amount) - D(tax),
        cost_amount=D(cost),
        source=kw.pop("source", ItemSource.RO_CUSTOMER),
        doc_number=kw.pop("doc_number", "RO-2026-000001"),
        **kw,
    )


# --- the rules, one known case each --------------------------------------------------------------


def test_a_sale_and_its_receipt_land_on_the_default_accounts(finance_user, party, store_a):
    item = _sale(finance_user, party)
    pay = payment_take(
        actor=finance_user,
        store=store_a,
        party=party,
        lines=[("cash", "500"), ("wechat", "700", "WX123")],
        allocations=[(item, "1130.00")],
    )
    sale, receipt = vouchers_between(store_a, _today(), _today())
    assert sale.source == "item" and receipt.source == "payment"
    assert _lines(sale) == [
        ("1122", D("1130.00"), 0),
        ("600101", 0, D("1000.00")),
        ("22210102", 0, D("130.00")),
        ("640101", D("600.00"), 0),
        ("1405", 0, D("600.00")),
    ]
    assert sale.lines[0].customer == (f"P{party.pk:06d}", "张伟")
    assert _lines(receipt) == [
        ("1001", D("500.00"), 0),
        ("1002", D("700.00"), 0),
        ("1122", 0, D("1130.00")),
        ("2203", 0, D("70.00")),
    ]
    assert receipt.lines[1].reference == "WX123" and pay.number in receipt.summary
    assert (sale.number, receipt.number) == (1, 2)
    assert all(v.balanced for v in (sale, receipt))


def test_a_purchase_is_stock_and_input_vat_against_the_payable(finance_user, supplier, store_a):
    post_item(
        actor=finance_user,
        party=supplier,
        amount="565.00",
        tax_amount=D("65.00"),
        direction=Direction.PAYABLE,
        source=ItemSource.PURCHASE,
        department=DepartmentKind.PARTS,
    )
    (v,) = vouchers_between(store_a, _today(), _today())
    assert _lines(v) == [("1405", D("500.00"), 0), ("22210101", D("65.00"), 0), ("2202", 0, D("565.00"))]
    assert v.lines[2].supplier[1] == "广州配件供应商"


def test_a_supplier_payment_mirrors_a_receipt(finance_user, supplier, store_a):
    item = post_item(
        actor=finance_user,
        party=supplier,
        amount="300",
        direction=Direction.PAYABLE,
        source=ItemSource.PURCHASE,
    )
    payment_take(
        actor=finance_user,
        store=store_a,
        party=supplier,
        direction=Direction.PAYABLE,
        lines=[("transfer", "350")],
        allocations=[(item, "300")],
    )
    pay = vouchers_between(store_a, _today(), _today())[1]
    assert _lines(pay) == [("2202", D("300.00"), 0), ("1123", D("50.00"), 0), ("1002", 0, D("350.00"))]


def test_revenue_follows_the_department_and_internal_and_staff_debtors(finance_user, party, store_a):
    _sale(
        finance_user, party, "226", "26", "0", department=DepartmentKind.PARTS, source=ItemSource.COUNTER_SALE
    )
    _sale(finance_user, party, "100", "0", "0", source=ItemSource.RO_INTERNAL)
    _sale(finance_user, party, "50", "0", "0", source=ItemSource.STAFF_CHARGE)
    parts, internal, staff = vouchers_between(store_a, _today(), _today())
    assert _lines(parts) == [
        ("1122", D("226.00"), 0),
        ("600102", 0, D("200.00")),
        ("22210102", 0, D("26.00")),
    ]
    assert internal.lines[0].code == "6602" and staff.lines[0].code == "1221"


def test_a_refund_is_the_opposite_flow_and_a_reversal_is_red_letter(finance_user, party, store_a):
    item = _sale(finance_user, party)
    pay = payment_take(
        actor=finance_user, store=store_a, party=party, lines=[("cash", "1200")], allocations=[(item, "1130")]
    )
    item_reverse(actor=finance_user, item=item, reason="反结算")
    rev = payment_reverse(actor=finance_user, payment=pay, reason="收错")
    payment_take(actor=finance_user, store=store_a, party=party, lines=[("cash", "100")])
    payment_refund(actor=finance_user, store=store_a, party=party, lines=[("cash", "50")], reason="多收")
    vouchers = vouchers_between(store_a, _today(), _today())
    by_source = {(v.source, v.source_id): v for v in vouchers}
    refund = next(v for v in vouchers if "退款" in v.summary)
    assert _lines(refund) == [("2203", D("50.00"), 0), ("1001", 0, D("50.00"))]
    red_item = by_source[("item", OpenItem.objects.get(reversal_of=item).pk)]
    # the same accounts on the same sides as the sale, with negative amounts
    assert _lines(red_item) == [
        ("1122", D("-1130.00"), 0),
        ("600101", 0, D("-1000.00")),
        ("22210102", 0, D("-130.00")),
        ("640101", D("-600.00"), 0),
        ("1405", 0, D("-600.00")),
    ]
    assert red_item.summary.startswith("冲销")
    red_pay = by_source[("payment", rev.pk)]
    assert [ln.code for ln in red_pay.lines] == ["1001", "2203"]  # the sale's reversal freed the allocation
    assert red_pay.lines[0].debit == D("-1200.00") and red_pay.lines[1].credit == D("-1200.00")
    assert all(v.balanced for v in vouchers)


# --- every voucher balances: many random documents ------------------------------------------------

money = st.integers(min_value=1, max_value=9_999_999).map(lambda n: Decimal(n) / 100)
sources = st.sampled_from(list(ItemSource))
departments = st.sampled_from([DepartmentKind.SERVICE, DepartmentKind.PARTS, DepartmentKind.SALES])
methods = st.sampled_from(list(Method))
op = st.one_of(
    st.tuples(st.just("item"), st.booleans(), sources, departments, money, money, money, money),
    st.tuples(
        st.just("pay"),
        st.booleans(),
        st.lists(st.tuples(methods, money), min_size=1, max_size=3),
        st.booleans(),
    ),
    st.tuples(st.just("refund"), st.booleans(), money),
    st.tuples(st.just("reverse_item"), st.integers(min_value=0)),
    st.tuples(st.just("reverse_pay"), st.integers(min_value=0)),
    st.tuples(st.just("advance"), st.integers(min_value=0)),
)


class _Rollback(Exception):
    pass


def _run(op_, actor, store, parties, items, pays):
    kind = op_[0]
    if kind == "item":
        _k, ap, source, dept, amount, tax, net, cost = op_
        tax = min(tax, amount)  # VAT never above the amount; net and cost as random as they come
        items.append(
            post_item(
                actor=actor,
                party=parties[ap],
                amount=amount,
                tax_amount=tax,
                net_amount=net,
                cost_amount=cost,
                direction=Direction.PAYABLE if ap else Direction.RECEIVABLE,
                source=ItemSource.PURCHASE if ap else source,
                department=dept,
            )
        )
    elif kind == "pay":
        _k, ap, lines, allocate = op_
        party, direction = parties[ap], Direction.PAYABLE if ap else Direction.RECEIVABLE
        total = sum(a for _m, a in lines)
        allocations, left = [], total
        if allocate:
            for i in OpenItem.objects.filter(party=party, direction=direction, amount__gt=0).order_by("pk"):
                take = min(i.open_amount, left)
                if take > 0:
                    allocations.append((i, take))
                    left -= take
        pays.append(
            payment_take(
                actor=actor,
                store=store,
                party=party,
                direction=direction,
                lines=lines,
                allocations=allocations,
            )
        )
    elif kind == "refund":
        _k, ap, amount = op_
        party = parties[ap]
        direction = Direction.PAYABLE if ap else Direction.RECEIVABLE
        payment_refund(
            actor=actor, store=store, party=party, direction=direction, lines=[("cash", amount)], reason="退"
        )
    elif kind == "reverse_item" and items:
        item_reverse(actor=actor, item=items[op_[1] % len(items)], reason="冲")
    elif kind == "reverse_pay" and pays:
        payment_reverse(actor=actor, payment=pays[op_[1] % len(pays)], reason="冲")
    elif kind == "advance" and items:
        advance_allocate(actor=actor, item=items[op_[1] % len(items)])


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=st.lists(op, min_size=1, max_size=14))
def test_every_voucher_balances_whatever_the_documents(ops, finance_user, store_a):
    try:
        with transaction.atomic():
            parties = [
                PartyFactory(store=store_a, kind=PartyKind.CUSTOMER),
                PartyFactory(store=store_a, kind=PartyKind.SUPPLIER),
            ]
            items, pays = [], []
            for o in ops:
                try:
                    with transaction.atomic():
                        _run(o, finance_user, store_a, parties, items, pays)
                except BusinessError:
                    pass  # a refusal the ledger makes (over-refund, already reversed…): nothing written
            vouchers = vouchers_between(store_a, _today(), _today(), pending=False)
            own = set()
            for p in Payment.objects.filter(store=store_a).prefetch_related("allocations"):
                own |= {a.pk for a in own_allocations(p)}
            later = Allocation.objects.filter(store=store_a).exclude(pk__in=own).exclude(amount=0).count()
            n_rows = (
                OpenItem.objects.filter(store=store_a).count() + Payment.objects.filter(store=store_a).count()
            )
            assert len(vouchers) == n_rows + later
            # the vouchers keep the ledger: per party, the receivable (payable) accounts hold its items less
            # its allocations, the advance accounts what it paid beyond them
            net = {k: D("0") for k in AccountKey.values}
            for v in vouchers:
                for ln in v.lines:
                    net[ln.key] += ln.debit - ln.credit
            customer, supplier = parties

            def owed(party):
                items = OpenItem.objects.filter(party=party).values_list("amount", flat=True)
                allocs = Allocation.objects.filter(item__party=party).values_list("amount", flat=True)
                return sum(items, D("0")) - sum(allocs, D("0"))

            assert net["receivable"] + net["internal"] + net["other_receivable"] == owed(customer)
            # (a SQLite SUM of decimals is a float: the ledger's advance is rounded to the fen here)
            assert -net["advance_received"] == advance_of(customer).quantize(D("0.01"))
            assert -net["payable"] == owed(supplier)
            assert net["advance_paid"] == advance_of(supplier, Direction.PAYABLE).quantize(D("0.01"))
            for v in vouchers:
                assert v.lines and v.debit == v.credit, (v.summary, _lines(v))
                for ln in v.lines:
                    assert ln.debit == ln.debit.quantize(D("0.01")) and ln.credit == ln.credit.quantize(
                        D("0.01")
                    )
                    assert not (ln.debit and ln.credit)
            raise _Rollback
    except _Rollback:
        pass


# --- the files ------------------------------------------------------------------------------------


def _book(data):
    return openpyxl.load_workbook(io.BytesIO(data))


def test_the_kingdee_file_reads_back_in_the_k3_cloud_layout(finance_user, party, store_a):
    item = _sale(finance_user, party)
    payment_take(
        actor=finance_user, store=store_a, party=party, lines=[("cash", "1130")], allocations=[(item, "1130")]
    )
    exp = voucher_export(
        actor=finance_user, store=store_a, date_from=_today(), date_to=_today(), format=VoucherFormat.KINGDEE
    )
    name, data = export_file(exp)
    assert name.endswith(".xlsx") and "金蝶" in name
    ws = _book(data)[KINGDEE_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == [k for k, _c in KINGDEE_COLUMNS]
    assert rows[0][0] == "FBillHead(GL_VOUCHER)" and rows[1][0] == "*单据头(序号)"
    col = {k: i for i, (k, _c) in enumerate(KINGDEE_COLUMNS)}
    first = rows[2]
    assert first[col["FBillHead(GL_VOUCHER)"]] == "1" and first[col["FAccountBookID"]] == store_a.code
    assert first[col["FVOUCHERGROUPID#Name"]] == "记" and first[col["FVOUCHERGROUPNO"]] == 1
    assert first[col["FDate"]].date() == _today()
    assert (first[col["FEntity"]], first[col["FACCOUNTID"]], first[col["FDEBIT"]]) == (1, "1122", 1130)
    assert first[col["FCREDIT"]] is None and first[col["FDetailID#FFlex6#Name"]] == "张伟"
    second = rows[3]
    assert second[col["FBillHead(GL_VOUCHER)"]] is None  # the header only on a voucher's first entry
    assert (second[col["FACCOUNTID"]], second[col["FCREDIT"]]) == ("600101", 1000)
    data_rows = rows[2:]
    assert len(data_rows) == exp.lines == 7 and exp.vouchers == 2
    debit = sum(D(str(r[col["FDEBIT"]] or 0)) for r in data_rows)
    credit = sum(D(str(r[col["FCREDIT"]] or 0)) for r in data_rows)
    assert debit == credit == exp.debit == exp.credit == D("2860.00")


def test_the_yonyou_file_reads_back_in_the_u8_layout(finance_user, party, store_a):
    _sale(finance_user, party, cost="0")
    exp = voucher_export(
        actor=finance_user, store=store_a, date_from=_today(), date_to=_today(), format=VoucherFormat.YONYOU
    )
    _name, data = export_file(exp)
    ws = _book(data).active
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == YONYOU_COLUMNS and len(YONYOU_COLUMNS) == 73
    col = {k: i for i, k in enumerate(YONYOU_COLUMNS)}
    first = rows[1]
    assert first[col["会计期间"]] == _today().month and first[col["凭证类别字"]] == "记"
    assert (first[col["凭证编号"]], first[col["行号"]]) == (1, 1)
    assert first[col["制单日期"]].date() == _today()
    assert (first[col["科目编码"]], first[col["借方金额"]], first[col["贷方金额"]]) == ("1122", 1130, 0)
    assert first[col["客户编码"]] == f"P{party.pk:06d}" and first[col["外部凭证业务号"]] == "RO-2026-000001"
    assert [r[col["行号"]] for r in rows[1:]] == [1, 2, 3]
    assert sum(D(str(r[col["借方金额"]])) for r in rows[1:]) == sum(
        D(str(r[col["贷方金额"]])) for r in rows[1:]
    )


# --- marking and re-export ------------------------------------------------------------------------


def test_exported_rows_are_marked_and_not_exported_twice_unless_again(finance_user, party, store_a):
    item = _sale(finance_user, party)
    pay = payment_take(actor=finance_user, store=store_a, party=party, lines=[("cash", "100")])
    day = _today()
    first = voucher_export(actor=finance_user, store=store_a, date_from=day, date_to=day, format="kingdee")
    item.refresh_from_db()
    pay.refresh_from_db()
    assert item.export == first and pay.export == first and first.vouchers == 2
    assert AuditEvent.objects.filter(verb="exported").count() == 1

    with pytest.raises(BusinessError) as err:
        voucher_export(actor=finance_user, store=store_a, date_from=day, date_to=day, format="kingdee")
    assert err.value.error_code == "nothing_to_export" and "date_from" in err.value.message_dict
    assert VoucherExport.objects.count() == 1

    later = _sale(finance_user, party, doc_number="RO-2026-000002")
    second = voucher_export(actor=finance_user, store=store_a, date_from=day, date_to=day, format="yonyou")
    later.refresh_from_db()
    assert second.vouchers == 1 and later.export == second
    assert OpenItem.objects.get(pk=item.pk).export == first

    again = voucher_export(
        actor=finance_user, store=store_a, date_from=day, date_to=day, format="kingdee", again=True
    )
    assert again.again and again.vouchers == 3
    assert set(OpenItem.objects.values_list("export", flat=True)) == {again.pk}
    assert Payment.objects.get(pk=pay.pk).export == again
    assert vouchers_between(store_a, day, day) == []  # nothing pending


def test_export_refusals_name_the_field_and_change_nothing(finance_user, cashier, party, store_a):
    _sale(finance_user, party)
    day = _today()
    with pytest.raises(BusinessError) as err:
        voucher_export(
            actor=finance_user,
            store=store_a,
            date_from=day,
            date_to=day - dt.timedelta(days=1),
            format="kingdee",
        )
    assert "date_to" in err.value.message_dict
    with pytest.raises(BusinessError) as err:
        voucher_export(actor=finance_user, store=store_a, date_from=day, date_to=day, format="sap")
    assert "format" in err.value.message_dict
    with pytest.raises(BusinessError) as err:
        voucher_export(
            actor=finance_user, store=store_a, date_from="2026-13-01", date_to=day, format="kingdee"
        )
    assert "date_from" in err.value.message_dict
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        voucher_export(actor=cashier, store=store_a, date_from=day, date_to=day, format="kingdee")
    assert VoucherExport.objects.count() == 0 and not OpenItem.objects.filter(export__isnull=False).exists()


def test_an_export_takes_only_its_own_store(finance_user, party, store_a, store_b, make_user):
    _sale(finance_user, party)
    other = PartyFactory(store=store_b)
    fin_b = make_user(Role.FINANCE, store_b, "finance_b")
    post_item(actor=fin_b, party=other, amount="99")
    exp = voucher_export(
        actor=finance_user, store=store_a, date_from=_today(), date_to=_today(), format="kingdee"
    )
    assert exp.vouchers == 1 and OpenItem.objects.get(party=other).export is None


# --- the account mapping --------------------------------------------------------------------------


def test_finance_edits_the_mapping_and_vouchers_use_it(finance_user, party, store_a):
    assert account_map(store_a)["receivable"] == ("1122", "应收账款")
    accounts_set(
        actor=finance_user,
        store=store_a,
        rows={"receivable": ("1122.01", "应收账款-客户"), "cash": ("1001", "库存现金")},
    )
    assert list(AccountMapping.objects.values_list("key", "code")) == [("receivable", "1122.01")]
    _sale(finance_user, party, cost="0")
    (v,) = vouchers_between(store_a, _today(), _today())
    assert (v.lines[0].code, v.lines[0].name) == ("1122.01", "应收账款-客户")
    assert AuditEvent.objects.filter(verb="accounts_set").count() == 1


def test_a_bad_code_names_its_field_and_nothing_is_saved(finance_user, cashier, store_a):
    for bad in ("11 22", "", "收入", "1" * 31):
        with pytest.raises(BusinessError) as err:
            accounts_set(
                actor=finance_user,
                store=store_a,
                rows={"cash": ("1001.01", "现金"), "receivable": (bad, "应收")},
            )
        assert "code_receivable" in err.value.message_dict, bad
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        accounts_set(actor=cashier, store=store_a, rows={"cash": ("1001", "")})
    assert AccountMapping.objects.count() == 0


# --- the pages ------------------------------------------------------------------------------------


def test_the_export_page_previews_exports_and_the_file_downloads(client_for, finance_user, party, store_a):
    _sale(finance_user, party)
    c = client_for(finance_user)
    r = c.get(reverse("finance:voucher-export"))
    assert r.status_code == 200 and "RO-2026-000001" in r.content.decode() and "1122" in r.content.decode()
    day = _today().isoformat()
    r = c.post(reverse("finance:voucher-export"), {"date_from": day, "date_to": day, "format": "yonyou"})
    exp = VoucherExport.objects.get()
    assert r.status_code == 302 and r["Location"].endswith(f"?download={exp.pk}")
    r = c.get(r["Location"])
    assert r.status_code == 200 and reverse("finance:voucher-download", args=[exp.pk]) in r.content.decode()
    r = c.get(reverse("finance:voucher-download", args=[exp.pk]))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert list(_book(r.content).active.iter_rows(values_only=True))[0][0] == "会计期间"
    # the same days again: nothing left, the form says so on its field
    r = c.post(reverse("finance:voucher-export"), {"date_from": day, "date_to": day, "format": "yonyou"})
    assert r.status_code == 200 and "所选日期内没有未导出的凭证" in r.content.decode()
    assert VoucherExport.objects.count() == 1


def test_who_sees_the_voucher_pages(client_for, make_user, store_a, store_b, finance_user):
    gm = make_user(Role.GENERAL_MANAGER, store_a, "gm_v")
    cashier = make_user(Role.CASHIER, store_a, "cashier_v")
    exp = VoucherExport.objects.create(store=store_b, format="kingdee", date_from=_today(), date_to=_today())
    c = client_for(gm)
    assert c.get(reverse("finance:voucher-list")).status_code == 200
    assert c.get(reverse("finance:voucher-export")).status_code == 403
    page = c.get(reverse("finance:accounts")).content.decode()
    assert 'name="code_cash"' not in page and "1001" in page  # GM reads, does not edit
    assert c.get(reverse("finance:voucher-download", args=[exp.pk])).status_code == 404  # another store's
    c = client_for(cashier)
    assert c.get(reverse("finance:voucher-list")).status_code == 403
    assert c.get(reverse("finance:accounts")).status_code == 403


def test_the_mapping_page_saves_and_shows_a_bad_code_on_its_field(client_for, finance_user, store_a):
    c = client_for(finance_user)
    from fours.finance.selectors.vouchers import account_rows

    data = {f"code_{r['key']}": r["code"] for r in account_rows(store_a)}
    data.update({f"name_{r['key']}": r["name"] for r in account_rows(store_a)})
    r = c.post(reverse("finance:accounts"), {**data, "code_bank": "10 02"})
    assert r.status_code == 200 and 'data-field="code_bank"' in r.content.decode()
    assert AccountMapping.objects.count() == 0
    r = c.post(reverse("finance:accounts"), {**data, "code_bank": "1002.01"})
    assert r.status_code == 302
    assert list(AccountMapping.objects.values_list("key", "code")) == [("bank", "1002.01")]


def test_the_export_list_query_count_does_not_grow(
    client_for, finance_user, store_a, django_assert_max_num_queries
):
    c = client_for(finance_user)
    c.get(reverse("finance:voucher-list"))
    for _i in range(3):
        VoucherExport.objects.create(
            store=store_a, format="kingdee", date_from=_today(), date_to=_today(), created_by=finance_user
        )
    with django_assert_max_num_queries(12) as few:
        c.get(reverse("finance:voucher-list"))
    for _i in range(20):
        VoucherExport.objects.create(
            store=store_a, format="yonyou", date_from=_today(), date_to=_today(), created_by=finance_user
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = c.get(reverse("finance:voucher-list"))
    assert r.status_code == 200


def test_the_export_page_query_count_does_not_grow(
    client_for, finance_user, party, store_a, django_assert_max_num_queries
):
    c = client_for(finance_user)
    _sale(finance_user, party)
    payment_take(actor=finance_user, store=store_a, party=party, lines=[("cash", "10"), ("card", "5")])
    c.get(reverse("finance:voucher-export"))
    with django_assert_max_num_queries(16) as few:
        assert c.get(reverse("finance:voucher-export")).status_code == 200
    for i in range(15):
        p = PartyFactory(store=store_a)
        _sale(finance_user, p, doc_number=f"RO-Q-{i}")
        payment_take(actor=finance_user, store=store_a, party=p, lines=[("cash", "10"), ("wechat", "5")])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert c.get(reverse("finance:voucher-export")).status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_exports_of_the_same_days_at_once_export_each_row_once(make_user, store_a):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks are proven on PostgreSQL")
    from tests.race import race

    f1, f2 = make_user(Role.FINANCE, store_a, "fin_r1"), make_user(Role.FINANCE, store_a, "fin_r2")
    day = _today()
    for n in range(3):
        p = PartyFactory(store=store_a, name=f"客户{n}")
        for k in range(5):
            post_item(actor=f1, party=p, amount="100", doc_number=f"RO-R-{n}-{k}")

        def export(user):
            return voucher_export(actor=user, store=store_a, date_from=day, date_to=day, format="kingdee")

        ok, refused, errors = race(lambda: export(f1), lambda: export(f2), refusal=BusinessError)
        assert errors == [] and len(ok) == 1 and len(refused) == 1
        assert refused[0].error_code == "nothing_to_export"
        assert ok[0].vouchers == 5
        assert not OpenItem.objects.filter(export__isnull=True).exists()


def test_a_settled_and_paid_repair_order_exports_as_balanced_vouchers(store_a, make_user, finance_user):
    """End to end with the service module's own posting: settlement, payment at the desk, export."""
    from fours.service import services as service
    from fours.service.tests.conftest import pay_at_desk, ready_to_settle
    from fours.service.tests.factories import build_world

    w = build_world(store_a, make_user)
    ro = ready_to_settle(w, store_a)
    service.ro_settle(actor=w["cashier"], ro=ro)
    pay_at_desk(w, ro, [("wechat", "100")])
    ro.refresh_from_db()
    vouchers = vouchers_between(store_a, _today(), _today())
    mine = [v for v in vouchers if v.doc_number == ro.number]
    assert mine and all(v.balanced for v in vouchers)
    sale = next(v for v in mine if v.source == "item")
    item = OpenItem.objects.get(pk=sale.source_id)
    assert sale.lines[0].debit == item.amount and sale.lines[0].code == "1122"
    assert {ln.code for ln in sale.lines} >= {"600101"}
    if item.tax_amount:
        assert any(ln.code == "22210102" and ln.credit == item.tax_amount for ln in sale.lines)
    exp = voucher_export(
        actor=finance_user, store=store_a, date_from=_today(), date_to=_today(), format="yonyou"
    )
    assert exp.debit == exp.credit == sum((v.debit for v in vouchers), D("0"))
    _name, data = export_file(exp)
    rows = list(_book(data).active.iter_rows(values_only=True))[1:]
    col = {k: i for i, k in enumerate(YONYOU_COLUMNS)}
    assert sum(D(str(r[col["借方金额"]])) for r in rows) == exp.debit
    assert any(r[col["外部凭证业务号"]] == ro.number for r in rows)


def test_vouchers_are_numbered_per_month_in_date_order(finance_user, party, store_a):
    today = _today()
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    _sale(finance_user, party, doc_number="RO-B", posted_on=today)
    _sale(finance_user, party, doc_number="RO-A1", posted_on=last_month)
    _sale(finance_user, party, doc_number="RO-A2", posted_on=last_month)
    vouchers = vouchers_between(store_a, last_month, today)
    assert [(v.doc_number, v.day, v.number) for v in vouchers] == [
        ("RO-A1", last_month, 1),
        ("RO-A2", last_month, 2),
        ("RO-B", today, 1),
    ]


def test_an_advance_applied_later_is_a_transfer_exported_once(finance_user, party, store_a):
    payment_take(actor=finance_user, store=store_a, party=party, lines=[("cash", "500")])  # 预收
    item = _sale(finance_user, party, cost="0")
    (alloc,) = advance_allocate(actor=finance_user, item=item)
    vouchers = vouchers_between(store_a, _today(), _today())
    transfer = vouchers[-1]
    assert transfer.source == "allocation" and transfer.source_id == alloc.pk
    assert _lines(transfer) == [("2203", D("500.00"), 0), ("1122", 0, D("500.00"))]
    assert transfer.summary.startswith("预收冲应收 RO-2026-000001")
    exp = voucher_export(
        actor=finance_user, store=store_a, date_from=_today(), date_to=_today(), format="kingdee"
    )
    alloc.refresh_from_db()
    assert alloc.export == exp and exp.vouchers == 3
    # reversing the sale gives the allocation back: a red-letter transfer, the only thing left to export
    item_reverse(actor=finance_user, item=item, reason="反结算")
    pending = vouchers_between(store_a, _today(), _today())
    assert [v.source for v in pending] == ["item", "allocation"]
    assert _lines(pending[1]) == [("2203", D("-500.00"), 0), ("1122", 0, D("-500.00"))]
    again = voucher_export(
        actor=finance_user, store=store_a, date_from=_today(), date_to=_today(), format="kingdee"
    )
    assert (
        again.vouchers == 2 and not Allocation.objects.filter(export__isnull=True).exclude(amount=0).exists()
    )
