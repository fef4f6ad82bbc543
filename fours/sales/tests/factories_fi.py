"""Fixtures of the F&I tests: an authorised vehicle order with its customer's receivable posted in finance
(as the order's authorisation posts it), partners and products, a complete 五大件 file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fours.core.choices import DepartmentKind
from fours.core.money import split_vat
from fours.core.roles import Role
from fours.customers.models import Brand, Configuration, Customer, Series, Vehicle, VehicleModel
from fours.finance import services as money
from fours.finance.choices import Direction, ItemSource, Method, PartyKind
from fours.sales.choices import LoanDoc, OrderStatus, ProductKind
from fours.sales.models import Product, VehicleOrder
from fours.sales.services import fi

_seq = {"n": 0}


def _next() -> int:
    _seq["n"] += 1
    return _seq["n"]


def configuration(name="2.0L 豪华版", msrp=Decimal("200000")) -> Configuration:
    brand, _ = Brand.objects.get_or_create(name="丰田", defaults={"code": "TY"})
    series, _ = Series.objects.get_or_create(brand=brand, name="凯美瑞")
    model, _ = VehicleModel.objects.get_or_create(series=series, name="凯美瑞")
    conf, _ = Configuration.objects.get_or_create(model=model, year=2026, name=name, defaults={"msrp": msrp})
    return conf


def customer(store, name="李娜") -> Customer:
    n = _next()
    return Customer.objects.create(group=store.group, name=name, mobile=f"139{n:08d}")


def order_post(order: VehicleOrder, actor) -> None:
    """The customer's 整车销售 receivable of the order, as the manager's authorisation posts it."""
    net, vat = split_vat(order.total, order.store.vat_rate)
    money.items_post(
        actor=actor,
        store=order.store,
        doc=order,
        doc_number=order.number,
        rows=[
            money.ItemRow(
                party=money.customer_party(order.store, order.customer),
                direction=Direction.RECEIVABLE,
                source=ItemSource.VEHICLE_SALE,
                department=DepartmentKind.SALES,
                amount=order.total,
                net_amount=net,
                tax_amount=vat,
            )
        ],
    )


def authorised_order(store, consultant, *, status=None, **kw) -> VehicleOrder:
    """An order the store's sales manager authorised through the orders services (its customer's
    receivable posted in finance); ``status=OrderStatus.QUOTE`` stops at the quote."""
    from . import factories_orders

    if status == OrderStatus.QUOTE:
        return factories_orders.quote(store, consultant, **kw)
    return factories_orders.authorised_order(store, consultant, **kw)


def own_order(store, consultant, *, total=Decimal("200000"), deposit=Decimal("5000"), **kw) -> VehicleOrder:
    """An authorised order made directly, its receivable posted as the authorisation posts it (for a test
    that needs an order whatever the orders services do)."""
    n = _next()
    order = VehicleOrder.objects.create(
        store=store,
        number=f"XD-T-{n:06d}",
        customer=kw.pop("customer", None) or customer(store),
        consultant=consultant,
        status=kw.pop("status", OrderStatus.AUTHORISED),
        configuration=kw.pop("configuration", None) or configuration(),
        colour=kw.pop("colour", "白色"),
        list_price=total,
        total=total,
        deposit=deposit,
        authorised_at=timezone.now(),
        **kw,
    )
    order_post(order, consultant)
    return order


def pay(cashier, order: VehicleOrder, amount, *, source=ItemSource.VEHICLE_SALE, party=None):
    """The cashier takes ``amount`` against the order's open item of ``source`` (the desk's way)."""
    from fours.finance.models import OpenItem

    item = (
        OpenItem.objects.filter(doc_id=order.pk, source=source, amount__gt=0, status__in=["open", "partial"])
        .filter(doc_type__model="vehicleorder")
        .order_by("-pk")
        .first()
    )
    return money.payment_take(
        actor=cashier,
        store=order.store,
        party=party or item.party,
        lines=[(Method.TRANSFER, str(amount))],
        allocations=[(item, Decimal(str(amount)))],
    )


def loan_product(store, actor, *, name="工商银行", pct=Decimal("2.00"), kind=PartyKind.BANK) -> Product:
    partner = fi.partner_create(actor=actor, store=store, kind=kind, name=name)
    return fi.product_save(
        actor=actor,
        store=store,
        partner=partner,
        kind=ProductKind.LOAN,
        name=f"{name}汽车分期36期",
        term_months=36,
        rate_pct="3.50",
        commission_pct=pct,
    )


def insurance_product(store, actor, *, name="人保财险", pct=Decimal("12.00")) -> Product:
    partner = fi.partner_create(actor=actor, store=store, kind=PartyKind.INSURER, name=name)
    return fi.product_save(
        actor=actor,
        store=store,
        partner=partner,
        kind=ProductKind.INSURANCE,
        name="新车商业险",
        commission_pct=pct,
    )


def scan(name="scan.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\xff\xd8\xff\xe0 scan", content_type="image/jpeg")


def full_file(loan, actor, *, skip=()) -> None:
    for kind in LoanDoc.five():
        if kind not in skip:
            fi.loan_document_add(actor=actor, loan=loan, kind=kind, file=scan(f"{kind}.jpg"))


def archive_vehicle(store, owner, vin="LVGBE40K8GP123457") -> Vehicle:
    return Vehicle.objects.create(group=store.group, owner=owner, vin=vin, configuration=configuration())


@pytest.fixture
def fi_user(make_user, store_a):
    return make_user(Role.FINANCE_INSURANCE, store_a, "fi_a")


@pytest.fixture
def consultant(make_user, store_a):
    return make_user(Role.SALES_CONSULTANT, store_a, "sc_a")


@pytest.fixture
def sales_manager(make_user, store_a):
    return make_user(Role.SALES_MANAGER, store_a, "sm_a")


@pytest.fixture
def cashier(make_user, store_a):
    return make_user(Role.CASHIER, store_a, "cashier_a")


@pytest.fixture
def fi_cashier(make_user, store_a):
    """An F&I specialist who also works the cash desk (a small store)."""
    from fours.core.tests.factories import member

    return member(make_user(Role.FINANCE_INSURANCE, store_a, "fi_cash_a"), Role.CASHIER, store=store_a)


@pytest.fixture
def order(store_a, consultant):
    return authorised_order(store_a, consultant)


@pytest.fixture
def loan_prod(store_a, fi_user):
    return loan_product(store_a, fi_user)


@pytest.fixture
def ins_prod(store_a, fi_user):
    return insurance_product(store_a, fi_user)


def today() -> dt.date:
    return timezone.localdate()


__all__ = [
    "archive_vehicle",
    "authorised_order",
    "cashier",
    "configuration",
    "consultant",
    "customer",
    "fi_cashier",
    "fi_user",
    "full_file",
    "ins_prod",
    "insurance_product",
    "loan_prod",
    "loan_product",
    "order",
    "order_post",
    "own_order",
    "pay",
    "sales_manager",
    "scan",
    "today",
]
