"""开票 for an issued parts sale: registered in finance's invoice register once, by a role that issues
invoices, with the sale's amount and VAT; refused before the goods leave and a second time."""

import pytest
from django.urls import reverse

from fours.core.errors import BusinessError, NotAllowed
from fours.core.roles import Role
from fours.finance.choices import InvoiceKind, InvoiceStatus
from fours.finance.models import Invoice
from fours.finance.services import invoice_void
from fours.parts.services import counter_sale_create, sale_invoice

from .test_sales import _issued, seller, stocked  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance_user(make_user, store_a):
    return make_user(Role.FINANCE, store_a, "finance_a")


def test_an_issued_sale_is_invoiced_once(store_a, stocked, seller, keeper, cashier, client_for):  # noqa: F811
    sale = _issued(store_a, seller, keeper, cashier, stocked, 2)
    c = client_for(cashier)
    page = c.get(sale.get_absolute_url()).content.decode()
    assert "开专用发票" in page and "开普通发票" in page
    resp = c.post(reverse("parts:sale-invoice", args=[sale.pk]) + "?kind=vat_special")
    assert resp.status_code == 302
    inv = Invoice.objects.get()
    assert (inv.kind, inv.amount, inv.tax_amount) == (
        InvoiceKind.VAT_SPECIAL,
        sale.total,
        sale.total - sale.net_total,
    )
    assert inv.doc_number == sale.number and inv.number.startswith("IVS-")
    page = c.get(sale.get_absolute_url()).content.decode()
    assert inv.number in page and "开专用发票" not in page
    with pytest.raises(BusinessError) as err:
        sale_invoice(actor=cashier, sale=sale, kind=InvoiceKind.VAT_ORDINARY)
    assert err.value.error_code == "duplicate" and Invoice.objects.count() == 1


def test_a_voided_invoice_may_be_issued_again(store_a, stocked, seller, keeper, cashier, finance_user):  # noqa: F811
    sale = _issued(store_a, seller, keeper, cashier, stocked, 1)
    sale_invoice(actor=cashier, sale=sale, kind=InvoiceKind.VAT_ORDINARY)
    invoice_void(actor=finance_user, invoice=Invoice.objects.get(), reason="抬头写错")
    sale_invoice(actor=cashier, sale=sale, kind=InvoiceKind.VAT_SPECIAL)
    assert sorted(Invoice.objects.values_list("kind", "status")) == [
        (InvoiceKind.VAT_ORDINARY, InvoiceStatus.VOID),
        (InvoiceKind.VAT_SPECIAL, InvoiceStatus.ISSUED),
    ]


def test_refused_before_issue_and_for_a_role_without_invoices(store_a, stocked, seller, keeper, cashier):  # noqa: F811
    slip = counter_sale_create(actor=seller, store=store_a, lines=[{"part": stocked, "qty": 1}])
    with pytest.raises(BusinessError) as err:
        sale_invoice(actor=cashier, sale=slip, kind=InvoiceKind.VAT_ORDINARY)
    assert "status" in err.value.message_dict and err.value.error_code == "bad_transition"
    sale = _issued(store_a, seller, keeper, cashier, stocked, 1)
    with pytest.raises(NotAllowed):
        sale_invoice(actor=seller, sale=sale, kind=InvoiceKind.VAT_ORDINARY)
    with pytest.raises(BusinessError) as err:
        sale_invoice(actor=cashier, sale=sale, kind="quota")
    assert "kind" in err.value.message_dict
    assert not Invoice.objects.exists()
