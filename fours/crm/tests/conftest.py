import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from fours.core.roles import Role
from fours.customers.models import Customer, CustomerAssignment, Vehicle

_seq = {"n": 0}


def _n() -> int:
    _seq["n"] += 1
    return _seq["n"]


@pytest.fixture
def crm_user(make_user, store_a):
    return make_user(Role.CRM_SPECIALIST, store_a, "crm_a")


@pytest.fixture
def crm_other(make_user, store_a):
    return make_user(Role.CRM_SPECIALIST, store_a, "crm_a2")


@pytest.fixture
def service_mgr(make_user, store_a):
    return make_user(Role.SERVICE_MANAGER, store_a, "smgr_a")


@pytest.fixture
def advisor(make_user, store_a):
    return make_user(Role.SERVICE_ADVISOR, store_a, "sa_a")


@pytest.fixture
def marketing(make_user, store_a):
    return make_user(Role.MARKETING, store_a, "mkt_a")


def make_customer(store, specialist=None, **kw) -> Customer:
    n = _n()
    c = Customer.objects.create(
        group=store.group, name=kw.pop("name", f"客户{n}"), mobile=f"138{n:08d}", **kw
    )
    CustomerAssignment.objects.create(customer=c, store=store, care_specialist=specialist)
    return c


def make_vehicle(store, owner, **kw) -> Vehicle:
    n = _n()
    return Vehicle.objects.create(group=store.group, owner=owner, vin=f"LVGTEST{n:010d}", **kw)


def delivered_ro(store, advisor, *, customer=None, vehicle=None, days_ago=0, total=Decimal("800"), **kw):
    from fours.service.choices import ROStatus
    from fours.service.models import RepairOrder

    customer = customer or make_customer(store)
    vehicle = vehicle or make_vehicle(store, customer)
    when = timezone.now() - dt.timedelta(days=days_ago)
    return RepairOrder.objects.create(
        store=store,
        number=f"RO-T-{_n():06d}",
        status=kw.pop("status", ROStatus.DELIVERED),
        vehicle=vehicle,
        customer=customer,
        advisor=advisor,
        delivered_at=kw.pop("delivered_at", when),
        received_at=when - dt.timedelta(hours=4),
        total=total,
        **kw,
    )


@pytest.fixture
def customer(store_a, crm_user):
    return make_customer(store_a, crm_user, name="王建国")


@pytest.fixture
def task(store_a, customer, advisor):
    """A 维修后回访 task of a delivered repair order."""
    from fours.crm.services import care_tasks_queue
    from fours.customers.models import CareTask

    delivered_ro(store_a, advisor, customer=customer)
    care_tasks_queue(store=store_a)
    return CareTask.objects.get(customer=customer, kind="service_delivery")
