import datetime as dt

import pytest
from django.utils import timezone

from fours.service import services

from .factories import build_world


@pytest.fixture
def world(store_a, make_user):
    return build_world(store_a, make_user)


def receive(w, store, **kw):
    data = {
        "odometer_km": kw.pop("km", 12000),
        "complaint": "保养，刹车有异响",
        "fuel_level": "50",
        "promised_at": timezone.now() + dt.timedelta(hours=4),
    }
    data.update(kw.pop("data", {}))
    return services.ro_receive(
        actor=w["advisor"], store=store, vehicle=kw.pop("vehicle", w["vehicle"]), data=data, **kw
    )


def confirmed(w, store, **kw):
    """An order with the package and a brake job, estimate confirmed (在修)."""
    ro = receive(w, store, package=w["package"], **kw)
    services.ro_labour_add(actor=w["advisor"], ro=ro, operation=w["op_brake"])
    services.ro_part_add(actor=w["advisor"], ro=ro, part=w["pads"], qty=1)
    services.ro_estimate_submit(actor=w["advisor"], ro=ro)
    services.ro_estimate_confirm(actor=w["advisor"], ro=ro, signer_name="王建国", method="print")
    ro.refresh_from_db()
    return ro


def finish_work(w, ro):
    """Dispatch every line to tech1, clock on and off, issue every part: the order waits for QC."""
    for ln in ro.labour.all():
        services.line_dispatch(actor=w["foreman"], line=ln, technician=w["tech"], bay=w["bay"])
        services.clock_on(actor=w["tech"], line=ln)
        services.clock_off(actor=w["tech"], line=ln, finished=True)
    for pl in ro.parts.all():
        services.part_issue(actor=w["keeper"], line=pl, old_part_handed_in=True)
    ro.refresh_from_db()
    return ro


def ready_to_settle(w, store, **kw):
    ro = finish_work(w, confirmed(w, store, **kw))
    services.qc_record(actor=w["qc"], ro=ro, checklist=ALL_OK, passed=True)
    ro.refresh_from_db()
    return ro


ALL_OK = {k: True for k in ["items_done", "no_leak", "fasteners", "test_drive", "lights", "clean", "reset"]}


def customer_item(ro):
    """The order's live finance item of the customer's share (应收·客户)."""
    from fours.service.selectors import ro_items

    return next(i for i in ro_items(ro) if i.source == "ro_customer")


def pay_at_desk(w, ro, lines=None, *, cashier=None, amount=None):
    """The customer pays at finance's cashier desk (收银台): ``lines`` [(method, amount)] (default: the open
    amount in cash), allocated to the order's customer item (up to its open amount; the rest is advance)."""
    from decimal import Decimal

    from fours.finance.services import payment_take
    from fours.finance.services.ledger import customer_party

    item = customer_item(ro)
    lines = lines or [("cash", amount if amount is not None else item.open_amount)]
    paid = sum((Decimal(str(a)) for _m, a in lines), Decimal("0"))
    return payment_take(
        actor=cashier or w["cashier"],
        store=ro.store,
        party=customer_party(ro.store, ro.customer),
        lines=lines,
        allocations=[(item, min(paid, item.open_amount))],
    )
