"""Test data of the reports: sales documents written straight through the ORM (dated as given), and the
summary rows the posting services would add for them (``post``), following the table of the reports app."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from fours.reports.choices import Metric
from fours.reports.services import summary_add

_seq = itertools.count(1)

M = Metric


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A moment of a local day."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def model_conf(model_name="凯美瑞", name="2.0G 豪华版", brand="丰田"):
    from fours.customers.models import Brand, Configuration, Series, VehicleModel

    b, _ = Brand.objects.get_or_create(name=brand)
    s, _ = Series.objects.get_or_create(brand=b, name=model_name)
    vm, _ = VehicleModel.objects.get_or_create(series=s, name=model_name)
    conf, _ = Configuration.objects.get_or_create(
        model=vm, year=2025, name=name, defaults={"msrp": Decimal("200000")}
    )
    return conf


def customer(store, name=None):
    from fours.customers.models import Customer

    n = next(_seq)
    return Customer.objects.create(group=store.group, name=name or f"报表客户{n}", mobile=f"137{n:08d}")


def vin(n: int | None = None) -> str:
    n = next(_seq) if n is None else n
    return f"LRPT{n:013d}"[:17]


# --- documents, each with what its posting service adds to the summaries ----------------------------


def visit(store, consultant, when, kind="walk_in", post=True, model=None):
    from fours.sales.models import Visit

    v = Visit.objects.create(
        store=store, kind=kind, arrived_at=when, consultant=consultant, intended_model=model, created_at=when
    )
    if post:
        summary_add(
            store=store,
            metric=M.TRAFFIC if kind == "walk_in" else M.CALLS,
            day=timezone.localdate(when),
            person=consultant,
        )
    return v


def lead(store, owner, when, model=None, post=True, **kw):
    from fours.sales.models import Lead

    n = next(_seq)
    obj = Lead.objects.create(
        store=store, name=kw.pop("name", f"潜客{n}"), owner=owner, intended_model=model, **kw
    )
    Lead.objects.filter(pk=obj.pk).update(created_at=when)
    obj.created_at = when
    if post:
        summary_add(
            store=store,
            metric=M.LEADS,
            day=timezone.localdate(when),
            person=owner,
            dimension=f"model:{model.pk}" if model else "",
        )
    return obj


def follow_up(store, lead_obj, actor, when, post=True):
    from fours.sales.models import FollowUp

    f = FollowUp.objects.create(
        store=store, lead=lead_obj, at=when, channel="call", result="电话回访", grade="B", actor=actor
    )
    if post:
        summary_add(store=store, metric=M.FOLLOW_UPS, day=timezone.localdate(when), person=actor)
    return f


def defeat(lead_obj, when, reason="price", competitor="", post=True):
    from fours.sales.models import Lead

    Lead.objects.filter(pk=lead_obj.pk).update(
        status="defeated",
        defeat_reason=reason,
        defeat_decided_at=when,
        competitor_model=competitor,
        ended_at=when,
    )
    if post:
        summary_add(
            store=lead_obj.store,
            metric=M.DEFEATS,
            day=timezone.localdate(when),
            person=lead_obj.owner,
            dimension=f"reason:{reason}",
        )


def stock_vehicle(store, conf, arrived_on=None, status="in_stock", post=True, **kw):
    from fours.sales.models import StockVehicle

    v = StockVehicle.objects.create(
        store=store,
        vin=kw.pop("vin", None) or vin(),
        configuration=conf,
        colour=kw.pop("colour", "白色"),
        status=status,
        arrived_on=arrived_on,
        purchase_net=kw.pop("purchase_net", Decimal("150000")),
        **kw,
    )
    if post and arrived_on:
        summary_add(store=store, metric=M.ARRIVALS, day=arrived_on, dimension=f"model:{conf.model_id}")
    return v


def test_drive(store, lead_obj, vehicle, consultant, when, done=True, post=True):
    from fours.sales.models import TestDrive

    d = TestDrive.objects.create(
        store=store,
        lead=lead_obj,
        vehicle=vehicle,
        consultant=consultant,
        starts_at=when,
        ends_at=when + dt.timedelta(minutes=30),
        status="done" if done else "booked",
        driver_name="张三",
        licence_no="440101199001011234",
        licence_expiry=dt.date(2030, 1, 1),
        finished_at=when + dt.timedelta(minutes=30) if done else None,
    )
    if post and done:
        summary_add(
            store=store,
            metric=M.TEST_DRIVES,
            day=timezone.localdate(d.finished_at),
            person=consultant,
            dimension=f"model:{vehicle.configuration.model_id}",
        )
    return d


def order(store, consultant, conf, ordered=None, delivered=None, cancelled=None, post=True, **kw):
    """An order ordered (下定) at ``ordered``, then delivered or cancelled, with its figures."""
    from fours.sales.models import VehicleOrder

    status = "quote"
    if ordered:
        status = "ordered"
    if delivered:
        status = "delivered"
    if cancelled:
        status = "cancelled"
    o = VehicleOrder.objects.create(
        store=store,
        customer=kw.pop("customer", None) or customer(store),
        consultant=consultant,
        configuration=conf,
        colour="白色",
        status=kw.pop("status", status),
        list_price=kw.pop("list_price", Decimal("200000")),
        total=kw.pop("total", Decimal("198000")),
        accessories_amount=kw.pop("accessories_amount", Decimal("3000")),
        gross_profit=kw.pop("gross_profit", Decimal("8000")),
        ordered_at=ordered,
        delivered_at=delivered,
        cancelled_at=cancelled,
        **kw,
    )
    if post:
        dim = f"model:{conf.model_id}"
        if ordered:
            summary_add(
                store=store,
                metric=M.ORDERS,
                day=timezone.localdate(ordered),
                person=consultant,
                dimension=dim,
            )
        if cancelled and ordered:
            summary_add(
                store=store, metric=M.CANCELLATIONS, day=timezone.localdate(cancelled), person=consultant
            )
        if delivered:
            day = timezone.localdate(delivered)
            summary_add(store=store, metric=M.DELIVERIES, day=day, person=consultant, dimension=dim)
            summary_add(
                store=store,
                metric=M.VEHICLE_REVENUE,
                value=o.total,
                day=day,
                person=consultant,
                dimension=dim,
            )
            summary_add(
                store=store,
                metric=M.GROSS_PROFIT,
                value=o.gross_profit,
                day=day,
                person=consultant,
                dimension=dim,
            )
            summary_add(
                store=store,
                metric=M.ACCESSORY_REVENUE,
                value=o.accessories_amount,
                day=day,
                person=consultant,
            )
    return o


def product(store, kind="loan"):
    from fours.finance.services import party_for
    from fours.sales.models import Product

    n = next(_seq)
    party = party_for(store=store, kind="bank" if kind == "loan" else "insurer", name=f"合作机构{n}")
    return Product.objects.create(store=store, partner=party, kind=kind, name=f"产品{n}", commission_pct=2)


def loan(order_obj, when, commission=Decimal("1500"), post=True):
    from fours.sales.models import LoanApplication

    store = order_obj.store
    ln = LoanApplication.objects.create(
        store=store,
        order=order_obj,
        product=product(store),
        amount=Decimal("100000"),
        term_months=36,
        status="disbursed",
        disbursed_at=when,
        commission=commission,
    )
    if post:
        day = timezone.localdate(when)
        summary_add(store=store, metric=M.LOANS, day=day, person=order_obj.consultant)
        summary_add(
            store=store, metric=M.FI_COMMISSION, value=commission, day=day, person=order_obj.consultant
        )
    return ln


def policy(store, order_obj, when, specialist=None, commission=Decimal("800"), post=True):
    from fours.sales.models import Policy

    n = next(_seq)
    p = Policy.objects.create(
        store=store,
        order=order_obj,
        product=product(store, "insurance"),
        policy_no=f"PDAA{n:08d}",
        premium=Decimal("6000"),
        commission=commission,
        starts_on=timezone.localdate(when),
        expires_on=timezone.localdate(when) + dt.timedelta(days=365),
        specialist=specialist,
        created_at=when,
    )
    if post:
        person = order_obj.consultant if order_obj else specialist
        day = timezone.localdate(when)
        summary_add(store=store, metric=M.POLICIES, day=day, person=person)
        summary_add(store=store, metric=M.FI_COMMISSION, value=commission, day=day, person=person)
    return p
