"""发票登记: numbers without gaps per store × kind × year (a rolled-back posting gives its number back),
the tax system's number and date, red-letter invoices that point at their original, void invoices
kept in the register."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from fours.core.choices import DepartmentKind
from fours.core.errors import BusinessError
from fours.core.models import AuditEvent
from fours.core.roles import Role
from fours.finance.choices import InvoiceKind, InvoiceStatus
from fours.finance.models import Invoice
from fours.finance.services import invoice_issue, invoice_red, invoice_tax_record, invoice_void

from .factories import PartyFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year


def issue(actor, party, amount="1130.00", tax="130.00", kind=InvoiceKind.VAT_SPECIAL, **kw):
    return invoice_issue(
        actor=actor,
        store=party.store,
        party=party,
        kind=kind,
        department=DepartmentKind.SERVICE,
        amount=amount,
        tax_amount=tax,
        **kw,
    )


def seq(inv):
    return int(inv.number.rsplit("-", 1)[1])


def test_numbers_run_per_store_kind_and_year(finance_user, party, store_b, gm_b):
    a1, a2 = issue(finance_user, party), issue(finance_user, party)
    o1 = issue(finance_user, party, kind=InvoiceKind.VAT_ORDINARY)
    b1 = issue(gm_b, PartyFactory(store=store_b), kind=InvoiceKind.VAT_SPECIAL)
    assert a1.number == f"IVS-{YEAR}-000001" and a2.number == f"IVS-{YEAR}-000002"
    assert o1.number == f"IVO-{YEAR}-000001" and b1.number == f"IVS-{YEAR}-000001"
    assert a1.net_amount == Decimal("1000.00")


def test_numbers_stay_gapless_when_a_posting_rolls_back_and_a_void_one_stays_listed(
    client_for, finance_user, party
):
    first = issue(finance_user, party, doc_number="RO-1")
    with pytest.raises(RuntimeError), transaction.atomic():
        issue(finance_user, party, doc_number="RO-2")
        raise RuntimeError("the settlement failed after its invoice")
    second = issue(finance_user, party, doc_number="RO-3")
    assert [seq(first), seq(second)] == [1, 2]
    invoice_void(actor=finance_user, invoice=first, reason="开错购方")
    third = issue(finance_user, party, doc_number="RO-4")
    assert seq(third) == 3
    numbers = sorted(seq(i) for i in Invoice.objects.filter(kind=InvoiceKind.VAT_SPECIAL))
    assert numbers == list(range(1, len(numbers) + 1))
    html = client_for(finance_user).get(reverse("finance:invoice-list")).content.decode()
    assert first.number in html and "已作废" in html and second.number in html
    first.refresh_from_db()
    assert first.status == InvoiceStatus.VOID and first.reason == "开错购方"


@pytest.mark.parametrize(
    "kw,field",
    [
        ({"tax": "1200.00"}, "tax_amount"),
        ({"tax": "-1"}, "tax_amount"),
        ({"amount": "0", "tax": "0"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"kind": "receipt"}, "kind"),
    ],
)
def test_bad_invoices_name_the_field_and_take_no_number(finance_user, party, kw, field):
    with pytest.raises(BusinessError) as err:
        issue(finance_user, party, **kw)
    assert field in err.value.message_dict and err.value.error_code
    assert Invoice.objects.count() == 0
    assert seq(issue(finance_user, party)) == 1


def test_the_tax_systems_number_and_date(finance_user, party):
    inv = issue(finance_user, party)
    invoice_tax_record(actor=finance_user, invoice=inv, tax_number=" 04412345 ", tax_date=TODAY.isoformat())
    inv.refresh_from_db()
    assert inv.tax_number == "04412345" and inv.tax_date == TODAY
    assert AuditEvent.objects.get(object_id=str(inv.pk), verb="tax_recorded").changes["tax_number"] == [
        "",
        "04412345",
    ]
    other = issue(finance_user, party)
    with pytest.raises(BusinessError) as err:
        invoice_tax_record(actor=finance_user, invoice=other, tax_number="04412345", tax_date=TODAY)
    assert err.value.error_code == "duplicate" and "tax_number" in err.value.message_dict


@pytest.mark.parametrize(
    "number,day,field",
    [
        ("", TODAY.isoformat(), "tax_number"),
        ("发票号", TODAY.isoformat(), "tax_number"),
        ("0441", "", "tax_date"),
        ("0441", "2026-02-30", "tax_date"),
        ("0441", (TODAY + dt.timedelta(days=2)).isoformat(), "tax_date"),
    ],
)
def test_bad_tax_entries_name_the_field_and_change_nothing(finance_user, party, number, day, field):
    inv = issue(finance_user, party)
    with pytest.raises(BusinessError) as err:
        invoice_tax_record(actor=finance_user, invoice=inv, tax_number=number, tax_date=day)
    assert list(err.value.message_dict) == [field]
    inv.refresh_from_db()
    assert inv.tax_number == "" and inv.tax_date is None


def test_a_red_invoice_credits_the_original_with_its_own_number(client_for, finance_user, party):
    inv = issue(finance_user, party, doc_number="RO-9")
    red = invoice_red(actor=finance_user, invoice=inv, reason="反结算")
    assert red.status == InvoiceStatus.RED and red.red_of == inv and red.kind == inv.kind
    assert (red.amount, red.net_amount, red.tax_amount) == (
        Decimal("-1130.00"),
        Decimal("-1000.00"),
        Decimal("-130.00"),
    )
    assert seq(red) == seq(inv) + 1 and red.doc_number == "RO-9" and red.reason == "反结算"
    inv.refresh_from_db()
    assert inv.status == InvoiceStatus.ISSUED
    html = client_for(finance_user).get(reverse("finance:invoice-detail", args=[inv.pk])).content.decode()
    assert 'id="red-invoices"' in html and red.number in html and "反结算" in html
    with pytest.raises(BusinessError) as err:
        invoice_red(actor=finance_user, invoice=inv, reason="再红冲")
    assert err.value.error_code == "not_pending"
    with pytest.raises(BusinessError) as err:  # a credited invoice is not voided: its red one corrects it
        invoice_void(actor=finance_user, invoice=inv, reason="作废")
    assert err.value.error_code == "bad_transition"
    assert Invoice.objects.count() == 2


def test_a_partial_red_invoice_and_never_more_than_what_is_left(finance_user, party):
    inv = issue(finance_user, party)
    red = invoice_red(actor=finance_user, invoice=inv, reason="退货一件", amount="565.00")
    assert red.amount == Decimal("-565.00") and red.tax_amount == Decimal("-65.00")
    with pytest.raises(BusinessError) as err:
        invoice_red(actor=finance_user, invoice=inv, reason="再退", amount="565.01")
    assert "amount" in err.value.message_dict and err.value.error_code == "out_of_range"
    assert Invoice.objects.count() == 2
    with pytest.raises(BusinessError) as err:
        invoice_red(actor=finance_user, invoice=red, reason="红冲红票")
    assert err.value.error_code == "bad_transition"


def test_void_needs_a_reason_and_happens_once(finance_user, party):
    inv = issue(finance_user, party)
    with pytest.raises(BusinessError) as err:
        invoice_void(actor=finance_user, invoice=inv, reason="")
    assert "reason" in err.value.message_dict
    inv.refresh_from_db()
    assert inv.status == InvoiceStatus.ISSUED
    invoice_void(actor=finance_user, invoice=inv, reason="打印错误")
    with pytest.raises(BusinessError) as err:
        invoice_void(actor=finance_user, invoice=inv, reason="再作废")
    assert err.value.error_code == "not_pending"
    with pytest.raises(BusinessError):
        invoice_red(actor=finance_user, invoice=inv, reason="红冲作废票")
    assert Invoice.objects.count() == 1


def test_only_finance_corrects_invoices(make_user, store_a, finance_user, party, client_for):
    cashier = make_user(Role.CASHIER, store_a, "cash_a")
    inv = issue(finance_user, party)
    for fn, kw in ((invoice_void, {"reason": "x"}), (invoice_red, {"reason": "x"})):
        with pytest.raises(PermissionDenied):
            fn(actor=cashier, invoice=inv, **kw)
    client = client_for(cashier)
    page = client.get(reverse("finance:invoice-detail", args=[inv.pk])).content.decode()
    assert "作废" not in page.split('id="invoice-status"')[1].split("</span>", 1)[1]
    assert (
        client.post(reverse("finance:invoice-act", args=[inv.pk, "void"]), {"reason": "x"}).status_code == 403
    )
    inv.refresh_from_db()
    assert inv.status == InvoiceStatus.ISSUED


def test_the_invoice_page_shows_a_refusal_on_its_field(client_for, finance_user, party):
    inv = issue(finance_user, party)
    client = client_for(finance_user)
    page = client.post(
        reverse("finance:invoice-act", args=[inv.pk, "tax"]), {"tax_number": "发票", "tax_date": ""}
    )
    assert page.status_code == 200 and 'data-field="tax_number"' in page.content.decode()
    page = client.post(reverse("finance:invoice-act", args=[inv.pk, "red"]), {"reason": "退货"})
    red = Invoice.objects.get(red_of=inv)
    assert page.status_code == 302 and page["Location"] == reverse("finance:invoice-detail", args=[red.pk])


def test_the_register_filters_by_kind_year_and_status_with_a_pinned_query_count(
    client_for, finance_user, party, django_assert_max_num_queries
):
    special = issue(finance_user, party)
    ordinary = issue(finance_user, party, kind=InvoiceKind.VAT_ORDINARY)
    invoice_void(actor=finance_user, invoice=ordinary, reason="错开")
    client = client_for(finance_user)
    url = reverse("finance:invoice-list")
    html = client.get(url + "?kind=vat_special").content.decode()
    assert special.number in html and ordinary.number not in html
    html = client.get(url + "?status=void").content.decode()
    assert ordinary.number in html and special.number not in html
    assert special.number in client.get(url + f"?year={YEAR}").content.decode()
    assert special.number not in client.get(url + f"?year={YEAR - 1}").content.decode()
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for _n in range(20):
        invoice_red(actor=finance_user, invoice=issue(finance_user, party), reason="退", amount="1")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


# --- the tax system's export ----------------------------------------------------------------------


def _xlsx(rows, header=("登记号", "开票日期", "税控发票号码")):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    buf = BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("税控导出.xlsx", buf.getvalue())


def test_the_tax_systems_export_fills_in_many_invoices(client_for, finance_user, party):
    a, b = issue(finance_user, party), issue(finance_user, party)
    client = client_for(finance_user)
    page = client.post(
        reverse("finance:invoice-import"),
        {
            "file": _xlsx(
                [
                    (a.number, dt.datetime.combine(TODAY, dt.time()), "04400001"),
                    (),
                    (b.number, TODAY.isoformat(), 4400002),
                ]
            )
        },
    )
    assert page.status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.tax_number, a.tax_date, b.tax_number, b.tax_date) == ("04400001", TODAY, "4400002", TODAY)
    assert AuditEvent.objects.filter(verb="tax_recorded").count() == 2


def test_an_export_with_a_bad_row_names_each_row_and_imports_nothing(client_for, finance_user, party):
    a, b = issue(finance_user, party), issue(finance_user, party)
    rows = [
        (a.number, TODAY.isoformat(), "04400001"),
        ("IVS-1999-000001", TODAY.isoformat(), "04400002"),
        (b.number, "明天", "04400003"),
        (b.number, TODAY.isoformat(), "04400001"),
    ]
    page = client_for(finance_user).post(reverse("finance:invoice-import"), {"file": _xlsx(rows)})
    html = page.content.decode()
    assert page.status_code == 200 and 'id="import-errors"' in html
    assert "第3行" in html and "第4行" in html and "第5行" in html and "第2行" not in html
    a.refresh_from_db()
    assert a.tax_number == "" and not AuditEvent.objects.filter(verb="tax_recorded").exists()


def test_an_import_needs_an_xlsx_with_its_columns(client_for, finance_user, party):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fours.finance.services import invoice_tax_import

    issue(finance_user, party)
    client = client_for(finance_user)
    html = client.post(
        reverse("finance:invoice-import"), {"file": SimpleUploadedFile("a.csv", b"x,y")}
    ).content.decode()
    assert "请上传Excel文件" in html
    html = client.post(
        reverse("finance:invoice-import"), {"file": _xlsx([("x", "y")], header=("登记号", "金额"))}
    ).content.decode()
    assert "缺少列" in html and "税控发票号码" in html
    with pytest.raises(BusinessError) as err:
        invoice_tax_import(actor=finance_user, store=party.store, rows=[])
    assert "file" in err.value.message_dict
    assert not Invoice.objects.exclude(tax_number="").exists()
