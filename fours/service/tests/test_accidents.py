"""Accident jobs: insurer, assessment, repair agreement, settlement into the insurer's receivable, collection
through finance with the gap between assessed and final amounts; the contact log's monthly minimum."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from fours.core.roles import Role
from fours.finance.models import Party, Payment
from fours.service import services
from fours.service.models import AccidentJob, AssessmentItem
from fours.service.services import accidents as acc

from .conftest import ALL_OK, pay_at_desk, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(world, store_a, make_user):
    world["finance"] = make_user(Role.FINANCE, store_a, "fin")
    return world


def code_of(e) -> str:
    return e.value.error_code


ITEMS = [
    {"name": "前保险杠钣金", "kind": "工时", "assessed": "800"},
    {"name": "前保险杠喷漆", "kind": "喷漆", "assessed": "1200", "agreed": "1100"},
]


def _accident_ro(w, store):
    ro = receive(w, store, data={"kind": "accident", "insurer": "平安保险", "claim_no": "RPA2026001"})
    return ro


def _finish(w, ro):
    for ln in ro.labour.all():
        services.line_dispatch(actor=w["foreman"], line=ln, technician=w["tech"], bay=w["bay"])
        services.clock_on(actor=w["tech"], line=ln)
        services.clock_off(actor=w["tech"], line=ln, finished=True)
    ro.refresh_from_db()
    services.qc_record(actor=w["qc"], ro=ro, checklist=ALL_OK, passed=True)
    ro.refresh_from_db()
    services.ro_settle(actor=w["cashier"], ro=ro)
    ro.refresh_from_db()
    return ro


def test_an_accident_job_reaches_collection_from_the_insurer(w, store_a):
    adv = w["advisor"]
    ro = _accident_ro(w, store_a)
    job = acc.accident_open(actor=adv, ro=ro, claim_no="RPA2026001", policy_no="PDAA2026")
    assert job.insurer.kind == "insurer" and job.insurer.name == "平安保险" and job.number.startswith("SG")
    job = acc.accident_assess(actor=adv, job=job, items=ITEMS, assessor="李定损")
    assert job.status == "assessed" and job.assessed_amount == D("2000") and job.agreed_amount == D("1900")
    job = acc.accident_agree(actor=adv, job=job, signer_name="王建国", excess="200")
    assert job.status == "agreed" and job.agreement_signed_at is not None
    services.ro_labour_add(actor=adv, ro=ro, operation=w["op_brake"], payer="insurance")
    services.ro_labour_add(actor=adv, ro=ro, operation=w["op_diag"], payer="customer")
    services.ro_estimate_submit(actor=adv, ro=ro)
    services.ro_estimate_confirm(actor=adv, ro=ro, signer_name="王建国", method="print")
    ro.refresh_from_db()
    # not before the order is settled
    with pytest.raises(ValidationError) as e:
        acc.accident_settle(actor=adv, job=job)
    assert code_of(e) == "not_settled"
    ro = _finish(w, ro)
    job = acc.accident_settle(actor=adv, job=job)
    m = acc.job_money(job)
    assert job.status == "settled" and job.final_amount == m["final"] > 0
    assert m["gap"] == job.assessed_amount - job.final_amount
    # a reassessment lowering a settled job is refused, nothing changed
    with pytest.raises(ValidationError) as e:
        acc.accident_assess(actor=adv, job=job, items=[{"name": "前保险杠", "assessed": "100"}])
    assert code_of(e) == "settled_lower" and "items" in e.value.message_dict
    job.refresh_from_db()
    assert job.assessed_amount == D("2000") and AssessmentItem.objects.filter(job=job).count() == 2
    # more than the insurer owes is refused; a part, then the rest
    n = Payment.objects.count()
    with pytest.raises(ValidationError) as e:
        acc.accident_collect(actor=w["finance"], job=job, amount=m["open"] + 1)
    assert code_of(e) == "overpayment" and Payment.objects.count() == n
    acc.accident_collect(actor=w["finance"], job=job, amount="10", reference="PA-1")
    job.refresh_from_db()
    assert job.status == "settled"
    acc.accident_collect(actor=w["finance"], job=job, amount=m["open"] - 10, reference="PA-2")
    job.refresh_from_db()
    assert job.status == "collected" and acc.job_money(job)["open"] == 0
    pay_at_desk(w, ro)


def test_an_underpaying_insurer_is_written_off_within_the_limit(w, store_a):
    adv = w["advisor"]
    ro = _accident_ro(w, store_a)
    job = acc.accident_open(actor=adv, ro=ro, claim_no="RPA2026002")
    acc.accident_assess(actor=adv, job=job, items=ITEMS[:1])
    acc.accident_agree(actor=adv, job=job, signer_name="王建国")
    services.ro_labour_add(actor=adv, ro=ro, operation=w["op_brake"], payer="insurance")
    services.ro_estimate_submit(actor=adv, ro=ro)
    services.ro_estimate_confirm(actor=adv, ro=ro, signer_name="王建国", method="print")
    ro.refresh_from_db()
    _finish(w, ro)
    job = acc.accident_settle(actor=adv, job=job)
    acc.accident_collect(actor=w["finance"], job=job, amount=job.final_amount - 50)
    with pytest.raises(ValidationError) as e:
        acc.accident_writeoff(actor=adv, job=job, reason="保险少赔")
    assert code_of(e) == "over_limit"
    acc.accident_writeoff(actor=w["manager"], job=job, reason="保险少赔")
    job.refresh_from_db()
    assert job.status == "collected"


def test_accident_refusals_name_the_field(w, store_a):
    adv = w["advisor"]
    ro = receive(w, store_a)
    with pytest.raises(ValidationError) as e:
        acc.accident_open(actor=adv, ro=ro, claim_no="R1")
    assert code_of(e) == "required" and "insurer" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        acc.accident_open(actor=adv, ro=ro, insurer_name="人保", claim_no=" ")
    assert code_of(e) == "required" and "claim_no" in e.value.message_dict
    assert not AccidentJob.objects.exists()
    job = acc.accident_open(actor=adv, ro=ro, insurer_name="人保财险", claim_no="R1")
    ro.refresh_from_db()
    assert ro.insurer == "人保财险" and ro.claim_no == "R1"
    with pytest.raises(ValidationError) as e:
        acc.accident_open(actor=adv, ro=ro, claim_no="R2")
    assert code_of(e) == "duplicate"
    with pytest.raises(ValidationError) as e:
        acc.accident_assess(actor=adv, job=job, items=[{"name": "喷漆", "assessed": "-5"}])
    assert "items.0.assessed" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        acc.accident_agree(actor=adv, job=job, signer_name="王")
    assert code_of(e) == "bad_transition"
    acc.accident_assess(actor=adv, job=job, items=ITEMS)
    with pytest.raises(ValidationError) as e:
        acc.accident_agree(actor=adv, job=job, signer_name="王", excess="5000")
    assert code_of(e) == "out_of_range" and "excess" in e.value.message_dict
    job.refresh_from_db()
    assert job.status == "assessed" and job.agreement_signed_at is None


def test_insurer_contacts(w, store_a):
    adv = w["advisor"]
    insurer = acc.insurer_party(store_a, "平安保险")
    with pytest.raises(ValidationError) as e:
        acc.insurer_contact_add(actor=adv, store=store_a, insurer=insurer, kind="visit", subject="")
    assert code_of(e) == "required" and "subject" in e.value.message_dict
    supplier = Party.objects.create(store=store_a, kind="supplier", name="配件供应商")
    with pytest.raises(ValidationError) as e:
        acc.insurer_contact_add(actor=adv, store=store_a, insurer=supplier, kind="visit", subject="x")
    assert code_of(e) == "out_of_scope"
    for _i in range(3):
        acc.insurer_contact_add(actor=adv, store=store_a, insurer=insurer, kind="call", subject="催收回款")
    assert acc.contact_minimum(insurer) == 4
