"""Warranty at the line, the clerk's sign-off before a warranty part is issued, claims from submission to
the manufacturer's payment matched in finance, old-part tags and return shipments; refusals name the field
and change nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fours.core.roles import Role
from fours.customers.models import Brand
from fours.finance.models import OpenItem, Payment
from fours.service import services
from fours.service.models import ClaimLine, OldPartTag, PartLine, WarrantyClaim
from fours.service.services import claims as cs

from .conftest import ALL_OK, pay_at_desk, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(world, store_a, make_user):
    world["clerk"] = make_user(Role.WARRANTY_CLERK, store_a, "clerk")
    world["finance"] = make_user(Role.FINANCE, store_a, "fin")
    v = world["vehicle"]
    v.sale_date = timezone.localdate() - dt.timedelta(days=200)
    v.save(update_fields=["sale_date"])
    return world


def code_of(e) -> str:
    return e.value.error_code


def _warranty_ro(w, store, **kw):
    """In for a brake failure under warranty: the brake job and its pads on 索赔, estimate confirmed."""
    ro = receive(w, store, **kw)
    lab = services.ro_labour_add(actor=w["advisor"], ro=ro, operation=w["op_brake"], payer="warranty")
    part = services.ro_part_add(
        actor=w["advisor"], ro=ro, part=w["pads"], qty=1, payer="warranty", labour=lab
    )
    services.ro_labour_add(actor=w["advisor"], ro=ro, operation=w["op_oil"])
    services.ro_estimate_submit(actor=w["advisor"], ro=ro)
    services.ro_estimate_confirm(actor=w["advisor"], ro=ro, signer_name="王建国", method="print")
    ro.refresh_from_db()
    return ro, lab, part


def _settled_claim_ro(w, store):
    ro, lab, part = _warranty_ro(w, store)
    cs.warranty_sign(actor=w["clerk"], line=lab)
    cs.warranty_sign(actor=w["clerk"], line=part)
    for ln in ro.labour.all():
        services.line_dispatch(actor=w["foreman"], line=ln, technician=w["tech"], bay=w["bay"])
        services.clock_on(actor=w["tech"], line=ln)
        services.clock_off(actor=w["tech"], line=ln, finished=True)
    services.part_issue(actor=w["keeper"], line=part, old_part_handed_in=True)
    ro.refresh_from_db()
    services.qc_record(actor=w["qc"], ro=ro, checklist=ALL_OK, passed=True)
    ro.refresh_from_db()
    services.ro_settle(actor=w["cashier"], ro=ro)
    ro.refresh_from_db()
    part.refresh_from_db()
    return ro, lab, part


# --- warranty at the line ---------------------------------------------------------------------------------


def test_a_warranty_line_on_a_vehicle_out_of_warranty_by_date_is_refused(w, store_a):
    v = w["vehicle"]
    v.sale_date = timezone.localdate() - dt.timedelta(days=4 * 365)
    v.save(update_fields=["sale_date"])
    ro = receive(w, store_a)
    with pytest.raises(ValidationError) as e:
        services.ro_labour_add(actor=w["advisor"], ro=ro, operation=w["op_brake"], payer="warranty")
    assert code_of(e) == "out_of_warranty" and "payer" in e.value.message_dict
    assert not ro.labour.exists()
    # the vehicle's own end date wins over the brand's policy
    v.warranty_end = timezone.localdate() + dt.timedelta(days=30)
    v.save(update_fields=["warranty_end"])
    services.ro_labour_add(actor=w["advisor"], ro=ro, operation=w["op_brake"], payer="warranty")


def test_a_warranty_line_over_the_warranty_mileage_is_refused(w, store_a):
    brand = Brand.objects.get(name="丰田")
    ro = receive(w, store_a, km=brand.warranty_km + 1)
    with pytest.raises(ValidationError) as e:
        services.ro_part_add(actor=w["advisor"], ro=ro, part=w["pads"], qty=1, payer="warranty")
    assert code_of(e) == "out_of_warranty" and "payer" in e.value.message_dict
    assert not ro.parts.exists()
    # a customer line is fine
    services.ro_part_add(actor=w["advisor"], ro=ro, part=w["pads"], qty=1)


def test_a_part_replaced_under_warranty_keeps_its_own_warranty(w, store_a):
    ro, _lab, part = _settled_claim_ro(w, store_a)
    pay_at_desk(w, ro)
    services.ro_deliver(actor=w["advisor"], ro=ro)
    v = w["vehicle"]
    v.warranty_end = timezone.localdate() - dt.timedelta(days=1)  # the vehicle is out now
    v.save(update_fields=["warranty_end"])
    ro2 = receive(w, store_a, km=20000)
    with pytest.raises(ValidationError):
        services.ro_labour_add(actor=w["advisor"], ro=ro2, operation=w["op_brake"], payer="warranty")
    line = services.ro_part_add(actor=w["advisor"], ro=ro2, part=w["pads"], qty=1, payer="warranty")
    assert cs.ro_warranty(ro2, w["pads"]).by_part
    cs.warranty_sign(actor=w["clerk"], line=line)


# --- the clerk's sign-off ---------------------------------------------------------------------------------


def test_a_warranty_part_is_not_issued_before_the_clerks_sign_off(w, store_a):
    ro, lab, part = _warranty_ro(w, store_a)
    with pytest.raises(ValidationError) as e:
        services.part_issue(actor=w["keeper"], line=part, old_part_handed_in=True)
    assert code_of(e) == "warranty_unsigned" and "line" in e.value.message_dict
    part.refresh_from_db()
    assert part.qty_issued == 0 and part.status == "planned"
    with pytest.raises(ValidationError):
        services.ro_parts_issue(actor=w["keeper"], ro=ro, old_part_handed_in=True)
    assert not PartLine.objects.filter(ro=ro, qty_issued__gt=0).exists()
    # only the clerk signs
    with pytest.raises(PermissionDenied):
        cs.warranty_sign(actor=w["advisor"], line=part)
    cs.warranty_sign(actor=w["clerk"], line=part)
    services.part_issue(actor=w["keeper"], line=part, old_part_handed_in=True)
    part.refresh_from_db()
    assert part.status == "issued" and part.old_part == "warranty"
    with pytest.raises(ValidationError) as e:
        cs.warranty_sign(actor=w["clerk"], line=part)
    assert code_of(e) == "not_pending"


def test_the_clerk_cannot_sign_without_a_warranty_start(w, store_a):
    v = w["vehicle"]
    v.sale_date = None
    v.save(update_fields=["sale_date"])
    ro, lab, _part = _warranty_ro(w, store_a)
    with pytest.raises(ValidationError) as e:
        cs.warranty_sign(actor=w["clerk"], line=lab)
    assert code_of(e) == "warranty_unknown"
    lab.refresh_from_db()
    assert lab.warranty_signed_at is None


# --- claims -------------------------------------------------------------------------------------------------


def test_a_claim_walks_submission_rejection_resubmission_approval_payment_and_the_shipment(w, store_a):
    brand = Brand.objects.get(name="丰田")
    brand.claim_labour_rate, brand.claim_parts_markup_pct, brand.claim_days = D("150"), D("10"), 20
    brand.save()
    ro, lab, part = _settled_claim_ro(w, store_a)
    clerk = w["clerk"]
    claim = cs.claim_create(actor=clerk, ro=ro, failure="前制动异响，刹车片异常磨损")
    assert claim.number.startswith("SP") and claim.status == "draft"
    assert claim.labour_amount == (lab.hours * D("150")).quantize(D("0.01"))
    assert claim.parts_amount == (w["pads"].list_price * D("1.1")).quantize(D("0.01"))
    assert claim.deadline == claim.repaired_on + dt.timedelta(days=20)
    assert claim.causal_part == w["pads"]
    # checks: the fault code, the old part's tag
    with pytest.raises(ValidationError) as e:
        cs.claim_submit(actor=clerk, claim=claim)
    assert code_of(e) == "required" and "fault_code" in e.value.message_dict
    cs.claim_update(actor=clerk, claim=claim, data={"fault_code": "C1234"})
    with pytest.raises(ValidationError) as e:
        cs.claim_submit(actor=clerk, claim=claim)
    assert code_of(e) == "old_part_untagged" and "tags" in e.value.message_dict
    claim.refresh_from_db()
    assert claim.status == "draft" and claim.submissions == 0
    tag = cs.old_part_tag(actor=clerk, claim=claim, part_line=part, location="旧件架A")
    assert tag.tag_no == f"{claim.number}-01"
    cs.claim_submit(actor=clerk, claim=claim)
    claim = cs.claim_decide(
        actor=clerk, claim=claim, result="rejected", reject_reason="documents", note="缺检测报告"
    )
    assert claim.status == "rejected" and claim.reject_reason == "documents"
    cs.claim_update(actor=clerk, claim=claim, data={"failure": "前制动异响；附检测报告"})
    cs.claim_submit(actor=clerk, claim=claim)
    claim.refresh_from_db()
    assert claim.submissions == 2 and claim.status == "submitted" and claim.reject_reason == ""
    claim = cs.claim_decide(actor=clerk, claim=claim, result="approved", oem_ref="OEM-1")
    assert claim.approved_amount == claim.amount
    owed, open_ = cs.claim_receivable(claim)
    assert owed == claim.amount  # the settled share plus what the claim posted beyond it
    # a payment larger than the claim is refused, nothing taken
    n = Payment.objects.count()
    with pytest.raises(ValidationError) as e:
        cs.claim_payment(actor=w["finance"], claim=claim, amount=claim.amount + 1)
    assert code_of(e) == "overpayment" and "claims.0.amount" in e.value.message_dict
    assert Payment.objects.count() == n
    with pytest.raises(PermissionDenied):
        cs.claim_payment(actor=clerk, claim=claim, amount=10)
    pay = cs.claim_payment(actor=w["finance"], claim=claim, amount=claim.amount, reference="OEM-PAY-1")
    claim.refresh_from_db()
    assert claim.status == "paid" and claim.paid_amount == claim.amount and pay.allocated == claim.amount
    assert cs.claim_receivable(claim)[1] == 0
    # the old part ships back with a packing list
    ship = cs.shipment_create(actor=clerk, store=store_a, brand=brand, tags=[tag])
    with pytest.raises(ValidationError) as e:
        cs.shipment_ship(actor=clerk, shipment=ship, carrier="顺丰", waybill="")
    assert code_of(e) == "required" and "waybill" in e.value.message_dict
    cs.shipment_ship(actor=clerk, shipment=ship, carrier="顺丰", waybill="SF123")
    tag.refresh_from_db()
    assert tag.status == "shipped" and tag.shipment_id == ship.pk
    cs.shipment_receive(actor=clerk, shipment=ship)


def test_a_partial_approval_leaves_a_difference_written_off_within_the_limit(w, store_a, make_user):
    ro, lab, part = _settled_claim_ro(w, store_a)
    clerk = w["clerk"]
    claim = cs.claim_create(actor=clerk, ro=ro, failure="异响", fault_code="C1")
    cs.old_part_tag(actor=clerk, claim=claim, part_line=part)
    cs.claim_submit(actor=clerk, claim=claim)
    with pytest.raises(ValidationError) as e:
        cs.claim_decide(actor=clerk, claim=claim, result="partly", approved_amount=claim.amount)
    assert code_of(e) == "out_of_range"
    claim = cs.claim_decide(actor=clerk, claim=claim, result="partly", approved_amount="100")
    owed, _o = cs.claim_receivable(claim)
    gap = cs.claim_gap(claim)
    assert gap == owed - D("100") and gap > 0
    # the manufacturer pays the approved 100; then the rest is written off by someone whose limit covers it
    cs.claim_payment(actor=w["finance"], claim=claim, amount="100")
    claim.refresh_from_db()
    assert claim.status == "paid"
    if gap > D("2000"):
        with pytest.raises(ValidationError) as e:
            cs.claim_writeoff(actor=clerk, claim=claim, reason="厂家部分批准")
        assert code_of(e) == "over_limit"
    cs.claim_writeoff(actor=w["manager"], claim=claim, reason="厂家部分批准")
    assert cs.claim_receivable(claim) == (D("100"), D("0"))
    with pytest.raises(ValidationError) as e:
        cs.claim_writeoff(actor=w["manager"], claim=claim, reason="再次")
    assert code_of(e) == "not_pending"


def test_a_claim_before_settlement_or_with_unsigned_lines_is_refused(w, store_a):
    ro, lab, part = _warranty_ro(w, store_a)
    with pytest.raises(ValidationError) as e:
        cs.claim_create(actor=w["clerk"], ro=ro)
    assert code_of(e) == "not_settled"
    assert not WarrantyClaim.objects.exists()


def test_a_rejected_claim_closed_writes_its_receivable_off(w, store_a):
    ro, lab, part = _settled_claim_ro(w, store_a)
    clerk = w["clerk"]
    claim = cs.claim_create(actor=clerk, ro=ro, failure="异响", fault_code="C1")
    cs.old_part_tag(actor=clerk, claim=claim, part_line=part)
    cs.claim_submit(actor=clerk, claim=claim)
    cs.claim_decide(actor=clerk, claim=claim, result="rejected", reject_reason="misuse")
    with pytest.raises(ValidationError) as e:
        cs.claim_close(actor=clerk, claim=claim, reason="")
    assert code_of(e) == "required"
    cs.claim_close(actor=w["manager"], claim=claim, reason="使用不当，认可拒赔")
    claim.refresh_from_db()
    assert claim.status == "closed" and cs.claim_receivable(claim) == (D("0"), D("0"))
    # the lines are not claimed twice
    with pytest.raises(ValidationError) as e:
        cs.claim_create(actor=clerk, ro=ro)
    assert code_of(e) == "no_lines"


def test_a_claim_without_its_old_part_tag_cannot_be_tagged_from_another_claim(w, store_a):
    ro, lab, part = _settled_claim_ro(w, store_a)
    claim = cs.claim_create(actor=w["clerk"], ro=ro, failure="异响", fault_code="C1")
    other = PartLine.objects.create(
        ro=ro, part=w["filter"], qty=1, unit_price=1, amount=1, payer="customer", status="issued"
    )
    with pytest.raises(ValidationError) as e:
        cs.old_part_tag(actor=w["clerk"], claim=claim, part_line=other)
    assert code_of(e) == "mismatch"
    cs.old_part_tag(actor=w["clerk"], claim=claim, part_line=part)
    with pytest.raises(ValidationError) as e:
        cs.old_part_tag(actor=w["clerk"], claim=claim, part_line=part)
    assert code_of(e) == "duplicate"
    assert OldPartTag.objects.count() == 1


def test_scrap_on_instruction(w, store_a):
    ro, lab, part = _settled_claim_ro(w, store_a)
    claim = cs.claim_create(actor=w["clerk"], ro=ro, failure="异响", fault_code="C1")
    tag = cs.old_part_tag(actor=w["clerk"], claim=claim, part_line=part)
    with pytest.raises(ValidationError) as e:
        cs.old_part_scrap(actor=w["clerk"], tag=tag, instruction=" ")
    assert code_of(e) == "required" and "instruction" in e.value.message_dict
    cs.old_part_scrap(actor=w["clerk"], tag=tag, instruction="厂家通知就地报废 2026-12")
    tag.refresh_from_db()
    part.refresh_from_db()
    assert tag.status == "scrapped" and part.old_part == "scrapped"


def test_claim_lines_price_at_the_brand_rates(w, store_a):
    ro, lab, part = _settled_claim_ro(w, store_a)
    claim = cs.claim_create(actor=w["clerk"], ro=ro)
    rows = list(ClaimLine.objects.filter(claim=claim))
    assert {r.labour_id for r in rows if r.labour_id} == {lab.pk}
    assert {r.part_line_id for r in rows if r.part_line_id} == {part.pk}
    assert claim.amount == sum(r.amount for r in rows)
    assert OpenItem.objects.filter(source="ro_warranty").count() == 1


# --- KPIs ---------------------------------------------------------------------------------------------------


def _claimed(w, store, *, tag=True):
    ro, lab, part = _settled_claim_ro(w, store)
    claim = cs.claim_create(actor=w["clerk"], ro=ro, failure="异响", fault_code="C1")
    if tag:
        cs.old_part_tag(actor=w["clerk"], claim=claim, part_line=part)
    return ro, claim


def test_the_claim_kpis_equal_a_recount_of_the_claims(w, store_a):
    from fours.service.selectors_claims import claim_kpis

    clerk = w["clerk"]
    outcomes = []
    for path in [["approved"], ["rejected:documents", "approved"], ["rejected:misuse"], ["partly"]]:
        ro, claim = _claimed(w, store_a)
        for step in path:
            cs.claim_submit(actor=clerk, claim=claim)
            result, _s, reason = step.partition(":")
            cs.claim_decide(
                actor=clerk,
                claim=claim,
                result=result,
                reject_reason=reason,
                approved_amount="50" if result == "partly" else None,
            )
        claim.refresh_from_db()
        if claim.status == "approved":
            cs.claim_payment(actor=w["finance"], claim=claim, amount=claim.approved_amount)
        outcomes.append(claim)
        # the next order is a new visit of the same car: finish this one first
        pay_at_desk(w, ro)
        services.ro_deliver(actor=w["advisor"], ro=ro)
    k = claim_kpis(store_a)
    claims = list(WarrantyClaim.objects.filter(store=store_a))
    # a recount: 4 claims decided; first pass = one submission and accepted
    first = [c for c in claims if c.submissions == 1 and c.status in ("approved", "partly", "paid")]
    assert k["decided"] == 4 and k["first_pass"] == len(first) == 2
    assert k["first_pass_rate"] == D("50.0")
    # five decisions, two of them rejections (one of a claim later approved)
    assert k["decisions"] == 5 and k["rejections"] == 2 and k["rejection_rate"] == D("40.0")
    assert {r["reason"]: r["n"] for r in k["by_reason"]} == {"documents": 1, "misuse": 1}
    assert k["paid"] == 2 and k["cycle_days"] == 0
    unpaid = sum(
        (c.amount if c.status == "rejected" else (c.approved_amount or c.amount) - c.paid_amount)
        for c in claims
        if c.status not in ("paid", "closed")
    )
    assert k["pending_total"] == unpaid and k["pending_by_age"][0]["amount"] == unpaid


def test_the_clerk_declines_a_line_that_is_not_a_warranty_case(w, store_a):
    ro, lab, part = _warranty_ro(w, store_a)
    with pytest.raises(ValidationError) as e:
        cs.warranty_decline(actor=w["clerk"], line=part, reason=" ")
    assert code_of(e) == "required" and "reason" in e.value.message_dict
    part.refresh_from_db()
    assert part.payer == "warranty"
    line = cs.warranty_decline(actor=w["clerk"], line=part, reason="刹车片属易损件，不在三包范围")
    assert line.payer == "customer" and line.unit_price == w["pads"].retail_price
    assert line.approval == "pending"  # the customer confirms the new cost
    with pytest.raises(ValidationError) as e:
        cs.warranty_decline(actor=w["clerk"], line=part, reason="再次")
    assert code_of(e) == "mismatch"
    cs.warranty_sign(actor=w["clerk"], line=lab)
    with pytest.raises(ValidationError) as e:
        cs.warranty_decline(actor=w["clerk"], line=lab, reason="x")
    assert code_of(e) == "not_pending"
