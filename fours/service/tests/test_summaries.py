"""The service summaries: kept by the posting services exactly as ``rebuild_summaries`` recomputes them from
the documents, the dashboard's figures equal to a count from the orders, and its queries not growing with
the history."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal as D
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fours.core.errors import BusinessError
from fours.reports.management.commands import rebuild_summaries
from fours.reports.models import DailySummary
from fours.service import reports, services
from fours.service.choices import LabourStatus, ROStatus, SettlementKind
from fours.service.models import LabourLine, RepairOrder, Rework, Settlement

from .conftest import ALL_OK, confirmed, customer_item, finish_work, pay_at_desk, receive
from .factories import vehicle_for

pytestmark = pytest.mark.django_db


def service_differences(store) -> list:
    return [d for d in rebuild_summaries.differences(store) if d[0][1] == "service"]


class Clock:
    """The time the services see (``timezone.now``), moved on by the test."""

    def __init__(self):
        self.now = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)

    def __call__(self):
        return self.now

    def tick(self, **kw):
        self.now += dt.timedelta(**kw)


@pytest.fixture
def clock():
    c = Clock()
    with mock.patch("django.utils.timezone.now", side_effect=c):
        yield c


def _appointment(w, store, vehicle):
    return services.appointment_create(
        actor=w["advisor"],
        store=store,
        vehicle=vehicle,
        advisor=w["advisor"],
        date=timezone.localdate(),
        slot=dt.time(18, 0),
        jobs="常规保养",
    )


def _qc(w, ro, passed=True):
    if passed:
        return services.qc_record(actor=w["qc"], ro=ro, checklist=ALL_OK, passed=True)
    line = ro.labour.exclude(status=LabourStatus.CANCELLED).order_by("pk").last()
    return services.qc_record(
        actor=w["qc"], ro=ro, checklist=ALL_OK, passed=False, reason="刹车仍有异响", rework_lines=[line.pk]
    )


def _redo(w, ro):
    for ln in ro.labour.filter(status=LabourStatus.ASSIGNED):
        services.clock_on(actor=w["tech"], line=ln)
        services.clock_off(actor=w["tech"], line=ln, finished=True)


def _deliver(w, ro):
    ro.refresh_from_db()
    if customer_item(ro).open_amount > 0:
        pay_at_desk(w, ro)
    return services.ro_deliver(actor=w["advisor"], ro=ro)


def by_hand(store, start: dt.date, end: dt.date) -> dict:
    """The dashboard's figures counted from the documents of [start, end] (local days), as the reports read
    them before the summaries: settlements for output, orders by settled_at, delivered_at and received_at."""
    tz = timezone.get_current_timezone()
    s = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    e = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    t0 = dt.datetime.combine(end, dt.time.min, tzinfo=tz)
    sts = list(Settlement.objects.filter(store=store, at__gte=t0, at__lt=e))
    chart: dict = {}
    for x in Settlement.objects.filter(store=store, at__gte=s, at__lt=e):
        day = timezone.localdate(x.at).isoformat()
        labour, parts = chart.get(day, (D(0), D(0)))
        chart[day] = (labour + x.labour_total, parts + x.parts_total)
    settled = list(RepairOrder.objects.filter(store=store, settled_at__gte=s, settled_at__lt=e))
    today_settled = [ro for ro in settled if ro.settled_at >= t0]
    delivered = RepairOrder.objects.filter(
        store=store, delivered_at__gte=s, delivered_at__lt=e, promised_at__isnull=False
    )
    received = RepairOrder.objects.filter(store=store, received_at__gte=s, received_at__lt=e).exclude(
        status=ROStatus.CANCELLED
    )

    def pct(a, b):
        return None if not b else round(D(a) * 100 / D(b), 1)

    def name(u):
        return u.first_name or u.username

    def hours(ros):
        lines = LabourLine.objects.filter(ro__in=ros).exclude(status=LabourStatus.CANCELLED)
        return sum((ln.hours for ln in lines), D(0))

    advisors: dict = {}
    for st_ in Settlement.objects.filter(store=store, at__gte=s, at__lt=e).select_related("ro__advisor"):
        a = advisors.setdefault(name(st_.ro.advisor), {"n": 0, "appts": 0, "total": D(0)})
        a["total"] += st_.total
    for ro in settled:
        a = advisors.setdefault(name(ro.advisor), {"n": 0, "appts": 0, "total": D(0)})
        a["n"] += 1
        a["appts"] += ro.appointment_id is not None
    techs: dict = {}
    for ln in (
        LabourLine.objects.filter(ro__in=settled, technician__isnull=False)
        .exclude(status=LabourStatus.CANCELLED)
        .select_related("technician")
    ):
        t = techs.setdefault(ln.technician, {"sold": D(0), "actual": D(0), "jobs": 0})
        t["sold"] += ln.hours
        t["actual"] += ln.actual_hours
        t["jobs"] += 1
    now = timezone.now()
    open_ = RepairOrder.objects.filter(store=store, status__in=reports.OPEN_STATUSES)
    return {
        "today": {
            "labour": sum((x.labour_total for x in sts), D(0)),
            "parts": sum((x.parts_total for x in sts), D(0)),
            "total": sum((x.total for x in sts), D(0)),
        },
        "counts": {
            "open": open_.count(),
            "in_progress": open_.filter(status__in=[ROStatus.IN_PROGRESS, ROStatus.REWORK]).count(),
            "late": open_.filter(promised_at__lt=now).count(),
            "received_today": RepairOrder.objects.filter(
                store=store, received_at__gte=t0, received_at__lt=e
            ).count(),
        },
        "hours_today": hours(today_settled),
        "hours_30": hours(settled),
        "on_time": pct(sum(1 for ro in delivered if ro.delivered_at <= ro.promised_at), delivered.count()),
        "rework": pct(sum(1 for ro in settled if ro.rework_count), len(settled)),
        "appt_rate": pct(received.filter(appointment__isnull=False).count(), received.count()),
        "chart": chart,
        "advisors": {k: v for k, v in advisors.items() if v["n"] or v["total"]},
        "technicians": {
            name(t): {
                **v,
                "reworks": Rework.objects.filter(store=store, technician=t, at__gte=s, at__lt=e).count(),
            }
            for t, v in techs.items()
        },
    }


def test_postings_keep_the_summaries_the_documents_give_and_the_dashboard_counts_them(
    world, store_a, clock, client_for
):
    """Receive (one from an appointment), rework, settle, reverse and settle again, deliver on time and
    late, cancel one, leave one in the workshop: the kept rows are the rebuilt ones, and every figure of the
    dashboard equals the count from the documents."""
    w = world
    cars = [w["vehicle"], *(vehicle_for(store_a, w["advisor"], model=w["model"]) for _ in range(3))]
    # day 1. 1: from an appointment, settled and delivered on time
    ro1 = confirmed(w, store_a, vehicle=cars[0], appointment=_appointment(w, store_a, cars[0]))
    finish_work(w, ro1)
    _qc(w, ro1)
    services.ro_settle(actor=w["cashier"], ro=ro1)
    _deliver(w, ro1)
    # 2: reworked once and settled; day 2: reversed, settled again and delivered late
    clock.tick(hours=1)
    ro2 = finish_work(w, confirmed(w, store_a, vehicle=cars[1]))
    _qc(w, ro2, passed=False)
    _redo(w, ro2)
    _qc(w, ro2)
    services.ro_settle(actor=w["cashier"], ro=ro2)
    clock.tick(days=1)
    services.ro_settlement_reverse(actor=w["manager"], ro=ro2, reason="金额有误")
    services.ro_settle(actor=w["cashier"], ro=ro2)
    _deliver(w, ro2)
    # 3: received and cancelled; 4: in the workshop, past its promised time
    ro3 = receive(w, store_a, vehicle=cars[2])
    services.ro_cancel(actor=w["advisor"], ro=ro3, reason="客户改期")
    receive(w, store_a, vehicle=cars[3])
    clock.tick(hours=5)

    assert service_differences(store_a) == []
    assert Settlement.objects.filter(kind=SettlementKind.REVERSAL).count() == 1
    ro1.refresh_from_db()
    ro2.refresh_from_db()
    assert ro2.rework_count == 1 and ro2.delivered_at > ro2.promised_at

    r = client_for(w["manager"]).get(reverse("service:dashboard"))
    start, end = reports.period(30)
    want = by_hand(store_a, start, end)
    ctx = r.context
    # today: the reversal and the new settlement of order 2 net out
    assert {k: ctx["today"][k] for k in ("labour", "parts", "total")} == want["today"]
    assert ctx["today"]["total"] == 0 and Settlement.objects.filter(at__date=end).count() == 2
    assert ctx["counts"] == want["counts"] == {"open": 1, "in_progress": 0, "late": 1, "received_today": 2}
    assert ctx["hours_today"] == want["hours_today"] > 0
    assert ctx["hours_30"] == want["hours_30"] > ctx["hours_today"]
    assert ctx["on_time"] == want["on_time"] == D("50.0")
    assert ctx["rework"] == want["rework"] == D("50.0")
    assert ctx["appt_rate"] == want["appt_rate"] == round(D(100) / 3, 1)
    advisors = {a["name"]: {k: a[k] for k in ("n", "appts", "total")} for a in ctx["advisors"]}
    assert advisors == want["advisors"]
    assert list(advisors.values()) == [{"n": 2, "appts": 1, "total": ro1.total + ro2.total}]
    technicians = {
        t["name"]: {k: t[k] for k in ("sold", "actual", "jobs", "reworks")} for t in ctx["technicians"]
    }
    assert technicians == want["technicians"]
    assert [t["reworks"] for t in technicians.values()] == [1]
    chart = {d["day"]: (D(d["labour"]), D(d["parts"])) for d in json.loads(ctx["chart"]) if D(d["labour"])}
    assert chart == {k: v for k, v in want["chart"].items() if v[0]}
    assert len(chart) == 1 and len(json.loads(ctx["chart"])) == 30
    # the home page's figures read the same
    assert reports.today_output(w["manager"], store_a)["total"] == 0
    assert reports.output(w["manager"], store_a, start, end)["total"] == ro1.total + ro2.total


STEPS = st.lists(
    st.tuples(st.sampled_from(["advance", "cancel", "tick"]), st.integers(0, 2), st.booleans()),
    min_size=1,
    max_size=10,
)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
def test_any_sequence_of_postings_keeps_the_summaries_the_documents_give(world, store_a, steps):
    """Random receptions (with or without an appointment), QC passes and reworks, settlements, reversals,
    deliveries and cancellations over three cars and several days: kept == rebuilt after each sequence."""
    w = world
    cars = w.setdefault("cars", [w["vehicle"], *(vehicle_for(store_a, w["advisor"]) for _ in range(2))])
    c = Clock()
    with mock.patch("django.utils.timezone.now", side_effect=c), transaction.atomic():
        ros: dict = {}
        for what, i, flag in steps:
            if what == "tick":
                c.tick(hours=7 if flag else 20)
                continue
            ro = ros.get(i)
            if ro is not None:
                ro.refresh_from_db()
            try:
                if what == "cancel":
                    if ro is not None:
                        services.ro_cancel(actor=w["advisor"], ro=ro, reason="客户改期")
                elif ro is None or ro.status in (ROStatus.DELIVERED, ROStatus.CANCELLED):
                    appt = _appointment(w, store_a, cars[i]) if flag else None
                    ros[i] = receive(w, store_a, vehicle=cars[i], package=w["package"], appointment=appt)
                elif ro.status == ROStatus.RECEIVED:
                    services.ro_estimate_submit(actor=w["advisor"], ro=ro)
                    services.ro_estimate_confirm(
                        actor=w["advisor"], ro=ro, signer_name="王建国", method="print"
                    )
                    finish_work(w, ro)
                elif ro.status == ROStatus.AWAITING_QC:
                    _qc(w, ro, passed=not flag)
                elif ro.status == ROStatus.REWORK:
                    _redo(w, ro)
                elif ro.status == ROStatus.AWAITING_SETTLEMENT:
                    services.ro_settle(actor=w["cashier"], ro=ro)
                elif ro.status == ROStatus.SETTLED and flag:
                    services.ro_settlement_reverse(actor=w["manager"], ro=ro, reason="重新结算")
                elif ro.status == ROStatus.SETTLED:
                    _deliver(w, ro)
            except BusinessError:
                pass  # a step the workflow refuses changes nothing
        assert service_differences(store_a) == []
        transaction.set_rollback(True)


def _settled_copies(store, ro, n):
    """``n`` more delivered orders like ``ro`` (its settlement and lines copied), for the history."""
    st_ = Settlement.objects.get(ro=ro)
    lines = list(LabourLine.objects.filter(ro=ro))
    for k in range(n):
        copy = RepairOrder.objects.get(pk=ro.pk)
        copy.pk = None
        copy.number = f"{ro.number}-{k}"
        copy.save()
        s = Settlement.objects.get(pk=st_.pk)
        s.pk, s.ro, s.number, s.invoice_no = None, copy, f"{st_.number}-{k}", ""
        s.save()
        for ln in lines:
            ln.pk, ln.ro = None, copy
            ln.save()


def test_the_dashboard_reads_as_many_queries_for_30_settled_orders_as_for_2(world, store_a, client_for):
    from .conftest import ready_to_settle

    w = world
    for car in (w["vehicle"], vehicle_for(store_a, w["advisor"], model=w["model"])):
        ro = ready_to_settle(w, store_a, vehicle=car)
        services.ro_settle(actor=w["cashier"], ro=ro)
        _deliver(w, ro)
    c = client_for(w["manager"])
    url = reverse("service:dashboard")
    c.get(url)
    with CaptureQueriesContext(connection) as few:
        r = c.get(url)
    assert len(r.context["advisors"]) == 1
    _settled_copies(store_a, ro, 28)
    rebuild_summaries.rebuild(store_a)
    assert service_differences(store_a) == []
    with CaptureQueriesContext(connection) as many:
        r = c.get(url)
    assert RepairOrder.objects.filter(store=store_a, status=ROStatus.DELIVERED).count() == 30
    assert r.context["advisors"][0]["n"] == 30
    assert len(many) == len(few)
    # the figures read the summaries: no query of the page touches the settlements or the labour lines
    history = [q["sql"] for q in many.captured_queries if "service_settlement" in q["sql"]]
    history += [q["sql"] for q in many.captured_queries if "service_labourline" in q["sql"]]
    assert history == []
    assert len(few) <= 20, [q["sql"] for q in few.captured_queries]


def test_a_refused_posting_adds_nothing(world, store_a):
    w = world
    ro = receive(w, store_a)
    before = list(DailySummary.objects.values_list("metric", "value"))
    with pytest.raises(BusinessError):
        services.ro_settle(actor=w["cashier"], ro=ro)
    assert list(DailySummary.objects.values_list("metric", "value")) == before
    assert service_differences(store_a) == []
