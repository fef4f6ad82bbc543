"""The finance demo: after the parts and service history has taken its payments, the first store's past
days are handed over, confirmed and closed (one with a small cash shortfall and its reason), today is
open; the trade customers have credit limits; a supplier payment request waits for approval; every
store has its account mapping; the books add up; and a second load changes nothing.

The demo is loaded once for the module, in a transaction rolled back at its end."""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from fours.core.models import Store
from fours.core.roles import Role
from fours.finance.choices import (
    DEFAULT_ACCOUNTS,
    Direction,
    HandoverStatus,
    PartyKind,
    PaymentKind,
    RequestStatus,
)
from fours.finance.models import AccountMapping, DayClose, Handover, Party, Payment, PaymentRequest
from fours.finance.selectors.checks import money_differences
from fours.finance.selectors.closing import day_close_blockers, method_totals
from fours.finance.services import party_balance

FIRST, SECOND = "GZTY", "GZBT"


def _counts():
    return {
        m._meta.label: m.objects.count()
        for m in apps.get_models()
        if m._meta.app_label in {"core", "customers", "parts", "service", "finance"}
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    var = tmp_path_factory.mktemp("var")
    with django_db_blocker.unblock(), override_settings(VAR_DIR=var):
        with transaction.atomic():
            call_command("demo_load", stdout=open("/dev/null", "w"))
            yield var
            transaction.set_rollback(True)


@pytest.fixture
def first(demo, db):
    return Store.objects.get(code=FIRST)


def test_the_books_add_up(first):
    assert money_differences() == []
    assert Payment.objects.filter(store=first).count() >= 100  # the history paid through finance


def test_every_past_day_is_handed_over_confirmed_and_closed(first):
    today = timezone.localdate()
    # what the desk took (a trade-in settled in kind has no cashier and needs no hand-over)
    desk = Payment.objects.filter(
        store=first,
        direction=Direction.RECEIVABLE,
        kind__in=(PaymentKind.RECEIPT, PaymentKind.REFUND),
        cashier__isnull=False,
    )
    past = set(desk.filter(business_date__lt=today).values_list("business_date", flat=True))
    month = {d for d in past if d >= today - dt.timedelta(days=30)}
    assert len(month) >= 20, sorted(month)
    closed = set(DayClose.objects.filter(store=first).values_list("business_date", flat=True))
    assert past <= closed, sorted(past - closed)
    for day in sorted(past):
        assert day_close_blockers(first, day) == [], day
        cashiers = set(desk.filter(business_date=day).values_list("cashier_id", flat=True))
        handovers = Handover.objects.filter(store=first, business_date=day)
        assert set(handovers.values_list("cashier_id", flat=True)) == cashiers, day
        for h in handovers:
            assert h.status == HandoverStatus.CONFIRMED and h.confirmed_by_id not in (None, h.cashier_id)
            assert h.confirmed_by.memberships.filter(role__name=Role.FINANCE, store=first).exists()
            assert h.expected_cash == method_totals(first, day, cashier=h.cashier)["cash"]
            assert h.difference == h.counted_cash - h.expected_cash
            assert h.at < timezone.now() and timezone.localtime(h.at).date() == day
    # today is left open for the desk
    assert desk.filter(business_date=today).exists()
    assert not DayClose.objects.filter(store=first, business_date=today).exists()
    assert not Handover.objects.filter(store=first, business_date=today).exists()


def test_one_day_is_short_of_a_little_cash_with_its_reason(first):
    short = list(Handover.objects.filter(store=first).exclude(difference=0))
    assert len(short) == 1
    h = short[0]
    assert h.difference == Decimal("-2.00") and h.reason.strip()
    assert h.status == HandoverStatus.CONFIRMED
    assert DayClose.objects.filter(store=first, business_date=h.business_date).exists()
    assert h.business_date >= timezone.localdate() - dt.timedelta(days=7)  # on the desk's first page


def test_trade_customers_have_credit_limits(demo, db):
    for store in Store.objects.filter(code__in=(FIRST, SECOND)):
        trade = list(Party.objects.filter(store=store, kind=PartyKind.TRADE))
        on_credit = [p for p in trade if p.credit_limit > 0]
        assert len(on_credit) >= 2, [(p.name, p.credit_limit) for p in trade]
        for p in on_credit:
            assert party_balance(p) <= p.credit_limit, p.name


def test_a_supplier_payment_request_waits_for_approval(first):
    # the supplier's (the vehicle desk's floor-plan repayments wait for approval too)
    req = PaymentRequest.objects.get(
        store=first, status=RequestStatus.PENDING, party__kind=PartyKind.SUPPLIER
    )
    assert req.party.kind == PartyKind.SUPPLIER and req.reason
    assert req.requested_by.memberships.filter(role__name=Role.PARTS_MANAGER, store=first).exists()
    assert req.amount == sum(ln.amount for ln in req.lines.all()) > 0
    for ln in req.lines.select_related("openitem"):
        assert ln.openitem.direction == Direction.PAYABLE and ln.openitem.party_id == req.party_id
        assert ln.amount <= ln.openitem.open_amount
    assert req.approved_by is None and req.paid == 0


def test_every_store_has_its_account_mapping(demo, db):
    for store in Store.objects.filter(code__in=(FIRST, SECOND)):
        rows = dict(AccountMapping.objects.filter(store=store).values_list("key", "code"))
        assert set(rows) == {str(k) for k in DEFAULT_ACCOUNTS}
    first = dict(AccountMapping.objects.filter(store__code=FIRST).values_list("key", "code"))
    assert first == {str(k): v for k, v in DEFAULT_ACCOUNTS.items()}
    assert AccountMapping.objects.get(store__code=SECOND, key="bank").code == "100201"


def test_a_second_load_changes_nothing(demo, db, settings):
    settings.VAR_DIR = demo
    before = _counts()
    call_command("demo_load", stdout=open("/dev/null", "w"))
    after = _counts()
    changed = {k: (before[k], after[k]) for k in before if k != "core.AuditEvent" and before[k] != after[k]}
    assert not changed, f"a second demo_load added rows: {changed}"
    assert money_differences() == []
