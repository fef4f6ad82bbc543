"""The data migration that moves the parts money tables into finance carries every row: receivables with
what was collected (as payments, method lines and allocations), the wholesale customers' payments
(allocated oldest first, the rest an advance), payables with what was paid, staff charges, and the trade
customers' credit limits onto their finance parties. The migration is run for real: parts is migrated
back to 0007, rows are written with the historical models, then it is migrated forward.

(django_test_migrations is not installed; this uses Django's MigrationExecutor, which it wraps.)"""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from fours.core.tests.factories import UserFactory, make_uscc

BEFORE = [("parts", "0007_parts_import_job")]
AFTER = [("parts", "0008_finance_door")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_apps(store_a, group):
    apps = _migrate(BEFORE)
    yield apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # back to today's schema for the next tests


@pytest.mark.django_db(transaction=True)
def test_the_migration_carries_every_money_row_into_finance(old_apps, store_a, group):
    apps = old_apps
    get = apps.get_model
    seller, keeper, tech = UserFactory(), UserFactory(), UserFactory(first_name="小", last_name="李")
    # rows of parts' own tables are written with the models of 0007 (today's Part has later fields)
    get("parts", "Part").objects.create(
        group_id=group.pk, part_no="04152YZZA001", display_no="04152YZZA001", name="机油滤清器", unit="PCS"
    )
    supplier = get("parts", "Supplier").objects.create(
        group_id=group.pk, name="广州配件供应商有限公司", uscc=make_uscc(5000), payment_days=45
    )
    created = timezone.make_aware(dt.datetime(2026, 5, 10, 10, 0))

    TradeCustomer = get("parts", "TradeCustomer")
    Sale = get("parts", "Sale")
    Receivable = get("parts", "Receivable")
    CustomerPayment = get("parts", "CustomerPayment")
    garage = TradeCustomer.objects.create(
        store_id=store_a.pk, name="天河区顺达汽修厂", credit_limit=D("30000")
    )
    cash_only = TradeCustomer.objects.create(store_id=store_a.pk, name="白云区鑫诚汽修", credit_limit=0)
    sales = [
        Sale.objects.create(
            store_id=store_a.pk,
            number=f"WS-2026-00000{i}",
            channel="wholesale",
            status="posted",
            customer_id=garage.pk,
            customer_name=garage.name,
            terms="account",
            total=total,
            net_total=(total / D("1.13")).quantize(D("0.01")),
            cost_total=D("50"),
            created_by_id=seller.pk,
        )
        for i, total in enumerate((D("300.00"), D("200.00"), D("100.00")), 1)
    ]
    # 300 settled, 200 half paid, 100 open; payments of 350 (微信) and 100 (转账): 450 = 300 + 150, 0 left
    recs = [
        Receivable.objects.create(
            store_id=store_a.pk,
            customer_id=garage.pk,
            sale_id=s.pk,
            amount=s.total,
            collected=collected,
            status=status,
            due_date=dt.date(2026, 6, 9),
        )
        for s, collected, status in zip(
            sales, (D("300"), D("150"), D("0")), ("settled", "partial", "open"), strict=True
        )
    ]
    Receivable.objects.filter(pk__in=[r.pk for r in recs]).update(created_at=created)
    CustomerPayment.objects.create(
        store_id=store_a.pk, number="SK-2026-000001", customer_id=garage.pk, amount=D("350"), method="微信"
    )
    CustomerPayment.objects.create(
        store_id=store_a.pk, number="SK-2026-000002", customer_id=garage.pk, amount=D("100"), method="转账"
    )

    PurchaseOrder = get("parts", "PurchaseOrder")
    Receipt = get("parts", "Receipt")
    Payable = get("parts", "Payable")
    po = PurchaseOrder.objects.create(store_id=store_a.pk, number="PO-1", supplier_id=supplier.pk)
    receipt = Receipt.objects.create(
        store_id=store_a.pk,
        number="GR-2026-000001",
        order_id=po.pk,
        supplier_id=supplier.pk,
        net_amount=D("1000"),
        tax_amount=D("130"),
        created_by_id=keeper.pk,
    )
    Payable.objects.create(
        store_id=store_a.pk,
        supplier_id=supplier.pk,
        receipt_id=receipt.pk,
        amount=D("1130"),
        paid=D("500"),
        status="partial",
        due_date=dt.date(2026, 6, 24),
    )

    WriteOff = get("parts", "WriteOff")
    EmployeeCharge = get("parts", "EmployeeCharge")
    wo = WriteOff.objects.create(store_id=store_a.pk, number="BS-2026-000001", reason="damaged")
    EmployeeCharge.objects.create(
        store_id=store_a.pk, writeoff_id=wo.pk, employee_id=tech.pk, party="employee", amount=D("66.66")
    )
    apps = _migrate(AFTER)
    get = apps.get_model
    Party, OpenItem = get("finance", "Party"), get("finance", "OpenItem")
    Payment, Allocation = get("finance", "Payment"), get("finance", "Allocation")

    # the credit limit's one home: the party (0 stays 0: no credit, 先款后货)
    assert "credit_limit" not in {f.name for f in get("parts", "TradeCustomer")._meta.get_fields()}
    trade = Party.objects.get(ref=f"parts.tradecustomer:{garage.pk}")
    assert (trade.kind, trade.credit_limit, trade.store_id) == ("trade", D("30000.00"), store_a.pk)
    assert Party.objects.get(ref=f"parts.tradecustomer:{cash_only.pk}").credit_limit == 0

    # every receivable, with its status and what was collected
    items = list(OpenItem.objects.filter(party=trade).order_by("doc_id"))
    assert [(i.doc_id, i.doc_number, i.amount, i.allocated, i.status) for i in items] == [
        (sales[0].pk, "WS-2026-000001", D("300.00"), D("300.00"), "settled"),
        (sales[1].pk, "WS-2026-000002", D("200.00"), D("150.00"), "partial"),
        (sales[2].pk, "WS-2026-000003", D("100.00"), D("0.00"), "open"),
    ]
    assert all(i.direction == "ar" and i.source == "wholesale" and i.department == "parts" for i in items)
    assert items[0].posted_on == dt.date(2026, 5, 10) and items[0].due_date == dt.date(2026, 6, 9)
    assert items[0].net_amount + items[0].tax_amount == items[0].amount and items[0].cost_amount == D("50")
    # the payments with their method, allocated oldest first; allocations sum to what each item shows
    pays = {p.number: p for p in Payment.objects.filter(party=trade)}
    assert set(pays) == {"SK-2026-000001", "SK-2026-000002"}
    p1, p2 = pays["SK-2026-000001"], pays["SK-2026-000002"]
    assert (p1.amount, p1.allocated, p1.lines.get().method) == (D("350.00"), D("350.00"), "wechat")
    assert (p2.amount, p2.allocated, p2.lines.get().method) == (D("100.00"), D("100.00"), "transfer")
    assert sorted(Allocation.objects.filter(payment=p1).values_list("item__doc_number", "amount")) == [
        ("WS-2026-000001", D("300.00")),
        ("WS-2026-000002", D("50.00")),
    ]
    for i in items:
        got = sum(Allocation.objects.filter(item=i).values_list("amount", flat=True), D("0"))
        assert got == i.allocated

    # the payable, with its paid part as a payment out
    ap = OpenItem.objects.get(direction="ap")
    assert (ap.party.kind, ap.party.ref, ap.party.payment_days) == (
        "supplier",
        f"parts.supplier:{supplier.pk}",
        45,
    )
    assert (ap.amount, ap.net_amount, ap.tax_amount, ap.allocated, ap.status) == (
        D("1130.00"),
        D("1000.00"),
        D("130.00"),
        D("500.00"),
        "partial",
    )
    assert ap.doc_id == receipt.pk and ap.doc_number == "GR-2026-000001" and ap.source == "purchase"
    out = Payment.objects.get(direction="ap")
    assert (out.amount, out.allocated) == (D("500.00"), D("500.00"))

    # the staff charge, on the person's party
    ch = OpenItem.objects.get(source="staff_charge")
    assert (ch.party.kind, ch.party.ref, ch.party.name) == ("internal", f"auth.user:{tech.pk}", "小 李")
    assert (ch.amount, ch.status, ch.doc_id, ch.doc_number) == (D("66.66"), "open", wo.pk, "BS-2026-000001")

    # the running figures add up: the money check holds on the carried rows
    from fours.finance.selectors.checks import money_differences

    assert money_differences() == []
    assert not {"receivable", "payable", "customerpayment", "employeecharge"} & {
        m._meta.model_name for m in apps.get_app_config("parts").get_models()
    }
