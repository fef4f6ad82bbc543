"""Service's money goes into finance: every service Payment becomes a finance Payment with its method line
and its allocation (核销) to the order's customer item; every ServiceReceivable becomes an open item (its
collected amount an allocation of a collection payment); the customer items of orders already settled
are made from their Settlement rows. The next migration deletes the two service tables.

Item parties: the archive customer (客户), the manufacturer of the vehicle's brand (厂家, one per brand;
the old receivable named the store's first brand), the insurer by name, the internal department."""

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations, models
from django.db.models import F, Q
from django.utils import timezone

ZERO = Decimal("0")
FEN = Decimal("0.01")
# the old service PaymentMethod codes onto fours.finance.choices.Method (the same five methods)
METHODS = {"cash": "cash", "card": "card", "transfer": "transfer", "wechat": "wechat", "alipay": "alipay"}
SOURCES = {"customer": "ro_customer", "warranty": "ro_warranty", "insurance": "ro_insurance"}
PAYER_SOURCE = {
    "customer": "ro_customer",
    "warranty": "ro_warranty",
    "insurance": "ro_insurance",
    "internal": "ro_internal",
}


def _money(x) -> Decimal:
    return Decimal(x).quantize(FEN, rounding=ROUND_HALF_UP)


def _day(when) -> dt.date:
    return timezone.localdate(when) if when else timezone.localdate()


def _status(amount, allocated) -> str:
    return "settled" if allocated >= amount else "partial" if allocated > 0 else "open"


def carry(apps, schema_editor):
    try:
        OldPayment = apps.get_model("service", "Payment")
        Receivable = apps.get_model("service", "ServiceReceivable")
    except LookupError:  # run again on the current models (a test re-seeding roles): nothing to carry
        return
    RepairOrder = apps.get_model("service", "RepairOrder")
    Settlement = apps.get_model("service", "Settlement")
    Party = apps.get_model("finance", "Party")
    OpenItem = apps.get_model("finance", "OpenItem")
    Payment = apps.get_model("finance", "Payment")
    PaymentLine = apps.get_model("finance", "PaymentLine")
    Allocation = apps.get_model("finance", "Allocation")
    Sequence = apps.get_model("core", "NumberSequence")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Brand = apps.get_model("customers", "Brand")

    if not (
        OldPayment.objects.exists()
        or Receivable.objects.exists()
        or Settlement.objects.filter(kind="normal", customer_amount__gt=0).exists()
    ):
        return
    ro_type, _made = ContentType.objects.get_or_create(app_label="service", model="repairorder")
    parties: dict = {}

    def party(store_id, kind, name, ref="", phone=""):
        key = (store_id, kind, ref or name)
        if key not in parties:
            if ref:
                p, _new = Party.objects.get_or_create(
                    store_id=store_id, kind=kind, ref=ref, defaults={"name": name[:100], "phone": phone}
                )
            else:
                p = Party.objects.filter(store_id=store_id, kind=kind, ref="", name=name[:100]).first()
                p = p or Party.objects.create(store_id=store_id, kind=kind, name=name[:100])
            parties[key] = p
        return parties[key]

    def customer_of(ro):
        c = ro.customer
        return party(ro.store_id, "customer", c.name, f"customers.customer:{c.pk}", c.mobile or "")

    def maker_of(ro):
        v = ro.vehicle
        brand = v.model.series.brand if v.model_id else None
        if brand is None:
            names = [b.strip() for b in ro.store.brands.replace("，", ",").split(",") if b.strip()]
            brand = Brand.objects.filter(name=names[0]).first() if names else None
        if brand is None:
            return party(ro.store_id, "maker", "厂家")
        return party(ro.store_id, "maker", f"{brand.name}厂家", f"customers.brand:{brand.pk}")

    def number(store_id, kind, day):
        row, _new = Sequence.objects.get_or_create(
            store_id=store_id, kind=kind, year=day.year, defaults={"last": 0}
        )
        Sequence.objects.filter(pk=row.pk).update(last=F("last") + 1)
        row.refresh_from_db()
        return f"{kind}-{day.year}-{row.last:06d}"

    def item(ro, p, source, amount, when, *, net=None, tax=ZERO, cost=ZERO, status="open", memo=""):
        day = _day(when)
        return OpenItem.objects.create(
            store_id=ro.store_id,
            direction="ar",
            party=p,
            source=source,
            department="service",
            amount=amount,
            net_amount=amount if net is None else net,
            tax_amount=tax,
            cost_amount=cost,
            status=status,
            posted_on=day,
            due_date=day + dt.timedelta(days=p.payment_days),
            at=when or timezone.now(),
            doc_type=ro_type,
            doc_id=ro.pk,
            doc_number=ro.number,
            memo=memo[:200] or f"{ro.vehicle.plate or ro.vehicle.vin} {ro.customer.name}"[:200],
            invoice_no=ro.invoice_no if source == "ro_customer" else "",
        )

    def allocate(ro, pay, it, amount, when):
        Allocation.objects.create(
            store_id=ro.store_id, payment=pay, item=it, amount=amount, at=when, actor_id=pay.cashier_id
        )
        it.allocated += amount
        it.status = _status(it.amount, it.allocated)
        it.save(update_fields=["allocated", "status"])
        pay.allocated += amount
        pay.save(update_fields=["allocated"])

    ros = RepairOrder.objects.select_related("store", "customer", "vehicle__model__series__brand")
    # 1. the receivables (挂账, 索赔, 保险), with what was collected on them
    customer_items: dict = {}  # settlement id -> the order's customer item
    for r in Receivable.objects.select_related("settlement").order_by("id"):
        ro = ros.get(pk=r.ro_id)
        if r.kind == "customer":
            p = customer_of(ro)
        elif r.kind == "warranty":
            p = maker_of(ro)
        else:
            p = party(ro.store_id, "insurer", r.party or ro.insurer or "保险公司")
        it = item(ro, p, SOURCES[r.kind], r.amount, r.created_at)
        if r.kind == "customer":
            customer_items[r.settlement_id] = it
        if r.collected > 0:
            day = _day(r.created_at)
            pay = Payment.objects.create(
                store_id=ro.store_id,
                number=number(ro.store_id, "SK", day),
                direction="ar",
                kind="receipt",
                party=p,
                amount=r.collected,
                allocated=ZERO,
                business_date=day,
                at=r.created_at,
                note=f"{ro.number} 应收回款（迁移）",
            )
            PaymentLine.objects.create(payment=pay, method="transfer", amount=r.collected)
            allocate(ro, pay, it, min(r.collected, it.amount), r.created_at)
        if r.status == "reversed":
            OpenItem.objects.create(
                store_id=ro.store_id,
                direction="ar",
                party=p,
                source=it.source,
                department="service",
                amount=-it.amount,
                net_amount=-it.net_amount,
                status="reversed",
                posted_on=it.posted_on,
                due_date=it.posted_on,
                doc_type=ro_type,
                doc_id=ro.pk,
                doc_number=ro.number,
                reversal_of=it,
                memo="反结算",
            )
            it.status = "reversed"
            it.save(update_fields=["status"])

    # 2. the customer items of settled orders (paid at the cashier, so never a receivable before)
    live = Settlement.objects.filter(kind="normal", reversed_by__isnull=True, customer_amount__gt=0)
    for st in live.order_by("id"):
        if st.pk in customer_items:
            continue
        ro = ros.get(pk=st.ro_id)
        rate = ro.store.vat_rate
        net = ZERO
        parts_own = parts_all = ZERO
        for ln in st.lines or []:
            amount = Decimal(str(ln.get("amount") or 0))
            if ln.get("type") == "part":
                parts_all += amount
                parts_own += amount if ln.get("payer") == "customer" else ZERO
            if ln.get("payer") == "customer":
                net += _money(amount / (1 + rate))
        if not st.lines:
            net = _money(st.net_total * st.customer_amount / st.total) if st.total else st.customer_amount
        cost = _money(st.parts_cost * parts_own / parts_all) if parts_all else ZERO
        customer_items[st.pk] = item(
            ro,
            customer_of(ro),
            "ro_customer",
            st.customer_amount,
            st.at,
            net=net,
            tax=st.customer_amount - net,
            cost=cost,
        )
    live_item = {it.doc_id: it for it in customer_items.values() if it.status != "reversed"}

    # 3. the payments and refunds taken on the orders, allocated to their customer item in time order
    unallocated: dict = defaultdict(lambda: ZERO)
    for old in OldPayment.objects.order_by("ro_id", "at", "id"):
        ro = ros.get(pk=old.ro_id)
        p = customer_of(ro)
        refund = old.amount < 0
        pay = Payment.objects.create(
            store_id=old.store_id,
            number=old.number,
            direction="ar",
            kind="refund" if refund else "receipt",
            party=p,
            amount=old.amount,
            allocated=ZERO,
            business_date=_day(old.at),
            at=old.at,
            cashier_id=old.cashier_id,
            note=(old.note or ro.number)[:200],
        )
        PaymentLine.objects.create(
            payment=pay, method=METHODS.get(old.method, "cash"), amount=old.amount, reference=old.reference
        )
        it = live_item.get(ro.pk)
        if not refund and it is not None and it.amount - it.allocated > 0:
            allocate(ro, pay, it, min(old.amount, it.amount - it.allocated), old.at)
        unallocated[ro.pk] += pay.amount - pay.allocated
    # what an order reversed after payment holds for its next settlement (Settlement.advance)
    for ro_id, left in unallocated.items():
        if left > 0 and ro_id not in live_item:
            rev = Settlement.objects.filter(ro_id=ro_id, kind="reversal").order_by("-id").first()
            if rev is not None:
                Settlement.objects.filter(pk=rev.pk).update(advance=left)


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0004_technicians_add_parts"),
        ("finance", "0002_grant_permissions"),
        ("customers", "0001_initial"),
        ("core", "0004_finance_kinds"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="settlement",
            name="advance",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=14, verbose_name="预收冲抵"),
        ),
        migrations.RemoveConstraint(model_name="settlement", name="uniq_service_invoice"),
        migrations.AddConstraint(
            model_name="settlement",
            constraint=models.UniqueConstraint(
                condition=Q(("invoice_no", ""), _negated=True),
                fields=("store", "invoice_no"),
                name="uniq_service_invoice",
            ),
        ),
        migrations.RunPython(carry, migrations.RunPython.noop),
    ]
