"""Test data of the orders area: a catalogue configuration, a customer, and orders made through the
services up to a given step."""

from __future__ import annotations

import itertools
from decimal import Decimal

from fours.core.roles import Role
from fours.core.tests.factories import user_with_role

_seq = itertools.count(1)


def configuration(msrp="200000.00", *, brand_name="丰田", model_name="凯美瑞", name="2.0G 豪华版", year=2025):
    """A configuration of the catalogue (get or create by its names) at ``msrp``."""
    from fours.customers.models import Brand, Configuration, Series, VehicleModel

    brand, _ = Brand.objects.get_or_create(name=brand_name)
    series, _ = Series.objects.get_or_create(brand=brand, name=model_name)
    vm, _ = VehicleModel.objects.get_or_create(series=series, name=model_name)
    conf, made = Configuration.objects.get_or_create(
        model=vm, year=year, name=name, defaults={"msrp": Decimal(msrp)}
    )
    if not made and conf.msrp != Decimal(msrp):
        conf.msrp = Decimal(msrp)
        conf.save(update_fields=["msrp"])
    return conf


def customer(store, actor=None, *, name=None, mobile=None):
    from fours.customers.services import customer_create

    n = next(_seq)
    actor = actor or user_with_role(Role.SALES_CONSULTANT, store, f"orders_cust_{store.pk}_{n}")
    return customer_create(
        actor=actor,
        store=store,
        data={"name": name or f"购车客户{n}", "mobile": mobile or f"139{store.pk % 100:02d}{n:06d}"[:11]},
        allow_duplicate=True,
    )


def manager(store):
    from fours.core.models import Membership

    m = (
        Membership.objects.filter(store=store, role__name=str(Role.SALES_MANAGER), user__is_active=True)
        .select_related("user")
        .first()
    )
    return m.user if m else user_with_role(Role.SALES_MANAGER, store, f"orders_mgr_{store.pk}")


def quote(store, consultant, **kw):
    """An order at 报价 (quote) through ``order_quote``; ``configuration``, ``customer``, ``lead`` may be
    given, the rest of ``kw`` is the quote's data."""
    from fours.sales.services.orders import order_quote

    conf = kw.pop("configuration", None) or configuration()
    lead = kw.pop("lead", None)
    cust = kw.pop("customer", None) or (None if lead is not None else customer(store, consultant))
    data = {"colour": "白色", "deposit": "5000.00", **kw}
    return order_quote(actor=consultant, store=store, customer=cust, configuration=conf, data=data, lead=lead)


def sent_order(store, consultant, **kw):
    from fours.sales.services.orders import order_send

    return order_send(actor=consultant, order=quote(store, consultant, **kw))


def authorised_order(store, consultant, **kw):
    """An order at 已审批待下定 (authorised): quoted by ``consultant``, sent, authorised by the store's
    sales manager (``manager=`` to choose); the customer's 整车销售 receivable is open in finance."""
    from fours.sales.services.orders import order_authorise

    mgr = kw.pop("manager", None) or manager(store)
    order = sent_order(store, consultant, **kw)
    order = order_authorise(actor=mgr, order=order)
    order.refresh_from_db()
    return order


def cashier(store):
    from fours.core.models import Membership

    m = (
        Membership.objects.filter(store=store, role__name=str(Role.CASHIER), user__is_active=True)
        .select_related("user")
        .first()
    )
    return m.user if m else user_with_role(Role.CASHIER, store, f"orders_cashier_{store.pk}")


def pay(order, amount=None, *, by=None, method="cash"):
    """The customer pays at the cashier desk: ``amount`` (default: all that is open) allocated to the
    order's open items, oldest first."""
    from fours.finance.services import payment_take
    from fours.sales.selectors.orders import order_items

    items = [i for i in order_items(order) if i.open_amount > 0]
    left = sum((i.open_amount for i in items), Decimal("0")) if amount is None else Decimal(str(amount))
    allocations = []
    for it in items:
        if left <= 0:
            break
        take = min(left, it.open_amount)
        allocations.append((it, take))
        left -= take
    party = items[0].party
    total = sum((a for _i, a in allocations), Decimal("0"))
    return payment_take(
        actor=by or cashier(order.store),
        store=order.store,
        party=party,
        lines=[(method, total)],
        allocations=allocations,
    )


def ordered_order(store, consultant, **kw):
    """An order at 已下定: authorised, its deposit paid at the desk, 确认下定 by the consultant."""
    from fours.sales.services.orders import order_confirm

    order = authorised_order(store, consultant, **kw)
    pay(order, order.deposit)
    return order_confirm(actor=consultant, order=order)


def allocator(store):
    """Someone who may allocate and deliver vehicles (the store's 整车库管)."""
    from .factories_stock import clerk

    return clerk(store)


def allocated_order(store, consultant, **kw):
    """An order at 已配车 with an in-stock vehicle of its configuration and colour (``vehicle=`` to give
    one; ``stock=`` kwargs for the stock factory)."""
    from fours.sales.services.orders import order_allocate

    from .factories_stock import vehicle_in_stock

    vehicle = kw.pop("vehicle", None)
    stock = kw.pop("stock", {})
    order = ordered_order(store, consultant, **kw)
    vehicle = vehicle or vehicle_in_stock(store, order.configuration, order.colour, **stock)
    return order_allocate(actor=allocator(store), order=order, vehicle=vehicle)


def accessory_part(store, name="全车防爆膜", retail="3800.00", cost="1500", qty=10):
    """An accessory (精品附件) of the group's catalogue with ``qty`` in the store's stock at ``cost``."""
    from fours.parts.choices import PartCategory
    from fours.parts.services import stock_receive
    from fours.parts.tests.factories import PartFactory

    part = PartFactory(
        group=store.group,
        name=name,
        category=PartCategory.ACCESSORY,
        retail_price=Decimal(retail),
        list_price=Decimal(retail),
    )
    if qty:
        pm = user_with_role(Role.PARTS_MANAGER, store, f"orders_pm_{store.pk}_{part.pk}")
        stock_receive(actor=pm, store=store, part=part, qty=qty, unit_cost=Decimal(cost), doc=part)
    return part


def service_people(store):
    """A service advisor (opens the fitting order) and a storekeeper (issues its pick list)."""
    from fours.core.models import Membership

    def one(role, name):
        m = (
            Membership.objects.filter(store=store, role__name=str(role), user__is_active=True)
            .select_related("user")
            .first()
        )
        return m.user if m else user_with_role(role, store, f"{name}_{store.pk}")

    return one(Role.SERVICE_ADVISOR, "orders_adv"), one(Role.STOREKEEPER, "orders_keeper")


def fit(order):
    """Open the fitting order and issue its pick list (the storekeeper), as the workshop would."""
    from fours.sales.services.orders import order_fitting
    from fours.service.services import ro_parts_issue

    advisor, keeper = service_people(order.store)
    order = order_fitting(actor=order.consultant, order=order, advisor=advisor)
    ro_parts_issue(actor=keeper, ro=order.fitting_order)
    order.refresh_from_db()
    return order


DELIVERY_OK = {
    k: True
    for k in (
        "exterior",
        "interior",
        "documents",
        "keys",
        "functions",
        "accessories",
        "fuel",
        "service_intro",
    )
}
