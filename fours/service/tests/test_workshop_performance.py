"""The performance report's figures equal an independent recomputation from the raw rows: the orders
settled in the period, their lines, the clock rows, attendance, reworks and comebacks (summed here with
plain loops over ``values()``, not through the report's code)."""

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP
from decimal import Decimal as D
from unittest import mock

import pytest
from django.utils import timezone

from fours.service import services
from fours.service.models import (
    Attendance,
    Comeback,
    LabourLine,
    PartLine,
    RepairOrder,
    Rework,
    Team,
    TimeLog,
)
from fours.service.selectors_performance import rules_for, workshop_performance
from fours.service.services import quality

from .conftest import ALL_OK, pay_at_desk, receive
from .factories import vehicle_for

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0) - dt.timedelta(days=3)


def at(hours):
    return mock.patch("django.utils.timezone.now", return_value=T0 + dt.timedelta(hours=hours))


def work(w, line, tech, start, length):
    with at(start):
        services.clock_on(actor=tech, line=line)
    with at(start + length):
        services.clock_off(actor=tech, line=line, finished=True)


def settle(w, ro, when):
    with at(when):
        st = services.ro_settle(actor=w["cashier"], ro=ro)
        if st.customer_amount:
            pay_at_desk(w, ro)
        services.ro_deliver(actor=w["advisor"], ro=ro)


@pytest.fixture
def history(world, store_a):
    """Two settled orders: A (tech1 solo, 10% labour discount, one rework, a comeback later), B (a team job
    clocked 2h by tech1 and 1h by tech2, paid internally, from the second advisor); attendance of both."""
    w = world
    team = Team.objects.create(store=store_a, name="机修一组", leader=w["tech"])
    team.members.set([w["tech"], w["tech2"]])
    with at(0):
        a = receive(w, store_a, package=w["package"])
        services.ro_labour_add(actor=w["advisor"], ro=a, operation=w["op_brake"])
        services.ro_part_add(actor=w["advisor"], ro=a, part=w["pads"], qty=1)
        services.ro_discount_set(actor=w["manager"], ro=a, labour_pct=10, parts_pct=0)
        services.ro_estimate_submit(actor=w["advisor"], ro=a)
        services.ro_estimate_confirm(actor=w["advisor"], ro=a, signer_name="王建国", method="print")
        for ln in a.labour.all():
            services.line_dispatch(actor=w["foreman"], line=ln, technician=w["tech"], bay=w["bay"])
    oil, brake = a.labour.order_by("pk")
    work(w, oil, w["tech"], 1, 0.75)
    work(w, brake, w["tech"], 2, 1.5)
    for pl in a.parts.all():
        services.part_issue(actor=w["keeper"], line=pl, old_part_handed_in=True)
    with at(4):
        services.qc_record(
            actor=w["qc"], ro=a, checklist={}, passed=False, reason="异响", rework_lines=[brake.pk]
        )
    work(w, brake, w["tech"], 4.5, 0.5)
    with at(5.5):
        services.qc_record(actor=w["qc"], ro=a, checklist=ALL_OK, passed=True)
    settle(w, a, 6)
    with at(7):
        b = receive(w, store_a, vehicle=vehicle_for(store_a, w["advisor"], model=w["model"]), km=30000)
    b.advisor = w["advisor2"]
    b.save(update_fields=["advisor"])
    with at(7):
        job = services.ro_labour_add(actor=w["advisor"], ro=b, operation=w["op_diag"], payer="internal")
        services.ro_estimate_submit(actor=w["advisor"], ro=b)
        services.ro_estimate_confirm(actor=w["advisor"], ro=b, signer_name="李四", method="print")
        services.line_dispatch(actor=w["foreman"], line=job, team=team)
    with at(8):
        services.clock_on(actor=w["tech"], line=job)
        services.clock_on(actor=w["tech2"], line=job)
    with at(9):
        services.clock_off(actor=w["tech2"], line=job, finished=True)
    with at(10):
        services.clock_off(actor=w["tech"], line=job, finished=True)
    with at(10.5):
        services.qc_record(actor=w["qc"], ro=b, checklist=ALL_OK, passed=True)
    settle(w, b, 11)
    day = timezone.localtime(T0).date()
    Attendance.objects.create(store=store_a, person=w["tech"], day=day, hours=D("8"))
    Attendance.objects.create(store=store_a, person=w["tech2"], day=day, hours=D("4"))
    with at(30):
        again = receive(w, store_a, km=12500)
        quality.comeback_record(
            actor=w["advisor"], ro=again, original=a, original_line=brake, reason="刹车异响复现"
        )
    return w, day


def _pct(a, b):
    return (D(a) * 100 / D(b)).quantize(D("0.1")) if b else None


def _money(x):
    return D(x).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def test_figures_equal_a_recomputation_from_raw_rows(history, store_a):
    w, day = history
    start, end = day - dt.timedelta(days=1), day + dt.timedelta(days=5)
    rep = workshop_performance(store_a, start, end)

    # --- the raw rows ---------------------------------------------------------------------------
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    hi = timezone.make_aware(dt.datetime.combine(end, dt.time.min))
    ros = {
        r["id"]: r
        for r in RepairOrder.objects.filter(store=store_a, settled_at__gte=lo, settled_at__lt=hi).values(
            "id", "advisor_id", "labour_discount_pct", "parts_discount_pct", "rework_count"
        )
    }
    lines = [
        ln
        for ln in LabourLine.objects.filter(ro_id__in=ros).values(
            "id",
            "ro_id",
            "hours",
            "amount",
            "payer",
            "technician_id",
            "team_id",
            "status",
            "approval",
            "operation__category",
        )
        if ln["status"] != "cancelled" and ln["approval"] == "approved"
    ]
    logs = list(
        TimeLog.objects.filter(store=store_a).values("technician_id", "line_id", "started_at", "ended_at")
    )

    def revenue(ln):
        pct = ros[ln["ro_id"]]["labour_discount_pct"] if ln["payer"] == "customer" else 0
        return _money(ln["amount"] * (1 - D(pct) / 100))

    def secs(lg):
        return D((lg["ended_at"] - lg["started_at"]).total_seconds())

    sold, on_jobs, clocked, attended = defaultdict(D), defaultdict(D), defaultdict(D), defaultdict(D)
    for ln in lines:
        if ln["team_id"] is None:
            sold[ln["technician_id"]] += ln["hours"]
        else:
            mine = defaultdict(D)
            for lg in logs:
                if lg["line_id"] == ln["id"]:
                    mine[lg["technician_id"]] += secs(lg)
            for t, s in mine.items():
                sold[t] += ln["hours"] * s / sum(mine.values())
        for lg in logs:
            if lg["line_id"] == ln["id"]:
                on_jobs[lg["technician_id"]] += secs(lg) / 3600
    for lg in logs:
        if lo <= lg["started_at"] < hi:
            clocked[lg["technician_id"]] += secs(lg) / 3600
    for a in Attendance.objects.values("person_id", "hours"):
        attended[a["person_id"]] += a["hours"]

    # --- per technician --------------------------------------------------------------------------
    techs = {r["person"].pk: r for r in rep["technicians"]}
    assert set(techs) == {w["tech"].pk, w["tech2"].pk}
    for pk, r in techs.items():
        assert r["sold"] == sold[pk].quantize(D("0.01"))
        assert r["efficiency"] == _pct(sold[pk], on_jobs[pk])
        assert r["productivity"] == _pct(clocked[pk], attended[pk])
    # the figures by hand: tech1 sold 0.5 + 1.2 + 1 × 2/3, clocked 0.75 + 1.5 + 0.5 + 2
    t1 = techs[w["tech"].pk]
    assert t1["sold"] == (D("0.5") + D("1.2") + D(2) / 3).quantize(D("0.01"))
    assert t1["clocked"] == D("4.75") and t1["productivity"] == _pct(D("4.75"), 8)
    assert t1["reworks"] == Rework.objects.filter(technician=w["tech"]).count() == 1
    assert t1["comebacks"] == 1 and t1["ros"] == 2
    assert techs[w["tech2"].pk]["productivity"] == D("25.0")

    # --- by payer, by trade, per advisor, the store ---------------------------------------------
    pay = defaultdict(lambda: [D(0), D(0)])
    trade = defaultdict(lambda: [D(0), D(0)])
    for ln in lines:
        pay[ln["payer"]][0] += ln["hours"]
        pay[ln["payer"]][1] += revenue(ln)
        trade[ln["operation__category"] or "other"][0] += ln["hours"]
        trade[ln["operation__category"] or "other"][1] += revenue(ln)
    assert {p["payer"]: (p["hours"], p["revenue"], p["rate"]) for p in rep["by_payer"]} == {
        k: (h, r, _money(r / h)) for k, (h, r) in pay.items()
    }
    assert {t["category"]: (t["hours"], t["revenue"]) for t in rep["by_trade"]} == {
        k: tuple(v) for k, v in trade.items()
    }
    parts = defaultdict(D)
    for pl in (
        PartLine.objects.filter(ro_id__in=ros, approval="approved")
        .exclude(status="cancelled")
        .values("ro_id", "qty_issued", "qty_returned", "unit_price", "payer")
    ):
        pct = ros[pl["ro_id"]]["parts_discount_pct"] if pl["payer"] == "customer" else 0
        parts[ros[pl["ro_id"]]["advisor_id"]] += _money(
            (pl["qty_issued"] - pl["qty_returned"]) * pl["unit_price"] * (1 - D(pct) / 100)
        )
    labour_by_adv = defaultdict(D)
    for ln in lines:
        labour_by_adv[ros[ln["ro_id"]]["advisor_id"]] += revenue(ln)
    assert {a["person"].pk: (a["ros"], a["labour"], a["parts"]) for a in rep["advisors"]} == {
        adv: (sum(1 for r in ros.values() if r["advisor_id"] == adv), labour_by_adv[adv], parts[adv])
        for adv in {r["advisor_id"] for r in ros.values()}
    }
    originals = set(Comeback.objects.values_list("original_id", flat=True))
    assert rep["store"]["ros"] == len(ros) == 2
    assert rep["store"]["comeback_rate"] == _pct(len(originals & set(ros)), len(ros))
    assert rep["store"]["first_time_fix"] == _pct(
        sum(1 for r in ros.values() if not r["rework_count"] and r["id"] not in originals), len(ros)
    )
    # --- the piece-rate report: hours × the trade's rate less the deductions -----------------------
    rules = rules_for(store_a)
    by_trade_t1 = defaultdict(D)
    for ln in lines:
        if ln["team_id"] is None and ln["technician_id"] == w["tech"].pk:
            by_trade_t1[ln["operation__category"]] += ln["hours"]
        elif ln["team_id"] is not None:
            by_trade_t1[ln["operation__category"]] += ln["hours"] * 2 / 3
    expected = sum((h * rules["hour_rate"][c] for c, h in by_trade_t1.items()), D(0))
    expected -= rules["rework_deduct"] * 1 + rules["comeback_deduct"] * 1
    assert t1["piece_pay"] == max(_money(expected), D(0))
