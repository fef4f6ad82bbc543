"""Races on PostgreSQL: two finance clerks record the manufacturer's payment of one claim, two advisors
collect the same insurer's payment, the clerk signs a line twice at once. Exactly one wins; the other gets
a clear refusal and nothing is paid twice."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from fours.core.errors import BusinessError
from fours.core.roles import Role
from fours.finance.models import Payment
from fours.service.models import WarrantyClaim
from fours.service.services import claims as cs
from tests.race import race

from .factories import build_world
from .test_claims import _settled_claim_ro


@pytest.fixture
def w(store_a, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proven on PostgreSQL")
    world = build_world(store_a, make_user)
    world["clerk"] = make_user(Role.WARRANTY_CLERK, store_a, "clerk")
    world["finance"] = make_user(Role.FINANCE, store_a, "fin")
    world["finance2"] = make_user(Role.FINANCE, store_a, "fin2")
    v = world["vehicle"]
    v.sale_date = timezone.localdate() - dt.timedelta(days=100)
    v.save(update_fields=["sale_date"])
    return world


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_payments_of_one_claim_pay_it_once(w, store_a):
    ro, lab, part = _settled_claim_ro(w, store_a)
    clerk = w["clerk"]
    claim = cs.claim_create(actor=clerk, ro=ro, failure="异响", fault_code="C1")
    cs.old_part_tag(actor=clerk, claim=claim, part_line=part)
    cs.claim_submit(actor=clerk, claim=claim)
    claim = cs.claim_decide(actor=clerk, claim=claim, result="approved")
    n = Payment.objects.count()
    ok, refused, errors = race(
        *(
            lambda u=u: cs.claim_payment(actor=u, claim=claim, amount=claim.approved_amount)
            for u in (w["finance"], w["finance2"])
        ),
        refusal=BusinessError,
    )
    assert errors == [] and len(ok) == 1 and len(refused) == 1
    assert refused[0].error_code == "bad_transition"
    claim = WarrantyClaim.objects.get(pk=claim.pk)
    assert claim.status == "paid" and claim.paid_amount == claim.approved_amount
    assert Payment.objects.count() == n + 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_clerk_signs_a_line_once(w, store_a, make_user):
    from .test_claims import _warranty_ro

    ro, lab, part = _warranty_ro(w, store_a)
    clerk2 = make_user(Role.WARRANTY_CLERK, store_a, "clerk2")
    ok, refused, errors = race(
        *(lambda u=u: cs.warranty_sign(actor=u, line=part) for u in (w["clerk"], clerk2)),
        refusal=BusinessError,
    )
    assert errors == [] and len(ok) == 1 and len(refused) == 1
    assert refused[0].error_code == "not_pending"
