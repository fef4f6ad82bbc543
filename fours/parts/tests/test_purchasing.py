from decimal import Decimal as D

import pytest

from fours.core.errors import BusinessError
from fours.core.roles import Role
from fours.finance.choices import Direction, ItemSource, ItemStatus, PartyKind
from fours.finance.models import OpenItem
from fours.finance.selectors.checks import money_differences
from fours.parts.choices import DemandStatus, DiscrepancyKind, PlanKind, POStatus
from fours.parts.models import Discrepancy, PurchaseDemand, PurchaseOrder, Receipt
from fours.parts.selectors import balance_of, receipt_payable, stock_differences
from fours.parts.services import (
    discrepancy_claim,
    discrepancy_close,
    plan_approve,
    plan_line_save,
    plan_propose,
    plan_quote_add,
    plan_submit,
    plan_to_orders,
    po_close,
    po_create,
    purchase_demand_add,
    receipt_post,
)

from .factories import PartFactory, SupplierFactory, setting
from .test_stock import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def planner(make_user, store_a):
    return make_user(Role.PARTS_PLANNER, store_a, "planner_a")


@pytest.fixture
def supplier(group):
    return SupplierFactory(group=group, is_oem=True, lead_time_days=5)


def test_plan_from_reorder_point_and_demand(store_a, group, planner, manager, supplier, keeper):
    p1 = PartFactory(group=group, purchase_price=D("40"))
    setting(store_a, p1, min_qty=2, max_qty=10, safety_qty=1)
    p2 = PartFactory(group=group)
    purchase_demand_add(actor=keeper, store=store_a, part=p2, qty=1, doc=p2)
    plans = plan_propose(actor=planner, store=store_a)
    kinds = {p.kind: p for p in plans}
    assert set(kinds) == {PlanKind.STOCK, PlanKind.EMERGENCY}
    stock_line = kinds[PlanKind.STOCK].lines.get()
    assert stock_line.part == p1 and stock_line.qty == 10 and stock_line.supplier == supplier
    assert PurchaseDemand.objects.get().status == DemandStatus.PLANNED
    plan = kinds[PlanKind.STOCK]
    plan_line_save(actor=planner, plan=plan, part=p1, qty=8)
    plan_submit(actor=planner, plan=plan)
    with pytest.raises(BusinessError):
        plan_line_save(actor=planner, plan=plan, part=p1, qty=9)
    plan_approve(actor=manager, plan=plan)
    orders = plan_to_orders(actor=manager, plan=plan)
    assert len(orders) == 1 and orders[0].number.startswith("PO-") and orders[0].lines.get().qty == 8


def test_approval_limit_and_three_quotes(store_a, group, planner, manager, supplier):
    part = PartFactory(group=group, purchase_price=D("30000"))
    setting(store_a, part, min_qty=1, max_qty=10, abc_class="A")
    plan = plan_propose(actor=planner, store=store_a)[0]
    plan_submit(actor=planner, plan=plan)
    with pytest.raises(BusinessError) as e:  # 300,000 > the parts manager's 200,000
        plan_approve(actor=manager, plan=plan)
    assert "审批限额" in str(e.value.message_dict["status"])
    plan.refresh_from_db()
    assert plan.status == "submitted"
    from fours.parts.services import plan_reject

    plan_reject(actor=manager, plan=plan, reason="数量太多")
    line = plan.lines.get()
    plan_line_save(actor=planner, plan=plan, part=part, qty=2)
    plan_submit(actor=planner, plan=plan)
    with pytest.raises(BusinessError) as e:
        plan_approve(actor=manager, plan=plan)
    assert "lines" in e.value.message_dict
    plan_reject(actor=manager, plan=plan, reason="先比价")
    for i, price in enumerate(["29000", "28500", "29900"]):
        plan_quote_add(
            actor=planner, line=line, supplier=SupplierFactory(group=group), unit_price=price, chosen=i == 1
        )
    plan_submit(actor=planner, plan=plan)
    plan_approve(actor=manager, plan=plan)
    line.refresh_from_db()
    assert line.unit_price == D("28500")


def test_receipt_with_discrepancy_payable_and_freight(store_a, group, planner, keeper, supplier):
    a = PartFactory(group=group, purchase_price=D("10"))
    b = PartFactory(group=group, purchase_price=D("30"))
    po = po_create(
        actor=planner, store=store_a, supplier=supplier, lines=[{"part": a, "qty": 10}, {"part": b, "qty": 5}]
    )
    la, lb = po.lines.order_by("id")
    receipt = receipt_post(
        actor=keeper,
        order=po,
        delivery_note="SH-001",
        invoice_no="44001234",
        freight=D("25"),
        lines=[
            {"po_line": la, "qty_noted": 10, "qty": 8, "qty_damaged": 1},  # one short, one damaged
            {"po_line": lb, "qty_noted": 5, "qty": 5, "unit_price": "32"},  # over price
        ],
    )
    assert receipt.number.startswith("GR-")
    assert balance_of(store_a, a).on_hand == 8 and balance_of(store_a, b).on_hand == 5
    # goods 80 + 160 = 240; freight 25 spread by value: 8.33 / 16.67
    assert balance_of(store_a, a).value == D("88.33") and balance_of(store_a, b).value == D("176.67")
    d = Discrepancy.objects.get(receipt=receipt)
    assert sorted(d.lines.values_list("kind", flat=True)) == sorted(
        [DiscrepancyKind.SHORT, DiscrepancyKind.DAMAGED, DiscrepancyKind.OVER_PRICE]
    )
    assert d.claim_amount == D("30.00")
    # the supplier's payable is finance's: stock value at the invoiced price + input VAT, the invoice on it
    pay = receipt_payable(receipt)
    assert pay.amount == D("271.20") and pay.direction == Direction.PAYABLE
    assert (pay.net_amount, pay.tax_amount) == (D("240.00"), D("31.20"))
    assert pay.source == ItemSource.PURCHASE and pay.status == ItemStatus.OPEN
    assert pay.party.kind == PartyKind.SUPPLIER and pay.party.ref == f"parts.supplier:{supplier.pk}"
    assert pay.party.payment_days == supplier.payment_days and pay.doc_number == receipt.number
    assert pay.invoice_no == "44001234" and receipt.invoice_no == "44001234"
    assert money_differences() == []
    po.refresh_from_db()
    assert po.status == POStatus.PARTIAL
    discrepancy_claim(actor=planner, discrepancy=d)
    discrepancy_close(actor=planner, discrepancy=d, settled_amount=D("30"), resolution="供应商补发并退差价")
    d.refresh_from_db()
    assert d.status == "closed"
    # what the supplier pays for the claim is owed to the store, in finance
    claim = OpenItem.objects.get(doc_number=d.number)
    assert (claim.direction, claim.amount, claim.party, claim.doc) == (
        Direction.RECEIVABLE,
        D("30.00"),
        pay.party,
        d,
    )
    assert stock_differences() == []


def test_receiving_against_closed_po_changes_nothing(store_a, group, planner, keeper, supplier):
    a = PartFactory(group=group)
    po = po_create(actor=planner, store=store_a, supplier=supplier, lines=[{"part": a, "qty": 3}])
    po_close(actor=planner, po=po)
    before = snapshot(), Receipt.objects.count(), OpenItem.objects.count()
    with pytest.raises(BusinessError) as e:
        receipt_post(actor=keeper, order=po, lines=[{"po_line": po.lines.get(), "qty": 3}])
    assert "order" in e.value.message_dict
    assert (snapshot(), Receipt.objects.count(), OpenItem.objects.count()) == before


def test_over_receipt_refused(store_a, group, planner, keeper, supplier):
    a = PartFactory(group=group)
    po = po_create(actor=planner, store=store_a, supplier=supplier, lines=[{"part": a, "qty": 3}])
    before = snapshot()
    with pytest.raises(BusinessError):
        receipt_post(actor=keeper, order=po, lines=[{"po_line": po.lines.get(), "qty": 4}])
    assert snapshot() == before
    receipt_post(actor=keeper, order=po, lines=[{"po_line": po.lines.get(), "qty": 3}])
    assert PurchaseOrder.objects.get(pk=po.pk).status == POStatus.RECEIVED
