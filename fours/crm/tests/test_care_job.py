"""The daily job queues care tasks once per key: deliveries (day 1/3/7), service deliveries, high-value
repairs, maintenance and insurance dates, birthdays and new assignments; never twice, never for a
customer without call consent."""

import datetime as dt
from decimal import Decimal

from django.core.management import call_command
from django.utils import timezone

from fours.crm.models import CareRule
from fours.crm.services import care_tasks_queue
from fours.customers.models import CareKind, CareTask

from .conftest import delivered_ro, make_customer, make_vehicle


def _kinds(store):
    return sorted(CareTask.objects.filter(store=store).values_list("kind", "key"))


def test_service_delivery_and_high_value_queued_once(store_a, crm_user, advisor):
    ro = delivered_ro(store_a, advisor, total=Decimal("12000"))
    first = care_tasks_queue(store=store_a)
    assert first == {CareKind.SERVICE_DELIVERY: 1, CareKind.HIGH_VALUE: 1}
    t = CareTask.objects.get(store=store_a, key=f"ro:{ro.pk}:d3")
    assert t.assignee == crm_user and t.due_date == timezone.localdate() + dt.timedelta(days=3)
    assert t.doc == ro and t.doc_number == ro.number
    hv = CareTask.objects.get(store=store_a, key=f"ro:{ro.pk}:hv:d7")
    assert hv.kind == CareKind.HIGH_VALUE
    before = _kinds(store_a)
    assert care_tasks_queue(store=store_a) == {}
    assert _kinds(store_a) == before


def test_high_value_below_the_rule_amount_is_not_queued(store_a, crm_user, advisor):
    CareRule.objects.create(store=store_a, kind=CareKind.HIGH_VALUE, offsets=[7], min_amount=Decimal("20000"))
    delivered_ro(store_a, advisor, total=Decimal("12000"))
    assert CareKind.HIGH_VALUE not in care_tasks_queue(store=store_a)


def test_vehicle_delivery_day_1_3_7_with_the_delivery_keys(store_a, crm_user, make_user):
    from fours.sales.choices import OrderStatus
    from fours.sales.models import VehicleOrder
    from fours.sales.tests.factories_fi import configuration

    consultant = make_user("销售顾问", store_a, "sc_a")
    c = make_customer(store_a, crm_user)
    o = VehicleOrder.objects.create(
        store=store_a,
        number="XD-1",
        customer=c,
        consultant=consultant,
        status=OrderStatus.DELIVERED,
        configuration=configuration(),
        colour="白",
        delivered_at=timezone.now(),
    )
    made = care_tasks_queue(store=store_a)
    assert made[CareKind.VEHICLE_DELIVERY] == 3
    keys = set(CareTask.objects.filter(kind=CareKind.VEHICLE_DELIVERY).values_list("key", flat=True))
    assert keys == {f"order:{o.pk}:d1", f"order:{o.pk}:d3", f"order:{o.pk}:d7"}


def test_dates_maintenance_insurance_birthday(store_a, crm_user):
    today = timezone.localdate()
    c = make_customer(store_a, crm_user, birthday=dt.date(1980, today.month, today.day))
    make_vehicle(
        store_a,
        c,
        next_maintenance_date=today + dt.timedelta(days=7),
        policy_expiry=today + dt.timedelta(days=15),
    )
    made = care_tasks_queue(store=store_a)
    assert made == {CareKind.MAINTENANCE_DUE: 1, CareKind.INSURANCE_DUE: 1, CareKind.BIRTHDAY: 1}
    assert care_tasks_queue(store=store_a) == {}
    ins = CareTask.objects.get(kind=CareKind.INSURANCE_DUE)
    assert ins.key.endswith(":d15") and ins.due_date == today


def test_new_customer_first_contact_within_a_week(store_a, crm_user):
    c = make_customer(store_a, crm_user)
    c.created_store = store_a
    c.save()
    made = care_tasks_queue(store=store_a)
    assert made == {CareKind.NEW_OWNER: 1}
    t = CareTask.objects.get(kind=CareKind.NEW_OWNER)
    assert t.due_date == timezone.localdate(c.created_at) + dt.timedelta(days=7)


def test_no_task_without_call_consent(store_a, crm_user, advisor):
    c = make_customer(store_a, crm_user, consent_call=False)
    delivered_ro(store_a, advisor, customer=c)
    assert care_tasks_queue(store=store_a) == {}
    assert not CareTask.objects.exists()


def test_the_command_run_twice_creates_nothing_twice(store_a, crm_user, advisor):
    delivered_ro(store_a, advisor)
    call_command("care_daily")
    n = CareTask.objects.count()
    assert n == 1
    call_command("care_daily", "--now")
    assert CareTask.objects.count() == n
