"""Parts keeps no money table of its own: every amount owed and every payment moves into finance.

1. New fields: the slip's statuses (已开单, 已作废), who issued it, the archive customer it may be billed to,
   the supplier's invoice number on a receipt, and the permission to issue (销售出库) for the storekeeper.
2. ``carry``: every row of the parts money tables is carried into finance, with ``apps.get_model``:
   - each trade customer gets its finance party (批发客户, ``parts.tradecustomer:<id>``) with its credit limit;
   - each 应收账款 (Receivable) becomes an open item of its sale; each 收款单 (CustomerPayment) a payment
     with its method line, allocated to the customer's receivables oldest first as the old service did;
     what was collected beyond the payments on record is carried as one payment per receivable;
   - each 应付账款 (Payable) becomes the supplier's open item of its receipt, its paid part a payment out;
   - each 员工赔偿 (EmployeeCharge) becomes an open item of its write-off on the staff member's party, its
     collected part a payment.
   Statuses follow the allocations (未结/部分核销/已结清); running figures equal the rows they sum.
3. The parts models and the trade customer's credit limit field are removed.
"""

import datetime as dt
from decimal import Decimal

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

ZERO = Decimal("0")
METHODS = {"现金": "cash", "刷卡": "card", "POS": "card", "微信": "wechat", "支付宝": "alipay"}


def _day(value) -> dt.date:
    if value is None:
        return timezone.localdate()
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


def _status(amount, allocated) -> str:
    return "settled" if allocated >= amount else "partial" if allocated > 0 else "open"


def _person(user) -> str:
    return f"{user.first_name} {user.last_name}".strip() or user.username


class _Carry:
    def __init__(self, apps):
        self.apps = apps
        get = apps.get_model
        self.ContentType = get("contenttypes", "ContentType")
        self.Party = get("finance", "Party")
        self.OpenItem = get("finance", "OpenItem")
        self.Payment = get("finance", "Payment")
        self.PaymentLine = get("finance", "PaymentLine")
        self.Allocation = get("finance", "Allocation")
        self._ct = {}

    def ct(self, model):
        if model not in self._ct:
            self._ct[model], _c = self.ContentType.objects.get_or_create(app_label="parts", model=model)
        return self._ct[model]

    def party(self, *, store_id, kind, ref, name, **defaults):
        party, made = self.Party.objects.get_or_create(
            store_id=store_id, kind=kind, ref=ref, defaults={"name": name[:100], **defaults}
        )
        if not made and defaults:
            for k, v in defaults.items():
                setattr(party, k, v)
            party.save(update_fields=list(defaults))
        return party

    def item(
        self,
        *,
        direction,
        party,
        source,
        doc,
        model,
        amount,
        allocated,
        created_at,
        due_date,
        actor_id,
        net=None,
        tax=ZERO,
        cost=ZERO,
        memo="",
    ):
        day = _day(created_at)
        return self.OpenItem.objects.create(
            store_id=party.store_id,
            direction=direction,
            party=party,
            source=source,
            department="parts",
            amount=amount,
            net_amount=amount if net is None else net,
            tax_amount=tax,
            cost_amount=cost,
            allocated=allocated,
            status=_status(amount, allocated),
            posted_on=day,
            due_date=due_date or day,
            at=created_at or timezone.now(),
            doc_type=self.ct(model),
            doc_id=doc.pk,
            doc_number=getattr(doc, "number", "") or "",
            memo=memo[:200],
            created_by_id=actor_id,
        )

    def payment(self, *, direction, party, number, amount, method, created_at, actor_id, note):
        pay = self.Payment.objects.create(
            store_id=party.store_id,
            number=number[:30],
            direction=direction,
            kind="receipt",
            party=party,
            amount=amount,
            allocated=ZERO,
            business_date=_day(created_at),
            at=created_at or timezone.now(),
            cashier_id=actor_id,
            note=note[:200],
        )
        self.PaymentLine.objects.create(payment=pay, method=method, amount=amount)
        return pay

    def allocate(self, pay, item, amount, actor_id):
        self.Allocation.objects.create(
            store_id=item.store_id, payment=pay, item=item, amount=amount, at=pay.at, actor_id=actor_id
        )
        pay.allocated += amount
        pay.save(update_fields=["allocated"])


def carry(apps, schema_editor):
    try:
        Receivable = apps.get_model("parts", "Receivable")
    except (
        LookupError
    ):  # run again on today's models (a test re-seeding the data migrations): nothing to carry
        return
    c = _Carry(apps)
    TradeCustomer = apps.get_model("parts", "TradeCustomer")
    CustomerPayment = apps.get_model("parts", "CustomerPayment")
    Payable = apps.get_model("parts", "Payable")
    EmployeeCharge = apps.get_model("parts", "EmployeeCharge")

    # trade customers: the credit limit's one home is the finance party (0: no credit, 先款后货)
    parties = {}
    for tc in TradeCustomer.objects.order_by("id"):
        parties[tc.pk] = c.party(
            store_id=tc.store_id,
            kind="trade",
            ref=f"parts.tradecustomer:{tc.pk}",
            name=tc.name,
            phone=tc.phone or "",
            credit_limit=tc.credit_limit or ZERO,
        )

    # receivables and the payments that collected them, per customer, oldest first (the old FIFO rule)
    for tc_id, party in parties.items():
        recs = list(Receivable.objects.filter(customer_id=tc_id).select_related("sale").order_by("id"))
        pays = [
            [
                c.payment(
                    direction="ar",
                    party=party,
                    number=p.number or f"SK-MIG-{p.pk}",
                    amount=p.amount,
                    method=METHODS.get((p.method or "").strip(), "transfer"),
                    created_at=p.created_at,
                    actor_id=p.created_by_id,
                    note=p.note or "",
                ),
                p.amount,
            ]
            for p in CustomerPayment.objects.filter(customer_id=tc_id).order_by("id")
        ]
        for r in recs:
            sale = r.sale
            net = sale.net_total if sale.total == r.amount else None
            item = c.item(
                direction="ar",
                party=party,
                source="wholesale",
                doc=sale,
                model="sale",
                amount=r.amount,
                allocated=r.collected,
                created_at=r.created_at,
                due_date=r.due_date,
                actor_id=sale.created_by_id,
                net=net,
                tax=(r.amount - net) if net is not None else ZERO,
                cost=sale.cost_total if net is not None else ZERO,
                memo=f"批发 {sale.customer_name}",
            )
            need = r.collected
            for row in pays:
                if need <= 0:
                    break
                take = min(need, row[1])
                if take > 0:
                    c.allocate(row[0], item, take, sale.created_by_id)
                    row[1] -= take
                    need -= take
            if need > 0:  # collected with no payment on record: carried as one payment
                pay = c.payment(
                    direction="ar",
                    party=party,
                    number=f"SK-MIG-{sale.number or r.pk}",
                    amount=need,
                    method="transfer",
                    created_at=r.created_at,
                    actor_id=sale.created_by_id,
                    note="配件应收已收（迁移）",
                )
                c.allocate(pay, item, need, sale.created_by_id)

    # payables: the supplier's open item of each receipt, what was paid a payment out
    suppliers = {}
    for p in Payable.objects.select_related("receipt", "supplier").order_by("id"):
        key = (p.store_id, p.supplier_id)
        if key not in suppliers:
            s = p.supplier
            suppliers[key] = c.party(
                store_id=p.store_id,
                kind="supplier",
                ref=f"parts.supplier:{s.pk}",
                name=s.name,
                phone=s.phone or "",
                tax_id=s.uscc or "",
                payment_days=s.payment_days,
            )
        party, r = suppliers[key], p.receipt
        net = r.net_amount if r.net_amount + r.tax_amount == p.amount else None
        item = c.item(
            direction="ap",
            party=party,
            source="purchase",
            doc=r,
            model="receipt",
            amount=p.amount,
            allocated=p.paid,
            created_at=p.created_at,
            due_date=p.due_date,
            actor_id=r.created_by_id,
            net=net,
            tax=r.tax_amount if net is not None else ZERO,
            memo=r.delivery_note or "",
        )
        if p.paid > 0:
            pay = c.payment(
                direction="ap",
                party=party,
                number=f"FK-{r.number or p.pk}",
                amount=p.paid,
                method="transfer",
                created_at=p.created_at,
                actor_id=r.created_by_id,
                note="供应商付款（迁移）",
            )
            c.allocate(pay, item, p.paid, r.created_by_id)

    # staff charges (员工赔偿): the write-off's open item on the person's party
    for ch in EmployeeCharge.objects.select_related("employee", "writeoff").order_by("id"):
        party = c.party(
            store_id=ch.store_id,
            kind="internal",
            ref=f"auth.user:{ch.employee_id}",
            name=_person(ch.employee),
        )
        wo = ch.writeoff
        item = c.item(
            direction="ar",
            party=party,
            source="staff_charge",
            doc=wo,
            model="writeoff",
            amount=ch.amount,
            allocated=ch.collected,
            created_at=ch.created_at,
            due_date=None,
            actor_id=wo.created_by_id,
            memo="员工赔偿",
        )
        if ch.collected > 0:
            pay = c.payment(
                direction="ar",
                party=party,
                number=f"SK-MIG-{wo.number or ch.pk}-{ch.pk}",
                amount=ch.collected,
                method="transfer",
                created_at=ch.created_at,
                actor_id=wo.created_by_id,
                note="员工赔偿扣回（迁移）",
            )
            c.allocate(pay, item, ch.collected, wo.created_by_id)


def grant(apps, schema_editor):
    from fours.core.roles import Role, grant_permissions

    grant_permissions(
        apps,
        "parts",
        {
            Role.STOREKEEPER: ["issue_sale"],
            Role.PARTS_MANAGER: ["issue_sale"],
            Role.CASHIER: ["view_tradecustomer"],
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_search_keys_generated"),
        ("parts", "0007_parts_import_job"),
        ("finance", "0002_grant_permissions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="sale",
            options={
                "ordering": ["-id"],
                "permissions": [("issue_sale", "销售出库")],
                "verbose_name": "配件销售单",
                "verbose_name_plural": "配件销售单",
            },
        ),
        migrations.AddField(
            model_name="receipt",
            name="invoice_no",
            field=models.CharField(blank=True, max_length=40, verbose_name="供应商发票号"),
        ),
        migrations.AddField(
            model_name="sale",
            name="buyer",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="customers.customer",
                verbose_name="档案客户",
            ),
        ),
        migrations.AddField(
            model_name="sale",
            name="issued_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="出库人",
            ),
        ),
        migrations.AlterField(
            model_name="sale",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "草稿"),
                    ("billed", "已开单"),
                    ("posted", "已出库"),
                    ("cancelled", "已作废"),
                    ("reversed", "已冲销"),
                ],
                default="draft",
                max_length=10,
                verbose_name="状态",
            ),
        ),
        migrations.RunPython(carry, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
        migrations.RemoveField(model_name="employeecharge", name="employee"),
        migrations.RemoveField(model_name="employeecharge", name="store"),
        migrations.RemoveField(model_name="employeecharge", name="writeoff"),
        migrations.RemoveField(model_name="payable", name="receipt"),
        migrations.RemoveField(model_name="payable", name="store"),
        migrations.RemoveField(model_name="payable", name="supplier"),
        migrations.RemoveField(model_name="receivable", name="customer"),
        migrations.RemoveField(model_name="receivable", name="sale"),
        migrations.RemoveField(model_name="receivable", name="store"),
        migrations.RemoveField(model_name="tradecustomer", name="credit_limit"),
        migrations.DeleteModel(name="CustomerPayment"),
        migrations.DeleteModel(name="EmployeeCharge"),
        migrations.DeleteModel(name="Payable"),
        migrations.DeleteModel(name="Receivable"),
    ]
