"""Customer care tasks: queued once per key, never for a customer who withdrew call consent, assigned to
the customer's 客服专员 or the least loaded one."""

import datetime as dt

import pytest

from fours.core.roles import Role
from fours.customers import services
from fours.customers.models import CareKind, CareTask, Customer, CustomerAssignment

DUE = dt.date(2026, 12, 5)


@pytest.fixture
def crm(make_user, store_a):
    return make_user(Role.CRM_SPECIALIST, store_a, "crm_ct")


@pytest.fixture
def customer(store_a):
    return Customer.objects.create(group=store_a.group, name="王五", mobile="13800138000")


def _add(store, customer, key="order:1:d1", **kw):
    return services.care_task_add(
        store=store, customer=customer, kind=CareKind.VEHICLE_DELIVERY, key=key, due_date=DUE, **kw
    )


def test_same_key_twice_is_one_task(store_a, customer, crm):
    first = _add(store_a, customer)
    again = _add(store_a, customer)
    assert first.pk == again.pk
    assert CareTask.objects.filter(store=store_a, key="order:1:d1").count() == 1
    assert first.assignee == crm  # the only 客服专员 of the store


def test_no_call_task_without_call_consent(store_a, customer, crm):
    customer.consent_call = False
    customer.save(update_fields=["consent_call"])
    assert _add(store_a, customer) is None
    assert not CareTask.objects.exists()


def test_assigned_to_the_customers_own_specialist(store_a, customer, crm, make_user):
    other = make_user(Role.CRM_SPECIALIST, store_a, "crm_ct2")
    CustomerAssignment.objects.create(customer=customer, store=store_a, care_specialist=other)
    assert _add(store_a, customer).assignee == other


def test_least_loaded_specialist_when_none_is_assigned(store_a, customer, crm, make_user):
    other = make_user(Role.CRM_SPECIALIST, store_a, "crm_ct3")
    a = _add(store_a, customer, key="k1")
    b = _add(store_a, customer, key="k2")
    assert {a.assignee, b.assignee} == {crm, other}
