"""The seeds' workshop rules: 交旧领新 on every repair issue (fluids, consumables, accessories exempt) and
the overnight list of every car staying the night (seed 004 §1, §2)."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from fours.core.errors import BusinessError
from fours.core.models import AuditEvent
from fours.parts.models import StockBalance, StockMove
from fours.parts.services import stock_receive
from fours.parts.tests.factories import PartFactory
from fours.service import selectors, services
from fours.service.choices import PartStatus, ROStatus
from fours.service.models import RepairOrder

from .conftest import confirmed, receive


def _unchanged(fn, field, **kw):
    n_audit, n_moves = AuditEvent.objects.count(), StockMove.objects.count()
    with pytest.raises(BusinessError) as e:
        fn(**kw)
    assert field in e.value.message_dict, e.value.message_dict
    assert AuditEvent.objects.count() == n_audit and StockMove.objects.count() == n_moves
    return e.value.message_dict[field][0]


def test_a_customer_paid_repair_part_needs_the_old_part_first(world, store_a):
    w = world
    ro = confirmed(w, store_a)
    pads = ro.parts.get(part=w["pads"])
    assert pads.payer == "customer"
    on_hand = StockBalance.objects.get(store=store_a, part=w["pads"]).on_hand
    msg = _unchanged(services.part_issue, "old_part", actor=w["keeper"], line=pads)
    assert "交旧领新" in msg and w["pads"].part_no in msg
    pads.refresh_from_db()
    assert pads.qty_issued == 0 and pads.status != PartStatus.ISSUED and pads.old_part == ""
    assert StockBalance.objects.get(store=store_a, part=w["pads"]).on_hand == on_hand
    services.part_issue(actor=w["keeper"], line=pads, old_part_handed_in=True)
    pads.refresh_from_db()
    assert (
        pads.status == PartStatus.ISSUED and pads.old_part == "handed_in" and pads.old_part_by == w["keeper"]
    )


def test_fluids_consumables_and_accessories_are_issued_without_an_old_part(world, store_a):
    w = world
    clip = PartFactory(group=store_a.group, name="保险杠卡扣", category="consum")
    mat = PartFactory(group=store_a.group, name="脚垫", category="acc")
    for p in (clip, mat):
        stock_receive(actor=w["pm"], store=store_a, part=p, qty=5, unit_cost=D("3"), doc=p)
    ro = receive(w, store_a)
    for p, qty in ((w["oil"], 4), (clip, 2), (mat, 1)):
        services.ro_part_add(actor=w["advisor"], ro=ro, part=p, qty=qty)
    services.ro_estimate_submit(actor=w["advisor"], ro=ro)
    services.ro_estimate_confirm(actor=w["advisor"], ro=ro, signer_name="王", method="print")
    assert not any(p.needs_old_part for p in (w["oil"], clip, mat)) and w["filter"].needs_old_part
    lines = services.ro_parts_issue(actor=w["keeper"], ro=ro)
    assert {ln.status for ln in lines} == {PartStatus.ISSUED}
    assert {ln.old_part for ln in lines} == {""}  # nothing handed in, nothing recorded as handed in


def test_the_whole_pick_list_needs_the_old_parts(world, store_a):
    w = world
    ro = confirmed(w, store_a)  # the package's oil and filter and the brake pads, all customer-paid
    before = {p: StockBalance.objects.get(store=store_a, part=p).on_hand for p in (w["oil"], w["filter"])}
    msg = _unchanged(services.ro_parts_issue, "old_part", actor=w["keeper"], ro=ro)
    assert w["filter"].part_no in msg
    assert not ro.parts.filter(qty_issued__gt=0).exists()
    assert {p: StockBalance.objects.get(store=store_a, part=p).on_hand for p in before} == before
    services.ro_parts_issue(actor=w["keeper"], ro=ro, old_part_handed_in=True)
    got = {ln.part_id: ln.old_part for ln in ro.parts.all()}
    assert got == {w["oil"].pk: "", w["filter"].pk: "handed_in", w["pads"].pk: "handed_in"}


def test_the_issue_form_asks_the_old_part_only_where_one_is_due(world, store_a, client_for):
    w = world
    ro = confirmed(w, store_a)
    page = client_for(w["keeper"]).get(ro.get_absolute_url()).content.decode()
    forms = page.split('class="d-inline-flex gap-1 align-items-center issue-form"')[1:]
    assert len(forms) == 3
    asked = ['name="old_part"' in f.split("</form>")[0] for f in forms]
    assert asked == [False, True, True]  # oil exempt; filter and pads asked (and required)
    assert "免交旧" in forms[0].split("</form>")[0]


def test_overnight_list_has_every_car_on_site_including_those_received_today(world, store_a, client_for):
    w = world
    today = receive(w, store_a)  # received today, not delivered: it stays the night
    from .factories import vehicle_for

    gone = receive(w, store_a, vehicle=vehicle_for(store_a, w["advisor"], plate="粤A99881"))
    RepairOrder.objects.filter(pk=gone.pk).update(status=ROStatus.DELIVERED)
    rows = selectors.overnight(store_a)
    assert [ro.pk for ro in rows] == [today.pk]
    page = client_for(w["foreman"]).get(reverse("service:overnight")).content.decode()
    assert today.number in page and gone.number not in page
