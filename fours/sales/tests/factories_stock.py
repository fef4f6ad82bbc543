"""Test data of vehicle stock: valid VINs, the store's vehicle clerk, a floor-plan bank, and vehicles made
through the stock services (dispatched, arrived N days ago, PDI passed)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from fours.core.roles import Role
from fours.core.tests.factories import user_with_role
from fours.core.validators import vin_check_digit

_seq = itertools.count(1)
PASS = {"外观漆面": True, "发动机舱油液": True, "灯光仪表": True}


def make_vin(n: int | None = None, prefix: str = "LVGBE40K") -> str:
    """A 17-character VIN with the right check digit (position 9)."""
    n = next(_seq) if n is None else n
    tail = f"{'S'}A{n:06d}"[-8:]
    body = f"{prefix[:8]}0{tail}"
    return body[:8] + vin_check_digit(body) + body[9:]


def bad_vin(n: int | None = None) -> str:
    """A VIN whose check digit is wrong."""
    vin = make_vin(n)
    wrong = "0" if vin[8] != "0" else "1"
    return vin[:8] + wrong + vin[9:]


def clerk(store):
    """The store's vehicle clerk (整车库管), made once, allowed to ask finance for payments."""
    from django.contrib.auth.models import Permission

    from fours.core.models import Membership

    m = (
        Membership.objects.filter(store=store, role__name=str(Role.VEHICLE_CLERK), user__is_active=True)
        .select_related("user")
        .first()
    )
    if m:
        return m.user
    user = user_with_role(Role.VEHICLE_CLERK, store, f"stock_clerk_{store.pk}")
    if not user.has_perm("finance.add_paymentrequest"):
        user.user_permissions.add(
            Permission.objects.get(codename="add_paymentrequest", content_type__app_label="finance")
        )
        for attr in ("_perm_cache", "_user_perm_cache"):
            user.__dict__.pop(attr, None)
    return user


def bank(store, name: str = "工商银行"):
    from fours.finance.choices import PartyKind
    from fours.finance.services import party_for

    return party_for(store=store, kind=PartyKind.BANK, name=name, ref=f"bank:{name}")


def vehicle_in_transit(store, configuration, colour: str = "白色", **kw):
    """A vehicle dispatched by the manufacturer (在途). kw: vin, purchase_price, funding ("own" /
    "floor_plan"), floor_plan_bank, floor_plan_due, dispatched_on, actor, engine_no."""
    from fours.sales.services.stock import vehicle_dispatch

    actor = kw.pop("actor", None) or clerk(store)
    funding = kw.pop("funding", "own")
    price = kw.pop("purchase_price", None) or (configuration.msrp or Decimal("150000")) * Decimal("0.9")
    data = {}
    if funding == "floor_plan":
        data["floor_plan_bank"] = kw.pop("floor_plan_bank", None) or bank(store)
        data["floor_plan_due"] = kw.pop("floor_plan_due", None) or timezone.localdate() + dt.timedelta(
            days=90
        )
        if "floor_plan_amount" in kw:
            data["floor_plan_amount"] = kw.pop("floor_plan_amount")
    return vehicle_dispatch(
        actor=actor,
        store=store,
        configuration=configuration,
        vin=kw.pop("vin", None) or make_vin(),
        colour=colour,
        purchase_price=price,
        funding=funding,
        dispatched_on=kw.pop("dispatched_on", None),
        engine_no=kw.pop("engine_no", "") or f"E{next(_seq):07d}",
        **data,
        **kw,
    )


def vehicle_arrived(store, configuration, colour: str = "白色", **kw):
    """A vehicle that arrived ``days`` days ago (default 10) and waits for its PDI (待PDI)."""
    from fours.sales.services.stock import vehicle_arrive

    days = kw.pop("days", 10)
    actor = kw.get("actor") or clerk(store)
    kw["actor"] = actor
    arrived = timezone.localdate() - dt.timedelta(days=days)
    kw.setdefault("dispatched_on", arrived - dt.timedelta(days=3))
    v = vehicle_in_transit(store, configuration, colour, **kw)
    return vehicle_arrive(
        actor=actor,
        vehicle=v,
        vin=v.vin,
        certificate_no=f"WDK{v.pk:09d}",
        key_count=2,
        arrived_on=arrived,
        location="A区",
        checklist={"外观漆面": True, "随车文件": True},
    )


def vehicle_in_stock(store, configuration, colour: str = "白色", **kw):
    """A vehicle in stock (在库, PDI passed) that arrived ``days`` days ago (default 10), made through the
    stock services. kw: days, vin, purchase_price, funding, floor_plan_bank, floor_plan_due, actor, and
    ``status`` ("demo", "at_outlet" with ``outlet``) to move it on."""
    from fours.sales.services.stock import vehicle_move, vehicle_pdi

    status = kw.pop("status", "in_stock")
    outlet = kw.pop("outlet", None)
    actor = kw.get("actor") or clerk(store)
    kw["actor"] = actor
    v = vehicle_arrived(store, configuration, colour, **kw)
    vehicle_pdi(actor=actor, vehicle=v, checklist=PASS)
    v.refresh_from_db()
    if status == "demo":
        v = vehicle_move(actor=actor, vehicle=v, to="demo")
    elif status == "at_outlet":
        from fours.sales.services.stock import outlet_save, vehicle_to_outlet

        outlet = outlet or outlet_save(actor=actor, store=store, name=f"二网{next(_seq)}")
        v = vehicle_to_outlet(actor=actor, vehicle=v, outlet=outlet)
    v.refresh_from_db()
    return v
