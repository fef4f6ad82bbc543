# ruff: noqa: F403, F405
"""F&I services: partners and products, the loan file and its steps, the receivable split between the
customer and the bank kept in finance's books, the disbursement, commissions and policies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum

from fours.core.models import AuditEvent
from fours.finance.choices import Direction, ItemSource, ItemStatus, PartyKind
from fours.finance.models import Allocation, OpenItem, Payment
from fours.finance.selectors.checks import money_differences
from fours.finance.services import advance_of, customer_party, party_balance
from fours.reports.models import DailySummary
from fours.sales.choices import LoanDoc, LoanStatus, OrderStatus, ProductKind
from fours.sales.models import LoanApplication, LoanDocument, Policy, Product, VehicleOrder
from fours.sales.services import fi

from .factories_fi import *  # fixtures and helpers of the F&I tests

D = Decimal


def code_of(exc) -> str:
    return exc.value.error_code


def live_items(order):
    return list(
        OpenItem.objects.filter(doc_type__model="vehicleorder", doc_id=order.pk, amount__gt=0)
        .exclude(status=ItemStatus.REVERSED)
        .order_by("pk")
    )


def books_balance(store):
    """finance's own proof (check_money): running figures equal their rows, and per party the balance
    (items less credits less allocations, less the advance) equals what its items show open."""
    assert money_differences(store) == []
    for party_id in OpenItem.objects.filter(store=store).values_list("party_id", flat=True).distinct():
        items = OpenItem.objects.filter(party_id=party_id, direction=Direction.RECEIVABLE)
        live = items.exclude(status=ItemStatus.REVERSED).filter(amount__gt=0)
        open_sum = sum((i.amount - i.credited - i.allocated for i in live), D(0))
        pays = Payment.objects.filter(party_id=party_id, direction=Direction.RECEIVABLE)
        advance = sum((p.amount - p.allocated for p in pays), D(0))
        party = live.first().party if live.exists() else items.first().party
        assert party_balance(party) == open_sum - advance
        alloc = Allocation.objects.filter(item__party_id=party_id).aggregate(s=Sum("amount"))["s"] or 0
        assert sum((i.amount for i in items), D(0)) - D(alloc) >= 0


def state(order):
    order.refresh_from_db()
    return (
        order.loan_amount,
        [
            (i.pk, i.amount, i.allocated, i.status)
            for i in OpenItem.objects.filter(store=order.store).order_by("pk")
        ],
        Payment.objects.count(),
        LoanApplication.objects.values_list("status", "approved_amount", "disbursed_at")
        .order_by("pk")
        .first(),
    )


# --- partners and products --------------------------------------------------------------------------


def test_partner_is_a_finance_party_and_products_carry_the_commission_rate(store_a, fi_user):
    bank = fi.partner_create(actor=fi_user, store=store_a, kind=PartyKind.BANK, name="建设银行")
    assert bank.kind == PartyKind.BANK and bank.store == store_a
    assert fi.partner_create(actor=fi_user, store=store_a, kind=PartyKind.BANK, name="建设银行") == bank
    p = fi.product_save(
        actor=fi_user,
        store=store_a,
        partner=bank,
        kind=ProductKind.LOAN,
        name="36期",
        term_months=36,
        commission_pct="1.5",
    )
    assert p.commission_pct == D("1.50") and p.term_months == 36
    p = fi.product_save(
        actor=fi_user,
        store=store_a,
        partner=bank,
        kind=ProductKind.LOAN,
        name="36期",
        commission_pct="2",
        term_months=36,
        product=p,
    )
    assert p.commission_pct == D("2.00")


def test_an_insurance_product_needs_an_insurer(store_a, fi_user):
    bank = fi.partner_create(actor=fi_user, store=store_a, kind=PartyKind.BANK, name="建设银行")
    with pytest.raises(ValidationError) as e:
        fi.product_save(actor=fi_user, store=store_a, partner=bank, kind=ProductKind.INSURANCE, name="车险")
    assert code_of(e) == "mismatch" and "partner" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        fi.product_save(
            actor=fi_user, store=store_a, partner=bank, kind=ProductKind.LOAN, name="x", commission_pct="101"
        )
    assert code_of(e) == "out_of_range"
    assert not Product.objects.exists()


def test_a_consultant_may_not_register_products(store_a, consultant):
    with pytest.raises(PermissionDenied):
        fi.partner_create(actor=consultant, store=store_a, kind=PartyKind.BANK, name="建设银行")


# --- the loan file -----------------------------------------------------------------------------------


def test_submit_is_refused_while_a_paper_of_the_five_is_missing(order, loan_prod, fi_user):
    loan = fi.loan_create(actor=fi_user, order=order, product=loan_prod, amount="120000")
    assert loan.number.startswith("AJD-") and loan.term_months == 36
    full_file(loan, fi_user, skip=[LoanDoc.BANK_STATEMENT])
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as e:
        fi.loan_submit(actor=fi_user, loan=loan)
    assert code_of(e) == "documents_missing" and "documents" in e.value.message_dict
    assert "银行流水" in e.value.message_dict["documents"][0]
    loan.refresh_from_db()
    assert loan.status == LoanStatus.COLLECTING and loan.submitted_at is None
    assert AuditEvent.objects.count() == events
    fi.loan_document_add(actor=fi_user, loan=loan, kind=LoanDoc.BANK_STATEMENT, file=scan(), checked=False)
    with pytest.raises(ValidationError) as e:  # a scan not checked against the original does not count
        fi.loan_submit(actor=fi_user, loan=loan)
    assert code_of(e) == "documents_missing"
    doc = LoanDocument.objects.get(application=loan, kind=LoanDoc.BANK_STATEMENT)
    fi.loan_document_check(actor=fi_user, document=doc)
    loan = fi.loan_submit(actor=fi_user, loan=loan)
    assert loan.status == LoanStatus.SUBMITTED and loan.submitted_at


def test_a_scan_must_be_a_picture_or_pdf(order, loan_prod, fi_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    loan = fi.loan_create(actor=fi_user, order=order, product=loan_prod, amount="100000")
    with pytest.raises(ValidationError) as e:
        fi.loan_document_add(
            actor=fi_user, loan=loan, kind=LoanDoc.ID_CARD, file=SimpleUploadedFile("a.exe", b"MZ")
        )
    assert code_of(e) == "bad_file_type"
    assert not LoanDocument.objects.exists()


def test_a_loan_needs_an_authorised_order_and_not_more_than_its_total(
    store_a, consultant, loan_prod, fi_user
):
    quote = authorised_order(store_a, consultant, status=OrderStatus.QUOTE)
    with pytest.raises(ValidationError) as e:
        fi.loan_create(actor=fi_user, order=quote, product=loan_prod, amount="1000")
    assert code_of(e) == "bad_transition"
    order = authorised_order(store_a, consultant)
    with pytest.raises(ValidationError) as e:
        fi.loan_create(actor=fi_user, order=order, product=loan_prod, amount="200000.01")
    assert code_of(e) == "out_of_range" and "amount" in e.value.message_dict
    fi.loan_create(actor=fi_user, order=order, product=loan_prod, amount="100000")
    with pytest.raises(ValidationError) as e:
        fi.loan_create(actor=fi_user, order=order, product=loan_prod, amount="100000")
    assert code_of(e) == "duplicate"
    assert LoanApplication.objects.count() == 1


# --- approval: the receivable split -------------------------------------------------------------------


def _submitted(order, product, actor, amount="120000"):
    loan = fi.loan_create(actor=actor, order=order, product=product, amount=amount)
    full_file(loan, actor)
    return fi.loan_submit(actor=actor, loan=loan)


def test_approval_splits_the_receivable_and_keeps_the_books(order, loan_prod, fi_cashier, cashier):
    pay(cashier, order, "5000")  # the deposit at the desk
    loan = _submitted(order, loan_prod, fi_cashier)
    loan = fi.loan_approve(actor=fi_cashier, loan=loan, approved_amount="120000")
    order.refresh_from_db()
    assert loan.status == LoanStatus.APPROVED and loan.approved_amount == D("120000")
    assert order.loan_amount == D("120000")
    cust, bank = live_items(order)
    assert (cust.source, cust.party.kind, cust.amount) == (
        ItemSource.VEHICLE_SALE,
        PartyKind.CUSTOMER,
        D("80000"),
    )
    assert (bank.source, bank.party_id, bank.amount) == (
        ItemSource.VEHICLE_LOAN,
        loan_prod.partner_id,
        D("120000"),
    )
    # the deposit paid on the reversed item is applied to the customer's new item
    assert cust.allocated == D("5000") and cust.status == ItemStatus.PARTIAL
    assert advance_of(cust.party) == 0
    # revenue and VAT stay what the order posted
    assert cust.net_amount + bank.net_amount == D("176991.15")
    assert cust.tax_amount + bank.tax_amount == D("23008.85")
    assert party_balance(cust.party) == D("75000")
    assert party_balance(bank.party) == D("120000")
    books_balance(order.store)


def test_approval_by_the_specialist_moves_the_deposit_onto_the_customers_new_item(
    order, loan_prod, fi_user, cashier
):
    pay(cashier, order, "5000")
    loan = _submitted(order, loan_prod, fi_user)
    fi.loan_approve(actor=fi_user, loan=loan)
    cust, bank = live_items(order)
    party = customer_party(order.store, order.customer)
    # the specialist holds no cashier permission: the money moves inside the order's receivable
    assert party_balance(party) == D("75000")
    assert cust.allocated == D("5000") and advance_of(party) == 0
    books_balance(order.store)


def test_approval_above_what_the_order_owes_is_refused_with_nothing_changed(order, loan_prod, fi_user):
    loan = _submitted(order, loan_prod, fi_user)
    before = state(order)
    with pytest.raises(ValidationError) as e:
        fi.loan_approve(actor=fi_user, loan=loan, approved_amount="200000.01")
    assert code_of(e) == "out_of_range" and "approved_amount" in e.value.message_dict
    assert state(order) == before


def test_reject_needs_a_reason_then_the_file_can_be_collected_again(order, loan_prod, fi_user):
    loan = _submitted(order, loan_prod, fi_user)
    with pytest.raises(ValidationError) as e:
        fi.loan_reject(actor=fi_user, loan=loan, reason=" ")
    assert code_of(e) == "required"
    loan = fi.loan_reject(actor=fi_user, loan=loan, reason="征信不良")
    assert loan.status == LoanStatus.REJECTED and loan.reject_reason == "征信不良"
    assert [i.source for i in live_items(order)] == [ItemSource.VEHICLE_SALE]
    loan = fi.loan_reopen(actor=fi_user, loan=loan)
    assert loan.status == LoanStatus.COLLECTING


def test_cancel_of_an_approved_loan_gives_the_receivable_back_to_the_customer(
    order, loan_prod, fi_cashier, cashier
):
    pay(cashier, order, "5000")
    loan = fi.loan_approve(actor=fi_cashier, loan=_submitted(order, loan_prod, fi_cashier))
    fi.loan_cancel(actor=fi_cashier, loan=loan, reason="客户改全款")
    order.refresh_from_db()
    (cust,) = live_items(order)
    assert cust.amount == D("200000") and cust.allocated == D("5000") and order.loan_amount == 0
    assert party_balance(loan_prod.partner) == 0
    books_balance(order.store)


# --- disbursement and commission -----------------------------------------------------------------------


def test_disburse_is_refused_until_finance_shows_the_bank_paid(
    order, loan_prod, fi_user, cashier, consultant
):
    loan = fi.loan_approve(actor=fi_user, loan=_submitted(order, loan_prod, fi_user))
    before = state(order)
    with pytest.raises(ValidationError) as e:
        fi.loan_disburse(actor=fi_user, loan=loan)
    assert code_of(e) == "unpaid"
    assert state(order) == before
    pay(cashier, order, "60000", source=ItemSource.VEHICLE_LOAN)  # in part: still refused
    with pytest.raises(ValidationError) as e:
        fi.loan_disburse(actor=fi_user, loan=loan)
    assert code_of(e) == "unpaid"
    pay(cashier, order, "60000", source=ItemSource.VEHICLE_LOAN)
    loan = fi.loan_disburse(actor=fi_user, loan=loan)
    assert loan.status == LoanStatus.DISBURSED and loan.disbursed_at
    assert loan.commission == D("2400.00")  # 2 % of 120,000
    com = OpenItem.objects.get(source=ItemSource.COMMISSION)
    assert (com.party_id, com.amount, com.doc_number) == (loan_prod.partner_id, D("2400.00"), loan.number)
    assert com.net_amount + com.tax_amount == com.amount and com.tax_amount == D("135.85")
    sums = {(s.metric, s.person_id): s.value for s in DailySummary.objects.all()}
    assert sums[("loans", consultant.pk)] == 1 and sums[("fi_commission", consultant.pk)] == D("2400")
    books_balance(order.store)


def test_once_the_bank_paid_the_loan_cannot_be_cancelled_or_changed(order, loan_prod, fi_user, cashier):
    loan = fi.loan_approve(actor=fi_user, loan=_submitted(order, loan_prod, fi_user))
    pay(cashier, order, "120000", source=ItemSource.VEHICLE_LOAN)
    before = state(order)
    with pytest.raises(ValidationError) as e:
        fi.loan_cancel(actor=fi_user, loan=loan, reason="改全款")
    assert code_of(e) == "partly_paid"
    assert state(order) == before


# --- policies --------------------------------------------------------------------------------------


def test_policy_posts_its_commission_and_writes_the_expiry_on_the_archive_vehicle(
    store_a, order, ins_prod, fi_user, consultant
):
    car = archive_vehicle(store_a, order.customer)
    VehicleOrder.objects.filter(pk=order.pk).update(archive_vehicle=car)
    order.refresh_from_db()
    p = fi.policy_create(
        actor=fi_user,
        store=store_a,
        product=ins_prod,
        order=order,
        policy_no="pdaa2026001",
        covers=[{"kind": "compulsory"}, {"kind": "damage", "amount": "200000"}],
        premium="6800",
        starts_on=dt.date(2026, 3, 1),
    )
    assert p.policy_no == "PDAA2026001" and p.expires_on == dt.date(2027, 2, 28)
    assert p.commission == D("816.00") and p.vehicle == car
    car.refresh_from_db()
    assert car.policy_expiry == dt.date(2027, 2, 28) and car.insurer == "人保财险"
    com = OpenItem.objects.get(source=ItemSource.COMMISSION)
    assert com.party_id == ins_prod.partner_id and com.amount == D("816.00")
    assert DailySummary.objects.get(metric="policies").person == consultant
    books_balance(store_a)


def test_policy_refusals_change_nothing(store_a, order, ins_prod, loan_prod, fi_user):
    kw = dict(
        actor=fi_user, store=store_a, order=order, policy_no="P1", premium="5000", starts_on="2026-03-01"
    )
    for bad, code, field in [
        ({"product": loan_prod, "covers": ["damage"]}, "invalid_choice", "product"),
        ({"product": ins_prod, "covers": []}, "required", "covers"),
        ({"product": ins_prod, "covers": ["damage"], "expires_on": "2026-02-01"}, "date_order", "expires_on"),
        ({"product": ins_prod, "covers": ["damage", "damage"]}, "duplicate", "covers.1.kind"),
    ]:
        with pytest.raises(ValidationError) as e:
            fi.policy_create(**kw, **bad)
        assert code_of(e) == code and field in e.value.message_dict
    assert not Policy.objects.exists() and not OpenItem.objects.filter(source=ItemSource.COMMISSION).exists()


def test_policies_reach_the_archive_at_delivery(store_a, order, ins_prod, fi_user):
    p = fi.policy_create(
        actor=fi_user,
        store=store_a,
        product=ins_prod,
        order=order,
        policy_no="P2",
        covers=["compulsory"],
        premium="950",
        starts_on="2026-03-01",
    )
    assert p.vehicle is None
    car = archive_vehicle(store_a, order.customer)
    VehicleOrder.objects.filter(pk=order.pk).update(archive_vehicle=car)
    order.refresh_from_db()
    assert fi.policies_to_archive(actor=fi_user, order=order) == 1
    car.refresh_from_db()
    assert car.policy_expiry == dt.date(2027, 2, 28)


def test_an_order_cancelled_closes_its_loans_without_moving_money(order, loan_prod, fi_user, sales_manager):
    loan = fi.loan_approve(actor=fi_user, loan=_submitted(order, loan_prod, fi_user))
    before = [(i.pk, i.amount, i.status) for i in OpenItem.objects.order_by("pk")]
    assert fi.loans_close_for_order(actor=sales_manager, order=order, reason="客户退订") == 1
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CANCELLED
    assert [(i.pk, i.amount, i.status) for i in OpenItem.objects.order_by("pk")] == before


def test_fi_summaries_equal_their_rebuild_from_the_documents(
    order, loan_prod, ins_prod, fi_user, cashier, store_a
):
    from fours.sales.summaries import summaries_from_documents

    loan = fi.loan_approve(actor=fi_user, loan=_submitted(order, loan_prod, fi_user))
    pay(cashier, order, "120000", source=ItemSource.VEHICLE_LOAN)
    fi.loan_disburse(actor=fi_user, loan=loan)
    fi.policy_create(
        actor=fi_user,
        store=store_a,
        product=ins_prod,
        order=order,
        policy_no="R1",
        covers=["compulsory"],
        premium="950",
        starts_on="2026-03-01",
    )
    mine = {"loans", "policies", "fi_commission"}
    kept = {
        (s.day, s.metric, s.person_id, s.dimension): s.value
        for s in DailySummary.objects.filter(store=store_a, metric__in=mine)
    }
    rebuilt = {k: v for k, v in summaries_from_documents(store_a).items() if k[1] in mine}
    assert kept == rebuilt and kept


def test_a_rejected_file_goes_to_another_bank(store_a, order, loan_prod, fi_user):
    other = loan_product(store_a, fi_user, name="招商银行", pct=D("2.50"))
    loan = fi.loan_reject(actor=fi_user, loan=_submitted(order, loan_prod, fi_user), reason="征信不良")
    loan = fi.loan_reopen(actor=fi_user, loan=loan, product=other)
    assert loan.product == other and loan.status == LoanStatus.COLLECTING
    loan = fi.loan_submit(actor=fi_user, loan=loan)  # the file is kept
    loan = fi.loan_approve(actor=fi_user, loan=loan)
    assert fi.bank_item(loan).party_id == other.partner_id
    books_balance(store_a)


def test_cancelling_a_policy_reverses_its_commission_and_needs_a_reason(store_a, order, ins_prod, fi_user):
    p = fi.policy_create(
        actor=fi_user,
        store=store_a,
        product=ins_prod,
        order=order,
        policy_no="PDAA2026009",
        covers=[{"kind": "compulsory"}],
        premium="5000",
        starts_on=dt.date(2026, 3, 1),
    )
    with pytest.raises(ValidationError) as e:
        fi.policy_cancel(actor=fi_user, policy=p, reason=" ")
    assert code_of(e) == "required" and "reason" in e.value.message_dict
    p.refresh_from_db()
    assert p.status == "active"
    assert OpenItem.objects.get(source=ItemSource.COMMISSION).status != "reversed"
    fi.policy_cancel(actor=fi_user, policy=p, reason="客户车辆转让，退保")
    p.refresh_from_db()
    assert p.status == "cancelled"
    live = OpenItem.objects.filter(source=ItemSource.COMMISSION)
    assert sum(i.amount for i in live) == 0  # the item and its reversal row
    with pytest.raises(ValidationError) as e:
        fi.policy_cancel(actor=fi_user, policy=p, reason="再次退保")
    assert code_of(e) == "bad_transition"
    books_balance(store_a)
