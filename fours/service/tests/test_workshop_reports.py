"""Manufacturer reports: the monthly operating figures agree with the settled orders and keep them as the
documents behind each figure; the quality report counts a comeback's parts by model, part and mileage;
the Excel opens with the figures in order; attendance refusals change nothing."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.utils import timezone

from fours.core.errors import BusinessError
from fours.service import services
from fours.service.models import Attendance, RepairOrder
from fours.service.selectors_maker import figures_workbook, monthly_operating, quality_info, weekly_info
from fours.service.services import quality as q
from fours.service.services.attendance import attendance_set

from .conftest import ALL_OK, confirmed, finish_work, pay_at_desk, receive

pytestmark = pytest.mark.django_db


def _delivered(w, store, km=12000):
    ro = finish_work(w, confirmed(w, store, km=km))
    services.qc_record(actor=w["qc"], ro=ro, checklist=ALL_OK, passed=True)
    services.ro_settle(actor=w["cashier"], ro=ro)
    pay_at_desk(w, ro)
    services.ro_deliver(actor=w["advisor"], ro=ro)
    ro.refresh_from_db()
    return ro


def test_monthly_and_quality_reports(world, store_a):
    w = world
    first = _delivered(w, store_a)
    again = receive(w, store_a, km=12600)
    q.comeback_record(actor=w["advisor"], ro=again, original=first, reason="刹车异响")
    month = timezone.localdate().replace(day=1)
    figs = {f.key: f for f in monthly_operating(store_a, month)}
    assert figs["settled"].value == 1 and figs["settled"].docs == [first.pk]
    assert figs["received"].value == 2 and sorted(figs["received"].docs) == sorted([first.pk, again.pk])
    assert figs["output"].value == first.total and figs["output"].money
    assert figs["comebacks"].value == 1 and figs["comebacks"].docs == [first.pk]
    assert figs["first_time_fix"].value == D("0.0")
    week = weekly_info(store_a, timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday()))
    assert [c["ro"].pk for c in week["cases"]] == [again.pk]
    # the comeback order replaces the pads: a failure of the model and part in its mileage band
    ro = again
    services.ro_labour_add(actor=w["advisor"], ro=ro, operation=w["op_brake"], payer="internal")
    services.ro_part_add(actor=w["advisor"], ro=ro, part=w["pads"], qty=1, payer="internal")
    services.ro_estimate_submit(actor=w["advisor"], ro=ro)
    services.ro_estimate_confirm(actor=w["advisor"], ro=ro, signer_name="王建国", method="print")
    ro.refresh_from_db()
    ro = finish_work(w, ro)
    services.qc_record(actor=w["qc"], ro=ro, checklist=ALL_OK, passed=True)
    services.ro_settle(actor=w["cashier"], ro=ro)
    start = timezone.localdate() - dt.timedelta(days=1)
    rows = quality_info(store_a, start, start + dt.timedelta(days=3))
    assert [(r["part_no"], r["band"], r["count"], r["comeback"], r["docs"]) for r in rows] == [
        (w["pads"].part_no, "5k–20k", 1, 1, [ro.pk])
    ]
    from openpyxl import load_workbook

    data = figures_workbook(
        store_a, "营业数据报表", f"{month:%Y-%m}", monthly_operating(store_a, month), "monthly"
    )
    ws = load_workbook(io.BytesIO(data)).active
    assert ws["A5"].value == "进厂台次" and ws["B5"].value == 2
    numbers = {r.number for r in RepairOrder.objects.all()}
    assert set(ws["D5"].value.split("、")) <= numbers


def test_attendance_refusals_change_nothing(world, store_a):
    w = world
    today = timezone.localdate()
    with pytest.raises(BusinessError) as e:
        attendance_set(actor=w["foreman"], store=store_a, person=w["cashier"], day=today, hours=8)
    assert e.value.error_code == "not_staff" and "person" in e.value.message_dict
    with pytest.raises(BusinessError) as e:
        attendance_set(actor=w["foreman"], store=store_a, person=w["tech"], day=today, hours="25")
    assert e.value.error_code == "out_of_range" and "hours" in e.value.message_dict
    with pytest.raises(BusinessError) as e:
        attendance_set(
            actor=w["foreman"], store=store_a, person=w["tech"], day=today + dt.timedelta(days=1), hours=8
        )
    assert e.value.error_code == "in_future"
    assert not Attendance.objects.exists()
    attendance_set(actor=w["foreman"], store=store_a, person=w["tech"], day=today, hours="7.5")
    assert Attendance.objects.get().hours == D("7.5")
    attendance_set(actor=w["foreman"], store=store_a, person=w["tech"], day=today, hours="0")
    assert not Attendance.objects.exists()
