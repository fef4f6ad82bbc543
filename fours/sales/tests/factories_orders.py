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
    cust = kw.pop("customer", None) or customer(store, consultant)
    lead = kw.pop("lead", None)
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
