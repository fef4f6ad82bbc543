"""``rebuild_summaries`` recomputes from the documents exactly what the posting services add up day by
day (the table of the reports app): rebuild == incremental, for a hand-made month and as a property over
random documents (including moments either side of local midnight)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fours.core.roles import Role
from fours.reports.management.commands.rebuild_summaries import differences, kept, rebuild
from fours.reports.models import DailySummary
from fours.reports.tests import factories as f
from fours.sales import summaries

pytestmark = pytest.mark.django_db

DAY0 = dt.date(2026, 10, 1)


@pytest.fixture
def crew(make_user, store_a):
    return [make_user(Role.SALES_CONSULTANT, store_a, f"rb{i}") for i in range(3)]


def _month_of_documents(store, crew):
    camry, rav4 = f.model_conf(), f.model_conf("RAV4荣放", "2.0L 四驱")
    c1, c2, c3 = crew
    f.visit(store, c1, f.at(DAY0, 9))
    f.visit(store, c1, f.at(DAY0, 23, 50))  # late evening: still DAY0 locally
    f.visit(store, c2, f.at(DAY0 + dt.timedelta(days=1), 0, 10), kind="call")
    ld = f.lead(store, c1, f.at(DAY0, 10), model=camry.model)
    f.lead(store, c2, f.at(DAY0, 11))
    f.follow_up(store, ld, c1, f.at(DAY0 + dt.timedelta(days=2), 15))
    lost = f.lead(store, c3, f.at(DAY0, 12), model=rav4.model)
    f.defeat(lost, f.at(DAY0 + dt.timedelta(days=4), 17), reason="competitor", competitor="CR-V")
    demo = f.stock_vehicle(store, rav4, arrived_on=DAY0 - dt.timedelta(days=40), status="demo")
    f.test_drive(store, ld, demo, c1, f.at(DAY0 + dt.timedelta(days=1), 14))
    f.test_drive(store, ld, demo, c1, f.at(DAY0 + dt.timedelta(days=2), 14), done=False)
    f.stock_vehicle(store, camry, arrived_on=DAY0 + dt.timedelta(days=3))
    o1 = f.order(
        store,
        c1,
        camry,
        ordered=f.at(DAY0, 16),
        delivered=f.at(DAY0 + dt.timedelta(days=6), 10),
        gross_profit=Decimal("8123.45"),
    )
    f.order(
        store,
        c2,
        rav4,
        ordered=f.at(DAY0 + dt.timedelta(days=1), 16),
        cancelled=f.at(DAY0 + dt.timedelta(days=5), 9),
    )
    f.order(store, c2, rav4, ordered=f.at(DAY0 + dt.timedelta(days=2), 16))
    f.order(store, c3, rav4)  # a quote: no figure
    f.loan(o1, f.at(DAY0 + dt.timedelta(days=5), 11))
    f.policy(store, o1, f.at(DAY0 + dt.timedelta(days=6), 9))
    f.policy(store, None, f.at(DAY0 + dt.timedelta(days=6), 9), specialist=c3)


def test_rebuild_equals_the_incremental_summaries(store_a, crew):
    _month_of_documents(store_a, crew)
    stored = kept(store_a)
    assert stored  # the month has figures
    assert differences(store_a) == []
    assert stored[(DAY0, "sales", "traffic", crew[0].pk, "")] == 2
    assert (DAY0 + dt.timedelta(days=1), "sales", "calls", crew[1].pk, "") in stored
    assert stored[
        (DAY0 + dt.timedelta(days=6), "sales", "gross_profit", crew[0].pk, f"model:{f.model_conf().model_id}")
    ] == Decimal("8123.45")
    # wipe and rebuild: the same rows
    DailySummary.objects.filter(store=store_a).delete()
    assert rebuild(store_a) == len(stored)
    assert kept(store_a) == stored


def test_check_finds_a_tampered_row_and_rebuild_mends_it(store_a, crew, capsys):
    _month_of_documents(store_a, crew)
    row = DailySummary.objects.filter(store=store_a, metric="gross_profit").get()
    DailySummary.objects.filter(pk=row.pk).update(value=1)
    DailySummary.objects.create(store=store_a, day=DAY0, department="sales", metric="orders", value=5)
    with pytest.raises(SystemExit):
        call_command("rebuild_summaries", "--check", "--store", store_a.code)
    out = capsys.readouterr().out
    assert "2 difference(s)" in out
    call_command("rebuild_summaries", "--store", store_a.code)
    assert differences(store_a) == []
    call_command("rebuild_summaries", "--check", "--store", store_a.code)  # clean: no exit


def test_rebuild_of_a_range_leaves_other_days_and_departments(store_a, crew):
    _month_of_documents(store_a, crew)
    from fours.reports.services import summary_add

    summary_add(store=store_a, metric="ro_count", department="service", day=DAY0)
    outside = DailySummary.objects.create(
        store=store_a, day=DAY0 - dt.timedelta(days=30), department="sales", metric="orders", value=7
    )
    day = DAY0 + dt.timedelta(days=6)
    DailySummary.objects.filter(store=store_a, day=day).update(value=99)
    call_command("rebuild_summaries", "--store", store_a.code, "--from", f"{day}", "--to", f"{day}")
    assert differences(store_a, day, day) == []
    assert DailySummary.objects.filter(pk=outside.pk, value=7).exists()
    assert DailySummary.objects.filter(store=store_a, department="service").exists()


def test_unknown_store_is_an_error(store_a):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("rebuild_summaries", "--store", "NOPE")


# --- property: random documents -------------------------------------------------------------------

moments = st.tuples(st.integers(0, 9), st.sampled_from([(0, 5), (9, 0), (13, 30), (23, 55)]))
events = st.lists(
    st.tuples(
        st.sampled_from(
            ["visit", "call", "lead", "follow_up", "defeat", "drive", "order", "loan", "policy", "arrival"]
        ),
        moments,
        st.integers(0, 2),  # consultant
        st.integers(0, 1),  # model
        st.sampled_from(["ordered", "delivered", "cancelled", "quote"]),
        st.integers(-5000, 20000),  # a GP, may be a loss or nothing
    ),
    max_size=25,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(evs=events)
def test_property_rebuild_equals_incremental(store_a, crew, evs):
    with transaction.atomic():
        confs = [f.model_conf(), f.model_conf("RAV4荣放", "2.0L 四驱")]
        leads, orders = [], []
        demo = f.stock_vehicle(store_a, confs[1], arrived_on=DAY0 - dt.timedelta(days=60), status="demo")
        for kind, ((d, (h, m)), who, mi, stage, gp) in ((e[0], e[1:]) for e in evs):
            when = f.at(DAY0 + dt.timedelta(days=d), h, m)
            person, conf = crew[who], confs[mi]
            if kind in ("visit", "call"):
                f.visit(store_a, person, when, kind="walk_in" if kind == "visit" else "call")
            elif kind == "lead" or (kind in ("follow_up", "defeat", "drive") and not leads):
                leads.append(f.lead(store_a, person, when, model=conf.model if mi else None))
            elif kind == "follow_up":
                f.follow_up(store_a, leads[-1], person, when)
            elif kind == "defeat":
                f.defeat(leads.pop(), when, reason=["price", "budget"][mi])
            elif kind == "drive":
                f.test_drive(store_a, leads[-1], demo, person, when, done=bool(mi))
            elif kind == "order" or not orders:
                later = when + dt.timedelta(days=2)
                orders.append(
                    f.order(
                        store_a,
                        person,
                        conf,
                        ordered=when if stage != "quote" else None,
                        delivered=later if stage == "delivered" else None,
                        cancelled=later if stage == "cancelled" else None,
                        gross_profit=Decimal(gp),
                    )
                )
            elif kind == "loan":
                f.loan(orders[-1], when, commission=Decimal(abs(gp) % 3000))
            elif kind == "policy":
                f.policy(store_a, orders[-1] if mi else None, when, specialist=person)
            elif kind == "arrival":
                f.stock_vehicle(store_a, conf, arrived_on=DAY0 + dt.timedelta(days=d))
        stored = kept(store_a)
        fresh = {
            (r.day, r.department, r.metric, r.person_id, r.dimension): r.value
            for r in summaries.rebuild(store_a)
        }
        assert fresh == stored
        assert differences(store_a) == []
        DailySummary.objects.filter(store=store_a).delete()
        rebuild(store_a)
        assert kept(store_a) == stored
        transaction.set_rollback(True)
