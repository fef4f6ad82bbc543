"""Bad input and forbidden steps: each refused with a field-level Chinese message, nothing changed."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.utils import timezone

from fours.core.errors import BusinessError
from fours.core.models import AuditEvent
from fours.finance.models import Allocation, OpenItem, Payment
from fours.parts.models import StockBalance, StockMove
from fours.service import selectors, services
from fours.service.choices import ROStatus
from fours.service.models import LabourLine, Settlement, TimeLog

from .conftest import ALL_OK, confirmed, customer_item, pay_at_desk, ready_to_settle, receive


def refused(fn, field, **kw):
    n_audit, n_moves = AuditEvent.objects.count(), StockMove.objects.count()
    with pytest.raises(BusinessError) as e:
        fn(**kw)
    assert field in e.value.message_dict, e.value.message_dict
    msg = e.value.message_dict[field][0]
    assert any("\u4e00" <= c <= "\u9fff" for c in msg), msg
    assert AuditEvent.objects.count() == n_audit and StockMove.objects.count() == n_moves
    return msg


def test_settling_an_unconfirmed_estimate(world, store_a):
    ro = receive(world, store_a, package=world["package"])
    services.ro_estimate_submit(actor=world["advisor"], ro=ro)
    msg = refused(services.ro_settle, "estimate", actor=world["cashier"], ro=ro)
    assert "确认估价" in msg
    ro.refresh_from_db()
    assert ro.status == ROStatus.AWAITING_APPROVAL and not Settlement.objects.exists()


@pytest.mark.parametrize("end", ["cancelled", "settled"])
def test_issuing_to_a_cancelled_or_settled_order(world, store_a, end):
    w = world
    if end == "cancelled":
        ro = confirmed(w, store_a)
        services.ro_cancel(actor=w["advisor"], ro=ro, reason="客户改期")
    else:
        ro = ready_to_settle(w, store_a)
        services.ro_part_add  # noqa: B018
        services.ro_settle(actor=w["cashier"], ro=ro)
    line = ro.parts.first()
    bal = StockBalance.objects.get(store=store_a, part=line.part).on_hand
    msg = refused(services.part_issue, "line", actor=w["keeper"], line=line, qty=1)
    assert "不能领料或发料" in msg
    assert StockBalance.objects.get(store=store_a, part=line.part).on_hand == bal


def test_clocking_on_two_jobs(world, store_a):
    w = world
    ro = confirmed(w, store_a)
    a, b = list(ro.labour.all())[:2]
    for ln in (a, b):
        services.line_dispatch(actor=w["foreman"], line=ln, technician=w["tech"])
    services.clock_on(actor=w["tech"], line=a)
    msg = refused(services.clock_on, "line", actor=w["tech"], line=b)
    assert "请先暂停或完工" in msg
    assert TimeLog.objects.filter(technician=w["tech"], ended_at__isnull=True).count() == 1
    assert LabourLine.objects.get(pk=b.pk).status == "assigned"


def test_database_refuses_a_second_open_solo_clock(world, store_a):
    from django.db import IntegrityError, transaction

    w = world
    ro = confirmed(w, store_a)
    a, b = list(ro.labour.all())[:2]
    TimeLog.objects.create(store=store_a, technician=w["tech"], line=a)
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeLog.objects.create(store=store_a, technician=w["tech"], line=b)


def test_discount_above_the_limit_without_approval(world, store_a):
    ro = confirmed(world, store_a)
    msg = refused(
        services.ro_discount_set,
        "labour_discount_pct",
        actor=world["advisor"],
        ro=ro,
        labour_pct=12,
        parts_pct=0,
    )
    assert "5%" in msg
    ro.refresh_from_db()
    assert ro.labour_discount_pct == 0


def test_paying_more_than_the_order_owes_at_the_desk(world, store_a):
    ro = ready_to_settle(world, store_a)
    st = services.ro_settle(actor=world["cashier"], ro=ro)
    item = customer_item(ro)
    from fours.finance.services import payment_take

    with pytest.raises(BusinessError) as e:
        payment_take(
            actor=world["cashier"],
            store=store_a,
            party=item.party,
            lines=[("cash", st.customer_amount + D("0.01"))],
            allocations=[(item, st.customer_amount + D("0.01"))],
        )
    assert "allocations.0.amount" in e.value.message_dict
    assert selectors.ro_money(ro).paid == 0 and not Payment.objects.exists()


def _ro_state(ro):
    ro.refresh_from_db()
    return (
        ro.status,
        ro.gate_pass_no,
        list(OpenItem.objects.values_list("id", "status", "allocated").order_by("id")),
        Allocation.objects.count(),
        AuditEvent.objects.count(),
    )


def test_delivering_an_unsettled_or_unpaid_vehicle(world, store_a):
    w = world
    ro = ready_to_settle(w, store_a)
    msg = refused(services.ro_deliver, "status", actor=w["advisor"], ro=ro)
    assert "结算后才能交车" in msg
    st = services.ro_settle(actor=w["cashier"], ro=ro)
    before = _ro_state(ro)
    msg = refused(services.ro_deliver, "status", actor=w["advisor"], ro=ro)
    assert "收银台" in msg and f"{st.customer_amount:,.2f}" in msg
    assert _ro_state(ro) == before and not ro.gate_pass_no
    # part paid at the desk: still refused, for what is left
    pay_at_desk(w, ro, [("wechat", D("100"))])
    msg = refused(services.ro_deliver, "status", actor=w["advisor"], ro=ro)
    assert f"{st.customer_amount - D('100'):,.2f}" in msg
    ro.refresh_from_db()
    assert ro.status == ROStatus.SETTLED and not ro.gate_pass_no
    # the rest paid at the desk: the car leaves with its gate pass
    pay_at_desk(w, ro)
    services.ro_deliver(actor=w["advisor"], ro=ro)
    ro.refresh_from_db()
    assert ro.status == ROStatus.DELIVERED and ro.gate_pass_no.startswith("GP-")


def test_on_account_beyond_the_credit_limit(world, store_a):
    from fours.finance.models import Party
    from fours.finance.services.ledger import customer_party

    from .factories import vehicle_for

    w = world
    v = vehicle_for(store_a, w["advisor"], name="广州市顺达物流有限公司", company=True)
    ro = ready_to_settle(w, store_a, vehicle=v)
    # no limit set: no credit (先收款后付货), nothing posted
    msg = refused(services.ro_settle, "on_account", actor=w["cashier"], ro=ro, on_account=True)
    assert "信用额度" in msg
    ro.refresh_from_db()
    assert ro.status == ROStatus.AWAITING_SETTLEMENT and not OpenItem.objects.exists()
    assert not Settlement.objects.filter(ro=ro).exists()
    Party.objects.filter(pk=customer_party(store_a, v.owner).pk).update(credit_limit=D("10"))
    msg = refused(services.ro_settle, "on_account", actor=w["cashier"], ro=ro, on_account=True)
    assert "超出额度" in msg and not OpenItem.objects.exists()


def test_editing_a_settled_order(world, store_a):
    w = world
    ro = ready_to_settle(w, store_a)
    services.ro_settle(actor=w["cashier"], ro=ro)
    n = ro.labour.count()
    refused(services.ro_labour_add, "status", actor=w["advisor"], ro=ro, operation=w["op_diag"])
    refused(services.ro_reception_update, "status", actor=w["advisor"], ro=ro, data={"complaint": "x"})
    refused(
        services.ro_discount_set, "labour_discount_pct", actor=w["advisor"], ro=ro, labour_pct=1, parts_pct=0
    )
    assert ro.labour.count() == n


def test_falling_odometer_refused_at_reception(world, store_a):
    receive(world, store_a, km=20000)
    ro = world["vehicle"].repair_orders.first()
    services.ro_cancel(actor=world["advisor"], ro=ro, reason="测试")
    msg = refused(
        services.ro_receive,
        "odometer_km",
        actor=world["advisor"],
        store=store_a,
        vehicle=world["vehicle"],
        data={"odometer_km": 15000},
    )
    assert "低于上次记录" in msg


def test_qc_pass_needs_every_item_and_rework_needs_reason(world, store_a):
    from .conftest import finish_work

    w = world
    ro = finish_work(w, confirmed(w, store_a))
    refused(
        services.qc_record,
        "checklist",
        actor=w["qc"],
        ro=ro,
        checklist={**ALL_OK, "no_leak": False},
        passed=True,
    )
    refused(
        services.qc_record, "reason", actor=w["qc"], ro=ro, checklist=ALL_OK, passed=False, rework_lines=[]
    )


def test_confirmation_needs_signer_and_signature(world, store_a):
    ro = receive(world, store_a, package=world["package"])
    services.ro_estimate_submit(actor=world["advisor"], ro=ro)
    refused(
        services.ro_estimate_confirm,
        "signer_name",
        actor=world["advisor"],
        ro=ro,
        signer_name=" ",
        method="print",
    )
    refused(
        services.ro_estimate_confirm,
        "signature",
        actor=world["advisor"],
        ro=ro,
        signer_name="王",
        method="signature",
    )


def test_warranty_line_needs_old_part(world, store_a):
    w = world
    ro = confirmed(w, store_a)
    line = services.ro_part_add(actor=w["advisor"], ro=ro, part=w["pads"], qty=1, payer="warranty")
    services.ro_added_confirm(actor=w["advisor"], ro=ro, signer_name="王", method="phone")
    # signed off by the warranty clerk (test_claims.py walks the sign-off itself)
    type(line).objects.filter(pk=line.pk).update(warranty_signed_at=timezone.now())
    refused(services.part_issue, "old_part", actor=w["keeper"], line=line)


def test_appointment_in_the_past(world, store_a):
    refused(
        services.appointment_create,
        "date",
        actor=world["advisor"],
        store=store_a,
        vehicle=world["vehicle"],
        advisor=world["advisor"],
        date=timezone.localdate() - dt.timedelta(days=1),
        slot=dt.time(9, 0),
        jobs="保养",
    )


def test_cancel_needs_reason_and_parts_returned(world, store_a):
    w = world
    ro = confirmed(w, store_a)
    refused(services.ro_cancel, "cancel_reason", actor=w["advisor"], ro=ro, reason="")
    services.part_issue(actor=w["keeper"], line=ro.parts.get(part=w["pads"]), old_part_handed_in=True)
    refused(services.ro_cancel, "cancel_reason", actor=w["advisor"], ro=ro, reason="客户不修了")
