"""The whole service flow through the services, and what each step writes."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from fours.core.errors import BusinessError
from fours.core.models import AuditEvent
from fours.customers.models import OdometerReading
from fours.finance.models import OpenItem, Party
from fours.finance.selectors.checks import money_differences
from fours.finance.services.ledger import advance_of, customer_party
from fours.parts.models import FillRateRecord, PurchaseDemand, StockBalance, StockMove
from fours.service import selectors, services
from fours.service.choices import Approval, ApptStatus, LabourStatus, PartStatus, ROStatus
from fours.service.models import FollowUpTask, Rework, Settlement

from .conftest import ALL_OK, confirmed, customer_item, finish_work, pay_at_desk, ready_to_settle, receive
from .factories import vehicle_for


def test_reception_appends_odometer_and_package_lines(world, store_a):
    ro = receive(
        world, store_a, package=world["package"], data={"damage_marks": [{"x": 10, "y": 20, "kind": "dent"}]}
    )
    assert ro.number.startswith("RO-") and ro.status == ROStatus.RECEIVED
    assert OdometerReading.objects.filter(
        vehicle=world["vehicle"], value_km=12000, document=ro.number
    ).exists()
    assert [ln.name for ln in ro.labour.all()] == ["更换机油机滤"]
    assert {pl.part_id for pl in ro.parts.all()} == {world["oil"].pk, world["filter"].pk}
    assert ro.damage_marks[0]["kind"] == "dent"
    assert ro.kind == "maintenance"


def test_full_cycle_with_two_payers_and_delivery(world, store_a):
    w = world
    ro = confirmed(w, store_a)
    brake = ro.labour.get(code="B010")
    # an added job after the estimate waits for the customer
    added = services.ro_labour_add(actor=w["advisor"], ro=ro, operation=w["op_diag"], payer="warranty")
    assert added.is_added and added.approval == Approval.PENDING
    services.ro_added_confirm(
        actor=w["advisor"],
        ro=ro,
        signer_name="王建国",
        method="signature",
        signature="data:image/png;base64,AAA",
    )
    added.refresh_from_db()
    assert added.approval == Approval.APPROVED
    ro = finish_work(w, ro)
    assert ro.status == ROStatus.AWAITING_QC
    brake.refresh_from_db()
    assert brake.status == LabourStatus.DONE and brake.self_checked_at
    # QC sends the brake job back once
    services.qc_record(
        actor=w["qc"], ro=ro, checklist=ALL_OK, passed=False, reason="刹车异响未消除", rework_lines=[brake.pk]
    )
    ro.refresh_from_db()
    assert ro.status == ROStatus.REWORK and ro.rework_count == 1
    assert Rework.objects.filter(technician=w["tech"]).count() == 1
    services.clock_on(actor=w["tech"], line=brake)
    services.clock_off(actor=w["tech"], line=brake, finished=True, note="重新打磨")
    ro.refresh_from_db()
    assert ro.status == ROStatus.AWAITING_QC
    services.qc_record(actor=w["qc"], ro=ro, checklist=ALL_OK, passed=True)
    st = services.ro_settle(actor=w["cashier"], ro=ro)
    ro.refresh_from_db()
    assert ro.status == ROStatus.SETTLED and st.invoice_no.startswith("IVO-")  # the register's number
    assert st.warranty_amount == added.amount and st.customer_amount > 0
    assert st.total == st.customer_amount + st.warranty_amount
    assert st.net_total + st.vat == st.total
    assert {i.source for i in selectors.ro_items(ro)} == {"ro_customer", "ro_warranty"}
    pay_at_desk(w, ro, [("wechat", D("100")), ("cash", st.customer_amount - D("100"))])
    services.ro_deliver(actor=w["advisor"], ro=ro)
    ro.refresh_from_db()
    assert ro.status == ROStatus.DELIVERED and ro.gate_pass_no.startswith("GP-")
    task = FollowUpTask.objects.get(ro=ro)
    assert task.due_date == timezone.localdate() + dt.timedelta(days=3)
    assert task.assignee == w["crm"]
    ro.vehicle.refresh_from_db()
    assert ro.vehicle.next_maintenance_km == 12000 + 10000


def test_parts_issue_return_old_part_and_fill_rate(world, store_a):
    w = world
    ro = confirmed(w, store_a)
    pads = ro.parts.get(part=w["pads"])
    services.part_request(actor=w["tech"], line=pads)
    assert FillRateRecord.objects.filter(channel="repair", part=w["pads"]).count() == 1
    before = StockBalance.objects.get(store=store_a, part=w["pads"]).on_hand
    services.part_issue(actor=w["keeper"], line=pads, old_part_handed_in=True)
    pads.refresh_from_db()
    assert pads.status == PartStatus.ISSUED and pads.old_part == "handed_in"
    assert StockBalance.objects.get(store=store_a, part=w["pads"]).on_hand == before - 1
    services.part_return(actor=w["keeper"], line=pads, qty=1)
    pads.refresh_from_db()
    assert pads.qty_returned == 1 and pads.cost == 0
    assert StockBalance.objects.get(store=store_a, part=w["pads"]).on_hand == before
    assert StockMove.objects.filter(part=w["pads"], kind="ro_return").exists()


def test_part_not_in_stock_creates_emergency_demand_and_waits(world, store_a):
    w = world
    ro = confirmed(w, store_a)
    line = services.ro_part_add(actor=w["tech"], ro=ro, part=w["rare"], qty=1)
    services.ro_added_confirm(actor=w["advisor"], ro=ro, signer_name="王", method="phone")
    services.part_request(actor=w["tech"], line=line)
    line.refresh_from_db()
    assert line.status == PartStatus.WAITING
    d = PurchaseDemand.objects.get(part=w["rare"])
    assert d.emergency and d.doc_number == ro.number
    fr = FillRateRecord.objects.get(part=w["rare"])
    assert fr.qty_served == 0


def test_appointment_reserves_package_parts_and_hands_them_to_the_order(world, store_a):
    w = world
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    appt = services.appointment_create(
        actor=w["advisor"],
        store=store_a,
        vehicle=w["vehicle"],
        advisor=w["advisor"],
        date=tomorrow,
        slot=dt.time(9, 0),
        package=w["package"],
    )
    assert appt.parts_reserved
    assert StockBalance.objects.get(store=store_a, part=w["oil"]).reserved == D("4.5")
    ro = receive(w, store_a, appointment=appt)
    appt.refresh_from_db()
    assert appt.status == ApptStatus.ARRIVED and ro.appointment_id == appt.pk
    # the reservation now belongs to the order and is consumed by the issue
    assert StockBalance.objects.get(store=store_a, part=w["oil"]).reserved == D("4.5")
    services.ro_estimate_submit(actor=w["advisor"], ro=ro)
    services.ro_estimate_confirm(actor=w["advisor"], ro=ro, signer_name="王", method="print")
    services.part_issue(actor=w["keeper"], line=ro.parts.get(part=w["oil"]))
    assert StockBalance.objects.get(store=store_a, part=w["oil"]).reserved == 0


def test_no_show_releases_and_capacity_is_enforced(world, store_a):
    w = world
    day = timezone.localdate() + dt.timedelta(days=2)
    appt = services.appointment_create(
        actor=w["advisor"],
        store=store_a,
        vehicle=w["vehicle"],
        advisor=w["advisor"],
        date=day,
        slot=dt.time(10, 0),
        package=w["package"],
    )
    with pytest.raises(services.appointments.BusinessError) as e:
        services.appointment_create(
            actor=w["advisor"],
            store=store_a,
            vehicle=w["vehicle"],
            advisor=w["advisor"],
            date=day,
            slot=dt.time(10, 0),
            jobs="检查异响",
        )
    assert "slot" in e.value.message_dict
    services.appointment_no_show(actor=w["advisor"], appt=appt)
    assert StockBalance.objects.get(store=store_a, part=w["oil"]).reserved == 0


def test_reversal_writes_a_reversal_settlement(world, store_a):
    w = world
    ro = ready_to_settle(w, store_a)
    st = services.ro_settle(actor=w["cashier"], ro=ro)
    rev = services.ro_settlement_reverse(actor=w["manager"], ro=ro, reason="开票信息错误")
    ro.refresh_from_db()
    assert ro.status == ROStatus.AWAITING_SETTLEMENT
    assert rev.kind == "reversal" and rev.total == -st.total and rev.reversal_of == st
    assert AuditEvent.objects.filter(verb="reversed", object_id=str(ro.pk)).exists()
    st2 = services.ro_settle(actor=w["cashier"], ro=ro)
    assert st2.invoice_no != st.invoice_no and Settlement.objects.filter(ro=ro).count() == 3


def test_on_account_for_fleet_customer_allows_delivery(world, store_a):
    from .factories import vehicle_for

    w = world
    v = vehicle_for(store_a, w["advisor"], name="广州市顺达物流有限公司", company=True)
    ro = ready_to_settle(w, store_a, vehicle=v)
    party = customer_party(store_a, v.owner)
    Party.objects.filter(pk=party.pk).update(credit_limit=D("100000"))
    st = services.ro_settle(actor=w["cashier"], ro=ro, on_account=True)
    services.ro_deliver(actor=w["advisor"], ro=ro)
    item = customer_item(ro)  # owed on account: the car left unpaid, within the limit
    assert item.party == party and item.amount == st.customer_amount and item.allocated == 0


def test_discount_within_limit_and_approval(world, store_a):
    w = world
    ro = confirmed(w, store_a)
    services.ro_discount_set(actor=w["advisor"], ro=ro, labour_pct=5, parts_pct=5)
    req = services.ro_discount_set(
        actor=w["advisor"], ro=ro, labour_pct=15, parts_pct=0, request_approval=True
    )
    services.discount_decide(actor=w["manager"], request=req, approve=True)
    ro.refresh_from_db()
    assert ro.labour_discount_pct == 15


def test_technician_load(world, store_a):
    w = world
    ro = confirmed(w, store_a)
    ln = ro.labour.first()
    services.line_dispatch(actor=w["foreman"], line=ln, technician=w["tech"])
    services.clock_on(actor=w["tech"], line=ln)
    load = {t.username: t for t in selectors.technician_load(store_a)}
    assert load["tech1"].current is not None and load["tech1"].booked_hours > 0


def test_issue_all_parts_in_one_pass_marks_the_short_line_and_balances_stay_true(world, store_a):
    from fours.parts.selectors import stock_differences

    w = world
    ro = confirmed(w, store_a)  # package (oil 4.5 L, filter) and pads, estimate confirmed
    rare = services.ro_part_add(actor=w["tech"], ro=ro, part=w["rare"], qty=1)
    services.ro_added_confirm(actor=w["advisor"], ro=ro, signer_name="王", method="phone")
    before = {b.part_id: b.on_hand for b in StockBalance.objects.filter(store=store_a)}
    events = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    lines = services.ro_parts_issue(actor=w["keeper"], ro=ro, old_part_handed_in=True)
    assert len(lines) == 4
    by_part = {ln.part_id: ln for ln in ro.parts.all()}
    for key, qty in (("oil", D("4.5")), ("filter", 1), ("pads", 1)):
        line = by_part[w[key].pk]
        assert line.status == PartStatus.ISSUED and line.qty_issued == qty
        assert line.old_part == ("" if key == "oil" else "handed_in")  # oil leaves no old part
        assert line.cost == qty * 30
        assert StockBalance.objects.get(store=store_a, part=w[key]).on_hand == before[w[key].pk] - qty
    rare.refresh_from_db()
    assert rare.status == PartStatus.WAITING and rare.qty_issued == 0
    assert PurchaseDemand.objects.get(part=w["rare"]).emergency
    issued = AuditEvent.objects.filter(verb="stock_issue").order_by("-id").first()
    assert set(issued.changes) == {w["oil"].part_no, w["filter"].part_no, w["pads"].part_no}
    ro_events = AuditEvent.objects.filter(object_id=str(ro.pk), id__gt=events)
    assert ro_events.filter(verb="stock_issue").count() == 1  # one event for the whole pick list
    assert StockMove.objects.filter(object_id=str(ro.pk), kind="ro_issue").count() == 3
    assert stock_differences(store_a) == []
    # issued without a requisition first: each line's first request counts in the fill rate
    served = {
        r.part_id: r.qty_served for r in FillRateRecord.objects.filter(channel="repair", object_id=str(ro.pk))
    }
    assert served == {w["oil"].pk: D("4.5"), w["filter"].pk: 1, w["pads"].pk: 1, w["rare"].pk: 0}
    # asking again: still short, no second demand
    services.ro_parts_issue(actor=w["keeper"], ro=ro, old_part_handed_in=True)
    assert PurchaseDemand.objects.filter(part=w["rare"]).count() == 1
    assert FillRateRecord.objects.filter(channel="repair", object_id=str(ro.pk)).count() == 4
    assert StockMove.objects.filter(object_id=str(ro.pk), kind="ro_issue").count() == 3
    with pytest.raises(PermissionDenied):
        services.ro_parts_issue(actor=w["tech"], ro=ro)


def test_issue_all_refuses_everything_when_a_warranty_line_has_no_old_part(world, store_a):
    w = world
    ro = confirmed(w, store_a)
    line = services.ro_part_add(actor=w["advisor"], ro=ro, part=w["pads"], qty=1, payer="warranty")
    services.ro_added_confirm(actor=w["advisor"], ro=ro, signer_name="王", method="phone")
    # signed off by the warranty clerk (test_claims.py walks the sign-off itself)
    type(line).objects.filter(pk=line.pk).update(warranty_signed_at=timezone.now())
    on_hand = StockBalance.objects.get(store=store_a, part=w["oil"]).on_hand
    with pytest.raises(BusinessError) as e:
        services.ro_parts_issue(actor=w["keeper"], ro=ro)
    assert "old_part" in e.value.message_dict
    # 交旧领新 holds for every line: the first one without its old part is named
    assert w["filter"].part_no in e.value.message_dict["old_part"][0]
    assert not StockMove.objects.filter(object_id=str(ro.pk), kind="ro_issue").exists()
    assert StockBalance.objects.get(store=store_a, part=w["oil"]).on_hand == on_hand
    services.ro_parts_issue(actor=w["keeper"], ro=ro, old_part_handed_in=True)
    warranty = ro.parts.get(payer="warranty")
    assert warranty.status == PartStatus.ISSUED and warranty.old_part == "warranty"
    with pytest.raises(BusinessError) as e:
        services.ro_parts_issue(actor=w["keeper"], ro=ro)
    assert "lines" in e.value.message_dict


def test_issue_all_statements_do_not_grow_with_lines(world, store_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fours.parts.services import stock_receive
    from fours.parts.tests.factories import PartFactory

    w = world
    parts = [PartFactory(group=store_a.group) for _i in range(12)]
    for p in parts:
        stock_receive(actor=w["pm"], store=store_a, part=p, qty=5, unit_cost=D("12"), doc=p)
    counts = []
    w["keeper"].has_perm("service.issue_repairorder")  # permissions cached once per user, not per order
    for n in (2, 12):
        v = w["vehicle"] if n == 2 else vehicle_for(store_a, w["advisor"], name="李明")
        ro = receive(w, store_a, vehicle=v)
        for p in parts[:n]:
            services.ro_part_add(actor=w["advisor"], ro=ro, part=p, qty=1)
        services.ro_estimate_submit(actor=w["advisor"], ro=ro)
        services.ro_estimate_confirm(actor=w["advisor"], ro=ro, signer_name="王", method="print")
        with CaptureQueriesContext(connection) as ctx:
            services.ro_parts_issue(actor=w["keeper"], ro=ro, old_part_handed_in=True)
        counts.append(
            sum(1 for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE")))
        )
        assert ro.parts.filter(status=PartStatus.ISSUED).count() == n
    assert counts[0] == counts[1], counts


def test_the_workshop_capacity_caps_all_advisors_together(world, store_a):
    w = world
    shop = services.workshop_capacity(store_a)
    assert (shop.per_day, shop.per_slot) == (40, 4)  # created with the defaults on first use
    shop.per_day, shop.per_slot = 2, 1
    shop.save()
    day = timezone.localdate() + dt.timedelta(days=3)

    def book(advisor, slot):
        return services.appointment_create(
            actor=advisor,
            store=store_a,
            vehicle=vehicle_for(store_a, w["advisor"]),
            advisor=advisor,
            date=day,
            slot=slot,
            jobs="常规保养",
        )

    book(w["advisor"], dt.time(9, 0))
    assert dict(selectors.free_slots(store_a, w["advisor2"], day))[dt.time(9, 0)] == 0
    assert dict(selectors.free_slots(store_a, w["advisor2"], day))[dt.time(9, 30)] == 1
    with pytest.raises(BusinessError) as e:  # advisor2 has room of their own, the workshop has not
        book(w["advisor2"], dt.time(9, 0))
    assert "车间该时段已约满" in e.value.message_dict["slot"][0]
    book(w["advisor2"], dt.time(9, 30))
    with pytest.raises(BusinessError) as e:
        book(w["advisor2"], dt.time(14, 0))
    assert "车间当天预约已满" in e.value.message_dict["date"][0]
    assert selectors.free_slots(store_a, w["advisor"], day)[0][1] == 0


def test_reversal_turns_the_payment_into_an_advance_and_the_new_settlement_applies_it(world, store_a):
    from fours.finance.services import payment_refund

    w = world
    ro = ready_to_settle(w, store_a)
    st = services.ro_settle(actor=w["cashier"], ro=ro)
    pay_at_desk(w, ro, [("wechat", st.customer_amount)])
    party = customer_party(store_a, ro.customer)
    assert advance_of(party) == 0
    rev = services.ro_settlement_reverse(actor=w["manager"], ro=ro, reason="漏给会员折扣")
    # the settlement's item is reversed; the money is the customer's advance, shown at the desk
    assert rev.advance == st.customer_amount and advance_of(party) == st.customer_amount
    assert selectors.ro_items(ro) == []
    assert OpenItem.objects.filter(doc_id=ro.pk, status="reversed").count() == 2  # the item and its 冲销
    assert selectors.ro_money(ro).customer_due == 0
    services.ro_discount_set(actor=w["advisor"], ro=ro, labour_pct=5, parts_pct=5, reason="会员")
    st2 = services.ro_settle(actor=w["cashier"], ro=ro)
    over = st.customer_amount - st2.customer_amount
    assert over > 0 and st2.advance == st2.customer_amount
    item = customer_item(ro)
    assert item.status == "settled" and item.allocated == st2.customer_amount
    assert advance_of(party) == over  # the rest: refunded at the desk, or kept for next time
    ro.refresh_from_db()
    assert selectors.ro_money(ro).balance == 0
    services.ro_deliver(actor=w["advisor"], ro=ro)  # paid: the car may leave
    refund = payment_refund(
        actor=w["cashier"], store=store_a, party=party, lines=[("wechat", over)], reason="折扣差额退回"
    )
    assert refund.amount == -over and advance_of(party) == 0
    assert money_differences(store_a) == []


def test_a_second_reversal_applies_only_what_this_order_was_paid(world, store_a):
    """The advance a re-settlement takes is what the customer paid on this order, not an advance they hold
    for something else (a deposit)."""
    from fours.finance.services import payment_take

    w = world
    ro = ready_to_settle(w, store_a)
    st = services.ro_settle(actor=w["cashier"], ro=ro)
    party = customer_party(store_a, ro.customer)
    payment_take(actor=w["cashier"], store=store_a, party=party, lines=[("cash", "5000")])  # a deposit
    pay_at_desk(w, ro, [("card", st.customer_amount)])
    services.ro_settlement_reverse(actor=w["manager"], ro=ro, reason="一")
    services.ro_settle(actor=w["cashier"], ro=ro)
    services.ro_settlement_reverse(actor=w["manager"], ro=ro, reason="二")
    st3 = services.ro_settle(actor=w["cashier"], ro=ro)
    assert st3.advance == st.customer_amount and advance_of(party) == D("5000")
    assert customer_item(ro).status == "settled"
    assert money_differences(store_a) == []
