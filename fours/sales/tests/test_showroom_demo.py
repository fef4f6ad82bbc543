"""The showroom demo, over a short history: every row is made by the services, leads in several grades,
follow-ups, a defeat asked and decided, the OEM import assigned, today's drives on a demo car."""

import pytest

from fours.core.registry import DemoContext
from fours.core.roles import Role
from fours.reports.models import DailySummary
from fours.sales import demo_showroom
from fours.sales.models import FollowUp, Lead, Visit
from fours.sales.models import TestDrive as Drive

from .factories_showroom import catalogue, demo_car


@pytest.mark.django_db
def test_the_demo_makes_a_showroom_history(make_user, store_a, monkeypatch):
    monkeypatch.setattr(demo_showroom, "DAYS", 21)
    _m, conf = catalogue()
    catalogue(series="卡罗拉", model="卡罗拉", conf="1.2T 精英版")
    demo_car(store_a, conf)
    ctx = DemoContext(group=store_a.group, stores=[store_a])
    for role, name in ((Role.SALES_CONSULTANT, "demo_sc"), (Role.SALES_MANAGER, "demo_mgr")):
        ctx.users[(store_a.code, role)] = make_user(role, store_a, name)
    demo_showroom.load(ctx)
    ctx.run_steps()
    assert Visit.objects.filter(store=store_a, kind="walk_in").count() > 20
    assert Visit.objects.filter(store=store_a, kind="call").exists()
    grades = set(Lead.objects.filter(store=store_a).values_list("grade", flat=True))
    assert len(grades) >= 3
    assert FollowUp.objects.filter(store=store_a).count() > 20
    assert Lead.objects.filter(store=store_a, status__in=["defeated", "defeat_pending"]).exists()
    assert Lead.objects.filter(store=store_a, source="oem", owner__isnull=False).exists()
    assert Lead.objects.filter(store=store_a, is_key_account=True).count() == 2
    assert set(Drive.objects.values_list("status", flat=True)) >= {"done", "booked"}
    assert DailySummary.objects.filter(store=store_a, metric="traffic").exists()
