# ruff: noqa: F403, F405
"""F&I under concurrency (PostgreSQL row locks): two specialists opening a loan for one order, two
approving one loan, and the approval's receivable split while the cashier takes the customer's money."""

import pytest
from django.db import connection

from fours.core.errors import BusinessError
from fours.core.roles import Role
from fours.finance.models import Payment
from fours.finance.selectors.checks import money_differences
from fours.finance.services import customer_party, party_balance
from fours.sales.choices import LoanStatus
from fours.sales.models import LoanApplication
from fours.sales.services import fi
from tests.race import race

from .factories_fi import *  # fixtures and helpers of the F&I tests

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proven on PostgreSQL")


def test_two_loans_for_one_order_at_once(store_a, make_user, consultant, loan_prod):
    a = make_user(Role.FINANCE_INSURANCE, store_a, "race_fi1")
    b = make_user(Role.FINANCE_INSURANCE, store_a, "race_fi2")
    order = authorised_order(store_a, consultant)
    ok, refused, errors = race(
        lambda: fi.loan_create(actor=a, order=order, product=loan_prod, amount="100000"),
        lambda: fi.loan_create(actor=b, order=order, product=loan_prod, amount="120000"),
        refusal=BusinessError,
    )
    assert errors == [] and len(ok) == 1 and len(refused) == 1
    assert refused[0].error_code == "duplicate"
    assert LoanApplication.objects.filter(order=order).count() == 1


def test_two_approvals_of_one_loan_split_once(store_a, make_user, consultant, loan_prod):
    a = make_user(Role.FINANCE_INSURANCE, store_a, "race_fi3")
    b = make_user(Role.FINANCE_INSURANCE, store_a, "race_fi4")
    order = authorised_order(store_a, consultant)
    loan = fi.loan_create(actor=a, order=order, product=loan_prod, amount="120000")
    full_file(loan, a)
    fi.loan_submit(actor=a, loan=loan)
    ok, refused, errors = race(
        lambda: fi.loan_approve(actor=a, loan=loan),
        lambda: fi.loan_approve(actor=b, loan=loan),
        refusal=BusinessError,
    )
    assert errors == [] and len(ok) == 1 and len(refused) == 1
    assert refused[0].error_code == "bad_transition"
    assert fi.bank_item(loan).amount == 120000
    assert party_balance(customer_party(store_a, order.customer)) == 80000
    assert money_differences(store_a) == []


def test_approval_while_the_cashier_takes_the_deposit(store_a, consultant, cashier, fi_user, loan_prod):
    for _round in range(3):
        order = authorised_order(store_a, consultant)
        loan = fi.loan_create(actor=fi_user, order=order, product=loan_prod, amount="120000")
        full_file(loan, fi_user)
        fi.loan_submit(actor=fi_user, loan=loan)
        ok, refused, errors = race(
            lambda o=order: pay(cashier, o, "5000"),
            lambda lo=loan: fi.loan_approve(actor=fi_user, loan=lo),
            refusal=BusinessError,
        )
        assert errors == [], errors
        loan.refresh_from_db()
        assert loan.status == LoanStatus.APPROVED
        party = customer_party(store_a, order.customer)
        paid = 5000 if Payment.objects.filter(party=party).exists() else 0
        # whichever came first, the customer owes the order less the loan less what was paid
        assert party_balance(party) == 80000 - paid
        assert money_differences(store_a) == []
