"""投诉补偿 through finance: posted when the solution is carried out, a credit against the customer's
repair-order bill or an amount owed that the cashier pays out; refused above the approver's limit."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fours.core.models import AuditEvent
from fours.core.roles import Role
from fours.crm import services
from fours.crm.choices import ComplaintStatus
from fours.finance.choices import Direction, ItemSource, ItemStatus
from fours.finance.models import OpenItem, Payment
from fours.finance.selectors.checks import money_differences
from fours.finance.services import customer_party, item_post
from fours.finance.services.compensation import compensation_pay

from .conftest import delivered_ro

pytestmark = pytest.mark.django_db


@pytest.fixture
def cashier(make_user, store_a):
    return make_user(Role.CASHIER, store_a, "cash_a")


def _approved(store, customer, crm_user, manager, amount, doc=None):
    c = services.complaint_register(
        actor=crm_user, store=store, customer=customer, channel="phone", content="保养后异响", doc=doc
    )
    services.complaint_judge(actor=crm_user, complaint=c, valid=True, department="service")
    services.complaint_investigate(
        actor=crm_user,
        complaint=c,
        cause="漏装卡扣",
        category="quality",
        solution="返修并补偿",
        compensation=amount,
    )
    return services.complaint_approve(actor=manager, complaint=c, note="同意")


def test_cash_compensation_is_owed_to_the_customer_and_paid_at_the_desk(
    store_a, customer, crm_user, service_mgr, cashier
):
    c = _approved(store_a, customer, crm_user, service_mgr, "300")
    c = services.complaint_done(actor=crm_user, complaint=c, note="已返修")
    item = OpenItem.objects.get(doc_id=c.pk, doc_number=c.number)
    assert (item.direction, item.source, item.amount, item.department) == (
        Direction.PAYABLE,
        ItemSource.OTHER,
        Decimal("300.00"),
        "service",
    )
    assert item.party == customer_party(store_a, customer)
    assert AuditEvent.objects.filter(object_id=c.pk, verb="compensation_posted").exists()
    pay = compensation_pay(actor=cashier, item=item)
    item.refresh_from_db()
    assert item.status == ItemStatus.SETTLED
    assert (pay.direction, pay.amount) == (Direction.PAYABLE, Decimal("300.00"))
    assert pay.lines.get().method == "cash"
    assert money_differences(store_a) == []
    with pytest.raises(ValidationError) as e:  # never twice
        compensation_pay(actor=cashier, item=item)
    assert "已付清" in str(e.value)
    assert Payment.objects.filter(party=item.party).count() == 1


def test_compensation_on_a_repair_order_is_credited_against_its_bill(
    store_a, customer, crm_user, service_mgr, advisor, gm_a
):
    ro = delivered_ro(store_a, advisor, customer=customer)
    bill = item_post(
        actor=gm_a,
        store=store_a,
        doc=ro,
        doc_number=ro.number,
        party=customer_party(store_a, customer),
        direction=Direction.RECEIVABLE,
        source=ItemSource.RO_CUSTOMER,
        department="service",
        amount=Decimal("800"),
    )
    c = _approved(store_a, customer, crm_user, service_mgr, "150", doc=ro)
    services.complaint_done(actor=crm_user, complaint=c)
    bill.refresh_from_db()
    assert bill.credited == Decimal("150.00")
    assert bill.open_amount == Decimal("650.00")  # the desk collects the bill less the compensation
    credit = OpenItem.objects.get(credit_of=bill)
    assert (credit.amount, credit.doc_number) == (Decimal("-150.00"), c.number)
    assert not OpenItem.objects.filter(direction=Direction.PAYABLE).exists()
    assert money_differences(store_a) == []


def test_above_the_limit_nothing_is_approved_nor_posted(store_a, customer, crm_user, service_mgr):
    c = services.complaint_register(
        actor=crm_user, store=store_a, customer=customer, channel="visit", content="等待太久"
    )
    services.complaint_judge(actor=crm_user, complaint=c, valid=True, department="service")
    services.complaint_investigate(
        actor=crm_user, complaint=c, cause="排队", category="time", solution="补偿", compensation="2500"
    )
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as e:
        services.complaint_approve(actor=service_mgr, complaint=c)
    assert e.value.error_dict["compensation"][0].code == "over_limit"
    c.refresh_from_db()
    assert (c.status, c.approved_by, c.approved_at) == (ComplaintStatus.PROPOSED, None, None)
    assert AuditEvent.objects.count() == events
    assert not OpenItem.objects.exists()


def test_carried_out_in_a_closed_month_is_refused_and_nothing_changes(
    store_a, customer, crm_user, service_mgr
):
    from django.utils import timezone

    from fours.finance.models import PeriodClose

    c = _approved(store_a, customer, crm_user, service_mgr, "100")
    today = timezone.localdate()
    PeriodClose.objects.create(store=store_a, year=today.year, month=today.month)
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        services.complaint_done(actor=crm_user, complaint=c)
    c.refresh_from_db()
    assert (c.status, c.done_at) == (ComplaintStatus.APPROVED, None)
    assert not OpenItem.objects.exists()
    assert AuditEvent.objects.count() == events


def test_the_cashier_pays_out_from_the_list_others_may_not(
    client, store_a, customer, crm_user, service_mgr, cashier, django_assert_max_num_queries
):
    c = _approved(store_a, customer, crm_user, service_mgr, "88")
    services.complaint_done(actor=crm_user, complaint=c)
    _approved(store_a, customer, crm_user, service_mgr, "12")
    services.complaint_done(actor=crm_user, complaint=c.__class__.objects.exclude(pk=c.pk).get())
    client.force_login(crm_user)
    assert client.get(reverse("crm:payouts")).status_code == 403
    client.force_login(cashier)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("crm:payouts"))
    assert page.status_code == 200
    html = page.content.decode()
    assert c.number in html and "¥88.00" in html
    item = OpenItem.objects.get(doc_number=c.number)
    r = client.post(reverse("crm:payout_pay", args=[item.pk]), {"method": "cash"})
    pay = Payment.objects.get(party=item.party)
    assert r.status_code == 302 and r.url == reverse("finance:receipt", args=[pay.pk])
    assert c.number not in client.get(reverse("crm:payouts")).content.decode()
    client.force_login(crm_user)
    page = client.get(reverse("crm:complaint_detail", args=[c.pk])).content.decode()
    assert "收银台已付给客户" in page
