"""The parts-shortage tracker: a requisition the stock cannot serve opens a shortage beside its emergency
demand; the plan orders it; receiving the part fills the demand (已满足), closes the shortage (已到货, with
its purchase order) and puts the line back on the pick list; the advisor sees it on the home page."""

import pytest

from fours.core.errors import BusinessError
from fours.core.roles import Role
from fours.parts.choices import DemandStatus
from fours.parts.models import PurchaseDemand
from fours.parts.services import plan_approve, plan_propose, plan_submit, plan_to_orders, receipt_post
from fours.parts.tests.factories import SupplierFactory
from fours.service import services
from fours.service.choices import PartStatus, ShortageStatus
from fours.service.models import PartShortage
from fours.service.selectors_workshop import shortages_arrived_for, shortages_list

from .conftest import receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(world, store_a, make_user, group):
    """An order whose headlamp is not in stock: requested, so it waits (缺件)."""
    w = world
    SupplierFactory(group=group, is_oem=True, lead_time_days=3)
    ro = receive(w, store_a)
    services.ro_labour_add(actor=w["advisor"], ro=ro, operation=w["op_brake"])
    line = services.ro_part_add(actor=w["advisor"], ro=ro, part=w["rare"], qty=1)
    w["second"] = services.ro_part_add(actor=w["advisor"], ro=ro, part=w["rare"], qty=2)
    services.ro_estimate_submit(actor=w["advisor"], ro=ro)
    services.ro_estimate_confirm(actor=w["advisor"], ro=ro, signer_name="王建国", method="print")
    services.part_request(actor=w["tech"], line=line)
    line.refresh_from_db()
    w["planner"] = make_user(Role.PARTS_PLANNER, store_a, "planner")
    return ro, line


def _order_and_receive(w, store):
    plan = next(p for p in plan_propose(actor=w["planner"], store=store) if p.lines.exists())
    plan_submit(actor=w["planner"], plan=plan)
    plan_approve(actor=w["pm"], plan=plan)
    (po,) = plan_to_orders(actor=w["pm"], plan=plan)
    return po


def test_shortage_opens_and_receiving_closes_it(world, store_a, waiting):
    w = world
    ro, line = waiting
    assert line.status == PartStatus.WAITING
    sh = PartShortage.objects.get()
    assert (sh.ro, sh.part_line, sh.part, sh.status) == (ro, line, w["rare"], ShortageStatus.OPEN)
    # asking again opens no second shortage
    services.part_issue(actor=w["keeper"], line=line, old_part_handed_in=True)
    assert PartShortage.objects.count() == 1
    po = _order_and_receive(w, store_a)
    row = next(r for r in shortages_list(w["manager"], store_a) if r.pk == sh.pk)
    assert row.po_number == po.number and row.po_expected == po.expected_date
    receipt_post(actor=w["keeper"], order=po, lines=[{"po_line": po.lines.get(), "qty": 1}])
    sh.refresh_from_db()
    line.refresh_from_db()
    assert sh.status == ShortageStatus.ARRIVED and sh.arrived_at and sh.purchase_order == po
    assert line.status == PartStatus.REQUESTED
    assert PurchaseDemand.objects.get().status == DemandStatus.FILLED
    assert [s.pk for s in shortages_arrived_for(w["advisor"], store_a)] == [sh.pk]
    assert shortages_arrived_for(w["advisor2"], store_a) == []
    # now the storekeeper can issue it
    services.part_issue(actor=w["keeper"], line=line, old_part_handed_in=True)
    line.refresh_from_db()
    assert line.status == PartStatus.ISSUED
    assert shortages_arrived_for(w["advisor"], store_a) == []


def test_partial_receipt_keeps_the_shortage_open(world, store_a, waiting):
    w = world
    ro, _line = waiting
    services.part_request(actor=w["tech"], line=w["second"])
    po = _order_and_receive(w, store_a)
    pl = po.lines.get()
    assert pl.qty == 3
    receipt_post(actor=w["keeper"], order=po, lines=[{"po_line": pl, "qty": 1}])
    # the first demand (1) is covered, the second (2) is not
    assert sorted(PartShortage.objects.values_list("status", flat=True)) == ["arrived", "open"]
    assert sorted(PurchaseDemand.objects.values_list("status", flat=True)) == ["filled", "ordered"]


def test_track_refusals_change_nothing(world, store_a, waiting):
    w = world
    w["planner"]
    sh = PartShortage.objects.get()
    with pytest.raises(BusinessError) as e:
        services.shortage_track(actor=w["planner"], shortage=sh, expected_on="2026-13-40")
    assert e.value.error_code == "bad_format" and "expected_on" in e.value.message_dict
    with pytest.raises(BusinessError) as e:
        services.shortage_cancel(actor=w["planner"], shortage=sh, reason=" ")
    assert e.value.error_code == "required" and "reason" in e.value.message_dict
    sh.refresh_from_db()
    assert sh.status == ShortageStatus.OPEN and sh.expected_on is None
    services.shortage_track(actor=w["planner"], shortage=sh, expected_on="2030-01-05", note="厂家缺货，已催")
    sh.refresh_from_db()
    assert str(sh.expected_on) == "2030-01-05" and sh.note == "厂家缺货，已催"
    services.shortage_cancel(actor=w["planner"], shortage=sh, reason="客户改用副厂件")
    with pytest.raises(BusinessError) as e:
        services.shortage_track(actor=w["planner"], shortage=sh, note="x")
    assert e.value.error_code == "bad_transition"
