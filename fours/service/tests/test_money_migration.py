"""The data migration that moves service's money into finance: every service Payment becomes a finance
payment with its method line and its allocation to the order's customer item, every ServiceReceivable an
open item (collected amounts as allocations), settled orders get their customer items from their
Settlement rows, money paid on a reversed order is the customer's advance; then the two tables go."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from fours.service import selectors, services

from .conftest import ready_to_settle
from .factories import vehicle_for

BEFORE = [("service", "0004_technicians_add_parts")]
ZERO_ = D("0")


def _migrate(targets=None):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor


def _settlement(old, ro, w, n, *, customer=ZERO_, warranty=ZERO_, insurance=ZERO_, kind="normal", of=None):
    total = customer + warranty + insurance
    lines = [
        {"type": "labour", "name": "工时", "payer": p, "hours": "1", "amount": str(a)}
        for p, a in (("customer", customer), ("warranty", warranty), ("insurance", insurance))
        if a
    ]
    return old.get_model("service", "Settlement").objects.create(
        store_id=ro.store_id,
        ro_id=ro.pk,
        kind=kind,
        number=f"ST-OLD-{n}",
        invoice_no=f"INV-OLD-{n}",
        reversal_of=of,
        labour_total=total,
        parts_total=0,
        discount_total=0,
        total=total,
        net_total=(total / D("1.13")).quantize(D("0.01")),
        vat=total - (total / D("1.13")).quantize(D("0.01")),
        customer_amount=customer,
        warranty_amount=warranty,
        insurance_amount=insurance,
        internal_amount=0,
        lines=lines,
        actor_id=w["cashier"].pk,
    )


@pytest.mark.django_db(transaction=True)
def test_the_money_migration_carries_every_payment_and_receivable(world, store_a):
    from fours.customers.models import Brand

    w = world
    paid = ready_to_settle(w, store_a)  # settled, paid in two methods; a warranty claim open
    fleet = vehicle_for(store_a, w["advisor"], name="广州市顺达物流有限公司", company=True, model=w["model"])
    on_account = ready_to_settle(w, store_a, vehicle=fleet)  # 挂账, collected in part; an insurer owes
    other = vehicle_for(store_a, w["advisor"], name="李娜", model=w["model"])
    reversed_ro = ready_to_settle(w, store_a, vehicle=other)  # paid, 反结算, part refunded: an advance
    when = timezone.now() - dt.timedelta(days=2)
    try:
        executor = _migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        RO = old.get_model("service", "RepairOrder")
        Payment = old.get_model("service", "Payment")
        Receivable = old.get_model("service", "ServiceReceivable")

        s1 = _settlement(old, paid, w, 1, customer=D("300.00"), warranty=D("150.00"))
        RO.objects.filter(pk=paid.pk).update(status="settled", customer_due=D("300"), paid=D("300"))
        for n, (method, amount) in enumerate((("wechat", "100.00"), ("cash", "200.00"))):
            Payment.objects.create(
                store_id=store_a.pk,
                ro_id=paid.pk,
                number=f"SK-OLD-{n}",
                method=method,
                amount=D(amount),
                reference="WX123" if method == "wechat" else "",
                cashier_id=w["cashier"].pk,
                at=when + dt.timedelta(minutes=n),
            )
        Receivable.objects.create(
            store_id=store_a.pk, ro_id=paid.pk, settlement=s1, kind="warranty", party="丰田厂家", amount=150
        )
        s2 = _settlement(old, on_account, w, 2, customer=D("500.00"), insurance=D("800.00"))
        RO.objects.filter(pk=on_account.pk).update(status="delivered", on_account=True)
        Receivable.objects.create(
            store_id=store_a.pk,
            ro_id=on_account.pk,
            settlement=s2,
            kind="customer",
            party=fleet.owner.name,
            amount=500,
            collected=200,
        )
        Receivable.objects.create(
            store_id=store_a.pk,
            ro_id=on_account.pk,
            settlement=s2,
            kind="insurance",
            party="平安产险",
            amount=800,
        )
        s3 = _settlement(old, reversed_ro, w, 3, customer=D("400.00"))
        _settlement(old, reversed_ro, w, 4, customer=D("-400.00"), kind="reversal", of=s3)
        RO.objects.filter(pk=reversed_ro.pk).update(status="awaiting_settlement", paid=D("350"))
        for n, amount in enumerate(("400.00", "-50.00")):
            Payment.objects.create(
                store_id=store_a.pk,
                ro_id=reversed_ro.pk,
                number=f"SK-OLD-R{n}",
                method="cash",
                amount=D(amount),
                note="" if n == 0 else "多收退回",
                cashier_id=w["cashier"].pk,
                at=when + dt.timedelta(hours=1, minutes=n),
            )
    finally:
        _migrate()

    from fours.finance.models import Allocation, OpenItem, Payment, PaymentLine
    from fours.finance.selectors.checks import money_differences
    from fours.finance.services.ledger import advance_of, customer_party
    from fours.service.models import Settlement

    assert money_differences() == []
    # the paid order: its customer item from the settlement, allocated by both payments
    items = {i.source: i for i in selectors.ro_items(paid)}
    own = items["ro_customer"]
    assert (own.amount, own.allocated, own.status) == (D("300.00"), D("300.00"), "settled")
    assert own.party == customer_party(store_a, paid.customer) and own.doc_number == paid.number
    assert own.net_amount == (D("300") / D("1.13")).quantize(D("0.01"))
    assert own.posted_on == timezone.localdate(Settlement.objects.get(number="ST-OLD-1").at)
    pays = Payment.objects.filter(number__in=["SK-OLD-0", "SK-OLD-1"]).order_by("number")
    assert [(p.amount, p.allocated, p.business_date, p.cashier) for p in pays] == [
        (D("100.00"), D("100.00"), timezone.localdate(when), w["cashier"]),
        (D("200.00"), D("200.00"), timezone.localdate(when), w["cashier"]),
    ]
    assert sorted(PaymentLine.objects.filter(payment__in=pays).values_list("method", "reference")) == [
        ("cash", ""),
        ("wechat", "WX123"),
    ]
    toyota = Brand.objects.get(name="丰田")
    claim = items["ro_warranty"]
    assert (claim.party.kind, claim.party.ref, claim.amount, claim.status) == (
        "maker",
        f"customers.brand:{toyota.pk}",
        D("150.00"),
        "open",
    )
    selectors.ro_money(paid)
    assert services.delivery_refusal(paid) is None
    # on account: the customer's receivable with its collection, the insurer's share open
    items = {i.source: i for i in selectors.ro_items(on_account)}
    assert (items["ro_customer"].allocated, items["ro_customer"].status) == (D("200.00"), "partial")
    assert Allocation.objects.get(item=items["ro_customer"]).payment.amount == D("200.00")
    assert (items["ro_insurance"].party.kind, items["ro_insurance"].party.name) == ("insurer", "平安产险")
    assert items["ro_insurance"].amount == D("800.00") and items["ro_insurance"].allocated == 0
    # reversed after payment, a part refunded: what is left is the customer's advance for the next bill
    assert selectors.ro_items(reversed_ro) == []
    party = customer_party(store_a, reversed_ro.customer)
    assert advance_of(party) == D("350.00")
    assert Payment.objects.get(number="SK-OLD-R1").kind == "refund"
    assert Settlement.objects.get(number="ST-OLD-4").advance == D("350.00")
    assert OpenItem.objects.filter(doc_id=reversed_ro.pk).count() == 0
    st = services.ro_settle(actor=w["cashier"], ro=reversed_ro)
    assert (
        st.advance == min(D("350.00"), st.customer_amount) and advance_of(party) == D("350.00") - st.advance
    )
    assert money_differences() == []
    # the old tables are gone
    tables = connection.introspection.table_names()
    assert "service_payment" not in tables and "service_servicereceivable" not in tables
