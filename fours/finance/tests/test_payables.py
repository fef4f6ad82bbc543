"""付款通知书 and 发票未到: a request pays chosen payables, is approved within the approver's payment limit
(above it the refusal names who may approve), rejected with a note, and paid by finance through the
ledger once, never beyond its amount; the payables without a supplier invoice wait in a register until
finance enters the invoice."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from fours.core.errors import BusinessError
from fours.core.models import AuditEvent
from fours.core.roles import Role
from fours.finance.choices import Direction, ItemSource, ItemStatus, PartyKind, RequestStatus
from fours.finance.models import OpenItem, Payment, PaymentRequest
from fours.finance.selectors.checks import money_differences
from fours.finance.services import (
    payable_invoice_record,
    request_approve,
    request_create,
    request_pay,
    request_reject,
)

from .factories import PartyFactory, post_item

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def supplier(store_a):
    return PartyFactory(store=store_a, kind=PartyKind.SUPPLIER, name="广汽丰田配件")


@pytest.fixture
def parts_manager(make_user, store_a):
    return make_user(Role.PARTS_MANAGER, store_a, "pm_a")


@pytest.fixture
def group_manager(make_user, store_a):
    return make_user(Role.GROUP_MANAGER, store_a, "group_a")


def payable(actor, party, amount, days=0, **kw):
    return post_item(
        actor=actor,
        party=party,
        amount=amount,
        direction=Direction.PAYABLE,
        source=ItemSource.PURCHASE,
        posted_on=TODAY - dt.timedelta(days=days),
        **kw,
    )


def make_request(actor, supplier, *amounts):
    items = [payable(actor, supplier, a, doc_number=f"GR-{n}") for n, a in enumerate(amounts)]
    return request_create(
        actor=actor, store=supplier.store, party=supplier, lines=[(i, i.amount) for i in items], reason="货款"
    ), items


# --- request ---------------------------------------------------------------------------------------


def test_a_request_pays_chosen_payables_in_part_or_whole(parts_manager, finance_user, supplier, store_a):
    a = payable(finance_user, supplier, "1000.00", doc_number="GR-1")
    b = payable(finance_user, supplier, "500.00", doc_number="GR-2")
    req = request_create(
        actor=parts_manager,
        store=store_a,
        party=supplier,
        lines=[(a, "1000"), (b, "200.50")],
        reason="月结货款",
    )
    assert req.number.startswith("FT-") and req.amount == Decimal("1200.50")
    assert req.status == RequestStatus.PENDING and req.requested_by == parts_manager
    assert set(req.items.all()) == {a, b}
    assert sorted(req.lines.values_list("openitem__doc_number", "amount")) == [
        ("GR-1", Decimal("1000.00")),
        ("GR-2", Decimal("200.50")),
    ]
    ev = AuditEvent.objects.get(object_id=str(req.pk), verb="created")
    assert ev.changes["items"] == "GR-1 ¥1,000.00、GR-2 ¥200.50"  # one value: a pair would read old → new


@pytest.mark.parametrize(
    "change,field",
    [
        (lambda kw, items: kw.update(lines=[(items[0], "1000.01")]), "lines.0.amount"),
        (lambda kw, items: kw.update(lines=[(items[0], "abc")]), "lines.0.amount"),
        (lambda kw, items: kw.update(lines=[(items[0], "-1")]), "lines.0.amount"),
        (lambda kw, items: kw.update(lines=[]), "lines"),
        (lambda kw, items: kw.update(reason="  "), "reason"),
        (lambda kw, items: kw.update(lines=[(items[0], "10"), (items[2], "10")]), "lines.1.item"),
    ],
    ids=["over_open", "not_a_number", "negative", "no_lines", "no_reason", "other_party"],
)
def test_bad_requests_name_the_field_and_write_nothing(
    parts_manager, finance_user, supplier, store_a, change, field
):
    other = PartyFactory(store=store_a, kind=PartyKind.SUPPLIER, name="另一家")
    items = [
        payable(finance_user, supplier, "1000"),
        payable(finance_user, supplier, "50"),
        payable(finance_user, other, "80"),
    ]
    kw = {
        "actor": parts_manager,
        "store": store_a,
        "party": supplier,
        "lines": [(items[0], "100")],
        "reason": "货款",
    }
    change(kw, items)
    with pytest.raises(BusinessError) as err:
        request_create(**kw)
    assert field in err.value.message_dict and err.value.error_code
    assert PaymentRequest.objects.count() == 0 and not AuditEvent.objects.filter(verb="created").exists()


def test_an_item_in_an_open_request_cannot_be_asked_for_again_until_rejected(
    parts_manager, finance_user, gm_a, supplier, store_a
):
    req, (item,) = make_request(parts_manager, supplier, "800")
    with pytest.raises(BusinessError) as err:
        request_create(
            actor=parts_manager, store=store_a, party=supplier, lines=[(item, "800")], reason="再付"
        )
    assert err.value.error_code == "duplicate" and "lines.0.item" in err.value.message_dict
    assert PaymentRequest.objects.count() == 1
    request_reject(actor=gm_a, request=req, note="金额待核对")
    again = request_create(
        actor=parts_manager, store=store_a, party=supplier, lines=[(item, "800")], reason="再付"
    )
    assert again.status == RequestStatus.PENDING


def test_a_role_without_the_permission_cannot_ask(make_user, store_a, supplier, finance_user):
    advisor = make_user(Role.SERVICE_ADVISOR, store_a, "sa")
    item = payable(finance_user, supplier, "100")
    with pytest.raises(PermissionDenied):
        request_create(actor=advisor, store=store_a, party=supplier, lines=[(item, "100")], reason="x")
    assert PaymentRequest.objects.count() == 0


# --- approval within the limit ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,amount,ok",
    [
        (Role.FINANCE, "50000", True),
        (Role.FINANCE, "50000.01", False),
        (Role.GENERAL_MANAGER, "1000000", True),
        (Role.GENERAL_MANAGER, "1000000.01", False),
        (Role.GROUP_MANAGER, "5000000", True),
    ],
)
def test_approval_within_the_approvers_payment_limit(
    make_user, store_a, parts_manager, supplier, role, amount, ok
):
    approver = make_user(role, store_a, "approver")
    req, _items = make_request(parts_manager, supplier, amount)
    if ok:
        request_approve(actor=approver, request=req, note="同意")
        req.refresh_from_db()
        assert req.status == RequestStatus.APPROVED and req.approved_by == approver and req.note == "同意"
        return
    with pytest.raises(BusinessError) as err:
        request_approve(actor=approver, request=req)
    assert err.value.error_code == "over_limit"
    message = err.value.message_dict["status"][0]
    assert "超过您的付款审批限额" in message
    higher = "总经理" if role == Role.FINANCE else "集团经理"
    assert f"须由{higher}" in message or f"、{higher}" in message or higher in message.split("须由")[1]
    req.refresh_from_db()
    assert req.status == RequestStatus.PENDING and req.approved_by is None


def test_the_refusal_names_the_people_who_may_approve(
    make_user, store_a, finance_user, parts_manager, supplier
):
    gm = make_user(Role.GENERAL_MANAGER, store_a, "gm_wang")
    gm.first_name, gm.last_name = "王总", ""
    gm.save()
    req, _ = make_request(parts_manager, supplier, "60000")
    with pytest.raises(BusinessError) as err:
        request_approve(actor=finance_user, request=req)
    assert "总经理（王总）" in err.value.message_dict["status"][0]


def test_a_parts_manager_cannot_approve_and_no_one_approves_their_own(
    parts_manager, finance_user, supplier, store_a
):
    req, _ = make_request(parts_manager, supplier, "100")
    with pytest.raises(PermissionDenied):
        request_approve(actor=parts_manager, request=req)
    own, _ = make_request(finance_user, PartyFactory(store=store_a, kind=PartyKind.SUPPLIER), "100")
    with pytest.raises(BusinessError) as err:
        request_approve(actor=finance_user, request=own)
    assert err.value.error_code == "same_person"
    assert PaymentRequest.objects.filter(status=RequestStatus.PENDING).count() == 2


def test_reject_needs_a_note_and_a_decided_request_is_not_decided_again(parts_manager, gm_a, supplier):
    req, _ = make_request(parts_manager, supplier, "100")
    with pytest.raises(BusinessError) as err:
        request_reject(actor=gm_a, request=req, note=" ")
    assert "note" in err.value.message_dict
    req.refresh_from_db()
    assert req.status == RequestStatus.PENDING
    request_reject(actor=gm_a, request=req, note="重复申请")
    with pytest.raises(BusinessError) as err:
        request_approve(actor=gm_a, request=req)
    assert err.value.error_code == "bad_transition"
    req.refresh_from_db()
    assert req.status == RequestStatus.REJECTED and req.note == "重复申请"


# --- payment ---------------------------------------------------------------------------------------


@pytest.fixture
def approved(parts_manager, gm_a, supplier):
    req, items = make_request(parts_manager, supplier, "1000", "500")
    request_approve(actor=gm_a, request=req)
    return req, items


def test_finance_pays_an_approved_request_through_the_ledger(finance_user, approved, supplier):
    req, (a, b) = approved
    pay = request_pay(
        actor=finance_user,
        request=req,
        lines=[{"method": "transfer", "amount": "1500", "reference": "网银0001"}],
        allocations=[(a, "1000"), (b, "500")],
    )
    req.refresh_from_db()
    a.refresh_from_db()
    assert pay.direction == Direction.PAYABLE and pay.request == req and pay.number.startswith("FK-")
    assert pay.lines.get().method == "transfer"
    assert req.paid == Decimal("1500") and req.status == RequestStatus.PAID
    assert a.status == ItemStatus.SETTLED
    assert money_differences() == []
    with pytest.raises(BusinessError) as err:  # paid once
        request_pay(actor=finance_user, request=req, lines=[("transfer", "1")])
    assert err.value.error_code == "bad_transition"
    assert Payment.objects.count() == 1


def test_a_request_is_paid_in_parts_but_never_beyond_its_amount(finance_user, approved):
    req, (a, b) = approved
    request_pay(actor=finance_user, request=req, lines=[("transfer", "600")], allocations=[(a, "600")])
    req.refresh_from_db()
    assert req.paid == Decimal("600") and req.status == RequestStatus.APPROVED
    with pytest.raises(BusinessError) as err:
        request_pay(actor=finance_user, request=req, lines=[("transfer", "900.01")], allocations=[(a, "400")])
    assert err.value.error_code == "overpayment" and "amount" in err.value.message_dict
    req.refresh_from_db()
    a.refresh_from_db()
    assert req.paid == Decimal("600") and a.allocated == Decimal("600")
    assert Payment.objects.count() == 1
    request_pay(
        actor=finance_user, request=req, lines=[("transfer", "900")], allocations=[(a, "400"), (b, "500")]
    )
    req.refresh_from_db()
    assert req.status == RequestStatus.PAID and req.paid == req.amount


def test_paying_refuses_an_item_outside_the_request_and_a_pending_request(
    finance_user, approved, parts_manager, supplier
):
    req, _items = approved
    stranger = payable(finance_user, supplier, "70")
    with pytest.raises(BusinessError) as err:
        request_pay(
            actor=finance_user, request=req, lines=[("transfer", "70")], allocations=[(stranger, "70")]
        )
    assert "allocations.0.item" in err.value.message_dict
    pending, _ = make_request(parts_manager, supplier, "10")
    with pytest.raises(BusinessError) as err:
        request_pay(actor=finance_user, request=pending, lines=[("transfer", "10")])
    assert err.value.error_code == "bad_transition"
    assert Payment.objects.count() == 0


def test_only_finance_pays(gm_a, approved, make_user, store_a):
    req, (a, _b) = approved
    cashier = make_user(Role.CASHIER, store_a, "cash_a")
    for who in (gm_a, cashier):
        with pytest.raises(PermissionDenied):
            request_pay(actor=who, request=req, lines=[("transfer", "100")], allocations=[(a, "100")])
    assert Payment.objects.count() == 0


def test_the_request_pages_walk_through_create_approve_and_pay(
    client_for, parts_manager, gm_a, finance_user, supplier, django_assert_max_num_queries
):
    item = payable(finance_user, supplier, "2000", doc_number="GR-9")
    pm = client_for(parts_manager)
    form = pm.get(reverse("finance:request-create") + f"?party={supplier.pk}").content.decode()
    assert "GR-9" in form
    bad = pm.post(
        reverse("finance:request-create"),
        {"party": supplier.pk, "item": [item.pk], f"amount_{item.pk}": "2500", "reason": "货款"},
    )
    assert bad.status_code == 200 and "超过未付金额" in bad.content.decode()
    assert PaymentRequest.objects.count() == 0
    resp = pm.post(
        reverse("finance:request-create"),
        {"party": supplier.pk, "item": [item.pk], f"amount_{item.pk}": "2000", "reason": "货款"},
    )
    req = PaymentRequest.objects.get()
    assert resp.status_code == 302 and resp["Location"] == reverse("finance:request-detail", args=[req.pk])
    page = pm.get(resp["Location"]).content.decode()
    assert "批准" not in page and 'name="method"' not in page  # no button a parts manager cannot use
    gm = client_for(gm_a)
    assert "批准" in gm.get(resp["Location"]).content.decode()
    gm.post(reverse("finance:request-act", args=[req.pk, "approve"]), {"note": "同意"})
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED
    fin = client_for(finance_user)
    page = fin.get(resp["Location"]).content.decode()
    assert 'name="method"' in page and f'name="alloc_{item.pk}" value="2000.00"' in page
    fin.post(
        reverse("finance:request-act", args=[req.pk, "pay"]),
        {"method": "transfer", "amount": "2000", "reference": "", f"alloc_{item.pk}": "2000"},
    )
    req.refresh_from_db()
    item.refresh_from_db()
    assert req.status == RequestStatus.PAID and item.status == ItemStatus.SETTLED
    with django_assert_max_num_queries(14) as few:
        fin.get(reverse("finance:request-list"))
    for _n in range(10):
        make_request(parts_manager, supplier, "10", "20")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert fin.get(reverse("finance:request-list")).status_code == 200


def test_a_finance_user_sees_who_may_approve_above_their_limit(
    client_for, finance_user, parts_manager, supplier
):
    req, _ = make_request(parts_manager, supplier, "80000")
    html = client_for(finance_user).get(reverse("finance:request-detail", args=[req.pk])).content.decode()
    assert 'id="over-limit"' in html and "总经理" in html
    assert 'formaction="' + reverse("finance:request-act", args=[req.pk, "approve"]) not in html


# --- 发票未到 ----------------------------------------------------------------------------------------


def test_pending_invoices_list_until_finance_enters_the_invoice(
    client_for, finance_user, supplier, party, django_assert_max_num_queries
):
    item = payable(finance_user, supplier, "3000", days=12, doc_number="GR-77")
    post_item(actor=finance_user, party=party, amount="100")  # a receivable is not in the register
    client = client_for(finance_user)
    client.get(reverse("finance:pending-invoices"))
    with django_assert_max_num_queries(14) as few:
        html = client.get(reverse("finance:pending-invoices")).content.decode()
    assert "GR-77" in html and "¥3,000.00" in html and ">12<" in html
    for n in range(20):  # each linked to its document (here the store stands in for a receipt)
        payable(finance_user, supplier, str(10 + n), days=n, doc=supplier.store, doc_number=f"GR-{n}")
    with django_assert_max_num_queries(len(few.captured_queries) + 1):  # + the documents, in one query
        html = client.get(reverse("finance:pending-invoices")).content.decode()
    assert f'href="{supplier.store.get_absolute_url()}">GR-5<' in html
    client.post(
        reverse("finance:pending-invoice-record", args=[item.pk]),
        {"invoice_no": "04512345", "invoice_date": TODAY.isoformat()},
    )
    item.refresh_from_db()
    assert item.invoice_no == "04512345" and item.invoice_date == TODAY
    assert "GR-77" not in client.get(reverse("finance:pending-invoices")).content.decode()
    ev = AuditEvent.objects.get(object_id=str(item.pk), verb="invoice_recorded")
    assert ev.changes["invoice_no"] == ["", "04512345"]


@pytest.mark.parametrize(
    "no,day,field",
    [
        ("", "2026-01-05", "invoice_no"),
        ("发票一号", "2026-01-05", "invoice_no"),
        ("0451", "", "invoice_date"),
        ("0451", "2026-13-40", "invoice_date"),
        ("0451", (TODAY + dt.timedelta(days=1)).isoformat(), "invoice_date"),
    ],
)
def test_bad_invoice_entries_name_the_field_and_change_nothing(finance_user, supplier, no, day, field):
    item = payable(finance_user, supplier, "300")
    with pytest.raises(BusinessError) as err:
        payable_invoice_record(actor=finance_user, item=item, invoice_no=no, invoice_date=day)
    assert list(err.value.message_dict) == [field] and err.value.error_code
    item.refresh_from_db()
    assert item.invoice_no == "" and item.invoice_date is None


def test_only_finance_records_invoices_and_only_on_payables(
    finance_user, make_user, store_a, supplier, party
):
    keeper = make_user(Role.STOREKEEPER, store_a, "sk")
    item = payable(finance_user, supplier, "300")
    with pytest.raises(PermissionDenied):
        payable_invoice_record(actor=keeper, item=item, invoice_no="1", invoice_date=TODAY)
    receivable = post_item(actor=finance_user, party=party, amount="100")
    with pytest.raises(BusinessError) as err:
        payable_invoice_record(actor=finance_user, item=receivable, invoice_no="1", invoice_date=TODAY)
    assert err.value.error_code == "mismatch"
    assert not OpenItem.objects.exclude(invoice_no="").exists()


def test_finance_home_counts_the_pending_invoices(client_for, finance_user, gm_a, supplier):
    payable(finance_user, supplier, "300")
    payable(finance_user, supplier, "400")
    html = client_for(finance_user).get("/").content.decode()
    assert "发票未到" in html and reverse("finance:pending-invoices") in html
    from django.test import RequestFactory

    from fours.finance.views.payables import widgets

    rf = RequestFactory().get("/")
    rf.user = finance_user
    (w,) = [w for w in widgets(rf, supplier.store) if w.title == "发票未到"]
    assert w.value == 2
    rf.user = gm_a
    assert [w for w in widgets(rf, supplier.store) if w.title == "发票未到"] == []


# --- two payments of one request at once (PostgreSQL) ----------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_finance_desks_pay_the_same_request_once(make_user, store_a):
    from django.db import connection

    from tests.race import race

    if connection.vendor != "postgresql":
        pytest.skip("row locks are proven on PostgreSQL")
    f1, f2 = make_user(Role.FINANCE, store_a, "fin_r1"), make_user(Role.FINANCE, store_a, "fin_r2")
    gm = make_user(Role.GENERAL_MANAGER, store_a, "gm_r")
    pm = make_user(Role.PARTS_MANAGER, store_a, "pm_r")
    for n in range(4):
        supplier = PartyFactory(store=store_a, kind=PartyKind.SUPPLIER, name=f"供应商{n}")
        req, _items = make_request(pm, supplier, "900")
        request_approve(actor=gm, request=req)

        def pay(who, req=req):
            # no allocation: only the request's row lock stands between the two payments
            return request_pay(actor=who, request=req, lines=[("transfer", "900")])

        ok, refused, errors = race(lambda: pay(f1), lambda: pay(f2), refusal=BusinessError)
        assert errors == [] and len(ok) == 1 and len(refused) == 1
        assert refused[0].error_code in ("bad_transition", "overpayment")
        req.refresh_from_db()
        assert req.paid == Decimal("900") and req.status == RequestStatus.PAID
        assert Payment.objects.filter(request=req).count() == 1
    assert money_differences() == []


def test_approvers_home_counts_the_requests_they_may_approve(finance_user, gm_a, parts_manager, supplier):
    from django.test import RequestFactory

    from fours.finance.views.payables import widgets

    make_request(parts_manager, supplier, "30000")
    make_request(parts_manager, supplier, "80000")  # above finance's ¥50,000
    make_request(finance_user, supplier, "100")  # finance's own

    def waiting(user):
        rf = RequestFactory().get("/")
        rf.user = user
        return [w.value for w in widgets(rf, supplier.store) if w.title == "待审批付款通知书"]

    assert waiting(finance_user) == [1]
    assert waiting(gm_a) == [3]
    assert waiting(parts_manager) == []


def test_the_pay_form_defaults_to_the_amounts_asked(client_for, parts_manager, gm_a, finance_user, supplier):
    a = payable(finance_user, supplier, "1000.00")
    b = payable(finance_user, supplier, "500.00")
    req = request_create(
        actor=parts_manager,
        store=supplier.store,
        party=supplier,
        lines=[(a, "300"), (b, "200.50")],
        reason="部分付款",
    )
    request_approve(actor=gm_a, request=req)
    html = client_for(finance_user).get(reverse("finance:request-detail", args=[req.pk])).content.decode()
    assert f'name="alloc_{a.pk}" value="300.00"' in html and f'name="alloc_{b.pk}" value="200.50"' in html
    assert 'name="amount" id="p-amount" value="500.50"' in html
