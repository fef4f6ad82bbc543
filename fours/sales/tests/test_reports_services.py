"""The summaries the sales posting services keep are the ones ``rebuild_summaries`` computes from their
documents: a day of the showroom and the order desk through the real services, then no difference."""

import pytest

from fours.core.roles import Role
from fours.reports.management.commands.rebuild_summaries import differences, kept

pytestmark = pytest.mark.django_db


def test_showroom_and_orders_services_keep_what_the_rebuild_finds(make_user, store_a):
    from fours.sales.services.showroom import (
        followup_add,
        lead_defeat_approve,
        lead_defeat_request,
        visit_log,
    )
    from fours.sales.tests import factories_orders as fo
    from fours.sales.tests import factories_showroom as fs

    consultant = make_user(Role.SALES_CONSULTANT, store_a, "svc_c1")
    manager = make_user(Role.SALES_MANAGER, store_a, "svc_m1")
    model, _conf = fs.catalogue()
    visit_log(actor=consultant, store=store_a, consultant=consultant, name="王先生", mobile=fs.next_mobile())
    visit_log(actor=consultant, store=store_a, kind="call", consultant=consultant, make_lead=False)
    ld = fs.lead(store_a, consultant, intended_model=model)
    followup_add(actor=consultant, lead=ld, channel="call", result="约周六到店")
    lost = fs.lead(store_a, consultant)
    lead_defeat_request(actor=consultant, lead=lost, reason="competitor", competitor_model="雅阁")
    lead_defeat_approve(actor=manager, lead=lost)
    fo.ordered_order(store_a, consultant, manager=manager)
    stored = kept(store_a)
    metrics = {k[2] for k in stored}
    assert {"traffic", "calls", "leads", "follow_ups", "defeats", "orders"} <= metrics
    assert differences(store_a) == []
