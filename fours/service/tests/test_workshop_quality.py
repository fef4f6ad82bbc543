"""QC paperwork and comebacks: process and body-before-paint inspections while the car is worked on, the
completion inspection giving the 出厂合格证 (refused while body work lacks its check before paint), the
guarantee period per category, a comeback linked to the first order and its technician, and refusals."""

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from fours.core.errors import BusinessError
from fours.service import services
from fours.service.choices import InspectionStage
from fours.service.models import Comeback, LabourOperation, StageInspection
from fours.service.services import quality as q

from .conftest import ALL_OK, confirmed, finish_work, pay_at_desk, receive

pytestmark = pytest.mark.django_db

ALL = {stage: {k: True for k, _l in items} for stage, items in q.CHECKLISTS.items()}


def delivered(w, store, *, km=12000):
    ro = finish_work(w, confirmed(w, store, km=km))
    services.qc_record(actor=w["qc"], ro=ro, checklist=ALL_OK, passed=True)
    st = services.ro_settle(actor=w["cashier"], ro=ro)
    if st.customer_amount:
        pay_at_desk(w, ro)
    services.ro_deliver(actor=w["advisor"], ro=ro)
    ro.refresh_from_db()
    return ro


def test_stage_inspections_and_certificate(world, store_a):
    w = world
    ro = confirmed(w, store_a)
    body = LabourOperation.objects.create(
        group=store_a.group, code="S100", name="前翼子板钣金", category="body"
    )
    # process inspection during the work; a pass needs every item
    with pytest.raises(BusinessError) as e:
        q.stage_inspect(actor=w["qc"], ro=ro, stage="process", checklist={"procedure": True}, passed=True)
    assert e.value.error_code == "checklist_incomplete" and not StageInspection.objects.exists()
    q.stage_inspect(actor=w["qc"], ro=ro, stage="process", checklist=ALL["process"], passed=True)
    # no body job: no body check
    with pytest.raises(BusinessError) as e:
        q.stage_inspect(actor=w["qc"], ro=ro, stage="body", checklist=ALL["body"], passed=True)
    assert e.value.error_code == "mismatch"
    # completion only after the final QC
    with pytest.raises(BusinessError) as e:
        q.stage_inspect(actor=w["qc"], ro=ro, stage="completion", checklist=ALL["completion"], passed=True)
    assert e.value.error_code == "bad_transition" and "stage" in e.value.message_dict
    assert body.category == "body"
    ro = finish_work(w, ro)
    services.qc_record(actor=w["qc"], ro=ro, checklist=ALL_OK, passed=True)
    with pytest.raises(BusinessError) as e:
        q.stage_inspect(
            actor=w["qc"],
            ro=ro,
            stage="completion",
            checklist=ALL["completion"],
            passed=True,
            data={"speed": "快"},
        )
    assert e.value.error_code == "bad_format" and "data.speed" in e.value.message_dict
    insp = q.stage_inspect(
        actor=w["qc"],
        ro=ro,
        stage="completion",
        checklist=ALL["completion"],
        passed=True,
        data={"road_km": "5", "speed": "60", "brake_m": "12.5"},
    )
    assert insp.certificate_no == f"HG{ro.number}" and insp.data["brake_m"] == "12.5"
    assert StageInspection.objects.filter(ro=ro).count() == 2


def test_body_work_needs_its_check_before_paint(world, store_a):
    w = world
    body = LabourOperation.objects.create(
        group=store_a.group, code="S100", name="前翼子板钣金", category="body"
    )
    ro = receive(w, store_a)
    services.ro_labour_add(actor=w["advisor"], ro=ro, operation=body)
    services.ro_estimate_submit(actor=w["advisor"], ro=ro)
    services.ro_estimate_confirm(actor=w["advisor"], ro=ro, signer_name="王建国", method="print")
    ro.refresh_from_db()
    with pytest.raises(BusinessError) as e:
        q.stage_inspect(actor=w["qc"], ro=ro, stage="body", checklist={}, passed=False)
    assert e.value.error_code == "required" and "note" in e.value.message_dict
    q.stage_inspect(actor=w["qc"], ro=ro, stage="body", checklist={}, passed=False, note="缝隙不均，返工")
    ro = finish_work(w, ro)
    services.qc_record(actor=w["qc"], ro=ro, checklist=ALL_OK, passed=True)
    with pytest.raises(BusinessError) as e:
        q.stage_inspect(actor=w["qc"], ro=ro, stage="completion", checklist=ALL["completion"], passed=True)
    assert e.value.error_code == "body_check_missing"
    assert not StageInspection.objects.filter(stage=InspectionStage.COMPLETION).exists()


def test_comeback_within_the_guarantee_period(world, store_a):
    w = world
    first = delivered(w, store_a, km=12000)
    brake = first.labour.get(code="B010")
    again = receive(w, store_a, km=12800)
    assert q.guarantee_of(store_a, "mech") == (30, 5000)
    with pytest.raises(BusinessError) as e:
        q.comeback_record(actor=w["advisor"], ro=again, original=first, reason=" ")
    assert e.value.error_code == "required" and "reason" in e.value.message_dict
    cb = q.comeback_record(
        actor=w["advisor"], ro=again, original=first, original_line=brake, reason="刹车异响复现"
    )
    assert (cb.original, cb.technician, cb.original_line) == (first, w["tech"], brake)
    with pytest.raises(BusinessError) as e:
        q.comeback_record(actor=w["advisor"], ro=again, original=first, reason="再登记")
    assert e.value.error_code == "duplicate" and Comeback.objects.count() == 1


def test_a_comeback_outside_the_period_is_refused(world, store_a):
    w = world
    first = delivered(w, store_a, km=12000)
    q.guarantee_period_set(actor=w["manager"], store=store_a, category="mech", days=10, km=2000)
    q.guarantee_period_set(actor=w["manager"], store=store_a, category="maint", days=10, km=2000)
    later = timezone.now() + dt.timedelta(days=15)
    with mock.patch("django.utils.timezone.now", return_value=later):
        again = receive(w, store_a, km=12500)
    with pytest.raises(BusinessError) as e:
        q.comeback_record(actor=w["advisor"], ro=again, original=first, reason="刹车异响")
    assert e.value.error_code == "out_of_guarantee" and "original" in e.value.message_dict
    assert not Comeback.objects.exists()
    with pytest.raises(BusinessError) as e:
        q.guarantee_period_set(actor=w["manager"], store=store_a, category="mech", days="0", km=1)
    assert e.value.error_code == "out_of_range" and "days" in e.value.message_dict
