"""Test fixtures of the showroom: a lead made through the service, a car model with a configuration, and
a demo car (试驾车) row."""

from __future__ import annotations

import itertools
from decimal import Decimal

from fours.customers.models import Brand, Configuration, Series, VehicleModel

_mobiles = itertools.count(1)


def next_mobile() -> str:
    return f"139{next(_mobiles) % 100_000_000:08d}"


def catalogue(brand="丰田", series="凯美瑞", model="凯美瑞", conf="2.0G 豪华版", msrp="199800"):
    """(model, configuration) of a brand, made once."""
    b, _ = Brand.objects.get_or_create(name=brand)
    s, _ = Series.objects.get_or_create(brand=b, name=series)
    m, _ = VehicleModel.objects.get_or_create(series=s, name=model)
    c, _ = Configuration.objects.get_or_create(
        model=m, year=2026, name=conf, defaults={"msrp": Decimal(msrp)}
    )
    return m, c


def lead(store, owner, **kw):
    """A lead of ``owner`` in ``store`` made by lead_create (owner acts); fields as keywords."""
    from fours.sales.services.showroom import lead_create

    kw.setdefault("name", "张伟")
    kw.setdefault("mobile", next_mobile())
    actor = kw.pop("actor", owner)
    return lead_create(actor=actor, store=store, owner=owner, **kw)


_vins = itertools.count(1)


def demo_car(store, configuration=None, **kw):
    """A stock vehicle of the store in status 试驾车 (the stock area's rows; made directly here)."""
    from fours.sales.choices import VehicleStatus
    from fours.sales.models import StockVehicle

    if configuration is None:
        _m, configuration = catalogue()
    n = next(_vins)
    kw.setdefault("vin", f"LVGDEMO{n:010d}"[:17])
    kw.setdefault("colour", "白色")
    kw.setdefault("status", VehicleStatus.DEMO)
    return StockVehicle.objects.create(store=store, configuration=configuration, number=f"ZC-DEMO-{n}", **kw)
