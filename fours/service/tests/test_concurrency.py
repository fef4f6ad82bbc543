"""Races on PostgreSQL: two cashiers settle one order, a technician clocks on two jobs, two storekeepers
issue the last units, two advisors book the last workshop place. Exactly one wins each time; the other
gets a clear refusal and nothing is half-written."""

import pytest
from django.db import connection

from fours.core.errors import BusinessError
from fours.service import services
from fours.service.models import Settlement
from tests.race import race

from .conftest import ready_to_settle
from .factories import build_world


def _race(*calls):
    """Run the calls in threads released at the same moment: (results, refusals, other errors)."""
    return race(*calls, refusal=BusinessError)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_cashiers_settle_at_once(store_a, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proven on PostgreSQL")
    w = build_world(store_a, make_user)
    ro = ready_to_settle(w, store_a)
    ok, refused, errors = _race(
        *(lambda u=u: services.ro_settle(actor=u, ro=ro) for u in (w["cashier"], w["cashier2"]))
    )
    assert errors == []
    assert len(ok) == 1 and len(refused) == 1
    assert "status" in refused[0].message_dict
    assert Settlement.objects.filter(ro=ro).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clock_ons_race(store_a, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proven on PostgreSQL")
    from fours.service.models import TimeLog

    from .conftest import confirmed

    w = build_world(store_a, make_user)
    ro1 = confirmed(w, store_a)
    from .factories import vehicle_for

    ro2 = confirmed(w, store_a, vehicle=vehicle_for(store_a, w["advisor"]))
    lines = [ro1.labour.first(), ro2.labour.first()]
    for ln in lines:
        services.line_dispatch(actor=w["foreman"], line=ln, technician=w["tech"])
    ok, refused, errors = _race(*(lambda ln=ln: services.clock_on(actor=w["tech"], line=ln) for ln in lines))
    assert errors == []
    assert len(ok) == 1 and len(refused) == 1
    assert TimeLog.objects.filter(technician=w["tech"], ended_at__isnull=True).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_storekeepers_issue_the_last_units_at_once(store_a, make_user):
    """Two pick lists want the same two parts (locked in part order, so no deadlock) and there is stock
    for only one of them: one order gets its parts, the other is marked 缺件 (its shortage is decided on
    the locked balances, so it is never refused for stock another order took meanwhile), never below zero."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proven on PostgreSQL")
    from decimal import Decimal as D

    from fours.core.roles import Role
    from fours.parts.models import StockBalance
    from fours.parts.selectors import stock_differences
    from fours.parts.services import stock_receive
    from fours.parts.tests.factories import PartFactory
    from fours.service.choices import PartStatus

    from .conftest import receive
    from .factories import vehicle_for

    w = build_world(store_a, make_user)
    keeper2 = make_user(Role.STOREKEEPER, store_a, "keeper2")
    a, b = PartFactory(group=store_a.group), PartFactory(group=store_a.group)
    for p in (a, b):
        stock_receive(actor=w["pm"], store=store_a, part=p, qty=3, unit_cost=D("10"), doc=p)
    orders = []
    for vehicle, parts in ((w["vehicle"], (a, b)), (vehicle_for(store_a, w["advisor"]), (b, a))):
        ro = receive(w, store_a, vehicle=vehicle)
        for p in parts:
            services.ro_part_add(actor=w["advisor"], ro=ro, part=p, qty=2)
        services.ro_estimate_submit(actor=w["advisor"], ro=ro)
        services.ro_estimate_confirm(actor=w["advisor"], ro=ro, signer_name="王", method="print")
        orders.append(ro)
    _done, refused, errors = _race(
        lambda: services.ro_parts_issue(actor=w["keeper"], ro=orders[0], old_part_handed_in=True),
        lambda: services.ro_parts_issue(actor=keeper2, ro=orders[1], old_part_handed_in=True),
    )
    assert errors == []
    for p in (a, b):
        assert StockBalance.objects.get(store=store_a, part=p).on_hand == 1
    issued = [ro for ro in orders if ro.parts.filter(status=PartStatus.ISSUED).count() == 2]
    assert len(issued) == 1
    other = next(ro for ro in orders if ro not in issued)
    assert other.parts.filter(qty_issued__gt=0).count() == 0
    assert refused == [] and other.parts.filter(status=PartStatus.WAITING).count() == 2
    assert stock_differences(store_a) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_advisors_book_the_last_workshop_place_at_once(store_a, make_user):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are proven on PostgreSQL")
    import datetime as dt

    from django.utils import timezone

    from fours.service.models import Appointment

    from .factories import vehicle_for

    w = build_world(store_a, make_user)
    shop = services.workshop_capacity(store_a)
    shop.per_slot = 1
    shop.save()
    day = timezone.localdate() + dt.timedelta(days=2)
    cars = [vehicle_for(store_a, w["advisor"]), vehicle_for(store_a, w["advisor"])]

    def book(advisor, vehicle):
        return services.appointment_create(
            actor=advisor,
            store=store_a,
            vehicle=vehicle,
            advisor=advisor,
            date=day,
            slot=dt.time(10, 0),
            jobs="常规保养",
        )

    ok, refused, errors = _race(lambda: book(w["advisor"], cars[0]), lambda: book(w["advisor2"], cars[1]))
    assert errors == []
    assert len(ok) == 1 and len(refused) == 1 and "slot" in refused[0].message_dict
    assert Appointment.objects.filter(store=store_a, date=day).count() == 1
