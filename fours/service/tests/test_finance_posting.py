"""Settlement posts into finance: one open item per payer with its party (the customer, the manufacturer of
the vehicle's brand, the insurer, the internal department), net, VAT and cost carried; the customer's
invoice in finance's register; 反结算 reverses the items (and reds the invoice for a role that may)."""

from decimal import Decimal as D

import pytest

from fours.core.errors import BusinessError
from fours.core.models import AuditEvent
from fours.core.roles import Role
from fours.customers.models import Brand, Series, VehicleModel
from fours.finance.models import Invoice, OpenItem
from fours.finance.selectors.checks import money_differences
from fours.finance.services.ledger import customer_party
from fours.service import selectors, services

from .conftest import ALL_OK, finish_work, pay_at_desk, ready_to_settle, receive
from .factories import vehicle_for

pytestmark = pytest.mark.django_db


def _four_payer_order(w, store):
    """A 雷克萨斯 (not the store's brand, 丰田) in for an accident: a customer job, a warranty job, an
    insurance job and a part the store pays itself (内部)."""
    lexus, _ = Brand.objects.get_or_create(name="雷克萨斯")
    series, _ = Series.objects.get_or_create(brand=lexus, name="ES")
    model, _ = VehicleModel.objects.get_or_create(series=series, name="ES200")
    v = vehicle_for(store, w["advisor"], name="赵敏", model=model, plate="粤B54321")
    ro = receive(
        w, store, vehicle=v, data={"kind": "accident", "insurer": "平安产险", "claim_no": "RDAA2026001"}
    )
    adv = w["advisor"]
    services.ro_labour_add(actor=adv, ro=ro, operation=w["op_brake"])
    services.ro_labour_add(actor=adv, ro=ro, operation=w["op_diag"], payer="warranty")
    services.ro_labour_add(actor=adv, ro=ro, operation=w["op_oil"], payer="insurance")
    services.ro_part_add(actor=adv, ro=ro, part=w["pads"], qty=1, payer="internal")
    services.ro_estimate_submit(actor=adv, ro=ro)
    services.ro_estimate_confirm(actor=adv, ro=ro, signer_name="赵敏", method="print")
    ro = finish_work(w, ro)
    services.qc_record(actor=w["qc"], ro=ro, checklist=ALL_OK, passed=True)
    ro.refresh_from_db()
    return ro, lexus


def test_settlement_posts_one_item_per_payer_to_its_party(world, store_a):
    w = world
    ro, lexus = _four_payer_order(w, store_a)
    st = services.ro_settle(actor=w["cashier"], ro=ro)
    items = {i.source: i for i in selectors.ro_items(ro)}
    assert set(items) == {"ro_customer", "ro_warranty", "ro_insurance", "ro_internal"}
    own, claim, insurer, internal = (
        items["ro_customer"],
        items["ro_warranty"],
        items["ro_insurance"],
        items["ro_internal"],
    )
    assert own.party == customer_party(store_a, ro.customer)
    assert "粤B54321" in own.memo and "赵敏" in own.memo  # the cashier finds it by plate or name
    # the claim goes to the manufacturer of the vehicle's brand, not to the store's first brand (丰田)
    assert (claim.party.kind, claim.party.name, claim.party.ref) == (
        "maker",
        "雷克萨斯厂家",
        f"customers.brand:{lexus.pk}",
    )
    assert (insurer.party.kind, insurer.party.name) == ("insurer", "平安产险")
    assert internal.party.kind == "internal"
    for payer, item in (
        ("customer", own),
        ("warranty", claim),
        ("insurance", insurer),
        ("internal", internal),
    ):
        assert item.amount == st.amount_for(payer) > 0
        assert item.net_amount + item.tax_amount == item.amount and item.tax_amount > 0
        assert (item.doc_number, item.doc_id, item.doc_type.model) == (ro.number, ro.pk, "repairorder")
        assert item.department == "service" and item.direction == "ar" and item.allocated == 0
    assert sum(i.net_amount for i in items.values()) == st.net_total
    assert sum(i.cost_amount for i in items.values()) == st.parts_cost == internal.cost_amount > 0
    # the customer's invoice is in finance's register; the settlement carries its number
    inv = Invoice.objects.get(doc_id=ro.pk)
    assert (inv.kind, inv.number, inv.party, inv.amount) == (
        "vat_ordinary",
        st.invoice_no,
        own.party,
        own.amount,
    )
    assert inv.tax_amount == own.tax_amount and st.invoice_no.startswith("IVO-")
    money = selectors.ro_money(ro)
    assert (money.customer_due, money.paid) == (own.amount, 0)
    assert money.others_open == claim.amount + insurer.amount + internal.amount
    assert money_differences(store_a) == []


def test_a_customer_asking_for_a_special_invoice_gets_one(world, store_a):
    w = world
    ro = ready_to_settle(w, store_a)
    before = (AuditEvent.objects.count(), OpenItem.objects.count(), Invoice.objects.count())
    with pytest.raises(BusinessError) as e:
        services.ro_settle(actor=w["cashier"], ro=ro, invoice_kind="vehicle")
    assert "invoice_kind" in e.value.message_dict
    assert (AuditEvent.objects.count(), OpenItem.objects.count(), Invoice.objects.count()) == before
    st = services.ro_settle(actor=w["cashier"], ro=ro, invoice_kind="vat_special")
    assert st.invoice_no.startswith("IVS-") and Invoice.objects.get().kind == "vat_special"


def test_reversal_reverses_every_item_and_reds_the_invoice_for_finance(world, store_a, make_user):
    from fours.finance.services import invoices

    w = world
    ro, _lexus = _four_payer_order(w, store_a)
    st = services.ro_settle(actor=w["cashier"], ro=ro)
    pay_at_desk(w, ro, [("wechat", D("50"))])
    finance = make_user(Role.FINANCE, store_a, "fin1")
    rev = services.ro_settlement_reverse(actor=finance, ro=ro, reason="开票信息错误")
    assert selectors.ro_items(ro) == []
    reversed_rows = OpenItem.objects.filter(doc_id=ro.pk, amount__lt=0)
    assert reversed_rows.count() == 4 and all(r.reversal_of.status == "reversed" for r in reversed_rows)
    assert rev.advance == D("50")
    inv = Invoice.objects.get(number=st.invoice_no)
    if hasattr(invoices, "invoice_red"):
        red = Invoice.objects.get(red_of=inv)
        assert rev.invoice_no == red.number and red.amount == -inv.amount and red.status == "red"
    else:
        assert rev.invoice_no == "" and inv.status == "issued"
    assert money_differences(store_a) == []
    # settled again: new items, a new invoice number, the customer's 50 applied first
    st2 = services.ro_settle(actor=w["cashier"], ro=ro)
    own = next(i for i in selectors.ro_items(ro) if i.source == "ro_customer")
    assert own.allocated == D("50") == st2.advance and st2.invoice_no != st.invoice_no
    assert len(selectors.ro_items(ro)) == 4
